"""Render a `PackagePlan` into files: `{relative path: text}`, deterministic, nothing written."""

from __future__ import annotations

import json
import keyword
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from typing import Any

import jinja2

from codegen.manifest import MANIFEST_NAME, render_manifest
from codegen.model import InputDocument
from codegen.plan import ClassPlan, EnumPlan, OperationPlan, PackagePlan

GENERATOR_VERSION = "0.1.0"


class RenderError(ValueError):
    """A name that cannot be written into Python safely; the message names its CSDL element."""


def py_str(value: str | None) -> str:
    """The Python literal of any text (quotes, backslashes, control characters and lone
    surrogates escaped), or `None`: the one way a string from metadata becomes code."""
    if value is None:
        return "None"
    text = repr(value)
    # repr chose single quotes only if the text has no `'`; with no `"` either, swapping the
    # outer quotes gives ruff's double-quoted style without any escape changing meaning.
    if text[0] == "'" and '"' not in value:
        text = f'"{text[1:-1]}"'
    return text


# A backslash always; a quote when a quote follows it or it is the last character, since only
# `"""` (or the closing quotes right after it) can end a docstring; every non-printable but `\n`.
def docstring(text: str) -> str:
    """Text that is safe and keeps its meaning between triple double quotes; newlines stay."""
    out = []
    for i, ch in enumerate(text):
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"' and (i + 1 == len(text) or text[i + 1] == '"'):
            out.append('\\"')
        elif ch != "\n" and not ch.isprintable():
            out.append(ch.encode("unicode_escape").decode("ascii"))
        else:
            out.append(ch)
    return "".join(out)


def comment(text: str) -> str:
    """Text that stays on one comment line: non-printable characters escaped."""
    return text if text.isprintable() else repr(text)[1:-1]


_s = py_str


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("codegen", "templates"),
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(py_str=py_str, docstring=docstring, comment=comment)
    return env


_ANNOTATION = re.compile(r"[^\W\d]\w*|[\[\]|, ]")


def _identifier(name: str, what: str, element: str) -> None:
    if not name.isidentifier() or keyword.iskeyword(name):
        raise RenderError(f"{element}: {what} {name!r} is not a Python identifier")
    if unicodedata.normalize("NFKC", name) != name:
        # Python NFKC-normalises identifiers: the class would be found under another name.
        raise RenderError(f"{element}: {what} {name!r} is not in NFKC form")


def check_names(plan: PackagePlan, package: str) -> None:
    """Refuse any name that would not be one plain Python identifier where it is written."""
    for part in package.split("."):
        _identifier(part, "package name", package)
    for c in plan.classes:
        for part in c.package.split("."):
            _identifier(part, "subpackage", c.qname)
        _identifier(c.module, "module", c.qname)
        _identifier(c.class_name, "class", c.qname)
        _identifier(c.base_name, "base class", c.qname)
        for f in c.fields:
            _identifier(f.attr, "attribute", f"{c.qname}/{f.wire}")
            words = _ANNOTATION.findall(f.annotation)
            if "".join(words) != f.annotation:
                raise RenderError(f"{c.qname}/{f.wire}: annotation {f.annotation!r} is not a type")
            for w in words:
                if w != "None" and (w[0].isalpha() or w[0] == "_"):
                    _identifier(w, "annotation name", f"{c.qname}/{f.wire}")
        for line in [c.base_import, *c.type_imports]:
            if not line:
                continue
            module, _, names = line.removeprefix("from ").partition(" import ")
            for part in module.lstrip(".").split("."):
                if part:
                    _identifier(part, "imported module", c.qname)
            for item in names.split(", "):
                for n in item.split(" as "):
                    _identifier(n, "imported name", c.qname)
    for e in plan.enums:
        for part in e.package.split("."):
            _identifier(part, "subpackage", e.qname)
        _identifier(e.module, "module", e.qname)
        _identifier(e.class_name, "class", e.qname)
        for name, wire, _ in e.members:
            _identifier(name, "member", f"{e.qname}/{wire}")


