"""Names that become one Python name (after snake_case, pascal_case or NFKC, across inheritance,
modules on a case-insensitive file system, packages): one rule renames the later one, with a
`name-collision` warning, and the data survives a round trip."""

from __future__ import annotations

import json
from pathlib import Path

from codegen.model import Diagnostic
from codegen.plan import ClassPlan, PackagePlan
from tests.codegen.factory import edmx, generate_text, plan_of, run_python, schema


def cls(plan: PackagePlan, qname: str) -> ClassPlan:
    return next(c for c in plan.classes if c.qname == qname)


def attrs_of(plan: PackagePlan, qname: str) -> dict[str, str]:
    return {f.wire: f.attr for f in cls(plan, qname).fields}


def collisions(plan: PackagePlan) -> list[Diagnostic]:
    assert all(d.code == "name-collision" and d.severity == "warning" for d in plan.diagnostics)
    return plan.diagnostics


def test_snake_case_collision_in_one_type() -> None:
    plan = plan_of(
        '<ComplexType Name="c"><Property Name="fooBar" Type="Edm.String" />'
        '<Property Name="foo_bar" Type="Edm.String" /></ComplexType>'
    )
    assert attrs_of(plan, "t.c") == {"fooBar": "foo_bar", "foo_bar": "foo_bar_2"}
    (d,) = collisions(plan)
    assert (d.element, d.line) == ("t.c/foo_bar", 4)
    assert "'foo_bar'" in d.message and "t.c/fooBar" in d.message


def test_nfkc_equal_names_in_one_type() -> None:
    plan = plan_of(
        '<ComplexType Name="c"><Property Name="\ufb01eld" Type="Edm.String" />'
        '<Property Name="field" Type="Edm.Int32" /></ComplexType>'
    )
    assert attrs_of(plan, "t.c") == {"\ufb01eld": "field", "field": "field_2"}
    assert len(collisions(plan)) == 1


def test_derived_attribute_does_not_shadow_a_base_attribute_of_another_wire_name() -> None:
    plan = plan_of(
        '<ComplexType Name="base"><Property Name="fooBar" Type="Edm.String" /></ComplexType>'
        '<ComplexType Name="mid" BaseType="t.base" />'
        '<ComplexType Name="leaf" BaseType="t.mid"><Property Name="foo_bar" Type="Edm.String" />'
        "</ComplexType>"
    )
    assert attrs_of(plan, "t.base") == {"fooBar": "foo_bar"}
    assert attrs_of(plan, "t.leaf") == {"foo_bar": "foo_bar_2"}
    (d,) = collisions(plan)
    assert d.element == "t.leaf/foo_bar"


def test_class_and_module_collisions_in_one_namespace() -> None:
    plan = plan_of(
        '<ComplexType Name="Foo" /><ComplexType Name="foo" /><ComplexType Name="\uff26oo" />'
    )
    where = {c.qname: (c.module, c.class_name) for c in plan.classes}
    # Sorted by qualified name: `t.Foo`, `t.foo`, then the full-width `t.Ｆoo`.
    assert where == {
        "t.Foo": ("foo", "Foo"),
        "t.foo": ("foo_2", "Foo_2"),
        "t.\uff26oo": ("foo_3", "Foo_3"),
    }
    assert len(collisions(plan)) == 4


def test_module_names_differ_on_a_case_insensitive_file_system() -> None:
    plan = plan_of('<ComplexType Name="stra\u00dfe" /><ComplexType Name="STRASSE" />')
    modules = [c.module for c in plan.classes]
    assert len({m.casefold() for m in modules}) == 2


def test_package_collisions_between_namespaces() -> None:
    from codegen.closure import everything
    from codegen.plan import plan_package
    from tests.factories import model_from_text

    text = edmx(
        schema("a.b", '<ComplexType Name="x" />'),
        schema("a_b", '<ComplexType Name="y" />'),
        schema("A.B", '<ComplexType Name="z" />'),
    )
    model = model_from_text(text)
    plan = plan_package(model, everything(model))
    packages = {c.qname: c.package for c in plan.classes}
    assert packages == {"A.B.z": "a_b", "a.b.x": "a_b_2", "a_b.y": "a_b_3"}
    assert len(collisions(plan)) == 2


def test_enum_members_equal_after_upper_case() -> None:
    plan = plan_of(
        '<EnumType Name="e"><Member Name="fooBar" Value="0" /><Member Name="foo_bar" Value="1" />'
        '<Member Name="FOO_BAR" Value="2" /></EnumType>'
    )
    (e,) = plan.enums
    assert [m[0] for m in e.members] == ["FOO_BAR", "FOO_BAR_2", "FOO_BAR_3"]
    assert len(collisions(plan)) == 2


def test_an_uncased_class_is_not_named_like_its_module() -> None:
    # Importing the module `名前` binds `名前` in the namespace package, replacing a class of
    # that name; and an attribute must not shadow the class its annotation names.
    plan = plan_of(
        '<ComplexType Name="\u540d\u524d" />'
        '<ComplexType Name="c"><Property Name="\u540d\u524d_2" Type="t.\u540d\u524d" />'
        "</ComplexType>"
    )
    named = cls(plan, "t.\u540d\u524d")
    assert (named.module, named.class_name) == ("\u540d\u524d", "\u540d\u524d_2")
    c = cls(plan, "t.c")
    assert c.fields[0].attr == "\u540d\u524d_2_2"
    assert c.fields[0].annotation.startswith("\u540d\u524d_2 ")


def test_names_the_package_itself_uses_are_not_given_out() -> None:
    text = edmx(
        schema("schema", '<ComplexType Name="importlib" />'),
        schema("converter", '<ComplexType Name="annotations" />'),
    )
    from codegen.closure import everything
    from codegen.plan import plan_package
    from tests.factories import model_from_text

    model = model_from_text(text)
    plan = plan_package(model, everything(model))
    where = {c.qname: (c.package, c.module) for c in plan.classes}
    assert where == {
        "converter.annotations": ("converter_2", "annotations"),
        "schema.importlib": ("schema_2", "importlib"),
    }


def test_collisions_round_trip_in_a_generated_package(tmp_path: Path) -> None:
    text = edmx(
        schema(
            "t",
            '<ComplexType Name="base"><Property Name="fooBar" Type="Edm.String" />'
            '<Property Name="\ufb01eld" Type="Edm.String" /></ComplexType>'
            '<ComplexType Name="leaf" BaseType="t.base">'
            '<Property Name="foo_bar" Type="Edm.String" />'
            '<Property Name="field" Type="Edm.Int32" /></ComplexType>'
            '<ComplexType Name="Leaf"><Property Name="x" Type="Edm.String" /></ComplexType>',
        )
    )
    generate_text(text, tmp_path / "pkg")
    body = {"fooBar": "a", "\ufb01eld": "b", "foo_bar": "c", "field": 4}
    out = run_python(
        tmp_path,
        "import json, pkg, pkg.t as t\n"
        f"body = json.loads({json.dumps(json.dumps(body))})\n"
        "conv = pkg.converter()\n"
        "obj = conv.read_as(body, t.Leaf_2 if t.Leaf_2.ODATA_TYPE == '#t.leaf' else t.Leaf)\n"
        "print(json.dumps(conv.write(obj)))\n"
        "print(sorted(t.__all__), sorted(set(t.__all__) - set(dir(t))))\n",
    )
    written, names = out.splitlines()
    assert json.loads(written) == body
    # Every lazily imported class is listed by `dir()` too.
    assert names == "['Base', 'Leaf', 'Leaf_2'] []"
