"""The intermediate model: immutable records of a CSDL document, and the resolved model.

The reader (`codegen.csdl`) fills these records from XML; `codegen.resolve` links them into a
`Model`; the generator and the inspector only ever see this module's types, never lxml.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeAlias, Union

from codegen.lazy import Later

EDM_NAMESPACE = "Edm"
CORE = "Org.OData.Core.V1"
CORE_DESCRIPTION = f"{CORE}.Description"
CORE_LONG_DESCRIPTION = f"{CORE}.LongDescription"
CORE_COMPUTED = f"{CORE}.Computed"
CORE_IMMUTABLE = f"{CORE}.Immutable"
CORE_PERMISSIONS = f"{CORE}.Permissions"


@dataclass(frozen=True, slots=True)
class Source:
    """Where an element was read: file, 1-based line, and the overlay that put it there."""

    file: str
    line: int
    overlay: str | None = None

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Record:
    """A CSDL `<Record>`: an optional type and named property values."""

    type: str | None
    properties: tuple[tuple[str, AnnotationValue], ...]

    def get(self, name: str) -> AnnotationValue:
        """The value of property `name`, or None."""
        for key, value in self.properties:
            if key == name:
                return value
        return None


# An annotation value: a constant (str/bool/int/float), a path string, a record
# (term-less mapping of property values), or a collection.
AnnotationValue: TypeAlias = Union[
    str, bool, int, float, tuple["AnnotationValue", ...], "Record", None
]


@dataclass(frozen=True, slots=True)
class Annotation:
    """One `<Annotation Term=… Qualifier=…>`, term qualified (aliases resolved)."""

    term: str
    value: AnnotationValue
    qualifier: str | None = None
    source: Source | None = None


@dataclass(frozen=True, slots=True)
class TypeRef:
    """A reference to a type by qualified name, possibly `Collection(...)`."""

    qname: str
    collection: bool = False

    @property
    def is_edm(self) -> bool:
        """True for a primitive or abstract `Edm.*` type."""
        return self.qname.startswith("Edm.")

    def __str__(self) -> str:
        return f"Collection({self.qname})" if self.collection else self.qname


@dataclass(frozen=True, slots=True)
class Facets:
    """Type facets of a property, parameter, return type or type definition."""

    max_length: int | Literal["max"] | None = None
    precision: int | None = None
    scale: int | Literal["variable", "floating"] | None = None
    srid: str | None = None
    unicode: bool | None = None


NO_FACETS = Facets()


@dataclass(frozen=True, slots=True)
class Property:
    """A structural property."""

    name: str
    type: TypeRef
    nullable: bool = True
    facets: Facets = NO_FACETS
    default_value: str | None = None
    annotations: tuple[Annotation, ...] = ()
    source: Source | None = None


@dataclass(frozen=True, slots=True)
class NavigationProperty:
    """A navigation property."""

    name: str
    type: TypeRef
    nullable: bool = True
    partner: str | None = None
    contains_target: bool = False
    annotations: tuple[Annotation, ...] = ()
    source: Source | None = None


@dataclass(frozen=True, slots=True)
class StructuredType:
    """An `EntityType` or a `ComplexType`."""

    kind: Literal["entity", "complex"]
    namespace: str
    name: str
    base: str | None = None
    abstract: bool = False
    open: bool = False
    has_stream: bool = False
    key: tuple[str, ...] = ()
    properties: tuple[Property, ...] = ()
    navigation_properties: tuple[NavigationProperty, ...] = ()
    annotations: tuple[Annotation, ...] = ()
    source: Source | None = None

    @property
    def qname(self) -> str:
        """Namespace-qualified name."""
        return f"{self.namespace}.{self.name}"


@dataclass(frozen=True, slots=True)
class EnumMember:
    """A member of an enumeration type."""

    name: str
    value: int
    annotations: tuple[Annotation, ...] = ()
    source: Source | None = None


@dataclass(frozen=True, slots=True)
class EnumType:
    """An `EnumType`."""

    namespace: str
    name: str
    members: tuple[EnumMember, ...] = ()
    underlying_type: str = "Edm.Int32"
    is_flags: bool = False
    annotations: tuple[Annotation, ...] = ()
    source: Source | None = None

    @property
    def qname(self) -> str:
        """Namespace-qualified name."""
        return f"{self.namespace}.{self.name}"


@dataclass(frozen=True, slots=True)
class TypeDefinition:
    """A `TypeDefinition`: a named primitive type with facets."""

    namespace: str
    name: str
    underlying_type: str
    facets: Facets = NO_FACETS
    annotations: tuple[Annotation, ...] = ()
    source: Source | None = None

    @property
    def qname(self) -> str:
        """Namespace-qualified name."""
        return f"{self.namespace}.{self.name}"


SchemaType = StructuredType | EnumType | TypeDefinition


@dataclass(frozen=True, slots=True)
class Parameter:
    """A parameter of an action or function."""

    name: str
    type: TypeRef
    nullable: bool = True
    facets: Facets = NO_FACETS
    annotations: tuple[Annotation, ...] = ()
    source: Source | None = None


@dataclass(frozen=True, slots=True)
class ReturnType:
    """The return type of an action or function."""

    type: TypeRef
    nullable: bool = True
    facets: Facets = NO_FACETS


@dataclass(frozen=True, slots=True)
class Operation:
    """An `Action` or `Function` (one overload)."""

    kind: Literal["action", "function"]
    namespace: str
    name: str
    is_bound: bool = False
    is_composable: bool = False
    entity_set_path: str | None = None
    parameters: tuple[Parameter, ...] = ()
    return_type: ReturnType | None = None
    annotations: tuple[Annotation, ...] = ()
    source: Source | None = None

    @property
    def qname(self) -> str:
        """Namespace-qualified name."""
        return f"{self.namespace}.{self.name}"

    @property
    def binding(self) -> TypeRef | None:
        """The binding parameter's type, for a bound operation."""
        return self.parameters[0].type if self.is_bound and self.parameters else None


