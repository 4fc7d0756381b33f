"""Checking a folder of real Graph reference pages against the whole v1.0 document, beside
reading the same files' bytes (the floor for any checker of them).

The pages are `../shared/docs/…/api/*.md` (2,102 pages); the whole document's package is
generated into the cache once, before timing (`runtime.docs.whole_metadata`).
"""

from __future__ import annotations

import os
from pathlib import Path

from benchmarks import Row, interleaved, workload

SHARED = Path(os.environ.get("GRAPH_MODELS_SHARED", Path(__file__).parents[1].parent / "shared"))
PAGES = SHARED / "docs" / "graph-docs-v1.0-2021-07-16" / "api"
METADATA = SHARED / "metadata" / "graph-v1.0-2026-08-03.xml"


@workload("docs-pages")
def docs_pages(runs: int) -> list[Row]:
    """Every body of every page found, typed and checked, beside reading the files."""
    from runtime.docs.examples import check_pages
    from runtime.docs.whole_metadata import whole_index

    paths = sorted(PAGES.glob("*.md"))
    if not paths or not METADATA.is_file():
        raise FileNotFoundError(f"{PAGES} or {METADATA}")
    whole = whole_index(METADATA)
    # Fewer runs than the micro-benchmarks: each one reads two thousand pages.
    times = interleaved(
        {
            "read": lambda: [p.read_bytes() for p in paths],
            "check": lambda: check_pages(paths, whole=whole),
        },
        max(1, runs // 3),
    )
    n = len(paths)
    return [
        Row("docs-pages", f"read {n} pages (bytes)", tuple(times["read"])),
        Row(
            "docs-pages",
            f"check {n} pages against the whole v1.0",
            tuple(times["check"]),
            baseline=f"read {n} pages (bytes)",
            note="target: 5,000 pages in 60 s on 2 cores",
        ),
    ]
