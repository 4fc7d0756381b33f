"""What changed between two metadata documents, classified by its effect on the generated API.

`diff_models(old, new)` compares two resolved models element by element (types, properties,
navigation properties, enum members, actions and functions with their parameters, entity sets,
singletons, operation imports, annotations) and returns `Change` records, each naming the CSDL
element, the kind of change (a stable string listed in `CHANGE_KINDS`), its impact on code
written against the old package, and the affected Python name:

- `breaking`: code that worked may now fail, or a type checker now rejects it (a removal, a
  type or nullability change either way, a type made abstract or closed…);
- `additive`: something new that old code does not see;
- `none`: no effect on the generated classes (descriptions and other annotations, a moved
  declaration that keeps the same attribute, a facet that only relaxes).

Rendering (`render_text`, `render_markdown`, `as_json`) is separate from the comparison.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from codegen import naming
from codegen.closure import closure
from codegen.csdl import gc_paused
from codegen.model import (
    CORE_COMPUTED,
    CORE_DESCRIPTION,
    CORE_LONG_DESCRIPTION,
    Annotation,
    AnnotationValue,
    EntityContainer,
    EnumType,
    Facets,
    Model,
    NavigationProperty,
    Operation,
    Parameter,
    Property,
    Record,
    SchemaType,
    StructuredType,
    TypeDefinition,
    TypeRef,
)

Impact = Literal["breaking", "additive", "none"]
IMPACTS: tuple[Impact, ...] = ("breaking", "additive", "none")

# Every kind of change the diff reports, with the impact it has (or "varies" where the
# direction decides: see `_bool_change`, `_facets_impact` and `operation_pair`).
CHANGE_KINDS: dict[str, str] = {
    "type added": "additive",
    "type removed": "breaking",
    "type kind changed": "breaking",
    "base type changed": "varies",  # a base put in between is additive
    "abstract changed": "varies",  # becoming abstract is breaking, the reverse additive
    "open changed": "varies",  # becoming closed is breaking, the reverse additive
    "has stream changed": "none",
    "key changed": "breaking",
    "underlying type changed": "varies",  # breaking for a type definition, none for an enum
    "property added": "varies",  # breaking when request bodies must now carry it
    "property removed": "breaking",
    "property type changed": "breaking",
    "property collection changed": "breaking",
    "property nullability changed": "breaking",
    "property facets changed": "varies",  # a tighter MaxLength is breaking, anything else none
    "property default changed": "none",
    "property moved to base": "none",
    "property moved from base": "none",
    "navigation added": "additive",
    "navigation removed": "breaking",
    "navigation type changed": "breaking",
    "navigation collection changed": "breaking",
    "navigation nullability changed": "breaking",
    "navigation moved to base": "none",
    "navigation moved from base": "none",
    "containment changed": "breaking",
    "partner changed": "none",
    "enum member added": "additive",
    "enum member removed": "breaking",
    "enum member value changed": "none",
    "enum flags changed": "breaking",
    "action added": "additive",
    "action removed": "breaking",
    "function added": "additive",
    "function removed": "breaking",
    "operation kind changed": "breaking",
    "composable changed": "none",
    "parameter added": "varies",  # additive when nullable, breaking when required
    "parameter removed": "breaking",
    "parameter type changed": "breaking",
    "parameter collection changed": "breaking",
    "parameter nullability changed": "breaking",
    "return type added": "additive",
    "return type removed": "breaking",
    "return type changed": "breaking",
    "return nullability changed": "breaking",
    "entity set added": "additive",
    "entity set removed": "breaking",
    "entity set type changed": "breaking",
    "singleton added": "additive",
    "singleton removed": "breaking",
    "singleton type changed": "breaking",
    "navigation bindings changed": "none",
    "operation import added": "additive",
    "operation import removed": "breaking",
    "operation import changed": "breaking",
    "description changed": "none",
    "annotation changed": "none",
}


def _mirrors() -> dict[str, str]:
    """What each kind of change is seen as from the other side: diff(b, a) holds the mirror of
    each change of diff(a, b) under the same element, with old and new swapped."""
    pairs = ((" added", " removed"), (" moved to base", " moved from base"))
    out = {kind: kind for kind in CHANGE_KINDS}
    for kind in CHANGE_KINDS:
        for one, other in pairs:
            if kind.endswith(one):
                twin = kind.removesuffix(one) + other
                out[kind], out[twin] = twin, kind
    return out


MIRROR = _mirrors()


@dataclass(frozen=True, slots=True)
class Change:
    """One API change: the CSDL element, what happened, its impact, the Python name affected."""

    element: str
    change: str
    impact: Impact
    python: str | None = None
    old: str | None = None
    new: str | None = None
    # The structured type or operation the element belongs to, for `--root` filtering.
    owner: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """The JSON form of `diff --json`."""
        return {
            "element": self.element,
            "change": self.change,
            "impact": self.impact,
            "python": self.python,
            "old": self.old,
            "new": self.new,
        }

    def sort_key(self) -> tuple[int, str, str, str, str]:
        """Breaking first, then by element and kind: the report's one order."""
        return (
            IMPACTS.index(self.impact),
            self.element,
            self.change,
            self.old or "",
            self.new or "",
        )


