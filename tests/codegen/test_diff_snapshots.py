"""Reviewed `codegen diff` reports of the real metadata pairs in `../shared/metadata`.

Each snapshot holds the counts per kind of change and every change in a compact form (impact,
kind, element, old → new; descriptions clipped). A difference fails with the start of a
unified diff: review it, then refresh with `UPDATE_SNAPSHOTS=1 .venv/bin/pytest
tests/codegen/test_diff_snapshots.py` and say in `tests/snapshots/diff/README.md` what you checked.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence

import pytest

from codegen.diff import Change, Side, diff_models, summary
from codegen.sources import load_model
from tests.conftest import REPO_ROOT, shared_path

SNAPSHOTS = REPO_ROOT / "tests" / "snapshots" / "diff"

# (snapshot file, old base, old overlays, new base, new overlays)
PAIRS = [
    (
        "v1.0-2022-06-13__v1.0-2024-01-17.txt",
        "graph-v1.0-2022-06-13.xml",
        (),
        "graph-v1.0-2024-01-17.xml",
        (),
    ),
    (
        "v1.0-2024-01-17__v1.0-2025-07-01.txt",
        "graph-v1.0-2024-01-17.xml",
        (),
        "graph-v1.0-2025-07-01.xml",
        (),
    ),
    (
        "v1.0-2025-07-01__v1.0-2026-08-03.txt",
        "graph-v1.0-2025-07-01.xml",
        (),
        "graph-v1.0-2026-08-03.xml",
        (),
    ),
    (
        "beta-clean-2021-06-08__beta-2021-07-13.txt",
        "graph-beta-clean-2021-06-08.xml",
        (),
        "graph-beta-2021-07-13.xml",
        (),
    ),
    (
        "beta-2021-07-13__beta-2021-07-13+calls-2026-08-03.txt",
        "graph-beta-2021-07-13.xml",
        (),
        "graph-beta-2021-07-13.xml",
        ("graph-beta-calls-2026-08-03.xml",),
    ),
]


def _clip(text: str | None, width: int = 60) -> str:
    if text is None:
        return "-"
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def compact(changes: Sequence[Change], old: Side, new: Side) -> list[str]:
    """The snapshot's lines: sides, counts per impact and kind, then one line per change."""
    counts = summary(changes)
    lines = [f"old: {old}", f"new: {new}"]
    lines += [f"{impact}: {counts[impact]}" for impact in ("breaking", "additive", "none")]
    by_change = counts["by_change"]
    assert isinstance(by_change, dict)
    lines += [f"  {kind}: {n}" for kind, n in by_change.items()]
    lines.append("")
    for c in changes:
        line = f"{c.impact:8} | {c.change} | {c.element}"
        if c.old is not None or c.new is not None:
            line += f" | {_clip(c.old)} -> {_clip(c.new)}"
        lines.append(line)
    return lines


@pytest.mark.slow
@pytest.mark.parametrize(
    ("snapshot", "old", "old_overlays", "new", "new_overlays"),
    PAIRS,
    ids=[p[0].removesuffix(".txt") for p in PAIRS],
)
def test_real_pair_matches_its_reviewed_snapshot(
    snapshot: str,
    old: str,
    old_overlays: tuple[str, ...],
    new: str,
    new_overlays: tuple[str, ...],
) -> None:
    old_model = load_model(shared_path(old), [shared_path(o) for o in old_overlays])
    new_model = load_model(shared_path(new), [shared_path(o) for o in new_overlays])
    changes = diff_models(old_model, new_model)
    current = compact(changes, Side.of(old_model), Side.of(new_model))
    path = SNAPSHOTS / snapshot
    recorded = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" and current != recorded:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(current) + "\n", encoding="utf-8")
        recorded = current
    if current != recorded:
        delta = list(difflib.unified_diff(recorded, current, "recorded", "current", lineterm=""))
        pytest.fail(
            f"{snapshot} differs from the diff of {old} and {new}; review, then refresh with "
            "UPDATE_SNAPSHOTS=1:\n" + "\n".join(delta[:80])
        )
