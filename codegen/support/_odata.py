"""OData JSON support for the generated models: UNSET, Edm values, the cattrs converter.

This module is copied verbatim into every generated package; it imports nothing but the
standard library, attrs and cattrs, so the package stays movable.
"""

from __future__ import annotations

import base64
import enum
import importlib
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, ClassVar, Final, Literal, NamedTuple, Self, TypeVar
from uuid import UUID

import attrs
import cattrs


class Unset(enum.Enum):
    """The type of `UNSET`: a property absent from the JSON, as opposed to `null`."""

    UNSET = "UNSET"

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET


@attrs.define(kw_only=True)
class ODataObject:
    """Base of every generated class: instance annotations and dynamic properties are kept."""

    ODATA_TYPE: ClassVar[str] = ""

    odata_annotations: dict[str, Any] = attrs.field(factory=dict, repr=False)
    """Instance annotations as read (`@odata.type`, `@odata.etag`, `prop@odata.type`, …)."""
    additional_data: dict[str, Any] = attrs.field(factory=dict, repr=False)
    """Properties the metadata does not declare: dynamic properties of open types."""
    _odata_type_read: bool = attrs.field(default=False, init=False, eq=False, repr=False)
    # True when the JSON named this object's own type in `@odata.type` where the writer would
    # not: writing then emits it again. It is not part of equality, so an object made in Python
    # equals the same object read back from JSON; a `@odata.type` naming another type (an
    # unknown one read leniently, or one spelled differently) stays in `odata_annotations`.


class OpenEnum(str, enum.Enum):
    """A string enum that keeps values the metadata does not know (Graph's evolvable enums)."""

    @classmethod
    def _missing_(cls, value: object) -> OpenEnum | None:
        if not isinstance(value, str):
            return None
        # A pseudo-member: an instance of the enum, equal to its string, never cached.
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @property
    def is_known(self) -> bool:
        """False for a value the metadata did not declare."""
        return self._name_ in type(self).__members__

    def __str__(self) -> str:
        return str(self._value_)


# -- facts: what the metadata says, without the CSDL ----------------------------------------------


class PropertyFacts(NamedTuple):
    """A declared property (or parameter): wire name, Python attribute, type and facets."""

    name: str
    attr: str
    type: str
    kind: str  # "primitive", "enum", "complex", "entity"
    collection: bool = False
    nullable: bool = True
    max_length: int | None = None
    key: bool = False
    computed: bool = False
    immutable: bool = False
    navigation: bool = False


class TypeFacts(NamedTuple):
    """A structured type: kind, inheritance, facets and declared properties."""

    qname: str
    kind: str  # "entity", "complex", "parameters"
    module: str
    class_name: str
    base: str | None = None
    abstract: bool = False
    open: bool = False
    has_stream: bool = False
    key: tuple[str, ...] = ()
    properties: tuple[PropertyFacts, ...] = ()
    description: str | None = None


class EnumFacts(NamedTuple):
    """An enumeration type: members in order and whether it is a flags enum."""

    qname: str
    module: str
    class_name: str
    members: tuple[tuple[str, int], ...]
    flags: bool = False


class OperationFacts(NamedTuple):
    """An action or function: binding, parameters class, and return type."""

    qname: str
    kind: str  # "action", "function"
    parameters: str  # qualified name of the parameters pseudo-type in TYPES
    binding: str | None = None
    binding_collection: bool = False
    return_type: str | None = None
    return_collection: bool = False
    return_nullable: bool = True


class SchemaFacts(NamedTuple):
    """Everything the generated package knows about its metadata."""

    types: Mapping[str, TypeFacts]
    enums: Mapping[str, EnumFacts]
    operations: Mapping[str, tuple[OperationFacts, ...]]
    entity_sets: Mapping[str, str]
    singletons: Mapping[str, str]
    derived: Mapping[str, tuple[str, ...]]
    routes: Mapping[str, tuple[str, bool]] = MappingProxyType({})
    """Container paths to types in scope (`communications/calls`), and whether each is a
    collection: where a resource lives, even when the container's own type is not generated."""


# -- errors ----------------------------------------------------------------------------------------