# Field order of the facts' NamedTuples in `_odata.py` (`PropertyFacts`, `TypeFacts`…), each with
# its defaults: a row is written positionally, without the defaults it ends with, and `_odata.py`
# calls the NamedTuple with the decoded row.
_PROPERTY_DEFAULTS: tuple[object, ...] = (False, True, None, False, False, False, False)
_TYPE_DEFAULTS: tuple[object, ...] = (None, False, False, False, [], [])
_ENUM_DEFAULTS: tuple[object, ...] = (False,)
_OPERATION_DEFAULTS: tuple[object, ...] = (None, False, None, False, True)

FACTS_MODULE = "_facts"
"""The module of each subpackage that holds its types', enums' and operations' facts."""


def _row(
    required: list[object], optional: list[object], defaults: tuple[object, ...]
) -> list[object]:
    """`required + optional` without the trailing values that equal their defaults."""
    while optional and optional[-1] == defaults[len(optional) - 1]:
        optional = optional[:-1]
    return required + optional


def _compact(value: object) -> str:
    # Compact JSON, then the one escaping function: the text is data in a string constant.
    return py_str(json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False))


def _type_row(c: ClassPlan) -> list[object]:
    properties = [
        _row(
            [f.wire, f.attr, f.type_qname, f.kind],
            [f.collection, f.nullable, f.max_length, f.key, f.computed, f.immutable, f.navigation],
            _PROPERTY_DEFAULTS,
        )
        for f in c.fields
    ]
    return _row(
        [c.qname, c.kind, c.dotted, c.class_name],
        [c.base_qname, c.abstract, c.open, c.has_stream, list(c.key), properties],
        _TYPE_DEFAULTS,
    )


def _enum_row(e: EnumPlan) -> list[object]:
    members = [[wire, value] for _, wire, value in e.members]
    return _row([e.qname, e.dotted, e.class_name, members], [e.flags], _ENUM_DEFAULTS)


def _operation_row(op: OperationPlan) -> list[object]:
    return _row(
        [op.qname, op.kind, op.parameters],
        [
            op.binding,
            op.binding_collection,
            op.return_type,
            op.return_collection,
            op.return_nullable,
        ],
        _OPERATION_DEFAULTS,
    )


def _table(name: str, rows: Mapping[str, object]) -> str:
    items = "".join(f"    {_s(k)}: {_compact(v)},\n" for k, v in rows.items())
    return f"{name}: dict[str, str] = {{\n{items}}}\n"


def namespace_of(qname: str) -> str:
    """The CSDL namespace of a type, enum or operation name, also of a parameters pseudo-type
    (`ns.answer(ns.call)`); `_odata.py` splits names the same way to find their facts."""
    return qname.split("(", 1)[0].rpartition(".")[0]


def _namespaces(plan: PackagePlan) -> dict[str, str]:
    """CSDL namespace -> the subpackage whose `_facts` module holds its facts."""
    where: dict[str, str] = {}
    items: list[ClassPlan | EnumPlan] = [*plan.classes, *plan.enums]
    for item in items:
        namespace = namespace_of(item.qname)
        if where.setdefault(namespace, item.package) != item.package:
            raise RenderError(
                f"{item.qname}: namespace {namespace!r} spans two subpackages "
                f"({where[namespace]!r} and {item.package!r})"
            )
    for op in plan.operations:
        if namespace_of(op.qname) not in where:
            raise RenderError(f"{op.qname}: no subpackage holds its namespace")
    return dict(sorted(where.items()))


def render_facts(plan: PackagePlan, header: str) -> dict[str, str]:
    """One `<subpackage>/_facts.py` per namespace: each qualified name's facts as compact JSON.

    A string constant compiles and loads much faster than the same facts as nested calls, and
    `_odata.py` decodes one entry only when it is first looked up. A type's derived types are
    kept with the type.
    """
    packages = _namespaces(plan)
    tables: dict[str, dict[str, dict[str, Any]]] = {
        p: {"TYPES": {}, "ENUMS": {}, "OPERATIONS": {}, "DERIVED": {}} for p in packages.values()
    }
    for c in sorted(plan.classes, key=lambda c: c.qname):
        tables[c.package]["TYPES"][c.qname] = _type_row(c)
    for e in sorted(plan.enums, key=lambda e: e.qname):
        tables[e.package]["ENUMS"][e.qname] = _enum_row(e)
    for op in sorted(plan.operations, key=lambda o: (o.qname, o.parameters)):
        ops = tables[packages[namespace_of(op.qname)]]["OPERATIONS"]
        ops.setdefault(op.qname, []).append(_operation_row(op))
    for base, derived in sorted(plan.derived.items()):
        tables[packages[namespace_of(base)]]["DERIVED"][base] = list(derived)
    files = {}
    for package, table in tables.items():
        parts = [
            header,
            f'"""Facts of `{docstring(package)}`: JSON by qualified name, read on lookup."""\n',
        ]
        for name, rows in table.items():
            parts += ["\n", _table(name, rows)]
        files[f"{package}/{FACTS_MODULE}.py"] = "".join(parts)
    return files


