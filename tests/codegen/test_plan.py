"""The render model: names, annotations, imports and aliases, from tiny inline documents."""

from __future__ import annotations

import ast

import pytest

from codegen.closure import everything
from codegen.plan import ClassPlan, PackagePlan, plan_package
from codegen.render import docstring
from tests.factories import model_of_schemas, schema


def plan_of(*schemas: str) -> PackagePlan:
    m = model_of_schemas(*schemas)
    assert not [d for d in m.diagnostics if d.severity == "error"], m.diagnostics
    return plan_package(m, everything(m))


def cls(plan: PackagePlan, qname: str) -> ClassPlan:
    return next(c for c in plan.classes if c.qname == qname)


def field_annotations(c: ClassPlan) -> dict[str, str]:
    return {f.attr: f.annotation for f in c.fields}


def test_edm_annotations_and_nullability() -> None:
    plan = plan_of(
        schema(
            "t",
            """
            <EnumType Name="color"><Member Name="red" /></EnumType>
            <EnumType Name="access" IsFlags="true"><Member Name="read" Value="1" /></EnumType>
            <TypeDefinition Name="money" UnderlyingType="Edm.Decimal" />
            <ComplexType Name="thing">
              <Property Name="s" Type="Edm.String" />
              <Property Name="must" Type="Edm.Int32" Nullable="false" />
              <Property Name="when" Type="Edm.DateTimeOffset" />
              <Property Name="where" Type="Edm.GeographyPoint" />
              <Property Name="shape" Type="Edm.GeometryPolygon" />
              <Property Name="anything" Type="Edm.Untyped" />
              <Property Name="price" Type="t.money" Nullable="false" />
              <Property Name="color" Type="t.color" />
              <Property Name="access" Type="t.access" />
              <Property Name="tags" Type="Collection(Edm.String)" Nullable="false" />
              <Property Name="colors" Type="Collection(t.color)" />
            </ComplexType>
            """,
        )
    )
    thing = cls(plan, "t.thing")
    assert field_annotations(thing) == {
        "s": "str | None | Unset",
        "must": "int | Unset",
        "when": "datetime | None | Unset",
        "where": "dict[str, Any] | None | Unset",
        "shape": "dict[str, Any] | None | Unset",
        "anything": "Any | None | Unset",
        "price": "Decimal | Unset",
        "color": "Color | None | Unset",
        "access": "list[Access] | None | Unset",
        # Graph sends `null` for collections, whatever Nullable says.
        "tags": "list[str] | None | Unset",
        "colors": "list[Color] | None | Unset",
    }
    price = next(f for f in thing.fields if f.attr == "price")
    assert (price.kind, price.type_qname) == ("primitive", "Edm.Decimal")
    assert "from .color import Color" in thing.type_imports
    assert "from decimal import Decimal" in thing.type_imports


def test_inherited_fields_are_not_repeated() -> None:
    plan = plan_of(
        schema(
            "t",
            """
            <ComplexType Name="base"><Property Name="a" Type="Edm.String" /></ComplexType>
            <ComplexType Name="mid" BaseType="t.base"><Property Name="b" Type="Edm.String" />
            </ComplexType>
            <ComplexType Name="leaf" BaseType="t.mid"><Property Name="c" Type="Edm.String" />
            </ComplexType>
            """,
        )
    )
    leaf = cls(plan, "t.leaf")
    assert [f.attr for f in leaf.fields] == ["c"]
    assert (leaf.base_name, leaf.base_import) == ("Mid", "from .mid import Mid")
    assert cls(plan, "t.base").base_import == ""
    assert plan.derived["t.base"] == ("t.leaf", "t.mid")


