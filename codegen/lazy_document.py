"""A parsed CSDL document that is indexed now and read into records only on demand.

`codegen.csdl.read_document` builds a record for every element of a document; the Graph
snapshot has some 46,000 of them and a generator run looks at a few hundred types. A
`LazyDocument` does the cheap part up front (root check, references, aliases, and the index of
every schema's children) and builds an entry's record the first time it is asked for, with the
same `Reader` code, keeping it and the diagnostics that reading it caused. Not thread-safe (see
`codegen.lazy`).
"""

from __future__ import annotations

from codegen.csdl import Built, Entry, Reader, TopLevel, gc_paused
from codegen.lazy import Later
from codegen.records import Document, Reference
from codegen.xmlsafe import LoadedXml


class LazyDocument:
    """One document's index, with each entry's record built once, when first asked for."""

    def __init__(self, loaded: LoadedXml, *, overlay: bool = False) -> None:
        self.file = loaded.file
        self.sha256 = loaded.sha256
        self.overlay = overlay
        self.reader = Reader(loaded, overlay=overlay)
        # A document that is not CSDL at all fails here, as it does when read eagerly.
        self.reader.version()
        self.references: tuple[Reference, ...] = self.reader.references()
        self.schemas = self.reader.index()
        self._built: dict[Entry, Built] = {}
        self._document = Later(self._read_all)

    def built(self, entry: Entry) -> Built:
        """The entry's record and diagnostics, built now if never before."""
        found = self._built.get(entry)
        if found is None:
            found = self._built[entry] = self.reader.build(entry)
        return found

    @property
    def built_count(self) -> int:
        """How many entries have been built so far (what laziness saved is the rest)."""
        return len(self._built)

    def record(self, entry: Entry) -> TopLevel:
        """The record of an entry the index knows to be a type, operation, term, container or
        annotations block (those always build one)."""
        record = self.built(entry).record
        assert record is not None, f"{entry.tag} {entry.qname} builds no record"
        return record

    def document(self) -> Document:
        """The whole document, every entry built: equal to what `read_document` returns."""
        return self._document.get()

    def _read_all(self) -> Document:
        with gc_paused():
            return self.reader.document(self.sha256, self.schemas, self.built)
