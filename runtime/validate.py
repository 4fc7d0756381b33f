"""Validate a JSON body against the generated package's metadata facts, reporting every finding.

The validator walks the JSON once, guided by the declared type, and never stops at the first
problem: each finding is a `Finding` with a severity, a stable code, the JSON path of the value
(`$.targets[1].identity`) and a message naming what the metadata declares and what the body has.

Two modes, always chosen explicitly: `strict` for what we send (unknown enum members and unknown
`@odata.type` names are errors, because the service will refuse or misread them) and `lenient`
for what we receive (those are warnings: Graph's enums and type hierarchy evolve faster than any
metadata snapshot). A body can also be `partial` (responses, notifications, PATCH): then missing
required properties are not reported.

Finding codes (stable; golden files and callers depend on them):

- `type.unknown` — `@odata.type` names a type the metadata lacks (strict: error, lenient: warning).
- `type.not-assignable` — `@odata.type` names a type that is neither the declared type nor derived
  from it (error); the message lists the accepted types.
- `type.abstract` — the type to read is abstract and no concrete `@odata.type` is given (error).
- `type.bad-annotation` — `@odata.type` is not a string (error).
- `property.undeclared` — a property the type does not declare: error on a closed type, warning on
  an open type (a dynamic property); the message names derived types that declare it.
- `property.null` — `null` where the metadata says `Nullable="false"` (error).
- `property.required` — a required property (not nullable, not a key, not computed, not a
  navigation) is missing from a request body (error).
- `value.wrong-json-type` — e.g. a string where an object or a number is declared (error).
- `enum.unknown-member` — a value (or, for a flags enum, one comma-separated member) the enum does
  not declare (strict: error, lenient: warning).
- `value.bad-datetime`, `value.bad-date`, `value.bad-time`, `value.bad-duration`, `value.bad-guid`,
  `value.bad-binary`, `value.bad-decimal` — a malformed primitive (error).
- `value.out-of-range` — an integer outside Byte, SByte, Int16, Int32 or Int64, a Double or a
  Duration past its range, or a Decimal past Decimal128's exponents (error).
- `value.non-finite` — a NaN or infinite number, or a NaN/INF string where the type is not Single
  or Double (error).
- `value.too-long` — a string longer than its `MaxLength` (error).
- `body.too-deep` — nesting deeper than the configured limit; the value below is not walked
  (error).
- `findings.truncated` — with `max_findings`, how many findings were left out (info).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, Literal

import generated
from generated import ODataConverter, ReadError, SchemaFacts
from generated._odata import PropertyFacts, codec_for_primitive, json_type

from .findings import Finding, Severity, truncated_note

Mode = Literal["strict", "lenient"]

DEFAULT_MAX_DEPTH = 200
"""Deeper JSON is reported (`body.too-deep`) rather than walked: no recursion limit, no hang."""

_HINT_LIMIT = 6
_FLOAT_TYPES = frozenset({"Edm.Single", "Edm.Double"})
_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


@dataclass(frozen=True, slots=True)
class TypeRef:
    """A declared type: a qualified name (structured, enum or `Edm.*`), maybe a collection of it."""

    qname: str
    collection: bool = False

    @classmethod
    def parse(cls, text: str) -> TypeRef:
        """Read `microsoft.graph.call` or `Collection(microsoft.graph.participant)`."""
        text = text.strip()
        if text.startswith("Collection(") and text.endswith(")"):
            return cls(text[len("Collection(") : -1].strip(), True)
        return cls(text)

    def __str__(self) -> str:
        return f"Collection({self.qname})" if self.collection else self.qname


@dataclass(frozen=True, slots=True)
class DynamicType:
    """The type decided for a dynamic property at one JSON path, and why (for messages)."""

    type: TypeRef
    reason: str


def child_path(parent: str, key: str) -> str:
    """The JSON path of `key` inside the object at `parent`."""
    if _IDENTIFIER.match(key):
        return f"{parent}.{key}"
    return f"{parent}[{json.dumps(key, ensure_ascii=False)}]"


def _short(items: tuple[str, ...] | list[str], limit: int = _HINT_LIMIT) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f", … ({len(items) - limit} more)" if len(items) > limit else "")


class SchemaIndex:
    """Per-type lookups computed once from the facts: property maps, required sets, hints."""

    def __init__(self, facts: SchemaFacts, converter: ODataConverter | None = None) -> None:
        self.facts = facts
        # The converter owns the inheritance rules (base chains, derived types); reuse them.
        self.converter = converter or ODataConverter(facts, generated.__name__)
        self._props: dict[str, dict[str, PropertyFacts]] = {}
        self._required: dict[str, tuple[PropertyFacts, ...]] = {}
        self._declared_below: dict[str, dict[str, tuple[str, ...]]] = {}

    def properties(self, qname: str) -> dict[str, PropertyFacts]:
        """Declared and inherited properties of a structured type, by wire name."""
        found = self._props.get(qname)
        if found is None:
            found = {p.name: p for p in self.converter.all_properties(qname)}
            self._props[qname] = found
        return found

    def required(self, qname: str) -> tuple[PropertyFacts, ...]:
        """Properties a complete body must carry: not nullable, not key, computed or navigation."""
        found = self._required.get(qname)
        if found is None:
            found = tuple(
                p
                for p in self.properties(qname).values()
                if not (p.nullable or p.key or p.computed or p.navigation)
            )
            self._required[qname] = found
        return found

    def assignable(self, qname: str) -> frozenset[str]:
        """`qname` and every type derived from it."""
        return self.converter.assignable_to(qname)

    def concrete(self, qname: str) -> list[str]:
        """The non-abstract types assignable to `qname`, sorted."""
        return self.converter.concrete(qname)

    def declared_below(self, qname: str, name: str) -> tuple[str, ...]:
        """Types derived from `qname` that declare property `name` (for undeclared hints)."""
        table = self._declared_below.get(qname)
        if table is None:
            own = self.properties(qname)
            collected: dict[str, list[str]] = {}
            for derived in sorted(self.facts.derived.get(qname, ())):
                for prop in self.properties(derived):
                    if prop not in own:
                        collected.setdefault(prop, []).append(derived)
            table = {k: tuple(v) for k, v in collected.items()}
            self._declared_below[qname] = table
        return table.get(name, ())

    def kind_of(self, qname: str) -> str:
        """`complex`/`entity`/`parameters` for a structured type, `enum`, or `primitive`."""
        if qname in self.facts.types:
            return self.facts.types[qname].kind
        if qname in self.facts.enums:
            return "enum"
        return "primitive"

    def slot(self, ref: TypeRef, name: str = "") -> PropertyFacts:
        """A declared type as a nullable pseudo-property, so the top level walks like a member."""
        kind = self.kind_of(ref.qname)
        if kind not in ("enum", "primitive"):
            kind = "complex"
        return PropertyFacts(
            name=name, attr=name, type=ref.qname, kind=kind, collection=ref.collection
        )


@cache
def default_index() -> SchemaIndex:
    """The index over the generated package's facts, built once per process."""
    return SchemaIndex(generated.schema(), generated.converter(strict=False))


