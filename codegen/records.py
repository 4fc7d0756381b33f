"""Immutable records of a CSDL document, as the reader (`codegen.csdl`) fills them from XML.

They mirror the document: one record per element, names qualified, nothing linked. The resolved
model that links them (`codegen.model.Model`) lives apart, so the reader never imports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias, Union

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
