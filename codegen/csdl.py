"""Read a CSDL (OData v4.0/4.01 XML) document into the records of `codegen.model`.

Names are qualified while reading: a document's aliases (from `Schema/@Alias` and
`edmx:Include/@Alias`) are known before its first type is read, so every type reference leaves
this module as a namespace-qualified name. Problems become `Diagnostic`s, not exceptions, unless
the document cannot be read at all.

The reader walks about 50,000 elements of the Graph snapshot, so its inner loops avoid per-element
costs that add up: tags are compared against precomputed constants instead of `etree.QName`,
repeated names and type references are qualified once and cached, and annotations and facets are
only looked for where the element has children or attributes that could hold them.
"""

from __future__ import annotations

import functools
import gc
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lxml import etree

from codegen.records import (
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
    Singleton,
    Source,
    StructuredType,
    Term,
    TypeDefinition,
    TypeRef,
)
from codegen.xmlsafe import DEFAULT_MAX_BYTES, LoadedXml, MetadataError, load_bytes, load_file

EDMX = "{http://docs.oasis-open.org/odata/ns/edmx}"
EDM = "{http://docs.oasis-open.org/odata/ns/edm}"

_EDMX_EDMX = f"{EDMX}Edmx"
_EDMX_REFERENCE = f"{EDMX}Reference"
_EDMX_INCLUDE = f"{EDMX}Include"
_EDMX_DATA_SERVICES = f"{EDMX}DataServices"
_SCHEMA = f"{EDM}Schema"
_ENTITY_TYPE = f"{EDM}EntityType"
_COMPLEX_TYPE = f"{EDM}ComplexType"
_ENUM_TYPE = f"{EDM}EnumType"
_TYPE_DEFINITION = f"{EDM}TypeDefinition"
_ACTION = f"{EDM}Action"
_FUNCTION = f"{EDM}Function"
_TERM = f"{EDM}Term"
_ENTITY_CONTAINER = f"{EDM}EntityContainer"
_ANNOTATIONS = f"{EDM}Annotations"
_ANNOTATION = f"{EDM}Annotation"
_PROPERTY = f"{EDM}Property"
_NAVIGATION_PROPERTY = f"{EDM}NavigationProperty"
_KEY = f"{EDM}Key"
_PROPERTY_REF = f"{EDM}PropertyRef"
_MEMBER = f"{EDM}Member"
_PARAMETER = f"{EDM}Parameter"
_RETURN_TYPE = f"{EDM}ReturnType"
_ENTITY_SET = f"{EDM}EntitySet"
_SINGLETON = f"{EDM}Singleton"
_ACTION_IMPORT = f"{EDM}ActionImport"
_FUNCTION_IMPORT = f"{EDM}FunctionImport"
_NAVIGATION_PROPERTY_BINDING = f"{EDM}NavigationPropertyBinding"
_PROPERTY_VALUE = f"{EDM}PropertyValue"

# CSDL's SimpleIdentifier for ASCII names (the common case); other names take the exact
# Unicode-category rule of `_is_simple_identifier`. `fullmatch` rather than `$`, which would
# accept a trailing newline.
_ASCII_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
# Unicode categories of CSDL 4.01 §17.2: a letter or letter number starts a SimpleIdentifier,
# and these may follow it.
_START_CATEGORIES = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Nl"})
_CONTINUE_CATEGORIES = _START_CATEGORIES | {"Nd", "Mn", "Mc", "Pc", "Cf"}
_COLLECTION = re.compile(r"^Collection\((.+)\)$")
_BOOLEANS = {"true": True, "false": False}
_NAME_TYPE = ["Name", "Type"]
_NAME_TYPE_NULLABLE = ["Name", "Type", "Nullable"]
_FACET_ATTRIBUTES = frozenset({"MaxLength", "Precision", "Scale", "SRID", "Unicode"})
_INTEGER_TYPES = frozenset({"Edm.Byte", "Edm.SByte", "Edm.Int16", "Edm.Int32", "Edm.Int64"})

# Constant expressions that may stand as attributes of an annotation or a property value, in
# the order that decides which one wins when a (broken) element carries several.
_CONSTANT_ATTRIBUTES = (
    "String",
    "Bool",
    "Int",
    "Float",
    "Decimal",
    "EnumMember",
    "Path",
    "PropertyPath",
    "NavigationPropertyPath",
    "AnnotationPath",
    "Date",
    "DateTimeOffset",
    "Duration",
    "Guid",
    "TimeOfDay",
    "Binary",
    "UrlRef",
)
_CONSTANT_RANK = {name: i for i, name in enumerate(_CONSTANT_ATTRIBUTES)}


@functools.lru_cache(maxsize=65536)
def is_simple_identifier(name: str) -> bool:
    """True when `name` is a CSDL SimpleIdentifier: a letter or `_`, then up to 127 of letters,
    letter numbers, digits, marks, connector punctuation or format characters."""
    if name.isascii():
        return _ASCII_IDENTIFIER.fullmatch(name) is not None
    if not 0 < len(name) <= 128 or not (
        name[0] == "_" or unicodedata.category(name[0]) in _START_CATEGORIES
    ):
        return False
    return all(unicodedata.category(ch) in _CONTINUE_CATEGORIES for ch in name[1:])


