"""Every CSDL construct the reader handles, read from the handwritten `tests/csdl/full.xml`."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from codegen.csdl import read_document, read_text
from codegen.model import (
    CORE_COMPUTED,
    CORE_DESCRIPTION,
    CORE_IMMUTABLE,
    CORE_LONG_DESCRIPTION,
    CORE_PERMISSIONS,
    NO_FACETS,
    Document,
    EnumType,
    Facets,
    Include,
    Model,
    Record,
    Reference,
    Schema,
    StructuredType,
    TypeDefinition,
    TypeRef,
)
from codegen.sources import load_model
from tests.conftest import CSDL_FIXTURES, line_of

FULL = CSDL_FIXTURES / "full.xml"
CAPABILITIES = "Org.OData.Capabilities.V1"


@pytest.fixture(scope="module")
def doc() -> Document:
    return read_document(FULL)


@pytest.fixture(scope="module")
def model() -> Model:
    return load_model(FULL)


def schema(doc: Document, ns: str) -> Schema:
    """The schema of namespace `ns`."""
    return next(s for s in doc.schemas if s.namespace == ns)


def test_the_full_fixture_is_clean(model: Model) -> None:
    assert model.diagnostics == ()


def test_references_and_includes_keep_their_alias(doc: Document) -> None:
    assert doc.version == "4.0"
    assert doc.references[0] == Reference(
        "https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Core.V1.xml",
        (Include("Org.OData.Core.V1", "Core"),),
    )
    assert doc.references[1].includes == (Include(CAPABILITIES, "Capabilities"),)


def test_schemas_keep_namespace_alias_and_source(doc: Document) -> None:
    assert [(s.namespace, s.alias) for s in doc.schemas] == [
        ("test.app", "app"),
        ("test.other", None),
    ]
    app = schema(doc, "test.app")
    assert app.source is not None
    assert (app.source.file, app.source.line) == (str(FULL), line_of(FULL, 'Namespace="test.app"'))
    assert app.source.overlay is None


def test_alias_qualified_names_leave_the_reader_qualified(model: Model) -> None:
    document = model.structured("test.app.document")
    assert document.base == "test.app.entity"
    props = {p.name: p for p in document.properties}
    assert props["price"].type == TypeRef("test.app.money")
    # Already qualified names stay as they are.
    assert props["size"].type == TypeRef("test.app.dimensions")
    # The alias applies document-wide, also inside another schema.
    note = model.structured("test.other.note")
    assert note.properties[1].type == TypeRef("test.app.document")


def test_enum_members_with_and_without_value(model: Model) -> None:
    color = model.types["test.app.color"]
    assert isinstance(color, EnumType)
    assert color.underlying_type == "Edm.Int32"
    assert not color.is_flags
    # A member without Value takes the previous member's value plus one.
    assert [(m.name, m.value) for m in color.members] == [("red", 0), ("green", 5), ("blue", 6)]
    assert color.members[1].source is not None
    assert color.members[1].source.line == line_of(FULL, '<Member Name="green"')


def test_flags_enum_with_underlying_type_and_member_annotation(model: Model) -> None:
    access = model.types["test.app.access"]
    assert isinstance(access, EnumType)
    assert access.underlying_type == "Edm.Int64"
    assert access.is_flags
    assert [m.value for m in access.members] == [0, 1, 2]
    write = model.annotations_of("test.app.access/write")
    assert [(a.term, a.value) for a in write] == [(CORE_DESCRIPTION, "May change things.")]


def test_type_definition_with_facets(model: Model) -> None:
    money = model.types["test.app.money"]
    assert isinstance(money, TypeDefinition)
    assert money.underlying_type == "Edm.Decimal"
    assert money.facets == Facets(precision=18, scale=4)


def test_entity_type_flags_and_key(model: Model) -> None:
    entity = model.structured("test.app.entity")
    assert (entity.kind, entity.abstract, entity.open, entity.has_stream) == (
        "entity",
        True,
        False,
        False,
    )
    assert entity.key == ("id",)
    document = model.structured("test.app.document")
    assert (document.abstract, document.open, document.has_stream) == (False, True, True)
    assert document.key == ()
    assert document.source is not None
    assert document.source.line == line_of(FULL, '<EntityType Name="document"')


def test_key_property_ref_alias_names_the_key(model: Model) -> None:
    assert model.structured("test.app.log").key == ("sequence",)


def test_complex_type_base_abstract_open(model: Model) -> None:
    dims = model.structured("test.app.dimensions")
    assert (dims.kind, dims.abstract, dims.open, dims.base) == ("complex", True, True, None)
    box = model.structured("test.app.box")
    assert box.base == "test.app.dimensions"


def test_property_types_nullability_and_defaults(model: Model) -> None:
    props = {p.name: p for p in model.structured("test.app.document").properties}
    assert props["tags"].type == TypeRef("Edm.String", collection=True)
    assert str(props["tags"].type) == "Collection(Edm.String)"
    assert props["colors"].type == TypeRef("test.app.color", collection=True)
    assert props["tags"].nullable is False
    # Nullable defaults to true, and an explicit true reads the same.
    assert props["title"].nullable is True
    assert props["access"].nullable is True
    assert props["title"].default_value == "untitled"
    assert props["body"].default_value is None
    assert props["title"].source is not None
    assert props["title"].source.line == line_of(FULL, '<Property Name="title"')


def test_property_facets(model: Model) -> None:
    props = {p.name: p for p in model.structured("test.app.document").properties}
    assert props["title"].facets == Facets(max_length=200)
    assert props["body"].facets == Facets(max_length="max", unicode=False)
    assert props["amount"].facets == Facets(precision=10, scale=2)
    assert props["ratio"].facets.scale == "variable"
    assert props["mantissa"].facets.scale == "floating"
    assert props["where"].facets == Facets(srid="4326")
    assert props["tags"].facets is NO_FACETS


def test_navigation_properties(model: Model) -> None:
    navs = {n.name: n for n in model.structured("test.app.document").navigation_properties}
    owner, versions = navs["owner"], navs["versions"]
    assert owner.type == TypeRef("test.app.person")
    assert (owner.nullable, owner.partner, owner.contains_target) == (False, "documents", False)
    assert versions.type == TypeRef("test.app.version", collection=True)
    assert (versions.nullable, versions.partner, versions.contains_target) == (True, None, True)
    person = {n.name: n for n in model.structured("test.app.person").navigation_properties}
    assert person["documents"].partner == "owner"


def test_actions_with_overloads_parameters_and_return_type(model: Model) -> None:
    overloads = model.operations["test.app.publish"]
    assert len(overloads) == 2
    one, many = overloads
    assert (one.kind, one.is_bound, one.is_composable) == ("action", True, False)
    assert one.entity_set_path == "bindingParameter/versions"
    assert [p.name for p in one.parameters] == ["bindingParameter", "channel"]
    channel = one.parameters[1]
    assert (channel.type, channel.nullable, channel.facets) == (
        TypeRef("Edm.String"),
        False,
        Facets(max_length=50),
    )
    assert one.return_type is not None
    assert (one.return_type.type, one.return_type.nullable) == (TypeRef("test.app.version"), False)
    assert one.binding == TypeRef("test.app.document")
    assert many.binding == TypeRef("test.app.document", collection=True)
    assert many.return_type is None
    reset = model.operations["test.app.reset"][0]
    assert (reset.is_bound, reset.parameters, reset.binding) == (False, (), None)


def test_functions_composable_and_bound(model: Model) -> None:
    search = model.operations["test.app.search"][0]
    assert (search.kind, search.is_composable, search.is_bound) == ("function", True, False)
    assert search.return_type is not None
    assert search.return_type.type == TypeRef("test.app.document", collection=True)
    preview = model.operations["test.app.preview"][0]
    assert preview.binding == TypeRef("test.app.report")
    assert preview.return_type is not None
    assert preview.return_type.type == TypeRef("Edm.Stream")


def test_terms(model: Model) -> None:
    audience = model.terms["test.app.audience"]
    assert audience.type == TypeRef("Edm.String", collection=True)
    assert audience.applies_to == ("EntityType", "Property")
    assert audience.nullable is False
    internal = model.terms["test.app.internal"]
    assert internal.type == TypeRef("Org.OData.Core.V1.Tag")
    assert internal.base_term == CORE_DESCRIPTION
    assert internal.default_value == "true"


def test_entity_container(model: Model) -> None:
    (container,) = model.containers
    assert container.qname == "test.app.service"
    documents, people = container.entity_sets
    assert (documents.name, documents.entity_type) == ("documents", "test.app.document")
    assert [(b.path, b.target) for b in documents.bindings] == [("owner", "people")]
    assert people.bindings == ()
    (me,) = container.singletons
    assert (me.name, me.type) == ("me", "test.app.person")
    assert [(b.path, b.target) for b in me.bindings] == [("documents", "documents")]
    reset, search = container.operation_imports
    assert (reset.kind, reset.name, reset.operation, reset.entity_set) == (
        "action",
        "reset",
        "test.app.reset",
        None,
    )
    assert reset.include_in_service_document is False
    assert (search.kind, search.operation, search.entity_set) == (
        "function",
        "test.app.search",
        "documents",
    )
    assert search.include_in_service_document is True


def test_inline_annotations_core_terms(model: Model) -> None:
    id_terms = {(a.term, a.value) for a in model.annotations_of("test.app.entity/id")}
    # An annotation without a value is true (CSDL 14.3).
    assert id_terms == {(CORE_COMPUTED, True), (CORE_IMMUTABLE, True)}
    doc_anns = {a.term: a for a in model.annotations_of("test.app.document")}
    assert doc_anns[CORE_DESCRIPTION].value == "A stored document."
    long = doc_anns[CORE_LONG_DESCRIPTION]
    assert (long.value, long.qualifier) == ("Longer words.", "docs")
    assert long.source is not None
    assert long.source.line == line_of(FULL, "Core.LongDescription")


def test_external_annotations_with_records_collections_and_constants(model: Model) -> None:
    doc_anns = {a.term: a.value for a in model.annotations_of("test.app.document")}
    read = doc_anns[f"{CAPABILITIES}.ReadRestrictions"]
    assert isinstance(read, Record)
    assert read.type == f"{CAPABILITIES}.ReadRestrictionsType"
    assert read.get("Readable") is True
    assert read.get("MaxItems") == 100
    assert read.get("Weight") == 0.5
    assert read.get("Filter") is None
    assert read.get("NotThere") is None
    permissions = read.get("Permissions")
    assert isinstance(permissions, tuple) and len(permissions) == 1
    scheme = permissions[0]
    assert isinstance(scheme, Record)
    assert scheme.get("SchemeName") == "Delegated"
    assert scheme.get("Scopes") == ("Docs.Read", "Docs.ReadWrite")


def test_external_annotations_on_members_operations_and_container_children(
    model: Model,
) -> None:
    title = {a.term: a.value for a in model.annotations_of("test.app.document/title")}
    assert title[CORE_PERMISSIONS] == "Core.Permission/Read"
    # A constant written as a child element instead of an attribute.
    assert title[CORE_DESCRIPTION] == "The title."
    (publish,) = model.annotations_of("test.app.publish(test.app.document)")
    assert publish.value == "Publish one document."
    block = next(
        b for b in model.schemas[0].annotation_blocks if b.target.startswith("test.app.publish")
    )
    assert block.qualifier == "v1"
    deletes = model.annotations_of("test.app.service/documents")
    terms = {a.term: a.value for a in deletes}
    assert isinstance(terms[f"{CAPABILITIES}.DeleteRestrictions"], Record)
    assert isinstance(terms[f"{CAPABILITIES}.InsertRestrictions"], Record)
    assert model.annotations_of("test.app.nothing") == ()


def test_read_text_and_overlay_marks_every_source() -> None:
    text = FULL.read_text(encoding="utf-8")
    doc = read_text(text, "inline.xml", overlay=True)
    app = doc.schemas[0]
    structured = [t for t in app.types if isinstance(t, StructuredType)]
    assert structured
    assert all(t.source is not None and t.source.overlay == "inline.xml" for t in structured)
    assert doc.sha256 and len(doc.sha256) == 64


def test_documents_carry_their_sha256(doc: Document) -> None:
    assert doc.sha256 == hashlib.sha256(Path(FULL).read_bytes()).hexdigest()