def render_schema(plan: PackagePlan, header: str) -> str:
    """The `_schema.py` module: where each namespace's facts live, and the container's tables."""
    out = [
        header,
        '"""Metadata facts of this package: namespaces, entity sets, singletons, routes."""\n\n',
        "from ._odata import SchemaFacts, lazy_facts\n\n",
        "# CSDL namespace -> the subpackage whose `_facts` module holds its types, enums,\n",
        "# operations and derived types.\n",
        "NAMESPACES: dict[str, str] = {\n",
    ]
    out += [f"    {_s(k)}: {_s(v)},\n" for k, v in _namespaces(plan).items()]
    out.append("}\n\nENTITY_SETS: dict[str, str] = {\n")
    out += [f"    {_s(k)}: {_s(v)},\n" for k, v in plan.entity_sets.items()]
    out.append("}\n\nSINGLETONS: dict[str, str] = {\n")
    out += [f"    {_s(k)}: {_s(v)},\n" for k, v in plan.singletons.items()]
    out.append("}\n\nROUTES: dict[str, tuple[str, bool]] = {\n")
    out += [f"    {_s(k)}: ({_s(q)}, {c}),\n" for k, (q, c) in plan.routes.items()]
    out.append("}\n\n")
    out.append(
        "FACTS = SchemaFacts(\n"
        '    types=lazy_facts(__package__, NAMESPACES, "TYPES"),\n'
        '    enums=lazy_facts(__package__, NAMESPACES, "ENUMS"),\n'
        '    operations=lazy_facts(__package__, NAMESPACES, "OPERATIONS"),\n'
        "    entity_sets=ENTITY_SETS,\n"
        "    singletons=SINGLETONS,\n"
        '    derived=lazy_facts(__package__, NAMESPACES, "DERIVED"),\n'
        "    routes=ROUTES,\n)\n"
    )
    return "".join(out)


def render_package(
    plan: PackagePlan,
    inputs: Iterable[InputDocument],
    package: str,
    *,
    roots: Sequence[str] = (),
    sources: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every file of the generated package, by path relative to its root."""
    check_names(plan, package)
    env = _environment()
    inputs = list(inputs)
    # The inputs are recorded once, in the manifest, so that a new input touches one file.
    common = {"version": GENERATOR_VERSION, "package": package}
    header = env.get_template("header.jinja").render(**common) + "\n"
    files: dict[str, str] = {}
    class_t = env.get_template("class_module.py.jinja")
    enum_t = env.get_template("enum_module.py.jinja")
    for c in plan.classes:
        files[f"{c.package}/{c.module}.py"] = class_t.render(c=c, up="..", **common)
    for e in plan.enums:
        files[f"{e.package}/{e.module}.py"] = enum_t.render(e=e, up="..", **common)
    ns_t = env.get_template("namespace_init.py.jinja")
    namespaces = {
        c.package: c.qname.rsplit(".", 1)[0] for c in plan.classes if c.kind != "parameters"
    }
    namespaces.update({e.package: e.qname.rsplit(".", 1)[0] for e in plan.enums})
    for sub, items in plan.subpackages().items():
        files[f"{sub}/__init__.py"] = ns_t.render(
            namespace=namespaces.get(sub, sub), items=items, reexport=bool(roots), **common
        )
    files["__init__.py"] = env.get_template("package_init.py.jinja").render(**common)
    files["_schema.py"] = render_schema(plan, header)
    files.update(render_facts(plan, header))
    odata = resources.files("codegen").joinpath("support/_odata.py").read_text(encoding="utf-8")
    files["_odata.py"] = header + odata
    files["py.typed"] = ""
    files[MANIFEST_NAME] = render_manifest(
        version=GENERATOR_VERSION,
        package=package,
        inputs=inputs,
        roots=roots,
        files=files,
        sources=sources,
    )
    return files