class ReadError(ValueError):
    """A JSON value that does not fit its declared type, located by JSON path."""

    def __init__(self, path: str, message: str, code: str = "read.invalid") -> None:
        self.path = path
        self.message = message
        self.code = code
        super().__init__(f"{path}: {message}")

    def at(self, prefix: str) -> ReadError:
        """The same error, one level further out."""
        return ReadError(prefix + self.path[1:], self.message, self.code)


def json_type(value: object) -> str:
    """The JSON name of a parsed value's type (`object`, `array`, `string`, …)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _wrong(expected: str, value: object) -> ReadError:
    return ReadError("$", f"expected {expected}, got {json_type(value)}", "read.wrong-json-type")


# -- Edm values that remember their wire text, so writing back is lossless -------------------------


class _KeepsWire:
    """Copies of an immutable wire value are the value itself, so they keep its wire text."""

    __slots__ = ()

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: object) -> Self:
        return self


class WireDateTime(_KeepsWire, datetime):
    """A `DateTimeOffset` read from JSON; `wire` is the text it was read from."""

    __slots__ = ("wire",)
    wire: str


class WireDate(_KeepsWire, date):
    """A `Date` read from JSON."""

    __slots__ = ("wire",)
    wire: str


class WireTime(_KeepsWire, time):
    """A `TimeOfDay` read from JSON."""

    __slots__ = ("wire",)
    wire: str


class WireDuration(_KeepsWire, timedelta):
    """A `Duration` read from JSON."""

    __slots__ = ("wire",)
    wire: str


class WireUUID(_KeepsWire, UUID):
    """A `Guid` read from JSON (its case is kept)."""

    __slots__ = ("wire",)
    wire: str


class WireBytes(bytes):
    """A `Binary` read from JSON (its base64 flavour and padding are kept)."""

    wire: str


_FRACTION = re.compile(r"(\.\d{6})\d+")
_DURATION = re.compile(
    r"^(-)?P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)


def parse_datetime(text: object) -> datetime:
    """Edm.DateTimeOffset: an aware datetime; more than 6 fractional digits are truncated."""
    if type(text) is not str:
        raise _wrong("a date-time string", text)
    try:
        dt = datetime.fromisoformat(_FRACTION.sub(r"\1", text))
    except ValueError:
        raise ReadError(
            "$", f"{text!r} is not an ISO 8601 date-time", "read.bad-datetime"
        ) from None
    if dt.tzinfo is None:
        raise ReadError("$", f"{text!r} has no time zone offset", "read.bad-datetime")
    out = WireDateTime(
        dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.microsecond, dt.tzinfo
    )
    out.wire = text
    return out


def format_datetime(value: datetime) -> str:
    """Write a DateTimeOffset: its wire text when unchanged, else ISO 8601 with `Z` for UTC."""
    wire = getattr(value, "wire", None)
    if wire is not None:
        return str(wire)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def parse_date(text: object) -> date:
    """Edm.Date."""
    if type(text) is not str:
        raise _wrong("a date string", text)
    try:
        d = date.fromisoformat(text)
    except ValueError:
        raise ReadError("$", f"{text!r} is not a date (YYYY-MM-DD)", "read.bad-date") from None
    out = WireDate(d.year, d.month, d.day)
    out.wire = text
    return out


def parse_time(text: object) -> time:
    """Edm.TimeOfDay."""
    if type(text) is not str:
        raise _wrong("a time string", text)
    try:
        t = time.fromisoformat(_FRACTION.sub(r"\1", text))
    except ValueError:
        raise ReadError("$", f"{text!r} is not a time of day", "read.bad-time") from None
    out = WireTime(t.hour, t.minute, t.second, t.microsecond)
    out.wire = text
    return out


def parse_duration(text: object) -> timedelta:
    """Edm.Duration (ISO 8601 `PnDTnHnMn.nS`)."""
    if type(text) is not str:
        raise _wrong("a duration string", text)
    m = _DURATION.match(text)
    if m is None or text in ("P", "-P") or text.endswith("T"):
        raise ReadError("$", f"{text!r} is not an ISO 8601 duration", "read.bad-duration")
    sign, d, h, mi, s = m.groups()
    try:
        td = timedelta(
            days=float(d or 0), hours=float(h or 0), minutes=float(mi or 0), seconds=float(s or 0)
        )
    except (OverflowError, ValueError):
        raise ReadError(
            "$", f"{text[:40]!r} is out of range for a duration", "read.out-of-range"
        ) from None
    if sign:
        td = -td
    out = WireDuration(td.days, td.seconds, td.microseconds)
    out.wire = text
    return out


def format_duration(value: timedelta) -> str:
    """Write a Duration: its wire text when unchanged, else `PnDTnHnMnS`."""
    wire = getattr(value, "wire", None)
    if wire is not None:
        return str(wire)
    sign = "-" if value < timedelta(0) else ""
    value = abs(value)
    days, rest = value.days, value.seconds
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    frac = f"{seconds}.{value.microseconds:06d}".rstrip("0").rstrip(".")
    out = f"{sign}P{days}D" if days else f"{sign}P"
    tail = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M")) if n) + (
        f"{frac}S" if seconds or value.microseconds else ""
    )
    if tail:
        out += "T" + tail
    return out if out not in ("P", "-P") else "PT0S"


def parse_guid(text: object) -> UUID:
    """Edm.Guid."""
    if type(text) is not str:
        raise _wrong("a GUID string", text)
    try:
        u = WireUUID(text)
    except ValueError:
        raise ReadError("$", f"{text!r} is not a GUID", "read.bad-guid") from None
    if len(text) != 36:
        raise ReadError("$", f"{text!r} is not a GUID in 8-4-4-4-12 form", "read.bad-guid")
    object.__setattr__(u, "wire", text)
    return u


def format_guid(value: UUID) -> str:
    """Write a Guid."""
    wire = getattr(value, "wire", None)
    return str(wire) if wire is not None else str(value)


def parse_binary(text: object) -> bytes:
    """Edm.Binary: base64url (standard base64 is accepted too, as Graph sends both)."""
    if type(text) is not str:
        raise _wrong("a base64 string", text)
    try:
        raw = base64.b64decode(
            text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4), validate=True
        )
    except ValueError:
        raise ReadError("$", f"{text[:40]!r} is not base64", "read.bad-binary") from None
    out = WireBytes(raw)
    out.wire = text
    return out


def format_binary(value: bytes) -> str:
    """Write a Binary: its wire text when unchanged, else unpadded base64url."""
    wire = getattr(value, "wire", None)
    if wire is not None:
        return str(wire)
    return base64.urlsafe_b64encode(value).decode("ascii").rstrip("=")


_INT_RANGES: Final = {
    "Edm.Byte": (0, 255),
    "Edm.SByte": (-128, 127),
    "Edm.Int16": (-(2**15), 2**15 - 1),
    "Edm.Int32": (-(2**31), 2**31 - 1),
    "Edm.Int64": (-(2**63), 2**63 - 1),
}


def _int_reader(edm: str) -> Callable[[object], int]:
    lo, hi = _INT_RANGES[edm]

    def read(value: object) -> int:
        if type(value) is not int:
            raise _wrong(f"an integer ({edm})", value)
        if not lo <= value <= hi:
            raise ReadError("$", f"{value} is out of range for {edm}", "read.out-of-range")
        return value

    return read


def read_str(value: object) -> str:
    """Edm.String."""
    if type(value) is not str:
        raise _wrong("a string", value)
    return value


def read_bool(value: object) -> bool:
    """Edm.Boolean."""
    if type(value) is not bool:
        raise _wrong("a boolean", value)
    return value


_SPECIAL_FLOATS: Final = {"INF": math.inf, "-INF": -math.inf, "NaN": math.nan}


class WireFloat(float):
    """A Single/Double written as a string on the wire ("INF", "-INF", "NaN")."""

    wire: str


def read_float(value: object) -> float:
    """Edm.Double/Single: a finite JSON number, or "INF", "-INF", "NaN"."""
    t = type(value)
    if isinstance(value, float | int) and t is not bool:
        try:
            finite = math.isfinite(value)
        except OverflowError:  # an integer with hundreds of digits
            finite = False
        if not finite:
            # A JSON literal past the Double range is decoded as infinity; the strings say it.
            raise ReadError("$", "the number is out of range for a Double", "read.out-of-range")
        return value
    if isinstance(value, str) and value in _SPECIAL_FLOATS:
        out = WireFloat(_SPECIAL_FLOATS[value])
        out.wire = value
        return out
    raise _wrong("a number", value)


def write_float(value: float) -> float | str:
    """Write a Double: special values as Graph's strings."""
    wire = getattr(value, "wire", None)
    if wire is not None:
        return str(wire)
    if type(value) is int:
        return value
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    return value


