"""Resolve indexed documents into the one `Model`: merge overlays, link types, check references.

`resolve` is the only way a `Model` is made (`codegen.sources.load_model` calls it on files,
tests on inline documents). It merges the documents' indexes and links names up front, and
builds each record on first lookup, so a generator run that reads a closure builds only the
records of that closure. Each step is a named function with its own tests.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Generic, TypeVar

from codegen.csdl import (
    ANNOTATIONS_TAG,
    CONTAINER_TAG,
    OPERATION_TAGS,
    TERM_TAG,
    TYPE_TAGS,
    Entry,
    SchemaIndex,
    gc_paused,
)
from codegen.lazy import Later, LaterMapping, LazyMapping
from codegen.lazy_document import LazyDocument
from codegen.model import (
    Annotation,
    AnnotationsBlock,
    Diagnostic,
    Document,
    EntityContainer,
    EntitySet,
    EnumMember,
    EnumType,
    InputDocument,
    MemberDiff,
    Model,
    NavigationProperty,
    Operation,
    OverlayReport,
    Property,
    Schema,
    SchemaType,
    Severity,
    Singleton,
    Source,
    StructuredType,
    Term,
    TypeDefinition,
    TypeRef,
)

EDM_PRIMITIVES = frozenset(
    {
        "Edm.Binary",
        "Edm.Boolean",
        "Edm.Byte",
        "Edm.Date",
        "Edm.DateTimeOffset",
        "Edm.Decimal",
        "Edm.Double",
        "Edm.Duration",
        "Edm.Guid",
        "Edm.Int16",
        "Edm.Int32",
        "Edm.Int64",
        "Edm.SByte",
        "Edm.Single",
        "Edm.Stream",
        "Edm.String",
        "Edm.TimeOfDay",
        "Edm.Geography",
        "Edm.GeographyPoint",
        "Edm.GeographyLineString",
        "Edm.GeographyPolygon",
        "Edm.GeographyMultiPoint",
        "Edm.GeographyMultiLineString",
        "Edm.GeographyMultiPolygon",
        "Edm.GeographyCollection",
        "Edm.Geometry",
        "Edm.GeometryPoint",
        "Edm.GeometryLineString",
        "Edm.GeometryPolygon",
        "Edm.GeometryMultiPoint",
        "Edm.GeometryMultiLineString",
        "Edm.GeometryMultiPolygon",
        "Edm.GeometryCollection",
        "Edm.Untyped",
        "Edm.PrimitiveType",
        "Edm.ComplexType",
        "Edm.EntityType",
        "Edm.AnnotationPath",
        "Edm.PropertyPath",
        "Edm.NavigationPropertyPath",
        "Edm.AnyPropertyPath",
        "Edm.ModelElementPath",
    }
)


def _source_with_overlay(source: Source | None, overlay: str) -> Source | None:
    if source is None:
        return None
    return replace(source, overlay=overlay)


def _diagnostic_at(
    severity: Severity, code: str, message: str, source: Source | None, element: str
) -> Diagnostic:
    """A diagnostic located at an element's source, when it has one."""
    file, line = (source.file, source.line) if source is not None else (None, None)
    return Diagnostic(severity, code, message, file, line, element)


def _members(t: SchemaType) -> dict[str, str]:
    """A comparable signature per member name, for the overlay diff."""
    if isinstance(t, StructuredType):
        out = {p.name: f"{p.type}{'' if p.nullable else ' not null'}" for p in t.properties}
        out.update(
            {
                n.name: f"nav {n.type}{'' if n.nullable else ' not null'}"
                for n in t.navigation_properties
            }
        )
        out["$BaseType"] = t.base or ""
        out["$Abstract"] = str(t.abstract)
        out["$OpenType"] = str(t.open)
        return out
    if isinstance(t, EnumType):
        return {m.name: str(m.value) for m in t.members}
    return {"$UnderlyingType": t.underlying_type}


def member_diff(old: SchemaType, new: SchemaType) -> MemberDiff:
    """What replacing `old` by `new` adds, removes and changes, member by member."""
    a, b = _members(old), _members(new)
    return MemberDiff(
        qname=new.qname,
        added=tuple(sorted(k for k in b if k not in a)),
        removed=tuple(sorted(k for k in a if k not in b)),
        changed=tuple(sorted(k for k in b if k in a and a[k] != b[k])),
    )


