"""Deciding declared types: request routes, responses, notifications' resourceData."""

from __future__ import annotations

from typing import Any

import pytest

from generated import beta as generated
from runtime.checking.resolve_type import (
    DELTA_ROSTER,
    NOTIFICATIONS,
    RequestTyping,
    default_routes,
    split_path,
    type_notification,
    type_request,
    type_response,
)
from runtime.checking.validate import TypeRef

CALL = TypeRef("microsoft.graph.call")


@pytest.mark.parametrize(
    "url",
    [
        "/communications/calls",
        "https://graph.microsoft.com/beta/communications/calls",
        "https://graph.microsoft.com/v1.0/communications/calls?$select=id",
        "/beta/communications/calls/",
    ],
)
def test_create_call(url: str) -> None:
    typed = type_request("POST", url)
    assert (typed.body, typed.partial, typed.response, typed.findings) == (CALL, False, CALL, ())


def test_deprecated_app_path_types_the_same_with_a_warning() -> None:
    typed = type_request("POST", "https://graph.microsoft.com/beta/app/calls")
    assert (typed.body, typed.response) == (CALL, CALL)
    assert [(f.severity, f.code) for f in typed.findings] == [
        ("warning", "request.deprecated-path")
    ]
    assert "/communications" in typed.findings[0].message


def bound_actions() -> list[tuple[str, str]]:
    """(URL, parameters type) for every bound action of call and participant, from the facts."""
    prefix = {
        ("microsoft.graph.call", False): "/communications/calls/{id}/",
        ("microsoft.graph.call", True): "/communications/calls/",
        ("microsoft.graph.participant", False): "/communications/calls/{id}/participants/{pid}/",
        ("microsoft.graph.participant", True): "/communications/calls/{id}/participants/",
    }
    cases = []
    for overloads in generated.schema().operations.values():
        for op in overloads:
            if op.kind == "action" and (op.binding, op.binding_collection) in prefix:
                name = op.qname.rsplit(".", 1)[-1]
                cases.append((prefix[op.binding, op.binding_collection] + name, op.parameters))
    return cases


def test_the_facts_have_the_actions_the_issue_names() -> None:
    names = {url.rsplit("/", 1)[-1] for url, _ in bound_actions()}
    assert {"answer", "reject", "redirect", "transfer", "playPrompt", "invite", "muteAll"} <= names
    assert "/communications/calls/{id}/participants/{pid}/mute" in dict(bound_actions())


@pytest.mark.parametrize(("url", "parameters"), bound_actions())
def test_every_bound_action_types_its_parameters(url: str, parameters: str) -> None:
    typed = type_request("POST", "https://graph.microsoft.com/beta" + url)
    assert typed.body == TypeRef(parameters)
    assert typed.findings == ()


def test_action_response_is_its_return_type() -> None:
    typed = type_request("POST", "/communications/calls/1/participants/invite")
    assert typed.response == TypeRef("microsoft.graph.inviteParticipantsOperation")
    assert type_request("POST", "/communications/calls/1/answer").response is None


def test_qualified_action_names_and_key_syntax() -> None:
    typed = type_request("POST", "/communications/calls('1')/microsoft.graph.playPrompt")
    assert typed.body == TypeRef("microsoft.graph.playPrompt(microsoft.graph.call)")


@pytest.mark.parametrize(
    ("method", "url", "code"),
    [
        ("POST", "/communications/calls/1/answr", "request.unknown-route"),
        ("POST", "/me/events", "request.unknown-route"),
        ("POST", "/communications/calls/1/answer/now", "request.unknown-route"),
        ("POST", "", "request.unknown-route"),
        ("GET", "/communications/calls/1/answer", "request.bad-method"),
        ("POST", "/communications/calls/1", "request.bad-method"),
        ("PUT", "/communications/calls", "request.bad-method"),
    ],
)
def test_bad_routes_are_findings(method: str, url: str, code: str) -> None:
    typed = type_request(method, url)
    assert [(f.severity, f.code) for f in typed.findings] == [("error", code)]


def test_unknown_route_names_what_exists() -> None:
    message = type_request("POST", "/communications/calls/1/answr").findings[0].message
    assert "'answr'" in message and "answer" in message and "participants" in message


def test_patch_is_partial_get_and_delete_have_no_body() -> None:
    patch = type_request("PATCH", "/communications/calls/1")
    assert (patch.body, patch.partial) == (CALL, True)
    assert type_request("GET", "/communications/calls/1").response == CALL
    assert type_request("DELETE", "/communications/calls/1").body is None