@functools.lru_cache(maxsize=65536)
def is_qualified_name(name: str) -> bool:
    """True for a Namespace or QualifiedName: SimpleIdentifiers joined by dots."""
    return all(is_simple_identifier(part) for part in name.split("."))


@functools.lru_cache(maxsize=65536)
def is_type_name(text: str) -> bool:
    """True for a `Type` attribute: a QualifiedName, or one inside `Collection(…)`."""
    m = _COLLECTION.match(text)
    inner = m.group(1) if m else text
    return "." in inner and is_qualified_name(inner.strip())


def _local(tag: object) -> str:
    """The local part of a Clark-notation tag: `{ns}Property` → `Property`."""
    return str(tag).rpartition("}")[2]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic records.

    Reading allocates hundreds of thousands of small immutable objects and no reference cycles;
    every automatic collection in between would scan them all again for nothing.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Aliases:
    """The alias → namespace table of one document."""

    def __init__(self, table: dict[str, str]) -> None:
        self._table = table
        self._qualified: dict[str, str] = {}
        self._refs: dict[str, TypeRef] = {}

    def qualify(self, name: str) -> str:
        """Replace a leading alias by its namespace: `graph.call` → `microsoft.graph.call`."""
        found = self._qualified.get(name)
        if found is None:
            ns, dot, local = name.rpartition(".")
            found = f"{self._table[ns]}.{local}" if dot and ns in self._table else name
            self._qualified[name] = found
        return found

    def cached_ref(self, text: str | None) -> TypeRef | None:
        """The `TypeRef` of `text` when it was parsed before, else None."""
        return self._refs.get(text) if text is not None else None

    def type_ref(self, text: str) -> TypeRef:
        """Parse a `Type` attribute: `ns.T` or `Collection(ns.T)`, aliases resolved."""
        # TypeRef is immutable, so the few hundred distinct references are built once each.
        found = self._refs.get(text)
        if found is None:
            m = _COLLECTION.match(text)
            if m:
                found = TypeRef(self.qualify(m.group(1).strip()), collection=True)
            else:
                found = TypeRef(self.qualify(text.strip()))
            # Only a valid reference may take the reader's fast path, which skips the check.
            if is_type_name(text):
                self._refs[text] = found
        return found


def alias_table(root: etree._Element) -> Aliases:
    """Collect the aliases that a document declares for its own and its included namespaces."""
    table: dict[str, str] = {}
    # Schemas and includes sit at fixed depths; a full-tree `iter` would visit every element.
    found: list[etree._Element] = []
    for ref in root.iterchildren(_EDMX_REFERENCE):
        found.extend(ref.iterchildren(_EDMX_INCLUDE))
    for ds in root.iterchildren(_EDMX_DATA_SERVICES):
        found.extend(ds.iterchildren(_SCHEMA))
    for el in found:
        alias = el.get("Alias")
        ns = el.get("Namespace")
        if alias and ns:
            table[alias] = ns
    return Aliases(table)


# The tags of a schema's children, by the part of `Schema` their records go to.
TYPE_TAGS = frozenset({_ENTITY_TYPE, _COMPLEX_TYPE, _ENUM_TYPE, _TYPE_DEFINITION})
OPERATION_TAGS = frozenset({_ACTION, _FUNCTION})
TERM_TAG = _TERM
CONTAINER_TAG = _ENTITY_CONTAINER
ANNOTATIONS_TAG = _ANNOTATIONS

# What a schema's child element becomes.
TopLevel = SchemaType | Operation | Term | EntityContainer | AnnotationsBlock


# Not frozen only because a frozen dataclass's `__init__` costs twice as much, and the index
# makes one per schema child (12,000 in the Graph snapshot); nothing assigns to an entry.
# Compared and hashed by identity: an entry is a key of its document's record cache.
@dataclass(slots=True, eq=False)
class Entry:
    """One child element of a `<Schema>`, as the index lists it: enough to name it."""

    tag: str
    element: etree._Element
    namespace: str
    name: str

    @property
    def qname(self) -> str:
        """The qualified name its record will have."""
        return f"{self.namespace}.{self.name}"


@dataclass(frozen=True, slots=True)
class Built:
    """An entry's record (None for an element that is ignored) and the diagnostics it caused."""

    record: TopLevel | None
    diagnostics: tuple[Diagnostic, ...]


@dataclass(frozen=True, slots=True)
class SchemaIndex:
    """A `<Schema>` element and its children, in document order."""

    namespace: str
    element: etree._Element
    entries: tuple[Entry, ...]


