"""A whole-document package stays cheap to import and to type-check: facts per namespace as
JSON text decoded on lookup, no re-export block in its namespaces; and the plan's
`name-collision` warnings reach the user of `generate` and `inspect`."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codegen.cli import main
from codegen.render import _compact, namespace_of
from tests.codegen.factory import edmx, generate_text, run_python, schema

TWO_NAMESPACES = edmx(
    schema(
        "one.ns",
        '<ComplexType Name="shape" Abstract="true"><Property Name="name" Type="Edm.String" />'
        "</ComplexType>"
        '<ComplexType Name="circle" BaseType="one.ns.shape">'
        '<Property Name="radius" Type="Edm.Double" Nullable="false" /></ComplexType>'
        '<EnumType Name="color"><Member Name="red" Value="0" /><Member Name="blue" Value="1" />'
        "</EnumType>"
        '<ComplexType Name="pen"><Property Name="color" Type="one.ns.color" />'
        '<Property Name="shapes" Type="Collection(one.ns.shape)" /></ComplexType>',
    ),
    schema(
        "two.ns",
        '<ComplexType Name="other"><Property Name="text" Type="Edm.String" MaxLength="5" />'
        "</ComplexType>",
    ),
)

COLLIDING = edmx(
    schema(
        "t",
        '<ComplexType Name="c"><Property Name="fooBar" Type="Edm.String" />'
        '<Property Name="foo_bar" Type="Edm.String" /></ComplexType>',
    )
)


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A package of every type of TWO_NAMESPACES (no roots: a whole-document package)."""
    out = tmp_path_factory.mktemp("whole") / "pkg"
    generate_text(TWO_NAMESPACES, out)
    return out


def test_facts_live_per_namespace_and_schema_only_says_where(whole: Path) -> None:
    facts = sorted(p.relative_to(whole).as_posix() for p in whole.rglob("_facts.py"))
    assert facts == ["one_ns/_facts.py", "two_ns/_facts.py"]
    schema_text = (whole / "_schema.py").read_text(encoding="utf-8")
    assert "radius" not in schema_text and "one.ns.circle" not in schema_text
    assert '"one.ns": "one_ns"' in schema_text


def test_lazy_facts_read_only_the_namespace_a_lookup_needs(whole: Path) -> None:
    out = run_python(
        whole.parent,
        "import json, sys\n"
        "import pkg\n"
        "from pkg.one_ns.circle import Circle\n"
        "facts = pkg.schema()\n"
        "c = pkg.converter().read_as({'radius': 2.5, 'name': 'x'}, Circle)\n"
        "loaded = sorted(m for m in sys.modules if m.endswith('._facts'))\n"
        "t = facts.types['one.ns.circle']\n"
        "print(json.dumps([loaded, c.radius, t.base, [p.name for p in t.properties],\n"
        "    'two.ns.other' in facts.types, 'two.ns.nothing' in facts.types, 3 in facts.types,\n"
        "    sorted(facts.types), len(facts.enums), facts.derived.get('one.ns.shape'),\n"
        "    facts.types['two.ns.other'].properties[0].max_length]))\n",
    )
    loaded, radius, base, props, has_other, has_nothing, has_int, types, enums, derived, ml = (
        json.loads(out)
    )
    assert loaded == ["pkg.one_ns._facts"]  # two.ns was never asked about
    assert (radius, base, props) == (2.5, "one.ns.shape", ["radius"])
    assert (has_other, has_nothing, has_int) == (True, False, False)
    assert types == ["one.ns.circle", "one.ns.pen", "one.ns.shape", "two.ns.other"]
    assert (enums, derived, ml) == (1, ["one.ns.circle"], 5)


def test_an_unknown_name_is_a_key_error_not_a_crash(whole: Path) -> None:
    out = run_python(
        whole.parent,
        "import pkg\n"
        "facts = pkg.schema()\n"
        "for q in ('no.such.type', 'one.ns.nothing', 'one.ns.act(one.ns.x)', '', 3):\n"
        "    try:\n"
        "        facts.types[q]\n"
        "    except KeyError:\n"
        "        print('KeyError')\n",
    )
    assert out.split() == ["KeyError"] * 5