# Decimal128's exponent range: far beyond any real amount, and every value inside it converts
# to an int or a string in bounded time (1e999999999 would take minutes and gigabytes).
_DECIMAL_MAX_EXPONENT: Final = 6144
_DECIMAL_MAX_TEXT: Final = 200


class WireDecimal(Decimal):
    """A Decimal read from JSON; `wire` is the JSON value (number or string) it was read from."""

    wire: int | float | str


def _decimal_in_range(value: Decimal) -> bool:
    return value.is_finite() and abs(value.adjusted()) <= _DECIMAL_MAX_EXPONENT


def read_decimal(value: object) -> Decimal:
    """Edm.Decimal: a JSON number (or a string, which IEEE754Compatible allows)."""
    if type(value) is bool or not isinstance(value, int | float | str):
        raise _wrong("a decimal number", value)
    if isinstance(value, str) and len(value) > _DECIMAL_MAX_TEXT:
        raise ReadError("$", f"{value[:40]!r}… is too long for a decimal", "read.out-of-range")
    try:
        # Integers are converted exactly; a float through its shortest repr, as it was written.
        out = WireDecimal(value if type(value) is int else str(value))
    except (InvalidOperation, ValueError):
        raise ReadError("$", f"{value!r} is not a decimal", "read.bad-decimal") from None
    if not out.is_finite():
        raise ReadError("$", f"{value!r} is not a finite decimal", "read.non-finite")
    if not _decimal_in_range(out):
        raise ReadError(
            "$", f"{str(value)[:40]!r} is out of range for a decimal", "read.out-of-range"
        )
    out.wire = value
    return out


