"""Sending built requests with httpx, sync or asyncio (`pip install graph-calls-models[http]`).

`GraphClient` and `AsyncGraphClient` share one retry policy (`_Attempts`); only the waiting and
the sending differ. The caller supplies the bearer token as a callable, asked again on every
attempt so a token that expired while waiting is refreshed.

What is retried, with exponential backoff and jitter, or what `Retry-After` asks (seconds or an
HTTP date), within `max_retries` more attempts and `max_total` seconds in all:

| outcome | GET, DELETE, PUT… | POST, PATCH (may create or change something) |
| --- | --- | --- |
| 429 | retried | retried: a throttled request was not processed |
| 502, 503, 504 | retried | not retried: the service may have acted on it |
| connect error, connect or pool timeout | retried | retried: nothing was sent |
| read/write timeout or error, connection dropped | retried | not retried: it may have arrived |

A `Retry-After` over `max_wait`, or a wait that would pass `max_total`, gives up at once rather
than blocking the caller. Every attempt of one request carries the same `client-request-id`
(the request's own, if it has one), so Graph support can follow it; errors carry Graph's
`request-id`. Log records of this module have `client_request_id`, `request_id`, `call_id`,
`attempt` and `status` attributes (`logging`'s `extra`), for filters and structured handlers.
Errors are the typed `GraphError`s of `runtime.bot.errors`, or a `GraphTransportError`.

Why not httpx's `retries=` or a retry library: httpx's transport retries connect failures only
(no statuses, no `Retry-After`), and with a library the rules above (which outcome proves a POST
did nothing, `Retry-After` against `max_wait` and `max_total`) would still be ours, split
between its callbacks.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..checking.models import Models, models_for
from .errors import error_from_response, header
from .requests import GraphRequest
from .responses import CreatedCall, read_action_result, read_created_call

try:
    import httpx
except ImportError:  # the `http` extra is optional; the clients say how to get it
    httpx = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

TokenProvider = Callable[[], str]
AsyncTokenProvider = Callable[[], str | Awaitable[str]]
RETRIED_STATUSES = frozenset({429, 502, 503, 504})
# Statuses that prove the service did not act on the request, so even a POST may be repeated.
NOT_PROCESSED_STATUSES = frozenset({429})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_CALL_ID = re.compile(r"/(?:communications|app)/calls/([^/?#]+)")


def _models_of(request: GraphRequest) -> Models:
    """The models a response is read with: the request's, else its URL's API version's."""
    return models_for(request.models, url=request.url)


_NEEDS_HTTPX = "the Graph clients need httpx: pip install 'graph-calls-models[http]'"


@dataclass(frozen=True, slots=True)
class RawResponse:
    """What came back: status, headers (as sent) and body bytes."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def request_id(self) -> str | None:
        """Graph's `request-id` of this response, for support."""
        return header(self.headers, "request-id")


