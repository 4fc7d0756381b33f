"""Round trip through the generated models: equal bodies pass, every difference is located."""

from __future__ import annotations

from typing import Any

import pytest

from generated.beta._odata import get_path
from runtime.checking.roundtrip import diff, roundtrip
from runtime.checking.validate import DynamicType, TypeRef, default_index

CALL = TypeRef("microsoft.graph.call")


def call_body() -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.call",
        "@odata.context": "https://graph.microsoft.com/beta/$metadata#app/calls/$entity",
        "callbackUri": "https://bot.contoso.com/callback",
        "state": "establishing",
        "subject": None,
        "callRoutes": [],
        "targets": [
            {
                "@odata.type": "#microsoft.graph.invitationParticipantInfo",
                "identity": {
                    "@odata.type": "#microsoft.graph.identitySet",
                    "phone": {"@odata.type": "#microsoft.graph.identity", "id": "+1"},
                },
                "region": None,
            }
        ],
        "toneInfo": {"sequenceId": 3, "tone": "tone1"},
        "transcription": {
            "lastModifiedDateTime": "2024-01-01T10:00:00.1234567Z",
            "state": "active",
        },
        "customThing": {"kept": [1, 2.5, True, None]},
    }


def test_a_documented_shape_survives_unchanged() -> None:
    result = roundtrip(call_body(), CALL)
    assert (result.ok, result.findings) == (True, ())


def test_collection_responses_round_trip_item_by_item() -> None:
    items = [{"id": "a", "isMuted": True, "isInLobby": False, "info": {"identity": {}}}, None]
    body = {
        "@odata.context": "https://graph.microsoft.com/beta/$metadata#participants",
        "@odata.count": 2,
        "value": items,
        "@odata.nextLink": "https://graph.microsoft.com/beta/next",
    }
    assert roundtrip(body, TypeRef("microsoft.graph.participant", True)).ok
    # A bare array is not what Graph sends for a collection: it is refused, not guessed at.
    bare = roundtrip(items, TypeRef("microsoft.graph.participant", True))
    assert [(f.code, f.path) for f in bare.findings] == [("roundtrip.read-failed", "$")]


def test_read_failure_is_a_located_finding() -> None:
    body = call_body()
    body["targets"][0]["@odata.type"] = "#microsoft.graph.participantInfo"
    result = roundtrip(body, CALL)
    assert not result.ok
    assert [(f.code, f.path) for f in result.findings] == [
        ("roundtrip.read-failed", "$.targets[0]")
    ]


def test_dynamic_types_round_trip_through_the_decided_type() -> None:
    body = {
        "value": [
            {
                "changeType": "updated",
                "resourceUrl": "/communications/calls/1",
                "resourceData": {"@odata.type": "#microsoft.graph.participantInfo"},
            }
        ]
    }
    decided = {"$.value[0].resourceData": DynamicType(CALL, "typed from resourceUrl")}
    plain = roundtrip(body, TypeRef("microsoft.graph.commsNotifications"))
    assert plain.ok  # as an opaque dynamic property nothing can go wrong…
    typed = roundtrip(body, TypeRef("microsoft.graph.commsNotifications"), dynamic=decided)
    assert [(f.code, f.path) for f in typed.findings] == [  # …as a call it can't be read
        ("roundtrip.read-failed", "$.value[0].resourceData")
    ]


@pytest.mark.parametrize(
    ("expected", "actual", "paths"),
    [
        ({"a": 1}, {"a": 1}, []),
        ({"a": 1}, {"a": 1.0}, []),
        ({"a": 1, "b": None}, {"a": 1}, ["$.b"]),
        ({"a": 1}, {"a": 1, "c": 2}, ["$.c"]),
        ({"a": True}, {"a": 1}, ["$.a"]),
        ({"a": None}, {"a": "null"}, ["$.a"]),
        ({"a": [1, 2]}, {"a": [1]}, ["$.a"]),
        ({"a": [{"x": "1"}]}, {"a": [{"x": "2"}]}, ["$.a[0].x"]),
        ({"a b": {"@odata.type": "#x"}}, {"a b": {}}, ['$["a b"]["@odata.type"]']),
        ({"n": float("nan")}, {"n": float("nan")}, []),
    ],
)
def test_diff_reports_each_difference(expected: Any, actual: Any, paths: list[str]) -> None:
    findings = list(diff(expected, actual, "$", default_index().child_path))
    assert [f.path for f in findings] == paths
    assert all(f.code == "roundtrip.mismatch" and f.severity == "error" for f in findings)


def test_mismatch_messages_show_both_values() -> None:
    (finding,) = diff({"a": "before"}, {"a": "after"}, "$", default_index().child_path)
    assert '"before"' in finding.message and '"after"' in finding.message


@pytest.mark.parametrize(
    ("path", "found", "value"),
    [
        ("$", True, {"a": [{"b c": 1}]}),
        ("$.a[0]", True, {"b c": 1}),
        ('$.a[0]["b c"]', True, 1),
        ("$.a[1]", False, None),
        ("$.x", False, None),
        ("a", False, None),
        ("$.a.b", False, None),
    ],
)
def test_get_path(path: str, found: bool, value: Any) -> None:
    assert get_path({"a": [{"b c": 1}]}, path) == (found, value)
