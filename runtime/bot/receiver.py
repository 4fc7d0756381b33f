"""A webhook receiver for Graph's calling notifications: a WSGI (and ASGI) application.

`POST` a `commsNotifications` JSON body: it is validated leniently, each notification goes to
the dispatcher's handlers, and the answer is `202 Accepted` with an empty body. Refusals:

| status | when |
| --- | --- |
| 400 | not JSON, or failed validation (the answer lists the findings), or cut short |
| 401 | the authentication hook refused the request (reason logged), or raised (logged) |
| 405 | any method but `POST` (with `Allow: POST`) |
| 408 | the body did not arrive in time (the connection is closed) |
| 411 | no `Content-Length` (the body's size is checked before a byte is read) |
| 413 | `Content-Length` over `max_body` |
| 415 | a content type other than `application/json` |
| 503 | the hook raised `AuthUnavailable` (keys unavailable); nothing dispatched; Graph retries |

Malformed input never gets a 5xx: Graph retries those, and handlers that already ran would see
the notification twice. A 400 lists at most `DEFAULT_MAX_FINDINGS` findings (errors first, then
a `findings.truncated` note counting the rest), each cut to a few hundred characters.

A handler that raises (even `SystemExit`) does not lose the notification and does not change
the answer: the failure is logged and kept in `receiver.dead_letters`, whose `retry()` runs just
the handlers that failed again. Cancellation (`CancelledError`, `GeneratorExit`,
`KeyboardInterrupt`) always propagates.

Authentication: Graph signs each calling notification with a bearer JWT in `Authorization`.
`runtime.bot.auth.GraphTokenValidator(app_id=…)` checks it (extra `auth`). Any hook works: it sees
the headers (lower-case names) and returns True or the token's claims to let the request in
(the claims reach handlers as `notification.claims`, the tenant as `notification.tenant_id`),
raises `AuthRefused(reason)` to refuse (401), or `AuthUnavailable` when it cannot decide now.

`serve()` runs any WSGI application on a stdlib threading server with HTTP/1.1 keep-alive
(wsgiref alone answers one request per connection), for tests, examples and small bots. It
bounds what a slow or stalled client can hold: each socket read times out (`read_timeout`), a
whole body must arrive within `body_timeout`, and at most `max_connections` connections are
served at once (more wait in the listen queue). In production, put the receiver behind a
server or proxy that buffers whole requests (nginx, or gunicorn behind nginx).
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from ..checking.bodies import Validator
from ..checking.findings import DEFAULT_MAX_FINDINGS, Finding, cap_findings
from ..checking.models import Models, models_for
from .errors import InvalidBodyError
from .notifications import (
    CANCELLATION,
    DeadLetters,
    Dispatcher,
    Notification,
    parse_notifications,
)

log = logging.getLogger(__name__)

Authenticator = Callable[[Mapping[str, str]], bool | Mapping[str, Any]]
"""Sees the request headers (lower-case names); True, or the token's claims (a mapping), lets
the request in and the claims reach handlers as `Notification.claims`. Anything else, or an
exception, refuses it (401); `AuthUnavailable` answers 503."""


class AuthRefused(Exception):
    """Raised by an authentication hook to refuse a request with a reason: 401, the reason
    logged (never sent back, so a prober learns nothing)."""


class AuthUnavailable(Exception):
    """Raised by an authentication hook that cannot decide now (e.g. its signing keys can't be
    fetched): the request gets a 503 with `Retry-After` before anything is dispatched."""

    def __init__(self, message: str = "authentication is unavailable", retry_after: int = 5):
        super().__init__(message)
        self.retry_after = retry_after


DEFAULT_MAX_BODY = 1 << 20
DEFAULT_READ_TIMEOUT = 10.0
DEFAULT_BODY_TIMEOUT = 30.0
DEFAULT_MAX_CONNECTIONS = 64
# A finding's path and message in a 400 are cut to this, so the answer stays small.
_MAX_TEXT = 256
# Digits only, ASCII only (`"²".isdigit()` is True), and short enough to be an honest size.
_LENGTH = re.compile(r"[0-9]{1,18}")
_JSON = "application/json"
_REASONS = {
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    405: "Method Not Allowed",
    408: "Request Timeout",
    411: "Length Required",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    503: "Service Unavailable",
}


def parse_length(declared: str | None) -> int | None:
    """A `Content-Length` value as an int, or None when it is not plain ASCII digits."""
    if declared is None:
        return None
    text = declared.strip()
    return int(text) if _LENGTH.fullmatch(text) else None


def _cut(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


@dataclass(frozen=True, slots=True)
class Reply:
    """What the receiver answers: a status, headers and a body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes = b""

    @property
    def status_line(self) -> str:
        """`202 Accepted` and the like."""
        return f"{self.status} {_REASONS.get(self.status, '')}".rstrip()


