"""The generator's stages import one way: reader → records, resolver → model, argparse in cli."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import REPO_ROOT


def _modules_after_import(*modules: str) -> set[str]:
    """The modules a fresh interpreter holds after importing `modules`."""
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + "print(*sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    )
    return set(done.stdout.split())


def test_the_reader_does_not_import_the_resolved_model() -> None:
    loaded = _modules_after_import("codegen.csdl", "codegen.lazy_document")
    assert "codegen.records" in loaded
    assert not loaded & {"codegen.model", "codegen.resolve", "codegen.plan"}


@pytest.mark.parametrize(
    "module", ["codegen.generate", "codegen.resolve", "codegen.sources", "codegen.inspect"]
)
def test_only_the_command_line_imports_argparse(module: str) -> None:
    assert "argparse" not in _modules_after_import(module)
    assert "argparse" in _modules_after_import("codegen.cli")
