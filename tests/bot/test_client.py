"""The optional httpx client, against a scripted `http.server` on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

pytest.importorskip(
    "httpx", reason="HTTPX MISSING: install the `http` extra to test runtime.bot.client"
)

from generated.beta.microsoft_graph import (
    Call,
    CallMuteParameters,
    Identity,
    IdentitySet,
    InvitationParticipantInfo,
    ServiceHostedMediaConfig,
)
from runtime.bot.client import GraphClient
from runtime.bot.errors import (
    ForbiddenError,
    ServiceUnavailableError,
    TooManyRequestsError,
)
from runtime.bot.requests import CallsRequests, GraphRequest

CALL_ID = "2e1a0b00-2db4"


@dataclass
class Script:
    """Answers to give in turn, and what was received."""

    answers: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    received: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def graph() -> Iterator[tuple[Script, CallsRequests]]:
    """A fake Graph on a loopback port, and request builders pointed at it."""
    script = Script()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with script.lock:
                script.received.append((self.command, self.path, dict(self.headers), body))
                status, headers, out = script.answers.pop(0)
            self.send_response(status)
            for k, v in {**headers, "Content-Length": str(len(out))}.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(out)

        do_POST = do_DELETE = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    calls = CallsRequests(base_url=f"http://127.0.0.1:{server.server_address[1]}")
    yield script, calls
    server.shutdown()
    server.server_close()
    thread.join()


def new_call() -> Call:
    return Call(
        callback_uri="https://bot.example/callback",
        targets=[InvitationParticipantInfo(identity=IdentitySet(user=Identity(id="u1")))],
        media_config=ServiceHostedMediaConfig(),
    )


CREATED = json.dumps(
    {"@odata.type": "#microsoft.graph.call", "id": CALL_ID, "state": "establishing"}
)


def graph_error(code: str) -> bytes:
    return json.dumps(
        {
            "error": {
                "code": code,
                "message": f"{code} happened",
                "innerError": {"request-id": "req-1", "client-request-id": "cli-1"},
            }
        }
    ).encode()


class Tokens:
    """A token provider that counts how often it was asked."""

    def __init__(self) -> None:
        self.asked = 0

    def __call__(self) -> str:
        self.asked += 1
        return f"token-{self.asked}"


def test_create_call_after_a_throttle(graph: tuple[Script, CallsRequests]) -> None:
    script, calls = graph
    location = f"{calls.calls_url}/{CALL_ID}"
    script.answers = [
        (429, {"Retry-After": "2", "Content-Type": "application/json"}, graph_error("TooMany")),
        (201, {"Location": location, "Content-Type": "application/json"}, CREATED.encode()),
    ]
    slept: list[float] = []
    tokens = Tokens()
    with GraphClient(tokens, sleep=slept.append) as client:
        created = client.create_call(calls.create_call(new_call()))
    assert created.call_id == CALL_ID and created.findings == ()
    assert slept == [2.0]
    (m1, p1, h1, b1), (_, _, h2, b2) = script.received
    assert (m1, p1) == ("POST", "/v1.0/communications/calls")
    # A fresh token per attempt; the same client-request-id on both, for Graph support.
    assert (h1["Authorization"], h2["Authorization"]) == ("Bearer token-1", "Bearer token-2")
    assert h1["client-request-id"] == h2["client-request-id"]
    assert h1["Content-Type"] == "application/json"
    assert json.loads(b1) == json.loads(b2) == calls.create_call(new_call()).json()


def test_503_backs_off_then_gives_up(graph: tuple[Script, CallsRequests]) -> None:
    script, calls = graph
    script.answers = [(503, {}, graph_error("Unavailable"))] * 4
    slept: list[float] = []
    client = GraphClient(Tokens(), sleep=slept.append, max_retries=3, backoff=0.5, jitter=0)
    with pytest.raises(ServiceUnavailableError) as raised:
        client.run(calls.delete_call(CALL_ID))  # idempotent: retried on 503
    assert slept == [0.5, 1.0, 2.0]
    assert len(script.received) == 4
    assert raised.value.request_id == "req-1"
    client.close()


def test_a_retry_after_beyond_the_bound_raises_at_once(graph: tuple[Script, CallsRequests]) -> None:
    script, calls = graph
    script.answers = [(429, {"Retry-After": "3600"}, graph_error("TooMany"))]
    slept: list[float] = []
    with (
        GraphClient(Tokens(), sleep=slept.append, max_wait=60) as client,
        pytest.raises(TooManyRequestsError) as raised,
    ):
        client.create_call(calls.create_call(new_call()))
    assert (slept, raised.value.retry_after) == ([], 3600.0)


def test_other_errors_are_typed_and_not_retried(graph: tuple[Script, CallsRequests]) -> None:
    script, calls = graph
    script.answers = [(403, {"Content-Type": "application/json"}, graph_error("Forbidden"))]
    with (
        GraphClient(Tokens(), sleep=lambda s: None) as client,
        pytest.raises(ForbiddenError) as raised,
    ):
        client.run(calls.action(CallMuteParameters(), call_id=CALL_ID))
    error = raised.value
    assert (error.status, error.code, error.request_id, error.client_request_id) == (
        403,
        "Forbidden",
        "req-1",
        "cli-1",
    )
    assert len(script.received) == 1


def test_action_result_is_typed_and_delete_returns_none(
    graph: tuple[Script, CallsRequests],
) -> None:
    script, calls = graph
    operation = {"@odata.type": "#microsoft.graph.muteParticipantOperation", "id": "op1"}
    script.answers = [
        (200, {"Content-Type": "application/json"}, json.dumps(operation).encode()),
        (204, {}, b""),
    ]
    with GraphClient(Tokens()) as client:
        result = client.run(calls.action(CallMuteParameters(), call_id=CALL_ID))
        assert type(result).__name__ == "MuteParticipantOperation" and result.id == "op1"
        assert client.run(calls.delete_call(CALL_ID)) is None
    assert [(m, p) for m, p, _, _ in script.received] == [
        ("POST", f"/v1.0/communications/calls/{CALL_ID}/mute"),
        ("DELETE", f"/v1.0/communications/calls/{CALL_ID}"),
    ]


def test_plain_data_requests_need_no_builder(graph: tuple[Script, CallsRequests]) -> None:
    script, calls = graph
    script.answers = [(204, {}, b"")]
    request = GraphRequest("DELETE", f"{calls.calls_url}/x", {})
    with GraphClient(Tokens()) as client:
        assert client.send(request).status == 204
