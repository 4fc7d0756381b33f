"""Benchmarks run by `make bench` (`python -m benchmarks`): a registry of workloads.

A workload is a function that takes the number of runs and returns table rows; register it
with `@workload("name")` in a module listed in `benchmarks.__main__.MODULES`. Timings belong
here, never in unit tests: they depend on the machine.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Row:
    """One measured line of the report; `baseline` names the row this one is compared with."""

    workload: str
    what: str
    seconds: tuple[float, ...]
    baseline: str | None = None
    target_ratio: float | None = None
    note: str = ""

    @property
    def median(self) -> float:
        """Median of the runs, in seconds."""
        return statistics.median(self.seconds)


Workload = Callable[[int], list[Row]]
WORKLOADS: dict[str, Workload] = {}


def workload(name: str) -> Callable[[Workload], Workload]:
    """Register a benchmark function under `name`."""

    def register(fn: Workload) -> Workload:
        if name in WORKLOADS:
            raise ValueError(f"benchmark {name!r} registered twice")
        WORKLOADS[name] = fn
        return fn

    return register


def interleaved(fns: dict[str, Callable[[], object]], runs: int) -> dict[str, list[float]]:
    """Time each function `runs` times, alternating between them after one warm-up each.

    Alternating puts the machine's noise on every contestant alike; collecting garbage
    before each run keeps one run's leftovers out of the next one's time; the result stays
    alive until the clock has stopped.
    """
    times: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():
        fn()
    for _ in range(runs):
        for name, fn in fns.items():
            gc.collect()
            start = time.perf_counter()
            result = fn()
            times[name].append(time.perf_counter() - start)
            # Freeing the result is not part of producing it, for either contestant.
            del result
    return times


def render(rows: list[Row]) -> str:
    """The rows as one Markdown table, with each row's ratio to its baseline."""
    by_name = {(r.workload, r.what): r for r in rows}
    lines = [
        "| workload | what | median | min–max | runs | × baseline | target | met |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        ratio = target = met = ""
        base = by_name.get((r.workload, r.baseline)) if r.baseline else None
        if base is not None:
            value = r.median / base.median
            ratio = f"{value:.2f}×"
            if r.target_ratio is not None:
                target = f"≤ {r.target_ratio:g}×"
                met = "yes" if value <= r.target_ratio else "no"
        elif r.baseline is None:
            ratio = "baseline"
        lines.append(
            f"| {r.workload} | {r.what} | {r.median * 1000:.1f} ms "
            f"| {min(r.seconds) * 1000:.1f}–{max(r.seconds) * 1000:.1f} ms "
            f"| {len(r.seconds)} | {ratio} | {target} | {met} |"
        )
    notes = [f"- {r.workload} / {r.what}: {r.note}" for r in rows if r.note]
    return "\n".join(lines + (["", *notes] if notes else []))
