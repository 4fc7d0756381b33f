"""The validator: every finding code, in both modes, on small hand-written bodies."""

from __future__ import annotations

import inspect
import sys
import time
from typing import Any

import pytest

from generated import beta as generated
from runtime.checking.findings import Finding
from runtime.checking.validate import (
    DynamicType,
    Mode,
    SchemaIndex,
    TypeRef,
    default_index,
    validate,
)
from tests.factories import create_call_body

CALL = "microsoft.graph.call"
MODES: tuple[Mode, ...] = ("strict", "lenient")


def check(body: Any, declared: str = CALL, mode: Mode = "strict", partial: bool = False) -> list:
    return [
        (f.severity, f.code, f.path) for f in validate(body, declared, mode=mode, partial=partial)
    ]


def only(findings: list[Finding], code: str) -> Finding:
    matching = [f for f in findings if f.code == code]
    assert len(matching) == 1, findings
    return matching[0]


@pytest.mark.parametrize("mode", MODES)
def test_a_complete_body_has_no_findings(mode: Mode) -> None:
    assert check(create_call_body(), mode=mode) == []


def test_instance_annotations_are_not_properties() -> None:
    body = create_call_body(
        **{"@odata.context": "x", "@odata.etag": "W/1", "state@odata.type": "x"}
    )
    body["targets"][0]["identity"]["user@odata.type"] = "#microsoft.graph.identity"
    assert check(body) == []


@pytest.mark.parametrize(("mode", "severity"), [("strict", "error"), ("lenient", "warning")])
def test_unknown_type_depends_on_mode(mode: Mode, severity: str) -> None:
    body = create_call_body(callOptions={"@odata.type": "#microsoft.graph.notAType"})
    findings = validate(body, CALL, mode=mode, partial=False)
    unknown = only(findings, "type.unknown")
    assert (unknown.severity, unknown.path) == (severity, "$.callOptions")
    assert "#microsoft.graph.notAType" in unknown.message
    assert "microsoft.graph.callOptions" in unknown.message
    # A subtype the package lacks is not an abstract-type error: leniently it is kept as an
    # unknown subtype of the abstract declared type (forward-compatible reads).
    assert [f.code for f in findings] == ["type.unknown"]


def test_unknown_declared_type_is_one_finding() -> None:
    assert check({}, "microsoft.graph.nothing") == [("error", "type.unknown", "$")]


@pytest.mark.parametrize("mode", MODES)
def test_participant_info_in_targets_is_not_assignable(mode: Mode) -> None:
    body = create_call_body()
    body["targets"].append(
        {"@odata.type": "#microsoft.graph.participantInfo", "identity": {"user": {"id": "u2"}}}
    )
    findings = validate(body, CALL, mode=mode, partial=False)
    f = only(findings, "type.not-assignable")
    assert (f.severity, f.path) == ("error", "$.targets[1]")
    assert "#microsoft.graph.participantInfo" in f.message
    assert "Collection(microsoft.graph.invitationParticipantInfo)" in f.message
    assert "accepted: microsoft.graph.invitationParticipantInfo" in f.message
    assert len(findings) == 1


@pytest.mark.parametrize("mode", MODES)
def test_abstract_type_names_concrete_candidates(mode: Mode) -> None:
    findings = validate(create_call_body(mediaConfig={}), CALL, mode=mode, partial=False)
    f = only(findings, "type.missing-odata-type")
    assert f.path == "$.mediaConfig"
    assert "microsoft.graph.appHostedMediaConfig" in f.message
    assert "microsoft.graph.serviceHostedMediaConfig" in f.message


def test_a_derived_type_is_accepted_for_an_abstract_declaration() -> None:
    body = create_call_body(callOptions={"@odata.type": "#microsoft.graph.incomingCallOptions"})
    assert check(body) == []


@pytest.mark.parametrize("mode", MODES)
def test_bad_odata_type_annotation(mode: Mode) -> None:
    body = create_call_body(source={"@odata.type": 5, "identity": {}})
    assert check(body, mode=mode) == [("error", "type.bad-annotation", "$.source")]