def test_same_short_name_in_two_namespaces_is_aliased() -> None:
    plan = plan_of(
        schema(
            "x.a",
            """
            <ComplexType Name="participant"><Property Name="n" Type="Edm.String" /></ComplexType>
            """,
        ),
        schema(
            "x.b",
            """
            <ComplexType Name="participant" BaseType="x.a.participant">
              <Property Name="other" Type="x.a.participant" />
            </ComplexType>
            <ComplexType Name="both">
              <Property Name="a" Type="x.a.participant" />
              <Property Name="b" Type="x.b.participant" />
            </ComplexType>
            """,
        ),
    )
    b = cls(plan, "x.b.participant")
    assert b.base_name == "XAParticipant"
    assert b.base_import == "from ..x_a.participant import Participant as XAParticipant"
    assert field_annotations(b) == {"other": "XAParticipant | None | Unset"}
    # The base's runtime import serves the annotation too: no second import of the same name.
    assert b.type_imports == []
    both = cls(plan, "x.b.both")
    assert field_annotations(both) == {
        "a": "Participant | None | Unset",
        "b": "XBParticipant | None | Unset",
    }
    assert both.type_imports == [
        "from ..x_a.participant import Participant",
        "from .participant import Participant as XBParticipant",
    ]


def test_field_typed_by_its_base_class_uses_the_base_import() -> None:
    plan = plan_of(
        schema(
            "t",
            """
            <ComplexType Name="node"><Property Name="v" Type="Edm.String" /></ComplexType>
            <ComplexType Name="branch" BaseType="t.node">
              <Property Name="parent" Type="t.node" />
              <Property Name="self" Type="t.branch" />
            </ComplexType>
            """,
        )
    )
    branch = cls(plan, "t.branch")
    assert field_annotations(branch) == {
        "parent": "Node | None | Unset",
        "self_": "Branch | None | Unset",
    }
    assert branch.base_import == "from .node import Node"
    assert branch.type_imports == []


def test_module_and_class_collisions_in_one_namespace() -> None:
    plan = plan_of(
        schema(
            "t",
            """
            <ComplexType Name="callRecord" />
            <ComplexType Name="CallRecord" />
            <ComplexType Name="class" />
            """,
        )
    )
    where = {c.qname: (c.module, c.class_name) for c in plan.classes}
    assert where == {
        "t.CallRecord": ("call_record", "CallRecord"),
        "t.callRecord": ("call_record_2", "CallRecord_2"),
        "t.class": ("class_", "Class"),
    }


def test_parameters_classes_for_operations() -> None:
    plan = plan_of(
        schema(
            "t",
            """
            <EntityType Name="doc">
              <Key><PropertyRef Name="id" /></Key>
              <Property Name="id" Type="Edm.String" Nullable="false" />
            </EntityType>
            <ComplexType Name="docPublishParameters" />
            <Action Name="publish" IsBound="true">
              <Parameter Name="bindingParameter" Type="t.doc" />
              <Parameter Name="from" Type="Edm.String" Nullable="false" />
              <ReturnType Type="t.doc" Nullable="false" />
            </Action>
            <Action Name="publish" IsBound="true">
              <Parameter Name="bindingParameter" Type="Collection(t.doc)" />
            </Action>
            <Action Name="reset" />
            <Function Name="find">
              <Parameter Name="q" Type="Edm.String" />
              <ReturnType Type="Collection(t.doc)" />
            </Function>
            """,
        )
    )
    params = {c.qname: c for c in plan.classes if c.kind == "parameters"}
    assert sorted(params) == [
        "t.find()",
        "t.publish(Collection(t.doc))",
        "t.publish(t.doc)",
        "t.reset()",
    ]
    one = params["t.publish(t.doc)"]
    # A type of the same name already exists: the parameters class steps aside.
    assert (one.module, one.class_name) == ("doc_publish_parameters_2", "DocPublishParameters2")
    assert field_annotations(one) == {"from_": "str | Unset"}
    many = params["t.publish(Collection(t.doc))"]
    assert many.class_name == "CollectionOfDocPublishParameters"
    assert field_annotations(many) == {}
    ops = {(o.qname, o.parameters): o for o in plan.operations}
    publish = ops[("t.publish", "t.publish(t.doc)")]
    assert (publish.binding, publish.return_type, publish.return_nullable) == (
        "t.doc",
        "t.doc",
        False,
    )
    find = ops[("t.find", "t.find()")]
    assert (find.binding, find.return_type, find.return_collection) == (None, "t.doc", True)


