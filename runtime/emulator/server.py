"""The emulator: Graph's part of the calls API on a loopback port.

Requests are checked with the one checker (`runtime.checking.bodies.validate_body`, what
`python -m runtime validate --request` runs), so a 400 names the same finding. Notifications go
out through one ordered worker per call, signed with an RS256 key made at start-up; a failed
delivery (refused, 5xx, 429, timeout) is retried with backoff, as Graph retries a callback.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from ..bot.requests import bound_actions
from ..checking.bodies import validate_body
from ..checking.findings import Finding, has_errors

DEFAULT_APP_ID = "00000000-0000-4000-8000-0000000e0b07"
DEFAULT_TENANT = "00000000-0000-4000-8000-00000000e7e1"
ISSUER = "https://graph.microsoft.com"
KEY_ID = "emulator-1"
MAX_BODY = 1 << 20
MAX_CALLS = 1_000
MAX_LOG = 10_000
GRAPH_HOST = "https://graph.microsoft.com"
VERSIONS = ("v1.0", "beta")


@dataclass(frozen=True)
class Faults:
    """What goes wrong in one run (all off by default)."""

    out_of_order: bool = False
    """Adjacent notifications of a call are delivered swapped."""
    duplicate: bool = False
    """Every notification is delivered twice."""
    delay: float = 0.0
    """Seconds to wait before each delivery."""
    drop_delta_sequence: bool = False
    """Delta rosters lose `sequenceNumber`; a full roster follows each, as Graph resyncs."""
    throttle_every: int = 0
    """Every Nth request is answered `429` with `Retry-After` (not acted on)."""
    fail_every: int = 0
    """Every Nth request is answered `503` (not acted on)."""
    callback_attempts: int = 5
    """Deliveries of one notification before it is given up (Graph retries a few times)."""
    callback_backoff: float = 0.2
    """Seconds before the first redelivery; doubled each time."""
    callback_timeout: float = 5.0


@dataclass(frozen=True)
class Exchange:
    """One request the bot sent and the status it was answered."""

    method: str
    path: str
    body: Any
    status: int
    response: Any = None


@dataclass(frozen=True)
class Delivery:
    """One notification posted to a bot: its call, body, final status and attempts."""

    call_id: str
    body: dict[str, Any]
    status: int | None
    attempts: int


@dataclass
class _Call:
    call_id: str
    version: str
    callback: str
    state: str
    resource: dict[str, Any]
    participants: dict[str, dict[str, Any]] = field(default_factory=dict)
    sequence: int = 0
    outbox: queue.Queue[dict[str, Any] | None] = field(default_factory=queue.Queue)
    operations: dict[str, str] = field(default_factory=dict)
    sessions: set[str] = field(default_factory=set)
    # What the service said about the call, in the order it said it (before any fault reorders,
    # drops or repeats a delivery): what a scenario compares with the documented sequence.
    produced: list[dict[str, Any]] = field(default_factory=list)


def _identity(kind: str, ident: str, name: str | None = None) -> dict[str, Any]:
    inner: dict[str, Any] = {"@odata.type": "#microsoft.graph.identity", "id": ident}
    if name:
        inner["displayName"] = name
    return {"@odata.type": "#microsoft.graph.identitySet", kind: inner}


def participant(
    pid: str, identity: dict[str, Any], muted: bool = False, *, in_lobby: bool = False
) -> dict[str, Any]:
    """A participant resource as notifications carry it."""
    return {
        "@odata.type": "#microsoft.graph.participant",
        "id": pid,
        "info": {"@odata.type": "#microsoft.graph.participantInfo", "identity": identity},
        "isMuted": muted,
        "isInLobby": in_lobby,
    }


def _notification(change: str, url: str, data: Any) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.commsNotifications",
        "value": [
            {
                "@odata.type": "#microsoft.graph.commsNotification",
                "changeType": change,
                "resourceUrl": url,
                "resourceData": data,
            }
        ],
    }


class Emulator:
    """Serves the calls API on `url` until `close()`; a context manager."""

    def __init__(
        self,
        *,
        app_id: str = DEFAULT_APP_ID,
        tenant: str = DEFAULT_TENANT,
        faults: Faults | None = None,
        port: int = 0,
    ) -> None:
        import jwt  # the `auth` extra: signing needs PyJWT with cryptography
        from cryptography.hazmat.primitives.asymmetric import rsa

        self._jwt = jwt
        self.app_id = app_id
        self.tenant = tenant
        self.faults = faults or Faults()
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        self.jwks = {"keys": [{**public, "kid": KEY_ID, "use": "sig", "alg": "RS256"}]}
        self.lock = threading.RLock()  # `wait_for` conditions read under it
        self.changed = threading.Condition(self.lock)
        self.calls: dict[str, _Call] = {}
        self.received: list[Exchange] = []
        self.delivered: list[Delivery] = []
        self._requests = 0
        self.returns = {s.path.rsplit("/", 1)[-1]: s.returns for s in bound_actions().values()}
        self._closed = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    # -- public face ---------------------------------------------------------------------------

    @property
    def openid_config_url(self) -> str:
        """The OpenID configuration document naming the JWKS (for `GraphTokenValidator`)."""
        return f"{self.url}/.well-known/openid-configuration"

    def close(self) -> None:
        """Stop serving and delivering."""
        self._closed.set()
        with self.lock:
            for call in self.calls.values():
                call.outbox.put(None)
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait_for(self, condition: Callable[[Emulator], bool], timeout: float = 10.0) -> bool:
        """Wait until `condition(self)` holds (re-checked on every request and delivery)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not condition(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(min(left, 0.1))
        return True

    def state(self, call_id: str) -> str | None:
        """The call's state as the service knows it."""
        with self.lock:
            call = self.calls.get(call_id)
            return None if call is None else call.state

    def roster(self, call_id: str) -> dict[str, bool]:
        """The call's participants as the service knows them: id → muted."""
        with self.lock:
            call = self.calls.get(call_id)
            if call is None:
                return {}
            return {pid: bool(p.get("isMuted")) for pid, p in call.participants.items()}

    def lobby(self, call_id: str) -> set[str]:
        """The call's participants waiting in the meeting lobby."""
        with self.lock:
            call = self.calls.get(call_id)
            return (
                set()
                if call is None
                else {p for p, v in call.participants.items() if v["isInLobby"]}
            )

    def operations(self, call_id: str) -> dict[str, str]:
        """The call's operations as the service knows them: id → status."""
        with self.lock:
            call = self.calls.get(call_id)
            return {} if call is None else dict(call.operations)

    def sessions(self, call_id: str) -> set[str]:
        """The call's live content sharing sessions the bot is told of."""
        with self.lock:
            call = self.calls.get(call_id)
            return set() if call is None else set(call.sessions)

    def notified(self, call_id: str) -> list[dict[str, Any]]:
        """The notifications the service produced for a call, in its order (faults aside)."""
        with self.lock:
            call = self.calls.get(call_id)
            return [] if call is None else list(call.produced)

    def sent_to_bot(self, call_id: str | None = None) -> list[Delivery]:
        """The notifications delivered (or given up), in delivery order."""
        with self.lock:
            return [d for d in self.delivered if call_id is None or d.call_id == call_id]

    def sent_by_bot(self, method: str | None = None) -> list[Exchange]:
        """The requests the bot sent, with the status each got."""
        with self.lock:
            return [r for r in self.received if method is None or r.method == method]

    def incoming_call(
        self, callback_uri: str, caller: str = "caller-1", *, version: str = "v1.0"
    ) -> str:
        """Push an incoming call to a bot (`created`, state `incoming`); its id."""
        call_id = str(uuid.uuid4())
        resource = {
            "@odata.type": "#microsoft.graph.call",
            "id": call_id,
            "state": "incoming",
            "direction": "incoming",
            "callbackUri": callback_uri,
            "source": {
                "@odata.type": "#microsoft.graph.participantInfo",
                "identity": _identity("user", caller, "Caller"),
            },
            "requestedModalities": ["audio"],
        }
        call = self._new_call(call_id, version, callback_uri, "incoming", resource)
        call.participants["p-" + caller] = participant("p-" + caller, _identity("user", caller))
        self._post(call, _notification("created", self._call_url(call), dict(resource)))
        return call_id

    def join(self, call_id: str, *users: str) -> None:
        """Users join the call (a delta roster)."""
        with self.lock:
            call = self.calls[call_id]
            people = [participant("p-" + u, _identity("user", u)) for u in users]
            for p in people:
                call.participants[p["id"]] = p
        self._delta(call, people)

    def leave(self, call_id: str, *participant_ids: str) -> None:
        """Participants leave the call (a delta roster)."""
        with self.lock:
            call = self.calls[call_id]
            gone = [call.participants.pop(pid) for pid in participant_ids]
        self._delta(call, [{**p, "removedState": {"reason": "left"}} for p in gone])

    def admit(self, call_id: str, *users: str) -> None:
        """The bot is let in from the lobby: a delta roster brings it out, with `users` (who
        were in the meeting all along) in."""
        with self.lock:
            call = self.calls[call_id]
            people = [{**p, "isInLobby": False} for p in call.participants.values()]
            people += [participant("p-" + u, _identity("user", u)) for u in users]
            call.participants.update((p["id"], p) for p in people)
        self._delta(call, people)

    def share_content(self, call_id: str, session_id: str, change: str = "created") -> None:
        """Someone starts (`created`), updates or stops (`deleted`) sharing content in the call.

        As Graph does, the bot hears of it only when its create asked for it
        (`callOptions.isContentSharingNotificationEnabled`)."""
        if change not in ("created", "updated", "deleted"):
            raise ValueError(f"change {change!r}: created, updated or deleted")
        call = self.calls[call_id]
        with self.lock:
            options = call.resource.get("callOptions")
            wanted = isinstance(options, dict) and options.get(
                "isContentSharingNotificationEnabled"
            )
            if wanted is True and change == "deleted":
                call.sessions.discard(session_id)
            elif wanted is True:
                call.sessions.add(session_id)
        if wanted is True:
            url = f"{self._call_url(call)}/contentsharingsessions"  # Graph's spelling
            data = [{"@odata.type": "#microsoft.graph.contentSharingSession", "id": session_id}]
            self._post(call, _notification(change, url, data))

    def end_call(self, call_id: str, code: int = 0, subcode: int = 7000) -> None:
        """The service ends the call (`terminated` with the reason in `resultInfo`)."""
        call = self.calls[call_id]
        info = {"code": code, "subcode": subcode, "message": "The call was ended by the service."}
        self._terminate(call, "deleted", info)

    # -- calls ---------------------------------------------------------------------------------

    def _call_url(self, call: _Call) -> str:
        return f"/communications/calls/{call.call_id}"

    def _new_call(
        self, call_id: str, version: str, callback: str, state: str, resource: dict[str, Any]
    ) -> _Call:
        call = _Call(call_id, version, callback, state, resource)
        with self.changed:
            if len(self.calls) >= MAX_CALLS:  # the oldest ended call makes room
                ended = [c for c, v in self.calls.items() if v.state == "terminated"]
                if ended:
                    del self.calls[ended[0]]
            self.calls[call_id] = call
            self.changed.notify_all()
        threading.Thread(target=self._deliver, args=(call,), daemon=True).start()
        return call

    def _set_state(self, call: _Call, state: str, change: str = "updated", **extra: Any) -> None:
        with self.changed:
            call.state = state
            call.resource["state"] = state
            self.changed.notify_all()
        data = {"@odata.type": "#microsoft.graph.call", "id": call.call_id, "state": state}
        for meeting in ("chatInfo", "meetingInfo"):  # a meeting call's states say which meeting
            if isinstance(call.resource.get(meeting), dict):
                data[meeting] = call.resource[meeting]
        self._post(call, _notification(change, self._call_url(call), {**data, **extra}))

    def _terminate(self, call: _Call, change: str, info: dict[str, Any] | None = None) -> None:
        extra = (
            {}
            if info is None
            else {"resultInfo": {"@odata.type": "#microsoft.graph.resultInfo", **info}}
        )
        self._set_state(call, "terminated", change, **extra)

    def _full_roster(self, call: _Call) -> None:
        with self.lock:
            call.sequence += 1
            people = [
                {**p, "rosterSequenceNumber": call.sequence} for p in call.participants.values()
            ]
        self._post(call, _notification("updated", f"{self._call_url(call)}/participants", people))

    def _delta(self, call: _Call, people: list[dict[str, Any]]) -> None:
        with self.lock:
            call.sequence += 1
            seq = call.sequence
        delta: dict[str, Any] = {
            "@odata.type": "#microsoft.graph.deltaParticipants",
            "participants": people,
        }
        if self.faults.drop_delta_sequence:
            call.sequence -= 1  # the full roster that follows takes this number
        else:
            delta["sequenceNumber"] = seq
        self._post(call, _notification("updated", f"{self._call_url(call)}/participants", [delta]))
        if self.faults.drop_delta_sequence:
            self._full_roster(call)

    def _operation(self, call: _Call, qname: str, status: str = "completed") -> dict[str, Any]:
        op_id = str(uuid.uuid4())
        op = {"@odata.type": f"#{qname}", "id": op_id, "status": status}
        return op

    def _op_done(self, call: _Call, op: dict[str, Any]) -> None:
        done = {
            **op,
            "status": "completed",
            "resultInfo": {"@odata.type": "#microsoft.graph.resultInfo", "code": 200, "subcode": 0},
        }
        url = f"{self._call_url(call)}/operations/{op['id']}"
        with self.lock:
            if len(call.operations) < MAX_LOG:
                call.operations[op["id"]] = "completed"
        self._post(call, _notification("updated", url, done))

    # -- delivery ------------------------------------------------------------------------------

    def _post(self, call: _Call, body: dict[str, Any]) -> None:
        with self.lock:
            if len(call.produced) < MAX_LOG:
                call.produced.append(body)
        call.outbox.put(body)

    def _token(self) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "aud": self.app_id,
            "tid": self.tenant,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
        }
        token: str = self._jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": KEY_ID})
        return token

    def _deliver(self, call: _Call) -> None:
        held: dict[str, Any] | None = None
        while not self._closed.is_set():
            try:
                body = call.outbox.get(timeout=0.05)
            except queue.Empty:
                if held is not None:  # nothing came to swap with: it goes out late, alone
                    self._send(call, held)
                    held = None
                continue
            if body is None:
                return
            if self.faults.out_of_order:
                if held is None:
                    held = body
                    continue
                self._send(call, body)
                body, held = held, None
            self._send(call, body)

    def _send(self, call: _Call, body: dict[str, Any]) -> None:
        for _ in range(2 if self.faults.duplicate else 1):
            if self.faults.delay:
                time.sleep(self.faults.delay)
            status, attempts = self._post_with_retries(call.callback, body)
            with self.changed:
                if len(self.delivered) < MAX_LOG:
                    self.delivered.append(Delivery(call.call_id, body, status, attempts))
                self.changed.notify_all()

    def _post_with_retries(self, callback: str, body: dict[str, Any]) -> tuple[int | None, int]:
        try:
            target = urlsplit(callback)
            path = (target.path or "/") + (f"?{target.query}" if target.query else "")
            path.encode("ascii")
            port = target.port
        except (ValueError, UnicodeError):
            return None, 0  # a callbackUri no one can post to (it passed the checker as a string)
        if target.scheme not in ("http", "https") or not target.hostname:
            return None, 0
        connection = (
            http.client.HTTPSConnection if target.scheme == "https" else http.client.HTTPConnection
        )
        data = json.dumps(body).encode()
        wait = self.faults.callback_backoff
        status: int | None = None
        attempts = 0
        for attempts in range(1, max(1, self.faults.callback_attempts) + 1):  # noqa: B007
            if self._closed.is_set():
                break
            conn = connection(target.hostname, port, timeout=self.faults.callback_timeout)
            try:
                headers = {
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {self._token()}",
                }
                conn.request("POST", path, data, headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = None  # refused, reset or timed out: retried like a 5xx
            finally:
                conn.close()
            if status is not None and status < 500 and status != 429:
                break
            self._closed.wait(wait)
            wait *= 2
        return status, attempts

    # -- HTTP ----------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        emulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "graph-calls-emulator"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def do_GET(self) -> None:
                emulator._serve(self, "GET")

            def do_POST(self) -> None:
                emulator._serve(self, "POST")

            def do_DELETE(self) -> None:
                emulator._serve(self, "DELETE")

            def do_PATCH(self) -> None:
                emulator._serve(self, "PATCH")

            def do_PUT(self) -> None:
                emulator._serve(self, "PUT")

        return Handler

    def _serve(self, h: BaseHTTPRequestHandler, method: str) -> None:
        request_id = str(uuid.uuid4())
        path = urlsplit(h.path).path
        body: Any = None
        try:
            status, answer, headers = self._route(h, method, path, request_id)
        except _Refusal as refusal:
            status, answer, headers = refusal.status, refusal.body(request_id), refusal.headers
            if method != "GET" and not hasattr(h, "_emulator_body"):
                h.close_connection = True  # an unread body would be taken for the next request
        except Exception as exc:  # a bug of ours must still answer in Graph's shape
            status, answer, headers = (
                500,
                _error(500, "InternalServerError", str(exc)[:200], request_id),
                {},
            )
        body = getattr(h, "_emulator_body", None)
        data = b"" if answer is None else json.dumps(answer).encode()
        # Logged before answering: a bot that has its answer finds its request in the log.
        with self.changed:
            if (
                len(self.received) < MAX_LOG
                and not path.startswith("/.well-known")
                and path != "/keys"
            ):
                self.received.append(Exchange(method, path, body, status, answer))
            self.changed.notify_all()
        with contextlib.suppress(OSError):
            h.send_response(status)
            for k, v in {
                **headers,
                "request-id": request_id,
                "client-request-id": h.headers.get("client-request-id") or request_id,
                "Date": h.date_time_string(),
                "Content-Length": str(len(data)),
            }.items():
                h.send_header(k, v)
            if data:
                h.send_header("Content-Type", "application/json")
            h.end_headers()
            h.wfile.write(data)

    def _read_json(self, h: BaseHTTPRequestHandler) -> Any:
        declared = h.headers.get("Content-Length")
        if declared is None or not declared.isdigit():
            raise _Refusal(411, "LengthRequired", "a body needs a Content-Length")
        size = int(declared)
        if size > MAX_BODY:
            raise _Refusal(413, "RequestEntityTooLarge", f"the body is over {MAX_BODY} bytes")
        raw = h.rfile.read(size)
        try:
            value = json.loads(raw) if raw.strip() else None
        except (ValueError, RecursionError) as exc:
            raise _Refusal(400, "BadRequest", f"the body is not JSON: {str(exc)[:120]}") from None
        h._emulator_body = value  # type: ignore[attr-defined]
        return value

    def _count_fault(self) -> tuple[int, str, str] | None:
        with self.lock:
            self._requests += 1
            n = self._requests
        if self.faults.throttle_every and n % self.faults.throttle_every == 0:
            return 429, "TooManyRequests", "throttled by the emulator (fault injection)"
        if self.faults.fail_every and n % self.faults.fail_every == 0:
            return 503, "ServiceUnavailable", "unavailable (fault injection); nothing was done"
        return None

    def _route(
        self, h: BaseHTTPRequestHandler, method: str, path: str, request_id: str
    ) -> tuple[int, Any, dict[str, str]]:
        if path == "/.well-known/openid-configuration" and method == "GET":
            return 200, {"issuer": ISSUER, "jwks_uri": f"{self.url}/keys"}, {}
        if path == "/keys" and method == "GET":
            return 200, self.jwks, {}
        parts = [p for p in path.split("/") if p]
        if len(parts) < 3 or parts[0] not in VERSIONS or parts[1:3] != ["communications", "calls"]:
            raise _Refusal(404, "BadRequest", f"{method} {path[:200]}: not a calls API URL")
        version, rest = parts[0], parts[3:]
        fault = self._count_fault()
        body = self._read_json(h) if method in ("POST", "PATCH", "PUT") else None
        if fault is not None:
            raise _Refusal(fault[0], fault[1], fault[2], {"Retry-After": "1"})
        if method == "POST":
            self._check(body, f"POST {GRAPH_HOST}{path}")
            if not rest:
                if not isinstance(body, dict):  # the checker refuses these; never act on one
                    raise _Refusal(400, "BadRequest", "a call is a JSON object")
                return self._create(version, body)
            return self._action(rest, body)
        if len(rest) != 1:
            raise _Refusal(405, "MethodNotAllowed", f"{method} is not served on {path[:200]}")
        call = self._live(rest[0])
        if method == "GET":
            with self.lock:
                return 200, dict(call.resource), {}
        if method == "DELETE":
            if call.state != "terminated":
                self._terminate(call, "deleted")
            return 204, None, {}
        raise _Refusal(405, "MethodNotAllowed", f"{method} is not served on {path[:200]}")

    def _check(self, body: Any, request: str) -> None:
        report = validate_body(body, request=request)
        errors = [f for f in report.findings if f.severity == "error"]
        if has_errors(errors):
            raise _Refusal(
                400, "BadRequest", "; ".join(str(f) for f in errors[:3]), findings=errors
            )

    def _live(self, call_id: str) -> _Call:
        with self.lock:
            call = self.calls.get(call_id)
        if call is None:
            raise _Refusal(404, "ItemNotFound", f"call {call_id[:80]!r} not found")
        return call

    def _create(self, version: str, body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        call_id = str(uuid.uuid4())
        resource = {**body, "id": call_id, "state": "establishing", "direction": "outgoing"}
        resource.setdefault("@odata.type", "#microsoft.graph.call")
        call = self._new_call(call_id, version, body["callbackUri"], "establishing", resource)
        source = body.get("source")
        bot = (source.get("identity") if isinstance(source, dict) else None) or _identity(
            "application", self.app_id, "Bot"
        )
        meeting = body.get("meetingInfo")
        meeting = meeting if isinstance(meeting, dict) else {}
        # A guest waits in the meeting's lobby, and sees no one else, until it is admitted.
        in_lobby = bool(meeting) and isinstance(bot, dict) and "guest" in bot
        with self.lock:
            call.participants["p-bot"] = participant("p-bot", bot, in_lobby=in_lobby)
            organizer = meeting.get("organizer")
            if isinstance(organizer, dict) and not in_lobby:  # the organizer is in the meeting
                call.participants["p-organizer"] = participant("p-organizer", organizer)
            for i, target in enumerate(body.get("targets") or []):
                pid = f"p-target-{i + 1}"
                identity = target.get("identity") if isinstance(target, dict) else None
                call.participants[pid] = participant(pid, identity or {})
        self._set_state(call, "establishing")
        self._set_state(call, "established")
        self._full_roster(call)
        location = f"{self.url}/{version}/communications/calls/{call_id}"
        return 201, resource, {"Location": location}

    def _action(self, rest: list[str], body: Any) -> tuple[int, Any, dict[str, str]]:
        call = self._live(rest[0])
        name = rest[-1]
        if call.state == "terminated":
            raise _Refusal(404, "ItemNotFound", f"call {call.call_id} has ended")
        returns = self.returns.get(name)
        op = self._operation(call, returns) if returns else None
        headers: dict[str, str] = {}
        if op is not None:
            where = f"{self.url}/{call.version}/communications/calls/{call.call_id}"
            headers["Location"] = f"{where}/operations/{op['id']}"
        answer = None if op is None else {**op, "status": "running"}
        status = 200 if op is not None else 202
        if name == "answer":
            with self.lock:
                call.participants["p-bot"] = participant(
                    "p-bot", _identity("application", self.app_id, "Bot")
                )
            self._set_state(call, "established")
            self._full_roster(call)
        elif name in ("reject", "redirect"):
            if name == "redirect":
                self._set_state(call, "redirecting")
            self._terminate(call, "deleted")
        elif name == "transfer":
            self._set_state(call, "transferring")
            self._set_state(call, "transferAccepted")
            self._terminate(call, "deleted")
        elif name == "keepAlive":
            status = 200
        elif name in ("mute", "unmute") and len(rest) == 2:
            self._mute(call, ["p-bot"], name == "mute")
        elif name == "mute" and len(rest) == 4:
            if rest[2] not in call.participants:
                raise _Refusal(404, "ItemNotFound", f"participant {rest[2][:80]!r} not found")
            self._mute(call, [rest[2]], True)
        elif name == "muteAll":
            self._mute(call, [p for p in call.participants if p != "p-bot"], True)
        elif name == "invite":
            people = []
            for i, invited in enumerate(body.get("participants") or []):
                pid = f"p-invited-{uuid.uuid4().hex[:8]}-{i}"
                people.append(participant(pid, invited.get("identity") or {}))
            with self.lock:
                call.participants.update((p["id"], p) for p in people)
            self._delta(call, people)
        if op is not None:
            self._op_done(call, op)
        return status, answer, headers

    def _mute(self, call: _Call, ids: list[str], muted: bool) -> None:
        with self.lock:
            people = []
            for pid in ids:
                call.participants[pid] = {**call.participants[pid], "isMuted": muted}
                people.append(call.participants[pid])
        self._delta(call, people)


def _error(
    status: int,
    code: str,
    message: str,
    request_id: str,
    findings: list[Finding] = (),  # type: ignore[assignment]
) -> dict[str, Any]:
    error: dict[str, Any] = {
        "code": code,
        "message": message,
        "innerError": {
            "request-id": request_id,
            "client-request-id": request_id,
            "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        },
    }
    if findings:
        error["details"] = [
            {"code": f.code, "target": f.path, "message": f.message} for f in findings[:20]
        ]
    return {"error": error}


class _Refusal(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
        findings: list[Finding] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.findings = findings or []

    def body(self, request_id: str) -> dict[str, Any]:
        return _error(self.status, self.code, self.message, request_id, self.findings)
