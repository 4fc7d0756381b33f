"""Resolve lazily read documents into a `Model` whose records are built on first use.

`codegen.resolve.build_model` is the reference: it merges, indexes and checks records. This
module computes the same `Model` from the documents' indexes instead. Up front it works out
only what names and links need: the overlay merge (type by type, with member diffs, which build
just the replaced types), every type, operation and term by qualified name, derived types from
`BaseType` attributes, and bound operations from binding parameter types. A record is built
when a mapping is indexed. What needs every record (`schemas`, `annotations` and the
diagnostics, whose reference, cycle and key checks look at every member) is computed on first
access by building everything and calling the very functions `build_model` calls, so the two
agree by construction where they share code, and `tests/test_lazy_model.py` checks the rest.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from codegen.csdl import CONTAINER_TAG, OPERATION_TAGS, TERM_TAG, TYPE_TAGS, Entry, gc_paused
from codegen.lazy import Later, LaterMapping, LazyMapping
from codegen.lazy_document import LazyDocument
from codegen.model import (
    Diagnostic,
    EntityContainer,
    InputDocument,
    Model,
    Operation,
    OverlayReport,
    Schema,
    SchemaType,
    Term,
)
from codegen.resolve import (
    MergeTally,
    collect_annotations,
    index_types,
    member_diff,
    merge_overlays,
    merge_types,
    model_diagnostics,
)

# An entry together with the document whose reader builds it.
Located = tuple[LazyDocument, Entry]


@dataclass
class _Namespace:
    """What one namespace holds after merging, as entries (`merge_overlays` on the index)."""

    types: list[Located] = field(default_factory=list)
    operations: list[Located] = field(default_factory=list)
    terms: list[Located] = field(default_factory=list)
    containers: list[Located] = field(default_factory=list)


def _namespace(doc: LazyDocument, entries: Sequence[Entry]) -> _Namespace:
    out = _Namespace()
    for e in entries:
        tag = e.tag
        if tag in TYPE_TAGS:
            out.types.append((doc, e))
        elif tag in OPERATION_TAGS:
            out.operations.append((doc, e))
        elif tag == TERM_TAG:
            out.terms.append((doc, e))
        elif tag == CONTAINER_TAG:
            out.containers.append((doc, e))
    return out


@dataclass
class _Merged:
    """The merged namespaces in `Model.schemas` order, and what the overlays did."""

    namespaces: list[_Namespace]
    tally: MergeTally[Located]


def _merge(base: LazyDocument, overlays: Sequence[LazyDocument]) -> _Merged:
    """`codegen.resolve.merge_overlays` on entries instead of records, by the same rule.

    Kept parallel to it on purpose, quirks included (a namespace declared twice in the base
    keeps its last schema, twice; overlay containers are not merged), so that the names a lazy
    model knows are exactly those of the eager one.
    """
    spaces = {s.namespace: _namespace(base, s.entries) for s in base.schemas}
    order = [s.namespace for s in base.schemas]
    tally: MergeTally[Located] = MergeTally()
    for overlay in overlays:
        for oschema in overlay.schemas:
            incoming = _namespace(overlay, oschema.entries)
            target = spaces.get(oschema.namespace)
            if target is None:
                target = _Namespace()
                order.append(oschema.namespace)
            spaces[oschema.namespace] = _Namespace(
                types=merge_types(target.types, incoming.types, _entry_names, tally),
                operations=target.operations + incoming.operations,
                terms=target.terms + incoming.terms,
                containers=target.containers,
            )
    return _Merged([spaces[ns] for ns in order], tally)


def _entry_names(located: Located) -> tuple[str, str]:
    return located[1].name, located[1].qname


def _type_record(located: Located) -> SchemaType:
    doc, entry = located
    record = doc.record(entry)
    assert isinstance(record, SchemaType)
    if doc.overlay and record.source is not None:
        # As `merge_overlays` does: a type from an overlay says which overlay put it there.
        record = replace(record, source=replace(record.source, overlay=doc.file))
    return record


def _operation_record(located: Located) -> Operation:
    record = located[0].record(located[1])
    assert isinstance(record, Operation)
    return record


def _term_record(located: Located) -> Term:
    record = located[0].record(located[1])
    assert isinstance(record, Term)
    return record


def _container_record(located: Located) -> EntityContainer:
    record = located[0].record(located[1])
    assert isinstance(record, EntityContainer)
    return record


def lazy_model(
    base: LazyDocument,
    overlays: Sequence[LazyDocument] = (),
    *,
    inputs: Sequence[InputDocument] = (),
) -> Model:
    """The `Model` that `build_model` would make of these documents, built on demand."""
    merged = _merge(base, overlays)
    spaces = merged.namespaces

    type_entries = {located[1].qname: located for ns in spaces for located in ns.types}
    types = LazyMapping(type_entries, lambda q: _type_record(type_entries[q]))

    op_entries: dict[str, list[Located]] = defaultdict(list)
    for ns in spaces:
        for located in ns.operations:
            op_entries[located[1].qname].append(located)
    operations = LazyMapping(
        op_entries, lambda q: tuple(_operation_record(o) for o in op_entries[q])
    )

    term_entries = {located[1].qname: located for ns in spaces for located in ns.terms}
    terms = LazyMapping(term_entries, lambda q: _term_record(term_entries[q]))

    derived: dict[str, list[str]] = defaultdict(list)
    for qname, (doc, entry) in type_entries.items():
        base_type = doc.reader.base_type(entry)
        if base_type:
            derived[base_type].append(qname)

    bound_entries: dict[str, list[Located]] = defaultdict(list)
    for overloads in op_entries.values():
        for located in overloads:
            binding = located[0].reader.binding(located[1])
            if binding is not None:
                bound_entries[binding].append(located)
    bound = LazyMapping(
        sorted(bound_entries), lambda k: tuple(_operation_record(o) for o in bound_entries[k])
    )

    docs = (base, *overlays)

    def all_schemas() -> tuple[Schema, ...]:
        with gc_paused():
            return merge_overlays(docs[0].document(), [d.document() for d in docs[1:]])[0]

    schemas = Later(all_schemas)

    def all_diagnostics() -> tuple[Diagnostic, ...]:
        merged_schemas = schemas.get()
        with gc_paused():
            return model_diagnostics(
                [d.document() for d in docs], merged_schemas, index_types(merged_schemas)
            )

    report = OverlayReport(
        added=tuple(sorted(merged.tally.added)),
        replaced=tuple(sorted(merged.tally.replaced)),
        members=tuple(
            member_diff(_type_record(merged.tally.originals[q]), types[q])
            for q in sorted(merged.tally.originals)
        ),
    )
    return Model(
        types=types,
        operations=operations,
        terms=terms,
        derived={k: tuple(sorted(v)) for k, v in sorted(derived.items())},
        bound_operations=bound,
        annotations=LaterMapping(lambda: collect_annotations(schemas.get())),
        later_schemas=schemas,
        later_containers=Later(
            lambda: tuple(_container_record(c) for ns in spaces for c in ns.containers)
        ),
        later_diagnostics=Later(all_diagnostics),
        inputs=tuple(inputs),
        overlay=report,
    )