def test_enum_members_are_python_names_with_wire_values() -> None:
    plan = plan_of(
        schema(
            "t",
            """
            <EnumType Name="mode">
              <Member Name="name" Value="0" />
              <Member Name="unknownFutureValue" Value="1" />
              <Member Name="VTCId" Value="2" />
            </EnumType>
            """,
        )
    )
    (mode,) = plan.enums
    assert mode.members == [
        ("NAME_", "name", 0),
        ("UNKNOWN_FUTURE_VALUE", "unknownFutureValue", 1),
        ("VTC_ID", "VTCId", 2),
    ]


@pytest.mark.parametrize(
    ("description", "expected"),
    [
        ("Plain words.", "Plain words."),
        ('Has """ quotes and a \\ backslash."', 'Has \\"\\"" quotes and a \\\\ backslash.\\"'),
        ("  Spaced\n\n  out  ", "Spaced out"),
    ],
)
def test_descriptions_are_safe_docstrings(description: str, expected: str) -> None:
    plan = plan_of(
        schema(
            "t",
            f"""
            <ComplexType Name="c">
              <Annotation Term="Core.Description" String="{description.replace('"', "&quot;")}" />
            </ComplexType>
            """,
        )
    )
    doc = cls(plan, "t.c").doc
    assert doc is not None
    assert docstring(doc) == expected
    assert ast.literal_eval(f'"""{docstring(doc)}"""') == doc


def test_function_overloads_get_distinct_parameters_types() -> None:
    plan = plan_of(
        schema(
            "t",
            """
            <ComplexType Name="range" />
            <Function Name="columnsAfter" IsBound="true">
              <Parameter Name="bindingParameter" Type="t.range" />
              <ReturnType Type="t.range" />
            </Function>
            <Function Name="columnsAfter" IsBound="true">
              <Parameter Name="bindingParameter" Type="t.range" />
              <Parameter Name="count" Type="Edm.Int32" Nullable="false" />
              <ReturnType Type="t.range" />
            </Function>
            <Function Name="columnsAfter" IsBound="true">
              <Parameter Name="bindingParameter" Type="t.range" />
              <Parameter Name="count" Type="Edm.Int32" Nullable="false" />
              <Parameter Name="skip" Type="Edm.Int32" Nullable="false" />
              <ReturnType Type="t.range" />
            </Function>
            """,
        )
    )
    params = {c.qname: c for c in plan.classes if c.kind == "parameters"}
    assert {q: [f.wire for f in c.fields] for q, c in params.items()} == {
        "t.columnsAfter(t.range)": [],
        "t.columnsAfter(t.range;count)": ["count"],
        "t.columnsAfter(t.range;count,skip)": ["count", "skip"],
    }
    assert len({(c.module, c.class_name) for c in params.values()}) == 3
    assert sorted(o.parameters for o in plan.operations) == sorted(params)


def test_type_imports_are_grouped_and_ordered_like_isort() -> None:
    plan = plan_of(
        schema(
            "x.a",
            '<ComplexType Name="other" />',
        ),
        schema(
            "x.b",
            """
            <EnumType Name="color"><Member Name="red" /></EnumType>
            <ComplexType Name="thing">
              <Property Name="when" Type="Edm.DateTimeOffset" />
              <Property Name="day" Type="Edm.Date" />
              <Property Name="id" Type="Edm.Guid" />
              <Property Name="color" Type="x.b.color" />
              <Property Name="other" Type="x.a.other" />
            </ComplexType>
            """,
        ),
    )
    assert cls(plan, "x.b.thing").type_imports == [
        "from datetime import date, datetime",
        "from uuid import UUID",
        "",
        "from ..x_a.other import Other",
        "from .color import Color",
    ]
