"""Optional sending of built requests with httpx (`pip install graph-calls-models[http]`).

The caller supplies the bearer token as a callable, asked again on every attempt so a token
that expired while waiting is refreshed. `429` and `503` are retried a bounded number of times,
waiting what `Retry-After` asks (or an exponential backoff when it asks nothing), but never
longer than `max_wait`: a longer demand raises at once rather than blocking the caller. Every
attempt of one request carries the same `client-request-id`, so Graph support can follow it.
Errors are the typed `GraphError`s of `runtime.errors`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import GraphError, error_from_response
from .requests import GraphRequest
from .responses import CreatedCall, read_action_result, read_created_call

try:
    import httpx
except ImportError:  # the `http` extra is optional; GraphClient says how to get it
    httpx = None  # type: ignore[assignment]

TokenProvider = Callable[[], str]
RETRIED_STATUSES = frozenset({429, 503})


@dataclass(frozen=True, slots=True)
class RawResponse:
    """What came back: status, headers (as sent) and body bytes."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class GraphClient:
    """Sends `GraphRequest`s to Graph with a caller-supplied bearer token."""

    def __init__(
        self,
        token: TokenProvider,
        *,
        http: Any = None,
        timeout: float = 30.0,
        max_retries: int = 3,
        max_wait: float = 60.0,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if httpx is None:
            raise ImportError("GraphClient needs httpx: pip install 'graph-calls-models[http]'")
        self.token = token
        self.http: httpx.Client = http if http is not None else httpx.Client(timeout=timeout)
        self._owns_http = http is None
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.backoff = backoff
        self.sleep = sleep

    def close(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> GraphClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, request: GraphRequest) -> RawResponse:
        """Send with retries on 429/503; a typed `GraphError` for any error status."""
        client_request_id = str(uuid.uuid4())
        attempt = 0
        while True:
            headers = {
                **request.headers,
                "Authorization": f"Bearer {self.token()}",
                "client-request-id": client_request_id,
            }
            r = self.http.request(
                request.method, request.url, headers=headers, content=request.body
            )
            response = RawResponse(r.status_code, dict(r.headers), r.content)
            if response.status < 400:
                return response
            error = error_from_response(response.status, response.headers, response.body)
            wait = self._wait(error, attempt)
            if wait is None:
                raise error
            self.sleep(wait)
            attempt += 1

    def _wait(self, error: GraphError, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None to give up."""
        if error.status not in RETRIED_STATUSES or attempt >= self.max_retries:
            return None
        if error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.max_wait else None
        return float(min(self.backoff * 2**attempt, self.max_wait))

    def create_call(self, request: GraphRequest) -> CreatedCall:
        """Send a create-call request; the typed call it created."""
        r = self.send(request)
        return read_created_call(r.status, r.headers, r.body)

    def run(self, request: GraphRequest) -> Any:
        """Send an action or a delete; its typed result (e.g. a `commsOperation`) or None."""
        r = self.send(request)
        result, _ = read_action_result(r.status, r.headers, r.body, request.returns)
        return result
