"""No name or text in a CSDL document changes what the generated code does.

Hypothesis builds documents from hostile names (keywords, builtins, dunders, our own helpers'
names, non-ASCII, names equal after snake_case or NFKC) and texts (quotes, backslashes, triple
quotes, control characters, `{{ }}`, `%`), with deep inheritance and several namespaces reached
through aliases. Each is generated next to a benign twin of the same structure: every module
must parse to the same AST shape (no extra call, import or statement), import, and round-trip
an instance of every type. The crafted Namespace of the hostile-input issue is refused before
anything is written.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from codegen import cli
from codegen.csdl import is_simple_identifier
from codegen.diagnostics import errors
from tests.codegen.factory import EDM, generate_text, run_python

HOSTILE_NAMES = [
    # keywords and soft keywords, builtins, dunders
    "class", "def", "import", "None", "True", "lambda", "match", "case", "type", "_",
    "str", "int", "list", "dict", "object", "id", "print", "exec", "eval", "__import__",
    "__init__", "__class__", "__dict__", "__getattr__", "__dir__", "__all__", "_MODULES",
    # names the generated modules use
    "attrs", "UNSET", "Unset", "ClassVar", "ODataObject", "OpenEnum", "TYPE_CHECKING",
    "annotations", "importlib", "Any", "Decimal", "UUID", "ODATA_TYPE", "odata_annotations",
    "additional_data", "self", "cls", "converter", "schema", "_odata", "_schema", "FACTS",
    "name", "value", "mro",
    # leading underscore and digits, equal after snake_case, pascal_case or NFKC
    "_1", "_2x", "__", "fooBar", "foo_bar", "FooBar", "FOO_BAR", "\ufb01eld", "field",
    "\uff26oo", "Foo", "foo", "stra\u00dfe", "STRASSE",
    # non-ASCII: letters, letter numbers, marks, format characters
    "\u540d\u524d", "\u03a9mega", "\u01c5ab", "\u2166x", "a\u0301", "x\u200d", "\u0434\u0430",
]  # fmt: skip

NAMES = st.one_of(
    st.sampled_from(HOSTILE_NAMES),
    st.text(
        st.characters(categories=["Lu", "Ll", "Lo", "Nl", "Nd", "Mn", "Pc", "Cf"]),
        min_size=1,
        max_size=6,
    ).filter(is_simple_identifier),
)


def _xml_char(ch: str) -> bool:
    o = ord(ch)
    return ch in "\t\n\r" or 0x20 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or o >= 0x10000


TEXTS = st.one_of(
    st.none(),
    st.sampled_from(
        [
            'ends in "published"',
            '"""',
            'a """ b',
            "\\",
            "back\\slash\\",
            "{{ x }} {% if %} %s %(a)s",
            "tab\there\x85next\u2028line\x7f\x80\u200b",
            "'''",
            "\\N{BULLET} \\u0041 \\x41",
            '"',
            "\"'\"'",
        ]
    ),
    st.text(st.characters(codec="utf-8").filter(_xml_char), max_size=30),
)


@dataclass
class Prop:
    name: str
    kind: str  # "string", "int", "enum" or the index of an earlier type
    doc: str | None


@dataclass
class TypeSpec:
    ns: int
    name: str
    base: int | None
    abstract: bool
    doc: str | None
    props: list[Prop] = field(default_factory=list)


@dataclass
class DocSpec:
    namespaces: list[tuple[str, str]]  # (namespace, alias)
    types: list[TypeSpec]
    enum_name: str
    members: list[str]
    via_alias: bool


@st.composite
def documents(draw: st.DrawFn) -> DocSpec:
    """A document of 1–3 namespaces with aliases, 1–6 complex types (bases chained up to the
    depth the draw gives) and one enum, named and described by the hostile strategies."""
    namespaces: list[tuple[str, str]] = []
    for _ in range(draw(st.integers(1, 3))):
        parts = draw(st.lists(NAMES, min_size=1, max_size=3))
        ns = ".".join(parts)
        alias = draw(NAMES)
        taken = {n for n, _ in namespaces} | {a for _, a in namespaces}
        if ns in taken or alias in taken or alias == ns or alias == parts[0]:
            continue
        namespaces.append((ns, alias))
    if not namespaces:
        namespaces = [("t", "T")]
    types: list[TypeSpec] = []
    names_in: dict[int, set[str]] = {i: set() for i in range(len(namespaces))}
    enum_name = draw(NAMES)
    names_in[0].add(enum_name)
    members = draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    for _ in range(draw(st.integers(1, 6))):
        ns = draw(st.integers(0, len(namespaces) - 1))
        name = draw(NAMES)
        if name in names_in[ns]:
            continue
        names_in[ns].add(name)
        base = draw(st.none() | st.integers(0, len(types) - 1)) if types else None
        spec = TypeSpec(ns, name, base, draw(st.booleans()), draw(TEXTS))
        inherited: set[str] = set()
        b = base
        while b is not None:
            inherited |= {p.name for p in types[b].props}
            b = types[b].base
        for _ in range(draw(st.integers(0, 4))):
            pname = draw(NAMES)
            if pname in inherited or pname in {p.name for p in spec.props}:
                continue
            kinds = ["string", "int", "enum", *[str(i) for i in range(len(types))]]
            spec.props.append(Prop(pname, draw(st.sampled_from(kinds)), draw(TEXTS)))
        types.append(spec)
    return DocSpec(namespaces, types, enum_name, members, draw(st.booleans()))