class _Names:
    """Python names of one model's elements, by the rules the generator uses (`codegen.naming`).

    Class names are made unique per namespace over every type, as a whole-document package
    does; a closure package may spell a rare colliding class without its suffix.
    """

    def __init__(self, model: Model) -> None:
        self.model = model
        by_namespace: dict[str, list[str]] = defaultdict(list)
        for qname in sorted(model.types):
            t = model.types[qname]
            if not isinstance(t, TypeDefinition):
                by_namespace[t.namespace].append(qname)
        self.classes: dict[str, str] = {}
        for namespace, qnames in by_namespace.items():
            package = naming.package_name(namespace)
            names = naming.unique([naming.class_name(q[len(namespace) + 1 :]) for q in qnames])
            for qname, name in zip(qnames, names, strict=True):
                self.classes[qname] = f"{package}.{name}"

    def type(self, qname: str) -> str | None:
        """`microsoft_graph.Call` for `microsoft.graph.call`; None for a type definition."""
        return self.classes.get(qname)

    def member(self, qname: str, csdl_name: str) -> str | None:
        """A property's attribute or an enum's member: `microsoft_graph.Call.call_chain_id`."""
        cls = self.classes.get(qname)
        if cls is None:
            return None
        if isinstance(self.model.types.get(qname), EnumType):
            return f"{cls}.{naming.enum_member_name(csdl_name).upper()}"
        return f"{cls}.{naming.attribute_name(csdl_name)}"

    def operation(self, op: Operation) -> str:
        """The generated parameters class: `microsoft_graph.CallAnswerParameters`."""
        binding = op.binding
        bound_name = None
        if binding is not None:
            bt = self.model.types.get(binding.qname)
            bound_name = bt.name if bt is not None else binding.qname.rpartition(".")[2]
        cls = naming.parameters_class_name(
            op.name, bound_name, bool(binding and binding.collection)
        )
        return f"{naming.package_name(op.namespace)}.{cls}"

    def annotation_target(self, target: str) -> str | None:
        """The Python name of an annotation target (`ns.type` or `ns.type/member`), if any."""
        head, _, member = target.partition("/")
        if member:
            return self.member(head, member) if "/" not in member else None
        return self.type(head)


def _ref(ref: TypeRef | None) -> str | None:
    return None if ref is None else str(ref)


def _nullable(flag: bool) -> str:
    return "nullable" if flag else "not nullable"


def _bool_change(old: bool, new: bool, breaking_when: bool) -> tuple[Impact, str, str]:
    impact: Impact = "breaking" if new is breaking_when else "additive"
    return impact, str(old).lower(), str(new).lower()


def _facets_text(f: Facets) -> str:
    parts = [
        f"{name}={value}"
        for name, value in (
            ("MaxLength", f.max_length),
            ("Precision", f.precision),
            ("Scale", f.scale),
            ("SRID", f.srid),
            ("Unicode", f.unicode),
        )
        if value is not None
    ]
    return ", ".join(parts) or "(none)"


def _facets_impact(old: Facets, new: Facets) -> Impact:
    """A MaxLength that appears or shrinks rejects values the old package accepted."""
    old_max = old.max_length if isinstance(old.max_length, int) else None
    new_max = new.max_length if isinstance(new.max_length, int) else None
    if new_max is not None and (old_max is None or new_max < old_max):
        return "breaking"
    return "none"


def _annotation_key(a: Annotation) -> tuple[str, str | None, AnnotationValue]:
    return (a.term, a.qualifier, a.value)


