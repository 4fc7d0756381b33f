"""Checking set up in one place: the per-direction table, validators, and bodies given with a
request that takes none."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.checking.bodies import DIRECTIONS, check_as, validate_body, validator_for
from runtime.checking.models import default_models

V1 = "https://graph.microsoft.com/v1.0/communications/calls"
CALL = "microsoft.graph.call"


def codes(findings: Any) -> list[str]:
    return [f.code for f in findings]


def test_what_is_sent_is_strict_and_complete_what_is_received_lenient_and_partial() -> None:
    assert DIRECTIONS["request"] == ("strict", False)
    assert DIRECTIONS["response"] == ("lenient", True)
    assert DIRECTIONS["notification"] == ("lenient", True)


@settings(max_examples=40, deadline=None)
@given(member=st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=12))
def test_an_unknown_enum_member_is_an_error_sent_and_a_warning_received(member: str) -> None:
    """The same body, two directions: the table decides the severity, nothing else."""
    body = {"@odata.type": "#microsoft.graph.call", "state": member}
    models = default_models("v1.0")
    members = models.facts.enums["microsoft.graph.callState"].members
    if member in {name for name, _ in members}:
        return
    sent = validator_for("request", models)(body, CALL)
    received = validator_for("response", models)(body, CALL)
    assert "error" in {f.severity for f in sent if f.code.startswith("enum.")}
    assert {f.severity for f in received if f.code.startswith("enum.")} == {"warning"}


def test_check_as_reads_what_it_checks() -> None:
    index = default_models("v1.0").index
    outcome = check_as("response", {"id": "c1", "state": "established"}, CALL, index=index)
    assert outcome.findings == []
    assert outcome.value.id == "c1"


def test_a_get_with_a_body_checks_the_body_as_the_response_item_by_item() -> None:
    """A body given with a GET is the answer: a collection is checked per item, never passed
    unchecked as "untyped"."""
    page = {"value": [{"id": "p1", "isMuted": False}, {"id": "p2", "isMuted": "yes"}]}
    report = validate_body(page, request=f"GET {V1}/c1/participants")
    assert report.type == "Collection(microsoft.graph.participant)"
    assert codes(report.findings)[0] == "body.checked-as-response"
    errors = [f for f in report.findings if f.severity == "error"]
    assert [(f.code, f.path) for f in errors] == [("value.wrong-json-type", "$.value[1].isMuted")]


def test_a_delete_with_a_body_says_it_returns_none() -> None:
    report = validate_body({"id": "x"}, request=f"DELETE {V1}/c1")
    assert "body.checked-as-response" in codes(report.findings)
    assert "response.unexpected-body" in codes(report.findings)


@pytest.mark.parametrize("request_line", [f"POST {V1}", f"POST {V1}/c1/answer", f"PATCH {V1}"])
def test_a_request_that_takes_a_body_or_is_refused_is_not_taken_for_a_response(
    request_line: str,
) -> None:
    report = validate_body({}, request=request_line)
    assert "body.checked-as-response" not in codes(report.findings)