@pytest.mark.parametrize("mode", MODES)
def test_undeclared_on_an_open_type_warns_with_a_hint(mode: Mode) -> None:
    body = create_call_body()
    identity = body["targets"][0]["identity"]
    identity.update(guest={"id": "g"}, phone={"id": "+1"}, applicationInstance={"id": "a"})
    findings = validate(body, CALL, mode=mode, partial=False)
    assert [(f.severity, f.code, f.path) for f in findings] == [
        *(
            ("warning", "property.undeclared", f"$.targets[0].identity.{name}")
            for name in ("guest", "phone", "applicationInstance")
        ),
        ("warning", "type.missing-odata-type", "$.targets[0].identity"),
    ]
    assert '"@odata.type": "#microsoft.graph.communicationsIdentitySet"' in findings[-1].message
    for f in findings:
        assert "microsoft.graph.identitySet" in f.message
        assert "microsoft.graph.communicationsIdentitySet" in f.message


@pytest.mark.parametrize(("mode", "severity"), [("strict", "error"), ("lenient", "warning")])
def test_undeclared_on_a_closed_type_is_an_error_when_strict(mode: Mode, severity: str) -> None:
    body = create_call_body(source={"identity": {}, "shoeSize": 42})
    findings = validate(body, CALL, mode=mode, partial=False)
    f = only(findings, "property.undeclared")
    assert (f.severity, f.path) == (severity, "$.source.shoeSize")
    assert "microsoft.graph.participantInfo" in f.message and "not an open type" in f.message


def test_a_typed_dynamic_value_is_validated_against_its_type() -> None:
    body = create_call_body()
    body["targets"][0]["identity"]["phone"] = {
        "@odata.type": "#microsoft.graph.identity",
        "id": 5,
    }
    assert check(body) == [
        ("warning", "property.undeclared", "$.targets[0].identity.phone"),
        ("error", "value.wrong-json-type", "$.targets[0].identity.phone.id"),
        ("warning", "type.missing-odata-type", "$.targets[0].identity"),
    ]


@pytest.mark.parametrize("mode", MODES)
def test_null_where_not_nullable(mode: Mode) -> None:
    body = create_call_body()
    body["targets"][0]["identity"] = None
    findings = validate(body, CALL, mode=mode, partial=True)
    f = only(findings, "property.null")
    assert f.path == "$.targets[0].identity"
    assert "microsoft.graph.invitationParticipantInfo.identity" in f.message


def test_null_item_in_a_non_nullable_collection() -> None:
    body = {"callbackUri": "https://x", "targets": [None]}
    assert check(body, "microsoft.graph.redirect(microsoft.graph.call)") == [
        ("error", "property.null", "$.targets[0]")
    ]


def test_required_only_in_complete_bodies() -> None:
    body = create_call_body()
    del body["callbackUri"]
    del body["targets"][0]["identity"]
    expected = [
        ("error", "property.required", "$.targets[0].identity"),
        ("error", "property.required", "$.callbackUri"),
    ]
    assert check(body) == expected
    assert check(body, mode="lenient") == expected
    assert check(body, partial=True) == []


def test_keys_are_never_required() -> None:
    # participant.id is the key; info, isInLobby and isMuted are Nullable="false".
    findings = check({}, "microsoft.graph.participant")
    assert [path for _, _, path in findings] == ["$.info", "$.isInLobby", "$.isMuted"]


@pytest.mark.parametrize(
    ("extra", "path"),
    [
        ({"callbackUri": 5}, "$.callbackUri"),
        ({"targets": {}}, "$.targets"),
        ({"source": "me"}, "$.source"),
        ({"requestedModalities": [1]}, "$.requestedModalities[0]"),
        ({"ringingTimeoutInSeconds": True}, "$.ringingTimeoutInSeconds"),
        ({"ringingTimeoutInSeconds": "30"}, "$.ringingTimeoutInSeconds"),
    ],
)
@pytest.mark.parametrize("mode", MODES)
def test_wrong_json_type(mode: Mode, extra: dict[str, Any], path: str) -> None:
    findings = validate(create_call_body(**extra), CALL, mode=mode, partial=False)
    f = only(findings, "value.wrong-json-type")
    assert (f.severity, f.path) == ("error", path)
    assert "expected" in f.message and "got" in f.message