T = TypeVar("T")


@dataclass
class MergeTally(Generic[T]):
    """What merging overlays did so far: qualified names added and replaced, and the base's
    own version of each replaced type (the report compares against the base, so a type that
    two overlays replace shows everything they changed together)."""

    added: set[str] = field(default_factory=set)
    replaced: set[str] = field(default_factory=set)
    originals: dict[str, T] = field(default_factory=dict)


def merge_types(
    current: Sequence[T],
    incoming: Iterable[T],
    names: Callable[[T], tuple[str, str]],
    tally: MergeTally[T],
) -> list[T]:
    """The overlay rule, once: a type of the same name replaces, a new one is appended.

    `names` gives an item's (name, qualified name); the eager model merges records, the lazy
    one index entries, and both must agree on every name.
    """
    index = {names(t)[0]: i for i, t in enumerate(current)}
    types = list(current)
    for t in incoming:
        name, qname = names(t)
        i = index.get(name)
        if i is None:
            index[name] = len(types)
            types.append(t)
            tally.added.add(qname)
        else:
            if qname not in tally.added:
                tally.originals.setdefault(qname, types[i])
                tally.replaced.add(qname)
            types[i] = t
    return types


def collect_annotations(schemas: Iterable[Schema]) -> dict[str, tuple[Annotation, ...]]:
    """Inline and external annotations by target path (`ns.T`, `ns.T/prop`, `ns.op(...)`)."""
    found: dict[str, list[Annotation]] = defaultdict(list)
    for s in schemas:
        for t in s.types:
            if t.annotations:
                found[t.qname].extend(t.annotations)
            if isinstance(t, StructuredType):
                members: tuple[Property | NavigationProperty, ...] = (
                    *t.properties,
                    *t.navigation_properties,
                )
                for p in members:
                    if p.annotations:
                        found[f"{t.qname}/{p.name}"].extend(p.annotations)
            elif isinstance(t, EnumType):
                for m in t.members:
                    if m.annotations:
                        found[f"{t.qname}/{m.name}"].extend(m.annotations)
        for c in s.containers:
            if c.annotations:
                found[c.qname].extend(c.annotations)
            for es in c.entity_sets:
                if es.annotations:
                    found[f"{c.qname}/{es.name}"].extend(es.annotations)
            for sg in c.singletons:
                if sg.annotations:
                    found[f"{c.qname}/{sg.name}"].extend(sg.annotations)
        for block in s.annotation_blocks:
            found[block.target].extend(block.annotations)
    return {k: tuple(v) for k, v in found.items()}


def find_base_cycles(types: Mapping[str, SchemaType]) -> list[Diagnostic]:
    """A diagnostic for each structured type whose base chain loops back on itself."""
    found: list[Diagnostic] = []
    reported: set[str] = set()
    for t in types.values():
        if not isinstance(t, StructuredType) or t.qname in reported:
            continue
        chain: list[str] = []
        current: StructuredType | None = t
        while current is not None and current.base:
            if current.qname in chain:
                loop = chain[chain.index(current.qname) :]
                reported.update(loop)
                found.append(
                    _diagnostic_at(
                        "error",
                        "base-type-cycle",
                        "base types form a cycle: " + " → ".join([*loop, current.qname]),
                        current.source,
                        current.qname,
                    )
                )
                break
            chain.append(current.qname)
            nxt = types.get(current.base)
            current = nxt if isinstance(nxt, StructuredType) else None
    return found


class _RefChecker:
    def __init__(self, types: Mapping[str, SchemaType], external: frozenset[str]) -> None:
        self.types = types
        self.external = external
        self.out: list[Diagnostic] = []

    def known(self, qname: str) -> bool:
        if qname in self.types or qname in EDM_PRIMITIVES:
            return True
        ns = qname.rpartition(".")[0]
        return ns in self.external

    def check(self, qname: str, source: Source | None, element: str, what: str) -> None:
        if not self.known(qname):
            self.out.append(
                _diagnostic_at(
                    "error",
                    "unresolved-type",
                    f"{what} {qname!r} of {element} is not declared",
                    source,
                    element,
                )
            )

    def ref(self, ref: TypeRef, source: Source | None, element: str, what: str) -> None:
        self.check(ref.qname, source, element, what)