class GraphTransportError(Exception):
    """The request failed on the network (after any retries). `maybe_sent` is False only when
    it provably never reached the service."""

    def __init__(
        self,
        message: str,
        *,
        method: str,
        url: str,
        client_request_id: str,
        attempts: int,
        maybe_sent: bool,
    ) -> None:
        super().__init__(
            f"{method} {url}: {message} (client-request-id {client_request_id}, "
            f"{attempts} attempt{'s' if attempts != 1 else ''})"
        )
        self.method = method
        self.url = url
        self.client_request_id = client_request_id
        self.attempts = attempts
        self.maybe_sent = maybe_sent


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry; see the module docstring for what is retried."""

    max_retries: int = 3
    max_total: float = 120.0
    """Seconds from the first attempt after which no new attempt starts."""
    max_wait: float = 60.0
    """The longest single wait; a longer `Retry-After` gives up at once."""
    backoff: float = 1.0
    max_backoff: float = 30.0
    jitter: float = 0.5
    """Each backoff is shortened by up to this fraction, at random, so clients spread out."""

    def backoff_for(self, retry: int, draw: float) -> float:
        """The wait before retry number `retry` (0-based), for a random `draw` in [0, 1)."""
        base = min(self.max_backoff, self.backoff * 2.0 ** min(retry, 62))
        return base * (1.0 - self.jitter * draw)


def call_id_of(url: str) -> str | None:
    """The call id in a calls-API URL, for log records."""
    found = _CALL_ID.search(url)
    return found.group(1) if found else None


def _not_sent_errors() -> tuple[type[Exception], ...]:
    return (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _maybe_sent_errors() -> tuple[type[Exception], ...]:
    return (
        httpx.ReadTimeout,
        httpx.WriteTimeout,
        httpx.ReadError,
        httpx.WriteError,
        httpx.RemoteProtocolError,
    )


class _Attempts:
    """One request's attempts: its client-request-id, its count and its deadline. Each outcome
    becomes a wait before the next attempt, or the response, or the exception to raise."""

    def __init__(
        self,
        request: GraphRequest,
        policy: RetryPolicy,
        idempotent: bool | None,
        clock: Callable[[], float],
        draw: Callable[[], float],
    ) -> None:
        self.request = request
        self.policy = policy
        self.idempotent = (
            request.method.upper() in IDEMPOTENT_METHODS if idempotent is None else idempotent
        )
        self.clock = clock
        self.draw = draw
        self.started = clock()
        self.attempt = 0
        self.client_request_id = header(request.headers, "client-request-id") or str(uuid.uuid4())
        self.call_id = call_id_of(request.url)

    def headers(self, token: str) -> dict[str, str]:
        """The headers of the next attempt (the caller sends it right after)."""
        self.attempt += 1
        sent = {
            k: v
            for k, v in self.request.headers.items()
            if k.lower() not in ("authorization", "client-request-id")
        }
        return {
            **sent,
            "Authorization": f"Bearer {token}",
            "client-request-id": self.client_request_id,
        }

    def _extra(self, **more: Any) -> dict[str, Any]:
        return {
            "client_request_id": self.client_request_id,
            "call_id": self.call_id,
            "attempt": self.attempt,
            **more,
        }

    def answered(self, status: int, headers: Mapping[str, str], body: bytes) -> RawResponse | float:
        """The response if it is a success, else the seconds to wait before retrying; raises
        the typed `GraphError` when giving up."""
        response = RawResponse(status, headers, body)
        extra = self._extra(status=status, request_id=response.request_id)
        what = f"{self.request.method} {self.request.url}"
        if status < 400:
            log.debug("%s: %d", what, status, extra=extra)
            return response
        error = error_from_response(status, headers, body)
        if error.client_request_id is None:  # Graph did not echo it: ours is the one it saw
            error.client_request_id = self.client_request_id
        retryable = status in RETRIED_STATUSES and (
            self.idempotent or status in NOT_PROCESSED_STATUSES
        )
        wait = None
        if retryable:
            asked = error.retry_after
            if asked is None:
                wait = self.policy.backoff_for(self.attempt - 1, self.draw())
            elif asked <= self.policy.max_wait:
                wait = asked
        wait = self._within_bounds(wait)
        if wait is None:
            log.warning("%s: %d %s, not retried", what, status, error.code, extra=extra)
            raise error
        log.info("%s: %d, retry in %.2fs", what, status, wait, extra=extra)
        return wait

    def failed(self, exc: Exception) -> float:
        """The seconds to wait before retrying after a network error; raises
        `GraphTransportError` when giving up."""
        not_sent = isinstance(exc, _not_sent_errors())
        retryable = not_sent or (self.idempotent and isinstance(exc, _maybe_sent_errors()))
        what = f"{self.request.method} {self.request.url}"
        extra = self._extra(status=None, request_id=None)
        wait = self._within_bounds(
            self.policy.backoff_for(self.attempt - 1, self.draw()) if retryable else None
        )
        if wait is None:
            log.warning("%s: %s, not retried", what, _describe(exc), extra=extra)
            raise GraphTransportError(
                _describe(exc),
                method=self.request.method,
                url=self.request.url,
                client_request_id=self.client_request_id,
                attempts=self.attempt,
                maybe_sent=not not_sent,
            ) from exc
        log.info("%s: %s, retry in %.2fs", what, _describe(exc), wait, extra=extra)
        return wait

    def _within_bounds(self, wait: float | None) -> float | None:
        if wait is None or self.attempt > self.policy.max_retries:
            return None
        if self.clock() - self.started + wait > self.policy.max_total:
            return None
        return max(0.0, wait)


def _describe(exc: Exception) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class _Base:
    def __init__(
        self,
        *,
        max_retries: int,
        max_wait: float,
        max_total: float,
        backoff: float,
        max_backoff: float,
        jitter: float,
        clock: Callable[[], float],
        draw: Callable[[], float],
    ) -> None:
        if httpx is None:
            raise ImportError(_NEEDS_HTTPX)
        if not 0.0 <= jitter <= 1.0:
            raise ValueError(f"jitter must be between 0 and 1, not {jitter}")
        self.policy = RetryPolicy(max_retries, max_total, max_wait, backoff, max_backoff, jitter)
        self.clock = clock
        self.draw = draw

    def _attempts(self, request: GraphRequest, idempotent: bool | None) -> _Attempts:
        return _Attempts(request, self.policy, idempotent, self.clock, self.draw)


class GraphClient(_Base):
    """Sends `GraphRequest`s to Graph with a caller-supplied bearer token, retrying safely."""

    def __init__(
        self,
        token: TokenProvider,
        *,
        http: Any = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        max_wait: float = 60.0,
        max_total: float = 120.0,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        jitter: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        draw: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(
            max_retries=max_retries,
            max_wait=max_wait,
            max_total=max_total,
            backoff=backoff,
            max_backoff=max_backoff,
            jitter=jitter,
            clock=clock,
            draw=draw,
        )
        self.token = token
        self.http: httpx.Client = http if http is not None else httpx.Client(timeout=timeout)
        self._owns_http = http is None
        self.sleep = sleep

    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> GraphClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, request: GraphRequest, *, idempotent: bool | None = None) -> RawResponse:
        """Send with retries; a typed `GraphError` for an error status. `idempotent` overrides
        what the method says (e.g. True for `keepAlive`, safe to repeat)."""
        attempts = self._attempts(request, idempotent)
        while True:
            headers = attempts.headers(self.token())
            try:
                r = self.http.request(
                    request.method, request.url, headers=headers, content=request.body
                )
            except httpx.RequestError as exc:
                wait = attempts.failed(exc)
            else:
                outcome = attempts.answered(r.status_code, dict(r.headers), r.content)
                if isinstance(outcome, RawResponse):
                    return outcome
                wait = outcome
            self.sleep(wait)

    def create_call(self, request: GraphRequest) -> CreatedCall:
        """Send a create-call request; the typed call it created."""
        r = self.send(request)
        return read_created_call(r.status, r.headers, r.body, models=_models_of(request))

    def run(self, request: GraphRequest, *, idempotent: bool | None = None) -> Any:
        """Send an action or a delete; its typed result (e.g. a `commsOperation`) or None."""
        r = self.send(request, idempotent=idempotent)
        result, _ = read_action_result(
            r.status, r.headers, r.body, request.returns, models=_models_of(request)
        )
        return result


class AsyncGraphClient(_Base):
    """The asyncio face of `GraphClient`: the same retries, awaiting instead of blocking."""

    def __init__(
        self,
        token: AsyncTokenProvider,
        *,
        http: Any = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        max_wait: float = 60.0,
        max_total: float = 120.0,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        jitter: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        draw: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(
            max_retries=max_retries,
            max_wait=max_wait,
            max_total=max_total,
            backoff=backoff,
            max_backoff=max_backoff,
            jitter=jitter,
            clock=clock,
            draw=draw,
        )
        self.token = token
        self.http: httpx.AsyncClient = (
            http if http is not None else httpx.AsyncClient(timeout=timeout)
        )
        self._owns_http = http is None
        self.sleep = sleep

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_http:
            await self.http.aclose()

    async def __aenter__(self) -> AsyncGraphClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _token(self) -> str:
        token = self.token()
        if inspect.isawaitable(token):
            token = await token
        if not isinstance(token, str):
            raise TypeError(f"the token provider returned {type(token).__name__}, not str")
        return token

    async def send(self, request: GraphRequest, *, idempotent: bool | None = None) -> RawResponse:
        """Send with retries; a typed `GraphError` for an error status."""
        attempts = self._attempts(request, idempotent)
        while True:
            headers = attempts.headers(await self._token())
            try:
                r = await self.http.request(
                    request.method, request.url, headers=headers, content=request.body
                )
            except httpx.RequestError as exc:
                wait = attempts.failed(exc)
            else:
                outcome = attempts.answered(r.status_code, dict(r.headers), r.content)
                if isinstance(outcome, RawResponse):
                    return outcome
                wait = outcome
            await self.sleep(wait)

    async def create_call(self, request: GraphRequest) -> CreatedCall:
        """Send a create-call request; the typed call it created."""
        r = await self.send(request)
        return read_created_call(r.status, r.headers, r.body, models=_models_of(request))

    async def run(self, request: GraphRequest, *, idempotent: bool | None = None) -> Any:
        """Send an action or a delete; its typed result (e.g. a `commsOperation`) or None."""
        r = await self.send(request, idempotent=idempotent)
        result, _ = read_action_result(
            r.status, r.headers, r.body, request.returns, models=_models_of(request)
        )
        return result


__all__ = [
    "IDEMPOTENT_METHODS",
    "RETRIED_STATUSES",
    "AsyncGraphClient",
    "GraphClient",
    "GraphTransportError",
    "RawResponse",
    "RetryPolicy",
    "call_id_of",
]
