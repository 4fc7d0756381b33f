"""Render a `PackagePlan` into files: `{relative path: text}`, deterministic, nothing written."""

from __future__ import annotations

import keyword
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources

import jinja2

from codegen.manifest import MANIFEST_NAME, render_manifest
from codegen.model import InputDocument
from codegen.plan import ClassPlan, PackagePlan

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


def _call(name: str, args: Iterable[tuple[str, str]], indent: int) -> str:
    pad = " " * indent
    inner = "".join(f"{pad}    {k}={v},\n" for k, v in args)
    return f"{name}(\n{inner}{pad})"


def _property_facts(c: ClassPlan, indent: int) -> str:
    pad = " " * indent
    if not c.fields:
        return "()"
    items = []
    for f in c.fields:
        args = [
            ("name", _s(f.wire)),
            ("attr", _s(f.attr)),
            ("type", _s(f.type_qname)),
            ("kind", _s(f.kind)),
        ]
        for flag, value in (
            ("collection", f.collection),
            ("key", f.key),
            ("computed", f.computed),
            ("immutable", f.immutable),
            ("navigation", f.navigation),
        ):
            if value:
                args.append((flag, "True"))
        if not f.nullable:
            args.append(("nullable", "False"))
        if f.max_length is not None:
            args.append(("max_length", str(f.max_length)))
        items.append(f"{pad}    " + _call("P", args, indent + 4) + ",\n")
    return "(\n" + "".join(items) + f"{pad})"


def render_schema(plan: PackagePlan, header: str) -> str:
    """The `_schema.py` module: every fact the converter and validators need, as literals."""
    out = [
        header,
        '"""Metadata facts of this package: types, enums, operations, entity sets."""\n\n',
        "from ._odata import EnumFacts as E\n",
        "from ._odata import OperationFacts as O\n",
        "from ._odata import PropertyFacts as P\n",
        "from ._odata import SchemaFacts\n",
        "from ._odata import TypeFacts as T\n\n",
        "TYPES: dict[str, T] = {\n",
    ]
    for c in sorted(plan.classes, key=lambda c: c.qname):
        args = [
            ("qname", _s(c.qname)),
            ("kind", _s(c.kind)),
            ("module", _s(c.dotted)),
            ("class_name", _s(c.class_name)),
        ]
        if c.base_qname:
            args.append(("base", _s(c.base_qname)))
        for flag, value in (
            ("abstract", c.abstract),
            ("open", c.open),
            ("has_stream", c.has_stream),
        ):
            if value:
                args.append((flag, "True"))
        if c.key:
            args.append(("key", "(" + "".join(f"{_s(k)}, " for k in c.key).rstrip() + ")"))
        args.append(("properties", _property_facts(c, 4)))
        out.append(f"    {_s(c.qname)}: " + _call("T", args, 4) + ",\n")
    out.append("}\n\nENUMS: dict[str, E] = {\n")
    for e in sorted(plan.enums, key=lambda e: e.qname):
        members = (
            "(\n"
            + "".join(f"            ({_s(wire)}, {value}),\n" for _, wire, value in e.members)
            + "        )"
        )
        args = [
            ("qname", _s(e.qname)),
            ("module", _s(e.dotted)),
            ("class_name", _s(e.class_name)),
            ("members", members),
        ]
        if e.flags:
            args.append(("flags", "True"))
        out.append(f"    {_s(e.qname)}: " + _call("E", args, 4) + ",\n")
    out.append("}\n\nOPERATIONS: dict[str, tuple[O, ...]] = {\n")
    by_name: dict[str, list[str]] = {}
    for op in sorted(plan.operations, key=lambda o: (o.qname, o.parameters)):
        args = [("qname", _s(op.qname)), ("kind", _s(op.kind)), ("parameters", _s(op.parameters))]
        if op.binding:
            args.append(("binding", _s(op.binding)))
        if op.binding_collection:
            args.append(("binding_collection", "True"))
        if op.return_type:
            args.append(("return_type", _s(op.return_type)))
        if op.return_collection:
            args.append(("return_collection", "True"))
        if not op.return_nullable:
            args.append(("return_nullable", "False"))
        by_name.setdefault(op.qname, []).append(_call("O", args, 8))
    for qname, calls in by_name.items():
        out.append(f"    {_s(qname)}: (\n" + "".join(f"        {c},\n" for c in calls) + "    ),\n")
    out.append("}\n\nENTITY_SETS: dict[str, str] = {\n")
    out += [f"    {_s(k)}: {_s(v)},\n" for k, v in plan.entity_sets.items()]
    out.append("}\n\nSINGLETONS: dict[str, str] = {\n")
    out += [f"    {_s(k)}: {_s(v)},\n" for k, v in plan.singletons.items()]
    out.append("}\n\nDERIVED: dict[str, tuple[str, ...]] = {\n")
    for k, v in plan.derived.items():
        out.append(f"    {_s(k)}: (\n" + "".join(f"        {_s(d)},\n" for d in v) + "    ),\n")
    out.append("}\n\nROUTES: dict[str, tuple[str, bool]] = {\n")
    out += [f"    {_s(k)}: ({_s(q)}, {c}),\n" for k, (q, c) in plan.routes.items()]
    out.append("}\n\n")
    out.append(
        "FACTS = SchemaFacts(\n    types=TYPES,\n    enums=ENUMS,\n    operations=OPERATIONS,\n"
        "    entity_sets=ENTITY_SETS,\n    singletons=SINGLETONS,\n    derived=DERIVED,\n"
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
            namespace=namespaces.get(sub, sub), items=items, **common
        )
    files["__init__.py"] = env.get_template("package_init.py.jinja").render(**common)
    files["_schema.py"] = render_schema(plan, header)
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