def _refuse(
    status: int,
    code: str,
    message: str,
    findings: Iterable[Finding] = (),
    extra: tuple[tuple[str, str], ...] = (),
) -> Reply:
    payload: dict[str, Any] = {"error": {"code": code, "message": _cut(message)}}
    listed = [
        {**f.as_dict(), "path": _cut(f.path), "message": _cut(f.message)}
        for f in cap_findings(tuple(findings), DEFAULT_MAX_FINDINGS)
    ]
    if listed:
        payload["findings"] = listed
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = (("Content-Type", _JSON), ("Content-Length", str(len(body))), *extra)
    return Reply(status, headers, body)


_ACCEPTED = Reply(202, (("Content-Length", "0"),))


class NotificationReceiver:
    """Validates, dispatches and acknowledges notification bodies; a WSGI app when called."""

    def __init__(
        self,
        dispatcher: Dispatcher | None = None,
        *,
        authenticate: Authenticator | None = None,
        validator: Validator | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        models: Models | str | None = None,
    ) -> None:
        """Bodies are checked and read with `models` (a handle or an import name), by default
        the dispatcher's."""
        self.dispatcher = dispatcher if dispatcher is not None else Dispatcher(models)
        self.models = models_for(models) if models is not None else self.dispatcher.models
        self.authenticate = authenticate
        self.validator = validator
        self.max_body = max_body
        self.dead_letters = DeadLetters()
        self._lock = threading.Lock()
        self._statuses: Counter[int] = Counter()
        self._delivered = 0
        # A plain coroutine function, not a bound method: uvicorn tells ASGI3 from ASGI2 by
        # `inspect.isfunction`, and took the bound method for ASGI2 (then every answer was 500).
        receiver = self

        async def asgi(
            scope: MutableMapping[str, Any],
            receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
            send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
        ) -> None:
            """The ASGI entry point (HTTP only); handlers run in a worker thread."""
            await receiver._asgi(scope, receive, send)

        self.asgi = asgi

    def stats(self) -> dict[str, Any]:
        """Requests answered by status, and notifications delivered to the dispatcher."""
        with self._lock:
            return {"statuses": dict(self._statuses), "notifications": self._delivered}

    def _count(self, reply: Reply, delivered: int = 0) -> Reply:
        with self._lock:
            self._statuses[reply.status] += 1
            self._delivered += delivered
        return reply

    def handle(
        self, method: str, headers: Mapping[str, str], read: Callable[[int], bytes]
    ) -> Reply:
        """Answer one request; `headers` have lower-case names, `read(n)` reads the body.

        Never raises but for cancellation: whatever the input, the answer is a 2xx or a 4xx,
        or a 503 when the authentication hook says it cannot decide now."""
        try:
            outcome = self._check(method, headers, read)
        except CANCELLATION:
            raise
        except BaseException:  # a validator's bug or SystemExit must not become a 500
            log.exception("a request could not be checked; answered 400")
            outcome = _refuse(400, "unreadable", "the body could not be checked")
        if isinstance(outcome, Reply):
            return self._count(outcome)
        notifications, claims = outcome
        for notification in notifications:
            if claims is not None:
                notification = dataclasses.replace(notification, claims=claims)
            try:
                self.dead_letters.add(self.dispatcher.dispatch(notification))
            except CANCELLATION:
                raise
            except BaseException:  # a custom dispatcher's bug; the others still go out
                log.exception("dispatching %s failed", notification.resource_url)
        return self._count(_ACCEPTED, len(notifications))

    def _check(
        self, method: str, headers: Mapping[str, str], read: Callable[[int], bytes]
    ) -> Reply | tuple[tuple[Notification, ...], Mapping[str, Any] | None]:
        """The refusal for a request, or the notifications to dispatch and the caller's claims."""
        if method != "POST":
            return _refuse(
                405, "methodNotAllowed", f"{_cut(method)} is not allowed", (), (("Allow", "POST"),)
            )
        claims = self._authenticate(headers)
        if isinstance(claims, Reply):
            return claims
        media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media != _JSON:
            return _refuse(
                415, "unsupportedMediaType", f"expected {_JSON}, got {_cut(media) or 'none'}"
            )
        declared = headers.get("content-length")
        if declared is None:
            return _refuse(411, "lengthRequired", "Content-Length is required")
        length = parse_length(declared)
        if length is None:
            return _refuse(400, "badRequest", f"bad Content-Length {_cut(declared)!r}")
        if length > self.max_body:
            return _refuse(413, "tooLarge", f"{length} bytes is over the limit of {self.max_body}")
        try:
            body = _read_exactly(read, length)
        except OSError as exc:  # a socket timeout, or the client went away
            return _refuse(408, "requestTimeout", f"the body did not arrive ({exc})")
        if len(body) < length:
            return _refuse(400, "badRequest", f"got {len(body)} of {length} declared bytes")
        try:
            batch = parse_notifications(body, validator=self.validator, models=self.models)
        except InvalidBodyError as exc:
            return _refuse(400, "invalidNotification", str(exc).split("\n", 1)[0], exc.findings)
        return batch.notifications, claims

    def _authenticate(self, headers: Mapping[str, str]) -> Reply | Mapping[str, Any] | None:
        """The refusal, or what lets the request in: the hook's claims, or None."""
        if self.authenticate is None:
            return None
        try:
            allowed = self.authenticate(headers)
        except AuthRefused as exc:
            log.warning("request refused: %s", exc, extra={"auth_reason": str(exc)})
            allowed = False
        except AuthUnavailable as exc:
            log.warning("authentication unavailable: %s", exc)
            return _refuse(
                503,
                "authUnavailable",
                "authentication is unavailable; retry later",
                (),
                (("Retry-After", str(max(0, int(exc.retry_after)))),),
            )
        except CANCELLATION:
            raise
        except BaseException:  # a broken hook refuses; it never lets a request in
            log.exception("the authentication hook raised; the request is refused")
            allowed = False
        if allowed is True:
            return None
        if isinstance(allowed, Mapping):
            return allowed
        return _refuse(
            401, "unauthorized", "not authenticated", (), (("WWW-Authenticate", "Bearer"),)
        )

    # -- WSGI --------------------------------------------------------------------------------

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """The WSGI entry point."""
        # Only an authentication hook reads the other headers; without one, the two the
        # receiver checks are all it needs (a WSGI environ also holds the whole OS environment).
        headers = (
            {
                key[5:].replace("_", "-").lower(): value
                for key, value in environ.items()
                if key.startswith("HTTP_")
            }
            if self.authenticate is not None
            else {}
        )
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.replace("_", "-").lower()] = environ[key]
        stream = environ["wsgi.input"]
        reply = self.handle(environ.get("REQUEST_METHOD", "GET"), headers, stream.read)
        start_response(reply.status_line, list(reply.headers))
        return [reply.body]

    # -- ASGI --------------------------------------------------------------------------------

    async def _asgi(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
        send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
    ) -> None:
        """The ASGI entry point (HTTP only); handlers run in a worker thread."""
        if scope["type"] != "http":
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        declared = parse_length(headers.get("content-length"))
        # Read at most the limit; `handle` then decides on what it sees in the headers.
        budget = declared if declared is not None and declared <= self.max_body else 0
        chunks: list[bytes] = []
        more = budget > 0
        got = 0
        while more and got < budget:
            message = await receive()
            if message.get("type") == "http.disconnect":
                break
            chunk = message.get("body", b"")
            chunks.append(chunk)
            got += len(chunk)
            more = message.get("more_body", False)
        stream = io.BytesIO(b"".join(chunks)[:budget])
        reply = await asyncio.to_thread(self.handle, scope["method"], headers, stream.read)
        await send(
            {
                "type": "http.response.start",
                "status": reply.status,
                "headers": [(k.lower().encode(), v.encode()) for k, v in reply.headers],
            }
        )
        await send({"type": "http.response.body", "body": reply.body})


