"""The pinned metadata inputs (`metadata/sources.toml`) and loading a model from paths."""

from __future__ import annotations

import datetime
import hashlib
import os
import tomllib
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen.csdl import gc_paused
from codegen.lazy_document import LazyDocument
from codegen.model import InputDocument, Model
from codegen.resolve import resolve
from codegen.xmlsafe import LoadedXml, MetadataError, load_file

PROJECT_ROOT = Path(__file__).resolve().parent.parent
_CHECKOUT_CONFIG = PROJECT_ROOT / "metadata" / "sources.toml"
# An installed wheel has no metadata/ folder: the same pins ship as codegen/data/sources.toml
# (a symlink to metadata/sources.toml in the checkout, a copy in the wheel).
DEFAULT_CONFIG = (
    _CHECKOUT_CONFIG
    if _CHECKOUT_CONFIG.is_file()
    else Path(__file__).resolve().parent / "data" / "sources.toml"
)
# The real inputs sit in ../shared beside the checkout; this variable names another folder
# with the same layout (metadata/, seeds/), e.g. for an installed package or a CI cache.
SHARED_ENV = "GRAPH_MODELS_SHARED"
SHARED_PREFIX = "../shared/"
# The live document was about 30 MB in 2026; the cap stops a runaway response, not real growth.
DOWNLOAD_MAX_BYTES = 256 * 1024 * 1024
DOWNLOAD_TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class PinnedFile:
    """A metadata file named by the config, with the sha256 it must have."""

    path: Path
    sha256: str
    # Where the file came from (a URL), recorded in the generated package's manifest.
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Sources:
    """What one committed package of `generated/` (one API version) is built from."""

    live_url: str
    base: PinnedFile
    overlays: tuple[PinnedFile, ...]
    out: Path
    package: str
    roots: tuple[str, ...]
    # The package's short name in the config (`beta`, `v1_0`), for `generate --only`.
    name: str = "beta"


def load_sources(config: Path = DEFAULT_CONFIG, name: str | None = None) -> Sources:
    """One package of the sources config: the one called `name`, else the first."""
    packages = load_packages(config)
    if name is None:
        return packages[0]
    for package in packages:
        if package.name == name:
            return package
    known = ", ".join(p.name for p in packages)
    raise MetadataError(str(config), f"no package named {name!r} (the config has: {known})")


def load_packages(config: Path = DEFAULT_CONFIG) -> tuple[Sources, ...]:
    """Every package of the sources config, in its order; paths relative to the project root.

    The config is either a list of `[[packages]]` (name, out, package, live_url, roots, base,
    overlays) or the older one-package form (`live_url`, `[base]`, `[[overlays]]`, `[generate]`).
    """
    root = config.resolve().parent.parent
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise MetadataError(str(config), f"cannot read sources config: {exc}") from None

    def pinned(entry: Any, where: str) -> PinnedFile:
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(k), str) for k in ("path", "sha256")
        ):
            raise MetadataError(str(config), f"{where} needs string keys 'path' and 'sha256'")
        source = entry.get("source")
        if source is not None and not isinstance(source, str):
            raise MetadataError(str(config), f"{where} 'source' must be a string (a URL)")
        return PinnedFile(_input_path(root, entry["path"]), entry["sha256"].lower(), source)

    def strings(entry: Any, key: str, where: str) -> tuple[str, ...]:
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise MetadataError(str(config), f"{where} '{key}' must be a list of strings")
        return tuple(value)

    if "packages" not in data:
        if not isinstance(data.get("live_url"), str):
            raise MetadataError(str(config), "sources config has no string 'live_url'")
        gen = data.get("generate", {})
        return (
            Sources(
                live_url=data["live_url"],
                base=pinned(data.get("base"), "[base]"),
                overlays=tuple(pinned(o, "[[overlays]]") for o in data.get("overlays", [])),
                out=root / gen.get("out", "generated"),
                package=gen.get("package", "generated"),
                roots=strings(gen, "roots", "[generate]"),
                name=gen.get("name", "beta"),  # the one-package form predates v1.0
            ),
        )
    entries = data["packages"]
    if not isinstance(entries, list) or not entries:
        raise MetadataError(str(config), "'packages' must be a non-empty list of [[packages]]")
    result: list[Sources] = []
    for number, entry in enumerate(entries, 1):
        where = f"[[packages]] #{number}"
        if not isinstance(entry, dict):
            raise MetadataError(str(config), f"{where} must be a table")
        missing = [k for k in ("name", "out", "package") if not isinstance(entry.get(k), str)]
        if missing:
            raise MetadataError(str(config), f"{where} needs string keys {', '.join(missing)}")
        where = f"[[packages]] {entry['name']!r}"
        live_url = entry.get("live_url", data.get("live_url"))
        if not isinstance(live_url, str):
            raise MetadataError(str(config), f"{where} has no string 'live_url'")
        if any(p.name == entry["name"] for p in result):
            raise MetadataError(str(config), f"{where} is named twice")
        result.append(
            Sources(
                live_url=live_url,
                base=pinned(entry.get("base"), f"{where} base"),
                overlays=tuple(pinned(o, f"{where} overlays") for o in entry.get("overlays", [])),
                out=root / entry["out"],
                package=entry["package"],
                roots=strings(entry, "roots", where),
                name=entry["name"],
            )
        )
    return tuple(result)


