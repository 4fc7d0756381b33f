"""The converter is the checker: collection responses item by item, forward-compatible reads of
subtypes the package lacks, and the runtime's report built on that one walk."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from generated import beta as generated
from generated.beta import ODataCollection, ReadError, UnknownSubtype
from generated.beta.microsoft_graph import Call, MediaConfig
from runtime.checking.bodies import check_body
from runtime.checking.resolve_type import type_request, type_response
from runtime.checking.validate import TypeRef
from runtime.docs.examples import check_page

PAGE = Path(__file__).parents[1] / "pages" / "list-participants.md"
PARTICIPANTS = TypeRef("microsoft.graph.participant", True)
CALL = "microsoft.graph.call"


def participants_page() -> dict[str, Any]:
    (_, response) = check_page(PAGE)
    assert response.kind == "response"
    text = PAGE.read_text(encoding="utf-8")
    body = text[text.index('{\n  "@odata.context"') : text.rindex("}") + 1]
    value: dict[str, Any] = json.loads(body)
    return value


def test_a_list_participants_page_is_checked_item_by_item() -> None:
    request, response = check_page(PAGE)
    assert (request.type, request.outcome) == (None, "ok")
    assert response.type == "Collection(microsoft.graph.participant)"
    assert [(f.severity, f.code, f.path) for f in response.findings] == [
        ("error", "value.wrong-json-type", "$.value[1].isMuted")
    ]
    assert "microsoft.graph.participant.isMuted" in response.findings[0].message


def test_a_get_on_a_collection_route_types_its_response_as_a_collection() -> None:
    typed = type_request(
        "GET", "https://graph.microsoft.com/beta/communications/calls/1/participants"
    )
    assert type_response(200, typed).type == PARTICIPANTS


def test_a_good_page_round_trips_with_its_control_information() -> None:
    body = participants_page()
    body["value"][1]["isMuted"] = False
    report = check_body(body, PARTICIPANTS, mode="lenient", partial=True)
    assert (report.findings, report.roundtrip) == ((), True)
    page = generated.converter().check(body, PARTICIPANTS.qname, collection=True).value
    assert isinstance(page, ODataCollection)
    assert (page.count, page.next_link, page.delta_link) == (2, body["@odata.nextLink"], None)
    assert [p.is_muted for p in page.value] == [False, False]
    written = generated.converter().write_value(page, PARTICIPANTS.qname, collection=True)
    assert written == body


def test_a_bare_array_where_graph_sends_a_collection_object_is_an_error() -> None:
    items = participants_page()["value"]
    report = check_body(items, PARTICIPANTS, mode="lenient", partial=True)
    assert [(f.code, f.path) for f in report.findings] == [("value.wrong-json-type", "$")]
    assert "collection response" in report.findings[0].message


def test_a_collection_response_without_value_and_with_strangers() -> None:
    found = check_body({"items": []}, PARTICIPANTS, mode="strict", partial=True).findings
    assert [(f.severity, f.code, f.path) for f in found] == [
        ("error", "property.undeclared", "$.items"),
        ("error", "property.required", "$.value"),
    ]


def test_a_delta_page_keeps_its_delta_link() -> None:
    body = {"@odata.deltaLink": "https://graph.microsoft.com/beta/delta?token=1", "value": []}
    checked = generated.converter().check(body, PARTICIPANTS.qname, collection=True)
    assert checked.ok and checked.value.delta_link == body["@odata.deltaLink"]


EDGE = {"mediaConfig": {"@odata.type": "#microsoft.graph.edgeHostedMediaConfig"}}


def test_an_unknown_subtype_under_an_abstract_type_round_trips_with_one_warning() -> None:
    conv = generated.converter()
    checked = conv.check(copy.deepcopy(EDGE), CALL, partial=True)
    assert [(f.severity, f.code, f.path) for f in checked.findings] == [
        ("warning", "type.unknown", "$.mediaConfig")
    ]
    call = conv.read(copy.deepcopy(EDGE), CALL)  # the lenient reader does not raise
    assert isinstance(call, Call)
    media = call.media_config
    assert isinstance(media, MediaConfig) and isinstance(media, UnknownSubtype)
    assert media.odata_type == "#microsoft.graph.edgeHostedMediaConfig"
    assert conv.write(call, CALL) == EDGE
    assert conv.write(checked.value, CALL) == EDGE
    report = check_body(copy.deepcopy(EDGE), TypeRef(CALL), mode="lenient", partial=True)
    assert report.roundtrip is True


def test_an_unknown_subtype_keeps_every_property_and_strict_refuses_it() -> None:
    body = {
        "mediaConfig": {
            "@odata.type": "#microsoft.graph.edgeHostedMediaConfig",
            "removeFromDefaultAudioGroup": True,
            "edgeRegion": {"name": "west", "weight": 2},
            "@odata.etag": "W/1",
        }
    }
    conv = generated.converter()
    call = conv.read(copy.deepcopy(body), CALL)
    assert call.media_config.remove_from_default_audio_group is True
    assert conv.write(call, CALL) == body
    with pytest.raises(ReadError) as refused:
        generated.converter(strict=True).read(copy.deepcopy(body), CALL)
    assert (refused.value.path, refused.value.code) == ("$.mediaConfig", "read.unknown-type")


def test_an_unknown_subtype_under_a_concrete_type_is_read_as_that_type() -> None:
    body = {"callOptions": {"@odata.type": "#microsoft.graph.outgoingCallOptions"}}
    body["chatInfo"] = {"@odata.type": "#microsoft.graph.fancyChatInfo", "threadId": "t"}
    conv = generated.converter()
    checked = conv.check(copy.deepcopy(body), CALL, partial=True)
    assert [(f.code, f.path) for f in checked.findings] == [("type.unknown", "$.chatInfo")]
    assert type(checked.value.chat_info).__name__ == "ChatInfo"
    assert conv.write(checked.value, CALL) == body


def test_an_empty_flags_value_is_one_rule_for_checker_and_reader() -> None:
    flags = [
        (q, p.name)
        for q, t in generated.schema().types.items()
        for p in t.properties
        if p.kind == "enum" and generated.schema().enums[p.type].flags and not p.collection
    ]
    if not flags:
        pytest.skip("no flags property in this package")
    qname, name = flags[0]
    strict = generated.converter(strict=True)
    checked = strict.check({name: ""}, qname, partial=True)
    assert [(f.severity, f.code) for f in checked.findings] == [("error", "enum.unknown-member")]
    with pytest.raises(ReadError):
        strict.read({name: ""}, qname)
    lenient = generated.converter()
    assert lenient.write(lenient.read({name: ""}, qname), qname) == {name: ""}


def test_a_notification_is_typed_once_and_read_in_the_checking_walk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import runtime.checking.resolve_type as resolve_type
    from runtime.bot.notifications import parse_notifications

    calls: list[Any] = []
    real = resolve_type.type_notification

    def counting(value: Any, routes: Any = None) -> Any:
        calls.append(value)
        return real(value, routes)

    monkeypatch.setattr(resolve_type, "type_notification", counting)
    body = {
        "value": [
            {
                "changeType": "updated",
                "resourceUrl": "/communications/calls/1",
                "resourceData": {
                    "@odata.type": "#microsoft.graph.call",
                    "state": "established",
                    "mediaConfig": {"@odata.type": "#microsoft.graph.edgeHostedMediaConfig"},
                },
            }
        ]
    }
    batch = parse_notifications(json.dumps(body).encode())
    assert len(calls) == 1
    (notification,) = batch.notifications
    call = notification.resource_data
    assert isinstance(call, Call) and isinstance(call.media_config, UnknownSubtype)
    assert [(f.code, f.path) for f in batch.findings] == [
        ("type.unknown", "$.value[0].resourceData.mediaConfig")
    ]


def test_validate_body_reads_a_collection_type_as_a_page_of_items() -> None:
    from runtime.checking.bodies import validate_body

    page = {"value": [{"id": "1", "isMuted": 1}], "@odata.count": 1}
    report = validate_body(page, type="Collection(microsoft.graph.participant)")
    assert [(f.code, f.path) for f in report.findings] == [
        ("value.wrong-json-type", "$.value[0].isMuted")
    ]
