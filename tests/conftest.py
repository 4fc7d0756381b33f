"""Shared fixtures: paths of the handwritten CSDL fixtures and of the real Graph snapshots.

The real snapshots live outside the repository, in `../shared/metadata/` beside the checkout
(see its README). Tests that need them are skipped, loudly, when that directory is absent;
they are never copied into the repository.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from codegen.model import Model
from codegen.sources import load_model

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_METADATA = REPO_ROOT.parent / "shared" / "metadata"
CSDL_FIXTURES = Path(__file__).resolve().parent / "csdl"

GRAPH_SNAPSHOT = "graph-beta-2021-07-13.xml"
CALLS_OVERLAY = "graph-beta-calls-2026-08-03.xml"
CLEAN_SNAPSHOT = "graph-beta-clean-2021-06-08.xml"


def shared_path(name: str) -> Path:
    """The path of a real metadata file; skips the test, saying why, when it is absent."""
    path = SHARED_METADATA / name
    if not path.is_file():
        pytest.skip(
            f"REAL METADATA MISSING: {path} not found. These tests need the shared Graph "
            "snapshots checked out at ../shared/metadata beside the repository."
        )
    return path


def line_of(path: Path, needle: str, nth: int = 1) -> int:
    """The 1-based line of the `nth` line containing `needle`, so tests never hard-code lines."""
    seen = 0
    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in text:
            seen += 1
            if seen == nth:
                return number
    raise AssertionError(f"{needle!r} (occurrence {nth}) not in {path}")


@pytest.fixture
def csdl_fixture() -> Callable[[str], Path]:
    """A function giving the path of a handwritten fixture under `tests/csdl/`."""
    return lambda name: CSDL_FIXTURES / name


@pytest.fixture(scope="session")
def graph_snapshot() -> Path:
    """The raw 2021-07-13 Graph beta `$metadata`."""
    return shared_path(GRAPH_SNAPSHOT)


@pytest.fixture(scope="session")
def calls_overlay() -> Path:
    """The 2026-08-03 calls-API slice, read as an overlay on the snapshot."""
    return shared_path(CALLS_OVERLAY)


@pytest.fixture(scope="session")
def clean_snapshot() -> Path:
    """Microsoft's cleaned 2021-06-08 beta metadata."""
    return shared_path(CLEAN_SNAPSHOT)


@pytest.fixture(scope="session")
def graph_model(graph_snapshot: Path) -> Model:
    """The snapshot alone, resolved once per session."""
    return load_model(graph_snapshot)


@pytest.fixture(scope="session")
def graph_model_with_calls(graph_snapshot: Path, calls_overlay: Path) -> Model:
    """The snapshot with the calls overlay, resolved once per session."""
    return load_model(graph_snapshot, [calls_overlay])
