"""A small fake of Graph's calls API for loopback tests: it answers the bot's HTTP requests and
posts the notifications Graph would post to the call's `callbackUri`.

It knows create (201, then `establishing` and `established`), every bound action (an
operation `running`, then `completed` or `failed`), `GET`, `DELETE` (then `terminated`), and
lets a test make participants join and leave (delta rosters). Not an emulator: no media, no
lobby, no errors but those a test asks for.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from runtime.bot.requests import bound_actions

TOKEN = "fake-graph-callback-token"


def call_body(call_id: str, state: str, change: str = "updated") -> dict[str, Any]:
    """A notification body: the call's new state."""
    data = {"@odata.type": "#microsoft.graph.call", "id": call_id, "state": state}
    return _body(change, f"/communications/calls/{call_id}", data)


def roster_body(call_id: str, ids: list[str], seq: int | None = None) -> dict[str, Any]:
    """A full roster."""
    return _body("updated", f"/communications/calls/{call_id}/participants", people(ids, seq))


def delta_body(
    call_id: str,
    seq: int,
    joined: list[str] = (),
    left: list[str] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    """A delta roster numbered `seq`."""
    data = {
        "@odata.type": "#microsoft.graph.deltaParticipants",
        "sequenceNumber": seq,
        "participants": people(list(joined)) + people(list(left), removed=True),
    }
    return _body("updated", f"/communications/calls/{call_id}/participants", [data])


def people(ids: list[str], seq: int | None = None, removed: bool = False) -> list[dict[str, Any]]:
    """Participant resources."""
    out = []
    for pid in ids:
        p: dict[str, Any] = {"@odata.type": "#microsoft.graph.participant", "id": pid}
        if seq is not None:
            p["rosterSequenceNumber"] = seq
        if removed:
            p["removedState"] = {"reason": "left"}
        out.append(p)
    return out


def operation_body(
    call_id: str, op_id: str, status: str, qname: str, info: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An operation's status."""
    data: dict[str, Any] = {"@odata.type": f"#{qname}", "id": op_id, "status": status}
    if info is not None:
        data["resultInfo"] = info
    return _body("updated", f"/communications/calls/{call_id}/operations/{op_id}", data)


def _body(change: str, url: str, data: Any) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.commsNotifications",
        "value": [{"changeType": change, "resourceUrl": url, "resourceData": data}],
    }


class FakeGraph:
    """Serves on a free loopback port; `url` is the base URL for `CallsRequests(base_url=…)`."""

    def __init__(self, token: Callable[[], str] = lambda: TOKEN) -> None:
        self.token = token
        """Makes the bearer token of each notification (a signed JWT in the quick start)."""
        self.lock = threading.Lock()
        self.callbacks: dict[str, str] = {}
        self.states: dict[str, str] = {}
        self.sequence: dict[str, int] = {}
        self.requests: list[tuple[str, str, Any]] = []
        self.failures: dict[str, dict[str, Any]] = {}
        """Action name → resultInfo: that action's operation ends `failed`."""
        self.notify_before_response = False
        self.returns = {spec.path.split("/")[-1]: spec.returns for spec in bound_actions().values()}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()

    def notify(self, call_id: str, body: dict[str, Any]) -> int:
        """POST one notification body to the call's callback; the receiver's status."""
        target = urlsplit(self.callbacks[call_id])
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
        try:
            conn.request(
                "POST",
                target.path or "/",
                json.dumps(body).encode(),
                {"Content-Type": "application/json", "Authorization": f"Bearer {self.token()}"},
            )
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            conn.close()

    def join(self, call_id: str, *ids: str) -> int:
        """Participants join (a delta roster)."""
        return self.notify(call_id, delta_body(call_id, self._next(call_id), joined=list(ids)))

    def leave(self, call_id: str, *ids: str) -> int:
        """Participants leave (a delta roster)."""
        return self.notify(call_id, delta_body(call_id, self._next(call_id), left=list(ids)))

    def _next(self, call_id: str) -> int:
        with self.lock:
            self.sequence[call_id] = self.sequence.get(call_id, 0) + 1
            return self.sequence[call_id]

    def _later(self, job: Callable[[], Any]) -> None:
        def run() -> None:
            with contextlib.suppress(OSError):  # the test ended and closed its receiver first
                job()

        threading.Thread(target=run, daemon=True).start()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _answer(self, status: int, body: Any = None, headers: dict[str, str] = {}) -> None:  # noqa: B006
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                for k, v in {**headers, "Content-Length": str(len(data))}.items():
                    self.send_header(k, v)
                if data:
                    self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(data)

            def _segments(self) -> list[str]:
                path = urlsplit(self.path).path
                return path.split("/communications/calls", 1)[1].strip("/").split("/")

            def _read(self) -> Any:
                size = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(size) if size else b""
                return json.loads(raw) if raw else None

            def do_POST(self) -> None:
                body = self._read()
                parts = [p for p in self._segments() if p]
                with fake.lock:
                    fake.requests.append(("POST", "/".join(parts), body))
                if not parts:
                    self._create(body)
                else:
                    self._action(parts)

            def do_GET(self) -> None:
                (call_id,) = self._segments()
                with fake.lock:
                    fake.requests.append(("GET", call_id, None))
                    state = fake.states.get(call_id)
                if state is None:
                    self._answer(404, {"error": {"code": "itemNotFound", "message": "no call"}})
                else:
                    resource = {"@odata.type": "#microsoft.graph.call", "id": call_id}
                    self._answer(200, {**resource, "state": state})

            def do_DELETE(self) -> None:
                (call_id,) = self._segments()
                with fake.lock:
                    fake.requests.append(("DELETE", call_id, None))
                    fake.states[call_id] = "terminated"
                self._answer(204)
                body = call_body(call_id, "terminated", change="deleted")
                fake._later(lambda: fake.notify(call_id, body))

            def _create(self, body: dict[str, Any]) -> None:
                call_id = str(uuid.uuid4())
                with fake.lock:
                    fake.callbacks[call_id] = body["callbackUri"]
                    fake.states[call_id] = "established"
                early = fake.notify_before_response
                if early:  # Graph does not promise the response comes first
                    fake.notify(call_id, call_body(call_id, "establishing"))
                resource = {**body, "id": call_id, "state": "establishing"}
                location = f"{fake.url}/v1.0/communications/calls/{call_id}"
                self._answer(201, resource, {"Location": location})

                def progress() -> None:
                    if not early:
                        fake.notify(call_id, call_body(call_id, "establishing"))
                    fake.notify(call_id, call_body(call_id, "established"))

                fake._later(progress)

            def _action(self, parts: list[str]) -> None:
                call_id, name = parts[0], parts[-1]
                returns = fake.returns.get(name)
                if returns is None:
                    self._answer(200)
                    return
                op_id = str(uuid.uuid4())
                info = fake.failures.get(name)
                status = "failed" if info is not None else "completed"
                done = operation_body(call_id, op_id, status, returns, info)
                if fake.notify_before_response:
                    fake.notify(call_id, done)
                where = f"{fake.url}/v1.0/communications/calls/{call_id}/operations/{op_id}"
                running = {"@odata.type": f"#{returns}", "id": op_id, "status": "running"}
                self._answer(200, running, {"Location": where})
                if not fake.notify_before_response:
                    fake._later(lambda: fake.notify(call_id, done))

        return Handler
