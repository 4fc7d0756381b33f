"""Resolve documents into a `Model`: merge overlays, link types, check every reference.

Each step is a named function with its own tests; `build_model` runs them in order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Generic, TypeVar

from codegen.csdl import gc_paused
from codegen.lazy import Later
from codegen.model import (
    Annotation,
    Diagnostic,
    Document,
    EntityContainer,
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


def merge_overlays(
    base: Document, overlays: Sequence[Document]
) -> tuple[tuple[Schema, ...], OverlayReport]:
    """Merge overlay types into the base, type by type: same name replaces, a new one is added."""
    schemas: dict[str, Schema] = {s.namespace: s for s in base.schemas}
    order = [s.namespace for s in base.schemas]
    tally: MergeTally[SchemaType] = MergeTally()
    for overlay in overlays:
        for oschema in overlay.schemas:
            target = schemas.get(oschema.namespace)
            if target is None:
                target = Schema(
                    namespace=oschema.namespace, alias=oschema.alias, source=oschema.source
                )
                order.append(oschema.namespace)
            incoming = (
                replace(t, source=_source_with_overlay(t.source, overlay.file))
                for t in oschema.types
            )
            types = merge_types(target.types, incoming, _type_names, tally)
            schemas[oschema.namespace] = replace(
                target,
                types=tuple(types),
                operations=target.operations + oschema.operations,
                terms=target.terms + oschema.terms,
                annotation_blocks=target.annotation_blocks + oschema.annotation_blocks,
            )
    merged = tuple(schemas[ns] for ns in order)
    final = index_types(merged)
    report = OverlayReport(
        added=tuple(sorted(tally.added)),
        replaced=tuple(sorted(tally.replaced)),
        members=tuple(member_diff(tally.originals[q], final[q]) for q in sorted(tally.originals)),
    )
    return merged, report


def _type_names(t: SchemaType) -> tuple[str, str]:
    return t.name, t.qname


def index_types(schemas: Iterable[Schema]) -> dict[str, SchemaType]:
    """Every type by qualified name."""
    return {t.qname: t for s in schemas for t in s.types}


def derived_types(types: Mapping[str, SchemaType]) -> dict[str, tuple[str, ...]]:
    """The direct subtypes of every structured type that has any, sorted."""
    derived: dict[str, list[str]] = defaultdict(list)
    for t in types.values():
        if isinstance(t, StructuredType) and t.base:
            derived[t.base].append(t.qname)
    return {k: tuple(sorted(v)) for k, v in sorted(derived.items())}


def bound_operations(operations: Iterable[Operation]) -> dict[str, tuple[Operation, ...]]:
    """Bound operations keyed by binding type: `ns.T`, or `Collection(ns.T)` for collections."""
    bound: dict[str, list[Operation]] = defaultdict(list)
    for op in operations:
        binding = op.binding
        if binding is not None:
            bound[str(binding)].append(op)
    return {k: tuple(v) for k, v in sorted(bound.items())}


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

    `schemas` and `types` are the merged ones, as `merge_overlays` and `index_types` make them.
    """
    external = frozenset(
        inc.namespace for doc in docs for ref in doc.references for inc in ref.includes
    )
    diagnostics: list[Diagnostic] = [d for doc in docs for d in doc.diagnostics]
    diagnostics.extend(find_base_cycles(types))
    diagnostics.extend(check_references(schemas, types, external))
    diagnostics.extend(check_keys(types))
    return tuple(diagnostics)


def build_model(
    base: Document,
    overlays: Sequence[Document] = (),
    *,
    inputs: Sequence[InputDocument] = (),
) -> Model:
    """Merge, index and check: the one resolved `Model` the generator and validator use."""
    with gc_paused():
        return _build_model(base, overlays, inputs)


def _build_model(
    base: Document, overlays: Sequence[Document], inputs: Sequence[InputDocument]
) -> Model:
    schemas, report = merge_overlays(base, overlays)
    types = index_types(schemas)
    operations: dict[str, list[Operation]] = defaultdict(list)
    terms: dict[str, Term] = {}
    containers: list[EntityContainer] = []
    for s in schemas:
        for op in s.operations:
            operations[op.qname].append(op)
        for term in s.terms:
            terms[term.qname] = term
        containers.extend(s.containers)
    diagnostics = model_diagnostics((base, *overlays), schemas, types)
    all_ops = [op for ops in operations.values() for op in ops]
    return Model(
        types=types,
        operations={k: tuple(v) for k, v in operations.items()},
        terms=terms,
        derived=derived_types(types),
        bound_operations=bound_operations(all_ops),
        annotations=collect_annotations(schemas),
        later_schemas=Later.ready(schemas),
        later_containers=Later.ready(tuple(containers)),
        later_diagnostics=Later.ready(diagnostics),
        inputs=tuple(inputs),
        overlay=report,
    )
