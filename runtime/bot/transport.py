"""How the calls client sends: a `Transport` protocol (sync and async) and httpx adapters.

Any object with `send(GraphRequest) -> response` will do, where the response has `status`,
`headers` and `body` bytes (`runtime.bot.client.RawResponse` has that shape). httpx is the `http`
extra and is imported only when an adapter is built.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .requests import GraphRequest


class HttpResponse(Protocol):
    """What a transport gives back."""

    @property
    def status(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def body(self) -> bytes: ...


class Transport(Protocol):
    """Sends one request and returns its response (sync)."""

    def send(self, request: GraphRequest) -> HttpResponse: ...


class AsyncTransport(Protocol):
    """Sends one request and returns its response (asyncio)."""

    async def send(self, request: GraphRequest) -> HttpResponse: ...


@dataclass(frozen=True, slots=True)
class Response:
    """A plain response: status, headers and body bytes."""

    status: int
    headers: Mapping[str, str]
    body: bytes = b""

    def json(self) -> Any:
        """The body parsed as JSON (None when empty)."""
        return json.loads(self.body) if self.body.strip() else None


TokenProvider = Callable[[], str]


def _headers(request: GraphRequest, token: TokenProvider | None) -> dict[str, str]:
    headers = dict(request.headers)
    if token is not None:
        headers["Authorization"] = f"Bearer {token()}"
    return headers


class HttpxTransport:
    """Sends with an `httpx.Client`; `token` (asked on every send) adds a bearer token."""

    def __init__(self, client: Any = None, *, token: TokenProvider | None = None) -> None:
        import httpx  # the `http` extra

        self.client = client if client is not None else httpx.Client(timeout=30.0)
        self.token = token

    def send(self, request: GraphRequest) -> Response:
        """Send one request."""
        r = self.client.request(
            request.method, request.url, headers=_headers(request, self.token), content=request.body
        )
        return Response(r.status_code, dict(r.headers), r.content)


class AsyncHttpxTransport:
    """Sends with an `httpx.AsyncClient`; `token` (asked on every send) adds a bearer token."""

    def __init__(self, client: Any = None, *, token: TokenProvider | None = None) -> None:
        import httpx  # the `http` extra

        self.client = client if client is not None else httpx.AsyncClient(timeout=30.0)
        self.token = token

    async def send(self, request: GraphRequest) -> Response:
        """Send one request."""
        r = await self.client.request(
            request.method, request.url, headers=_headers(request, self.token), content=request.body
        )
        return Response(r.status_code, dict(r.headers), r.content)
