"""The facts of a whole metadata document, for checking docs pages outside the committed closure.

The committed `generated/` holds the calls API only. A docs page of any other area is typed and
checked against the whole document of its version: the first use generates the whole document
into a cache folder (`$XDG_CACHE_HOME/graph-calls-models/`, else `~/.cache/graph-calls-models/`)
keyed by the sha256 of the document and the generator's version, with progress on stderr;
later uses import its facts from there. Needs the `codegen` extra the first time.

Each API version has its own document (`WholeMetadata`): by default the pinned inputs of
`metadata/sources.toml` (today's v1.0 document; the beta snapshot with its overlays), or one
path per version given on the command line (`v1.0=PATH`, `beta=PATH`, or a bare `PATH` for
every version). A page's requests are checked against the document of their version, from the
request URL (`/beta/`, `/v1.0/`) or else the page's path (`…/beta/api/x.md`).

Nothing here imports `generated`: callers get a `SchemaIndex` over the facts and pass it on.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from codegen._process import version

from ..checking.validate import SchemaIndex

__all__ = [
    "ANY_VERSION",
    "Document",
    "MetadataUnavailable",
    "WholeMetadata",
    "cache_root",
    "check_document",
    "parse_metadata_options",
    "pinned_documents",
    "whole_index",
]

_PACKAGE_PREFIX = "graph_whole_"
VERSIONS = ("v1.0", "beta")
ANY_VERSION = "*"
"""The key of a document given without a version: it serves every version not given apart."""
# How far into a file to look for the CSDL root element before calling it "not CSDL".
_SNIFF_BYTES = 64 * 1024
_EDMX_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?Edmx[\s>]")
_FIRST_ELEMENT = re.compile(rb"<(?![?!])([^\s/>]+)")
_LIVE_URL_VERSION = re.compile(r"/(beta|v1\.0)/\$metadata$", re.IGNORECASE)


class MetadataUnavailable(Exception):
    """The whole document can't be had: missing file, no codegen extra, generation failed."""


def cache_root() -> Path:
    """Where generated whole-document packages are kept."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "graph-calls-models"


def _key(metadata: Path, overlays: Sequence[Path] = ()) -> str:
    digest = hashlib.sha256()
    for n, document in enumerate((metadata, *overlays)):
        if n:
            # Set apart, so that no split of the same bytes into files gives the same key.
            digest.update(f"\0overlay {n}\0".encode())
        with document.open("rb") as f:
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


@dataclass(frozen=True, slots=True)
class Document:
    """One API version's whole metadata: a base document and the overlays merged over it."""

    base: Path
    overlays: tuple[Path, ...] = ()

    def __str__(self) -> str:
        return " + ".join(str(p) for p in (self.base, *self.overlays))


def check_document(path: str | Path) -> Path:
    """`path` when it is a readable CSDL document (its root element is `edmx:Edmx`); else
    `MetadataUnavailable` saying what it is instead. Reads the first 64 KB only."""
    found = Path(path)
    if not found.is_file():
        what = "a folder, not a file" if found.is_dir() else "no such metadata file"
        raise MetadataUnavailable(f"{path}: {what}")
    try:
        with found.open("rb") as f:
            head = f.read(_SNIFF_BYTES)
    except OSError as exc:
        raise MetadataUnavailable(f"{path}: {exc.strerror or exc}") from None
    if _EDMX_ROOT.search(head) is None:
        first = _FIRST_ELEMENT.search(head)
        seen = (
            f"its first element is <{first.group(1).decode('ascii', 'replace')}>"
            if first
            else ("it holds no XML element")
        )
        raise MetadataUnavailable(
            f"{path}: not a CSDL metadata document ({seen}; expected <edmx:Edmx>)"
        )
    return found


