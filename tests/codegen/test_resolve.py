"""Resolution (aliases, inheritance, derived types, bound operations, keys) and overlays."""

from __future__ import annotations

import pytest

from codegen.model import EnumType, MemberDiff, Model, TypeRef
from codegen.resolve import member_diff
from codegen.sources import load_model
from tests.conftest import CSDL_FIXTURES, line_of

FULL = CSDL_FIXTURES / "full.xml"
OVERLAY_A = CSDL_FIXTURES / "overlay_a.xml"
OVERLAY_B = CSDL_FIXTURES / "overlay_b.xml"


@pytest.fixture(scope="module")
def model() -> Model:
    return load_model(FULL)


@pytest.fixture(scope="module")
def overlaid() -> Model:
    return load_model(FULL, [OVERLAY_A, OVERLAY_B])


def test_base_chain_most_derived_first(model: Model) -> None:
    chain = [t.qname for t in model.base_chain("test.app.draft")]
    assert chain == ["test.app.draft", "test.app.report", "test.app.document", "test.app.entity"]


def test_base_chain_stops_at_a_cycle() -> None:
    model = load_model(CSDL_FIXTURES / "defects.xml")
    assert [t.qname for t in model.base_chain("test.bad.chicken")] == [
        "test.bad.chicken",
        "test.bad.egg",
    ]


def test_all_properties_inherited_base_first(model: Model) -> None:
    names = [p.name for p in model.all_properties("test.app.report")]
    assert names[0] == "id"
    assert names[1] == "title"
    assert names[-1] == "pages"
    assert len(names) == 1 + 11 + 1
    navs = [n.name for n in model.all_navigation_properties("test.app.draft")]
    assert navs == ["owner", "versions"]


def test_derived_types_direct_and_transitive(model: Model) -> None:
    assert model.derived["test.app.entity"] == (
        "test.app.document",
        "test.app.person",
        "test.app.version",
    )
    assert model.all_derived("test.app.entity") == (
        "test.app.document",
        "test.app.draft",
        "test.app.person",
        "test.app.report",
        "test.app.version",
    )
    assert model.all_derived("test.app.draft") == ()
    assert model.derived["test.app.dimensions"] == ("test.app.box",)


def test_is_assignable(model: Model) -> None:
    assert model.is_assignable("test.app.draft", "test.app.entity")
    assert model.is_assignable("test.app.report", "test.app.report")
    assert not model.is_assignable("test.app.entity", "test.app.report")
    assert not model.is_assignable("test.app.person", "test.app.document")
    assert not model.is_assignable("test.app.missing", "test.app.entity")


def test_key_is_inherited_from_the_nearest_base(model: Model) -> None:
    assert model.key("test.app.draft") == ("id",)
    assert model.key("test.app.log") == ("sequence",)
    assert model.key("test.app.box") == ()


def test_bound_operations_by_binding_type(model: Model) -> None:
    single = model.bound_operations["test.app.document"]
    assert [(op.name, op.kind) for op in single] == [("publish", "action")]
    collection = model.bound_operations["Collection(test.app.document)"]
    assert [op.parameters[1].name for op in collection] == ["channels"]
    assert [op.name for op in model.bound_operations["test.app.report"]] == ["preview"]
    # Unbound operations are not listed under any binding.
    assert all(op.is_bound for ops in model.bound_operations.values() for op in ops)
    assert set(model.bound_operations) == {
        "test.app.document",
        "Collection(test.app.document)",
        "test.app.report",
    }


def test_bound_operations_keys_are_sorted(model: Model) -> None:
    assert list(model.bound_operations) == sorted(model.bound_operations)


def test_annotation_targets_with_parameters_are_qualified(model: Model) -> None:
    # Written as `app.publish(app.document)` in the fixture.
    assert model.annotations_of("test.app.publish(test.app.document)")
    assert model.annotations_of("app.publish(app.document)") == ()


def test_overlay_adds_and_replaces(overlaid: Model) -> None:
    report = overlaid.overlay
    assert report.added == ("test.app.stamp", "test.extra.tag")
    assert report.replaced == ("test.app.color", "test.app.person")
    assert overlaid.diagnostics == ()
    color = overlaid.types["test.app.color"]
    assert isinstance(color, EnumType)
    assert [m.name for m in color.members][-1] == "black"
    # A new namespace from an overlay becomes a schema of its own.
    assert [s.namespace for s in overlaid.schemas] == ["test.app", "test.other", "test.extra"]
    # Nothing is removed: types no overlay mentions stay.
    assert "test.app.document" in overlaid.types


def test_overlay_sources_name_the_overlay(overlaid: Model) -> None:
    stamp = overlaid.structured("test.app.stamp")
    assert stamp.source is not None
    assert (stamp.source.file, stamp.source.overlay) == (str(OVERLAY_A), str(OVERLAY_A))
    assert stamp.source.line == line_of(OVERLAY_A, '<ComplexType Name="stamp"')
    # Replaced by two overlays: the last one wins and says so.
    person = overlaid.structured("test.app.person")
    assert person.source is not None
    assert person.source.overlay == str(OVERLAY_B)
    assert person.source.line == line_of(OVERLAY_B, '<EntityType Name="person"')
    assert [p.name for p in person.properties] == ["name", "email", "phone"]
    assert person.open is True
    document = overlaid.structured("test.app.document")
    assert document.source is not None and document.source.overlay is None


def test_overlay_member_diff_against_the_base(overlaid: Model) -> None:
    diffs = {d.qname: d for d in overlaid.overlay.members}
    assert set(diffs) == {"test.app.color", "test.app.person"}
    # Against the base, across both overlays: base -> A removed `documents`, changed `name`,
    # added `email`; A -> B made `email` a collection, added `phone` and opened the type.
    assert diffs["test.app.person"] == MemberDiff(
        "test.app.person",
        added=("email", "phone"),
        removed=("documents",),
        changed=("$OpenType", "name"),
    )
    assert diffs["test.app.color"] == MemberDiff("test.app.color", added=("black",))
    assert diffs["test.app.person"].as_dict() == {
        "type": "test.app.person",
        "added": ["email", "phone"],
        "removed": ["documents"],
        "changed": ["$OpenType", "name"],
    }


def test_overlay_type_added_then_replaced_is_added_only() -> None:
    report = load_model(FULL, [OVERLAY_A, OVERLAY_A]).overlay
    assert report.added == ("test.app.stamp", "test.extra.tag")
    assert "test.app.stamp" not in report.replaced
    assert [d.qname for d in report.members] == ["test.app.color", "test.app.person"]


def test_member_diff_of_enum_and_type_definition() -> None:
    base = load_model(FULL)
    money = base.types["test.app.money"]
    assert member_diff(money, money) == MemberDiff("test.app.money")
    color = base.types["test.app.color"]
    assert member_diff(color, color).added == ()


def test_overlay_references_into_the_base_resolve(overlaid: Model) -> None:
    stamp = overlaid.structured("test.app.stamp")
    assert stamp.properties[1].type == TypeRef("test.app.person")
    assert overlaid.is_assignable("test.app.person", "test.app.entity")


def test_load_model_records_inputs_and_roles() -> None:
    model = load_model(FULL, [OVERLAY_A])
    assert [(i.role, i.path.rsplit("/", 1)[-1]) for i in model.inputs] == [
        ("base", "full.xml"),
        ("overlay", "overlay_a.xml"),
    ]
    assert all(len(i.sha256) == 64 for i in model.inputs)
