"""Parse `commsNotifications` callback bodies and dispatch each notification to its handlers.

A body is validated leniently (Graph's enums and types evolve faster than any metadata
snapshot) with each `resourceData` typed from its `resourceUrl` by
`runtime.checking.resolve_type`, then read into the generated classes. Handlers are registered
by resource kind (the call itself, its participants, content sharing sessions or operations)
and change type; `None` means any.

A handler that raises never takes the others down with it: `dispatch` runs every matching
handler and returns one `Failure` per exception, which `DeadLetters` keeps for a later
`retry()` of just the handlers that failed, so no handler sees a notification twice.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from ..checking import resolve_type
from ..checking.bodies import Validator, check_as
from ..checking.findings import Finding, cap_findings, has_errors
from ..checking.json_reader import DEFAULT_LIMITS, JsonLimits, read_json
from ..checking.models import Models, models_for, odata_of
from .errors import InvalidBodyError

if TYPE_CHECKING:
    from ..checking.models import ODataConverter, ODataObject, ReadError

log = logging.getLogger(__name__)

NOTIFICATIONS = "microsoft.graph.commsNotifications"


class ResourceKind(enum.Enum):
    """What a notification's `resourceUrl` addresses."""

    CALL = "call"
    PARTICIPANTS = "participants"
    CONTENT_SHARING_SESSIONS = "contentSharingSessions"
    OPERATIONS = "operations"
    OTHER = "other"


_KINDS = {
    "participants": ResourceKind.PARTICIPANTS,
    "contentsharingsessions": ResourceKind.CONTENT_SHARING_SESSIONS,
    "operations": ResourceKind.OPERATIONS,
}


@dataclass(frozen=True, slots=True)
class Resource:
    """A parsed `resourceUrl`: its kind, the call it belongs to, and an item id if one."""

    kind: ResourceKind
    call_id: str | None = None
    item_id: str | None = None


# Bounded, and a Resource is frozen so it can be shared: a bot sees the same few calls' URLs in
# notification after notification.
@lru_cache(maxsize=1024)
def parse_resource_url(url: str) -> Resource:
    """Classify `/communications/calls/{id}[/participants|/operations/{opId}|…]` (or `/app/…`)."""
    segments = resolve_type.split_path(url)
    lowered = [s.lower() for s in segments]
    if "calls" not in lowered:
        return Resource(ResourceKind.OTHER)
    at = lowered.index("calls")
    rest = segments[at + 1 :]
    if not rest:
        return Resource(ResourceKind.OTHER)
    if len(rest) == 1:
        return Resource(ResourceKind.CALL, rest[0])
    kind = _KINDS.get(rest[1].lower(), ResourceKind.OTHER)
    return Resource(kind, rest[0], rest[2] if len(rest) > 2 else None)


@dataclass(frozen=True, slots=True)
class Notification:
    """One `commsNotification`, with `resourceData` read into the generated classes."""

    change_type: str
    resource_url: str
    resource: Resource
    resource_data: ODataObject | list[ODataObject] | None
    """Typed when the URL has a route; a list where Graph sends one (participants, sessions)."""
    raw: Mapping[str, Any]
    index: int = 0
    """Position in its `commsNotifications` body."""
    claims: Mapping[str, Any] | None = None
    """The sender's token claims, when the receiver's authentication hook returned them."""

    @property
    def tenant_id(self) -> str | None:
        """The tenant (`tid`) of the sender's token, when the receiver authenticated it."""
        tenant = self.claims.get("tid") if self.claims is not None else None
        return tenant if isinstance(tenant, str) else None

    @property
    def items(self) -> list[ODataObject]:
        """`resource_data` as a list, whatever its shape."""
        data = self.resource_data
        if data is None:
            return []
        return list(data) if isinstance(data, list) else [data]


@dataclass(frozen=True, slots=True)
class NotificationBatch:
    """The notifications of one body, with the (non-error) findings of validating it."""

    notifications: tuple[Notification, ...]
    findings: tuple[Finding, ...] = ()