def check_references(
    schemas: Sequence[Schema],
    types: Mapping[str, SchemaType],
    external: frozenset[str],
) -> list[Diagnostic]:
    """An `unresolved-type` error for every reference to a type that no document declares."""
    c = _RefChecker(types, external)
    declared = types.keys() | EDM_PRIMITIVES
    for s in schemas:
        for t in s.types:
            if isinstance(t, StructuredType):
                if t.base:
                    c.check(t.base, t.source, t.qname, "base type")
                    base = types.get(t.base)
                    if base is not None and (
                        not isinstance(base, StructuredType) or base.kind != t.kind
                    ):
                        c.out.append(
                            _diagnostic_at(
                                "error",
                                "bad-base-type",
                                f"{t.qname} ({t.kind} type) cannot derive from {t.base}",
                                t.source,
                                t.qname,
                            )
                        )
                # Element paths are only built for the rare unresolved reference.
                for p in t.properties:
                    if p.type.qname not in declared:
                        c.ref(p.type, p.source, f"{t.qname}/{p.name}", "type")
                for n in t.navigation_properties:
                    if n.type.qname not in declared:
                        c.ref(n.type, n.source, f"{t.qname}/{n.name}", "target type")
            elif isinstance(t, TypeDefinition):
                c.check(t.underlying_type, t.source, t.qname, "underlying type")
        for op in s.operations:
            for prm in op.parameters:
                if prm.type.qname not in declared:
                    c.ref(prm.type, prm.source, f"{op.qname}/{prm.name}", "parameter type")
            if op.return_type is not None:
                c.ref(op.return_type.type, op.source, op.qname, "return type")
        for term in s.terms:
            c.ref(term.type, term.source, term.qname, "type")
        for cont in s.containers:
            for es in cont.entity_sets:
                c.check(es.entity_type, es.source, f"{cont.qname}/{es.name}", "entity type")
            for sg in cont.singletons:
                c.check(sg.type, sg.source, f"{cont.qname}/{sg.name}", "type")
    return c.out


def check_keys(types: Mapping[str, SchemaType]) -> list[Diagnostic]:
    """A warning for each concrete entity type with no key anywhere in its base chain."""
    out: list[Diagnostic] = []
    for t in types.values():
        if not isinstance(t, StructuredType) or t.kind != "entity" or t.abstract:
            continue
        current: SchemaType | None = t
        seen: set[str] = set()
        has_key = False
        while isinstance(current, StructuredType) and current.qname not in seen:
            seen.add(current.qname)
            if current.key:
                has_key = True
                break
            current = types.get(current.base) if current.base else None
        if not has_key:
            out.append(
                _diagnostic_at(
                    "warning",
                    "missing-key",
                    f"entity type {t.qname} has no key, declared or inherited",
                    t.source,
                    t.qname,
                )
            )
    return out


def model_diagnostics(
    docs: Sequence[Document], schemas: Sequence[Schema], types: Mapping[str, SchemaType]
) -> tuple[Diagnostic, ...]:
    """Every document's own diagnostics, then base cycles, unresolved references, missing keys.

    `schemas` and `types` are the merged ones (`merge_documents`).
    """
    external = frozenset(
        inc.namespace for doc in docs for ref in doc.references for inc in ref.includes
    )
    diagnostics: list[Diagnostic] = [d for doc in docs for d in doc.diagnostics]
    diagnostics.extend(find_base_cycles(types))
    diagnostics.extend(check_references(schemas, types, external))
    diagnostics.extend(check_keys(types))
    return tuple(diagnostics)


# -- the model, built on demand ------------------------------------------------------------------
#
# Resolving works on the documents' indexes (`codegen.lazy_document`), not on records: up front
# it merges the overlays entry by entry and works out what names and links need (every type,
# operation and term by qualified name, derived types from `BaseType` attributes, bound
# operations from binding parameter types, annotation blocks by target). A record is built the
# first time something looks it up. What needs every record (`schemas`, diagnostics, the whole
# annotation table) is computed on first access from the same merged entries.

