"""`python -m benchmarks [--runs N] [--only NAME]...`: run the registered workloads and print
one Markdown table."""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks import WORKLOADS, Row, render

PAGE = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"

# Modules that register workloads; add yours here.
MODULES = (
    "benchmarks.csdl_read",
    "benchmarks.model_path",
    "benchmarks.notifications",
    "benchmarks.docs_pages",
    "benchmarks.compare",
    "benchmarks.whole_api",
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; 1 when a selected one could not run."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per workload (≥ 5)")
    parser.add_argument("--only", action="append", default=[], help="run only this workload")
    args = parser.parse_args(argv)
    if args.runs < 5:
        parser.error("--runs must be at least 5")
    for module in MODULES:
        importlib.import_module(module)
    unknown = set(args.only) - set(WORKLOADS)
    if unknown:
        parser.error(f"unknown workload(s): {', '.join(sorted(unknown))}")
    rows: list[Row] = []
    failed = False
    for name, fn in WORKLOADS.items():
        if args.only and name not in args.only:
            continue
        try:
            rows.extend(fn(args.runs))
        except FileNotFoundError as exc:
            print(f"skipped {name}: {exc}", file=sys.stderr)
            failed = True
    table = (
        f"Python {platform.python_version()} on {platform.machine()}; median of {args.runs} runs"
        f"\n\n{render(rows)}"
    )
    print(table)
    if any(r.workload == "sdk-compare" for r in rows):
        # The comparison has just rewritten the page: every other figure of this run joins it,
        # so the issues' targets (whole-API package, receiver) are read from one committed run.
        with PAGE.open("a", encoding="utf-8") as page:
            page.write(f"\n## Every workload of this run (`python -m benchmarks`)\n\n{table}\n")
    return 1 if failed else 0


raise SystemExit(main())