def shared_dir() -> Path | None:
    """The folder named by $GRAPH_MODELS_SHARED, when it is set."""
    named = os.environ.get(SHARED_ENV, "").strip()
    return Path(named) if named else None


def _input_path(root: Path, text: str) -> Path:
    shared = shared_dir()
    if shared is not None and text.startswith(SHARED_PREFIX):
        return shared / text[len(SHARED_PREFIX) :]
    return root / text


def sha256_of(path: Path) -> str:
    """The sha256 of a file's bytes."""
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def verify(pinned: PinnedFile) -> None:
    """Raise `MetadataError` unless the file exists and has the pinned sha256."""
    if not pinned.path.is_file():
        raise MetadataError(str(pinned.path), "pinned metadata file is missing")
    actual = sha256_of(pinned.path)
    if actual != pinned.sha256:
        raise MetadataError(
            str(pinned.path),
            f"sha256 is {actual}, but the sources config pins {pinned.sha256}; "
            "update the pin only after reviewing the new document",
        )


def display_path(path: Path | str) -> str:
    """A path as shown in diagnostics and headers: relative to the project root, so that the
    same inputs give the same bytes in any checkout, and a file under $GRAPH_MODELS_SHARED is
    shown as under ../shared, so that the folder it was read from changes no header."""
    resolved = Path(path).resolve()
    shared = shared_dir()
    if shared is not None and resolved.is_relative_to(shared.resolve()):
        inner = resolved.relative_to(shared.resolve()).as_posix()
        return SHARED_PREFIX + inner
    # Installed from a wheel there is no project root to speak of: paths are the user's own.
    base = PROJECT_ROOT if _CHECKOUT_CONFIG.is_file() else Path.cwd()
    return os.path.relpath(resolved, base).replace(os.sep, "/")


def load_model(metadata: str | Path, overlays: Sequence[str | Path] = ()) -> Model:
    """Read a base document and its overlays, and resolve them into one `Model`.

    The documents are parsed, hashed and indexed now (`codegen.resolve`); each record is
    built when first looked up, diagnostics on first access.
    """
    # One pause for the whole read and resolve, so no collection runs between the documents.
    with gc_paused():
        return model_from_loaded(
            load_file(metadata),
            [load_file(o) for o in overlays],
            paths=[display_path(p) for p in (metadata, *overlays)],
        )


def model_from_loaded(
    base: LoadedXml, overlays: Sequence[LoadedXml] = (), *, paths: Sequence[str] = ()
) -> Model:
    """Resolve already parsed documents; `paths` name them in `Model.inputs` (default: file)."""
    with gc_paused():
        docs = [LazyDocument(base), *(LazyDocument(o, overlay=True) for o in overlays)]
        names = list(paths) or [d.file for d in docs]
        inputs = [
            InputDocument(name, d.sha256, "overlay" if d.overlay else "base")
            for name, d in zip(names, docs, strict=True)
        ]
        return resolve(docs[0], docs[1:], inputs=inputs)


def load_pinned(sources: Sources) -> Model:
    """Verify every pinned input's sha256, then load the model they make."""
    for pinned in (sources.base, *sources.overlays):
        verify(pinned)
    return load_model(sources.base.path, [o.path for o in sources.overlays])


def download_live(
    url: str,
    directory: Path,
    *,
    today: datetime.date | None = None,
    stem: str = "beta",
    timeout: float = DOWNLOAD_TIMEOUT,
    max_bytes: int = DOWNLOAD_MAX_BYTES,
) -> tuple[Path, str]:
    """Download `url` into `directory/<stem>-<date>.xml`; returns the path and its sha256.

    Only ever called on request (`sources --download-live`). The body is streamed to a
    temporary file and checked against `max_bytes` while it arrives, so a runaway response
    never fills the disk; the file gets its final name only when complete.
    """
    day = (today or datetime.date.today()).isoformat()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{stem}-{day}.xml"
    partial = target.with_suffix(".xml.part")
    digest = hashlib.sha256()
    size = 0
    request = urllib.request.Request(url, headers={"Accept": "application/xml"})
    try:
        with (
            urllib.request.urlopen(request, timeout=timeout) as response,
            partial.open("wb") as out,
        ):
            while chunk := response.read(1 << 16):
                size += len(chunk)
                if size > max_bytes:
                    raise MetadataError(url, f"download exceeds the {max_bytes:,}-byte limit")
                digest.update(chunk)
                out.write(chunk)
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        partial.unlink(missing_ok=True)
        raise MetadataError(url, f"download failed: {exc}") from None
    except MetadataError:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return target, digest.hexdigest()
