"""Responses: a created call typed and checked against `Location`; errors typed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from generated.beta.microsoft_graph import Call, CallState
from runtime.bot.errors import (
    BadRequestError,
    ConflictError,
    GraphError,
    InvalidBodyError,
    NotFoundError,
    ServerError,
    ServiceUnavailableError,
    TooManyRequestsError,
    error_class,
    error_from_response,
    parse_retry_after,
)
from runtime.bot.responses import location_id, read_action_result, read_created_call

CALL_ID = "2e1a0b00-2db4-4022-9570-243709c565ab"
LOCATION = f"https://graph.microsoft.com/beta/communications/calls/{CALL_ID}"


def created_body(call_id: str = CALL_ID) -> bytes:
    return json.dumps(
        {
            "@odata.type": "#microsoft.graph.call",
            "state": "establishing",
            "direction": "outgoing",
            "callbackUri": "https://bot.example/callback",
            "callRoutes": [],
            "id": call_id,
            "@odata.context": "https://graph.microsoft.com/beta/$metadata#app/calls/$entity",
            "subject": None,
        }
    ).encode()


def test_created_call_is_typed() -> None:
    created = read_created_call(201, {"Location": LOCATION}, created_body())
    assert isinstance(created.call, Call)
    assert created.call.state == CallState.ESTABLISHING
    assert created.call.subject is None
    assert created.call_id == CALL_ID
    assert created.location == LOCATION
    assert created.findings == ()


def test_location_must_name_the_body_id() -> None:
    created = read_created_call(201, {"location": LOCATION}, created_body("other-id"))
    assert [(f.severity, f.code, f.path) for f in created.findings] == [
        ("error", "response.location-mismatch", "$.id")
    ]
    assert CALL_ID in created.findings[0].message


def test_missing_location_and_odd_status_are_reported() -> None:
    created = read_created_call(200, {}, created_body())
    assert {f.code for f in created.findings} == {
        "response.unexpected-status",
        "response.no-location",
    }
    assert created.call_id == CALL_ID


def test_call_id_falls_back_to_location() -> None:
    body = json.dumps({"state": "establishing"}).encode()
    assert read_created_call(201, {"Location": LOCATION}, body).call_id == CALL_ID


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        (LOCATION, CALL_ID),
        (LOCATION + "/", CALL_ID),
        (f"https://graph.microsoft.com/v1.0/communications/calls('{CALL_ID}')", CALL_ID),
        ("/communications/calls/a%20b", "a b"),
    ],
)
def test_location_id(location: str, expected: str) -> None:
    assert location_id(location) == expected


def test_received_bodies_are_lenient_about_unknown_enum_values() -> None:
    body = json.dumps({"id": CALL_ID, "state": "quantumEntangled"}).encode()
    created = read_created_call(201, {"Location": LOCATION}, body)
    assert [(f.severity, f.code) for f in created.findings] == [("warning", "enum.unknown-member")]
    assert created.call.state == "quantumEntangled"


def test_a_body_that_is_not_json_raises() -> None:
    with pytest.raises(InvalidBodyError) as raised:
        read_created_call(201, {"Location": LOCATION}, b"{nope")
    assert [f.code for f in raised.value.findings] == ["body.malformed-json"]


def test_an_unreadable_body_raises_with_its_findings() -> None:
    body = json.dumps({"id": CALL_ID, "targets": "John"}).encode()
    with pytest.raises(InvalidBodyError) as raised:
        read_created_call(201, {"Location": LOCATION}, body)
    codes = [f.code for f in raised.value.findings]
    assert codes == ["value.wrong-json-type"]  # one walk: found once, not again by a reader


GRAPH_ERROR = {
    "error": {
        "code": "Forbidden",
        "message": "Application is not authorized",
        "innerError": {
            "request-id": "9ac2c1ab-1111-4d38-9bb7-3c8a7f6d2a9f",
            "client-request-id": "0cbd5d6c-2222-4d38-9bb7-3c8a7f6d2a9f",
            "date": "2026-08-03T10:00:00",
        },
    }
}


def test_graph_error_body_becomes_a_typed_error() -> None:
    with pytest.raises(GraphError) as raised:
        read_created_call(403, {}, json.dumps(GRAPH_ERROR).encode())
    error = raised.value
    assert type(error).__name__ == "ForbiddenError"
    assert (error.status, error.code, error.message) == (
        403,
        "Forbidden",
        "Application is not authorized",
    )
    assert error.request_id == "9ac2c1ab-1111-4d38-9bb7-3c8a7f6d2a9f"
    assert error.client_request_id == "0cbd5d6c-2222-4d38-9bb7-3c8a7f6d2a9f"
    assert error.date == "2026-08-03T10:00:00"
    assert "9ac2c1ab" in str(error)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (404, NotFoundError),
        (409, ConflictError),
        (429, TooManyRequestsError),
        (503, ServiceUnavailableError),
        (502, ServerError),
        (418, GraphError),
    ],
)
def test_status_decides_the_class(status: int, cls: type[GraphError]) -> None:
    assert error_class(status) is cls


def test_a_non_graph_error_body_still_gives_a_typed_error() -> None:
    error = error_from_response(
        502, {"request-id": "from-header", "Retry-After": "7"}, b"<html>bad gateway</html>"
    )
    assert isinstance(error, ServerError)
    assert (error.code, error.request_id, error.retry_after) == ("http502", "from-header", 7.0)
    assert "bad gateway" in error.message


def test_retry_after_as_http_date() -> None:
    later = datetime.now(UTC) + timedelta(seconds=120)
    seconds = parse_retry_after(format_datetime(later, usegmt=True))
    assert seconds is not None and 100 < seconds <= 120
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_action_results() -> None:
    body = json.dumps(
        {
            "@odata.type": "#microsoft.graph.muteParticipantOperation",
            "id": "op1",
            "status": "Running",
        }
    ).encode()
    result, findings = read_action_result(200, {}, body, "microsoft.graph.muteParticipantOperation")
    assert type(result).__name__ == "MuteParticipantOperation"
    assert (result.id, findings) == ("op1", ())
    assert read_action_result(202, {}, b"", None) == (None, ())
    with pytest.raises(ConflictError):
        read_action_result(409, {}, json.dumps(GRAPH_ERROR).encode(), None)
