"""Check a JSON body against a models package: a thin adapter over the package's checker.

Every rule about a valid body (type dispatch, assignability and abstract types, enums and flags,
null and required, Edm formats and ranges, `MaxLength`, non-finite numbers, undeclared
properties with the derived types that declare them) lives in one place: the generated
package's converter, whose `check` reads the body and collects every finding with its JSON path
in the same walk. This module only chooses the converter for a mode, passes the types that the
runtime decided (a notification's `resourceData` typed from its `resourceUrl`), and turns the
package's findings into `runtime.checking.findings.Finding`.

Two modes, always chosen explicitly: `strict` for what we send (unknown enum members and unknown
`@odata.type` names are errors, because the service will refuse or misread them) and `lenient`
for what we receive (those are warnings: Graph's enums and type hierarchy evolve faster than any
metadata snapshot). A body can also be `partial` (responses, notifications, PATCH): then missing
required properties are not reported. A top-level `Collection(…)` is a collection response,
`{"value": [...]}` with its control information, checked item by item.

Finding codes (stable; golden files and callers depend on them):

- `type.unknown` — `@odata.type` names a type the metadata lacks (strict: error, lenient: warning,
  the object is kept: as the declared type, or as an unknown subtype of an abstract one).
- `type.not-assignable` — `@odata.type` names a type that is neither the declared type nor derived
  from it (error); the message lists the accepted types.
- `type.abstract` — `@odata.type` names an abstract type (error).
- `type.missing-odata-type` — no `@odata.type` where OData JSON §4.6.3 needs one (the declared
  type is abstract: error; or the object carries properties only derived types declare: an
  error on a closed type when strict, else a warning); the message names the derived types
  its properties fit, and the annotation to add.
- `type.bad-annotation` — `@odata.type` is not a string (error).
- `property.undeclared` — a property the type does not declare: a warning on an open type (a
  dynamic property), on a closed type an error when strict and a warning when lenient; the
  message names derived types that declare it. In a collection response, anything but `value`
  and control information.
- `property.null` — `null` where the metadata says `Nullable="false"` (strict: error, lenient:
  warning, the null is kept).
- `property.required` — a required property (not nullable, not a key, not computed, not a
  navigation) is missing from a complete body; a collection response without `value` (error).
- `value.wrong-json-type` — e.g. a string where an object or a number is declared, or a bare
  array where Graph sends a collection response object (error).
- `enum.unknown-member` — a value (or, for a flags enum, each comma-separated member; an empty
  flags value names the member `''`) the enum does not declare (strict: error, lenient: warning).
- `enum.wrong-case` — a member written in another case (`"Busy"` for `busy`); the message gives
  the right spelling (strict: error, lenient: warning).
- `value.placeholder` — an enum value listing members (`"none | busy | forbidden"`), as pages
  write placeholders (strict: error, lenient: warning).
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

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, cast

from .findings import Finding, Severity, cap_findings
from .models import default_models, odata_of

if TYPE_CHECKING:
    from .models import ODataConverter, PropertyFacts, SchemaFacts

__all__ = [
    "CheckOutcome",
    "DynamicType",
    "Mode",
    "SchemaIndex",
    "TypeRef",
    "check",
    "default_index",
    "validate",
]

Mode = Literal["strict", "lenient"]


@dataclass(frozen=True, slots=True)
class TypeRef:
    """A declared type: a qualified name (structured, enum or `Edm.*`), maybe a collection of it."""

    qname: str
    collection: bool = False

    @classmethod
    def parse(cls, text: str) -> TypeRef:
        """Read `microsoft.graph.call` or `Collection(microsoft.graph.participant)`."""
        return _parse_ref(text)

    def __str__(self) -> str:
        return f"Collection({self.qname})" if self.collection else self.qname


@lru_cache(maxsize=1024)
def _parse_ref(text: str) -> TypeRef:
    # Cached (bounded): the same few declared types are parsed for every body.
    text = text.strip()
    if text.startswith("Collection(") and text.endswith(")"):
        return TypeRef(text[len("Collection(") : -1].strip(), True)
    return TypeRef(text)


@dataclass(frozen=True, slots=True)
class DynamicType:
    """The type decided for a dynamic property at one JSON path, and why (for messages)."""

    type: TypeRef
    reason: str


class SchemaIndex:
    """A models package's facts with its two converters (strict and lenient), made once."""

    def __init__(
        self,
        facts: SchemaFacts,
        converter: ODataConverter | None = None,
        strict_converter: ODataConverter | None = None,
        package: str | None = None,
    ) -> None:
        """`converter` is a lenient converter of the models package the facts belong to;
        without one, converters of the package named `package` (default: the default
        version's) are made over `facts` (e.g. facts edited by a test)."""
        if converter is None:
            from .models import models_for

            models = models_for(package)
            odata = odata_of(models.converter())
            converter = cast("ODataConverter", odata.ODataConverter(facts, models.name))
        self.facts = facts
        self.converter = converter
        self.package = package or type(converter).__module__.rpartition(".")[0]
        odata = odata_of(converter)
        self._dynamic_property = odata.DynamicProperty
        # JSON paths are spelled by the package, so that a path the runtime builds names the
        # same place as one its checker reports.
        self.child_path: Callable[[str, str | int], str] = odata.child_path
        self.strict_converter = strict_converter or odata.ODataConverter(
            facts, self.package, strict=True
        )
        self._props: dict[str, dict[str, PropertyFacts]] = {}
        self.plans: dict[tuple[str, TypeRef | str], tuple[ODataConverter, str, bool]] = {}
        # The URL routes over these facts (`runtime.checking.resolve_type.routes_of`), made on
        # first use and kept with the index, so they live exactly as long as it does.
        self.routes: object = None

    def plan(self, mode: Mode, declared: TypeRef | str) -> tuple[ODataConverter, str, bool]:
        """The converter, type name and collection flag that `check` uses for a mode and a
        declared type, kept (bounded) in `plans`."""
        if mode not in ("strict", "lenient"):
            raise ValueError(f"mode must be 'strict' or 'lenient', not {mode!r}")
        conv = self.converter_for(mode)
        ref = declared if isinstance(declared, TypeRef) else TypeRef.parse(declared)
        made = (conv, ref.qname, ref.collection)
        if len(self.plans) < _PLANS:
            self.plans[mode, declared] = made
        return made

    def converter_for(self, mode: Mode) -> ODataConverter:
        """The checker of a mode."""
        return self.strict_converter if mode == "strict" else self.converter

    def properties(self, qname: str) -> dict[str, PropertyFacts]:
        """Declared and inherited properties of a structured type, by wire name."""
        found = self._props.get(qname)
        if found is None:
            found = {p.name: p for p in self.converter.all_properties(qname)}
            self._props[qname] = found
        return found

    def assignable(self, qname: str) -> frozenset[str]:
        """`qname` and every type derived from it."""
        return self.converter.assignable_to(qname)