def parse_metadata_options(values: Iterable[str]) -> dict[str, Document]:
    """The documents named by `--metadata` options: `v1.0=PATH` or `beta=PATH` for one
    version, a bare `PATH` for every version; each checked to be a CSDL document."""
    documents: dict[str, Document] = {}
    for value in values:
        named, sep, rest = value.partition("=")
        version = named.strip().lower()
        if sep and version in VERSIONS and not Path(value).is_file():
            key, path = version, rest
        else:
            key, path = ANY_VERSION, value
        if not path.strip():
            raise MetadataUnavailable(f"--metadata {value}: give a path after '='")
        if key in documents:
            which = "without a version" if key == ANY_VERSION else f"for {key}"
            raise MetadataUnavailable(f"--metadata {value}: a document {which} is already given")
        documents[key] = Document(check_document(path))
    return documents


def pinned_documents(config: Path | None = None) -> dict[str, Document]:
    """Each API version's pinned inputs in the sources config (`metadata/sources.toml`): its
    base document and overlays, for the versions whose files are all present; none in an
    install without the codegen extra, which checks with the models packages only."""
    try:
        from codegen.sources import DEFAULT_CONFIG, load_packages
        from codegen.xmlsafe import MetadataError
    except ImportError:
        return {}

    try:
        packages = load_packages(config or DEFAULT_CONFIG)
    except MetadataError:
        return {}
    documents: dict[str, Document] = {}
    for package in packages:
        named = _LIVE_URL_VERSION.search(package.live_url)
        if named is None:
            continue
        files = (package.base.path, *(o.path for o in package.overlays))
        if all(f.is_file() for f in files):
            documents.setdefault(named.group(1).lower(), Document(files[0], files[1:]))
    return documents


class WholeMetadata:
    """The whole document of each API version, each generated (once, into the cache) and
    loaded on first use, so a run that needs no version's document loads none."""

    def __init__(self, documents: Mapping[str, Document], *, progress: bool = True) -> None:
        self.documents = dict(documents)
        self.progress = progress
        self._loaded: dict[Document, SchemaIndex] = {}

    def document(self, version: str | None) -> Document | None:
        """The document that serves `version` (None: the version is not known)."""
        if version is not None and version in self.documents:
            return self.documents[version]
        if ANY_VERSION in self.documents:
            return self.documents[ANY_VERSION]
        if version is None and len(self.documents) == 1:
            return next(iter(self.documents.values()))
        return None

    def index(self, version: str | None) -> SchemaIndex | None:
        """The facts of the document serving `version`, or None when there is none."""
        document = self.document(version)
        if document is None:
            return None
        found = self._loaded.get(document)
        if found is None:
            found = self._loaded[document] = whole_index(
                document.base, overlays=document.overlays, progress=self.progress
            )
        return found


def whole_index(
    metadata: str | Path, *, overlays: Sequence[str | Path] = (), progress: bool = True
) -> SchemaIndex:
    """The facts and checkers of the whole document at `metadata` (with `overlays` merged over
    it), generated once into the cache."""
    path = Path(metadata)
    if not path.is_file():
        raise MetadataUnavailable(f"{metadata}: no such metadata file")
    extra = [Path(o) for o in overlays]
    for overlay in extra:
        if not overlay.is_file():
            raise MetadataUnavailable(f"{overlay}: no such overlay file")
    package = f"{_PACKAGE_PREFIX}{_key(path, extra)}"
    folder = cache_root() / package
    target = folder / package
    if not (target / "_manifest.json").is_file():
        _generate(path, extra, target, package, progress)
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    try:
        module = importlib.import_module(package)
    except ImportError as exc:
        raise MetadataUnavailable(f"{target}: the cached package does not import: {exc}") from None
    return SchemaIndex(
        module.schema(), module.converter(strict=False), module.converter(strict=True), package
    )


def _generate(
    metadata: Path, overlays: Sequence[Path], target: Path, package: str, progress: bool
) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if progress:
        names = " + ".join(p.name for p in (metadata, *overlays))
        print(
            f"generating the whole of {names} into {target} (once; about a minute)…",
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
        *(arg for overlay in overlays for arg in ("--overlay", str(overlay))),
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