def test_a_whole_package_namespace_re_exports_nothing(whole: Path) -> None:
    text = (whole / "one_ns" / "__init__.py").read_text(encoding="utf-8")
    assert "if TYPE_CHECKING:" not in text and "if not TYPE_CHECKING:" in text
    # Still importable from the namespace at run time, lazily.
    assert run_python(whole.parent, "from pkg.one_ns import Circle; print(Circle.__name__)") == (
        "Circle\n"
    )


def test_a_rooted_package_keeps_its_typed_re_exports(tmp_path: Path) -> None:
    from codegen.generate import generate
    from tests.codegen.factory import load_model_text

    out = tmp_path / "calls"
    generate(load_model_text(TWO_NAMESPACES), ["one.ns.pen"], out, "calls")
    text = (out / "one_ns" / "__init__.py").read_text(encoding="utf-8")
    assert "if TYPE_CHECKING:\n    from .circle import Circle as Circle" in text


@pytest.mark.slow
def test_mypy_types_the_module_path_and_refuses_the_namespace_import(whole: Path) -> None:
    script = whole.parent / "use.py"
    script.write_text(
        "from pkg.one_ns.circle import Circle\n"
        "from pkg.one_ns import Pen\n"
        "reveal_type(Circle(radius=1.0).radius)\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir=/dev/null", str(script)],
        cwd=whole.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert 'Module "pkg.one_ns" has no attribute "Pen"' in done.stdout, done.stdout
    typed = re.search(r'Revealed type is "(builtins\.)?float \| pkg\._odata\.Unset"', done.stdout)
    assert typed, done.stdout


@settings(max_examples=60, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(), st.lists, max_leaves=8))
def test_compact_facts_are_a_literal_that_decodes_to_the_same_value(value: object) -> None:
    text = _compact(value)
    literal = ast.literal_eval(text)  # a plain string constant, nothing else
    assert type(literal) is str
    assert json.loads(literal) == value


@settings(max_examples=60, deadline=None)
@given(
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}(\.[A-Za-z_][A-Za-z0-9_]{0,8}){0,2}", fullmatch=True),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True),
    st.lists(st.from_regex(r"[A-Za-z_][A-Za-z0-9_.;]{0,12}", fullmatch=True), max_size=2),
)
def test_namespace_of_every_kind_of_name(namespace: str, name: str, binding: list[str]) -> None:
    assert namespace_of(f"{namespace}.{name}") == namespace
    assert namespace_of(f"{namespace}.{name}({';'.join(binding)})") == namespace


def test_generate_and_inspect_print_name_collisions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = tmp_path / "colliding.xml"
    doc.write_text(COLLIDING, encoding="utf-8")
    assert main(["generate", "--metadata", str(doc), "--out", str(tmp_path / "pkg")]) == 0
    err = capsys.readouterr().err
    assert "warning: name-collision: t.c/foo_bar" in err and "foo_bar_2" in err
    assert main(["inspect", "--metadata", str(doc)]) == 0
    assert "name-collision: t.c/foo_bar" in capsys.readouterr().out
    assert main(["inspect", "--json", "--metadata", str(doc)]) == 0
    codes = [d["code"] for d in json.loads(capsys.readouterr().out)["diagnostics"]]
    assert codes == ["name-collision"]
    assert main(["inspect", "--metadata", str(doc), "--severity", "name-collision=error"]) == 1


def test_a_class_named_like_class_var_still_types_a_field(tmp_path: Path) -> None:
    # attrs reads an annotation that starts with `ClassVar` as a class variable (found by the
    # hostile-names property test: an enum named `ClassVar` was `ClassVar_`, now `TClassVar`).
    doc = edmx(
        schema(
            "t",
            '<EnumType Name="ClassVar"><Member Name="a" Value="0" /></EnumType>'
            '<ComplexType Name="ClassVariant"><Property Name="x" Type="Edm.String" />'
            "</ComplexType>"
            '<ComplexType Name="c"><Property Name="e" Type="t.ClassVar" />'
            '<Property Name="v" Type="t.ClassVariant" /></ComplexType>',
        )
    )
    out = tmp_path / "pkg"
    generate_text(doc, out)
    written = run_python(
        tmp_path,
        "import json, pkg\nfrom pkg.t.c import C\n"
        "body = {'e': 'a', 'v': {'x': 'y'}}\n"
        "print(json.dumps(pkg.converter().write(pkg.converter().read_as(body, C))))\n",
    )
    assert json.loads(written) == {"e": "a", "v": {"x": "y"}}
