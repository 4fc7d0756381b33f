"""Every real Graph `$metadata` in `../shared/metadata` generates whole, and every module of the
result imports (in a fresh interpreter, as a user would), with `dir()` of each namespace listing
all of its lazily imported classes. Skipped, saying why, without `../shared`."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.closure import everything
from codegen.diagnostics import errors
from codegen.generate import generate
from codegen.plan import plan_package
from codegen.sources import load_model
from tests.codegen.factory import run_python
from tests.conftest import CALLS_OVERLAY, GRAPH_SNAPSHOT, shared_path

DOCUMENTS = [
    ("graph-v1.0-2022-06-13.xml", None),
    ("graph-v1.0-2024-01-17.xml", None),
    ("graph-v1.0-2025-07-01.xml", None),
    ("graph-v1.0-2026-08-03.xml", None),
    (GRAPH_SNAPSHOT, None),
    (GRAPH_SNAPSHOT, CALLS_OVERLAY),
]

IMPORT_ALL = """
import importlib, pathlib
root = pathlib.Path("pkg")
modules = 0
for path in sorted(root.rglob("*.py")):
    parts = path.with_suffix("").parts
    name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
    module = importlib.import_module(name)
    modules += 1
    lazy = getattr(module, "_MODULES", None)
    if lazy is not None:
        missing = set(lazy) - set(dir(module))
        assert not missing, (name, sorted(missing)[:5])
print(modules)
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("base", "overlay"),
    DOCUMENTS,
    ids=[f"{b}{'+overlay' if o else ''}" for b, o in DOCUMENTS],
)
def test_a_real_document_generates_whole_and_every_module_imports(
    tmp_path: Path, base: str, overlay: str | None
) -> None:
    overlays = [shared_path(overlay)] if overlay else []
    model = load_model(shared_path(base), overlays)
    assert errors(model.diagnostics) == []
    out = tmp_path / "pkg"
    changed, _ = generate(model, [], out, "pkg")
    assert changed
    written = sum(1 for _ in out.rglob("*.py"))
    # A module per class and enum, an `__init__` and a `_facts` per namespace, and the
    # package's own three.
    plan = plan_package(model, everything(model))
    assert written == len(plan.classes) + len(plan.enums) + 2 * len(plan.subpackages()) + 3
    assert int(run_python(tmp_path, IMPORT_ALL)) == written