# Declared types come from code and from the metadata, but a docs page can name any text.
_PLANS = 4096


@cache
def default_index() -> SchemaIndex:
    """The index over the default models package (see `runtime.checking.models`), built once."""
    # Cached here too: `check` without an index asks for it once per body.
    return default_models().index


_new_tuple = tuple.__new__


class CheckOutcome(NamedTuple):
    """One walk's result: findings, the value read (None on an error), typed dynamic values."""

    findings: list[Finding]
    value: Any = None
    dynamic: Mapping[str, Any] = MappingProxyType({})
    converter: ODataConverter | None = None


def check(
    value: Any,
    declared: TypeRef | str,
    *,
    mode: Mode,
    partial: bool,
    dynamic: Mapping[str, DynamicType] | None = None,
    index: SchemaIndex | None = None,
) -> CheckOutcome:
    """Check and read a parsed JSON value of the declared type in one walk."""
    idx = index if index is not None else default_index()
    # This runs once per body checked: the common case (a declared type and mode seen before,
    # no dynamic properties, no findings) is one lookup and one call into the package.
    try:
        conv, qname, collection = idx.plans[mode, declared]
    except KeyError:
        conv, qname, collection = idx.plan(mode, declared)
    if dynamic:
        decided = {
            path: idx._dynamic_property(d.type.qname, d.type.collection, d.reason)
            for path, d in dynamic.items()
        }
        result = conv.check(value, qname, collection=collection, partial=partial, dynamic=decided)
    else:
        result = conv.check(value, qname, collection=collection, partial=partial)
    found = result.findings
    findings = (
        [Finding(cast(Severity, f.severity), f.code, f.path, f.message) for f in found]
        if found
        else []
    )
    # Made without the named tuple's Python-level __new__.
    outcome: CheckOutcome = _new_tuple(CheckOutcome, (findings, result.value, result.dynamic, conv))
    return outcome


def validate(
    value: Any,
    declared: TypeRef | str,
    *,
    mode: Mode,
    partial: bool,
    dynamic: Mapping[str, DynamicType] | None = None,
    index: SchemaIndex | None = None,
    max_findings: int | None = None,
) -> list[Finding]:
    """Every finding for a parsed JSON value of the declared type, in document order.

    With `max_findings`, at most that many are listed, errors first, and a `findings.truncated`
    note counts the rest (a hostile body can hold tens of thousands)."""
    found = check(value, declared, mode=mode, partial=partial, dynamic=dynamic, index=index)
    if max_findings is None:
        return found.findings
    return list(cap_findings(found.findings, max_findings))