class Reader:
    """Reads one document's elements into records; collects diagnostics as it goes."""

    def __init__(self, loaded: LoadedXml, *, overlay: bool) -> None:
        self.file = loaded.file
        self.root = loaded.root
        # Every record of an overlay document says where it came from.
        self.overlay = loaded.file if overlay else None
        self.aliases = alias_table(loaded.root)
        self.diagnostics: list[Diagnostic] = []
        # Graph reuses a few thousand member names across 50,000 elements; check each once.
        self._valid_names: set[str] = set()
        self._builders: dict[str, Callable[[etree._Element, str], TopLevel]] = {
            _ENTITY_TYPE: lambda c, ns: self.structured(c, ns, "entity"),
            _COMPLEX_TYPE: lambda c, ns: self.structured(c, ns, "complex"),
            _ENUM_TYPE: self.enum,
            _TYPE_DEFINITION: self.type_definition,
            _ACTION: lambda c, ns: self.operation(c, ns, "action"),
            _FUNCTION: lambda c, ns: self.operation(c, ns, "function"),
            _TERM: self.term,
            _ENTITY_CONTAINER: self.container,
            _ANNOTATIONS: lambda c, ns: self.annotations_block(c),
        }

    # -- helpers -------------------------------------------------------------------------------

    def src(self, el: etree._Element) -> Source:
        """The `Source` of an element: this file, its line, and the overlay it belongs to."""
        return Source(self.file, el.sourceline or 0, self.overlay)

    def diag(
        self,
        severity: Literal["error", "warning", "info"],
        code: str,
        message: str,
        el: etree._Element | None,
        element: str | None,
    ) -> None:
        """Record a diagnostic at an element."""
        line = el.sourceline if el is not None else None
        self.diagnostics.append(Diagnostic(severity, code, message, self.file, line, element))

    def name(self, el: etree._Element, owner: str, sep: str = "/") -> str:
        """The element's `Name`; `owner` and `sep` say how diagnostics name the element."""
        name = el.get("Name")
        if name is None:
            self.diag("error", "missing-attribute", f"{_local(el.tag)} has no Name", el, owner)
            return ""
        if name not in self._valid_names:
            if is_simple_identifier(name):
                self._valid_names.add(name)
            else:
                where = f"{owner}{sep}{name}" if owner else name
                self.invalid_identifier(el, "Name", name, where)
        return name

    def invalid_identifier(self, el: etree._Element, attr: str, value: str, where: str) -> None:
        """An `invalid-identifier` error: the value could not be used safely in any name."""
        self.diag(
            "error",
            "invalid-identifier",
            f"{_local(el.tag)} {attr} {value!r} is not a valid OData identifier",
            el,
            where,
        )

    def qualified(self, el: etree._Element, attr: str, element: str | None) -> str | None:
        """A qualified-name attribute (`BaseType`, `EntityType`, `UnderlyingType`…), checked
        against the grammar and with its alias resolved; None when absent."""
        raw = el.get(attr)
        if raw is None:
            return None
        if not is_qualified_name(raw):
            self.invalid_identifier(el, attr, raw, element or raw)
        return self.aliases.qualify(raw)

    def boolean(self, el: etree._Element, attr: str, default: bool, element: str) -> bool:
        """A `true`/`false` attribute, or `default`; anything else is a `bad-boolean` error."""
        raw = el.get(attr)
        if raw is None:
            return default
        value = _BOOLEANS.get(raw)
        if value is not None:
            return value
        self.diag(
            "error",
            "bad-boolean",
            f"{attr}={raw!r} is not 'true' or 'false'; using {str(default).lower()}",
            el,
            element,
        )
        return default

    def type_ref(self, el: etree._Element, element: str) -> TypeRef:
        """The element's `Type` as a qualified `TypeRef`; a missing one is an error."""
        raw = el.get("Type")
        if raw is None:
            self.diag("error", "missing-attribute", "no Type attribute", el, element)
            return TypeRef("Edm.Untyped")
        if not is_type_name(raw):
            self.invalid_identifier(el, "Type", raw, element)
        return self.aliases.type_ref(raw)

    def facets(self, el: etree._Element, element: str) -> Facets:
        """MaxLength, Precision, Scale, SRID and Unicode of an element, checked."""
        if _FACET_ATTRIBUTES.isdisjoint(el.keys()):
            return NO_FACETS
        attrib = el.attrib
        max_length: int | Literal["max"] | None = None
        raw = attrib.get("MaxLength")
        if raw is not None:
            max_length = "max" if raw == "max" else self.integer(el, "MaxLength", raw, element)
        precision = None
        raw = attrib.get("Precision")
        if raw is not None:
            precision = self.integer(el, "Precision", raw, element)
        scale: int | Literal["variable", "floating"] | None = None
        raw = attrib.get("Scale")
        if raw is not None:
            if raw == "variable":
                scale = "variable"
            elif raw == "floating":
                scale = "floating"
            elif raw.lower() in ("variable", "floating"):
                # Graph writes `Variable`; the spec's value is lowercase. Accept it, say so.
                scale = "variable" if raw.lower() == "variable" else "floating"
                self.diag(
                    "warning",
                    "nonstandard-value",
                    f"Scale={raw!r} should be {scale!r}",
                    el,
                    element,
                )
            else:
                scale = self.integer(el, "Scale", raw, element)
        unicode = None
        if "Unicode" in attrib:
            unicode = self.boolean(el, "Unicode", True, element)
        return Facets(max_length, precision, scale, attrib.get("SRID"), unicode)

    def integer(self, el: etree._Element, attr: str, raw: str, element: str) -> int | None:
        """An integer attribute value, or None with a `bad-value` error."""
        try:
            return int(raw)
        except ValueError:
            self.diag("error", "bad-value", f"{attr}={raw!r} is not an integer", el, element)
            return None

    # -- annotations ---------------------------------------------------------------------------

    def annotations(self, el: etree._Element) -> tuple[Annotation, ...]:
        # Most elements have no children at all; asking lxml for none is the cheap path.
        """The inline `<Annotation>` children of an element."""
        if not len(el):
            return ()
        annotation = self.annotation
        return tuple([annotation(c) for c in el if c.tag == _ANNOTATION])

    def annotation(self, el: etree._Element) -> Annotation:
        """One `<Annotation>`, its term qualified."""
        items = el.items()
        # Nine in ten Graph annotations are exactly `Term` plus one constant attribute.
        if len(items) == 2 and not len(el):
            (first, term), (kind, raw) = items
            if first == "Term" and kind in _CONSTANT_RANK:
                return Annotation(
                    self.aliases.qualify(term),
                    _constant(kind, raw),
                    None,
                    Source(self.file, el.sourceline or 0, self.overlay),
                )
        term = self.aliases.qualify(el.get("Term", ""))
        return Annotation(term, self.expression(el, True), el.get("Qualifier"), self.src(el))

    def expression(self, el: etree._Element, empty: AnnotationValue = None) -> AnnotationValue:
        """The value of an annotation or property value: an attribute constant or a child.

        `empty` is the value of an element without one: an annotation without a value means
        "true" for Boolean terms (CSDL 14.3), a property value without one is null.
        """
        best: str | None = None
        best_raw = ""
        for attr, raw in el.items():
            rank = _CONSTANT_RANK.get(attr)
            if rank is not None and (best is None or rank < _CONSTANT_RANK[best]):
                best, best_raw = attr, raw
        if best is not None:
            return _constant(best, best_raw)
        if len(el):
            for child in el:
                tag = child.tag
                if not isinstance(tag, str) or tag == _ANNOTATION:
                    continue
                return self.expression_element(child)
        return empty

    def expression_element(self, el: etree._Element) -> AnnotationValue:
        """The value of an expression child: record, collection, null or constant."""
        local = _local(el.tag)
        if local == "Record":
            props: list[tuple[str, AnnotationValue]] = []
            for pv in el.iterchildren(_PROPERTY_VALUE):
                props.append((pv.get("Property", ""), self.expression(pv)))
            rtype = el.get("Type")
            return Record(self.aliases.qualify(rtype) if rtype else None, tuple(props))
        if local == "Collection":
            return tuple(self.expression_element(c) for c in el if isinstance(c.tag, str))
        if local == "Null":
            return None
        return _constant(local, (el.text or "").strip())

    # -- schema elements -----------------------------------------------------------------------
    #
    # Reading a schema is three steps, so that `codegen.lazy_document` can stop after the first
    # and do the second only for the elements someone asks about: `index` lists the schema's
    # children (cheap: one tag and one attribute each), `build` turns one child into its record
    # and the diagnostics that child alone causes, and `assemble` puts a schema's records and
    # every diagnostic together in document order. The eager reader runs all three at once.

    def version(self) -> str:
        """The document's OData version; raises `MetadataError` when the root is not edmx:Edmx."""
        if self.root.tag != _EDMX_EDMX:
            raise MetadataError(
                self.file,
                f"root element is {etree.QName(self.root).localname!r}, not edmx:Edmx",
                self.root.sourceline,
            )
        return self.root.get("Version", "")

    def references(self) -> tuple[Reference, ...]:
        """The document's `edmx:Reference`s with their includes."""
        return tuple(
            Reference(
                ref.get("Uri", ""),
                tuple(
                    Include(inc.get("Namespace", ""), inc.get("Alias"))
                    for inc in ref.iterchildren(_EDMX_INCLUDE)
                ),
            )
            for ref in self.root.iterchildren(_EDMX_REFERENCE)
        )

    def index(self) -> tuple[SchemaIndex, ...]:
        """Every `<Schema>` with its children, nothing read beyond their tag and name."""
        schemas: list[SchemaIndex] = []
        for ds in self.root.iterchildren(_EDMX_DATA_SERVICES):
            for el in ds.iterchildren(_SCHEMA):
                ns = el.get("Namespace", "")
                entries = [
                    Entry(tag, child, ns, child.get("Name") or "")
                    for child in el
                    if isinstance(tag := child.tag, str) and tag != _ANNOTATION
                ]
                schemas.append(SchemaIndex(ns, el, tuple(entries)))
        return tuple(schemas)

    def build(self, entry: Entry) -> Built:
        """One schema child's record, with the diagnostics reading it produced."""
        saved, self.diagnostics = self.diagnostics, []
        try:
            reader = self._builders.get(entry.tag)
            if reader is None:
                self.diag(
                    "info",
                    "unknown-element",
                    f"ignored element {_local(entry.tag)!r} in Schema {entry.namespace}",
                    entry.element,
                    entry.namespace,
                )
                return Built(None, tuple(self.diagnostics))
            return Built(reader(entry.element, entry.namespace), tuple(self.diagnostics))
        finally:
            self.diagnostics = saved

    # What resolving needs to know of an entry before (or without) building it. Each answer is
    # what the built record will say, read from the one or two attributes it comes from.

    def base_type(self, entry: Entry) -> str | None:
        """`StructuredType.base` of an entity or complex type's entry, qualified."""
        if entry.tag != _ENTITY_TYPE and entry.tag != _COMPLEX_TYPE:
            return None
        base = entry.element.get("BaseType")
        return self.aliases.qualify(base) if base else None

    def binding(self, entry: Entry) -> str | None:
        """`str(Operation.binding)` of an action or function's entry: its first parameter's
        type when `IsBound` is true (anything but `true` reads as false), else None."""
        if entry.element.get("IsBound") != "true":
            return None
        first = entry.element.find(_PARAMETER)
        if first is None:
            return None
        raw = first.get("Type")
        return "Edm.Untyped" if raw is None else str(self.aliases.type_ref(raw))

    def annotations_target(self, entry: Entry) -> str | None:
        """`AnnotationsBlock.target` of an `<Annotations>` entry, qualified; None for others."""
        if entry.tag != _ANNOTATIONS:
            return None
        return _qualify_target(entry.element.get("Target", ""), self.aliases)

    def document(
        self, sha256: str, schemas: Iterable[SchemaIndex], build: Callable[[Entry], Built]
    ) -> Document:
        """The whole document from its index; `build` gives each entry's record."""
        self.diagnostics = []
        version = self.version()
        if version not in ("4.0", "4.01"):
            self.diag(
                "warning", "unknown-version", f"edmx:Edmx Version={version!r}", self.root, None
            )
        self.check_includes()
        records = tuple(self.assemble(s, build) for s in schemas)
        if not records:
            self.diag("warning", "no-schema", "document declares no Schema", self.root, None)
        first: dict[str, Schema] = {}
        for schema in records:
            if not schema.namespace:
                continue
            seen = first.setdefault(schema.namespace, schema)
            if seen is not schema:
                # Merging the two would make one depend on the other's order; refuse instead.
                self.diagnostics.append(
                    Diagnostic(
                        "error",
                        "duplicate-namespace",
                        f"Schema {schema.namespace} is declared more than once in one document"
                        f" (first at {seen.source}); its types would replace each other",
                        self.file,
                        schema.source.line if schema.source else None,
                        schema.namespace,
                    )
                )
        return Document(
            file=self.file,
            sha256=sha256,
            version=version,
            references=self.references(),
            schemas=records,
            diagnostics=tuple(self.diagnostics),
        )

    def check_includes(self) -> None:
        """`invalid-identifier` errors for `edmx:Include` namespaces and aliases."""
        for ref in self.root.iterchildren(_EDMX_REFERENCE):
            for inc in ref.iterchildren(_EDMX_INCLUDE):
                ns = inc.get("Namespace", "")
                if not is_qualified_name(ns):
                    self.invalid_identifier(inc, "Namespace", ns, ns)
                alias = inc.get("Alias")
                if alias is not None and not is_simple_identifier(alias):
                    self.invalid_identifier(inc, "Alias", alias, ns)

    def assemble(self, index: SchemaIndex, build: Callable[[Entry], Built]) -> Schema:
        """Records and diagnostics of a schema's entries, in document order."""
        el, ns = index.element, index.namespace
        if not ns:
            self.diag("error", "missing-attribute", "Schema has no Namespace", el, None)
        elif not is_qualified_name(ns):
            self.invalid_identifier(el, "Namespace", ns, ns)
        alias = el.get("Alias")
        if alias is not None and not is_simple_identifier(alias):
            self.invalid_identifier(el, "Alias", alias, ns or alias)
        types: list[SchemaType] = []
        operations: list[Operation] = []
        terms: list[Term] = []
        containers: list[EntityContainer] = []
        blocks: list[AnnotationsBlock] = []
        for entry in index.entries:
            built = build(entry)
            self.diagnostics.extend(built.diagnostics)
            record = built.record
            if isinstance(record, StructuredType | EnumType | TypeDefinition):
                types.append(record)
            elif isinstance(record, Operation):
                operations.append(record)
            elif isinstance(record, Term):
                terms.append(record)
            elif isinstance(record, EntityContainer):
                containers.append(record)
            elif isinstance(record, AnnotationsBlock):
                blocks.append(record)
        self.check_duplicates(types, operations, terms, containers, ns)
        return Schema(
            namespace=ns,
            alias=el.get("Alias"),
            types=tuple(types),
            operations=tuple(operations),
            terms=tuple(terms),
            containers=tuple(containers),
            annotation_blocks=tuple(blocks),
            source=self.src(el),
        )

    def check_duplicates(
        self,
        types: list[SchemaType],
        operations: list[Operation],
        terms: list[Term],
        containers: list[EntityContainer],
        ns: str,
    ) -> None:
        # Operations may be overloaded, so they clash only with the other kinds of element.
        """`duplicate-name` and `name-shared-with-operation` diagnostics of a schema."""
        seen: dict[str, Source | None] = {}
        op_names = {op.name for op in operations}
        named: Iterable[SchemaType | Term | EntityContainer] = [*types, *terms, *containers]
        for item in named:
            line = item.source.line if item.source else None
            if item.name in seen:
                self.diagnostics.append(
                    Diagnostic(
                        "error",
                        "duplicate-name",
                        f"{ns}.{item.name} is declared more than once (first at {seen[item.name]})",
                        self.file,
                        line,
                        f"{ns}.{item.name}",
                    )
                )
                continue
            seen[item.name] = item.source
            if item.name in op_names:
                # CSDL forbids it, but Graph does it (type `post`, action `post`) and the two
                # live in different Python places, so it is reported, not fatal.
                self.diagnostics.append(
                    Diagnostic(
                        "warning",
                        "name-shared-with-operation",
                        f"{ns}.{item.name} names both a type and an operation",
                        self.file,
                        line,
                        f"{ns}.{item.name}",
                    )
                )

    def structured(
        self, el: etree._Element, ns: str, kind: Literal["entity", "complex"]
    ) -> StructuredType:
        """An `EntityType` or `ComplexType` record."""
        name = self.name(el, ns, ".")
        qname = f"{ns}.{name}"
        base = self.qualified(el, "BaseType", qname)
        properties: list[Property] = []
        navigation: list[NavigationProperty] = []
        annotations: list[Annotation] = []
        key: tuple[str, ...] = ()
        member_names: set[str] = set()
        for child in el:
            tag = child.tag
            if tag == _PROPERTY:
                prop = self.property(child, qname)
                properties.append(prop)
                if prop.name in member_names:
                    self.unique_member(member_names, prop.name, child, qname)
                member_names.add(prop.name)
            elif tag == _NAVIGATION_PROPERTY:
                nav = self.navigation_property(child, qname)
                navigation.append(nav)
                self.unique_member(member_names, nav.name, child, qname)
            elif tag == _ANNOTATION:
                annotations.append(self.annotation(child))
            elif tag == _KEY:
                key = tuple(
                    ref.get("Alias") or ref.get("Name") or ""
                    for ref in child.iterchildren(_PROPERTY_REF)
                )
                if kind == "complex":
                    self.diag(
                        "error", "key-on-complex", "a ComplexType cannot have a Key", child, qname
                    )
        return StructuredType(
            kind=kind,
            namespace=ns,
            name=name,
            base=base or None,
            abstract=self.boolean(el, "Abstract", False, qname),
            open=self.boolean(el, "OpenType", False, qname),
            has_stream=self.boolean(el, "HasStream", False, qname),
            key=key,
            properties=tuple(properties),
            navigation_properties=tuple(navigation),
            annotations=tuple(annotations),
            source=self.src(el),
        )

    def unique_member(self, seen: set[str], name: str, el: etree._Element, owner: str) -> None:
        """A `duplicate-member` error when `name` was already declared by `owner`."""
        if name in seen:
            self.diag(
                "error",
                "duplicate-member",
                f"{owner} declares member {name!r} more than once",
                el,
                f"{owner}/{name}",
            )
        seen.add(name)

    def property(self, el: etree._Element, owner: str) -> Property:
        """A structural `Property` record."""
        keys = el.keys()
        # Nineteen in twenty Graph properties are `Name`, `Type` and maybe `Nullable`, with no
        # children: no facets, default or annotations to look for. Anything unusual, or a name
        # or type not seen before, takes the general path below, which also reports problems.
        if not len(el):
            nullable = (
                True
                if keys == _NAME_TYPE
                else _BOOLEANS.get(el.get("Nullable", ""))
                if keys == _NAME_TYPE_NULLABLE
                else None
            )
            if nullable is not None:
                get = el.get
                name = get("Name")
                ref = self.aliases.cached_ref(get("Type"))
                if name in self._valid_names and ref is not None:
                    return Property(
                        name,
                        ref,
                        nullable,
                        NO_FACETS,
                        None,
                        (),
                        Source(self.file, el.sourceline or 0, self.overlay),
                    )
        name = self.name(el, owner)
        element = f"{owner}/{name}"
        return Property(
            name,
            self.type_ref(el, element),
            self.boolean(el, "Nullable", True, element),
            self.facets(el, element),
            el.get("DefaultValue"),
            self.annotations(el),
            self.src(el),
        )

    def navigation_property(self, el: etree._Element, owner: str) -> NavigationProperty:
        """A `NavigationProperty` record."""
        name = self.name(el, owner, "/")
        element = f"{owner}/{name}"
        return NavigationProperty(
            name,
            self.type_ref(el, element),
            self.boolean(el, "Nullable", True, element),
            el.get("Partner"),
            self.boolean(el, "ContainsTarget", False, element),
            self.annotations(el),
            self.src(el),
        )

    def enum(self, el: etree._Element, ns: str) -> EnumType:
        """An `EnumType` record; members without `Value` count on from the previous one."""
        name = self.name(el, ns, ".")
        qname = f"{ns}.{name}"
        is_flags = self.boolean(el, "IsFlags", False, qname)
        underlying = self.aliases.qualify(el.get("UnderlyingType", "Edm.Int32"))
        if underlying not in _INTEGER_TYPES:
            self.diag(
                "error",
                "bad-underlying-type",
                f"UnderlyingType {underlying!r} is not an integer type",
                el,
                qname,
            )
        members: list[EnumMember] = []
        annotations: list[Annotation] = []
        seen: set[str] = set()
        next_value = 0
        for child in el:
            tag = child.tag
            if tag == _ANNOTATION:
                annotations.append(self.annotation(child))
                continue
            if tag != _MEMBER:
                continue
            mname = self.name(child, qname)
            if mname in seen:
                self.unique_member(seen, mname, child, qname)
            seen.add(mname)
            raw = child.get("Value")
            if raw is not None and raw.isascii() and raw.isdigit():
                # The common case needs neither the error path nor the element's path.
                value = int(raw)
                next_value = value + 1
                members.append(
                    EnumMember(
                        mname,
                        value,
                        self.annotations(child),
                        Source(self.file, child.sourceline or 0, self.overlay),
                    )
                )
                continue
            element = f"{qname}/{mname}"
            if raw is None:
                if is_flags:
                    self.diag(
                        "error",
                        "bad-value",
                        f"member {mname!r} of flags enum has no Value",
                        child,
                        element,
                    )
                value = next_value
            else:
                parsed = self.integer(child, "Value", raw, element)
                value = next_value if parsed is None else parsed
            next_value = value + 1
            members.append(EnumMember(mname, value, self.annotations(child), self.src(child)))
        return EnumType(
            namespace=ns,
            name=name,
            members=tuple(members),
            underlying_type=underlying,
            is_flags=is_flags,
            annotations=tuple(annotations),
            source=self.src(el),
        )

    def type_definition(self, el: etree._Element, ns: str) -> TypeDefinition:
        """A `TypeDefinition` record."""
        name = self.name(el, ns, ".")
        qname = f"{ns}.{name}"
        underlying = self.qualified(el, "UnderlyingType", qname)
        if underlying is None:
            self.diag(
                "error", "missing-attribute", "TypeDefinition has no UnderlyingType", el, qname
            )
        return TypeDefinition(
            namespace=ns,
            name=name,
            underlying_type=underlying or "Edm.String",
            facets=self.facets(el, qname),
            annotations=self.annotations(el),
            source=self.src(el),
        )

    def operation(
        self, el: etree._Element, ns: str, kind: Literal["action", "function"]
    ) -> Operation:
        """An `Action` or `Function` record (one overload)."""
        name = self.name(el, ns, ".")
        qname = f"{ns}.{name}"
        params: list[Parameter] = []
        annotations: list[Annotation] = []
        return_type: ReturnType | None = None
        for child in el:
            tag = child.tag
            if tag == _PARAMETER:
                pname = self.name(child, qname)
                element = f"{qname}/{pname}"
                params.append(
                    Parameter(
                        pname,
                        self.type_ref(child, element),
                        self.boolean(child, "Nullable", True, element),
                        self.facets(child, element),
                        self.annotations(child),
                        self.src(child),
                    )
                )
            elif tag == _RETURN_TYPE:
                element = f"{qname}/$ReturnType"
                return_type = ReturnType(
                    self.type_ref(child, element),
                    self.boolean(child, "Nullable", True, element),
                    self.facets(child, element),
                )
            elif tag == _ANNOTATION:
                annotations.append(self.annotation(child))
        is_bound = self.boolean(el, "IsBound", False, qname)
        if is_bound and not params:
            self.diag(
                "error",
                "bound-without-parameter",
                f"bound {kind} {qname} has no binding parameter",
                el,
                qname,
            )
        if kind == "function" and return_type is None:
            self.diag(
                "error", "function-without-return", f"function {qname} has no ReturnType", el, qname
            )
        return Operation(
            kind=kind,
            namespace=ns,
            name=name,
            is_bound=is_bound,
            is_composable=self.boolean(el, "IsComposable", False, qname),
            entity_set_path=el.get("EntitySetPath"),
            parameters=tuple(params),
            return_type=return_type,
            annotations=tuple(annotations),
            source=self.src(el),
        )

    def term(self, el: etree._Element, ns: str) -> Term:
        """A `Term` record."""
        name = self.name(el, ns, ".")
        qname = f"{ns}.{name}"
        base = el.get("BaseTerm")
        return Term(
            namespace=ns,
            name=name,
            type=self.type_ref(el, qname),
            base_term=self.aliases.qualify(base) if base else None,
            applies_to=tuple((el.get("AppliesTo") or "").split()),
            default_value=el.get("DefaultValue"),
            nullable=self.boolean(el, "Nullable", True, qname),
            annotations=self.annotations(el),
            source=self.src(el),
        )

    def bindings(self, el: etree._Element) -> tuple[NavigationPropertyBinding, ...]:
        """The `NavigationPropertyBinding`s of an entity set or singleton."""
        return tuple(
            NavigationPropertyBinding(b.get("Path", ""), b.get("Target", ""))
            for b in el.iterchildren(_NAVIGATION_PROPERTY_BINDING)
        )

    def container(self, el: etree._Element, ns: str) -> EntityContainer:
        """An `EntityContainer` record with its sets, singletons and imports."""
        name = self.name(el, ns, ".")
        qname = f"{ns}.{name}"
        sets: list[EntitySet] = []
        singletons: list[Singleton] = []
        imports: list[OperationImport] = []
        for child in el:
            tag = child.tag
            if tag == _ENTITY_SET:
                sets.append(
                    EntitySet(
                        name=self.name(child, qname),
                        entity_type=self.qualified(child, "EntityType", qname) or "",
                        bindings=self.bindings(child),
                        annotations=self.annotations(child),
                        source=self.src(child),
                    )
                )
            elif tag == _SINGLETON:
                singletons.append(
                    Singleton(
                        name=self.name(child, qname),
                        type=self.qualified(child, "Type", qname) or "",
                        bindings=self.bindings(child),
                        annotations=self.annotations(child),
                        source=self.src(child),
                    )
                )
            elif tag == _ACTION_IMPORT or tag == _FUNCTION_IMPORT:
                is_action = tag == _ACTION_IMPORT
                iname = self.name(child, qname)
                op = self.qualified(child, "Action" if is_action else "Function", qname) or ""
                imports.append(
                    OperationImport(
                        kind="action" if is_action else "function",
                        name=iname,
                        operation=op,
                        entity_set=child.get("EntitySet"),
                        include_in_service_document=self.boolean(
                            child, "IncludeInServiceDocument", False, f"{qname}/{iname}"
                        ),
                        source=self.src(child),
                    )
                )
        return EntityContainer(
            namespace=ns,
            name=name,
            entity_sets=tuple(sets),
            singletons=tuple(singletons),
            operation_imports=tuple(imports),
            annotations=self.annotations(el),
            source=self.src(el),
        )

    def annotations_block(self, el: etree._Element) -> AnnotationsBlock:
        """An external `<Annotations Target=…>` block, target qualified."""
        target = el.get("Target", "")
        return AnnotationsBlock(
            target=_qualify_target(target, self.aliases),
            annotations=self.annotations(el),
            qualifier=el.get("Qualifier"),
            source=self.src(el),
        )