def benign(doc: DocSpec) -> DocSpec:
    """The same structure with plain names and texts."""
    return DocSpec(
        [(f"ns{i}.x", f"A{i}") for i in range(len(doc.namespaces))],
        [
            TypeSpec(
                t.ns,
                f"T{j}",
                t.base,
                t.abstract,
                None if t.doc is None else "d",
                [
                    Prop(f"p{k}", p.kind, None if p.doc is None else "d")
                    for k, p in enumerate(t.props)
                ],
            )
            for j, t in enumerate(doc.types)
        ],
        "E",
        [f"m{k}" for k in range(len(doc.members))],
        doc.via_alias,
    )


def _annotation(text: str | None) -> str:
    if text is None:
        return ""
    return f'<Annotation Term="Org.OData.Core.V1.Description" String={quoteattr(text)} />'


def to_xml(doc: DocSpec) -> str:
    """The CSDL text of a spec; references use the alias when `via_alias`."""

    def ref(i: int, name: str) -> str:
        ns, alias = doc.namespaces[i]
        return f"{alias if doc.via_alias else ns}.{name}"

    bodies: list[list[str]] = [[] for _ in doc.namespaces]
    members = "".join(
        f'<Member Name={quoteattr(m)} Value="{k}" />' for k, m in enumerate(doc.members)
    )
    bodies[0].append(f"<EnumType Name={quoteattr(doc.enum_name)}>{members}</EnumType>")
    for t in doc.types:
        props = []
        for p in t.props:
            if p.kind == "string":
                type_ = "Edm.String"
            elif p.kind == "int":
                type_ = "Edm.Int32"
            elif p.kind == "enum":
                type_ = ref(0, doc.enum_name)
            else:
                target = doc.types[int(p.kind)]
                type_ = ref(target.ns, target.name)
            props.append(
                f"<Property Name={quoteattr(p.name)} Type={quoteattr(type_)}>"
                f"{_annotation(p.doc)}</Property>"
            )
        base = ""
        if t.base is not None:
            b = doc.types[t.base]
            base = f" BaseType={quoteattr(ref(b.ns, b.name))}"
        abstract = ' Abstract="true"' if t.abstract else ""
        bodies[t.ns].append(
            f"<ComplexType Name={quoteattr(t.name)}{base}{abstract}>"
            f"{_annotation(t.doc)}{''.join(props)}</ComplexType>"
        )
    schemas = "".join(
        f'<Schema Namespace={quoteattr(ns)} Alias={quoteattr(alias)} xmlns="{EDM}">'
        f"{''.join(bodies[i])}</Schema>\n"
        for i, (ns, alias) in enumerate(doc.namespaces)
    )
    return (
        '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">'
        f"<edmx:DataServices>\n{schemas}</edmx:DataServices></edmx:Edmx>"
    )


class _Shape(ast.NodeTransformer):
    """Forget every name and constant the metadata could choose; keep the structure, the
    keyword names, attribute names and the modules of absolute imports (ours alone)."""

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.Name("N", node.ctx)

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.Constant(type(node.value).__name__)

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.generic_visit(node)
        node.name = "C"
        return node

    def visit_Dict(self, node: ast.Dict) -> ast.AST:
        # Entries are sorted by qualified name, so their order follows the names too.
        self.generic_visit(node)
        pairs = sorted(
            zip(node.keys, node.values, strict=True),
            key=lambda kv: ast.dump(kv[1]) + (ast.dump(kv[0]) if kv[0] else ""),
        )
        return ast.Dict([k for k, _ in pairs], [v for _, v in pairs])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        # Which classes a relative import brings (and under which alias) depends on names.
        module = node.module if node.level == 0 else "M"
        return ast.ImportFrom(module, [], node.level)


def shapes(root: Path) -> list[str]:
    """The sorted AST shapes of every module of a generated package."""
    return sorted(
        ast.dump(_Shape().visit(ast.parse(p.read_text(encoding="utf-8"))))
        for p in root.rglob("*.py")
    )


