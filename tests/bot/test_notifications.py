"""Notifications: lenient parsing with typed resourceData, dispatch by kind and change type."""

from __future__ import annotations

import json
from typing import Any

import pytest

from generated.beta.microsoft_graph import Call, CallState, ContentSharingSession, Participant
from runtime.bot.errors import InvalidBodyError
from runtime.bot.notifications import (
    DeadLetters,
    Dispatcher,
    Notification,
    Resource,
    ResourceKind,
    parse_notifications,
    parse_resource_url,
)

CALL = "/communications/calls/2e1a0b00-2db4"


def body(*items: dict[str, Any]) -> dict[str, Any]:
    """A `commsNotifications` body of the given notifications."""
    return {"@odata.type": "#microsoft.graph.commsNotifications", "value": list(items)}


def note(change: str, url: str, data: Any) -> dict[str, Any]:
    """One `commsNotification`."""
    return {
        "@odata.type": "#microsoft.graph.commsNotification",
        "changeType": change,
        "resourceUrl": url,
        "resourceData": data,
    }


def state(value: str, call_id: str = "2e1a0b00-2db4") -> dict[str, Any]:
    return {"@odata.type": "#microsoft.graph.call", "state": value, "id": call_id}


PARTICIPANT = {
    "@odata.type": "#microsoft.graph.participant",
    "info": {"identity": {"user": {"displayName": "John", "id": "u1"}}},
    "isMuted": False,
    "isInLobby": False,
    "id": "p1",
}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/communications/calls/c1", Resource(ResourceKind.CALL, "c1")),
        ("/app/calls/c1", Resource(ResourceKind.CALL, "c1")),
        (
            "https://graph.microsoft.com/beta/communications/calls/c1",
            Resource(ResourceKind.CALL, "c1"),
        ),
        ("/communications/calls/c1/participants", Resource(ResourceKind.PARTICIPANTS, "c1")),
        (
            "/communications/calls/c1/participants/p1",
            Resource(ResourceKind.PARTICIPANTS, "c1", "p1"),
        ),
        (
            "/communications/calls/c1/contentsharingsessions",
            Resource(ResourceKind.CONTENT_SHARING_SESSIONS, "c1"),
        ),
        ("/communications/calls/c1/operations/o1", Resource(ResourceKind.OPERATIONS, "c1", "o1")),
        ("/communications/calls/c1/audioRoutingGroups", Resource(ResourceKind.OTHER, "c1")),
        ("/communications/calls", Resource(ResourceKind.OTHER)),
        ("/me/events", Resource(ResourceKind.OTHER)),
    ],
)
def test_resource_urls(url: str, expected: Resource) -> None:
    assert parse_resource_url(url) == expected


def test_resource_data_is_typed_from_the_url() -> None:
    batch = parse_notifications(
        body(
            note("updated", CALL, state("established")),
            note("updated", CALL + "/participants", [PARTICIPANT]),
            note("created", CALL + "/contentsharingsessions", [{"id": "s1"}]),
        )
    )
    call, roster, sessions = batch.notifications
    assert (
        isinstance(call.resource_data, Call) and call.resource_data.state == CallState.ESTABLISHED
    )
    assert [type(p) for p in roster.items] == [Participant]
    # No @odata.type on the session: its type comes from the URL alone.
    assert [type(s) for s in sessions.items] == [ContentSharingSession]
    assert [n.index for n in batch.notifications] == [0, 1, 2]
    assert batch.findings == ()


def test_the_older_resource_key_locates_the_resource_too() -> None:
    legacy = note("updated", CALL + "/participants", [PARTICIPANT])
    legacy["resource"] = legacy.pop("resourceUrl")
    (roster,) = parse_notifications(body(legacy)).notifications
    assert roster.resource_url == CALL + "/participants"
    assert roster.resource.kind is ResourceKind.PARTICIPANTS
    assert [type(p) for p in roster.items] == [Participant]


def test_bytes_are_parsed() -> None:
    raw = json.dumps(body(note("deleted", CALL, state("terminated")))).encode()
    (n,) = parse_notifications(raw).notifications
    assert (n.change_type, n.resource.kind) == ("deleted", ResourceKind.CALL)


def test_unknown_values_are_warnings_when_receiving() -> None:
    batch = parse_notifications(body(note("updated", CALL, state("teleported"))))
    assert [(f.severity, f.code) for f in batch.findings] == [("warning", "enum.unknown-member")]
    (n,) = batch.notifications
    assert isinstance(n.resource_data, Call) and n.resource_data.state == "teleported"