def parse_notifications(
    body: bytes | Any,
    *,
    validator: Validator | None = None,
    converter: ODataConverter | None = None,
    limits: JsonLimits = DEFAULT_LIMITS,
    models: Models | str | None = None,
) -> NotificationBatch:
    """Validate and read a `commsNotifications` body; `InvalidBodyError` lists every error.

    Bytes or text are read by `runtime.checking.json_reader.read_json` within `limits`; anything
    else is taken as JSON already parsed. At most `DEFAULT_MAX_FINDINGS` findings are listed.
    The body is checked and read with `models` (a handle or an import name; default: the default
    version's package)."""
    handle = models_for(models)

    if isinstance(body, (bytes, bytearray, str)):
        read = read_json(body, limits=limits)
        if not read.ok:
            raise InvalidBodyError("notification body", cap_findings(read.errors))
        value = read.value
    else:
        value = body
    # Typed once, for the check and the read alike.
    typing = resolve_type.type_notification(value, resolve_type.routes_of(handle.index))
    typed_data: Mapping[str, Any] | None = None
    if validator is None:
        # One walk checks the body and reads every resourceData as its decided type; with a
        # converter of the caller's, that converter reads the data instead.
        outcome = check_as(
            "notification", value, NOTIFICATIONS, index=handle.index, dynamic=typing.dynamic
        )
        findings = [*typing.findings, *outcome.findings]
        if converter is None:
            typed_data = outcome.dynamic
    else:
        findings = list(validator(value, NOTIFICATIONS))
    if has_errors(findings):
        raise InvalidBodyError("notification body", cap_findings(findings))
    if type(value) is not dict or type(value.get("value")) is not list:
        raise InvalidBodyError(
            "notification body",
            [*findings, Finding("error", "notification.no-value", "$", "no `value` array")],
        )
    conv = converter if converter is not None else handle.converter()
    read_error: type[Exception] = odata_of(conv).ReadError
    dynamic = typing.dynamic
    out: list[Notification] = []
    problems: list[Finding] = []
    for i, item in enumerate(value["value"]):
        path = f"$.value[{i}]"
        if type(item) is not dict:
            problems.append(
                Finding("error", "notification.not-an-object", path, "a notification is an object")
            )
            continue
        change = item.get("changeType")
        # Typed the same way as resolve_type does: older senders say `resource`.
        url = item.get("resourceUrl", item.get(resolve_type.LEGACY_RESOURCE_KEY))
        if type(change) is not str or type(url) is not str:
            problems.append(
                Finding(
                    "error",
                    "notification.incomplete",
                    path,
                    "a notification needs string changeType and resourceUrl",
                )
            )
            continue
        data_path = f"{path}.resourceData"
        try:
            if typed_data is not None and data_path in typed_data:
                typed = typed_data[data_path]
            else:
                decided = dynamic.get(data_path)
                data = item.get("resourceData")
                typed = _read_data(conv, data, decided.type.qname if decided else None)
        except read_error as caught:
            exc = cast("ReadError", caught)
            problems.append(
                Finding("error", "body.unreadable", f"{data_path}{exc.path[1:]}", exc.message)
            )
            continue
        except (ValueError, TypeError, ArithmeticError, RecursionError) as exc:
            # A value the models cannot hold is the body's problem, not a crash of ours.
            log.warning("resourceData at %s could not be read", path, exc_info=True)
            problems.append(
                Finding(
                    "error",
                    "body.unreadable",
                    data_path,
                    f"could not be read ({type(exc).__name__})",
                )
            )
            continue
        out.append(Notification(change, url, parse_resource_url(url), typed, item, i))
    if problems:
        raise InvalidBodyError("notification body", cap_findings([*findings, *problems]))
    return NotificationBatch(tuple(out), cap_findings(findings))


def _read_data(conv: ODataConverter, data: Any, qname: str | None) -> Any:
    if data is None or qname is None:
        return data
    if type(data) is list:
        read_error: type[Exception] = odata_of(conv).ReadError
        out = []
        for i, item in enumerate(data):
            try:
                out.append(conv.read(item, qname))
            except read_error as caught:
                located = cast("ReadError", caught).at(f"$[{i}]")
                raise cast(Exception, located) from None
        return out
    return conv.read(data, qname)