def _short(value: AnnotationValue) -> str:
    """An annotation value as compact text: `{Expandable: true, NonExpandable: [a, b]}`."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return str(value).lower() if value is not None else "null"
    if isinstance(value, tuple):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    if isinstance(value, Record):
        inner = ", ".join(f"{k}: {_short(v)}" for k, v in value.properties)
        return ("" if value.type is None else value.type) + "{" + inner + "}"
    return str(value)


class _Differ:
    """Collects the changes between two models."""

    def __init__(self, old: Model, new: Model) -> None:
        self.old, self.new = old, new
        self.old_names, self.new_names = _Names(old), _Names(new)
        self.changes: list[Change] = []
        # Elements that were added or removed as a whole: their annotations go with them.
        self.gone_or_new: set[str] = set()

    def add(
        self,
        element: str,
        change: str,
        impact: Impact,
        python: str | None,
        old: str | None = None,
        new: str | None = None,
        owner: str | None = None,
    ) -> None:
        assert CHANGE_KINDS[change] in (impact, "varies"), (change, impact)
        self.changes.append(Change(element, change, impact, python, old, new, owner))

    def run(self) -> list[Change]:
        self.types()
        self.operations()
        self.containers()
        self.annotations()
        return sorted(self.changes, key=Change.sort_key)

    # -- types ---------------------------------------------------------------------------

    def types(self) -> None:
        old_types, new_types = self.old.types, self.new.types
        for qname in sorted(set(old_types) | set(new_types)):
            if qname not in new_types:
                self.gone_or_new.add(qname)
                t = old_types[qname]
                base = t.base if isinstance(t, StructuredType) else None
                self.add(
                    qname,
                    "type removed",
                    "breaking",
                    self.old_names.type(qname),
                    old=_kind_of(t) + (f" : {base}" if base else ""),
                    owner=qname,
                )
                continue
            if qname not in old_types:
                self.gone_or_new.add(qname)
                t = new_types[qname]
                base = t.base if isinstance(t, StructuredType) else None
                self.add(
                    qname,
                    "type added",
                    "additive",
                    self.new_names.type(qname),
                    new=_kind_of(t) + (f" : {base}" if base else ""),
                    owner=qname,
                )
                continue
            self.type_pair(old_types[qname], new_types[qname])

    def type_pair(self, a: SchemaType, b: SchemaType) -> None:
        qname = a.qname
        python = self.new_names.type(qname) or self.old_names.type(qname)
        if _kind_of(a) != _kind_of(b):
            self.add(
                qname, "type kind changed", "breaking", python, _kind_of(a), _kind_of(b), qname
            )
        if isinstance(a, StructuredType) and isinstance(b, StructuredType):
            self.structured_pair(a, b, python)
        elif isinstance(a, EnumType) and isinstance(b, EnumType):
            self.enum_pair(a, b, python)
        elif isinstance(a, TypeDefinition) and isinstance(b, TypeDefinition):
            if a.underlying_type != b.underlying_type:
                self.add(
                    qname,
                    "underlying type changed",
                    "breaking",
                    None,
                    a.underlying_type,
                    b.underlying_type,
                    qname,
                )
            if a.facets != b.facets:
                self.add(
                    qname,
                    "property facets changed",
                    _facets_impact(a.facets, b.facets),
                    None,
                    _facets_text(a.facets),
                    _facets_text(b.facets),
                    qname,
                )

    def structured_pair(self, a: StructuredType, b: StructuredType, python: str | None) -> None:
        q = a.qname
        if a.base != b.base:
            # A base put in between (or a first base) keeps every attribute and isinstance
            # check of old code; any other move loses some.
            kept = a.base is None or any(t.qname == a.base for t in self.new.base_chain(q))
            impact: Impact = "additive" if kept else "breaking"
            self.add(q, "base type changed", impact, python, a.base, b.base, q)
        if a.abstract != b.abstract:
            impact, o, n = _bool_change(a.abstract, b.abstract, breaking_when=True)
            self.add(q, "abstract changed", impact, python, o, n, q)
        if a.open != b.open:
            impact, o, n = _bool_change(a.open, b.open, breaking_when=False)
            self.add(q, "open changed", impact, python, o, n, q)
        if a.has_stream != b.has_stream:
            self.add(
                q,
                "has stream changed",
                "none",
                python,
                str(a.has_stream).lower(),
                str(b.has_stream).lower(),
                q,
            )
        old_key, new_key = self.old.key(q), self.new.key(q)
        if old_key != new_key:
            self.add(q, "key changed", "breaking", python, ",".join(old_key), ",".join(new_key), q)
        self.members(
            a,
            b,
            "property",
            {p.name: p for p in a.properties},
            {p.name: p for p in b.properties},
            lambda m, t: {p.name: p for p in m.all_properties(t)},
        )
        self.members(
            a,
            b,
            "navigation",
            {p.name: p for p in a.navigation_properties},
            {p.name: p for p in b.navigation_properties},
            lambda m, t: {p.name: p for p in m.all_navigation_properties(t)},
        )

    def members(
        self,
        a: StructuredType,
        b: StructuredType,
        what: Literal["property", "navigation"],
        old: Mapping[str, Property | NavigationProperty],
        new: Mapping[str, Property | NavigationProperty],
        inherited: Callable[[Model, str], dict[str, Property | NavigationProperty]],
    ) -> None:
        """Declared members compared by name; a declaration that moves along the base chain
        keeps its attribute, so only what changed about it is reported."""
        q = a.qname
        for name in sorted(set(old) | set(new)):
            element = f"{q}/{name}"
            python = self.new_names.member(q, name) or self.old_names.member(q, name)
            if name not in new:
                still = inherited(self.new, q).get(name)
                if still is None or type(still) is not type(old[name]):
                    self.gone_or_new.add(element)
                    self.add(
                        element,
                        f"{what} removed",
                        "breaking",
                        python,
                        _ref(old[name].type),
                        None,
                        q,
                    )
                    continue
                self.add(
                    element,
                    f"{what} moved to base",
                    "none",
                    python,
                    q,
                    _declarer(self.new, q, name, what),
                    q,
                )
                self.member_pair(element, what, old[name], still, python, q)
            elif name not in old:
                was = inherited(self.old, q).get(name)
                if was is None or type(was) is not type(new[name]):
                    self.gone_or_new.add(element)
                    impact: Impact = "breaking" if self.required(q, new[name]) else "additive"
                    self.add(
                        element, f"{what} added", impact, python, None, _ref(new[name].type), q
                    )
                    continue
                self.add(
                    element,
                    f"{what} moved from base",
                    "none",
                    python,
                    _declarer(self.old, q, name, what),
                    q,
                    q,
                )
                self.member_pair(element, what, was, new[name], python, q)
            else:
                self.member_pair(element, what, old[name], new[name], python, q)

    def required(self, qname: str, member: Property | NavigationProperty) -> bool:
        """A new property that request bodies must carry (as `runtime.checking.validate` requires it:
        not nullable, not a key, not computed): old code that builds requests now fails."""
        if not isinstance(member, Property) or member.nullable:
            return False
        if member.name in self.new.key(qname):
            return False
        return not any(
            a.term == CORE_COMPUTED and a.value is True
            for a in self.new.annotations_of(f"{qname}/{member.name}")
        )

    def member_pair(
        self,
        element: str,
        what: str,
        a: Property | NavigationProperty,
        b: Property | NavigationProperty,
        python: str | None,
        owner: str,
    ) -> None:
        if a.type.qname != b.type.qname:
            self.add(
                element, f"{what} type changed", "breaking", python, str(a.type), str(b.type), owner
            )
        elif a.type.collection != b.type.collection:
            self.add(
                element,
                f"{what} collection changed",
                "breaking",
                python,
                str(a.type),
                str(b.type),
                owner,
            )
        if a.nullable != b.nullable:
            self.add(
                element,
                f"{what} nullability changed",
                "breaking",
                python,
                _nullable(a.nullable),
                _nullable(b.nullable),
                owner,
            )
        if isinstance(a, Property) and isinstance(b, Property):
            if a.facets != b.facets:
                self.add(
                    element,
                    "property facets changed",
                    _facets_impact(a.facets, b.facets),
                    python,
                    _facets_text(a.facets),
                    _facets_text(b.facets),
                    owner,
                )
            if a.default_value != b.default_value:
                self.add(
                    element,
                    "property default changed",
                    "none",
                    python,
                    a.default_value,
                    b.default_value,
                    owner,
                )
        if isinstance(a, NavigationProperty) and isinstance(b, NavigationProperty):
            if a.contains_target != b.contains_target:
                self.add(
                    element,
                    "containment changed",
                    "breaking",
                    python,
                    str(a.contains_target).lower(),
                    str(b.contains_target).lower(),
                    owner,
                )
            if a.partner != b.partner:
                self.add(element, "partner changed", "none", python, a.partner, b.partner, owner)

    def enum_pair(self, a: EnumType, b: EnumType, python: str | None) -> None:
        q = a.qname
        if a.is_flags != b.is_flags:
            self.add(
                q,
                "enum flags changed",
                "breaking",
                python,
                str(a.is_flags).lower(),
                str(b.is_flags).lower(),
                q,
            )
        if a.underlying_type != b.underlying_type:
            self.add(
                q,
                "underlying type changed",
                "none",
                python,
                a.underlying_type,
                b.underlying_type,
                q,
            )
        old = {m.name: m for m in a.members}
        new = {m.name: m for m in b.members}
        for name in sorted(set(old) | set(new)):
            element = f"{q}/{name}"
            member_python = self.new_names.member(q, name) or self.old_names.member(q, name)
            if name not in new:
                self.gone_or_new.add(element)
                self.add(
                    element,
                    "enum member removed",
                    "breaking",
                    member_python,
                    str(old[name].value),
                    None,
                    q,
                )
            elif name not in old:
                self.gone_or_new.add(element)
                self.add(
                    element,
                    "enum member added",
                    "additive",
                    member_python,
                    None,
                    str(new[name].value),
                    q,
                )
            elif old[name].value != new[name].value:
                self.add(
                    element,
                    "enum member value changed",
                    "none",
                    member_python,
                    str(old[name].value),
                    str(new[name].value),
                    q,
                )

    # -- actions and functions -----------------------------------------------------------

    def operations(self) -> None:
        old_groups = _overload_groups(self.old)
        new_groups = _overload_groups(self.new)
        for key in sorted(set(old_groups) | set(new_groups)):
            olds, news = old_groups.get(key, []), new_groups.get(key, [])
            qname, binding = key
            base = f"{qname}({binding})" if binding else f"{qname}()"
            if len(olds) <= 1 and len(news) <= 1:
                self.operation_group(base, olds, news)
                continue
            # Overloads with one binding differ by their parameter names.
            old_by = {_signature(o): o for o in olds}
            new_by = {_signature(o): o for o in news}
            for sig in sorted(set(old_by) | set(new_by)):
                element = f"{base[:-1]};{','.join(sig)})" if sig else base
                if sig not in new_by:
                    op = old_by[sig]
                    self.gone_or_new.add(element)
                    self.add(
                        element,
                        f"{op.kind} removed",
                        "breaking",
                        self.old_names.operation(op),
                        owner=base,
                    )
                elif sig not in old_by:
                    op = new_by[sig]
                    self.gone_or_new.add(element)
                    self.add(
                        element,
                        f"{op.kind} added",
                        "additive",
                        self.new_names.operation(op),
                        owner=base,
                    )
                else:
                    self.operation_pair(element, old_by[sig], new_by[sig], base)

    def operation_group(self, element: str, olds: list[Operation], news: list[Operation]) -> None:
        """At most one overload on each side: the element needs no parameter names."""
        if olds and news:
            self.operation_pair(element, olds[0], news[0], element)
        elif olds:
            self.gone_or_new.add(element)
            op = olds[0]
            self.add(
                element,
                f"{op.kind} removed",
                "breaking",
                self.old_names.operation(op),
                owner=element,
            )
        elif news:
            self.gone_or_new.add(element)
            op = news[0]
            self.add(
                element, f"{op.kind} added", "additive", self.new_names.operation(op), owner=element
            )

    def operation_pair(self, element: str, a: Operation, b: Operation, owner: str) -> None:
        python = self.new_names.operation(b)
        if a.kind != b.kind:
            self.add(element, "operation kind changed", "breaking", python, a.kind, b.kind, owner)
        if a.is_composable != b.is_composable:
            self.add(
                element,
                "composable changed",
                "none",
                python,
                str(a.is_composable).lower(),
                str(b.is_composable).lower(),
                element,
            )
        old = {p.name: p for p in _own_parameters(a)}
        new = {p.name: p for p in _own_parameters(b)}
        for name in sorted(set(old) | set(new)):
            pel = f"{element}/{name}"
            ppy = f"{python}.{naming.attribute_name(name)}"
            if name not in new:
                self.add(
                    pel, "parameter removed", "breaking", ppy, str(old[name].type), None, owner
                )
            elif name not in old:
                p = new[name]
                impact: Impact = "additive" if p.nullable else "breaking"
                self.add(pel, "parameter added", impact, ppy, None, str(p.type), owner)
            else:
                self.parameter_pair(pel, old[name], new[name], ppy, owner)
        ra, rb = a.return_type, b.return_type
        if ra is None and rb is not None:
            self.add(element, "return type added", "additive", python, None, str(rb.type), owner)
        elif ra is not None and rb is None:
            self.add(element, "return type removed", "breaking", python, str(ra.type), None, owner)
        elif ra is not None and rb is not None:
            if ra.type != rb.type:
                self.add(
                    element,
                    "return type changed",
                    "breaking",
                    python,
                    str(ra.type),
                    str(rb.type),
                    owner,
                )
            if ra.nullable != rb.nullable:
                self.add(
                    element,
                    "return nullability changed",
                    "breaking",
                    python,
                    _nullable(ra.nullable),
                    _nullable(rb.nullable),
                    owner,
                )

    def parameter_pair(
        self, element: str, a: Parameter, b: Parameter, python: str, owner: str
    ) -> None:
        if a.type.qname != b.type.qname:
            self.add(
                element,
                "parameter type changed",
                "breaking",
                python,
                str(a.type),
                str(b.type),
                owner,
            )
        elif a.type.collection != b.type.collection:
            self.add(
                element,
                "parameter collection changed",
                "breaking",
                python,
                str(a.type),
                str(b.type),
                owner,
            )
        if a.nullable != b.nullable:
            self.add(
                element,
                "parameter nullability changed",
                "breaking",
                python,
                _nullable(a.nullable),
                _nullable(b.nullable),
                owner,
            )

    # -- entity sets, singletons, operation imports -------------------------------------------

    def containers(self) -> None:
        old, new = _container_items(self.old.containers), _container_items(self.new.containers)
        for element in sorted(set(old) | set(new)):
            kind, name = (old.get(element) or new[element])[0], element.rpartition("/")[2]
            python = (
                f"schema().{'entity_sets' if kind == 'entity set' else 'singletons'}[{name!r}]"
                if kind in ("entity set", "singleton")
                else None
            )
            if element not in new:
                _, otype, _ = old[element]
                self.gone_or_new.add(element)
                self.add(element, f"{kind} removed", "breaking", python, otype, None, otype)
            elif element not in old:
                _, ntype, _ = new[element]
                self.gone_or_new.add(element)
                self.add(element, f"{kind} added", "additive", python, None, ntype, ntype)
            else:
                (okind, otype, obind), (nkind, ntype, nbind) = old[element], new[element]
                if okind != nkind:
                    self.add(element, f"{okind} removed", "breaking", python, otype, None, otype)
                    self.add(element, f"{nkind} added", "additive", python, None, ntype, ntype)
                    continue
                if otype != ntype:
                    change = (
                        "operation import changed"
                        if kind == "operation import"
                        else f"{kind} type changed"
                    )
                    self.add(element, change, "breaking", python, otype, ntype, ntype)
                if obind != nbind:
                    self.add(
                        element,
                        "navigation bindings changed",
                        "none",
                        python,
                        _bindings_text(obind),
                        _bindings_text(nbind),
                        ntype,
                    )

    # -- annotations -----------------------------------------------------------------------

    def annotations(self) -> None:
        old, new = self.old.annotations, self.new.annotations
        old_ops, new_ops = _operation_targets(self.old), _operation_targets(self.new)
        for target in sorted(set(old) | set(new)):
            head = target.partition("/")[0]
            if target in self.gone_or_new or head in self.gone_or_new:
                continue
            op = new_ops.get(head) or old_ops.get(head)
            if "(" in head and (head not in old_ops or head not in new_ops):
                # An operation's annotations name it by signature (`ns.op(ns.T, Edm.String)`);
                # one that exists on one side only was reported as added or removed.
                continue
            a = {_annotation_key(x)[:2]: x.value for x in old.get(target, ())}
            b = {_annotation_key(x)[:2]: x.value for x in new.get(target, ())}
            if a == b:
                continue
            python: str | None
            if op is not None:
                owner, python = _operation_element(op), self.new_names.operation(op)
            else:
                owner = head
                python = self.new_names.annotation_target(target)
                python = python or self.old_names.annotation_target(target)
            for term, qualifier in sorted(set(a) | set(b), key=lambda k: (k[0], k[1] or "")):
                ov, nv = a.get((term, qualifier)), b.get((term, qualifier))
                if ov == nv:
                    continue
                label = term if qualifier is None else f"{term}#{qualifier}"
                if term in (CORE_DESCRIPTION, CORE_LONG_DESCRIPTION):
                    self.add(
                        target,
                        "description changed",
                        "none",
                        python,
                        None if ov is None else _short(ov),
                        None if nv is None else _short(nv),
                        owner,
                    )
                else:
                    self.add(
                        target,
                        "annotation changed",
                        "none",
                        python,
                        None if (term, qualifier) not in a else f"{label}={_short(ov)}",
                        None if (term, qualifier) not in b else f"{label}={_short(nv)}",
                        owner,
                    )


def _operation_targets(model: Model) -> dict[str, Operation]:
    """Operations by the signature their annotation targets have once read: `ns.op(ns.T,Edm.String)`."""
    return {
        f"{op.qname}({','.join(str(p.type) for p in op.parameters)})": op
        for qname in model.operations
        for op in model.operations[qname]
    }


def _operation_element(op: Operation) -> str:
    """The element an operation's changes are reported under, without overload names."""
    return f"{op.qname}({op.binding})" if op.binding else f"{op.qname}()"


