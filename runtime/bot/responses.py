"""Read the responses of the calls API: typed results, findings, and typed errors.

Finding codes:

- `response.location-mismatch` — the id at the end of `Location` is not the body's `id` (error).
- `response.no-location` — a `201 Created` without a `Location` header (warning).
- `response.unexpected-status` — a success status other than the documented one (warning).
- `body.malformed-json` — a success body that is not JSON (error; raised, never returned).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import unquote, urlsplit

from ..checking.bodies import Validator, check_as
from ..checking.findings import Finding
from ..checking.models import Models, models_for, odata_of
from .errors import InvalidBodyError, error_from_response, header

if TYPE_CHECKING:
    from ..checking.models import ODataConverter, ReadError


@dataclass(frozen=True, slots=True)
class CreatedCall:
    """A `201 Created` call: the typed call, the `Location` it lives at, and findings."""

    call: Any
    """The `microsoft.graph.call` of the models package that read it (e.g. `generated.beta`)."""
    location: str | None
    findings: tuple[Finding, ...]

    @property
    def call_id(self) -> str | None:
        """The id of the new call, from the body (else from `Location`)."""
        body_id = self.call.id
        if isinstance(body_id, str):
            return body_id
        return location_id(self.location) if self.location else None


def location_id(location: str) -> str:
    """The last path segment of a `Location` URL (`…/calls/{id}` or `…/calls('{id}')`)."""
    last = urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1]
    if last.endswith("')") and "('" in last:
        last = last[last.index("('") + 2 : -2]
    return unquote(last)


def raise_for_status(status: int, headers: Mapping[str, str], body: bytes) -> None:
    """Raise the typed `GraphError` of an error response; do nothing for 1xx–3xx."""
    if status >= 400:
        raise error_from_response(status, headers, body)


def _parse(body: bytes, what: str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidBodyError(
            what, [Finding("error", "body.malformed-json", "$", f"not JSON: {exc}")]
        ) from None


def read_body(
    body: bytes | Any,
    qname: str,
    *,
    what: str,
    converter: ODataConverter | None = None,
    validator: Validator | None = None,
    extra: Sequence[Finding] = (),
    models: Models | str | None = None,
) -> tuple[Any, tuple[Finding, ...]]:
    """Parse (if bytes), validate leniently and read a body of type `qname`; raise on errors.

    The body is read by `converter`, else by `models` (a handle, an import name; default: the
    default version's package)."""
    value = _parse(bytes(body), what) if isinstance(body, bytes | bytearray) else body
    if validator is None:
        # One walk: the package's checker reads the body and collects its findings.
        from ..checking.validate import SchemaIndex

        index = (
            models_for(models).index
            if converter is None
            else SchemaIndex(converter.facts, converter)
        )
        outcome = check_as("response", value, qname, index=index)
        found = (*extra, *outcome.findings)
        if outcome.value is None:
            raise InvalidBodyError(what, found)
        return outcome.value, found
    findings = (*extra, *validator(value, qname))
    conv = converter or models_for(models).converter()
    read_error: type[Exception] = odata_of(conv).ReadError
    try:
        obj = conv.read(value, qname)
    except read_error as caught:
        exc = cast("ReadError", caught)
        problem = Finding("error", "body.unreadable", exc.path, exc.message)
        raise InvalidBodyError(what, (*findings, problem)) from None
    return obj, findings


def read_created_call(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    converter: ODataConverter | None = None,
    validator: Validator | None = None,
    models: Models | str | None = None,
) -> CreatedCall:
    """The typed call of a create-call response; a Graph error raises its `GraphError`."""
    raise_for_status(status, headers, body)
    findings: list[Finding] = []
    if status != 201:
        findings.append(
            Finding(
                "warning",
                "response.unexpected-status",
                "$",
                f"create call answers 201 Created, got {status}",
            )
        )
    location = header(headers, "Location")
    if location is None:
        findings.append(
            Finding("warning", "response.no-location", "$", "201 Created without a Location")
        )
    call, all_findings = read_body(
        body,
        "microsoft.graph.call",
        what="create call response",
        converter=converter,
        validator=validator,
        extra=findings,
        models=models,
    )
    if location is not None:
        from_location = location_id(location)
        if isinstance(call.id, str) and call.id != from_location:
            all_findings = (
                *all_findings,
                Finding(
                    "error",
                    "response.location-mismatch",
                    "$.id",
                    f"Location names call {from_location!r} but the body's id is {call.id!r}",
                ),
            )
    return CreatedCall(call, location, all_findings)


def read_action_result(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    returns: str | None,
    *,
    converter: ODataConverter | None = None,
    validator: Validator | None = None,
    models: Models | str | None = None,
) -> tuple[Any, tuple[Finding, ...]]:
    """The typed result of an action (e.g. a `commsOperation`), or None when it returns none."""
    raise_for_status(status, headers, body)
    if returns is None or not body.strip():
        return None, ()
    return read_body(
        body,
        returns,
        what=f"{returns} response",
        converter=converter,
        validator=validator,
        models=models,
    )
