"""Rewrite the golden tree `tests/golden/expected/` from `tests/golden/fixture.xml`.

Run on purpose (`make regen` or `python -m tests.golden.regen`) and review the diff: the golden
test compares a fresh generation with the committed tree byte for byte.
"""

from __future__ import annotations

import sys
from pathlib import Path

from codegen.generate import generate
from codegen.model import Model
from codegen.sources import load_model

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixture.xml"
EXPECTED = HERE / "expected"
PACKAGE = "expected"


def fixture_model() -> Model:
    """The resolved model of the golden fixture."""
    return load_model(FIXTURE)


def main() -> int:
    """Regenerate the golden tree (every type, no roots); print what changed."""
    changed, summary = generate(fixture_model(), [], EXPECTED, PACKAGE)
    print(f"{EXPECTED.relative_to(HERE.parent.parent)}: {'updated' if changed else 'unchanged'}")
    if summary:
        print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
