"""The facts of a whole metadata document, for checking docs pages outside the committed closure.

The committed `generated/` holds the calls API only. A docs page of any other area is typed and
checked against the whole document of its version: the first use generates the whole document
into a cache folder (`$XDG_CACHE_HOME/graph-calls-models/`, else `~/.cache/graph-calls-models/`)
keyed by the sha256 of the document and the generator's version, with progress on stderr;
later uses import its facts from there. Needs the `codegen` extra the first time.

Nothing here imports `generated`: callers get a `SchemaIndex` over the facts and pass it on.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

from codegen._process import version

from ..checking.validate import SchemaIndex

__all__ = ["MetadataUnavailable", "cache_root", "whole_index"]

_PACKAGE_PREFIX = "graph_whole_"


class MetadataUnavailable(Exception):
    """The whole document can't be had: missing file, no codegen extra, generation failed."""


def cache_root() -> Path:
    """Where generated whole-document packages are kept."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "graph-calls-models"


def _key(metadata: Path) -> str:
    digest = hashlib.sha256()
    with metadata.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    digest.update(version().encode())
    # The checker is copied from the generator's support module: a changed checker (between
    # releases, in a checkout) must not be served from an older cached copy.
    support = resources.files(_codegen_package()) / "support" / "_odata.py"
    if support.is_file():
        digest.update(support.read_bytes())
    return digest.hexdigest()[:16]


def _codegen_package() -> str:
    """`codegen`, or `graph_calls_models.codegen` in a wheel."""
    return version.__module__.rsplit(".", 1)[0]


def whole_index(metadata: str | Path, *, progress: bool = True) -> SchemaIndex:
    """The facts and checkers of the whole document at `metadata`, generated once into the cache."""
    path = Path(metadata)
    if not path.is_file():
        raise MetadataUnavailable(f"{metadata}: no such metadata file")
    package = f"{_PACKAGE_PREFIX}{_key(path)}"
    folder = cache_root() / package
    target = folder / package
    if not (target / "_manifest.json").is_file():
        _generate(path, target, package, progress)
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    try:
        module = importlib.import_module(package)
    except ImportError as exc:
        raise MetadataUnavailable(f"{target}: the cached package does not import: {exc}") from None
    return SchemaIndex(
        module.schema(), module.converter(strict=False), module.converter(strict=True), package
    )


def _generate(metadata: Path, target: Path, package: str, progress: bool) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if progress:
        print(
            f"generating the whole of {metadata.name} into {target} (once; about a minute)…",
            file=sys.stderr,
            flush=True,
        )
    started = time.monotonic()
    codegen = _codegen_package()
    command = [
        sys.executable,
        "-m",
        codegen,
        "generate",
        "--metadata",
        str(metadata),
        "--out",
        str(target),
        "--package",
        package,
        "--no-progress",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise MetadataUnavailable(f"{metadata}: generating the whole document failed: {last}")
    if progress:
        print(f"generated in {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