def _kind_of(t: SchemaType) -> str:
    if isinstance(t, StructuredType):
        return "entity type" if t.kind == "entity" else "complex type"
    if isinstance(t, EnumType):
        return "enum type"
    return "type definition"


def _declarer(model: Model, qname: str, name: str, what: str) -> str | None:
    """The type of `qname`'s base chain that declares member `name`."""
    for t in model.base_chain(qname):
        members = t.properties if what == "property" else t.navigation_properties
        if any(m.name == name for m in members):
            return t.qname
    return None


def _own_parameters(op: Operation) -> tuple[Parameter, ...]:
    return op.parameters[1:] if op.is_bound else op.parameters


def _signature(op: Operation) -> tuple[str, ...]:
    return tuple(sorted(p.name for p in _own_parameters(op)))


def _overload_groups(model: Model) -> dict[tuple[str, str], list[Operation]]:
    groups: dict[tuple[str, str], list[Operation]] = defaultdict(list)
    for qname in model.operations:
        for op in model.operations[qname]:
            groups[qname, "" if op.binding is None else str(op.binding)].append(op)
    return groups


Bindings = tuple[tuple[str, str], ...]


def _container_items(
    containers: Iterable[EntityContainer],
) -> dict[str, tuple[str, str, Bindings]]:
    """`container/name` → (kind, type or operation, bindings) for sets, singletons, imports."""
    out: dict[str, tuple[str, str, Bindings]] = {}
    for c in containers:
        for es in c.entity_sets:
            bindings = tuple(sorted((b.path, b.target) for b in es.bindings))
            out[f"{c.qname}/{es.name}"] = ("entity set", es.entity_type, bindings)
        for sg in c.singletons:
            bindings = tuple(sorted((b.path, b.target) for b in sg.bindings))
            out[f"{c.qname}/{sg.name}"] = ("singleton", sg.type, bindings)
        for oi in c.operation_imports:
            out[f"{c.qname}/{oi.name}"] = ("operation import", oi.operation, ())
    return out


