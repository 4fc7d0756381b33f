"""The pinned metadata inputs (`metadata/sources.toml`) and loading a model from paths."""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from codegen.csdl import read_document
from codegen.model import InputDocument, Model
from codegen.resolve import build_model
from codegen.xmlsafe import MetadataError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "metadata" / "sources.toml"


@dataclass(frozen=True, slots=True)
class PinnedFile:
    """A metadata file named by the config, with the sha256 it must have."""

    path: Path
    sha256: str


@dataclass(frozen=True, slots=True)
class Sources:
    """What the committed `generated/` is built from."""

    live_url: str
    base: PinnedFile
    overlays: tuple[PinnedFile, ...]
    out: Path
    package: str
    roots: tuple[str, ...]


def load_sources(config: Path = DEFAULT_CONFIG) -> Sources:
    """Read the sources config; paths are taken relative to the project root."""
    root = config.resolve().parent.parent
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise MetadataError(str(config), f"cannot read sources config: {exc}") from None

    def pinned(entry: dict[str, str]) -> PinnedFile:
        return PinnedFile(root / entry["path"], entry["sha256"])

    gen = data.get("generate", {})
    return Sources(
        live_url=data["live_url"],
        base=pinned(data["base"]),
        overlays=tuple(pinned(o) for o in data.get("overlays", [])),
        out=root / gen.get("out", "generated"),
        package=gen.get("package", "generated"),
        roots=tuple(gen.get("roots", [])),
    )


def sha256_of(path: Path) -> str:
    """The sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def verify(pinned: PinnedFile) -> None:
    """Raise `MetadataError` unless the file exists and has the pinned sha256."""
    if not pinned.path.is_file():
        raise MetadataError(str(pinned.path), "pinned metadata file is missing")
    actual = sha256_of(pinned.path)
    if actual != pinned.sha256:
        raise MetadataError(
            str(pinned.path),
            f"sha256 is {actual}, but metadata/sources.toml pins {pinned.sha256}; "
            "update the pin only after reviewing the new document",
        )


def display_path(path: Path | str) -> str:
    """A path as shown in diagnostics and headers: relative to the project root, so that the
    same inputs give the same bytes in any checkout."""
    return os.path.relpath(Path(path).resolve(), PROJECT_ROOT).replace(os.sep, "/")


def load_model(metadata: str | Path, overlays: Sequence[str | Path] = ()) -> Model:
    """Read a base document and its overlays, and resolve them into one `Model`."""
    base = read_document(metadata)
    docs = [read_document(o, overlay=True) for o in overlays]
    inputs = [InputDocument(display_path(metadata), base.sha256, "base")]
    inputs += [
        InputDocument(display_path(p), d.sha256, "overlay")
        for p, d in zip(overlays, docs, strict=True)
    ]
    return build_model(base, docs, inputs=inputs)


def load_pinned(sources: Sources) -> Model:
    """Verify every pinned input's sha256, then load the model they make."""
    for pinned in (sources.base, *sources.overlays):
        verify(pinned)
    return load_model(sources.base.path, [o.path for o in sources.overlays])
