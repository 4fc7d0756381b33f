"""Values built on first use and then kept: how a `Model` defers reading records it may not need.

A lazily loaded model knows every name up front but builds the records behind them only when
they are asked for. Nothing here is thread-safe: two threads asking for the same value at once
may both build it. Both results are equal immutable records, so the worst case is wasted work,
and the model is only ever used from one thread today.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")


class Later(Generic[T]):
    """A value computed by `compute` the first time `get` is called."""

    __slots__ = ("_compute", "_value")

    def __init__(self, compute: Callable[[], T]) -> None:
        self._compute: Callable[[], T] | None = compute
        self._value: T | None = None

    @classmethod
    def ready(cls, value: T) -> Later[T]:
        """A value that is already known."""
        later = cls(lambda: value)
        later._compute, later._value = None, value
        return later

    def get(self) -> T:
        """The value, computed now if this is the first call."""
        compute = self._compute
        if compute is not None:
            self._value = compute()
            self._compute = None  # also drops whatever the computation held on to
        return self._value  # type: ignore[return-value]  # set above, T may include None


class LazyMapping(Mapping[K, V]):
    """A mapping whose keys are known up front and whose values are built on first lookup.

    Iteration, `len` and `in` never build a value; `m[k]`, `m.get(k)`, `values()` and
    `items()` build the values they return, once each.
    """

    __slots__ = ("_build", "_keys", "_values")

    def __init__(self, keys: Iterable[K], build: Callable[[K], V]) -> None:
        self._keys = dict.fromkeys(keys)
        self._build = build
        self._values: dict[K, V] = {}

    def __getitem__(self, key: K) -> V:
        try:
            return self._values[key]
        except KeyError:
            if key not in self._keys:
                raise
        value = self._values[key] = self._build(key)
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[K]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"LazyMapping({len(self._values)} of {len(self._keys)} built)"


class LaterMapping(Mapping[K, V]):
    """A mapping that is computed as a whole on its first use of any kind."""

    __slots__ = ("_later",)

    def __init__(self, compute: Callable[[], Mapping[K, V]]) -> None:
        self._later = Later(compute)

    def __getitem__(self, key: K) -> V:
        return self._later.get()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._later.get()

    def __iter__(self) -> Iterator[K]:
        return iter(self._later.get())

    def __len__(self) -> int:
        return len(self._later.get())