def _qualify_target(target: str, aliases: Aliases) -> str:
    """Qualify a target path's leading name: `graph.call/state` → `microsoft.graph.call/state`."""
    head, slash, rest = target.partition("/")
    # A bound-operation target carries a parameter list: `ns.op(ns.type)`.
    name, paren, params = head.partition("(")
    qualified = aliases.qualify(name)
    if paren:
        # Only the list's own parenthesis closes it: `Collection(graph.x))` keeps one.
        params = params.removesuffix(")")
        inner = ",".join(str(aliases.type_ref(p.strip())) for p in params.split(",") if p.strip())
        qualified = f"{qualified}({inner})"
    return f"{qualified}{slash}{rest}"


def _constant(kind: str, raw: str) -> AnnotationValue:
    """Turn a constant expression into a Python value; paths and other literals stay strings."""
    if kind == "Bool":
        return raw == "true"
    if kind == "Int":
        try:
            return int(raw)
        except ValueError:
            return raw
    if kind == "Float":
        try:
            return float(raw)
        except ValueError:
            return raw
    return raw


def read_loaded(loaded: LoadedXml, *, overlay: bool = False) -> Document:
    """Read an already-parsed document; `overlay` marks every element as coming from it."""
    reader = Reader(loaded, overlay=overlay)
    with gc_paused():
        return reader.document(loaded.sha256, reader.index(), reader.build)


def read_document(
    path: str | Path, *, overlay: bool = False, max_bytes: int = DEFAULT_MAX_BYTES
) -> Document:
    """Read a CSDL file into a `Document`; unreadable XML raises `MetadataError`."""
    return read_loaded(load_file(path, max_bytes=max_bytes), overlay=overlay)


def read_text(text: str | bytes, file: str = "<string>", *, overlay: bool = False) -> Document:
    """Read CSDL from a string (tests, small inline documents)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return read_loaded(load_bytes(data, file), overlay=overlay)