def validate(
    value: Any,
    declared: TypeRef | str,
    *,
    mode: Mode,
    partial: bool,
    dynamic: Mapping[str, DynamicType] | None = None,
    index: SchemaIndex | None = None,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_findings: int | None = None,
) -> list[Finding]:
    """Every finding for a parsed JSON value of the declared type, in document order.

    With `max_findings`, at most that many errors and that many other findings are kept (a
    hostile body can hold tens of thousands) and a `findings.truncated` note counts the rest."""
    if mode not in ("strict", "lenient"):
        raise ValueError(f"mode must be 'strict' or 'lenient', not {mode!r}")
    ref = TypeRef.parse(declared) if isinstance(declared, str) else declared
    idx = index if index is not None else default_index()
    known = ref.qname in idx.facts.types or ref.qname in idx.facts.enums
    if not known and not ref.qname.startswith("Edm."):
        return [
            Finding(
                "error",
                "type.unknown",
                "$",
                f"the declared type {ref.qname} is not in the metadata; nothing was validated",
            )
        ]
    walker = _Walker(idx, mode, partial, dynamic or {}, max_depth, max_findings)
    walker.slot(value, idx.slot(ref), "$", 0, None)
    if walker.omitted:
        walker.findings.append(truncated_note(walker.omitted, walker.omitted_errors))
    return walker.findings


