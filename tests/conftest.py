"""Shared fixtures: paths of the handwritten CSDL fixtures and of the real Graph snapshots.

The real inputs live outside the repository, in `../shared/` beside the checkout (or the folder
named by GRAPH_MODELS_SHARED): `metadata/` snapshots and the `seeds/` page. Tests that need
them are skipped when they are absent, and the run ends with one loud line saying what is
missing and how to get it; they are never copied into the repository.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from codegen.model import Model
from codegen.sources import load_model, shared_dir

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = shared_dir() or REPO_ROOT.parent / "shared"
SHARED_METADATA = SHARED / "metadata"
SEED_PAGE = SHARED / "seeds" / "000_07ddc1617f89e2b3.txt"
CSDL_FIXTURES = Path(__file__).resolve().parent / "csdl"
# Every skip for a missing real input says this word, so the summary below can count them.
MISSING = "MISSING"

GRAPH_SNAPSHOT = "graph-beta-2021-07-13.xml"
CALLS_OVERLAY = "graph-beta-calls-2026-08-03.xml"
CLEAN_SNAPSHOT = "graph-beta-clean-2021-06-08.xml"


def shared_path(name: str) -> Path:
    """The path of a real metadata file; skips the test, saying why, when it is absent."""
    path = SHARED_METADATA / name
    if not path.is_file():
        pytest.skip(
            f"REAL METADATA {MISSING}: {path} not found. These tests need the shared Graph "
            "snapshots checked out at ../shared/metadata beside the repository."
        )
    return path


# Tests of more than about 2 s, marked `slow` here rather than in each file so that the list is
# reviewed in one place; `pytest -m "not slow"` (`make fast`) leaves them out. A new slow test
# may also carry `@pytest.mark.slow` itself.
SLOW_TESTS = (
    "tests/codegen/test_full_beta.py::",
    "tests/codegen/test_roundtrip_hypothesis.py::",
    "tests/codegen/test_golden.py::test_golden_tree_passes_mypy_strict",
    "tests/codegen/test_lazy_model.py::test_lazy_equals_eager_on_the_snapshot_with_overlay",
    "tests/codegen/test_lazy_model.py::test_diagnostics_are_complete_when_asked_for_first",
    "tests/docs/test_lenient_json.py::test_any_json_dumps_output_reads_back_with_no_repairs",
    "tests/docs/test_lenient_json.py::test_decoder_recursion_is_caught_when_the_limit_is_raised",
    "tests/bot/test_load.py::test_ten_thousand_notifications_none_lost",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests of SLOW_TESTS `slow`."""
    for item in items:
        if item.nodeid.startswith(SLOW_TESTS):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _no_pinned_whole_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    """`examples` uses the pinned whole documents by default, generating one on first need (a
    minute, into the user's cache): tests get none, and test `pinned_documents` itself with a
    config of their own (tests/docs/test_whole_versions.py)."""
    import runtime.docs.whole_metadata

    monkeypatch.setattr(runtime.docs.whole_metadata, "pinned_documents", lambda config=None: {})


def seed_page() -> Path:
    """The seed documentation page; skips the test, saying why, when it is absent."""
    if not SEED_PAGE.is_file():
        pytest.skip(f"SEED PAGE {MISSING}: {SEED_PAGE} not found")
    return SEED_PAGE


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One loud line when tests were skipped for want of the real inputs (and a count of the
    other skips, whose reasons `-rs` lists)."""
    skipped = terminalreporter.stats.get("skipped", [])
    missing = [r for r in skipped if MISSING in str(getattr(r, "longrepr", ""))]
    others = len(skipped) - len(missing)
    if others:
        terminalreporter.write_line(f"{others} other tests skipped; `pytest -rs` says why")
    if not missing:
        return
    terminalreporter.write_line(
        f"!!! {len(missing)} tests SKIPPED: the real inputs are missing ({SHARED_METADATA} "
        f"snapshots and/or {SEED_PAGE}). They are the pinned files of metadata/sources.toml "
        "(URLs and sha256 there; `make metadata-live` downloads today's document); put them in "
        "../shared beside the checkout or name their folder in GRAPH_MODELS_SHARED. !!!",
        red=True,
        bold=True,
    )


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