def _bindings_text(bindings: Bindings) -> str:
    return ", ".join(f"{p}→{t}" for p, t in bindings) or "(none)"


def diff_models(old: Model, new: Model, roots: Sequence[str] = ()) -> list[Change]:
    """Every API change from `old` to `new`, breaking first; with `roots`, only those within
    the closure of the roots on either side."""
    # Building every record allocates many small acyclic objects: no collection is needed.
    with gc_paused():
        changes = _Differ(old, new).run()
    if not roots:
        return changes
    scope_types: set[str] = set()
    scope_ops: set[str] = set()
    for model in (old, new):
        present = [r for r in roots if r in model.types]
        scope = closure(model, present)
        scope_types |= scope.types
        for op in scope.operations:
            scope_ops.add(f"{op.qname}({op.binding})")
    return [
        c
        for c in changes
        if c.owner is not None and (c.owner in scope_types or c.owner in scope_ops)
    ]


def summary(changes: Sequence[Change]) -> dict[str, object]:
    """Counts by impact and by kind of change."""
    by_impact = Counter(c.impact for c in changes)
    by_kind = Counter(c.change for c in changes)
    return {
        "total": len(changes),
        **{impact: by_impact.get(impact, 0) for impact in IMPACTS},
        "by_change": dict(sorted(by_kind.items())),
    }


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a diff as the report names it: the base file's name, sha256, overlays."""

    name: str
    sha256: str
    overlays: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, model: Model) -> Side:
        """The identity of a loaded model (file names only: a report holds no local path)."""
        base = [i for i in model.inputs if i.role == "base"]
        overlays = tuple(
            (i.path.rpartition("/")[2], i.sha256) for i in model.inputs if i.role == "overlay"
        )
        if not base:
            return cls("<model>", "", overlays)
        return cls(base[0].path.rpartition("/")[2], base[0].sha256, overlays)

    def as_dict(self) -> dict[str, object]:
        """The JSON form."""
        out: dict[str, object] = {"name": self.name, "sha256": self.sha256}
        if self.overlays:
            out["overlays"] = [{"name": n, "sha256": s} for n, s in self.overlays]
        return out

    def __str__(self) -> str:
        text = f"{self.name} (sha256 {self.sha256[:12]})"
        return text + "".join(f" + {n} (sha256 {s[:12]})" for n, s in self.overlays)