def test_routes_come_from_the_facts() -> None:
    facts = generated.schema()
    # cloudCommunications is outside the calls closure; its `calls` navigation is still a route.
    assert facts.routes["communications/calls"] == ("microsoft.graph.call", True)
    assert "microsoft.graph.cloudCommunications" not in facts.types
    for qname, _ in facts.routes.values():
        assert qname in facts.types
    # The deprecated /app/calls comes from the facts; it must address what /communications does.
    assert default_routes().resolve(["app", "calls"])[0] is not None
    assert (
        type_request("POST", "/app/calls").body
        == type_request("POST", "/communications/calls").body
    )


def test_split_path() -> None:
    assert split_path("https://h/beta/communications/calls/a%20b?x=1#f") == [
        "communications",
        "calls",
        "a b",
    ]


def test_response_gets_its_requests_return_type() -> None:
    create = type_request("POST", "/communications/calls")
    assert type_response(201, create).type == CALL
    assert type_response(201, create).findings == ()


@pytest.mark.parametrize(
    ("status", "request_typing", "code", "severity"),
    [
        (201, None, "response.no-request", "warning"),
        (
            200,
            type_request("POST", "/communications/calls/1/answer"),
            "response.unexpected-body",
            "warning",
        ),
        (400, type_request("POST", "/communications/calls"), "response.untyped", "info"),
    ],
)
def test_untypable_responses(
    status: int, request_typing: RequestTyping | None, code: str, severity: str
) -> None:
    typed = type_response(status, request_typing)
    assert typed.type is None
    assert [(f.severity, f.code) for f in typed.findings] == [(severity, code)]


def notification(url: Any, data: Any) -> dict[str, Any]:
    return {"value": [{"changeType": "updated", "resourceUrl": url, "resourceData": data}]}


@pytest.mark.parametrize(
    ("url", "data", "expected"),
    [
        ("/communications/calls/1", {}, "microsoft.graph.call"),
        ("/communications/calls/1/participants", [{}], "Collection(microsoft.graph.participant)"),
        (
            "/communications/calls/1/contentsharingsessions",
            [],
            "Collection(microsoft.graph.contentSharingSession)",
        ),
        ("/communications/calls/1/operations/2", {}, "microsoft.graph.commsOperation"),
        (
            "/communications/calls/1/participants",
            [{"@odata.type": "#microsoft.graph.deltaParticipants"}],
            f"Collection({DELTA_ROSTER})",
        ),
    ],
)
def test_resource_data_is_typed_from_resource_url(url: str, data: Any, expected: str) -> None:
    typed = type_notification(notification(url, data))
    assert typed.type == NOTIFICATIONS
    assert typed.findings == ()
    decided = typed.dynamic["$.value[0].resourceData"]
    assert str(decided.type) == expected
    assert url in decided.reason


def test_unknown_resource_url_is_a_warning_and_leaves_data_untyped() -> None:
    typed = type_notification(notification("/communications/meetings/1", {}))
    assert [(f.severity, f.code, f.path) for f in typed.findings] == [
        ("warning", "notification.unknown-resource", "$.value[0].resourceUrl")
    ]
    assert typed.dynamic == {}


def test_older_resource_key_types_resource_data_with_a_note() -> None:
    item = {"changeType": "deleted", "resource": "/app/calls/5e6f/operations/7a8b"}
    typed = type_notification({"value": [{**item, "resourceData": {"status": "Completed"}}]})
    assert [(f.severity, f.code, f.path) for f in typed.findings] == [
        ("info", "notification.legacy-resource", "$.value[0].resource")
    ]
    decided = typed.dynamic["$.value[0].resourceData"]
    assert (str(decided.type), decided.reason) == (
        "microsoft.graph.commsOperation",
        "typed from resource /app/calls/5e6f/operations/7a8b",
    )
    # resourceUrl wins when both are there; an unknown older key is named in the warning.
    both = {**item, "resourceUrl": "/communications/calls/5e6f", "resourceData": {}}
    typed = type_notification({"value": [both]})
    assert typed.findings == ()
    assert str(typed.dynamic["$.value[0].resourceData"].type) == "microsoft.graph.call"
    unknown = {"resource": "/communications/meetings/1", "resourceData": {}}
    typed = type_notification({"value": [unknown]})
    assert [(f.code, f.path) for f in typed.findings] == [
        ("notification.legacy-resource", "$.value[0].resource"),
        ("notification.unknown-resource", "$.value[0].resource"),
    ]
    assert typed.dynamic == {}


@pytest.mark.parametrize(
    "body", [None, [], {"value": 3}, {"value": [1, {"resourceUrl": 5, "resourceData": {}}]}]
)
def test_odd_notification_shapes_do_not_crash(body: Any) -> None:
    typed = type_notification(body)
    assert typed.type == NOTIFICATIONS and typed.dynamic == {}
