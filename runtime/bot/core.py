"""The I/O-free core of the calls client, shared by the sync and asyncio faces.

It keeps the live calls' handles, folds notifications into `runtime.bot.tracker.CallTracker`,
turns what changed into ordered `CallEvent`s, matches operation notifications to the handles
that wait for them (also when the notification comes before the action's response), schedules
keep-alives and remembers live calls in a `StateStore`. The faces only send and wait.
"""

from __future__ import annotations

import copy
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from ..checking.models import is_a
from .errors import header
from .events import CallEvent, EventKind, Handler, Runner, call_log
from .notifications import Dispatcher, Notification, ResourceKind
from .operations import TERMINAL, CallEnded, Operation, OperationTimeout, status_of
from .requests import CALL, PARTICIPANT, BoundAction, CallsRequests, GraphRequest
from .resources import CallResource, CommsOperation, ODataObject, Participant
from .responses import location_id, raise_for_status, read_action_result, read_body
from .store import MemoryStore, StateStore, StoredCall
from .tracker import TERMINATED, CallTracker

COMMS_OPERATION = "microsoft.graph.commsOperation"


DEFAULT_KEEP_ALIVE = 15 * 60.0
DEFAULT_OPERATION_TIMEOUT = 120.0
# Incoming calls past this many live handles are not kept (logged): a flood stays bounded.
DEFAULT_MAX_CALLS = 10_000
# Notifications for a call the bot does not know yet (its create-call response is still on
# the way) are held this long, at most this many calls and this many notifications each.
ORPHAN_TTL = 120.0
MAX_ORPHAN_CALLS = 1_000
MAX_ORPHAN_NOTIFICATIONS = 64
MAX_ENDED_IDS = 100_000
# Operation results that arrived before the action's response, per call.
MAX_EARLY_RESULTS = 256

H = TypeVar("H", bound="BaseCall")


def snake(name: str) -> str:
    """`playPrompt` → `play_prompt`, `muteAll` → `mute_all`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


@dataclass(frozen=True, slots=True)
class ActionMethod:
    """A bound action as a method: its spec and parameters class."""

    method: str
    spec: BoundAction
    parameters: type[ODataObject]

    @property
    def per_participant(self) -> bool:
        """Bound to one participant (needs a participant id)."""
        return self.spec.binding == PARTICIPANT and not self.spec.binding_collection


def action_methods(
    requests: CallsRequests,
) -> tuple[dict[str, ActionMethod], dict[str, ActionMethod]]:
    """Methods of a call handle and of a participant handle, from the bound actions."""
    conv = requests.models.converter()
    on_call: dict[str, ActionMethod] = {}
    on_participant: dict[str, ActionMethod] = {}
    for spec in requests.actions.values():
        if spec.binding == CALL and spec.binding_collection:
            continue  # bound to the calls collection, not to one call
        method = ActionMethod(snake(spec.name), spec, conv.class_of(spec.parameters))
        table = on_participant if method.per_participant else on_call
        if method.method in table:
            raise RuntimeError(f"two bound actions named {method.method}: fix the derivation")
        table[method.method] = method
    return on_call, on_participant


class BaseCall:
    """What both faces' call handles share: the id, the resource, participants, handlers."""

    def __init__(
        self, core: CallsCore[Any], call_id: str, origin: str, resource: CallResource | None
    ):
        self._core = core
        self.call_id = call_id
        self.origin = origin
        self._resource = resource
        self._handlers: list[tuple[EventKind | None, Handler[Any]]] = []
        # Re-entrant: queueing an event reads the handlers while the fold holds the lock.
        self._lock = threading.RLock()
        self.log = call_log(call_id)

    @property
    def resource(self) -> CallResource | None:
        """The newest call resource seen (from a response, a GET or a notification)."""
        return self._resource

    @property
    def state(self) -> str | None:
        """The call's state as the tracker sees it (falls back to the resource's)."""
        seen = self._core.tracker.glance(self.call_id)
        if seen is not None and seen[0] is not None:
            return seen[0]
        state = None if self._resource is None else self._resource.state
        return str(state) if isinstance(state, str) else None

    @property
    def participants(self) -> Mapping[str, Participant]:
        """The current roster by participant id (a copy)."""
        snap = self._core.tracker.get(self.call_id)
        return {} if snap is None else snap.participants

    @property
    def ended(self) -> bool:
        """Whether the call terminated (its handle is no longer kept by the client)."""
        return self._core.handles.get(self.call_id) is not self

    def on(self, kind: EventKind | None, handler: Handler[Any]) -> Handler[Any]:
        """Run `handler` on this call's events of `kind` (None: all)."""
        with self._lock:
            self._handlers.append((kind, handler))
        return handler

    def actions(self) -> list[str]:
        """Names of this handle's action methods."""
        return sorted(self._core.call_methods)

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *self._core.call_methods]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.call_id} {self.origin} {self.state}>"


