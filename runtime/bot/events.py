"""Call events and the per-call ordered queues that deliver them to handlers.

Events of one call run one at a time, in arrival order; different calls run in parallel, so a
slow handler holds up only its own call. The sync runner starts a worker thread for a call
while it has queued events; the async runner starts a task for it on the event loop.
"""

from __future__ import annotations

import asyncio
import enum
import inspect
import logging
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from .notifications import CANCELLATION, Notification
from .resources import CommsOperation, Participant

log = logging.getLogger("runtime.bot")

H = TypeVar("H")


class EventKind(enum.Enum):
    """What happened to a call."""

    INCOMING = "incoming"
    STATE = "state"
    PARTICIPANT_JOINED = "participantJoined"
    PARTICIPANT_UPDATED = "participantUpdated"
    PARTICIPANT_LEFT = "participantLeft"
    OPERATION = "operation"
    NOTIFICATION = "notification"


@dataclass(frozen=True, slots=True)
class CallEvent(Generic[H]):
    """One event of one call, handed to handlers with the call's handle."""

    kind: EventKind
    call: H
    call_id: str
    state: str | None = None
    participant: Participant | None = None
    operation: CommsOperation | None = None
    notification: Notification | None = None


Handler = Callable[[CallEvent[H]], Any]
"""Sync or (on the async face) `async def`; what it returns is ignored."""


class CallLog(logging.LoggerAdapter[logging.Logger]):
    """Puts the call id on every record (`record.call_id`) and in front of the message."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        """Add `call_id` to the record's extra fields."""
        call_id = (self.extra or {}).get("call_id")
        kwargs["extra"] = {**kwargs.get("extra", {}), "call_id": call_id}
        return f"[call {call_id}] {msg}", kwargs


def call_log(call_id: str) -> CallLog:
    """The logger of one call."""
    return CallLog(log, {"call_id": call_id})


class Runner(Protocol):
    """Runs jobs in order per key and in parallel across keys."""

    def submit(self, key: str, job: Callable[[], Any]) -> None: ...


def _report(key: str, exc: BaseException) -> None:
    call_log(key).error("a call event handler raised", exc_info=exc)


class ThreadRunner:
    """A worker thread per key while that key has queued jobs."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._queues: dict[str, deque[Callable[[], Any]]] = {}

    def submit(self, key: str, job: Callable[[], Any]) -> None:
        """Queue a job after the key's earlier ones."""
        with self._lock:
            queue = self._queues.get(key)
            if queue is not None:
                queue.append(job)
                return
            self._queues[key] = deque([job])
        threading.Thread(target=self._drain, args=(key,), name=f"call-{key}", daemon=True).start()

    def _drain(self, key: str) -> None:
        while True:
            with self._lock:
                queue = self._queues[key]
                if not queue:
                    del self._queues[key]
                    self._lock.notify_all()
                    return
                job = queue[0]
            try:
                if inspect.isawaitable(result := job()):
                    _close(result)
                    raise TypeError(
                        "an async handler on the sync CallsClient; use AsyncCallsClient"
                    )
            except CANCELLATION:
                raise
            except BaseException as exc:  # one handler's failure must not stop the call's queue
                _report(key, exc)
            with self._lock:
                queue.popleft()

    def idle(self, timeout: float | None = None) -> bool:
        """Wait until no key has queued jobs; False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._queues, timeout)


def _close(awaitable: Any) -> None:
    close = getattr(awaitable, "close", None)
    if close is not None:  # no "never awaited" warning on top of the error
        close()


class TaskRunner:
    """A task per key on one event loop while that key has queued jobs; thread-safe submit."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._queues: dict[str, deque[Callable[[], Any]]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, key: str, job: Callable[[], Any]) -> None:
        """Queue a job after the key's earlier ones (from any thread)."""
        self.loop.call_soon_threadsafe(self._submit, key, job)

    def _submit(self, key: str, job: Callable[[], Any]) -> None:
        queue = self._queues.get(key)
        if queue is not None:
            queue.append(job)
            return
        self._queues[key] = deque([job])
        task = self.loop.create_task(self._drain(key), name=f"call-{key}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, key: str) -> None:
        queue = self._queues[key]
        while queue:
            try:
                result = queue[0]()
                if inspect.isawaitable(result):
                    await result
            except CANCELLATION:
                raise
            except BaseException as exc:  # one handler's failure must not stop the call's queue
                _report(key, exc)
            queue.popleft()
        del self._queues[key]

    async def idle(self) -> None:
        """Wait until every queued job ran."""
        while self._tasks or self._queues:
            await asyncio.sleep(0.005)