@pytest.mark.parametrize(("mode", "severity"), [("strict", "error"), ("lenient", "warning")])
def test_unknown_enum_member_depends_on_mode(mode: Mode, severity: str) -> None:
    body = create_call_body(requestedModalities=["audio", "smell"])
    findings = validate(body, CALL, mode=mode, partial=False)
    f = only(findings, "enum.unknown-member")
    assert (f.severity, f.path) == (severity, "$.requestedModalities[1]")
    assert "'smell'" in f.message and "microsoft.graph.modality" in f.message


@pytest.mark.parametrize("mode", MODES)
def test_flags_enum_checks_each_member(mode: Mode) -> None:
    body = {"contentSharingDisabled": "watermarkProtection,bogus, worse"}
    findings = validate(body, "microsoft.graph.onlineMeetingRestricted", mode=mode, partial=True)
    assert [f.code for f in findings] == ["enum.unknown-member"] * 2
    assert "'bogus'" in findings[0].message and "'worse'" in findings[1].message
    ok = {"contentSharingDisabled": "watermarkProtection,unknownFutureValue"}
    assert check(ok, "microsoft.graph.onlineMeetingRestricted", mode=mode, partial=True) == []


@pytest.mark.parametrize(
    ("declared", "body", "code"),
    [
        (
            "microsoft.graph.callTranscriptionInfo",
            {"lastModifiedDateTime": "yesterday"},
            "bad-datetime",
        ),
        (
            "microsoft.graph.callTranscriptionInfo",
            {"lastModifiedDateTime": "2024-01-01T10:00:00"},
            "bad-datetime",
        ),
        ("microsoft.graph.toneInfo", {"sequenceId": 2**63}, "out-of-range"),
        ("microsoft.graph.resultInfo", {"code": 2**31}, "out-of-range"),
        ("microsoft.graph.resultInfo", {"code": 1.5}, "wrong-json-type"),
        ("microsoft.graph.resultInfo", {"code": "NaN"}, "wrong-json-type"),
        ("microsoft.graph.resultInfo", {"code": float("nan")}, "non-finite"),
    ],
)
@pytest.mark.parametrize("mode", MODES)
def test_malformed_primitives(mode: Mode, declared: str, body: dict[str, Any], code: str) -> None:
    findings = validate(body, declared, mode=mode, partial=True)
    assert [(f.severity, f.code) for f in findings] == [("error", f"value.{code}")]
    assert findings[0].path == "$." + next(iter(body))


@pytest.mark.parametrize(
    ("edm", "value", "code"),
    [
        ("Edm.Guid", "not-a-guid", "value.bad-guid"),
        ("Edm.Guid", "112f72965fa442cabae86a692b15d4b8", "value.bad-guid"),
        ("Edm.Duration", "PT", "value.bad-duration"),
        ("Edm.Duration", "5 minutes", "value.bad-duration"),
        ("Edm.Binary", "not base64!", "value.bad-binary"),
        ("Edm.Date", "2024-13-01", "value.bad-date"),
        ("Edm.TimeOfDay", "25:00:00", "value.bad-time"),
        ("Edm.Byte", 256, "value.out-of-range"),
        ("Edm.Byte", -1, "value.out-of-range"),
        ("Edm.SByte", -129, "value.out-of-range"),
        ("Edm.Int16", 32768, "value.out-of-range"),
        ("Edm.Int32", -(2**31) - 1, "value.out-of-range"),
        ("Edm.Int64", 2**63, "value.out-of-range"),
        ("Edm.Decimal", "NaN", "value.non-finite"),
        ("Edm.Decimal", "Infinity", "value.non-finite"),
        ("Edm.Decimal", "ten", "value.bad-decimal"),
        ("Edm.Double", float("inf"), "value.non-finite"),
        ("Edm.Int32", "INF", "value.wrong-json-type"),
    ],
)
@pytest.mark.parametrize("mode", MODES)
def test_primitive_formats(mode: Mode, edm: str, value: Any, code: str) -> None:
    findings = validate(value, edm, mode=mode, partial=False)
    assert [(f.severity, f.code) for f in findings] == [("error", code)]