class CallsCore(Generic[H]):
    """Handles, events, operations, keep-alive and state, without any I/O."""

    def __init__(
        self,
        requests: CallsRequests,
        runner: Runner,
        make_handle: Callable[[CallsCore[H], str, str, CallResource | None], H],
        *,
        store: StateStore | None = None,
        tracker: CallTracker | None = None,
        keep_alive_interval: float = DEFAULT_KEEP_ALIVE,
        operation_timeout: float = DEFAULT_OPERATION_TIMEOUT,
        max_calls: int = DEFAULT_MAX_CALLS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.requests = requests
        self.runner = runner
        self.make_handle = make_handle
        self.store: StateStore = store if store is not None else MemoryStore()
        self.tracker = tracker if tracker is not None else CallTracker()
        self.keep_alive_interval = keep_alive_interval
        self.operation_timeout = operation_timeout
        self.max_calls = max_calls
        self.clock = clock
        self.call_methods, self.participant_methods = action_methods(requests)
        self.handles: dict[str, H] = {}
        self._handlers: list[tuple[EventKind | None, Handler[H]]] = []
        self._lock = threading.RLock()
        self._orphans: OrderedDict[str, tuple[float, list[Notification]]] = OrderedDict()
        # (call id, operation id) → the operation and when it times out.
        self._pending: dict[tuple[str, str], tuple[Operation, float]] = {}
        self._early: dict[str, OrderedDict[str, CommsOperation]] = {}
        self._keep_alive_due: dict[str, float] = {}
        # Ids of ended calls, so a late notification cannot bring a handle back.
        self._ended: OrderedDict[str, None] = OrderedDict()
        self.keep_alive_changed = threading.Event()

    # -- handlers and handles --------------------------------------------------------------

    def on(self, kind: EventKind | None, handler: Handler[H]) -> Handler[H]:
        """Run `handler` on every call's events of `kind` (None: all)."""
        with self._lock:
            self._handlers.append((kind, handler))
        return handler

    def attach(self, dispatcher: Dispatcher) -> None:
        """Receive the notifications a receiver's dispatcher dispatches."""
        dispatcher.add(self.ingest)

    def adopt(self, call_id: str, origin: str, resource: CallResource | None) -> H:
        """Keep a handle for a live call, and replay what arrived for it before."""
        with self._lock:
            handle = self.handles.get(call_id)
            if handle is None:
                handle = self.make_handle(self, call_id, origin, resource)
                self.handles[call_id] = handle
                self.store.save(StoredCall(call_id, origin))
                self._keep_alive_due[call_id] = self.clock() + self.keep_alive_interval
                self.keep_alive_changed.set()
            early = self._orphans.pop(call_id, None)
        handle.log.info("%s call kept", origin)
        for n in early[1] if early else ():
            self.ingest(n)
        return handle

    def drop(self, call_id: str, reason: str) -> None:
        """Forget a call's handle: no keep-alive, out of the store, waiting operations end."""
        with self._lock:
            handle = self.handles.pop(call_id, None)
            self._ended[call_id] = None
            if len(self._ended) > MAX_ENDED_IDS:
                self._ended.popitem(last=False)
            self._keep_alive_due.pop(call_id, None)
            self._early.pop(call_id, None)
            pending = [k for k in self._pending if k[0] == call_id]
            ops = [self._pending.pop(k)[0] for k in pending]
        self.store.delete(call_id)
        self.keep_alive_changed.set()
        for op in ops:
            op.fail(CallEnded(f"call {call_id!r} ended ({reason}) before {op.describe()} did"))
        if handle is not None:
            handle.log.info("call handle dropped: %s", reason)

    # -- notifications ---------------------------------------------------------------------

    def ingest(self, n: Notification) -> None:
        """Fold one notification in and queue the events it makes (a Dispatcher handler)."""
        call_id = n.resource.call_id
        if call_id is None:
            return
        handle = self.handles.get(call_id)
        if handle is None:
            handle = self._unknown(call_id, n)
            if handle is None:
                return
        with handle._lock:  # one call's notifications fold and queue in one order
            events = self._fold(handle, n)
            if any(e.kind is EventKind.STATE and e.state == TERMINATED for e in events):
                # Before the events go out: a `terminated` handler sees the handle dropped.
                self.drop(call_id, "terminated")
            for event in events:
                self._queue(handle, event)

    def _unknown(self, call_id: str, n: Notification) -> H | None:
        if call_id in self._ended:
            call_log(call_id).debug("a notification after the call ended; ignored")
            return None
        data = n.resource_data
        if (
            n.resource.kind is ResourceKind.CALL
            and n.change_type == "created"
            and is_a(data, CALL)
            and str(getattr(data, "state", None)) == "incoming"
        ):
            if len(self.handles) >= self.max_calls:
                call_log(call_id).warning("incoming call not kept: %d calls live", self.max_calls)
                return None
            handle = self.adopt(call_id, "incoming", cast(CallResource, data))
            self._queue(handle, CallEvent(EventKind.INCOMING, handle, call_id, "incoming"))
            return handle
        with self._lock:
            now = self.clock()
            while self._orphans:
                oldest, (since, _) = next(iter(self._orphans.items()))
                if now - since < ORPHAN_TTL and len(self._orphans) < MAX_ORPHAN_CALLS:
                    break
                del self._orphans[oldest]
            if call_id in self.handles:  # adopted meanwhile
                return self.handles[call_id]
            _, held = self._orphans.setdefault(call_id, (now, []))
            if len(held) < MAX_ORPHAN_NOTIFICATIONS:
                held.append(n)
        call_log(call_id).debug("held a notification for a call not known yet")
        return None

    def _fold(self, handle: H, n: Notification) -> list[CallEvent[H]]:
        call_id = handle.call_id
        # Shallow views: the tracker replaces participants, never changes one in place, so
        # comparing before and after needs no deep copy; only what goes out is copied.
        before = self.tracker.glance(call_id)
        self.tracker.apply(n)
        after = self.tracker.glance(call_id)
        events: list[CallEvent[H]] = [
            CallEvent(EventKind.NOTIFICATION, handle, call_id, notification=n)
        ]
        if after is None:
            return events
        state, call, roster = after
        if call is not None and (before is None or before[1] is not call):
            handle._resource = copy.deepcopy(call)
        old_state = None if before is None else before[0]
        if state != old_state and state is not None:
            handle.log.info("state %s → %s", old_state, state)
            events.append(CallEvent(EventKind.STATE, handle, call_id, state, notification=n))
        old = {} if before is None else before[2]
        changes: list[tuple[EventKind, Participant]] = []
        for pid, p in roster.items():
            if pid not in old:
                changes.append((EventKind.PARTICIPANT_JOINED, p))
            elif old[pid] is not p and old[pid] != p:
                changes.append((EventKind.PARTICIPANT_UPDATED, p))
        changes += [(EventKind.PARTICIPANT_LEFT, p) for pid, p in old.items() if pid not in roster]
        for kind, p in changes:
            events.append(CallEvent(kind, handle, call_id, participant=copy.deepcopy(p)))
        if n.resource.kind is ResourceKind.OPERATIONS:
            for item in n.items:
                if is_a(item, COMMS_OPERATION):
                    op_id = item.id if isinstance(item.id, str) else n.resource.item_id
                    if op_id is not None and status_of(item) in TERMINAL:
                        self._operation_done(call_id, op_id, item)
                    events.append(CallEvent(EventKind.OPERATION, handle, call_id, operation=item))
        return events

    def _queue(self, handle: H, event: CallEvent[H]) -> None:
        with self._lock:
            chosen = [h for k, h in self._handlers if k is None or k is event.kind]
        with handle._lock:
            chosen += [h for k, h in handle._handlers if k is None or k is event.kind]
        for handler in chosen:
            self.runner.submit(handle.call_id, _job(handler, event))

    # -- operations ------------------------------------------------------------------------

    def _operation_done(self, call_id: str, op_id: str, op: CommsOperation) -> None:
        with self._lock:
            kept = self._pending.pop((call_id, op_id), None)
            if kept is None:
                early = self._early.setdefault(call_id, OrderedDict())
                early[op_id] = op
                while len(early) > MAX_EARLY_RESULTS:
                    early.popitem(last=False)
                return
        kept[0].complete(op)

    def _abandon(self, op: Operation) -> None:
        with self._lock:
            kept = self._pending.get((op.call_id, op.id or ""))
            if kept is not None and kept[0] is op:
                del self._pending[(op.call_id, op.id or "")]

    def _expire_pending(self) -> list[Operation]:
        """Take out operations nobody waited for past their timeout (under the lock)."""
        now = self.clock()
        late = [key for key, (_, deadline) in self._pending.items() if deadline <= now]
        return [self._pending.pop(key)[0] for key in late]

    def prepare(
        self, method: ActionMethod, args: tuple[Any, ...], kwargs: dict[str, Any], call_id: str
    ) -> GraphRequest:
        """The request of an action method call: a parameters object, or its fields."""
        participant_id = kwargs.pop("participant_id", None)
        if args and isinstance(args[0], method.parameters) and len(args) == 1 and not kwargs:
            params = args[0]
        elif args:
            raise TypeError(
                f"{method.method}() takes one {method.parameters.__name__} or keyword fields"
            )
        else:
            params = method.parameters(**kwargs)
        return self.requests.action(
            params,
            call_id=call_id,
            participant_id=participant_id if method.per_participant else None,
        )

    def finish(
        self,
        method: ActionMethod,
        call_id: str,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
    ) -> Operation:
        """The operation handle of an action's response (a Graph error raises)."""
        op = Operation(
            call_id, method.spec.name, None, self.operation_timeout, on_abandon=self._abandon
        )
        result, _ = read_action_result(
            status, headers, body, method.spec.returns, models=self.requests.models
        )
        location = header(headers, "Location")
        from_location = location_id(location) if location and "/operations/" in location else None
        if is_a(result, COMMS_OPERATION):
            op.id = result.id if isinstance(result.id, str) else from_location
        elif method.spec.returns is not None and from_location is not None:
            op.id = from_location  # `202 Accepted` with the operation only in `Location`
        else:
            op.complete(None)  # an action without an operation is done when accepted
            return op
        if op.id is None or status_of(result) in TERMINAL:
            op.complete(result)
            return op
        with self._lock:
            expired = self._expire_pending()
            early = self._early.get(call_id, OrderedDict()).pop(op.id, None)
            if early is None:
                self._pending[(call_id, op.id)] = (op, self.clock() + op.timeout)
        for old in expired:
            old.fail(OperationTimeout(f"{old.describe()} got no result in {old.timeout:g} s"))
        call_log(call_id).debug("%s waits for its notification", op.describe())
        if early is not None:
            op.complete(early)
        return op

    # -- create, get, hang up --------------------------------------------------------------

    def created(self, status: int, headers: Mapping[str, str], body: bytes, origin: str) -> H:
        """Keep the handle of a create-call response."""
        from .responses import read_created_call

        made = read_created_call(status, headers, body, models=self.requests.models)
        if made.call_id is None:
            raise ValueError("the create-call response names no call id (no id, no Location)")
        return self.adopt(made.call_id, origin, made.call)

    def get_request(self, call_id: str) -> GraphRequest:
        """`GET` one call (to rehydrate it)."""
        return GraphRequest("GET", self.requests.call_url(call_id), {"Accept": "application/json"})

    def rehydrated(
        self, call_id: str, status: int, headers: Mapping[str, str], body: bytes
    ) -> H | None:
        """The handle of a `GET` call response; None (and forgotten) if the call is gone."""
        if status == 404:
            self.drop(call_id, "not found on rehydration")
            return None
        raise_for_status(status, headers, body)
        call, _ = read_body(body, CALL, what="get call response", models=self.requests.models)
        if is_a(call, CALL) and str(call.state) == TERMINATED:
            self.drop(call_id, "terminated on rehydration")
            return None
        stored = self.store.load(call_id)
        origin = stored.origin if stored is not None else "rehydrated"
        handle = self.adopt(call_id, origin, call if is_a(call, CALL) else None)
        handle._resource = call if is_a(call, CALL) else handle._resource
        return handle

    # -- keep-alive ------------------------------------------------------------------------

    def keep_alive_due(self) -> tuple[list[str], float | None]:
        """Calls whose keep-alive is due now (rescheduled), and seconds until the next one."""
        with self._lock:
            now = self.clock()
            due = [c for c, t in self._keep_alive_due.items() if t <= now]
            for c in due:
                self._keep_alive_due[c] = now + self.keep_alive_interval
            upcoming = min(self._keep_alive_due.values(), default=None)
            self.keep_alive_changed.clear()
        return due, None if upcoming is None else max(0.0, upcoming - now)


def _job(handler: Handler[Any], event: CallEvent[Any]) -> Callable[[], Any]:
    return lambda: handler(event)