def _read_exactly(read: Callable[[int], bytes], length: int) -> bytes:
    parts: list[bytes] = []
    left = length
    while left > 0:
        chunk = read(left)
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


# -- a small threaded HTTP/1.1 server for WSGI apps ------------------------------------------


class _BoundedInput:
    """`wsgi.input` that never reads past the request's body, knows what is left, and gives up
    (`TimeoutError`) when the whole body takes longer than its deadline."""

    def __init__(self, stream: Any, length: int, deadline: float | None = None) -> None:
        self.stream = stream
        self.left = length
        self.deadline = deadline

    def read(self, size: int = -1) -> bytes:
        if size < 0 or size > self.left:
            size = self.left
        if not size:
            return b""
        if self.deadline is not None and time.monotonic() > self.deadline:
            # Trickling one byte per read timeout would otherwise hold a thread forever.
            raise TimeoutError("the body took longer than its deadline")
        # `read1` returns what has arrived instead of waiting for all of `size`, so the deadline
        # is checked between the pieces of a slow body.
        reader = getattr(self.stream, "read1", self.stream.read)
        data: bytes = reader(size)
        self.left -= len(data)
        return data


class _ServerHandler(ServerHandler):
    """Closes the connection (and says so) when the app left too much of the body unread."""

    http_version = "1.1"
    max_drain = 256 * 1024

    def cleanup_headers(self) -> None:
        super().cleanup_headers()
        this: Any = self  # typeshed lacks `headers` and the `request_handler` back-pointer
        body: Any = self.stdin
        if isinstance(body, _BoundedInput) and body.left > self.max_drain:
            this.headers["Connection"] = "close"
            this.request_handler.close_connection = True