def test_an_unknown_resource_keeps_its_data_untyped() -> None:
    batch = parse_notifications(body(note("updated", "/somewhere/else", {"x": 1})))
    assert {(f.severity, f.code) for f in batch.findings} == {
        ("warning", "notification.unknown-resource"),
        ("warning", "property.undeclared"),  # resourceData: untyped, so a dynamic property
    }
    assert batch.notifications[0].resource_data == {"x": 1}


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{not json", "json.syntax"),
        (b"\xff\xfe", "json.invalid-utf8"),
        (json.dumps(body(note("updated", CALL, "established"))).encode(), "value.wrong-json-type"),
        (
            json.dumps({"value": [{"changeType": 1, "resourceUrl": CALL}]}).encode(),
            "value.wrong-json-type",
        ),
        (json.dumps({"value": [{"resourceUrl": CALL}]}).encode(), "notification.incomplete"),
        (json.dumps({"value": [7]}).encode(), "value.wrong-json-type"),
        (json.dumps({"nothing": []}).encode(), "property.undeclared"),
        (json.dumps({}).encode(), "notification.no-value"),
        (json.dumps([1]).encode(), "value.wrong-json-type"),
    ],
)
def test_bad_bodies_raise_with_findings(raw: bytes, code: str) -> None:
    with pytest.raises(InvalidBodyError) as raised:
        parse_notifications(raw)
    assert code in [f.code for f in raised.value.findings]


def test_dispatch_by_kind_and_change_type() -> None:
    seen: dict[str, list[str]] = {"any": [], "call": [], "deleted": [], "sessions-created": []}
    d = Dispatcher()
    d.add(lambda n: seen["any"].append(n.resource_url))
    d.add(lambda n: seen["call"].append(n.change_type), ResourceKind.CALL)
    d.add(lambda n: seen["deleted"].append(n.resource_url), change_type="deleted")

    @d.on(ResourceKind.CONTENT_SHARING_SESSIONS, "created")
    def sessions(n: Notification) -> None:
        seen["sessions-created"].extend(s.id for s in n.items)  # type: ignore[attr-defined]

    batch = parse_notifications(
        body(
            note("updated", CALL, state("established")),
            note("created", CALL + "/contentsharingsessions", [{"id": "s1"}]),
            note("deleted", CALL + "/contentsharingsessions", [{"id": "s1"}]),
            note("deleted", CALL, state("terminated")),
        )
    )
    for n in batch.notifications:
        assert d.dispatch(n) == []
    assert len(seen["any"]) == 4
    assert seen["call"] == ["updated", "deleted"]
    assert seen["deleted"] == [CALL + "/contentsharingsessions", CALL]
    assert seen["sessions-created"] == ["s1"]


def test_a_failing_handler_is_reported_and_retried_alone() -> None:
    calls: list[str] = []
    attempts = {"n": 0}

    def flaky(n: Notification) -> None:
        attempts["n"] += 1
        if attempts["n"] < 3:
            raise RuntimeError("database down")
        calls.append("flaky")

    d = Dispatcher()
    d.add(lambda n: calls.append("steady"))
    d.add(flaky)
    (n,) = parse_notifications(body(note("updated", CALL, state("established")))).notifications
    failures = d.dispatch(n)
    assert calls == ["steady"]
    assert [(f.handler, str(f.error), f.attempts) for f in failures] == [
        (flaky, "database down", 1)
    ]
    letters = DeadLetters()
    letters.add(failures)
    assert letters.retry() == 0  # second attempt fails too and is kept
    assert [f.attempts for f in letters.items()] == [2]
    assert letters.retry() == 1
    assert len(letters) == 0
    # The steady handler never saw the notification again.
    assert calls == ["steady", "flaky"]


def test_a_converter_of_the_caller_s_reads_what_the_one_walk_checked() -> None:
    """Given a converter (and no validator), the body is still checked and typed once, with the
    same findings as the default path, and the converter reads the typed resourceData."""
    import generated.beta as beta

    sent = body(
        note("updated", CALL, {**state("established"), "futureProperty": 1}),
        note("created", f"{CALL}/participants/p1", PARTICIPANT),
    )
    default = parse_notifications(json.dumps(sent).encode())
    own = parse_notifications(json.dumps(sent).encode(), converter=beta.converter())
    assert own.findings == default.findings
    assert [f.code for f in own.findings] == ["property.undeclared"]
    assert [type(n.resource_data) for n in own.notifications] == [Call, Participant]
    assert own.notifications[0].resource_data == default.notifications[0].resource_data
