"""Where the calls client keeps what it needs to find its calls again after a restart."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class StoredCall:
    """One live call: its id and how the bot got it (created, answered, joined, incoming)."""

    call_id: str
    origin: str


class StateStore(Protocol):
    """A place for live calls; anything durable (a database, Redis) can implement it."""

    def save(self, call: StoredCall) -> None: ...
    def load(self, call_id: str) -> StoredCall | None: ...
    def delete(self, call_id: str) -> None: ...
    def call_ids(self) -> list[str]: ...


class MemoryStore:
    """The default store: a dict behind a lock (lost with the process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, StoredCall] = {}

    def save(self, call: StoredCall) -> None:
        """Keep or replace a call."""
        with self._lock:
            self._calls[call.call_id] = call

    def load(self, call_id: str) -> StoredCall | None:
        """A kept call, or None."""
        with self._lock:
            return self._calls.get(call_id)

    def delete(self, call_id: str) -> None:
        """Forget a call (no error if unknown)."""
        with self._lock:
            self._calls.pop(call_id, None)

    def call_ids(self) -> list[str]:
        """Every kept call id."""
        with self._lock:
            return list(self._calls)
