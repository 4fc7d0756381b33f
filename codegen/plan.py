"""The render model: Python names, modules, imports and facts for every type in scope."""

from __future__ import annotations

import re
import textwrap
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from codegen import naming
from codegen.closure import Scope
from codegen.model import (
    CORE_COMPUTED,
    CORE_DESCRIPTION,
    CORE_IMMUTABLE,
    Diagnostic,
    EnumType,
    Model,
    Operation,
    Source,
    StructuredType,
    TypeDefinition,
    TypeRef,
)

# Python annotation and the import it needs, per Edm primitive.
EDM_PYTHON: dict[str, tuple[str, str | None]] = {
    "Edm.String": ("str", None),
    "Edm.Boolean": ("bool", None),
    "Edm.Byte": ("int", None),
    "Edm.SByte": ("int", None),
    "Edm.Int16": ("int", None),
    "Edm.Int32": ("int", None),
    "Edm.Int64": ("int", None),
    "Edm.Single": ("float", None),
    "Edm.Double": ("float", None),
    "Edm.Decimal": ("Decimal", "from decimal import Decimal"),
    "Edm.DateTimeOffset": ("datetime", "from datetime import datetime"),
    "Edm.Date": ("date", "from datetime import date"),
    "Edm.TimeOfDay": ("time", "from datetime import time"),
    "Edm.Duration": ("timedelta", "from datetime import timedelta"),
    "Edm.Guid": ("UUID", "from uuid import UUID"),
    "Edm.Binary": ("bytes", None),
    "Edm.Stream": ("str", None),
}
ANY_IMPORT = "from typing import Any"


@dataclass
class FieldPlan:
    """One attribute of a generated class."""

    attr: str
    wire: str
    annotation: str
    doc: str | None
    type_qname: str
    kind: str
    collection: bool
    nullable: bool
    max_length: int | None
    key: bool
    computed: bool
    immutable: bool
    navigation: bool


@dataclass
class ClassPlan:
    """One generated attrs class (a structured type or an operation's parameters)."""

    qname: str
    kind: str
    package: str
    module: str
    class_name: str
    base_qname: str | None
    abstract: bool
    open: bool
    has_stream: bool
    key: tuple[str, ...]
    doc: str | None
    fields: list[FieldPlan] = field(default_factory=list)
    base_import: str = ""
    base_name: str = "ODataObject"
    type_imports: list[str] = field(default_factory=list)

    @property
    def dotted(self) -> str:
        """The module path inside the package: `microsoft_graph.call`."""
        return f"{self.package}.{self.module}"


@dataclass
class EnumPlan:
    """One generated enum class."""

    qname: str
    package: str
    module: str
    class_name: str
    flags: bool
    members: list[tuple[str, str, int]]
    doc: str | None

    @property
    def dotted(self) -> str:
        """The module path inside the package."""
        return f"{self.package}.{self.module}"


@dataclass
class OperationPlan:
    """Facts about one action or function in scope."""

    qname: str
    kind: str
    parameters: str
    binding: str | None
    binding_collection: bool
    return_type: str | None
    return_collection: bool
    return_nullable: bool


@dataclass
class PackagePlan:
    """Everything the templates render."""

    classes: list[ClassPlan]
    enums: list[EnumPlan]
    operations: list[OperationPlan]
    entity_sets: dict[str, str]
    singletons: dict[str, str]
    derived: dict[str, tuple[str, ...]]
    routes: dict[str, tuple[str, bool]] = field(default_factory=dict)
    # Renames the collision rule applied (`name-collision` warnings), for the caller to report.
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def subpackages(self) -> dict[str, list[ClassPlan | EnumPlan]]:
        """Generated classes grouped by subpackage, sorted by class name."""
        out: dict[str, list[ClassPlan | EnumPlan]] = defaultdict(list)
        items: list[ClassPlan | EnumPlan] = [*self.classes, *self.enums]
        for item in items:
            out[item.package].append(item)
        return {k: sorted(v, key=lambda i: i.class_name) for k, v in sorted(out.items())}