Handler = Callable[[Notification], object]


@dataclass(frozen=True, slots=True)
class Failure:
    """A handler that raised on a notification: enough to report it and to retry it."""

    notification: Notification
    handler: Handler
    error: BaseException
    attempts: int = 1


class Dispatcher:
    """Handlers by resource kind and change type; thread-safe to register and to dispatch."""

    def __init__(self, models: Models | str | None = None) -> None:
        """`models` (a handle or an import name) reads what is dispatched; default: the
        default version's package. The receiver reads bodies with it."""
        self.models = models_for(models)
        self._lock = threading.Lock()
        self._handlers: tuple[tuple[ResourceKind | None, str | None, Handler], ...] = ()

    def add(
        self,
        handler: Handler,
        kind: ResourceKind | None = None,
        change_type: str | None = None,
    ) -> Handler:
        """Register `handler` for a kind and change type (None: any); returns the handler."""
        with self._lock:
            # Copy-on-write: dispatching threads read the tuple without taking the lock.
            self._handlers = (*self._handlers, (kind, change_type, handler))
        return handler

    def on(
        self, kind: ResourceKind | None = None, change_type: str | None = None
    ) -> Callable[[Handler], Handler]:
        """Decorator form of `add`."""
        return lambda handler: self.add(handler, kind, change_type)

    def handlers_for(self, notification: Notification) -> list[Handler]:
        """The handlers a notification goes to, in registration order."""
        kind, change = notification.resource.kind, notification.change_type
        return [
            h
            for k, c, h in self._handlers
            if (k is None or k is kind) and (c is None or c == change)
        ]

    def dispatch(self, notification: Notification) -> list[Failure]:
        """Run every matching handler; each exception becomes a `Failure`, none propagates."""
        failures: list[Failure] = []
        for handler in self.handlers_for(notification):
            failure = run_handler(handler, notification)
            if failure is not None:
                failures.append(failure)
        return failures


CANCELLATION: tuple[type[BaseException], ...] = (
    asyncio.CancelledError,
    GeneratorExit,
    KeyboardInterrupt,
)
"""Exceptions that stop the program or a task: they always propagate, never become failures."""


def run_handler(handler: Handler, notification: Notification, attempts: int = 1) -> Failure | None:
    """Call one handler; a `Failure` (logged) if it raised, even `SystemExit`."""
    try:
        handler(notification)
    except CANCELLATION:
        raise
    except BaseException as exc:  # a handler's SystemExit must not take the receiver down
        log.exception(
            "handler %s failed on %s %s (attempt %d)",
            getattr(handler, "__qualname__", handler),
            notification.change_type,
            notification.resource_url,
            attempts,
        )
        return Failure(notification, handler, exc, attempts)
    return None


DEFAULT_MAX_DEAD_LETTERS = 10_000


@dataclass
class DeadLetters:
    """Failed (handler, notification) pairs kept for `retry()`; thread-safe and bounded: past
    `max_items` the oldest are dropped (logged, and counted in `dropped`)."""

    _items: list[Failure] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    max_items: int = DEFAULT_MAX_DEAD_LETTERS
    dropped: int = 0

    def add(self, failures: Sequence[Failure]) -> None:
        """Keep failures for a later retry."""
        if failures:
            with self._lock:
                self._items.extend(failures)
                over = len(self._items) - self.max_items
                if over > 0:
                    # A handler that always fails must not grow memory without end.
                    del self._items[:over]
                    self.dropped += over
                    log.error("dropped the %d oldest dead letters (over %d)", over, self.max_items)

    def items(self) -> list[Failure]:
        """The failures kept now."""
        with self._lock:
            return list(self._items)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def retry(self) -> int:
        """Run each failed handler again on its notification; returns how many now succeeded."""
        with self._lock:
            pending, self._items = self._items, []
        still: list[Failure] = []
        for failure in pending:
            again = run_handler(failure.handler, failure.notification, failure.attempts + 1)
            if again is not None:
                still.append(again)
        self.add(still)
        return len(pending) - len(still)