class _Walker:
    """One validation run: the settings and the findings collected so far."""

    def __init__(
        self,
        index: SchemaIndex,
        mode: Mode,
        partial: bool,
        dynamic: Mapping[str, DynamicType],
        max_depth: int,
        max_findings: int | None = None,
    ) -> None:
        self.index = index
        self.types = index.facts.types
        self.enums = index.facts.enums
        self.partial = partial
        self.dynamic = dynamic
        self.max_depth = max_depth
        # Unknown names are a sender's mistake but only a receiver's surprise.
        self.unknown_severity: Severity = "error" if mode == "strict" else "warning"
        self.findings: list[Finding] = []
        self.max_findings = max_findings
        self.kept: dict[bool, int] = {True: 0, False: 0}
        self.omitted = 0
        self.omitted_errors = 0

    def add(self, severity: Severity, code: str, path: str, message: str) -> None:
        is_error = severity == "error"
        if self.max_findings is not None and self.kept[is_error] >= self.max_findings:
            self.omitted += 1
            self.omitted_errors += is_error
            return
        self.kept[is_error] += 1
        self.findings.append(Finding(severity, code, path, message))

    # -- slots: a property value, a collection, or the body itself --------------------------

    def slot(
        self,
        value: Any,
        p: PropertyFacts,
        path: str,
        depth: int,
        owner: str | None,
        why: str = "declared",
    ) -> None:
        what = f"{owner}.{p.name} ({why} {_ref(p)})" if owner else f"the body ({_ref(p)})"
        if value is None:
            if not p.nullable:
                self.add("error", "property.null", path, f'{what} is Nullable="false", got null')
            return
        if not p.collection:
            self.single(value, p, path, depth, what)
            return
        if type(value) is not list:
            self.add(
                "error",
                "value.wrong-json-type",
                path,
                f"{what}: expected an array, got {json_type(value)}",
            )
            return
        if depth >= self.max_depth:
            self.too_deep(path)
            return
        for i, item in enumerate(value):
            item_path = f"{path}[{i}]"
            if item is None:
                if not p.nullable:
                    self.add(
                        "error",
                        "property.null",
                        item_path,
                        f'{what} is Nullable="false", got a null item',
                    )
                continue
            self.single(item, p, item_path, depth + 1, f"an item of {what}")

    def single(self, value: Any, p: PropertyFacts, path: str, depth: int, what: str) -> None:
        if p.kind == "primitive":
            self.primitive(value, p, path, what)
        elif p.kind == "enum":
            self.enum(value, p.type, path, what)
        else:
            self.structured(value, p.type, path, depth, what)

    def too_deep(self, path: str) -> None:
        self.add(
            "error",
            "body.too-deep",
            path,
            f"nesting deeper than {self.max_depth} levels; the value here was not validated",
        )

    # -- structured values ------------------------------------------------------------------

    def structured(self, value: Any, declared: str, path: str, depth: int, what: str) -> None:
        if depth >= self.max_depth:
            self.too_deep(path)
            return
        if type(value) is not dict:
            self.add(
                "error",
                "value.wrong-json-type",
                path,
                f"{what}: expected an object, got {json_type(value)}",
            )
            return
        actual = self.actual_type(value, declared, path, what)
        facts = self.types[actual]
        if facts.abstract:
            concrete = self.index.concrete(actual)
            self.add(
                "error",
                "type.abstract",
                path,
                f"{what}: {actual} is abstract and the object names no concrete type with "
                "@odata.type" + (f"; use one of {_short(concrete)}" if concrete else ""),
            )
        props = self.index.properties(actual)
        for key, item in value.items():
            if "@" in key:
                # Instance annotations (`@odata.type`, `@odata.context`, `prop@odata.type`) are
                # metadata about the payload, never properties.
                continue
            item_path = child_path(path, key)
            p = props.get(key)
            if p is not None:
                self.slot(item, p, item_path, depth + 1, actual)
                continue
            decided = self.dynamic.get(item_path)
            if decided is not None and facts.open:
                prop = self.index.slot(decided.type, key)
                self.slot(item, prop, item_path, depth + 1, actual, f"{decided.reason}:")
                continue
            self.undeclared(key, item, actual, item_path, depth)
        if not self.partial:
            for p in self.index.required(actual):
                if p.name not in value:
                    self.add(
                        "error",
                        "property.required",
                        child_path(path, p.name),
                        f"{actual}.{p.name} ({_ref(p)}) is required in a request body "
                        '(Nullable="false") but is missing',
                    )

    def actual_type(self, value: dict[str, Any], declared: str, path: str, what: str) -> str:
        """The type to read `value` as: its valid `@odata.type`, else the declared type."""
        named = value.get("@odata.type")
        if named is None:
            return declared
        if type(named) is not str:
            self.add(
                "error",
                "type.bad-annotation",
                path,
                f"@odata.type must be a string naming a type, got {json_type(named)}",
            )
            return declared
        qname = named.removeprefix("#")
        if qname == declared:
            return declared
        if qname not in self.types:
            self.add(
                self.unknown_severity,
                "type.unknown",
                path,
                f"{what} names {named!r}, a type the metadata lacks; validated as {declared}",
            )
            return declared
        accepted = sorted(self.index.assignable(declared))
        if qname not in accepted:
            self.add(
                "error",
                "type.not-assignable",
                path,
                f"{what} names {named}, which is not {declared} or derived from it; "
                f"accepted: {_short(accepted)}",
            )
            return declared
        return qname

    def undeclared(self, key: str, value: Any, owner: str, path: str, depth: int) -> None:
        facts = self.types[owner]
        below = self.index.declared_below(owner, key)
        hint = f"; declared on {_short(below)}, name it with @odata.type" if below else ""
        if facts.open:
            self.add(
                "warning",
                "property.undeclared",
                path,
                f"{owner} does not declare {key!r}; kept as a dynamic property of the open "
                f"type{hint}",
            )
        else:
            self.add(
                "error",
                "property.undeclared",
                path,
                f"{owner} does not declare {key!r} and is not an open type{hint}",
            )
        # A dynamic value that names its type can still be checked against that type.
        if type(value) is dict:
            named = value.get("@odata.type")
            if type(named) is str and named.removeprefix("#") in self.types:
                qname = named.removeprefix("#")
                self.structured(value, qname, path, depth + 1, f"{owner}.{key}")
            elif type(named) is str:
                self.add(
                    self.unknown_severity,
                    "type.unknown",
                    path,
                    f"the dynamic property {owner}.{key} names {named!r}, a type the metadata "
                    "lacks",
                )

    # -- enums and primitives ---------------------------------------------------------------

    def enum(self, value: Any, qname: str, path: str, what: str) -> None:
        if type(value) is not str:
            self.add(
                "error",
                "value.wrong-json-type",
                path,
                f"{what}: expected a member name string, got {json_type(value)}",
            )
            return
        facts = self.enums[qname]
        known = {name for name, _ in facts.members}
        parts = [s.strip() for s in value.split(",")] if facts.flags else [value]
        for part in parts:
            if part not in known:
                kept = "" if self.unknown_severity == "error" else "; kept as an unknown value"
                self.add(
                    self.unknown_severity,
                    "enum.unknown-member",
                    path,
                    f"{what}: {qname} has no member {part!r} "
                    f"(members: {_short([n for n, _ in facts.members], 12)}){kept}",
                )

    def primitive(self, value: Any, p: PropertyFacts, path: str, what: str) -> None:
        edm = p.type
        if type(value) is float and not math.isfinite(value):
            hint = f'; {edm} writes it as the string "NaN", "INF" or "-INF"'
            self.add(
                "error",
                "value.non-finite",
                path,
                f"{what} is a non-finite number literal, which JSON does not have"
                + (hint if edm in _FLOAT_TYPES else ""),
            )
            return
        try:
            codec_for_primitive(edm)[0](value)
        except ReadError as exc:
            code = "value." + exc.code.removeprefix("read.")
            self.add("error", code, path, f"{what}: {exc.message}")
            return
        except (InvalidOperation, ValueError, OverflowError) as exc:  # defensive: odd inputs
            self.add("error", "value.bad-" + edm.removeprefix("Edm.").lower(), path, str(exc))
            return
        if edm == "Edm.Decimal" and type(value) is str and not Decimal(value).is_finite():
            # The reader accepts IEEE754Compatible strings; NaN and INF exist only for floats.
            self.add(
                "error",
                "value.non-finite",
                path,
                f"{what}: {value!r} is allowed only for Edm.Single and Edm.Double",
            )
        if p.max_length is not None and type(value) is str and len(value) > p.max_length:
            self.add(
                "error",
                "value.too-long",
                path,
                f"{what} has MaxLength={p.max_length}, got {len(value)} characters",
            )


def _ref(p: PropertyFacts) -> TypeRef:
    return TypeRef(p.type, p.collection)