def description(model: Model, target: str) -> str | None:
    """The `Core.Description` (or LongDescription) text of a target, if any."""
    for a in model.annotations_of(target):
        if a.term == CORE_DESCRIPTION and isinstance(a.value, str) and a.value.strip():
            return " ".join(a.value.split())
    return None


def _flag(model: Model, target: str, term: str) -> bool:
    return any(a.term == term and a.value is True for a in model.annotations_of(target))


def dedupe(
    kind: str,
    wanted: Sequence[str],
    elements: Sequence[str],
    sources: Sequence[Source | None],
    report: list[Diagnostic],
    key: Callable[[str], str] = naming.same,
    taken: frozenset[str] = frozenset(),
) -> list[str]:
    """`naming.unique`, with a `name-collision` warning for every name it changed."""
    got = naming.unique(list(wanted), key, taken)
    first: dict[str, str] = {}
    for w, g, element, source in zip(wanted, got, elements, sources, strict=True):
        owner = first.setdefault(key(w), element)
        if g != w:
            report.append(
                collision(kind, w, g, element, owner if owner != element else None, source)
            )
    return got


def collision(
    kind: str, wanted: str, got: str, element: str, other: str | None, source: Source | None
) -> Diagnostic:
    """The warning of one rename by the collision rule."""
    why = f"it is taken by {other}" if other else "it is taken"
    return Diagnostic(
        "warning",
        "name-collision",
        f"{element}: {kind} name {wanted!r} would collide in Python ({why}); using {got!r}",
        source.file if source else None,
        source.line if source else None,
        element,
    )


class _Namer:
    """Package, module and class names, unique by the one collision rule."""

    def __init__(self, model: Model, scope: Scope, report: list[Diagnostic]) -> None:
        self.report = report
        self.where: dict[str, tuple[str, str, str]] = {}
        # Per package, what `add` must not give out: module keys; class and module names.
        self.taken_modules: dict[str, set[str]] = defaultdict(set)
        self.taken_names: dict[str, set[str]] = defaultdict(set)
        qnames = [q for q in sorted(scope.types) if not isinstance(model.types[q], TypeDefinition)]
        namespaces = sorted(
            {model.types[q].namespace for q in qnames} | {op.namespace for op in scope.operations}
        )
        packages = dedupe(
            "package",
            [naming.package_name(ns) for ns in namespaces],
            namespaces,
            [None] * len(namespaces),
            report,
            naming.file_key,
            # Importing a subpackage binds its name in the package's namespace, where it would
            # replace these.
            frozenset({"_odata", "_schema", "__init__", *naming.PACKAGE_GLOBALS}),
        )
        self.packages = dict(zip(namespaces, packages, strict=True))
        by_package: dict[str, list[str]] = defaultdict(list)
        for qname in qnames:
            by_package[self.packages[model.types[qname].namespace]].append(qname)
        for package, members in by_package.items():
            sources = [model.types[q].source for q in members]
            modules = dedupe(
                "module",
                [naming.module_name(model.types[q].name) for q in members],
                members,
                sources,
                report,
                naming.file_key,
                # `_facts` holds the subpackage's facts (codegen/render.py).
                frozenset({"__init__", "_facts"}),
            )
            # A class named like a module of its package (possible in scripts without case,
            # `名前`) would be replaced by that module once it is imported.
            classes = dedupe(
                "class",
                [naming.class_name(model.types[q].name) for q in members],
                members,
                sources,
                report,
                taken=frozenset({*modules, "_facts"}),
            )
            for q, m, c in zip(members, modules, classes, strict=True):
                self.where[q] = (package, m, c)
            self.taken_modules[package] = {naming.file_key(m) for m in modules}
            self.taken_names[package] = {*classes, *modules}

    def add(self, qname: str, package: str, module: str, class_name: str) -> None:
        """Name a parameters class; our own names, so a clash takes a number silently."""
        taken_modules = self.taken_modules[package]
        taken_names = self.taken_names[package]
        base_m, base_c, i = module, class_name, 2
        while (
            naming.file_key(module) in taken_modules
            or module in taken_names
            or class_name in taken_names
        ):
            module, class_name, i = f"{base_m}_{i}", f"{base_c}{i}", i + 1
        self.where[qname] = (package, module, class_name)
        taken_modules.add(naming.file_key(module))
        taken_names |= {module, class_name}


