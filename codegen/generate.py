"""`generate`: plan, render, format and write a package atomically, or check it is current."""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from codegen.closure import Scope, closure, everything, unknown_roots
from codegen.model import Model
from codegen.plan import plan_package
from codegen.render import render_package
from codegen.xmlsafe import MetadataError

RUFF_CONFIG = Path(__file__).with_name("ruff.toml")


class GenerationError(Exception):
    """Generation refused: bad roots, metadata errors, or output that does not import."""


def scope_for(model: Model, roots: Sequence[str]) -> Scope:
    """The closure of `roots`, or everything when there are none."""
    if not roots:
        return everything(model)
    missing = unknown_roots(model, roots)
    if missing:
        raise GenerationError(f"--root names no entity or complex type: {', '.join(missing)}")
    return closure(model, roots)


class Progress:
    """Stage lines with elapsed time on stderr, for runs long enough that silence worries."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        if self.enabled:
            elapsed = time.perf_counter() - self.start
            print(f"[{elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)


QUIET = Progress(enabled=False)


def render(
    model: Model, roots: Sequence[str], package: str, progress: Progress = QUIET
) -> dict[str, str]:
    """Every file of the package for `model` and `roots`, not yet formatted."""
    scope = scope_for(model, roots)
    progress(f"read {len(model.types):,} types; planning {len(scope.types):,} of them")
    plan = plan_package(model, scope)
    progress(f"planned {len(plan.classes):,} classes and {len(plan.enums):,} enums; rendering")
    return render_package(plan, model.inputs, package)


def _ruff() -> list[str]:
    exe = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if exe is None:
        raise GenerationError("ruff is needed to format generated code; install the package")
    return [exe]


def format_tree(root: Path) -> None:
    """Format a written tree with the pinned ruff and the generator's own config."""
    cmd = [*_ruff(), "format", "--quiet", "--config", str(RUFF_CONFIG), "--no-cache", str(root)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise GenerationError(f"ruff format failed on generated code:\n{done.stderr}")


def write_tree(files: dict[str, str], root: Path) -> None:
    """Write files under `root` (which must not exist)."""
    for rel, text in sorted(files.items()):
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="\n")


def build_in_temp(files: dict[str, str], near: Path) -> Path:
    """Write and format the package in a fresh folder beside `near`; the caller owns it."""
    near.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{near.name}.new-", dir=near.parent))
    try:
        write_tree(files, tmp / "pkg")
        format_tree(tmp / "pkg")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


def swap_in(new_tree: Path, out: Path) -> None:
    """Replace `out` by `new_tree` with renames, so a reader never sees half a package."""
    old = out.with_name(f".{out.name}.old")
    if old.exists():
        shutil.rmtree(old)
    if out.exists():
        os.replace(out, old)
    os.replace(new_tree, out)
    if old.exists():
        shutil.rmtree(old)


def read_tree(root: Path) -> dict[str, str]:
    """The text files under `root`, by relative path (caches excluded)."""
    if not root.is_dir():
        return {}
    return {
        str(p.relative_to(root)): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def diff_summary(current: dict[str, str], wanted: dict[str, str], limit: int = 40) -> str:
    """Which files would be added, removed or changed, with the first lines of each change."""
    lines: list[str] = []
    for rel in sorted(set(current) | set(wanted)):
        if rel not in current:
            lines.append(f"added:   {rel}")
        elif rel not in wanted:
            lines.append(f"removed: {rel}")
        elif current[rel] != wanted[rel]:
            lines.append(f"changed: {rel}")
            diff = difflib.unified_diff(
                current[rel].splitlines(), wanted[rel].splitlines(), lineterm="", n=0
            )
            lines.extend(f"    {d}" for d in list(diff)[2:8])
    if len(lines) > limit:
        lines = [*lines[:limit], f"... and {len(lines) - limit} more lines"]
    return "\n".join(lines)


def generate(
    model: Model,
    roots: Sequence[str],
    out: Path,
    package: str,
    *,
    check: bool = False,
    progress: Progress = QUIET,
) -> tuple[bool, str]:
    """Generate into `out` (or only compare, with `check`): (changed, summary)."""
    files = render(model, roots, package, progress)
    progress(f"writing and formatting {len(files):,} files")
    tmp = build_in_temp(files, out)
    progress("comparing with the current output")
    try:
        wanted = read_tree(tmp / "pkg")
        current = read_tree(out)
        changed = wanted != current
        summary = diff_summary(current, wanted) if changed else ""
        if changed and not check:
            swap_in(tmp / "pkg", out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return changed, summary


__all__ = ["GenerationError", "MetadataError", "generate", "render"]
