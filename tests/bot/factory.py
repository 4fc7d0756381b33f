"""Shared fixtures of the bot SDK's tests: bodies, a fake transport, the receiver called directly,
and notifications for the tracker."""

from __future__ import annotations

import asyncio
import io
import json
import threading
from collections.abc import Callable, Mapping
from typing import Any
from wsgiref.util import setup_testing_defaults

from runtime.bot import Response
from runtime.bot.notifications import Dispatcher, Notification, parse_notifications
from runtime.bot.receiver import NotificationReceiver
from runtime.bot.requests import GraphRequest
from runtime.bot.tracker import CallTracker

CALL = "/communications/calls/c1"


BODY = json.dumps(
    {
        "@odata.type": "#microsoft.graph.commsNotifications",
        "value": [
            {
                "changeType": "updated",
                "resourceUrl": CALL,
                "resourceData": {"@odata.type": "#microsoft.graph.call", "state": "established"},
            },
            {
                "changeType": "created",
                "resourceUrl": CALL + "/contentsharingsessions",
                "resourceData": [{"id": "s1"}],
            },
        ],
    }
).encode()


def call_wsgi(
    app: NotificationReceiver,
    body: bytes = BODY,
    *,
    method: str = "POST",
    content_type: str | None = "application/json",
    length: str | None = "auto",
    headers: Mapping[str, str] | None = None,
) -> tuple[str, dict[str, str], bytes, io.BytesIO]:
    """Call the app as a WSGI server would; also return the input stream to see what was read."""
    environ: dict[str, Any] = {"REQUEST_METHOD": method}
    setup_testing_defaults(environ)
    stream = io.BytesIO(body)
    environ["wsgi.input"] = stream
    if content_type is not None:
        environ["CONTENT_TYPE"] = content_type
    if length is not None:
        environ["CONTENT_LENGTH"] = str(len(body)) if length == "auto" else length
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    answered: dict[str, Any] = {}

    def start_response(status: str, response_headers: list[tuple[str, str]]) -> None:
        answered["status"] = status
        answered["headers"] = dict(response_headers)

    out = b"".join(app(environ, start_response))
    return answered["status"], answered["headers"], out, stream


def recorder() -> tuple[Dispatcher, list[Notification]]:
    """A dispatcher whose one handler records what it gets."""
    seen: list[Notification] = []
    dispatcher = Dispatcher()
    dispatcher.add(seen.append)
    return dispatcher, seen


def call_asgi(
    app: NotificationReceiver, method: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]
) -> tuple[int, dict[bytes, bytes], bytes]:
    """Drive the ASGI entry point the way an ASGI server would."""
    incoming = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "headers": headers}
    asyncio.run(app.asgi(scope, receive, send))
    start, body = sent
    return start["status"], dict(start["headers"]), body["body"]


CALL_ID = "c1"


def notification(change: str, url: str, data: Any) -> Notification:
    """One parsed notification, typed exactly as the receiver would type it."""
    raw = {"value": [{"changeType": change, "resourceUrl": url, "resourceData": data}]}
    (n,) = parse_notifications(raw).notifications
    return n


def call_state(value: str, change: str = "updated") -> Notification:
    return notification(change, CALL, {"@odata.type": "#microsoft.graph.call", "state": value})


def person(pid: str, removed: bool = False) -> dict[str, Any]:
    p: dict[str, Any] = {"@odata.type": "#microsoft.graph.participant", "id": pid}
    if removed:
        p["removedState"] = {"reason": "left"}
    return p


def full_roster(*ids: str) -> Notification:
    return notification("updated", CALL + "/participants", [person(i) for i in ids])


def delta(seq: int, *people: dict[str, Any]) -> Notification:
    data = {
        "@odata.type": "#microsoft.graph.deltaParticipants",
        "sequenceNumber": seq,
        "participants": list(people),
    }
    return notification("updated", CALL + "/participants", [data])


def session(change: str, sid: str) -> Notification:
    return notification(change, CALL + "/contentsharingsessions", [{"id": sid}])


def operation(change: str, oid: str, status: str) -> Notification:
    data = {"@odata.type": "#microsoft.graph.commsOperation", "id": oid, "status": status}
    return notification(change, f"{CALL}/operations/{oid}", data)


def run(*notifications: Notification) -> CallTracker:
    tracker = CallTracker()
    for n in notifications:
        tracker.apply(n)
    return tracker


def summary(tracker: CallTracker) -> dict[str, Any]:
    snapshot = tracker.get(CALL_ID)
    assert snapshot is not None
    return snapshot.summary()


def codes(tracker: CallTracker) -> list[str]:
    return [e.code for e in tracker.events()]


class FakeTransport:
    """Answers from a function of the request; keeps every request."""

    def __init__(self, answer: Callable[[GraphRequest], Response] | None = None) -> None:
        self.sent: list[GraphRequest] = []
        self.answer = answer or self.default
        self.lock = threading.Lock()
        self.ops = 0

    def default(self, request: GraphRequest) -> Response:
        if request.method == "POST" and request.url.endswith("/calls"):
            body = {"@odata.type": "#microsoft.graph.call", "id": "c1", "state": "establishing"}
            return Response(201, {"Location": request.url + "/c1"}, json.dumps(body).encode())
        if request.method == "POST" and request.returns is not None:
            with self.lock:
                self.ops += 1
                op_id = f"op{self.ops}"
            body = {"@odata.type": f"#{request.returns}", "id": op_id, "status": "running"}
            return Response(200, {}, json.dumps(body).encode())
        return Response(200 if request.method == "POST" else 204, {}, b"")

    def send(self, request: GraphRequest) -> Response:
        with self.lock:
            self.sent.append(request)
        return self.answer(request)
