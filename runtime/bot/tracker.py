"""Turn a stream of notifications into a trustworthy picture of each call, in any arrival order.

Graph does not promise order (its own docs say establishing/established may swap), so every
rule here is monotonic and the same set of notifications gives the same picture whatever order
they arrive in:

- Call state only moves forward: incoming → establishing/ringing → established (and its
  siblings hold, transferring, transferAccepted, redirecting, which may alternate) →
  terminating → terminated, which is final. A late, older state is ignored and reported.
- A full roster (a list of `participant`) replaces the participant set. It is ordered by the
  `rosterSequenceNumber` its participants carry, not by arrival: an older full roster, or a
  delta numbered at or below the newest full roster, is ignored (and reported), so a
  participant who left cannot come back. A full roster without numbers is taken in arrival
  order, and the next delta sets the count again.
- A delta roster (`deltaParticipants`) is applied in `sequenceNumber` order: a duplicate is
  ignored, a gap is reported and held until the missing one arrives (then every held delta that
  now fits is applied) or a full roster arrives (which supersedes what is held up to its
  number). Graph numbers a call's deltas from 1, in the same count as `rosterSequenceNumber`.
- Content sharing sessions and operations are kept by id; a deleted id stays deleted (a late
  `created` cannot resurrect it), and an operation's status only moves forward
  (NotStarted → Running → Completed/Failed).

`CallTracker` is thread-safe: the receiver dispatches from many threads. It is bounded: a
terminated call is forgotten `terminated_ttl` seconds after it ended (a late notification for
it is then ignored), at most `max_calls` calls are kept (the longest-ended, else the least
recently heard, go first), a delta more than `max_held_deltas` ahead of the last one applied
is ignored (so at most that many are held) and the last `max_events` events are kept
(`events_dropped` counts the rest).
Snapshots are deep copies: changing one changes nothing in the tracker.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, cast

from ..checking.models import is_a
from .notifications import Dispatcher, Notification, ResourceKind
from .resources import (
    CallResource,
    CommsOperation,
    ContentSharingSession,
    DeltaParticipants,
    ODataObject,
    Participant,
)

_STATE_RANK: Mapping[str, int] = {
    "incoming": 0,
    "establishing": 1,
    "ringing": 1,
    "established": 2,
    "hold": 2,
    "transferring": 2,
    "transferAccepted": 2,
    "redirecting": 2,
    "terminating": 3,
    "terminated": 4,
}
_UNKNOWN_STATE_RANK = 2  # a state newer than the metadata: most likely one of a live call's
TERMINATED = "terminated"

_STATUS_RANK: Mapping[str, int] = {"notstarted": 0, "running": 1, "completed": 2, "failed": 2}


def state_rank(state: str) -> int:
    """How far along a call state is; equal ranks may replace each other."""
    return _STATE_RANK.get(state, _UNKNOWN_STATE_RANK)


@dataclass(frozen=True, slots=True)
class TrackerEvent:
    """Something the tracker noticed: a stale state, a roster gap, a duplicate delta, …"""

    call_id: str
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class CallSnapshot:
    """An immutable copy of what is known about one call."""

    call_id: str
    state: str | None
    call: CallResource | None
    participants: Mapping[str, Participant]
    content_sharing_sessions: Mapping[str, ContentSharingSession]
    operations: Mapping[str, CommsOperation]
    roster_sequence: int | None
    held_deltas: tuple[int, ...]

    def summary(self) -> dict[str, Any]:
        """A JSON-able digest (ids and states), for comparing and printing."""
        return {
            "state": self.state,
            "participants": sorted(self.participants),
            "contentSharingSessions": sorted(self.content_sharing_sessions),
            "operations": {k: str(v.status) for k, v in sorted(self.operations.items())},
            "rosterSequence": self.roster_sequence,
            "heldDeltas": list(self.held_deltas),
        }


@dataclass
class _CallRecord:
    call_id: str
    state: str | None = None
    call: CallResource | None = None
    participants: dict[str, Participant] = field(default_factory=dict)
    sessions: dict[str, ContentSharingSession] = field(default_factory=dict)
    ended_sessions: set[str] = field(default_factory=set)
    operations: dict[str, CommsOperation] = field(default_factory=dict)
    ended_operations: set[str] = field(default_factory=set)
    # Last roster number applied; 0 before the first; None after a full roster without numbers
    # (the next delta re-bases).
    roster_sequence: int | None = 0
    # Whether the roster at `roster_sequence` came from a full roster (which wins a tie).
    roster_is_full: bool = False
    held: dict[int, DeltaParticipants] = field(default_factory=dict)
    terminated_at: float | None = None

    def snapshot(self) -> CallSnapshot:
        # Deep copies: a handler that changes a snapshot must not change the tracker.
        return CallSnapshot(
            self.call_id,
            self.state,
            copy.deepcopy(self.call),
            MappingProxyType(copy.deepcopy(self.participants)),
            MappingProxyType(copy.deepcopy(self.sessions)),
            MappingProxyType(copy.deepcopy(self.operations)),
            self.roster_sequence,
            tuple(sorted(self.held)),
        )


def _id(obj: ODataObject) -> str | None:
    value = getattr(obj, "id", None)
    return value if isinstance(value, str) else None


DEFAULT_TERMINATED_TTL = 300.0
DEFAULT_MAX_CALLS = 10_000
DEFAULT_MAX_EVENTS = 1_000
DEFAULT_MAX_HELD_DELTAS = 256
# Ids of forgotten calls remembered so that a late notification does not bring one back.
_FORGOTTEN_IDS = 100_000


def _roster_number(people: list[Participant]) -> int | None:
    numbers = [p.roster_sequence_number for p in people if type(p.roster_sequence_number) is int]
    return max(numbers) if numbers else None


class CallTracker:
    """Per-call state, roster, content sharing sessions and operations, from notifications."""

    def __init__(
        self,
        *,
        terminated_ttl: float = DEFAULT_TERMINATED_TTL,
        max_calls: int = DEFAULT_MAX_CALLS,
        max_events: int = DEFAULT_MAX_EVENTS,
        max_held_deltas: int = DEFAULT_MAX_HELD_DELTAS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.terminated_ttl = terminated_ttl
        self.max_calls = max_calls
        self.max_held_deltas = max_held_deltas
        self._clock = clock
        self._lock = threading.Lock()
        # Least recently heard first: the order in which calls are dropped past `max_calls`.
        self._calls: OrderedDict[str, _CallRecord] = OrderedDict()
        # Terminated calls in the order they ended, for eviction after `terminated_ttl`.
        self._ended: OrderedDict[str, float] = OrderedDict()
        self._forgotten: OrderedDict[str, None] = OrderedDict()
        self._events: deque[TrackerEvent] = deque(maxlen=max_events)
        self._events_dropped = 0

    def attach(self, dispatcher: Dispatcher) -> None:
        """Receive every notification a dispatcher dispatches."""
        dispatcher.add(self.apply)

    def apply(self, notification: Notification) -> None:
        """Fold one notification into the picture."""
        call_id = notification.resource.call_id
        if call_id is None:
            return
        with self._lock:
            now = self._clock()
            self._evict(now)
            record = self._calls.get(call_id)
            if record is None:
                if call_id in self._forgotten:
                    self._event(call_id, "call.forgotten", "a notification after the call ended")
                    return
                self._make_room()
                record = self._calls[call_id] = _CallRecord(call_id)
            else:
                self._calls.move_to_end(call_id)
            kind = notification.resource.kind
            if kind is ResourceKind.CALL:
                self._call(record, notification)
            elif kind is ResourceKind.PARTICIPANTS:
                self._participants(record, notification)
            elif kind is ResourceKind.CONTENT_SHARING_SESSIONS:
                self._keyed(record.sessions, record.ended_sessions, notification)
            elif kind is ResourceKind.OPERATIONS:
                self._operations(record, notification)
            if record.state == TERMINATED and record.terminated_at is None:
                record.terminated_at = now
                self._ended[call_id] = now

    def _evict(self, now: float) -> None:
        """Forget calls that ended more than `terminated_ttl` seconds ago."""
        while self._ended:
            call_id, ended = next(iter(self._ended.items()))
            if now - ended < self.terminated_ttl:
                return
            self._forget(call_id)

    def _forget(self, call_id: str) -> None:
        self._ended.pop(call_id, None)
        self._calls.pop(call_id, None)
        self._forgotten[call_id] = None
        if len(self._forgotten) > _FORGOTTEN_IDS:
            self._forgotten.popitem(last=False)

    def _make_room(self) -> None:
        """Keep at most `max_calls`: the longest-ended go first, else the least recently heard."""
        while len(self._calls) >= max(self.max_calls, 1):
            if self._ended:
                victim = next(iter(self._ended))
            else:
                victim = next(iter(self._calls))
                self._event(victim, "call.evicted", f"over {self.max_calls} calls; forgotten")
            self._forget(victim)

    def get(self, call_id: str) -> CallSnapshot | None:
        """A snapshot of one call, or None if nothing was heard about it."""
        with self._lock:
            self._evict(self._clock())
            record = self._calls.get(call_id)
            return None if record is None else record.snapshot()

    def glance(
        self, call_id: str
    ) -> tuple[str | None, CallResource | None, dict[str, Participant]] | None:
        """State, call and a shallow copy of the roster, without deep copies (for diffing).

        The objects are the tracker's own: read them, never change them. None if unknown."""
        with self._lock:
            record = self._calls.get(call_id)
            if record is None:
                return None
            return record.state, record.call, dict(record.participants)

    def snapshots(self) -> dict[str, CallSnapshot]:
        """Snapshots of every call kept now."""
        with self._lock:
            self._evict(self._clock())
            return {k: v.snapshot() for k, v in self._calls.items()}

    def events(self) -> list[TrackerEvent]:
        """The last `max_events` things noticed (stale states, gaps, duplicates), in order."""
        with self._lock:
            return list(self._events)

    @property
    def events_dropped(self) -> int:
        """How many older events were dropped to keep the last `max_events`."""
        with self._lock:
            return self._events_dropped

    def _event(self, call_id: str, code: str, message: str) -> None:
        if self._events.maxlen is not None and len(self._events) == self._events.maxlen:
            self._events_dropped += 1
        self._events.append(TrackerEvent(call_id, code, message))

    # -- the call itself -------------------------------------------------------------------

    def _call(self, record: _CallRecord, n: Notification) -> None:
        data = n.resource_data
        call = cast(CallResource, data) if is_a(data, "microsoft.graph.call") else None
        new_state: str | None = None
        if call is not None and isinstance(call.state, str):
            new_state = str(call.state)
        if n.change_type == "deleted":
            new_state = TERMINATED
        if new_state is None:
            return
        current = record.state
        if current == TERMINATED and new_state != TERMINATED:
            self._event(record.call_id, "state.after-terminated", f"{new_state} after terminated")
            return
        if current is not None and state_rank(new_state) < state_rank(current):
            self._event(record.call_id, "state.stale", f"{new_state} arrived after {current}")
            return
        record.state = new_state
        if call is not None:
            record.call = call

    # -- participants ----------------------------------------------------------------------

    def _participants(self, record: _CallRecord, n: Notification) -> None:
        items = n.items
        deltas = [d for d in items if is_a(d, "microsoft.graph.deltaParticipants")]
        people = [p for p in items if is_a(p, "microsoft.graph.participant")]
        for delta in deltas:
            self._delta(record, delta)
        if not people:
            return
        if n.change_type == "deleted":
            for p in people:
                record.participants.pop(_id(p) or "", None)
        elif n.change_type == "created":
            record.participants.update((pid, p) for p in people if (pid := _id(p)))
        else:
            self._full_roster(record, people)

    def _full_roster(self, record: _CallRecord, people: list[Participant]) -> None:
        number = _roster_number(people)
        last = record.roster_sequence
        # A full roster wins a tie with a delta of its number, whichever came first.
        if (
            number is not None
            and last is not None
            and (number < last or (number == last and record.roster_is_full))
        ):
            self._event(
                record.call_id,
                "roster.stale",
                f"a full roster at {number} arrived after {last}; ignored",
            )
            return
        record.participants = {pid: p for p in people if (pid := _id(p))}
        superseded = sorted(k for k in record.held if number is None or k <= number)
        if superseded:
            self._event(
                record.call_id,
                "roster.held-superseded",
                f"a full roster superseded held deltas {superseded}",
            )
        for k in superseded:
            del record.held[k]
        record.roster_sequence = number
        record.roster_is_full = True
        self._apply_held(record)

    def _delta(self, record: _CallRecord, delta: DeltaParticipants) -> None:
        seq = delta.sequence_number
        if not isinstance(seq, int):
            self._event(record.call_id, "roster.no-sequence", "a delta roster without a number")
            return
        last = record.roster_sequence
        if (last is not None and seq <= last) or seq in record.held:
            self._event(record.call_id, "roster.duplicate", f"delta {seq} was already seen")
            return
        if last is not None and seq > last + self.max_held_deltas:
            # Held deltas lie within this window after the last one applied, so at most
            # `max_held_deltas` are held, whatever numbers a sender makes up.
            self._event(
                record.call_id,
                "roster.too-far",
                f"delta {seq} is more than {self.max_held_deltas} ahead of {last}; ignored",
            )
            return
        if last is not None and seq > last + 1:
            record.held[seq] = delta
            self._event(
                record.call_id,
                "roster.gap",
                f"delta {seq} arrived after {last}; held until {last + 1} arrives",
            )
            return
        self._apply_delta(record, seq, delta)
        self._apply_held(record)

    def _apply_held(self, record: _CallRecord) -> None:
        while record.roster_sequence is not None and record.roster_sequence + 1 in record.held:
            following = record.roster_sequence + 1
            self._apply_delta(record, following, record.held.pop(following))

    def _apply_delta(self, record: _CallRecord, seq: int, delta: DeltaParticipants) -> None:
        for p in delta.participants or []:
            pid = _id(p)
            if pid is None:
                continue
            if p.removed_state:
                record.participants.pop(pid, None)
            else:
                record.participants[pid] = p
        record.roster_sequence = seq
        record.roster_is_full = False

    # -- sessions and operations -----------------------------------------------------------

    def _keyed(self, live: dict[str, Any], ended: set[str], n: Notification) -> None:
        for item in n.items:
            item_id = _id(item) or n.resource.item_id
            if item_id is None or item_id in ended:
                continue
            if n.change_type == "deleted":
                live.pop(item_id, None)
                ended.add(item_id)
            else:
                live[item_id] = item

    def _operations(self, record: _CallRecord, n: Notification) -> None:
        fresh: list[ODataObject] = []
        item: ODataObject
        for item in n.items:
            op: CommsOperation = item
            if not is_a(op, "microsoft.graph.commsOperation"):
                continue
            op_id = _id(op) or n.resource.item_id
            known = record.operations.get(op_id or "")
            if known is not None and _status_rank(op) < _status_rank(known):
                self._event(record.call_id, "operation.stale", f"{op_id}: {op.status} is older")
                continue
            fresh.append(op)
        if fresh:
            self._keyed(
                record.operations,
                record.ended_operations,
                Notification(n.change_type, n.resource_url, n.resource, fresh, n.raw, n.index),
            )


def _status_rank(op: CommsOperation) -> int:
    return _STATUS_RANK.get(str(op.status).lower(), 0) if op.status else 0
