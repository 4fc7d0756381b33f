"""The runtime is three products over one shared checking package; imports go one way.

`runtime.checking` (the JSON reader, the models handle, typing and the checker adapter) imports
no product. The docs checker and the bot SDK import `checking` and never each other: a bot that
vendors the SDK does not carry the docs checker. The emulator plays Graph for the bot SDK, so it
may import the SDK, never the docs checker. Only the command line (`runtime.cli`) sees all.
The tests mirror the packages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

RUNTIME = REPO_ROOT / "runtime"
ALLOWED = {
    "checking": {"checking"},
    "docs": {"checking", "docs"},
    "bot": {"checking", "bot"},
    "emulator": {"checking", "bot", "emulator"},
}
PRODUCTS = sorted(ALLOWED)


def runtime_imports(path: Path) -> set[str]:
    """The `runtime` subpackages a module imports (absolute or relative, at any depth)."""
    package = path.relative_to(REPO_ROOT).with_suffix("").parts[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[list[str]] = []
        if isinstance(node, ast.Import):
            targets = [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            module = [*base, *(node.module.split(".") if node.module else [])]
            # `from .. import bot` imports subpackages by the names it lists
            targets = (
                [[*module, alias.name] for alias in node.names] if not node.module else [module]
            )
        found.update(t[1] for t in targets if len(t) > 1 and t[0] == "runtime")
    return found


def modules_of(product: str) -> list[Path]:
    """Every module of a runtime subpackage."""
    return sorted((RUNTIME / product).rglob("*.py"))


@pytest.mark.parametrize("product", PRODUCTS)
def test_each_product_imports_only_what_it_may(product: str) -> None:
    """No import goes against the one-way order."""
    wrong = {
        str(path.relative_to(REPO_ROOT)): sorted(runtime_imports(path) - ALLOWED[product])
        for path in modules_of(product)
    }
    assert {k: v for k, v in wrong.items() if v} == {}


def test_the_import_scanner_sees_relative_imports() -> None:
    """The check above would pass vacuously if the scanner missed the form the runtime uses."""
    bot = REPO_ROOT / "runtime" / "bot" / "requests.py"
    assert "checking" in runtime_imports(bot)
    cli = REPO_ROOT / "runtime" / "cli.py"
    assert {"checking", "docs", "emulator"} <= runtime_imports(cli)


def test_nothing_but_the_command_line_sits_beside_the_products() -> None:
    """A new module goes into the product it belongs to."""
    loose = {p.name for p in RUNTIME.glob("*.py")}
    assert loose == {"__init__.py", "__main__.py", "cli.py"}


def test_tests_mirror_the_packages() -> None:
    """Every test module sits in the folder of the package it tests (or at the top for the
    command lines, packaging and layout)."""
    top = {p.name for p in (REPO_ROOT / "tests").glob("test_*.py")}
    assert top <= {
        "test_benchmarks_smoke.py",
        "test_layout.py",
        "test_packaging.py",
        "test_runtime_cli.py",
    }
    for product in (*PRODUCTS, "codegen"):
        assert list((REPO_ROOT / "tests" / product).glob("test_*.py")), product


def test_test_modules_do_not_import_each_other() -> None:
    """Shared helpers live in factory modules, so a test module can be moved or deleted alone."""
    offenders = []
    for path in sorted((REPO_ROOT / "tests").rglob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if module and module.split(".")[-1].startswith("test_"):
                offenders.append(f"{path.relative_to(REPO_ROOT)}: {module}")
    assert offenders == []
