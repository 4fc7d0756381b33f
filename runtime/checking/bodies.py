"""Check one body as the side of the calls API it travels on needs it.

The bot SDK, the docs checker, the emulator and the command line all set up their checking
here, so the choice of mode lives in one table (`DIRECTIONS`): what is sent (a request) is
checked strictly and completely, because the service refuses what the metadata refuses; what is
received (a response or a notification) leniently and partially, because Graph's enums and type
hierarchy evolve faster than any metadata snapshot and responses omit properties. A
notification's `resourceData` is typed from its `resourceUrl`.

- `validator_for(direction, models)` is a `Validator` for a direction;
- `check_as(direction, …)` checks and reads a body in one walk;
- `validate_body(value, type=… | request=… | notification=True)` checks one parsed body and
  round-trips it; `check_body` does the same for a body already typed.

Finding code (stable): `body.checked-as-response` — `validate_body` was given a body with a
request that takes none (a `GET`, a `DELETE`, an action without parameters), so the body was
checked as that request's response (info).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

from .findings import DEFAULT_MAX_FINDINGS, Finding, has_errors
from .models import Models, models_for
from .resolve_type import RequestTyping, routes_of, type_notification, type_request, type_response
from .roundtrip import written_back
from .validate import CheckOutcome, DynamicType, Mode, SchemaIndex, TypeRef, check, validate

__all__ = [
    "DIRECTIONS",
    "BodyReport",
    "Direction",
    "Validator",
    "check_as",
    "check_body",
    "in_package",
    "validate_body",
    "validator_for",
]

Direction = Literal["request", "response", "notification"]

Validator = Callable[[Any, str], Sequence[Finding]]
"""Findings for a parsed JSON body of a declared type (a qualified name)."""


class Checking(NamedTuple):
    """How a body is checked: the mode, and whether it may leave out required properties."""

    mode: Mode
    partial: bool


DIRECTIONS: Mapping[Direction, Checking] = MappingProxyType(
    {
        "request": Checking("strict", False),
        "response": Checking("lenient", True),
        "notification": Checking("lenient", True),
    }
)
"""The checking of each direction; the one place that decides it."""


def validator_for(direction: Direction, models: Models | str | None = None) -> Validator:
    """The validator of a direction against `models` (default: the default version's)."""
    handle = models_for(models)
    mode, partial = DIRECTIONS[direction]
    if direction == "notification":

        def check_notification(value: Any, qname: str) -> Sequence[Finding]:
            typing = type_notification(value, routes_of(handle.index))
            found = validate(
                value,
                qname,
                mode=mode,
                partial=partial,
                index=handle.index,
                dynamic=typing.dynamic,
                max_findings=DEFAULT_MAX_FINDINGS,
            )
            return [*typing.findings, *found]

        return check_notification

    def check_one(value: Any, qname: str) -> Sequence[Finding]:
        return validate(value, qname, mode=mode, partial=partial, index=handle.index)

    return check_one


def check_as(
    direction: Direction,
    value: Any,
    declared: TypeRef | str,
    *,
    index: SchemaIndex,
    dynamic: Mapping[str, DynamicType] | None = None,
) -> CheckOutcome:
    """Check and read a parsed body travelling in `direction`, in one walk."""
    mode, partial = DIRECTIONS[direction]
    return check(value, declared, mode=mode, partial=partial, dynamic=dynamic, index=index)


@dataclass(frozen=True, slots=True)
class BodyReport:
    """One body's declared type, findings (typing and validation) and round-trip outcome."""

    type: str | None
    findings: tuple[Finding, ...] = ()
    roundtrip: bool | None = None


def check_body(
    value: Any,
    declared: TypeRef | None,
    *,
    mode: Mode,
    partial: bool,
    dynamic: Mapping[str, DynamicType] | None = None,
    typing_findings: Iterable[Finding] = (),
    models: Models | None = None,
    index: SchemaIndex | None = None,
) -> BodyReport:
    """Check and read a parsed body as `declared` in one walk; when nothing is an error, write
    back what was read and compare it with the body. `index` (a whole document's, for a request
    outside the package) takes the place of `models`' own."""
    findings = list(typing_findings)
    if declared is None:
        return BodyReport(None, tuple(findings))
    if index is None and models is not None:
        if not in_package(models, declared.qname):
            missing = models.missing_type_message(declared.qname)
            found = Finding("error", "type.not-in-package", "$", missing)
            return BodyReport(str(declared), (*findings, found))
        index = models.index
    outcome = check(value, declared, mode=mode, partial=partial, dynamic=dynamic, index=index)
    findings.extend(outcome.findings)
    tripped: bool | None = None
    if not has_errors(findings):
        result = written_back(value, declared, outcome, dynamic)
        findings.extend(result.findings)
        tripped = result.ok
    return BodyReport(str(declared), tuple(findings), tripped)


def in_package(models: Models, qname: str) -> bool:
    """Whether a declared type is one the package can check (`Edm.*` always is)."""
    return qname.startswith("Edm.") or models.has_type(qname)


def validate_body(
    value: Any,
    *,
    type: str | None = None,
    request: str | None = None,
    notification: bool = False,
    mode: Mode | None = None,
    partial: bool = False,
    models: Models | str | None = None,
) -> BodyReport:
    """Check one parsed body given its type, its request line (`'POST URL'`), or as a notification.

    Exactly one of `type`, `request` and `notification` says how to type the body. The mode
    defaults to strict for a type or a request (what we send), lenient for a notification.
    The body is checked with `models` (a handle or an import name); by default the committed
    package of the request URL's version (`/beta/`, `/v1.0/`), else of the default version.
    """
    chosen = [type is not None, request is not None, notification]
    if sum(chosen) != 1:
        raise ValueError("give exactly one of type=, request= or notification=True")
    sent = DIRECTIONS["request"]
    if type is not None:
        ref = TypeRef.parse(type)
        # A collection is a response (a page of items), which need not carry every property.
        return check_body(
            value,
            ref,
            mode=mode or sent.mode,
            partial=partial or sent.partial or ref.collection,
            models=models_for(models),
        )
    if request is not None:
        method, _, url = request.strip().partition(" ")
        if not url.strip():
            raise ValueError(f"request must be 'METHOD URL', got {request!r}")
        handle = models_for(models, url=url.strip())
        typed = type_request(method, url.strip(), routes_of(handle.index))
        if typed.body is None and typed.resolved and not has_errors(typed.findings):
            return _check_as_response(value, typed, mode, handle)
        return check_body(
            value,
            typed.body,
            mode=mode or sent.mode,
            partial=typed.partial or partial or sent.partial,
            typing_findings=typed.findings,
            models=handle,
        )
    received = DIRECTIONS["notification"]
    handle = models_for(models)
    notified = type_notification(value, routes_of(handle.index))
    return check_body(
        value,
        notified.type,
        mode=mode or received.mode,
        partial=received.partial,
        dynamic=notified.dynamic,
        typing_findings=notified.findings,
        models=handle,
    )


def _check_as_response(
    value: Any, typed: RequestTyping, mode: Mode | None, models: Models
) -> BodyReport:
    """A body given with a request that takes none is what that request answers: check it as
    the response, rather than pass it unchecked."""
    answer = type_response(None, typed)
    received = DIRECTIONS["response"]
    what = str(answer.type) if answer.type is not None else "no declared type"
    note = Finding(
        "info",
        "body.checked-as-response",
        "$",
        f"{typed.method.upper()} {typed.url} takes no request body: the body was checked as its "
        f"response ({what})",
    )
    return check_body(
        value,
        answer.type,
        mode=mode or received.mode,
        partial=received.partial,
        typing_findings=(*typed.findings, note, *answer.findings),
        models=models,
    )
