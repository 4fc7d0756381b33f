"""Every diagnostic the reader and resolver emit, from `tests/csdl/defects.xml` and inline CSDL.

Each case asserts code, severity, line and element. A last test greps the code for diagnostic
codes, so that a new code without a test here fails the suite.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest

from codegen.csdl import is_simple_identifier, read_document, read_text
from codegen.model import Diagnostic, EnumType, StructuredType
from codegen.sources import load_model
from tests.conftest import CSDL_FIXTURES, REPO_ROOT, line_of
from tests.factories import model_from_text

DEFECTS = CSDL_FIXTURES / "defects.xml"


@pytest.fixture(scope="module")
def diagnostics() -> tuple[Diagnostic, ...]:
    return load_model(DEFECTS).diagnostics


def edmx(schema_body: str, version: str = "4.0") -> str:
    """A one-schema document around `schema_body`."""
    return (
        f'<edmx:Edmx Version="{version}" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">\n'
        "<edmx:DataServices>\n"
        '<Schema Namespace="t" xmlns="http://docs.oasis-open.org/odata/ns/edm">\n'
        f"{schema_body}\n"
        "</Schema>\n</edmx:DataServices>\n</edmx:Edmx>\n"
    )


# code, severity, (needle, occurrence) locating the line in defects.xml, element
CASES = [
    ("missing-attribute", "error", ('<Property Type="Edm.String" />', 1), "test.bad.shape"),
    ("missing-attribute", "error", ('<Property Name="noType" />', 1), "test.bad.shape/noType"),
    ("missing-attribute", "error", ('<TypeDefinition Name="blob" />', 1), "test.bad.blob"),
    ("invalid-identifier", "error", ('Name="2d"', 1), "test.bad.shape/2d"),
    ("bad-boolean", "error", ('Nullable="yes"', 1), "test.bad.shape/filled"),
    ("bad-value", "error", ('MaxLength="big"', 1), "test.bad.shape/label"),
    ("bad-value", "error", ('Value="one"', 1), "test.bad.level/low"),
    ("bad-value", "error", ('<Member Name="fast" />', 1), "test.bad.mode/fast"),
    ("nonstandard-value", "warning", ('Scale="Variable"', 1), "test.bad.shape/weight"),
    ("duplicate-member", "error", ('<Property Name="label"', 2), "test.bad.shape/label"),
    ("key-on-complex", "error", ("<Key>", 1), "test.bad.keyed"),
    ("duplicate-name", "error", ('<ComplexType Name="shape"', 2), "test.bad.shape"),
    ("name-shared-with-operation", "warning", ('<ComplexType Name="post"', 1), "test.bad.post"),
    ("bad-underlying-type", "error", ('<EnumType Name="level"', 1), "test.bad.level"),
    ("bound-without-parameter", "error", ('<Action Name="detach"', 1), "test.bad.detach"),
    ("function-without-return", "error", ('<Function Name="count"', 1), "test.bad.count"),
    ("unknown-element", "info", ("<Widget", 1), "test.bad"),
    ("unresolved-type", "error", ('Type="bad.nowhere"', 1), "test.bad.ghost/haunts"),
    ("bad-base-type", "error", ('<EntityType Name="hybrid"', 1), "test.bad.hybrid"),
    ("base-type-cycle", "error", ('<EntityType Name="chicken"', 1), "test.bad.chicken"),
    ("missing-key", "warning", ('<EntityType Name="keyless"', 1), "test.bad.keyless"),
]


@pytest.mark.parametrize(("code", "severity", "where", "element"), CASES)
def test_defect_is_reported(
    diagnostics: tuple[Diagnostic, ...],
    code: str,
    severity: str,
    where: tuple[str, int],
    element: str,
) -> None:
    line = line_of(DEFECTS, *where)
    matches = [d for d in diagnostics if d.code == code and d.element == element]
    assert matches, f"no {code} for {element}; got {[str(d) for d in diagnostics]}"
    assert any(d.line == line for d in matches), [d.line for d in matches]
    found = next(d for d in matches if d.line == line)
    assert found.severity == severity
    assert found.file == str(DEFECTS)
    assert found.message


def test_no_unexpected_diagnostics(diagnostics: tuple[Diagnostic, ...]) -> None:
    expected = {(code, element) for code, _, _, element in CASES}
    # The cycle also leaves both chicken and egg without a key: reported, not hidden.
    expected |= {("missing-key", "test.bad.chicken"), ("missing-key", "test.bad.egg")}
    assert {(d.code, d.element) for d in diagnostics} == expected


def test_messages_say_what_is_wrong(diagnostics: tuple[Diagnostic, ...]) -> None:
    by_code = {d.code: d.message for d in diagnostics}
    assert by_code["bad-boolean"] == "Nullable='yes' is not 'true' or 'false'; using true"
    assert by_code["nonstandard-value"] == "Scale='Variable' should be 'variable'"
    assert "test.bad.chicken → test.bad.egg → test.bad.chicken" in by_code["base-type-cycle"]
    assert "'test.bad.nowhere'" in by_code["unresolved-type"]


def test_defects_still_yield_a_usable_model() -> None:
    doc = read_document(DEFECTS)
    shape = doc.schemas[0].types[0]
    assert isinstance(shape, StructuredType)
    # The nonstandard `Variable` is read as the standard value it means.
    weight = next(p for p in shape.properties if p.name == "weight")
    assert weight.facets.scale == "variable"
    filled = next(p for p in shape.properties if p.name == "filled")
    assert filled.nullable is True
    model = load_model(DEFECTS)
    mode = model.types["test.bad.mode"]
    assert isinstance(mode, EnumType)
    assert [m.value for m in mode.members] == [0]
    # Of two types with one name, the later declaration is the one the model keeps.
    assert model.structured("test.bad.shape").properties == ()


def test_invalid_identifier_of_a_type_is_named_by_qualified_name() -> None:
    doc = read_text(edmx('<ComplexType Name="bad name" />'))
    (d,) = doc.diagnostics
    assert (d.code, d.severity, d.line, d.element) == (
        "invalid-identifier",
        "error",
        4,
        "t.bad name",
    )


def test_schema_without_namespace() -> None:
    text = edmx("").replace(' Namespace="t"', "")
    (d,) = read_text(text).diagnostics
    assert (d.code, d.severity, d.line, d.element) == ("missing-attribute", "error", 3, None)


def test_unknown_version() -> None:
    doc = read_text(edmx('<ComplexType Name="c" />', version="3.0"))
    (d,) = doc.diagnostics
    assert (d.code, d.severity, d.line, d.element) == ("unknown-version", "warning", 1, None)
    assert "'3.0'" in d.message


def test_no_schema() -> None:
    text = (
        '<edmx:Edmx Version="4.01" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">\n'
        "  <edmx:DataServices />\n</edmx:Edmx>"
    )
    (d,) = read_text(text).diagnostics
    assert (d.code, d.severity, d.line, d.element) == ("no-schema", "warning", 1, None)


def test_bad_boolean_in_a_container_names_the_import() -> None:
    doc = read_text(
        edmx(
            '<Action Name="go" />\n<EntityContainer Name="c">\n'
            '<ActionImport Name="go" Action="t.go" IncludeInServiceDocument="1" />\n'
            "</EntityContainer>"
        )
    )
    (d,) = doc.diagnostics
    assert (d.code, d.line, d.element) == ("bad-boolean", 6, "t.c/go")


def test_unresolved_references_of_every_kind() -> None:
    text = edmx(
        '<EntityType Name="e" BaseType="t.missingBase"><Key><PropertyRef Name="id" /></Key>\n'
        '<Property Name="id" Type="Edm.String" />\n'
        '<NavigationProperty Name="n" Type="Collection(t.missingNav)" /></EntityType>\n'
        '<TypeDefinition Name="td" UnderlyingType="t.missingUnderlying" />\n'
        '<Function Name="f"><Parameter Name="p" Type="t.missingParam" />\n'
        '<ReturnType Type="t.missingReturn" /></Function>\n'
        '<Term Name="term" Type="t.missingTerm" />\n'
        '<EntityContainer Name="c"><EntitySet Name="s" EntityType="t.missingSet" />\n'
        '<Singleton Name="one" Type="t.missingSingleton" /></EntityContainer>'
    )
    found = {
        (d.element, d.line)
        for d in model_from_text(text).diagnostics
        if d.code == "unresolved-type"
    }
    assert found == {
        ("t.e", 4),
        ("t.e/n", 6),
        ("t.td", 7),
        ("t.f/p", 8),
        ("t.f", 8),
        ("t.term", 10),
        ("t.c/s", 11),
        ("t.c/one", 12),
    }


def test_referenced_namespaces_and_edm_types_resolve() -> None:
    text = edmx('<ComplexType Name="c"><Property Name="t" Type="Core.Tag" /></ComplexType>')
    text = text.replace(
        "<edmx:DataServices>",
        '<edmx:Reference Uri="core.xml"><edmx:Include Namespace="Org.OData.Core.V1" '
        'Alias="Core" /></edmx:Reference>\n<edmx:DataServices>',
    )
    assert model_from_text(text).diagnostics == ()


INJECTION = 'q" + str(__import__("os").system("touch pwned"))[:0] + "'


@pytest.mark.parametrize(
    ("body", "attr", "element", "line"),
    [
        ('<ComplexType Name="c" BaseType="t.a b" />', "BaseType", "t.c", 4),
        (
            '<ComplexType Name="c"><Property Name="p" Type="t.x)" /></ComplexType>',
            "Type",
            "t.c/p",
            4,
        ),
        (
            '<ComplexType Name="c">\n<Property Name="p" Type="Collection(t.1x)" /></ComplexType>',
            "Type",
            "t.c/p",
            5,
        ),
        ('<EnumType Name="e"><Member Name="a-b" /></EnumType>', "Name", "t.e/a-b", 4),
        (
            '<TypeDefinition Name="d" UnderlyingType="Edm.String&#10;" />',
            "UnderlyingType",
            "t.d",
            4,
        ),
        (
            '<EntityContainer Name="c"><EntitySet Name="s" EntityType="t.e;" /></EntityContainer>',
            "EntityType",
            "t.c",
            4,
        ),
        (
            '<EntityContainer Name="c"><Singleton Name="s" Type="t.e\u00a0" /></EntityContainer>',
            "Type",
            "t.c",
            4,
        ),
        (
            '<EntityContainer Name="c"><ActionImport Name="i" Action="t.a()" /></EntityContainer>',
            "Action",
            "t.c",
            4,
        ),
        ('<ComplexType Name="c\u00b2" />', "Name", "t.c\u00b2", 4),
    ],
)
def test_invalid_identifiers_are_errors_at_their_line(
    body: str, attr: str, element: str, line: int
) -> None:
    found = [d for d in read_text(edmx(body)).diagnostics if d.code == "invalid-identifier"]
    assert [(d.severity, d.line, d.element) for d in found] == [("error", line, element)]
    assert f" {attr} " in found[0].message


@pytest.mark.parametrize(
    ("namespace", "alias"),
    [(INJECTION, None), ("t.", None), ("a..b", None), ("t", "a.b"), ("t", "x y"), ("t\n", None)],
)
def test_invalid_namespace_or_alias_is_an_error(namespace: str, alias: str | None) -> None:
    text = edmx('<ComplexType Name="c" />').replace(
        'Namespace="t"',
        f"Namespace={quoteattr(namespace)}" + (f" Alias={quoteattr(alias)}" if alias else ""),
    )
    found = [d for d in read_text(text).diagnostics if d.code == "invalid-identifier"]
    assert [(d.severity, d.line) for d in found] == [("error", 3)]


def test_invalid_include_namespace_is_an_error() -> None:
    text = edmx("").replace(
        "<edmx:DataServices>",
        '<edmx:Reference Uri="x.xml"><edmx:Include Namespace="a b" Alias="X" />'
        '<edmx:Include Namespace="ok" Alias="1x" /></edmx:Reference>\n<edmx:DataServices>',
    )
    found = [d for d in read_text(text).diagnostics if d.code == "invalid-identifier"]
    assert [(d.line, d.element) for d in found] == [(2, "a b"), (2, "ok")]


@pytest.mark.parametrize(
    "name",
    ["a", "_", "_1", "\u00e9t\u00e9", "\u2160x", "a\u0301", "a\u200d", "x" * 128, "\u0434\u0430"],
)
def test_valid_simple_identifiers(name: str) -> None:
    assert is_simple_identifier(name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "1a",
        "a b",
        "a\n",
        "a-b",
        "x" * 129,
        "\u00b2",
        "a\u00b2",
        "\u0301a",
        "\u200da",
        "a\ud800",
    ],
)
def test_invalid_simple_identifiers(name: str) -> None:
    assert not is_simple_identifier(name)


def test_a_namespace_declared_twice_is_an_error() -> None:
    text = edmx('<ComplexType Name="a" />').replace(
        "</Schema>",
        '</Schema>\n<Schema Namespace="t" xmlns="http://docs.oasis-open.org/odata/ns/edm">'
        '<ComplexType Name="b" /></Schema>',
    )
    (d,) = read_text(text).diagnostics
    assert (d.code, d.severity, d.line, d.element) == ("duplicate-namespace", "error", 6, "t")
    assert ":3)" in d.message


def emitted_codes() -> set[str]:
    """Every diagnostic code written in the reader and resolver sources."""
    pattern = re.compile(r'\(\s*"(?:error|warning|info)",\s*"([a-z-]+)"')
    codes: set[str] = set()
    for name in ("csdl.py", "resolve.py"):
        codes |= set(pattern.findall(Path(REPO_ROOT / "codegen" / name).read_text()))
    return codes


def test_every_emitted_code_is_tested_here() -> None:
    tested = {code for code, *_ in CASES} | {"unknown-version", "no-schema"}
    tested |= {"duplicate-namespace"}
    codes = emitted_codes()
    assert len(codes) >= 19
    assert codes <= tested, f"untested diagnostic codes: {sorted(codes - tested)}"
