"""Typed errors: Graph error responses, and bodies our own validation refuses.

A Graph error body is `{"error": {"code", "message", "innerError": {"request-id",
"client-request-id", "date"}}}`. `error_from_response` turns a status, headers and body into the
`GraphError` subclass of that status, carrying what support needs to find the request again. It
never fails on a body that is not JSON or not shaped like Graph's: the status still decides the
class, and the request id falls back to the `request-id` response header.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from ..checking.findings import Finding

_DELAY_SECONDS = re.compile(r"[0-9]+")


class InvalidBodyError(ValueError):
    """A body we were about to send (or just received) has error findings; all are listed."""

    def __init__(self, what: str, findings: Sequence[Finding]) -> None:
        self.what = what
        self.findings = tuple(findings)
        listed = "\n".join(f"  {f}" for f in self.findings)
        super().__init__(f"{what}: {len(self.findings)} finding(s)\n{listed}")


class GraphError(Exception):
    """An error response of Microsoft Graph, with the ids its support asks for."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        request_id: str | None = None,
        client_request_id: str | None = None,
        date: str | None = None,
        retry_after: float | None = None,
        body: object = None,
    ) -> None:
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.client_request_id = client_request_id
        self.date = date
        self.retry_after = retry_after
        self.body = body
        ids = f" (request-id {request_id})" if request_id else ""
        super().__init__(f"{status} {code}: {message}{ids}")


class BadRequestError(GraphError):
    """400: Graph refused the request as malformed or invalid."""


class UnauthorizedError(GraphError):
    """401: the bearer token is missing, expired or not for Graph."""


class ForbiddenError(GraphError):
    """403: the application lacks a permission the call needs."""


class NotFoundError(GraphError):
    """404: no such call, participant or operation (a call may have ended)."""


class ConflictError(GraphError):
    """409: the call is not in a state that allows the action."""


class TooManyRequestsError(GraphError):
    """429: throttled; `retry_after` says how long Graph asked to wait."""


class ServerError(GraphError):
    """5xx other than 503: a failure on Graph's side."""


class ServiceUnavailableError(ServerError):
    """503: Graph is temporarily unavailable; `retry_after` may say when to come back."""


_BY_STATUS: Mapping[int, type[GraphError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    429: TooManyRequestsError,
    503: ServiceUnavailableError,
}


def error_class(status: int) -> type[GraphError]:
    """The `GraphError` subclass for an HTTP status."""
    found = _BY_STATUS.get(status)
    if found is not None:
        return found
    return ServerError if status >= 500 else GraphError


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delay-seconds or HTTP-date), else None."""
    if value is None:
        return None
    text = value.strip()
    if _DELAY_SECONDS.fullmatch(text):  # ASCII only: `"²".isdigit()` is True
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" means UTC without saying so (RFC 5322)
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A header's value, whatever the case of its name."""
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return None


def error_from_response(status: int, headers: Mapping[str, str], body: bytes) -> GraphError:
    """The typed error of a non-success response, tolerant of any body."""
    parsed: Any = None
    try:
        parsed = json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        parsed = None
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if not isinstance(error, dict):
        error = {}
    inner = error.get("innerError") or error.get("innererror") or {}
    if not isinstance(inner, dict):
        inner = {}

    def text(mapping: Mapping[str, Any], key: str) -> str | None:
        value = mapping.get(key)
        return value if isinstance(value, str) else None

    code = text(error, "code") or f"http{status}"
    message = text(error, "message") or (body[:200].decode("utf-8", "replace") if body else "")
    return error_class(status)(
        status,
        code,
        message,
        request_id=text(inner, "request-id") or header(headers, "request-id"),
        client_request_id=text(inner, "client-request-id") or header(headers, "client-request-id"),
        date=text(inner, "date"),
        retry_after=parse_retry_after(header(headers, "Retry-After")),
        body=parsed if parsed is not None else body,
    )
