"""The resolved model: records of `codegen.records` linked across documents and overlays.

`codegen.resolve` builds a `Model` from indexed documents; the generator and the inspector only
ever see this module's and `codegen.records`' types, never lxml. The record types are re-exported
here so that users of the model need one import.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from codegen.lazy import Later
from codegen.records import (
    CORE,
    CORE_COMPUTED,
    CORE_DESCRIPTION,
    CORE_IMMUTABLE,
    CORE_LONG_DESCRIPTION,
    CORE_PERMISSIONS,
    EDM_NAMESPACE,
    NO_FACETS,
    Annotation,
    AnnotationsBlock,
    AnnotationValue,
    Diagnostic,
    Document,
    EntityContainer,
    EntitySet,
    EnumMember,
    EnumType,
    Facets,
    Include,
    NavigationProperty,
    NavigationPropertyBinding,
    Operation,
    OperationImport,
    Parameter,
    Property,
    Record,
    Reference,
    ReturnType,
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

__all__ = [
    "CORE",
    "CORE_COMPUTED",
    "CORE_DESCRIPTION",
    "CORE_IMMUTABLE",
    "CORE_LONG_DESCRIPTION",
    "CORE_PERMISSIONS",
    "EDM_NAMESPACE",
    "NO_FACETS",
    "Annotation",
    "AnnotationValue",
    "AnnotationsBlock",
    "Diagnostic",
    "Document",
    "EntityContainer",
    "EntitySet",
    "EnumMember",
    "EnumType",
    "Facets",
    "Include",
    "InputDocument",
    "MemberDiff",
    "Model",
    "NavigationProperty",
    "NavigationPropertyBinding",
    "Operation",
    "OperationImport",
    "OverlayReport",
    "Parameter",
    "Property",
    "Record",
    "Reference",
    "ReturnType",
    "Schema",
    "SchemaType",
    "Severity",
    "Singleton",
    "Source",
    "StructuredType",
    "Term",
    "TypeDefinition",
    "TypeRef",
]


@dataclass(frozen=True, slots=True)
class MemberDiff:
    """How an overlay changed one type's members."""

    qname: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """The JSON form used by `inspect --json`."""
        return {
            "type": self.qname,
            "added": list(self.added),
            "removed": list(self.removed),
            "changed": list(self.changed),
        }


@dataclass(frozen=True, slots=True)
class OverlayReport:
    """What merging the overlays added and replaced."""

    added: tuple[str, ...] = ()
    replaced: tuple[str, ...] = ()
    members: tuple[MemberDiff, ...] = ()


@dataclass(frozen=True, slots=True)
class InputDocument:
    """One input of a model: path as given, and its sha256."""

    path: str
    sha256: str
    role: Literal["base", "overlay"]


@dataclass(frozen=True)
class Model:
    """The resolved model: every name qualified, every reference checked, inheritance linked.

    `codegen.resolve.resolve` makes it: its mappings build a record on first lookup (and
    `annotations` only the records that declare or annotate the target asked for), while
    `schemas`, `containers` and `diagnostics` are computed on first access.
    """

    types: Mapping[str, SchemaType]
    operations: Mapping[str, tuple[Operation, ...]]
    terms: Mapping[str, Term]
    derived: Mapping[str, tuple[str, ...]]
    bound_operations: Mapping[str, tuple[Operation, ...]]
    annotations: Mapping[str, tuple[Annotation, ...]]
    later_schemas: Later[tuple[Schema, ...]] = field(repr=False)
    later_containers: Later[tuple[EntityContainer, ...]] = field(repr=False)
    later_diagnostics: Later[tuple[Diagnostic, ...]] = field(repr=False)
    inputs: tuple[InputDocument, ...] = ()
    overlay: OverlayReport = field(default_factory=OverlayReport)

    @property
    def schemas(self) -> tuple[Schema, ...]:
        """Every schema with everything it declares, overlays merged."""
        return self.later_schemas.get()

    @property
    def containers(self) -> tuple[EntityContainer, ...]:
        """The entity containers of every schema."""
        return self.later_containers.get()

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        """Every problem found reading and resolving the documents."""
        return self.later_diagnostics.get()

    def structured(self, qname: str) -> StructuredType:
        """The entity or complex type `qname`; KeyError when there is none."""
        found = self.types[qname]
        if not isinstance(found, StructuredType):
            raise KeyError(qname)
        return found

    def base_chain(self, qname: str) -> tuple[StructuredType, ...]:
        """`qname` and its base types, most derived first (stops at a cycle)."""
        chain: list[StructuredType] = []
        seen: set[str] = set()
        current: str | None = qname
        while current is not None and current not in seen:
            seen.add(current)
            found = self.types.get(current)
            if not isinstance(found, StructuredType):
                break
            chain.append(found)
            current = found.base
        return tuple(chain)

    def all_properties(self, qname: str) -> tuple[Property, ...]:
        """Declared and inherited structural properties, base type's first."""
        props: dict[str, Property] = {}
        for t in reversed(self.base_chain(qname)):
            for p in t.properties:
                props[p.name] = p
        return tuple(props.values())

    def all_navigation_properties(self, qname: str) -> tuple[NavigationProperty, ...]:
        """Declared and inherited navigation properties, base type's first."""
        props: dict[str, NavigationProperty] = {}
        for t in reversed(self.base_chain(qname)):
            for p in t.navigation_properties:
                props[p.name] = p
        return tuple(props.values())

    def key(self, qname: str) -> tuple[str, ...]:
        """The key property names, inherited from the nearest base that declares one."""
        for t in self.base_chain(qname):
            if t.key:
                return t.key
        return ()

    def all_derived(self, qname: str) -> tuple[str, ...]:
        """Every type deriving from `qname`, directly or not, sorted."""
        out: set[str] = set()
        stack = [qname]
        while stack:
            for d in self.derived.get(stack.pop(), ()):
                if d not in out:
                    out.add(d)
                    stack.append(d)
        return tuple(sorted(out))

    def is_assignable(self, actual: str, declared: str) -> bool:
        """True when `actual` is `declared` or derives from it."""
        return any(t.qname == declared for t in self.base_chain(actual))

    def annotations_of(self, target: str) -> tuple[Annotation, ...]:
        """Annotations for a target path (`ns.type`, `ns.type/prop`), inline and external."""
        return self.annotations.get(target, ())

    def iter_structured(self) -> Iterator[StructuredType]:
        """Every entity and complex type, in qualified-name order."""
        for qname in sorted(self.types):
            t = self.types[qname]
            if isinstance(t, StructuredType):
                yield t