def write_decimal(value: Decimal) -> int | float | str:
    """Write a Decimal losslessly: as read when unchanged, else an exact JSON number, else
    its text (the IEEE754Compatible form) when no JSON number of Python's `json` holds it."""
    wire = getattr(value, "wire", None)
    if wire is not None:
        return wire  # type: ignore[no-any-return]
    if not _decimal_in_range(value):
        raise ReadError(
            "$", f"{str(value)[:40]} cannot be written as a decimal", "write.out-of-range"
        )
    exponent = value.as_tuple().exponent
    # Python's json writes ints of up to 4,300 digits; longer ones go as text.
    if isinstance(exponent, int) and exponent >= 0 and value.adjusted() < 4000:
        return int(value)
    as_float = float(value)
    if math.isfinite(as_float) and Decimal(repr(as_float)) == value:
        return as_float
    return str(value)


def _identity(value: Any) -> Any:
    return value


def read_json_object(value: object) -> dict[str, Any]:
    """Geography/Geometry: a GeoJSON object, kept as read."""
    if type(value) is not dict:
        raise _wrong("a GeoJSON object", value)
    return value


PrimitiveCodec = tuple[Callable[[Any], Any], Callable[[Any], Any]]


def primitive_codecs() -> dict[str, PrimitiveCodec]:
    """Reader and writer of each Edm primitive type."""
    codecs: dict[str, PrimitiveCodec] = {
        "Edm.String": (read_str, _identity),
        "Edm.Boolean": (read_bool, _identity),
        "Edm.Single": (read_float, write_float),
        "Edm.Double": (read_float, write_float),
        "Edm.Decimal": (read_decimal, write_decimal),
        "Edm.DateTimeOffset": (parse_datetime, format_datetime),
        "Edm.Date": (parse_date, lambda v: getattr(v, "wire", None) or v.isoformat()),
        "Edm.TimeOfDay": (parse_time, lambda v: getattr(v, "wire", None) or v.isoformat()),
        "Edm.Duration": (parse_duration, format_duration),
        "Edm.Guid": (parse_guid, format_guid),
        "Edm.Binary": (parse_binary, format_binary),
        "Edm.Stream": (read_str, _identity),
        "Edm.Untyped": (_identity, _identity),
        "Edm.PrimitiveType": (_identity, _identity),
    }
    for edm in _INT_RANGES:
        codecs[edm] = (_int_reader(edm), _identity)
    return codecs


PRIMITIVES: Final = primitive_codecs()