def as_json(changes: Sequence[Change], old: Side, new: Side) -> dict[str, object]:
    """The `--json` report."""
    return {
        "changes": [c.as_dict() for c in changes],
        "summary": summary(changes),
        "old": old.as_dict(),
        "new": new.as_dict(),
    }


def printable(text: str) -> str:
    """Text from a document made safe to print: whitespace runs become one space, and other
    characters a terminal would act on (controls, bidirectional overrides) are escaped."""
    text = " ".join(text.split())
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)


def _clip(text: str | None, width: int = 70) -> str:
    if text is None:
        return "-"
    text = printable(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _grouped(changes: Sequence[Change]) -> Iterator[tuple[Impact, list[Change]]]:
    for impact in IMPACTS:
        group = sorted((c for c in changes if c.impact == impact), key=Change.sort_key)
        if group:
            yield impact, group


def _counts_line(changes: Sequence[Change]) -> str:
    s = Counter(c.impact for c in changes)
    return (
        f"{len(changes)} changes: {s.get('breaking', 0)} breaking, "
        f"{s.get('additive', 0)} additive, {s.get('none', 0)} none"
    )


def render_text(changes: Sequence[Change], old: Side, new: Side) -> str:
    """The report for people: counts, then the changes grouped by impact, breaking first."""
    lines = [f"old: {printable(str(old))}", f"new: {printable(str(new))}", _counts_line(changes)]
    for impact, group in _grouped(changes):
        lines += ["", f"{impact.upper()} ({len(group)})"]
        for c in group:
            line = f"  {c.change:30} {printable(c.element)}"
            if c.python:
                line += f"  [{c.python}]"
            if c.old is not None or c.new is not None:
                line += f"  {_clip(c.old)} -> {_clip(c.new)}"
            lines.append(line)
    return "\n".join(lines)


def _md(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def render_markdown(changes: Sequence[Change], old: Side, new: Side) -> str:
    """The report as Markdown for a CHANGELOG entry or a pull request description."""
    lines = [
        "## API changes",
        "",
        f"From {_md(printable(str(old)))} to {_md(printable(str(new)))}: {_counts_line(changes)}.",
    ]
    titles = {"breaking": "Breaking", "additive": "Additive", "none": "No effect on the API"}
    for impact, group in _grouped(changes):
        lines += ["", f"### {titles[impact]} ({len(group)})", ""]
        for c in group:
            line = f"- {c.change}: {_md(printable(c.element))}"
            if c.python:
                line += f" ({_md(c.python)})"
            if c.old is not None or c.new is not None:
                line += f": {_md(_clip(c.old))} → {_md(_clip(c.new))}"
            lines.append(line)
    return "\n".join(lines)