# An entry together with the document whose reader builds it.
Located = tuple[LazyDocument, Entry]


@dataclass
class MergedNamespace:
    """What one namespace holds after merging, as entries, each list in document order."""

    namespace: str
    alias: str | None
    source: Source
    types: list[Located] = field(default_factory=list)
    operations: list[Located] = field(default_factory=list)
    terms: list[Located] = field(default_factory=list)
    containers: list[Located] = field(default_factory=list)
    blocks: list[Located] = field(default_factory=list)


def _entries(doc: LazyDocument, index: SchemaIndex) -> MergedNamespace:
    element = index.element
    out = MergedNamespace(index.namespace, element.get("Alias"), doc.reader.src(element))
    for e in index.entries:
        tag = e.tag
        if tag in TYPE_TAGS:
            out.types.append((doc, e))
        elif tag in OPERATION_TAGS:
            out.operations.append((doc, e))
        elif tag == TERM_TAG:
            out.terms.append((doc, e))
        elif tag == CONTAINER_TAG:
            out.containers.append((doc, e))
        elif tag == ANNOTATIONS_TAG:
            out.blocks.append((doc, e))
    return out


def merge_documents(
    base: LazyDocument, overlays: Sequence[LazyDocument]
) -> tuple[list[MergedNamespace], MergeTally[Located]]:
    """The merged namespaces, in order of first appearance, and what the overlays did.

    The overlay rule (`merge_types`): a type with the qualified name of one already there
    replaces it, a new one is added, nothing is removed. An overlay's operations, terms and
    annotation blocks are added to their namespace; its entity containers are ignored (the
    base's container describes the service). A namespace that the base declares in several
    schemas is one namespace, its elements in document order.
    """
    spaces: dict[str, MergedNamespace] = {}
    for index in base.schemas:
        incoming = _entries(base, index)
        known = spaces.get(index.namespace)
        if known is None:
            spaces[index.namespace] = incoming
        else:
            known.types += incoming.types
            known.operations += incoming.operations
            known.terms += incoming.terms
            known.containers += incoming.containers
            known.blocks += incoming.blocks
    tally: MergeTally[Located] = MergeTally()
    for overlay in overlays:
        for index in overlay.schemas:
            incoming = _entries(overlay, index)
            target = spaces.setdefault(
                index.namespace, MergedNamespace(index.namespace, incoming.alias, incoming.source)
            )
            target.types = merge_types(target.types, incoming.types, _entry_names, tally)
            target.operations += incoming.operations
            target.terms += incoming.terms
            target.blocks += incoming.blocks
    return list(spaces.values()), tally


def _entry_names(located: Located) -> tuple[str, str]:
    return located[1].name, located[1].qname


def _type_record(located: Located) -> SchemaType:
    doc, entry = located
    record = doc.record(entry)
    assert isinstance(record, StructuredType | EnumType | TypeDefinition)
    if doc.overlay:
        # A type from an overlay says which overlay put it there.
        record = replace(record, source=_source_with_overlay(record.source, doc.file))
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


def _block_record(located: Located) -> AnnotationsBlock:
    record = located[0].record(located[1])
    assert isinstance(record, AnnotationsBlock)
    return record


def _schema(ns: MergedNamespace) -> Schema:
    return Schema(
        namespace=ns.namespace,
        alias=ns.alias,
        types=tuple(_type_record(t) for t in ns.types),
        operations=tuple(_operation_record(o) for o in ns.operations),
        terms=tuple(_term_record(t) for t in ns.terms),
        containers=tuple(_container_record(c) for c in ns.containers),
        annotation_blocks=tuple(_block_record(b) for b in ns.blocks),
        source=ns.source,
    )


# Where an annotation of a target can come from, in the order `collect_annotations` meets them:
# namespace by namespace, a type's own annotations, then a container's, then external blocks.
_TYPE, _CONTAINER, _BLOCK = 0, 1, 2