class _KeepAliveHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    # wsgiref writes the status line and each header separately; unbuffered, those small
    # segments meet the client's delayed ACK and every answer waits ~40 ms.
    wbufsize = -1
    disable_nagle_algorithm = True
    server: _ThreadingWSGIServer

    def setup(self) -> None:
        super().setup()
        # Every read on the socket (request line, headers, body) times out: a stalled client
        # cannot hold a thread for longer than this between two bytes.
        self.connection.settimeout(self.server.read_timeout)

    def handle(self) -> None:
        self.close_connection = True
        try:
            self._handle_one()
            while not self.close_connection:
                self._handle_one()
        except OSError as exc:  # a timeout or a reset: the connection is over, nothing to say
            log.debug("%s: connection ended: %s", self.client_address[0], exc)
            self.close_connection = True

    def _handle_one(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if not self.raw_requestline or len(self.raw_requestline) > 65536:
            self.close_connection = True
            return
        if not self.parse_request():
            return
        length = parse_length(self.headers.get("Content-Length", "0"))
        if length is None or "Transfer-Encoding" in self.headers:
            # Where this body ends is unknown, so the next request cannot be found after it.
            self.close_connection = True
        deadline = time.monotonic() + self.server.body_timeout
        body = _BoundedInput(self.rfile, length or 0, deadline)
        stdin: Any = body
        stdout: Any = self.wfile
        handler = _ServerHandler(
            stdin, stdout, self.get_stderr(), self.get_environ(), multithread=True
        )
        handler.request_handler = self  # type: ignore[attr-defined]  # wsgiref's back-pointer
        app = self.server.get_app()
        assert app is not None  # set before serving starts
        handler.run(app)
        if not self.close_connection and body.left:
            # What the app didn't read would be taken for the next request: skip it.
            while body.read(65536):
                pass
        self.wfile.flush()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    """One thread per connection, at most `max_connections` at once; the rest wait to be
    accepted (in the listen queue), so stalled clients cannot multiply threads."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        read_timeout: float,
        body_timeout: float,
        max_connections: int,
    ) -> None:
        self.read_timeout = read_timeout
        self.body_timeout = body_timeout
        self.max_connections = max_connections
        self._slots = threading.BoundedSemaphore(max_connections)
        self.closing = threading.Event()
        super().__init__(address, _KeepAliveHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        while not self._slots.acquire(timeout=0.05):
            if self.closing.is_set():
                self.shutdown_request(request)
                return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class RunningServer:
    """A WSGI app served on a loopback port in a background thread; a context manager."""

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        host: str,
        port: int,
        *,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        body_timeout: float = DEFAULT_BODY_TIMEOUT,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        self.server = _ThreadingWSGIServer(
            (host, port), read_timeout, body_timeout, max_connections
        )
        self.server.set_app(app)
        self.host = host
        self.port = int(self.server.server_address[1])
        # A short poll keeps `close()` quick; serve_forever only checks for shutdown between polls.
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        """`http://host:port/`."""
        return f"http://{self.host}:{self.port}/"

    def close(self) -> None:
        """Stop serving and release the port."""
        self.server.closing.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve(
    app: Callable[..., Iterable[bytes]],
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    read_timeout: float = DEFAULT_READ_TIMEOUT,
    body_timeout: float = DEFAULT_BODY_TIMEOUT,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
) -> RunningServer:
    """Serve a WSGI app in the background; port 0 lets the OS choose a free one.

    Each socket read times out after `read_timeout` seconds, a whole body must arrive within
    `body_timeout`, and at most `max_connections` connections are served at once."""
    server = RunningServer(
        app,
        host,
        port,
        read_timeout=read_timeout,
        body_timeout=body_timeout,
        max_connections=max_connections,
    )
    log.info("serving on %s", server.url)
    return server


__all__ = [
    "DEFAULT_BODY_TIMEOUT",
    "DEFAULT_MAX_BODY",
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_READ_TIMEOUT",
    "AuthRefused",
    "AuthUnavailable",
    "Authenticator",
    "NotificationReceiver",
    "Reply",
    "RunningServer",
    "parse_length",
    "serve",
]