@pytest.mark.parametrize(
    ("edm", "value"),
    [
        ("Edm.Guid", "112F7296-5FA4-42CA-BAE8-6A692B15D4B8"),
        ("Edm.Duration", "P1DT2H3M4.5S"),
        ("Edm.Binary", "aGVsbG8"),
        ("Edm.DateTimeOffset", "2024-01-01T10:00:00.1234567Z"),
        ("Edm.Double", "NaN"),
        ("Edm.Single", "-INF"),
        ("Edm.Double", 1),
        ("Edm.Byte", 255),
        ("Edm.Decimal", "1.25"),
    ],
)
def test_well_formed_primitives_pass(edm: str, value: Any) -> None:
    assert validate(value, edm, mode="strict", partial=False) == []


@pytest.mark.parametrize("mode", MODES)
def test_max_length(mode: Mode) -> None:
    facts = generated.schema()
    info = facts.types["microsoft.graph.chatInfo"]
    limited = info._replace(
        properties=tuple(
            p._replace(max_length=3) if p.name == "threadId" else p for p in info.properties
        )
    )
    index = SchemaIndex(facts._replace(types={**facts.types, info.qname: limited}))
    findings = validate({"threadId": "abcd"}, info.qname, mode=mode, partial=True, index=index)
    assert [(f.code, f.path) for f in findings] == [("value.too-long", "$.threadId")]
    assert "MaxLength=3" in findings[0].message
    ok = validate({"threadId": "abc"}, info.qname, mode=mode, partial=True, index=index)
    assert ok == []


@pytest.mark.parametrize("mode", MODES)
def test_nesting_beyond_the_interpreter_limit_is_a_finding(mode: Mode) -> None:
    # Typed nesting is bounded by the type graph; past the interpreter's limit it is a finding,
    # never a traceback. Lower the limit to just above this frame to get there on a small body.
    validate(create_call_body(), CALL, mode=mode, partial=False)  # warm: no compilation below
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 12)
    try:
        findings = validate(create_call_body(), CALL, mode=mode, partial=False)
    finally:
        sys.setrecursionlimit(limit)
    assert [(f.severity, f.code, f.path) for f in findings] == [("error", "body.too-deep", "$")]


def test_hostile_depth_of_dynamic_values_is_not_walked() -> None:
    deep: Any = {}
    for _ in range(100_000):
        deep = {"x": deep}
    findings = validate(create_call_body(extraStuff=deep), CALL, mode="lenient", partial=False)
    assert [(f.code, f.path) for f in findings] == [("property.undeclared", "$.extraStuff")]


def test_dynamic_type_decided_by_the_caller() -> None:
    body = {"value": [{"changeType": "updated", "resourceUrl": "/x", "resourceData": [{}]}]}
    decided = {
        "$.value[0].resourceData": DynamicType(
            TypeRef("microsoft.graph.participant", True), "typed from resourceUrl /x"
        )
    }
    findings = validate(
        body, "microsoft.graph.commsNotifications", mode="lenient", partial=True, dynamic=decided
    )
    assert findings == []
    body["value"][0]["resourceData"] = {"@odata.type": "#microsoft.graph.call"}
    findings = validate(
        body, "microsoft.graph.commsNotifications", mode="lenient", partial=True, dynamic=decided
    )
    f = only(findings, "value.wrong-json-type")
    assert "typed from resourceUrl /x" in f.message


def test_bad_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="mode"):
        validate({}, CALL, mode="loose", partial=False)  # type: ignore[arg-type]


def test_paths_quote_odd_keys() -> None:
    child_path = default_index().child_path
    assert child_path("$", "a b") == '$["a b"]'
    assert child_path("$.x", "ok_1") == "$.x.ok_1"


def test_type_ref_parse_and_str() -> None:
    ref = TypeRef.parse("Collection(microsoft.graph.participant)")
    assert ref == TypeRef("microsoft.graph.participant", True)
    assert str(ref) == "Collection(microsoft.graph.participant)"


def test_fast_enough_for_the_seed() -> None:
    body = create_call_body()
    validate(body, CALL, mode="strict", partial=False)
    start = time.perf_counter()
    for _ in range(35):
        validate(body, CALL, mode="strict", partial=False)
    assert time.perf_counter() - start < 0.1