def _inline(record: SchemaType | EntityContainer, member: str | None) -> tuple[Annotation, ...]:
    """The annotations written inside `record`, or inside its member of that name."""
    if member is None:
        return record.annotations
    found: list[Annotation] = []
    members: Iterable[Property | NavigationProperty | EnumMember | EntitySet | Singleton]
    if isinstance(record, StructuredType):
        members = (*record.properties, *record.navigation_properties)
    elif isinstance(record, EnumType):
        members = record.members
    elif isinstance(record, EntityContainer):
        members = (*record.entity_sets, *record.singletons)
    else:
        members = ()
    for m in members:
        if m.name == member:
            found.extend(m.annotations)
    return tuple(found)


class AnnotationIndex(Mapping[str, tuple[Annotation, ...]]):
    """Annotations by target path, inline and external; a lookup builds only what it needs.

    `index[target]` builds the record that declares the target (when it is a type, a member of
    one, a container or a child of one) and the `<Annotations>` blocks aimed at it, nothing
    else. Iterating or counting builds the whole table (`collect_annotations`).
    """

    def __init__(
        self,
        owners: dict[str, list[tuple[int, int, Located]]],
        blocks: dict[str, list[tuple[int, int, Located]]],
        everything: LaterMapping[str, tuple[Annotation, ...]],
    ) -> None:
        self._owners = owners
        self._blocks = blocks
        self._everything = everything
        self._found: dict[str, tuple[Annotation, ...]] = {}

    def __getitem__(self, target: str) -> tuple[Annotation, ...]:
        found = self._found.get(target)
        if found is not None:
            return found
        head, slash, member = target.partition("/")
        parts: list[tuple[int, int, tuple[Annotation, ...]]] = []
        for position, kind, located in self._owners.get(head, ()):
            record = _container_record(located) if kind == _CONTAINER else _type_record(located)
            inline = _inline(record, member if slash else None)
            if inline:
                parts.append((position, kind, inline))
        blocks = self._blocks.get(target, ())
        for position, kind, located in blocks:
            parts.append((position, kind, _block_record(located).annotations))
        if not parts and not blocks:
            raise KeyError(target)
        parts.sort(key=lambda p: (p[0], p[1]))  # stable: document order within a namespace
        found = self._found[target] = tuple(a for _, _, anns in parts for a in anns)
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._everything)

    def __len__(self) -> int:
        return len(self._everything)


def resolve(
    base: LazyDocument,
    overlays: Sequence[LazyDocument] = (),
    *,
    inputs: Sequence[InputDocument] = (),
) -> Model:
    """Merge, index and check documents into the one `Model`, each record built on first use."""
    spaces, tally = merge_documents(base, overlays)

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

    owners: dict[str, list[tuple[int, int, Located]]] = defaultdict(list)
    blocks: dict[str, list[tuple[int, int, Located]]] = defaultdict(list)
    for position, ns in enumerate(spaces):
        for located in ns.types:
            owners[located[1].qname].append((position, _TYPE, located))
        for located in ns.containers:
            owners[located[1].qname].append((position, _CONTAINER, located))
        for located in ns.blocks:
            target = located[0].reader.annotations_target(located[1])
            blocks[target or ""].append((position, _BLOCK, located))

    docs = (base, *overlays)

    def all_schemas() -> tuple[Schema, ...]:
        with gc_paused():
            return tuple(_schema(ns) for ns in spaces)

    schemas = Later(all_schemas)

    def all_diagnostics() -> tuple[Diagnostic, ...]:
        merged = schemas.get()
        with gc_paused():
            return model_diagnostics([d.document() for d in docs], merged, types)

    report = OverlayReport(
        added=tuple(sorted(tally.added)),
        replaced=tuple(sorted(tally.replaced)),
        members=tuple(
            member_diff(_type_record(tally.originals[q]), types[q]) for q in sorted(tally.originals)
        ),
    )
    return Model(
        types=types,
        operations=operations,
        terms=terms,
        derived={k: tuple(sorted(v)) for k, v in sorted(derived.items())},
        bound_operations=bound,
        annotations=AnnotationIndex(
            owners, blocks, LaterMapping(lambda: collect_annotations(schemas.get()))
        ),
        later_schemas=schemas,
        later_containers=Later(
            lambda: tuple(_container_record(c) for ns in spaces for c in ns.containers)
        ),
        later_diagnostics=Later(all_diagnostics),
        inputs=tuple(inputs),
        overlay=report,
    )