def codec_for_primitive(edm: str) -> PrimitiveCodec:
    """The codec of an Edm type; geo types are GeoJSON objects kept as read."""
    found = PRIMITIVES.get(edm)
    if found is not None:
        return found
    if edm.startswith(("Edm.Geography", "Edm.Geometry")):
        return (read_json_object, _identity)
    return (_identity, _identity)


# -- the converter ---------------------------------------------------------------------------------

T = TypeVar("T", bound=ODataObject)
_StructureFn = Callable[[Any, str], Any]
_UnstructureFn = Callable[[Any], Any]


class ODataConverter(cattrs.Converter):
    """A cattrs converter for the generated classes, driven by the package's schema facts.

    Hooks are compiled per class on first use from one hook factory, so start-up costs nothing
    however many classes the package has. `strict` refuses unknown `@odata.type` names and enum
    values instead of keeping them, and `null` for a property that is not nullable instead of
    keeping it; `always_emit_type` writes `@odata.type` on every object (the
    Graph documentation's style) instead of only where the runtime type differs from the declared
    one.
    """

    def __init__(
        self,
        facts: SchemaFacts,
        package: str,
        *,
        strict: bool = False,
        always_emit_type: bool = False,
    ) -> None:
        super().__init__()
        self.facts = facts
        self.package = package
        self.strict = strict
        self.always_emit_type = always_emit_type
        self._classes: dict[str, type[ODataObject]] = {}
        self._enums: dict[str, type[OpenEnum]] = {}
        self._readers: dict[str, Callable[[dict[str, Any]], ODataObject]] = {}
        self._dispatch: dict[tuple[str, str | None], Callable[[dict[str, Any]], ODataObject]] = {}
        self._writers: dict[type[ODataObject], Callable[[ODataObject], dict[str, Any]]] = {}
        self._parameter_classes: set[type[ODataObject]] = set()
        self._assignable: dict[str, frozenset[str]] = {}
        self.register_structure_hook_factory(_is_odata_class, self._structure_hook)
        self.register_unstructure_hook_factory(_is_odata_class, self._unstructure_hook)

    # -- registry -----------------------------------------------------------------------------

    def class_of(self, qname: str) -> type[ODataObject]:
        """The generated class of a qualified type name, imported on first use."""
        cls = self._classes.get(qname)
        if cls is None:
            facts = self.facts.types[qname]
            cls = self._classes[qname] = self._import(facts.module, facts.class_name)
        return cls

    def enum_of(self, qname: str) -> type[OpenEnum]:
        """The generated enum class of a qualified enum name."""
        cls = self._enums.get(qname)
        if cls is None:
            facts = self.facts.enums[qname]
            cls = self._enums[qname] = self._import(facts.module, facts.class_name)
        return cls

    def _import(self, module: str, name: str) -> Any:
        return getattr(importlib.import_module(f"{self.package}.{module}"), name)

    def assignable_to(self, qname: str) -> frozenset[str]:
        """`qname` and every type deriving from it."""
        found = self._assignable.get(qname)
        if found is None:
            found = frozenset((qname, *self.facts.derived.get(qname, ())))
            self._assignable[qname] = found
        return found

    def all_properties(self, qname: str) -> tuple[PropertyFacts, ...]:
        """Declared and inherited properties of a type, base type's first."""
        chain = []
        current: str | None = qname
        while current is not None:
            t = self.facts.types[current]
            chain.append(t)
            current = t.base
        props: dict[str, PropertyFacts] = {}
        for t in reversed(chain):
            for p in t.properties:
                props[p.name] = p
        return tuple(props.values())

    # -- reading ------------------------------------------------------------------------------

    def read(self, data: Any, qname: str) -> Any:
        """Read a JSON value of declared structured type `qname` (polymorphic)."""
        if type(data) is not dict:
            raise _wrong(f"an object ({qname})", data)
        odata_type = data.get("@odata.type")
        if odata_type is not None and type(odata_type) is not str:
            raise ReadError("$", "@odata.type must be a string", "read.bad-odata-type")
        reader = self._dispatch.get((qname, odata_type))
        if reader is None:
            reader = self._dispatch_for(qname, odata_type)
        return reader(data)

    def _dispatch_for(
        self, qname: str, odata_type: str | None
    ) -> Callable[[dict[str, Any]], ODataObject]:
        """The reader for a declared type and an `@odata.type`, checked; cached when known."""
        target = qname
        if odata_type is not None:
            named = odata_type.removeprefix("#")
            if named != qname:
                if named not in self.facts.types:
                    if self.strict:
                        raise ReadError(
                            "$",
                            f"unknown type {odata_type!r} where {qname} is declared",
                            "read.unknown-type",
                        )
                elif named not in self.assignable_to(qname):
                    raise ReadError(
                        "$",
                        f"{odata_type!r} is not {qname} or a type derived from it",
                        "read.not-assignable",
                    )
                else:
                    target = named
        if self.facts.types[target].abstract:
            concrete = self.concrete(target)
            raise ReadError(
                "$",
                f"{target} is abstract: name a concrete type with @odata.type"
                + (f" (one of {', '.join(concrete[:5])})" if concrete else ""),
                "read.abstract",
            )
        reader = self._readers.get(target)
        if reader is None:
            reader = self._compile_reader(target)
        # Unknown names are not cached: a sender could otherwise grow the cache without bound.
        if odata_type is None or odata_type.removeprefix("#") in self.facts.types:
            self._dispatch[qname, odata_type] = reader
        return reader

    def concrete(self, qname: str) -> list[str]:
        """The concrete types assignable to `qname`, sorted."""
        return sorted(q for q in self.assignable_to(qname) if not self.facts.types[q].abstract)

    def _value_reader(self, p: PropertyFacts) -> Callable[[Any], Any]:
        if p.kind == "primitive":
            item: Callable[[Any], Any] = codec_for_primitive(p.type)[0]
        elif p.kind == "enum":
            item = self._enum_reader(p.type)
        else:
            qname = p.type
            read = self.read

            def item(value: Any) -> Any:
                return read(value, qname)

        if not p.collection:
            return item

        def read_list(value: Any) -> list[Any]:
            if type(value) is not list:
                raise _wrong(f"an array of {p.type}", value)
            out: list[Any] = []
            for i, v in enumerate(value):
                if v is None:
                    out.append(None)
                    continue
                try:
                    out.append(item(v))
                except ReadError as exc:
                    raise exc.at(f"$[{i}]") from None
            return out

        return read_list

    def _enum_reader(self, qname: str) -> Callable[[Any], Any]:
        facts = self.facts.enums[qname]
        known = {name for name, _ in facts.members}
        strict = self.strict

        def read_enum(value: Any) -> Any:
            if type(value) is not str:
                raise _wrong(f"a {qname} member name", value)
            cls = self.enum_of(qname)
            if facts.flags:
                parts = [s.strip() for s in value.split(",")] if value else []
                if strict and any(s not in known for s in parts):
                    raise ReadError(
                        "$",
                        f"{value!r} has a member {qname} does not declare",
                        "read.unknown-enum-member",
                    )
                flags = FlagValue(cls(s) for s in parts)
                flags.wire = value
                return flags
            if strict and value not in known:
                raise ReadError(
                    "$", f"{value!r} is not a member of {qname}", "read.unknown-enum-member"
                )
            return cls(value)

        return read_enum

    def _compile_reader(self, qname: str) -> Callable[[dict[str, Any]], ODataObject]:
        cls = self.class_of(qname)
        # Lenient mode keeps a null that Nullable="false" forbids (Graph sends some), so that
        # writing back is lossless; strict mode refuses it.
        strict = self.strict
        fields: dict[str, tuple[str, Callable[[Any], Any], bool]] = {}
        for p in self.all_properties(qname):
            fields[p.name] = (p.attr, self._value_reader(p), p.nullable or p.collection)

        own_type = "#" + qname

        def reader(data: dict[str, Any]) -> ODataObject:
            # The hot path of every read: the annotation and extra dicts are made only when
            # needed, since most objects carry neither.
            kwargs: dict[str, Any] = {}
            annotations: dict[str, Any] | None = None
            extra: dict[str, Any] | None = None
            names_own_type = False
            key = ""
            try:
                for key, value in data.items():
                    field = fields.get(key)
                    if field is not None:
                        attr, read_value, nullable = field
                        if value is not None:
                            kwargs[attr] = read_value(value)
                        elif nullable or not strict:
                            kwargs[attr] = None
                        else:
                            raise ReadError(
                                "$", f"null where {qname}/{key} is not nullable", "read.null"
                            )
                    elif key == "@odata.type" and value == own_type:
                        # The class says it: kept as a flag, not as an annotation.
                        names_own_type = True
                    elif "@" in key:
                        if annotations is None:
                            annotations = {}
                        annotations[key] = value
                    else:
                        if extra is None:
                            extra = {}
                        extra[key] = value
            except ReadError as exc:
                raise exc.at(f"$.{key}") from None
            obj = cls(**kwargs)
            if annotations is not None:
                obj.odata_annotations = annotations
            if extra is not None:
                obj.additional_data = extra
            if names_own_type:
                obj._odata_type_read = True
            return obj

        self._readers[qname] = reader
        return reader

    def _structure_hook(self, cls: type[Any]) -> _StructureFn:
        qname = cls.ODATA_TYPE[1:]
        return lambda data, _: self.read(data, qname)

    # -- writing ------------------------------------------------------------------------------

    def write(self, obj: ODataObject, declared: str | None = None) -> dict[str, Any]:
        """Write an object as JSON; `@odata.type` where its type differs from `declared`."""
        cls = type(obj)
        writer = self._writers.get(cls)
        if writer is None:
            writer = self._compile_writer(cls)
        out = writer(obj)
        if "@odata.type" in out or cls in self._parameter_classes:
            # An action's parameters are a request body, not an instance of any type.
            return out
        actual = cls.ODATA_TYPE
        if (
            self.always_emit_type
            or obj._odata_type_read
            or (declared is not None and actual[1:] != declared)
        ):
            return {"@odata.type": actual, **out}
        return out

    def _value_writer(self, p: PropertyFacts) -> Callable[[Any], Any]:
        if p.kind == "primitive":
            item: Callable[[Any], Any] = codec_for_primitive(p.type)[1]
        elif p.kind == "enum":
            item = _write_enum
        else:
            qname = p.type

            def item(value: Any) -> Any:
                return self.write(value, qname)

        if not p.collection:
            return item
        return lambda values: [None if v is None else item(v) for v in values]

    def _compile_writer(self, cls: type[ODataObject]) -> Callable[[ODataObject], dict[str, Any]]:
        qname = cls.ODATA_TYPE[1:]
        if self.facts.types[qname].kind == "parameters":
            self._parameter_classes.add(cls)
        plan = [(p.attr, p.name, self._value_writer(p)) for p in self.all_properties(qname)]

        def writer(obj: ODataObject) -> dict[str, Any]:
            out: dict[str, Any] = {}
            annotations = obj.odata_annotations
            if annotations:
                # @odata.type first: Graph (and OData) readers look for it before anything else.
                t = annotations.get("@odata.type")
                if t is not None:
                    out["@odata.type"] = t
                for k, v in annotations.items():
                    if k != "@odata.type":
                        out[k] = v
            for attr, name, write in plan:
                value = getattr(obj, attr)
                if value is UNSET:
                    continue
                out[name] = None if value is None else write(value)
            if obj.additional_data:
                out.update(obj.additional_data)
            return out

        self._writers[cls] = writer
        return writer

    def _unstructure_hook(self, cls: type[Any]) -> _UnstructureFn:
        declared = cls.ODATA_TYPE[1:]
        return lambda obj: self.write(obj, declared)

    # -- the cattrs-style entry points, typed -------------------------------------------------

    def read_as(self, data: Any, cls: type[T]) -> T:
        """Read JSON into `cls` (or a subclass named by `@odata.type`)."""
        out: T = self.read(data, cls.ODATA_TYPE[1:])
        return out


class FlagValue(list[OpenEnum]):
    """The members of a flags-enum value, in the order written; `wire` keeps the original text."""

    wire: str | None = None


def _write_enum(value: Any) -> str:
    if isinstance(value, FlagValue) and value.wire is not None:
        # The text as read ("read, write"), unless the list was changed since.
        as_read = [s.strip() for s in value.wire.split(",")] if value.wire else []
        if as_read == [str(v) for v in value]:
            return value.wire
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(str(v) for v in value)
    return str(value.value) if isinstance(value, enum.Enum) else str(value)


def _is_odata_class(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, ODataObject) and bool(cls.ODATA_TYPE)
