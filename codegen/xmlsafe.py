"""A hardened XML loader: the only way metadata bytes become an lxml tree."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class MetadataError(Exception):
    """A metadata document that cannot be read at all; names the file and, when known, line."""

    def __init__(self, file: str, message: str, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.message = message
        where = f"{file}:{line}" if line is not None else file
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class LoadedXml:
    """A parsed document with the facts about its bytes."""

    file: str
    sha256: str
    root: etree._Element


def _parser() -> etree.XMLParser:
    # Entities are never expanded, no DTD is loaded and nothing is fetched: CSDL needs none of
    # these, and each is an attack surface (billion laughs, XXE, SSRF).
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def load_bytes(data: bytes, file: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedXml:
    """Parse `data` safely; refuse oversize input, any DTD, and malformed XML with a clear error."""
    if len(data) > max_bytes:
        raise MetadataError(file, f"document is {len(data):,} bytes, over the {max_bytes:,} limit")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        raise MetadataError(file, f"not well-formed XML: {exc.msg}", line) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise MetadataError(
            file, "document declares a DTD (<!DOCTYPE>); CSDL never needs one, refused", 1
        )
    # No entity reference can be left in the tree: without a DTD, libxml2 rejects any entity
    # other than the five predefined ones as undefined, and a document with a DTD was refused
    # above. So there is no need to walk the whole tree looking for one.
    return LoadedXml(file=file, sha256=hashlib.sha256(data).hexdigest(), root=root)


def load_file(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedXml:
    """Read and parse a metadata file, checking its size before reading it."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise MetadataError(str(path), f"cannot read: {exc.strerror}") from None
    if size > max_bytes:
        raise MetadataError(str(path), f"document is {size:,} bytes, over the {max_bytes:,} limit")
    try:
        data = p.read_bytes()
    except OSError as exc:  # a directory, or a file gone or locked since `stat`
        raise MetadataError(str(path), f"cannot read: {exc.strerror}") from None
    return load_bytes(data, str(path), max_bytes=max_bytes)