ROUND_TRIP = """
import importlib, json, sys
import pkg
conv = pkg.converter()
facts = pkg.schema()
checked = 0
for qname, body in json.loads(sys.stdin.read()):
    t = facts.types[qname]
    cls = getattr(importlib.import_module("pkg." + t.module), t.class_name)
    assert cls.ODATA_TYPE == "#" + qname, (cls.ODATA_TYPE, qname)
    if t.abstract:
        continue
    namespace = importlib.import_module("pkg." + t.module.rpartition(".")[0])
    assert getattr(namespace, t.class_name) is cls, (qname, t.class_name)
    assert t.class_name in dir(namespace)
    obj = conv.read_as(body, cls)
    written = conv.write(obj)
    assert written == body, (qname, body, written)
    checked += 1
# Importing every subpackage replaced none of the package's own functions.
assert pkg.converter() is conv and pkg.schema() is facts
print(checked)
"""


def bodies(doc: DocSpec) -> list[tuple[str, dict[str, object]]]:
    """A JSON body per type, with every declared and inherited property set."""
    out = []
    for t in doc.types:
        body: dict[str, object] = {}
        chain: TypeSpec | None = t
        while chain is not None:
            for p in chain.props:
                if p.kind == "string":
                    body[p.name] = '"""\\\'{{ %s }}\x00'
                elif p.kind == "int":
                    body[p.name] = 7
                elif p.kind == "enum":
                    body[p.name] = doc.members[-1]
            chain = doc.types[chain.base] if chain.base is not None else None
        out.append((f"{doc.namespaces[t.ns][0]}.{t.name}", body))
    return out


@pytest.mark.slow
@settings(
    max_examples=12,
    deadline=None,
    # Each example generates two packages and starts an interpreter: shrinking would take
    # minutes; the failing example is printed whole instead.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(documents())
def test_hostile_documents_generate_the_same_code_as_benign_ones(doc: DocSpec) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model = generate_text(to_xml(doc), root / "hostile" / "pkg")
        assert errors(model.diagnostics) == []
        generate_text(to_xml(benign(doc)), root / "benign" / "pkg")
        assert shapes(root / "hostile" / "pkg") == shapes(root / "benign" / "pkg")
        cases = bodies(doc)
        script = f"import sys, io\nsys.stdin = io.StringIO({json.dumps(cases)!r})\n" + ROUND_TRIP
        out = run_python(root / "hostile", script)
        assert int(out) == sum(1 for t in doc.types if not t.abstract)


INJECTION = 'q" + str(__import__("os").system("touch pwned"))[:0] + "'


def test_the_crafted_namespace_is_refused_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "evil.xml").write_text(
        '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">'
        f'<edmx:DataServices>\n<Schema Namespace={quoteattr(INJECTION)} xmlns="{EDM}">'
        '<ComplexType Name="c"><Property Name="x" Type="Edm.String" /></ComplexType>'
        "</Schema></edmx:DataServices></edmx:Edmx>",
        encoding="utf-8",
    )
    status = cli.main(["generate", "--metadata", "evil.xml", "--out", "pkg"])
    err = capsys.readouterr().err
    assert status == 2  # refused input
    assert "evil.xml:2: error: invalid-identifier: Schema Namespace" in err
    assert "nothing written" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.xml"]
    assert cli.main(["inspect", "--metadata", "evil.xml"]) == 1
    assert "invalid-identifier" in capsys.readouterr().out
    assert not (tmp_path / "pwned").exists()


def every_hostile_name() -> DocSpec:
    """One document that uses every hostile name as a type, a property and an enum member,
    in three namespaces (one of them `schema`) with chains of five bases, through aliases."""
    names = HOSTILE_NAMES
    types: list[TypeSpec] = []
    for i, name in enumerate(names):
        base = i - 1 if i % 5 else None
        inherited: set[str] = set()
        b = base
        while b is not None:
            inherited |= {p.name for p in types[b].props}
            b = types[b].base
        kinds = ["string", "int", "enum", str(i - 1) if i else "string"]
        props = [
            Prop(names[(i + k) % len(names)], kind, 'ends "quoted"')
            for k, kind in enumerate(kinds)
            if names[(i + k) % len(names)] not in inherited
        ]
        types.append(TypeSpec(i % 3, name, base, False, "a \\ b", props))
    namespaces = [("class.def", "A"), ("\u540d\u524d", "B"), ("schema", "C")]
    return DocSpec(namespaces, types, "converter", names[:20], True)


@pytest.mark.slow
def test_every_hostile_name_at_once_passes_mypy_strict(tmp_path: Path) -> None:
    doc = every_hostile_name()
    model = generate_text(to_xml(doc), tmp_path / "pkg")
    assert errors(model.diagnostics) == []
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / ".mypy"), "pkg"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    script = f"import sys, io\nsys.stdin = io.StringIO({json.dumps(bodies(doc))!r})\n"
    assert int(run_python(tmp_path, script + ROUND_TRIP)) == len(doc.types)