@dataclass(frozen=True, slots=True)
class Term:
    """A `Term` declaration."""

    namespace: str
    name: str
    type: TypeRef
    base_term: str | None = None
    applies_to: tuple[str, ...] = ()
    default_value: str | None = None
    nullable: bool = True
    annotations: tuple[Annotation, ...] = ()
    source: Source | None = None

    @property
    def qname(self) -> str:
        """Namespace-qualified name."""
        return f"{self.namespace}.{self.name}"


@dataclass(frozen=True, slots=True)
class NavigationPropertyBinding:
    """A `NavigationPropertyBinding` of an entity set or singleton."""

    path: str
    target: str


@dataclass(frozen=True, slots=True)
class EntitySet:
    """An entity set of the container."""

    name: str
    entity_type: str
    bindings: tuple[NavigationPropertyBinding, ...] = ()
    annotations: tuple[Annotation, ...] = ()
    source: Source | None = None


@dataclass(frozen=True, slots=True)
class Singleton:
    """A singleton of the container."""

    name: str
    type: str
    bindings: tuple[NavigationPropertyBinding, ...] = ()
    annotations: tuple[Annotation, ...] = ()
    source: Source | None = None


@dataclass(frozen=True, slots=True)
class OperationImport:
    """An `ActionImport` or `FunctionImport`."""

    kind: Literal["action", "function"]
    name: str
    operation: str
    entity_set: str | None = None
    include_in_service_document: bool = False
    source: Source | None = None


@dataclass(frozen=True, slots=True)
class EntityContainer:
    """The `EntityContainer` of a schema."""

    namespace: str
    name: str
    entity_sets: tuple[EntitySet, ...] = ()
    singletons: tuple[Singleton, ...] = ()
    operation_imports: tuple[OperationImport, ...] = ()
    annotations: tuple[Annotation, ...] = ()
    source: Source | None = None

    @property
    def qname(self) -> str:
        """Namespace-qualified name."""
        return f"{self.namespace}.{self.name}"


@dataclass(frozen=True, slots=True)
class AnnotationsBlock:
    """An `<Annotations Target=…>` block: annotations applied to another element."""

    target: str
    annotations: tuple[Annotation, ...]
    qualifier: str | None = None
    source: Source | None = None


@dataclass(frozen=True, slots=True)
class Include:
    """An `edmx:Include` of an `edmx:Reference`."""

    namespace: str
    alias: str | None = None


@dataclass(frozen=True, slots=True)
class Reference:
    """An `edmx:Reference` to another CSDL document."""

    uri: str
    includes: tuple[Include, ...] = ()


@dataclass(frozen=True, slots=True)
class Schema:
    """One `<Schema>` with everything it declares."""

    namespace: str
    alias: str | None = None
    types: tuple[SchemaType, ...] = ()
    operations: tuple[Operation, ...] = ()
    terms: tuple[Term, ...] = ()
    containers: tuple[EntityContainer, ...] = ()
    annotation_blocks: tuple[AnnotationsBlock, ...] = ()
    source: Source | None = None


Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem found in the metadata, as data."""

    severity: Severity
    code: str
    message: str
    file: str | None = None
    line: int | None = None
    element: str | None = None

    def as_dict(self) -> dict[str, object]:
        """The JSON form used by `inspect --json`."""
        return {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "element": self.element,
        }

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file else ""
        return f"{where}{self.severity}: {self.code}: {self.message}"


@dataclass(frozen=True, slots=True)
class Document:
    """A whole CSDL document as read: its references and schemas."""

    file: str
    sha256: str
    version: str
    references: tuple[Reference, ...] = ()
    schemas: tuple[Schema, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()


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

    A model may be lazy (`codegen.lazy_model`): its mappings then build a record on first
    lookup, and `schemas`, `containers` and `diagnostics` are computed on first access. Either
    way each attribute means the same and holds the same immutable records.
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
