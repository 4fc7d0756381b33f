"""Operation handles: complete when Graph's operation notification says completed or failed.

One class serves both faces: `wait(timeout)` blocks a thread, `await op` (or
`await op.wait_async(timeout)`) suspends a task. Completion may come from any thread (the
receiver's), so the state is guarded by a lock and the asyncio side is woken thread-safely.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Generator
from typing import Any

from .resources import CommsOperation

TERMINAL = frozenset({"completed", "failed"})


class OperationFailed(Exception):
    """An operation ended `failed`; `result_info` says why (Graph's code, subcode, message)."""

    def __init__(self, operation: Operation) -> None:
        info = operation.result_info
        detail = "" if info is None else f": {info}"
        super().__init__(f"{operation.describe()} failed{detail}")
        self.operation = operation
        self.result_info = info


class OperationTimeout(TimeoutError):
    """No `completed` or `failed` arrived for an operation in time."""


class CallEnded(Exception):
    """The call ended while an operation was still running."""


def status_of(op: CommsOperation | None) -> str | None:
    """An operation's status in lower case (Graph's enum values), or None."""
    if op is None or op.status is None or not isinstance(op.status, str):
        return None
    return str(op.status).lower()


class Operation:
    """A sent action; done when its notification (or response) says completed or failed."""

    def __init__(
        self,
        call_id: str,
        action: str,
        operation_id: str | None,
        timeout: float,
        *,
        on_abandon: Callable[[Operation], None] | None = None,
    ) -> None:
        self.call_id = call_id
        self.action = action
        self.id = operation_id
        self.timeout = timeout
        self._on_abandon = on_abandon
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._operation: CommsOperation | None = None
        self._error: BaseException | None = None
        self._callbacks: list[Callable[[], None]] = []

    def describe(self) -> str:
        """`playPrompt operation 'op1' of call 'c1'`."""
        return f"{self.action} operation {self.id!r} of call {self.call_id!r}"

    @property
    def done(self) -> bool:
        """Whether it completed, failed or ended with the call."""
        return self._done.is_set()

    @property
    def operation(self) -> CommsOperation | None:
        """The last operation resource seen (None for actions that return none)."""
        return self._operation

    @property
    def status(self) -> str | None:
        """`completed`, `failed`, `running`, … (lower case), or None."""
        return status_of(self._operation)

    @property
    def result_info(self) -> Any:
        """The operation's `resultInfo`, if any."""
        return None if self._operation is None else self._operation.result_info

    def _settle(self, operation: CommsOperation | None, error: BaseException | None) -> bool:
        """Complete once; later calls do nothing. True if this call completed it."""
        with self._lock:
            if self._done.is_set():
                return False
            if operation is not None:
                self._operation = operation
            self._error = error
            self._done.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()
        return True

    def complete(self, operation: CommsOperation | None) -> bool:
        """Settle from a terminal operation resource (or None: an action without one)."""
        failed = status_of(operation) == "failed"
        return self._settle(operation, OperationFailed(self) if failed else None)

    def fail(self, error: BaseException) -> bool:
        """Settle with an error (the call ended)."""
        return self._settle(None, error)

    def _outcome(self) -> Operation:
        if self._error is not None:
            if isinstance(self._error, OperationFailed):
                self._error = OperationFailed(self)  # a fresh traceback for each waiter
            raise self._error
        return self

    def _timed_out(self, timeout: float) -> OperationTimeout:
        if self._on_abandon is not None:
            self._on_abandon(self)
        return OperationTimeout(f"{self.describe()} did not complete within {timeout:g} s")

    def wait(self, timeout: float | None = None) -> Operation:
        """Block until done; raise `OperationFailed`, `CallEnded` or `OperationTimeout`."""
        limit = self.timeout if timeout is None else timeout
        if not self._done.wait(limit):
            raise self._timed_out(limit)
        return self._outcome()

    async def wait_async(self, timeout: float | None = None) -> Operation:
        """`wait` for asyncio: suspend the task, not the thread."""
        limit = self.timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        woken: asyncio.Future[None] = loop.create_future()

        def settle() -> None:
            if not woken.done():
                woken.set_result(None)

        def wake() -> None:
            loop.call_soon_threadsafe(settle)

        with self._lock:
            if not self._done.is_set():
                self._callbacks.append(wake)
            else:
                woken.set_result(None)
        try:
            await asyncio.wait_for(woken, limit)
        except TimeoutError:
            raise self._timed_out(limit) from None
        return self._outcome()

    def __await__(self) -> Generator[Any, None, Operation]:
        return self.wait_async().__await__()