def _wrap_doc(text: str | None, indent: int) -> str | None:
    if not text:
        return None
    # Escaping is the template's `docstring` filter's job, after wrapping.
    width = 100 - indent - 3
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False)) or None


class Planner:
    """Builds the `PackagePlan` of a model and a scope."""

    def __init__(self, model: Model, scope: Scope) -> None:
        self.model = model
        self.scope = scope
        self.diagnostics: list[Diagnostic] = []
        self.names = _Namer(model, scope, self.diagnostics)

    def kind_of(self, qname: str) -> tuple[str, str]:
        """(kind, effective qname): type definitions resolve to their underlying primitive."""
        t = self.model.types.get(qname)
        if isinstance(t, TypeDefinition):
            return "primitive", t.underlying_type
        if isinstance(t, EnumType):
            return "enum", qname
        if isinstance(t, StructuredType):
            return t.kind, qname
        return "primitive", qname

    def in_scope(self, ref: TypeRef) -> bool:
        """A reference the package can represent: a primitive or a type in scope."""
        kind, qname = self.kind_of(ref.qname)
        return kind == "primitive" or qname in self.names.where

    def field_plan(
        self, owner: str, name: str, ref: TypeRef, nullable: bool, max_length: object, nav: bool
    ) -> FieldPlan:
        """The plan of one property or parameter."""
        kind, qname = self.kind_of(ref.qname)
        target = f"{owner}/{name}"
        return FieldPlan(
            attr=naming.attribute_name(name),
            wire=name,
            annotation="",
            doc=_wrap_doc(description(self.model, target), 4),
            type_qname=qname,
            kind=kind,
            collection=ref.collection,
            nullable=nullable,
            max_length=max_length if isinstance(max_length, int) else None,
            key=False,
            computed=_flag(self.model, target, CORE_COMPUTED),
            immutable=_flag(self.model, target, CORE_IMMUTABLE),
            navigation=nav,
        )

    def class_plan(self, t: StructuredType) -> ClassPlan:
        """The plan of a structured type."""
        package, module, cname = self.names.where[t.qname]
        key = self.model.key(t.qname) if t.kind == "entity" else ()
        plan = ClassPlan(
            qname=t.qname,
            kind=t.kind,
            package=package,
            module=module,
            class_name=cname,
            base_qname=t.base if t.base in self.names.where else None,
            abstract=t.abstract,
            open=t.open,
            has_stream=t.has_stream,
            key=key,
            doc=_wrap_doc(description(self.model, t.qname), 4),
        )
        for p in t.properties:
            if not self.in_scope(p.type):
                continue
            fp = self.field_plan(
                t.qname, p.name, p.type, p.nullable, p.facets.max_length, nav=False
            )
            fp.key = p.name in key
            plan.fields.append(fp)
        for n in t.navigation_properties:
            if not self.in_scope(n.type):
                continue
            plan.fields.append(self.field_plan(t.qname, n.name, n.type, n.nullable, None, nav=True))
        self._uniquify(plan)
        return plan

    def parameters_plan(
        self, op: Operation, overloaded: bool = False
    ) -> tuple[ClassPlan, OperationPlan]:
        """The parameters class and the facts of an action or function.

        Its pseudo-qname is `ns.op(binding)` (`ns.op()` unbound). Function overloads with the
        same binding differ by their parameter names, so when `overloaded`, an overload with
        parameters adds them after a semicolon: `ns.columnsAfter(ns.workbookRange;count)`.
        """
        binding = op.binding
        qname = f"{op.qname}({binding})" if binding else f"{op.qname}()"
        names = [p.name for p in (op.parameters[1:] if op.is_bound else op.parameters)]
        if overloaded and names:
            qname = f"{qname[:-1]};{','.join(names)})"
        package = self.names.packages[op.namespace]
        stem = naming.snake_case(op.name)
        cstem = naming.pascal_case(op.name)
        if binding is not None:
            bt = self.model.types.get(binding.qname)
            bname = bt.name if bt is not None else binding.qname.rpartition(".")[2]
            stem = f"{naming.snake_case(bname)}_{stem}"
            cstem = naming.pascal_case(bname) + cstem
            if binding.collection:
                stem, cstem = f"collection_of_{stem}", f"CollectionOf{cstem}"
        self.names.add(qname, package, f"{stem}_parameters", f"{cstem}Parameters")
        _, module, cname = self.names.where[qname]
        plan = ClassPlan(
            qname=qname,
            kind="parameters",
            package=package,
            module=module,
            class_name=cname,
            base_qname=None,
            abstract=False,
            open=False,
            has_stream=False,
            key=(),
            doc=_wrap_doc(
                f"Parameters of the {op.kind} `{op.qname}`"
                + (f" bound to `{binding}`." if binding else ".")
                + (
                    f" {description(self.model, op.qname)}"
                    if description(self.model, op.qname)
                    else ""
                ),
                4,
            ),
        )
        params = op.parameters[1:] if op.is_bound else op.parameters
        for p in params:
            if self.in_scope(p.type):
                plan.fields.append(
                    self.field_plan(qname, p.name, p.type, p.nullable, p.facets.max_length, False)
                )
        self._uniquify(plan)
        rt = op.return_type
        _rkind, rq = self.kind_of(rt.type.qname) if rt else ("", None)
        return plan, OperationPlan(
            qname=op.qname,
            kind=op.kind,
            parameters=qname,
            binding=binding.qname if binding else None,
            binding_collection=bool(binding and binding.collection),
            return_type=rq,
            return_collection=bool(rt and rt.type.collection),
            return_nullable=rt.nullable if rt else True,
        )

    def _uniquify(self, plan: ClassPlan) -> None:
        if len({f.attr for f in plan.fields}) == len(plan.fields):
            return  # the common case, without looking up every member's source
        names = dedupe(
            "attribute",
            [f.attr for f in plan.fields],
            [f"{plan.qname}/{f.wire}" for f in plan.fields],
            [self._source(plan.qname, f.wire) for f in plan.fields],
            self.diagnostics,
        )
        for f, n in zip(plan.fields, names, strict=True):
            f.attr = n

    def _source(self, owner: str, member: str) -> Source | None:
        t = self.model.types.get(owner)
        if isinstance(t, StructuredType):
            for prop in t.properties:
                if prop.name == member:
                    return prop.source
            for nav in t.navigation_properties:
                if nav.name == member:
                    return nav.source
            return t.source
        return None

    def _inherited(self, classes: list[ClassPlan], by_qname: dict[str, ClassPlan]) -> None:
        """Rename attributes that would shadow a base class's attribute of another wire name,
        or a name the class's own annotations use; bases first, so renames carry down."""

        def depth(c: ClassPlan) -> int:
            n, base = 0, c.base_qname
            while base is not None and base in by_qname:
                n, base = n + 1, by_qname[base].base_qname
            return n

        for c in sorted(classes, key=depth):
            inherited: dict[str, str] = {}
            base = c.base_qname
            while base is not None and base in by_qname:
                for f in by_qname[base].fields:
                    inherited.setdefault(f.attr, f.wire)
                base = by_qname[base].base_qname
            used = set(_WORDS.findall(" ".join(f.annotation for f in c.fields)))
            used |= {c.base_name, c.class_name}
            taken = set(inherited) | used | {f.attr for f in c.fields}
            for f in c.fields:
                if (f.attr in inherited and inherited[f.attr] != f.wire) or f.attr in used:
                    i = 2
                    while f"{f.attr}_{i}" in taken:
                        i += 1
                    new = f"{f.attr}_{i}"
                    other = f"{c.qname}'s base" if f.attr in inherited else "a type name"
                    self.diagnostics.append(
                        collision(
                            "attribute",
                            f.attr,
                            new,
                            f"{c.qname}/{f.wire}",
                            other,
                            self._source(c.qname, f.wire),
                        )
                    )
                    taken.add(new)
                    f.attr = new

    def enum_plan(self, t: EnumType) -> EnumPlan:
        """The plan of an enum type."""
        package, module, cname = self.names.where[t.qname]
        names = dedupe(
            "member",
            [naming.nfkc(naming.enum_member_name(m.name).upper()) for m in t.members],
            [f"{t.qname}/{m.name}" for m in t.members],
            [m.source for m in t.members],
            self.diagnostics,
        )
        return EnumPlan(
            qname=t.qname,
            package=package,
            module=module,
            class_name=cname,
            flags=t.is_flags,
            members=[(n, m.name, m.value) for n, m in zip(names, t.members, strict=True)],
            doc=_wrap_doc(description(self.model, t.qname), 4),
        )

    def build(self) -> PackagePlan:
        """Plan every class, enum and operation of the scope."""
        classes: list[ClassPlan] = []
        enums: list[EnumPlan] = []
        for qname in sorted(self.scope.types):
            t = self.model.types[qname]
            if isinstance(t, StructuredType):
                classes.append(self.class_plan(t))
            elif isinstance(t, EnumType):
                enums.append(self.enum_plan(t))
        operations: list[OperationPlan] = []
        signatures = Counter((op.qname, str(op.binding)) for op in self.scope.operations)
        for op in self.scope.operations:
            cp, opp = self.parameters_plan(op, signatures[op.qname, str(op.binding)] > 1)
            classes.append(cp)
            operations.append(opp)
        by_qname = {c.qname: c for c in classes}
        enum_by_qname = {e.qname: e for e in enums}
        bases = {c.base_qname for c in classes if c.base_qname is not None}
        free = {c.qname for c in classes if free_form_json(c, bases)}
        for c in classes:
            self._annotate(c, by_qname, enum_by_qname, free)
        self._inherited(classes, by_qname)
        entity_sets: dict[str, str] = {}
        singletons: dict[str, str] = {}
        for cont in self.model.containers:
            for es in cont.entity_sets:
                if es.entity_type in self.scope.types:
                    entity_sets[es.name] = es.entity_type
            for sg in cont.singletons:
                if sg.type in self.scope.types:
                    singletons[sg.name] = sg.type
        routes = self.container_routes()
        derived = {
            q: tuple(d for d in self.model.all_derived(q) if d in self.scope.types)
            for q in sorted(self.scope.types)
            if isinstance(self.model.types[q], StructuredType)
        }
        return PackagePlan(
            classes=classes,
            enums=enums,
            operations=operations,
            entity_sets=dict(sorted(entity_sets.items())),
            singletons=dict(sorted(singletons.items())),
            derived={k: v for k, v in derived.items() if v},
            routes=routes,
            diagnostics=self.diagnostics,
        )

    def container_routes(self) -> dict[str, tuple[str, bool]]:
        """URL paths from the entity container to types in scope: `communications/calls`.

        An entity set or singleton whose own type is in scope is a route; one whose type is not
        (`communications`: `cloudCommunications`) contributes its navigation properties that
        lead into scope, so a package of the calls closure still knows where calls live.
        """
        routes: dict[str, tuple[str, bool]] = {}
        for cont in self.model.containers:
            heads = [(es.name, es.entity_type, True) for es in cont.entity_sets]
            heads += [(sg.name, sg.type, False) for sg in cont.singletons]
            for name, qname, collection in heads:
                if qname in self.scope.types:
                    routes[name] = (qname, collection)
                elif not collection:
                    for nav in self.model.all_navigation_properties(qname):
                        if nav.type.qname in self.scope.types:
                            routes[f"{name}/{nav.name}"] = (nav.type.qname, nav.type.collection)
        return dict(sorted(routes.items()))

    def _annotate(
        self,
        c: ClassPlan,
        classes: dict[str, ClassPlan],
        enums: dict[str, EnumPlan],
        free: set[str],
    ) -> None:
        """Annotations and imports, with aliases where two imported names would clash; a
        free-form JSON type (see `free_form_json`) is annotated `Any`, as the converter reads it."""
        imports: dict[str, str] = {}  # local name -> import line
        used_names = {c.class_name}

        def import_class(target: ClassPlan | EnumPlan) -> str:
            name = target.class_name
            if target.qname == c.qname:
                return name
            line = _relative_import(c, target, name)
            if name in used_names and imports.get(name) != line:
                alias = naming.pascal_case(target.package) + name
                line = _relative_import(c, target, name, alias)
                name = alias
            used_names.add(name)
            imports[name] = line
            return name

        if c.base_qname is not None:
            base = classes[c.base_qname]
            c.base_name = base.class_name
            if base.class_name == c.class_name:
                c.base_name = naming.pascal_case(base.package) + base.class_name
            c.base_import = _relative_import(c, base, base.class_name, c.base_name)
            used_names.add(c.base_name)
            # A field typed by the base class reuses the runtime import and its name.
            imports[c.base_name] = c.base_import
        for f in c.fields:
            if f.kind == "primitive":
                py, imp = EDM_PYTHON.get(f.type_qname, ("Any", ANY_IMPORT))
                if f.type_qname.startswith(("Edm.Geography", "Edm.Geometry")):
                    py, imp = "dict[str, Any]", ANY_IMPORT
                if imp:
                    imports[py] = imp
            elif f.kind == "enum":
                py = import_class(enums[f.type_qname])
                if enums[f.type_qname].flags:
                    py = f"list[{py}]"
            elif f.type_qname in free:
                py = "Any"
                imports[py] = ANY_IMPORT
            else:
                py = import_class(classes[f.type_qname])
            if f.collection:
                py = f"list[{py}]"
            if f.nullable or f.collection:
                py = f"{py} | None"
            f.annotation = f"{py} | Unset"
        c.type_imports = _group_imports(set(imports.values()) - {c.base_import})


def free_form_json(c: ClassPlan, bases: set[str]) -> bool:
    """Graph's free-form JSON type (`microsoft.graph.Json`): a complex type named `Json` with no
    properties, no base and nothing derived, whose values are any JSON; the same rule as the
    converter's `free_form`."""
    return (
        c.kind == "complex"
        and c.qname.rpartition(".")[2] == "Json"
        and c.base_qname is None
        and not c.fields
        and c.qname not in bases
    )


_WORDS = re.compile(r"\w+")


def _group_imports(lines: set[str]) -> list[str]:
    """One `from m import a, b` per module, as isort orders them: the standard library, a blank
    line (an empty string), then relative imports from the farthest package in."""
    by_module: dict[str, set[str]] = defaultdict(set)
    for line in lines:
        module, _, names = line.removeprefix("from ").partition(" import ")
        by_module[module].add(names)

    def order(module: str) -> tuple[bool, int, str]:
        dots = len(module) - len(module.lstrip("."))
        return (dots > 0, -dots, module)

    out: list[str] = []
    for m in sorted(by_module, key=order):
        if out and m.startswith(".") and not out[-1].startswith("from ."):
            out.append("")  # a blank line between the standard library and the package
        out.append(f"from {m} import {', '.join(sorted(by_module[m]))}")
    return out


def _relative_import(
    owner: ClassPlan,
    target: ClassPlan | EnumPlan,
    name: str,
    alias: str | None = None,
) -> str:
    where = (
        f".{target.module}"
        if target.package == owner.package
        else f"..{target.package}.{target.module}"
    )
    suffix = f" as {alias}" if alias and alias != name else ""
    return f"from {where} import {name}{suffix}"


def plan_package(model: Model, scope: Scope) -> PackagePlan:
    """Plan the generated package of `scope`."""
    return Planner(model, scope).build()
