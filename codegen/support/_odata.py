"""OData JSON support for the generated models: UNSET, Edm values, the cattrs converter.

This module is copied verbatim into every generated package; it imports nothing but the
standard library, attrs and cattrs, so the package stays movable.
"""

from __future__ import annotations

import base64
import difflib
import enum
import importlib
import json
import math
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
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


@attrs.define(kw_only=True, slots=False)
class ODataObject:
    """Base of every generated class: instance annotations and dynamic properties are kept.

    Instances keep their attributes in `__dict__`, not in slots: the converter builds an
    object it reads by filling that dictionary in one step (see `_direct_state`), which makes
    reading and checking a body about a tenth faster than calling the initializer.
    """

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


_V = TypeVar("_V")


class _LazyFacts(Mapping[str, _V]):
    """Facts by qualified name, read from their namespace's `_facts` module on first lookup.

    A value is JSON text in a string constant until it is asked for: a whole-API package
    imports only the namespaces a program uses and decodes only the entries it reads. Iterating
    (or `len`) imports every namespace's facts.
    """

    __slots__ = ("_cache", "_decode", "_loaded", "_namespaces", "_package", "_table")

    def __init__(
        self,
        package: str,
        namespaces: Mapping[str, str],
        table: str,
        decode: Callable[[Any], _V],
    ) -> None:
        self._package = package
        self._namespaces = namespaces
        self._table = table
        self._decode = decode
        self._cache: dict[str, _V] = {}
        self._loaded: dict[str, Mapping[str, Any]] = {}

    def _rows(self, namespace: str) -> Mapping[str, Any]:
        try:
            return self._loaded[namespace]
        except KeyError:
            pass
        sub = self._namespaces.get(namespace)
        rows: Mapping[str, Any] = (
            MappingProxyType({})
            if sub is None
            else getattr(importlib.import_module(f".{sub}._facts", self._package), self._table)
        )
        self._loaded[namespace] = rows
        return rows

    def __getitem__(self, qname: str) -> _V:
        try:
            return self._cache[qname]
        except KeyError:
            if type(qname) is not str:
                raise
        # `ns.type`, `ns.action`, or a parameters pseudo-type `ns.action(ns.binding)`.
        text = self._rows(qname.split("(", 1)[0].rpartition(".")[0])[qname]
        value = self._cache[qname] = self._decode(json.loads(text))
        return value

    def __contains__(self, qname: object) -> bool:
        if type(qname) is not str:
            return False
        return qname in self._cache or qname in self._rows(
            qname.split("(", 1)[0].rpartition(".")[0]
        )

    def __iter__(self) -> Iterator[str]:
        for namespace in self._namespaces:
            yield from self._rows(namespace)

    def __len__(self) -> int:
        return sum(len(self._rows(namespace)) for namespace in self._namespaces)


def _type_facts(row: list[Any]) -> TypeFacts:
    # The row is `TypeFacts`' fields in order, without trailing defaults (codegen/render.py).
    if len(row) > 8:
        row[8] = tuple(row[8])
    if len(row) > 9:
        row[9] = tuple(PropertyFacts(*p) for p in row[9])
    return TypeFacts(*row)


def _enum_facts(row: list[Any]) -> EnumFacts:
    row[3] = tuple((wire, value) for wire, value in row[3])
    return EnumFacts(*row)


def _operation_facts(rows: list[list[Any]]) -> tuple[OperationFacts, ...]:
    return tuple(OperationFacts(*row) for row in rows)


_DECODERS: dict[str, Callable[[Any], Any]] = {
    "TYPES": _type_facts,
    "ENUMS": _enum_facts,
    "OPERATIONS": _operation_facts,
    "DERIVED": tuple,
}


def lazy_facts(package: str | None, namespaces: Mapping[str, str], table: str) -> Mapping[str, Any]:
    """The `table` facts (`TYPES`, `ENUMS`, `OPERATIONS` or `DERIVED`) of a generated package,
    by qualified name, decoded on lookup; `namespaces` maps each CSDL namespace to the
    subpackage that holds its `_facts` module."""
    if package is None:
        raise ImportError("the facts of a generated package are read from inside the package")
    return _LazyFacts(package, namespaces, table, _DECODERS[table])


# -- errors ----------------------------------------------------------------------------------------


class ReadError(ValueError):
    """A JSON value that does not fit its declared type, located by JSON path."""

    sep: str = ": "
    """How a message follows the subject it is about (`…targets[1] names #x, which…`)."""

    def __init__(self, path: str, message: str, code: str = "read.invalid") -> None:
        self.path = path
        self.message = message
        self.code = code
        super().__init__(f"{path}: {message}")

    def at(self, prefix: str) -> ReadError:
        """The same error, one level further out."""
        return ReadError(prefix + self.path[1:], self.message, self.code)


class ForeignObjectError(TypeError):
    """An object of another models package inside a body this package writes: one package
    writes a body, and it cannot write another's objects. Located by the attribute path."""

    def __init__(self, obj: object, package: str) -> None:
        self.obj = obj
        self.package = package
        # Where the object sits, innermost step first ("participants", "[0]"), and the value
        # the step just added leads to (the list writer finds the item's index by it).
        self.steps: list[str] = []
        self.current: object = obj
        super().__init__()

    def in_list(self, values: list[Any]) -> None:
        """Add the index of the item of `values` the error is about (or holds it) to its
        place."""
        at = next(i for i, v in enumerate(values) if v is self.current)
        self.steps.append(f"[{at}]")
        self.current = values

    def __str__(self) -> str:
        path = "".join(s if s.startswith("[") else f".{s}" for s in reversed(self.steps))
        cls = type(self.obj)
        other = _package_of(cls.__module__)
        return (
            f"{path.removeprefix('.') or 'the body'} is a {other} object ({cls.__name__}) inside "
            f"a {self.package} body; build every part of a body from one package ({self.package})"
        )


def _package_of(module: str) -> str:
    """The models package a module belongs to (the one holding an `_odata` module), else the
    module itself."""
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) + "._odata" in sys.modules:
            return ".".join(parts[:end])
    return module


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


def _names(message: str, code: str) -> ReadError:
    err = ReadError("$", "names " + message, "read." + code)
    err.sep = " "
    return err


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


# -- findings: what the checking read reports ------------------------------------------------------


class Finding(NamedTuple):
    """One thing a checking read found: severity, stable code, JSON path and message."""

    severity: str  # "error" or "warning"
    code: str
    path: str
    message: str


FINDING_CODES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "read.wrong-json-type": "value.wrong-json-type",
        "read.out-of-range": "value.out-of-range",
        "read.unknown-enum-member": "enum.unknown-member",
        "read.enum-case": "enum.wrong-case",
        "read.placeholder": "value.placeholder",
        "read.unknown-type": "type.unknown",
        "read.not-assignable": "type.not-assignable",
        "read.abstract": "type.abstract",
        "read.missing-type": "type.missing-odata-type",
        "read.bad-odata-type": "type.bad-annotation",
        "read.null": "property.null",
        "read.required": "property.required",
        "read.undeclared": "property.undeclared",
        "read.too-long": "value.too-long",
        "read.non-finite": "value.non-finite",
        "read.too-deep": "body.too-deep",
    }
)
"""The finding code of each `ReadError` code; the others map `read.bad-x` to `value.bad-x`."""


def finding_code(read_code: str) -> str:
    """The stable finding code of a `ReadError` code (`read.bad-date` → `value.bad-date`)."""
    found = FINDING_CODES.get(read_code)
    return found if found is not None else "value." + read_code.removeprefix("read.")


class DynamicProperty(NamedTuple):
    """A type decided by the caller for an undeclared property of an open type, and why."""

    qname: str
    collection: bool = False
    reason: str = "typed by the caller"


class Checked(NamedTuple):
    """The outcome of a checking read: the value (None when an error was found) and findings."""

    value: Any
    findings: tuple[Finding, ...]
    dynamic: Mapping[str, Any] = MappingProxyType({})
    """Dynamic properties read as their decided types, by JSON path."""

    @property
    def ok(self) -> bool:
        """True when no finding is an error."""
        return not any(f.severity == "error" for f in self.findings)


_new_tuple: Final = tuple.__new__
_NO_DYNAMIC: Final[Mapping[str, Any]] = MappingProxyType({})


@attrs.define(kw_only=True)
class ODataCollection:
    """A collection response (`{"value": [...]}`) with its control information kept."""

    value: list[Any] = attrs.field(factory=list)
    odata_annotations: dict[str, Any] = attrs.field(factory=dict, repr=False)
    """`@odata.context`, `@odata.nextLink`, `@odata.count`, `@odata.deltaLink`, … as read."""
    additional_data: dict[str, Any] = attrs.field(factory=dict, repr=False)

    @property
    def next_link(self) -> str | None:
        """The URL of the next page, if any."""
        link = self.odata_annotations.get("@odata.nextLink")
        return link if isinstance(link, str) else None

    @property
    def delta_link(self) -> str | None:
        """The URL to ask for changes since this page, if any."""
        link = self.odata_annotations.get("@odata.deltaLink")
        return link if isinstance(link, str) else None

    @property
    def count(self) -> int | None:
        """`@odata.count`: how many items the whole collection holds, when asked for."""
        count = self.odata_annotations.get("@odata.count")
        return count if type(count) is int else None


class UnknownSubtype:
    """Marks an object read leniently whose `@odata.type` names a subtype this package lacks
    under an abstract declared type: it keeps every property and the annotation."""

    __slots__ = ()

    @property
    def odata_type(self) -> str:
        """The `@odata.type` the body named."""
        annotations: dict[str, Any] = getattr(self, "odata_annotations", {})
        return str(annotations.get("@odata.type", ""))


class _Record:
    """A finding while the walk runs: located by its container (dict or list) and key, so
    that a JSON path is computed only when there is something to report."""

    __slots__ = ("code", "container", "key", "message", "severity")

    def __init__(
        self, container: Any, key: str | int | None, severity: str, code: str, message: str
    ) -> None:
        self.container = container
        self.key = key
        self.severity = severity
        self.code = code
        self.message = message


class _Found(Exception):
    """Raised by a reader whose value has findings about itself, which its parent locates and
    words; `value` is the value read, or _FAILED when a finding is an error."""

    def __init__(self, records: list[_Record], value: Any) -> None:
        super().__init__()
        self.records = records
        self.value = value


class _Failed(Exception):
    """Raised by a reader whose value had an error, already kept where it was found."""


class _Stop(Exception):
    """A plain read's first error: a plain read collects nothing and ends there."""

    def __init__(self, record: _Record) -> None:
        super().__init__()
        self.record = record


_FAILED: Final[Any] = object()


class _CheckContext:
    """One checking read: its settings and findings, which only rare branches touch."""

    __slots__ = ("partial", "records")

    # Dynamic properties typed by the caller, by (id of their object, key), their JSON paths,
    # and the values read: only `_DynamicCheck` has its own; the others share these empty ones,
    # which nothing writes to.
    dynamic: Mapping[tuple[int, str], DynamicProperty] = MappingProxyType({})
    paths: Mapping[tuple[int, str], str] = MappingProxyType({})
    typed: dict[tuple[int, str], Any] | None = None

    partial: bool
    records: list[_Record]


class _DynamicCheck(_CheckContext):
    """A checking read with dynamic properties typed by the caller."""

    __slots__ = ("dynamic", "paths", "typed")


_new_object: Final = object.__new__


def _dynamic_context(data: Any, dynamic: Mapping[str, DynamicProperty]) -> _CheckContext:
    """A checking read's context with the dynamic properties the caller typed, located by
    (id of their object, key) in `data`."""
    ctx = _new_object(_DynamicCheck)
    by_place: dict[tuple[int, str], DynamicProperty] = {}
    paths: dict[tuple[int, str], str] = {}
    for path, decided in dynamic.items():
        located = _parent_of(data, path)
        if located is not None:
            at = (id(located[0]), located[1])
            by_place[at] = decided
            paths[at] = path
    ctx.dynamic, ctx.paths, ctx.typed = by_place, paths, {}
    return ctx


def _note(record: _Record) -> bool:
    """Keep a located finding; True when it is an error. A plain read (no check running)
    drops warnings and stops at the first error."""
    ctx = _CHECK.get()
    if ctx is None:
        if record.severity == "error":
            raise _Stop(record)
        return False
    ctx.records.append(record)
    return record.severity == "error"


def _locate(found: _Found, container: Any, key: str | int | None, what: str) -> bool:
    """Keep the findings a child reported about its own value; True when it failed."""
    for r in found.records:
        r.container, r.key = container, key
        r.message = what + r.message
        _note(r)
    return found.value is _FAILED


def _error_record(
    container: Any, key: str | int | None, value: Any, exc: ReadError, what: str
) -> _Record:
    if type(value) is float and not math.isfinite(value):
        message = f"{what} is a non-finite number literal, which JSON does not have"
        return _Record(container, key, "error", "read.non-finite", message)
    return _Record(container, key, "error", exc.code, what + exc.sep + exc.message)


def _note_error(
    container: Any, key: str | int | None, value: Any, exc: ReadError, what: str
) -> bool:
    _note(_error_record(container, key, value, exc, what))
    return True


_CHECK: Final[ContextVar[_CheckContext | None]] = ContextVar("odata_check", default=None)

_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_PATH_STEP = re.compile(r'\.([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')
_HINT_LIMIT = 6


def child_path(parent: str, key: str | int) -> str:
    """The JSON path of `key` (a property name or an index) inside the value at `parent`."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    if (key.isascii() and key.isidentifier()) or _IDENTIFIER.match(key):
        return f"{parent}.{key}"
    return f"{parent}[{json.dumps(key, ensure_ascii=False)}]"


def path_steps(path: str) -> tuple[str | int, ...] | None:
    """The keys and indexes of a JSON path written by `child_path`, or None if it is not one."""
    steps = _STEPS.get(path)
    if steps is None and path not in _STEPS:
        steps = _parse_steps(path)
        if len(_STEPS) < _STEPS_LIMIT:
            # Bounded: a caller names the same few paths (`$.value[0].resourceData`) again.
            _STEPS[path] = steps
    return steps


def _parse_steps(path: str) -> tuple[str | int, ...] | None:
    if not path.startswith("$"):
        return None
    pos, steps = 1, []
    while pos < len(path):
        m = _PATH_STEP.match(path, pos)
        if m is None:
            return None
        name, index, quoted = m.groups()
        steps.append(int(index) if index is not None else name or json.loads(quoted))
        pos = m.end()
    return tuple(steps)


_STEPS: Final[dict[str, tuple[str | int, ...] | None]] = {}
_STEPS_LIMIT: Final = 1024


def _follow(value: Any, steps: tuple[str | int, ...]) -> tuple[bool, Any]:
    current = value
    for key in steps:
        if isinstance(key, int):
            if type(current) is not list or key >= len(current):
                return False, None
        elif type(current) is not dict or key not in current:
            return False, None
        current = current[key]
    return True, current


def get_path(value: Any, path: str) -> tuple[bool, Any]:
    """The value at a JSON path written by `child_path` (`$.value[0].resourceData`)."""
    steps = path_steps(path)
    return (False, None) if steps is None else _follow(value, steps)


def _parent_of(value: Any, path: str) -> tuple[Any, str] | None:
    """The object holding the property at `path`, and the property name."""
    steps = path_steps(path)
    if not steps or not isinstance(steps[-1], str):
        return None
    found, parent = _follow(value, steps[:-1])
    return (parent, steps[-1]) if found and type(parent) is dict else None


def _container_paths(root: Any, wanted: set[int]) -> dict[int, str]:
    """JSON paths of the dicts and lists in `wanted`, found by one walk of the body that
    spells out a path only for what it finds and stops when it has found them all."""
    parents: list[tuple[int, str | int]] = []  # per visited node: its parent's node, its key
    found: dict[int, int] = {}
    stack: list[tuple[Any, int, str | int]] = [(root, -1, "")]
    pop, push = stack.pop, stack.append
    while stack:
        value, parent, key = pop()
        node = len(parents)
        parents.append((parent, key))
        ident = id(value)
        if ident in wanted and ident not in found:
            found[ident] = node
            if len(found) == len(wanted):
                break
        if type(value) is dict:
            for k, v in value.items():
                t = type(v)
                if t is dict or t is list:
                    push((v, node, k))
        elif type(value) is list:
            for i, v in enumerate(value):
                t = type(v)
                if t is dict or t is list:
                    push((v, node, i))
    out: dict[int, str] = {}
    for ident, node in found.items():
        keys: list[str | int] = []
        while node > 0:
            node, key = parents[node]
            keys.append(key)
        path = "$"
        for key in reversed(keys):
            path = child_path(path, key)
        out[ident] = path
    return out


def _short(items: list[str] | tuple[str, ...], limit: int = _HINT_LIMIT) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f", … ({len(items) - limit} more)" if len(items) > limit else "")


def _did_you_mean(name: str, known: list[str]) -> str:
    """`; did you mean 'x'?` for the known name closest to a misspelt one, else ''."""
    lowered = {k.lower(): k for k in known}
    close = lowered.get(name.lower())
    if close is None:
        found = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
        close = found[0] if found else None
    return f"; did you mean {close!r}?" if close is not None else ""


def _enum_record(qname: str, names: list[str], part: str, severity: str, kept: str) -> _Record:
    """The finding for a value an enum lacks: a member in the wrong case, a placeholder listing
    members (`"a | b | c"`), or an unknown member with the closest one."""
    by_case = {n.lower(): n for n in names}
    right = by_case.get(part.lower())
    if right is not None:
        message = f": {qname} has no member {part!r}; it is spelled {right!r} (case matters){kept}"
        return _Record(None, None, severity, "read.enum-case", message)
    pieces = [p.strip() for p in part.split("|")]
    if len(pieces) > 1 and all(p.lower() in by_case for p in pieces if p):
        message = f": {part!r} is a placeholder listing members of {qname}; write one of them{kept}"
        return _Record(None, None, severity, "read.placeholder", message)
    hint = _did_you_mean(part, names)
    message = f": {qname} has no member {part!r}{hint} (members: {_short(names, 12)}){kept}"
    return _Record(None, None, severity, "read.unknown-enum-member", message)


def _ref_text(qname: str, collection: bool) -> str:
    return f"Collection({qname})" if collection else qname


_FLOAT_TYPES: Final = frozenset({"Edm.Single", "Edm.Double"})


class _NoValue:
    """A type no JSON value has: the exact type of a property without a fast path."""


# Properties whose JSON value, when of exactly this type, is read as is (no call, no check).
_EXACT: Final[Mapping[str, type]] = MappingProxyType(
    {"Edm.String": str, "Edm.Boolean": bool, "Edm.Stream": str}
)
_DYNAMIC_READERS: Final = 1024


def _finite(read: Callable[[Any], Any], edm: str) -> Callable[[Any], Any]:
    def read_finite(value: Any) -> Any:
        if type(value) is float and not math.isfinite(value):
            raise ReadError(
                "$",
                "a non-finite number literal, which JSON does not have; "
                f'{edm} writes it as the string "NaN", "INF" or "-INF"',
                "read.non-finite",
            )
        return read(value)

    return read_finite


def _finite_decimal(read: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def read_finite(value: Any) -> Any:
        out = read(value)
        if not out.is_finite():
            raise ReadError(
                "$", f"{value!r} is allowed only for Edm.Single and Edm.Double", "read.non-finite"
            )
        return out

    return read_finite


def _bounded(read: Callable[[Any], Any], max_length: int) -> Callable[[Any], Any]:
    def read_bounded(value: Any) -> Any:
        out = read(value)
        if len(out) > max_length:
            raise ReadError(
                "$", f"has MaxLength={max_length}, got {len(out)} characters", "read.too-long"
            )
        return out

    return read_bounded


# -- the converter ---------------------------------------------------------------------------------

T = TypeVar("T", bound=ODataObject)
_StructureFn = Callable[[Any, str], Any]
_UnstructureFn = Callable[[Any], Any]
_Reader = Callable[[Any], Any]
_Field = tuple[str, type, _Reader, bool, str]
"""A property as its reader sees it: attribute, exact JSON type, reader, nullable, subject."""


# The containers every object has: a read fills them, or gives each object empty ones.
_CONTAINERS: Final = frozenset({"odata_annotations", "additional_data"})


def _direct_state(cls: type, attributes: list[str]) -> dict[str, Any] | None:
    """The `__dict__` of an object of `cls` with every property absent, when a read may build
    its objects by filling a copy of it; None when it must call the class.

    Filling the dictionary skips the initializer, so this holds only for what the templates
    make: an attrs class whose instances have a `__dict__`, with no initializer hooks,
    validators or converters, a plain default on every field but the two containers, and a
    field for each declared property.
    """
    if not attrs.has(cls) or cls.__new__ is not object.__new__:
        return None
    if any(vars(k).get("__slots__") for k in cls.__mro__):
        return None
    if hasattr(cls, "__attrs_pre_init__") or hasattr(cls, "__attrs_post_init__"):
        return None
    state: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if field.validator is not None or field.converter is not None:
            return None
        if field.name in _CONTAINERS:
            # Kept in the initializer's order; every read replaces it with a container.
            state[field.name] = None
            continue
        default = field.default
        if default is attrs.NOTHING or isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            return None
        state[field.name] = default
    if not _CONTAINERS <= state.keys() or any(name not in state for name in attributes):
        return None
    return state


class _ReaderTable(NamedTuple):
    """A type's reading table: its class; whether its objects are built by filling their
    `__dict__` (`direct`) or by calling the class; the attributes they start from (the
    `__dict__` with every property absent, or no keyword arguments); required properties (as
    a set and in order); whether it is concrete; and its properties by wire name."""

    cls: type[ODataObject]
    direct: bool
    start: dict[str, Any]
    required: frozenset[str]
    order: list[str]
    concrete: bool
    fields: dict[str, _Field]


class ODataConverter(cattrs.Converter):
    """A cattrs converter for the generated classes, driven by the package's schema facts; also
    the package's checker.

    Hooks are compiled per class on first use from one hook factory, so start-up costs nothing
    however many classes the package has. Reading and checking are one walk: `check` collects
    every finding with its JSON path, `read` raises the first error. `strict` makes unknown
    `@odata.type` names, unknown enum members, `null` where not nullable and undeclared
    properties of closed types errors (lenient keeps them, with a warning);
    `always_emit_type` writes `@odata.type` on every object (the Graph documentation's style)
    instead of only where the runtime type differs from the declared one.
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
        self._readers: dict[str, _Reader] = {}
        self._tables: dict[str, _ReaderTable] = {}
        self._unknown_readers: dict[str, _Reader] = {}
        self._dynamic_readers: dict[tuple[str, bool, str], _Reader] = {}
        self._walkers: dict[str, _Reader] = {}
        # Per declared type, its readers by `@odata.type` (None: no annotation): one string
        # lookup per object, no key tuple to build and hash.
        self._dispatch: dict[str, dict[str | None, _Reader]] = {}
        self._writers: dict[type[ODataObject], Callable[[ODataObject], dict[str, Any]]] = {}
        self._parameter_classes: set[type[ODataObject]] = set()
        self._assignable: dict[str, frozenset[str]] = {}
        self._declared_below: dict[str, dict[str, tuple[str, ...]]] = {}
        self._bags: dict[str, bool] = {}
        # Unknown names are a sender's mistake but only a receiver's surprise.
        self._unknown_severity = "error" if strict else "warning"
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

    def unknown_subtype_of(self, qname: str) -> type[ODataObject]:
        """The class of objects whose `@odata.type` is unknown under the abstract `qname`."""
        key = "?" + qname
        cls = self._classes.get(key)
        if cls is None:
            base = self.class_of(qname)
            made = type(f"Unknown{base.__name__}", (base, UnknownSubtype), {})
            cls = self._classes[key] = attrs.define(kw_only=True, slots=False)(made)
        return cls

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

    def required(self, qname: str) -> tuple[PropertyFacts, ...]:
        """Properties a complete body must carry: not nullable, not key, computed or navigation."""
        return tuple(
            p
            for p in self.all_properties(qname)
            if not (p.nullable or p.key or p.computed or p.navigation)
        )

    def declared_below(self, qname: str, name: str) -> tuple[str, ...]:
        """Types derived from `qname` that declare property `name` (for undeclared hints)."""
        table = self._declared_below.get(qname)
        if table is None:
            own = {p.name for p in self.all_properties(qname)}
            collected: dict[str, list[str]] = {}
            for derived in sorted(self.facts.derived.get(qname, ())):
                for p in self.all_properties(derived):
                    if p.name not in own and derived not in collected.get(p.name, ()):
                        collected.setdefault(p.name, []).append(derived)
            table = {k: tuple(v) for k, v in collected.items()}
            self._declared_below[qname] = table
        return table.get(name, ())

    def concrete(self, qname: str) -> list[str]:
        """The concrete types assignable to `qname`, sorted."""
        return sorted(q for q in self.assignable_to(qname) if not self.facts.types[q].abstract)

    def free_form(self, qname: str) -> bool:
        """Whether values of `qname` are free-form JSON: Graph's `Json` convention, a complex
        type with no properties, no base and no derived types (workbook values, custom data),
        which holds any JSON value (objects with any keys, arrays, strings, numbers)."""
        t = self.facts.types.get(qname)
        return (
            t is not None
            and t.kind == "complex"
            and qname.rpartition(".")[2] == "Json"
            and t.base is None
            and not t.properties
            and not self.facts.derived.get(qname)
        )

    def property_bag(self, qname: str) -> bool:
        """Whether `qname` is an open type that declares nothing but its key: it exists to carry
        dynamic properties (`plannerAssignments`, `detailsInfo`, `fieldValueSet`), so they are
        its content, not findings."""
        found = self._bags.get(qname)
        if found is None:
            t = self.facts.types[qname]
            found = t.open and all(p.key for p in self.all_properties(qname))
            self._bags[qname] = found
        return found

    def fitting(self, qname: str, names: list[str], concrete: bool) -> list[str]:
        """The most general types derived from `qname` (concrete ones, or `qname` itself, when
        `concrete` asks) that declare every property in `names`, sorted: `user`, not also
        `agentUser` derived from it."""
        pool = self.concrete(qname) if concrete else sorted(self.facts.derived.get(qname, ()))
        wanted = set(names)
        fits = [t for t in pool if wanted.issubset(p.name for p in self.all_properties(t))]
        return [t for t in fits if not self._below_any(t, fits)]

    def _below_any(self, qname: str, others: list[str]) -> bool:
        """Whether a base type of `qname` is one of `others`."""
        base = self.facts.types[qname].base
        while base is not None:
            if base in others:
                return True
            base = self.facts.types[base].base
        return False

    def _missing_type(self, data: dict[str, Any], qname: str, extra: dict[str, Any]) -> bool:
        """An object of a type with derived types, with no `@odata.type`, that carries
        properties only derived types declare (OData JSON §4.6.3): one finding naming the
        derived types that fit. True when that is an error."""
        below = [k for k in extra if self.declared_below(qname, k)]
        if not below:
            return False
        fits = self.fitting(qname, below, concrete=False)
        names = ", ".join(repr(k) for k in below)
        if fits:
            which = f"{_short(fits)} {'declares' if len(fits) == 1 else 'each declare'}"
            which += " it" if len(below) == 1 else " them all"
            add = f'name it with "@odata.type": "#{fits[0]}"'
            if len(fits) > 1:
                add = f'name the one it is with "@odata.type", e.g. "#{fits[0]}"'
        else:
            declare = sorted({t for k in below for t in self.declared_below(qname, k)})
            which = f"no one derived type declares them all ({_short(declare)} declare some)"
            add = "name the type it is with @odata.type"
        message = (
            f"{qname} does not declare {names} and the object names no @odata.type; {which}: {add}"
        )
        closed = not self.facts.types[qname].open
        severity = "error" if closed and self.strict else "warning"
        return _note(_Record(data, None, severity, "read.missing-type", message))

    # -- checking and reading: one walk -------------------------------------------------------

    def check(
        self,
        data: Any,
        qname: str,
        *,
        collection: bool = False,
        partial: bool = False,
        dynamic: Mapping[str, DynamicProperty] | None = None,
    ) -> Checked:
        """Read `data` as `qname`, collecting every finding with its JSON path.

        `collection` reads a collection response (`{"value": [...]}` with its control
        information); `partial` (PATCH bodies, responses, notifications) does not require the
        properties a complete body must carry; `dynamic` types undeclared properties of open
        types by JSON path. The value is None when a finding is an error.
        """
        # This runs once per body checked: a type already walked, without dynamic properties,
        # takes the fewest steps (no lookup in the facts, a context made without `__init__`).
        walker = None if collection else self._walkers.get(qname)
        ctx: _CheckContext
        if walker is None or dynamic:
            if walker is None and not self._declares(qname):
                message = (
                    f"the declared type {qname} is not in this models package ({self.package}); "
                    "nothing was checked"
                )
                return Checked(None, (Finding("error", "type.unknown", "$", message),))
            ctx = _dynamic_context(data, dynamic) if dynamic else _new_object(_CheckContext)
        else:
            ctx = _new_object(_CheckContext)
        ctx.partial = partial
        ctx.records = []
        token = _CHECK.set(ctx)
        try:
            if walker is not None:
                try:
                    value = walker(data)
                except (ReadError, _Failed, _Found, RecursionError) as exc:
                    value = self._root_failed(data, f"the body ({qname})", exc)
            else:
                value = self._root(data, qname, collection)
        finally:
            _CHECK.reset(token)
        if value is not _FAILED and not ctx.records and not ctx.typed:
            # The common outcome, built without the named tuple's Python-level __new__.
            return _new_tuple(Checked, (value, (), _NO_DYNAMIC))
        # Not in a helper: after a body nested past the interpreter's limit, the findings are
        # made as near the top of the stack as the walk started.
        typed = {ctx.paths[at]: v for at, v in (ctx.typed or {}).items()}
        findings = self._findings(data, ctx.records)
        if value is _FAILED or any(f.severity == "error" for f in findings):
            value = None
        return Checked(value, findings, MappingProxyType(typed) if typed else _NO_DYNAMIC)

    def _declares(self, qname: str) -> bool:
        """True when `qname` is a type this package can check a value of."""
        known = qname in self.facts.types or qname in self.facts.enums
        return known or qname.startswith("Edm.")

    def _root(self, data: Any, qname: str, collection: bool) -> Any:
        what = f"the body ({_ref_text(qname, collection)})"
        try:
            if not collection and qname in self.facts.types:
                return self._walk(data, qname)
            if collection:
                reader = self._envelope_reader(qname, what)
            else:
                reader = self._slot_reader(qname, False, what)
            return reader(data)
        except (ReadError, _Failed, _Found, RecursionError) as exc:
            return self._root_failed(data, what, exc)

    def _root_failed(self, data: Any, what: str, exc: Exception) -> Any:
        """What the body's reader raised, kept as findings: the value when they only warn."""
        if isinstance(exc, ReadError):
            _note_error(None, None, data, exc, what)
        elif isinstance(exc, _Found):
            if not _locate(exc, None, None, what):
                return exc.value
        elif isinstance(exc, RecursionError):
            message = "the body nests typed values too deeply to be read; nothing was checked"
            _note(_Record(None, None, "error", "read.too-deep", message))
        return _FAILED

    def _findings(self, root: Any, records: list[_Record]) -> tuple[Finding, ...]:
        if not records:
            return ()
        wanted = {id(r.container) for r in records if r.container is not None}
        paths = _container_paths(root, wanted) if wanted else {}
        out = []
        for r in records:
            path = "$" if r.container is None else paths.get(id(r.container), "$")
            if r.key is not None:
                path = child_path(path, r.key)
            out.append(Finding(r.severity, finding_code(r.code), path, r.message))
        return tuple(out)

    def read(self, data: Any, qname: str) -> Any:
        """Read a JSON value of declared structured type `qname` (polymorphic); raises
        `ReadError` with the JSON path of the first error, keeps what only warns."""
        try:
            walker = self._walkers.get(qname)
            return (walker or self._walker(qname))(data)
        except ReadError as exc:
            record = _error_record(None, None, data, exc, f"the body ({qname})")
        except _Found as found:
            errors = [r for r in found.records if r.severity == "error"]
            if not errors:
                return found.value
            record = errors[0]
            record.message = f"the body ({qname})" + record.message
        except _Stop as stop:
            record = stop.record
        except RecursionError:
            raise ReadError("$", "the body nests too deeply to be read", "read.too-deep") from None
        (finding,) = self._findings(data, [record])
        raise ReadError(finding.path, record.message, record.code)

    def _walk(self, data: Any, qname: str) -> Any:
        """Read a structured value: `ReadError` when unreadable, `_Failed` when an error was
        kept, `_Found` with findings about the value itself."""
        return self._walker(qname)(data)

    def _walker(self, qname: str) -> _Reader:
        """The reader of values declared as `qname`: dispatch on `@odata.type`, then read."""
        walker = self._walkers.get(qname)
        if walker is not None:
            return walker
        if self.free_form(qname):

            def any_json(data: Any) -> Any:
                return data

            self._walkers[qname] = any_json
            return any_json
        routes = self._dispatch.setdefault(qname, {})
        dispatch_for = self._dispatch_for

        def walk(data: Any) -> Any:
            if type(data) is not dict:
                raise _wrong("an object", data)
            odata_type = data.get("@odata.type")
            if odata_type is not None and type(odata_type) is not str:
                raise ReadError(
                    "$",
                    f"@odata.type must be a string naming a type, got {json_type(odata_type)}",
                    "read.bad-odata-type",
                )
            reader = routes.get(odata_type)
            if reader is None:
                reader = dispatch_for(qname, odata_type, data)
            return reader(data)

        # Most values name their declared type or none: the type's own reader takes those
        # directly (one call per object instead of two) and hands the rest to the dispatch.
        walker = self._compile_reader(qname, dispatch=walk)
        self._walkers[qname] = walker
        return walker

    def _dispatch_for(
        self, qname: str, odata_type: str | None, data: dict[str, Any] | None = None
    ) -> _Reader:
        """The reader for a declared type and an `@odata.type`, checked; cached when known.
        `data`, the object, lets a missing `@odata.type` name the types its properties fit."""
        target = qname
        if odata_type is not None:
            named = odata_type.removeprefix("#")
            if named != qname:
                if named not in self.facts.types:
                    if self.strict:
                        raise _names(f"{odata_type!r}, a type the metadata lacks", "unknown-type")
                    return self._unknown_type_reader(qname, odata_type)
                accepted = self.assignable_to(qname)
                if named not in accepted:
                    raise _names(
                        f"{odata_type}, which is not {qname} or derived from it; "
                        f"accepted: {_short(sorted(accepted))}",
                        "not-assignable",
                    )
                target = named
        if self.facts.types[target].abstract:
            concrete = self.concrete(target)
            if odata_type is not None:
                raise ReadError(
                    "$",
                    f"{target} is abstract: @odata.type must name a concrete type"
                    + (f"; use one of {_short(concrete)}" if concrete else ""),
                    "read.abstract",
                )
            own = {p.name for p in self.all_properties(target)}
            used = [k for k in data or () if "@" not in k and k not in own]
            fits = self.fitting(target, used, concrete=True) if used else []
            if fits and len(fits) < len(concrete):
                add = f'its properties fit {_short(fits)}: name it with "@odata.type": "#{fits[0]}"'
                if len(fits) > 1:
                    add = (
                        f'its properties fit {_short(fits)}: name the one it is with "@odata.type"'
                    )
            elif len(concrete) == 1:
                add = f'name it with "@odata.type": "#{concrete[0]}", its one concrete type'
            elif concrete:
                add = f"name the concrete type it is with @odata.type: one of {_short(concrete)}"
            else:
                add = "no concrete type derives from it"
            raise ReadError(
                "$",
                f"{target} is abstract and the object names no @odata.type; {add}",
                "read.missing-type",
            )
        reader = self._readers.get(target)
        if reader is None:
            reader = self._compile_reader(target)
        self._dispatch.setdefault(qname, {})[odata_type] = reader
        return reader

    def _unknown_type_reader(self, qname: str, odata_type: str) -> _Reader:
        """A subtype the package lacks, read leniently as the nearest type it knows: the declared
        type, or a generic unknown subtype of it when it is abstract. Not cached: a sender
        could otherwise grow the cache without bound."""
        if self.facts.types[qname].abstract:
            reader = self._unknown_readers.get(qname)
            if reader is None:
                cls = self.unknown_subtype_of(qname)
                reader = self._unknown_readers[qname] = self._compile_reader(qname, cls)
            kept = f"kept as an unknown subtype of {qname}"
        else:
            reader = self._readers.get(qname) or self._compile_reader(qname)
            kept = f"read as {qname}"
        message = (
            f"@odata.type {odata_type!r} names a type the metadata lacks where {qname} is "
            f"declared; {kept}"
        )

        def read_unknown(data: dict[str, Any]) -> Any:
            _note(_Record(data, None, "warning", "read.unknown-type", message))
            return reader(data)

        return read_unknown

    def _slot_reader(self, qname: str, collection: bool, what: str) -> _Reader:
        """The reader of a value declared as `qname` (or a collection of it) outside a type."""
        kind = "primitive"
        if qname in self.facts.types:
            kind = "complex"
        elif qname in self.facts.enums:
            kind = "enum"
        p = PropertyFacts(name="", attr="", type=qname, kind=kind, collection=collection)
        return self._value_reader(p, what)

    def _value_reader(self, p: PropertyFacts, what: str) -> _Reader:
        if p.kind == "primitive":
            item: _Reader = codec_for_primitive(p.type)[0]
            if p.type in _FLOAT_TYPES:
                item = _finite(item, p.type)
            elif p.type == "Edm.Decimal":
                item = _finite_decimal(item)
            if p.max_length is not None and p.type == "Edm.String":
                item = _bounded(item, p.max_length)
        elif p.kind == "enum":
            item = self._enum_reader(p.type)
        else:
            item = self._walker(p.type)

        if not p.collection:
            return item
        nullable = p.nullable
        item_what = f"an item of {what}"
        null_severity = "error" if self.strict else "warning"

        def read_list(value: Any) -> list[Any]:
            if type(value) is not list:
                raise _wrong("an array", value)
            out: list[Any] = []
            failed = False
            for i, v in enumerate(value):
                if v is None:
                    if not nullable:
                        message = f'{what} is Nullable="false", got a null item'
                        record = _Record(value, i, null_severity, "read.null", message)
                        failed = _note(record) or failed
                    out.append(None)
                    continue
                try:
                    out.append(item(v))
                except ReadError as exc:
                    failed = _note_error(value, i, v, exc, item_what)
                except _Failed:
                    failed = True
                except _Found as found:
                    if _locate(found, value, i, item_what):
                        failed = True
                    else:
                        out.append(found.value)
            if failed:
                raise _Failed
            return out

        return read_list

    def _enum_reader(self, qname: str) -> _Reader:
        facts = self.facts.enums[qname]
        names = [name for name, _ in facts.members]
        known = frozenset(names)
        strict = self.strict
        severity = "error" if strict else "warning"
        kept = "" if strict else "; kept as an unknown value"

        def unknown(parts: list[str]) -> list[_Record]:
            return [_enum_record(qname, names, part, severity, kept) for part in parts]

        is_flags = facts.flags
        # Known members by wire name, filled as they are first read (at most one per member).
        seen: dict[str, Any] = {}

        def read_enum(value: Any) -> Any:
            if type(value) is not str:
                raise _wrong("a member name string", value)
            if not is_flags:
                member = seen.get(value)
                if member is not None:
                    return member
            cls = self.enum_of(qname)
            if is_flags:
                parts = [s.strip() for s in value.split(",")]
                bad = [s for s in parts if s not in known]
                flags = FlagValue(cls(s) for s in parts if s)
                flags.wire = value
                if bad:
                    raise _Found(unknown(bad), _FAILED if strict else flags)
                return flags
            if value not in known:
                raise _Found(unknown([value]), _FAILED if strict else cls(value))
            member = cls._value2member_map_.get(value)  # the enum's own lookup, without a call
            if member is None:
                member = cls(value)
            seen[value] = member
            return member

        return read_enum

    def _envelope_reader(self, qname: str, what: str) -> _Reader:
        """A collection response: `value` read item by item, control information kept."""
        items = self._slot_reader(qname, True, what)
        strict = self.strict

        def read_envelope(data: Any) -> ODataCollection:
            if type(data) is not dict:
                raise ReadError(
                    "$",
                    "expected an object with the items in `value` (a collection response), "
                    f"got {json_type(data)}",
                    "read.wrong-json-type",
                )
            failed = False
            out = ODataCollection()
            for key, v in data.items():
                if key == "value":
                    try:
                        out.value = items(v)
                    except ReadError as exc:
                        failed = _note_error(data, key, v, exc, f"{what}.value")
                    except _Failed:
                        failed = True
                    except _Found as found:
                        if _locate(found, data, key, f"{what}.value"):
                            failed = True
                        else:
                            out.value = found.value
                elif "@" in key:
                    out.odata_annotations[key] = v
                else:
                    out.additional_data[key] = v
                    message = (
                        f"a collection response holds `value` and control information; "
                        f"{key!r} is neither"
                    )
                    severity = "error" if strict else "warning"
                    record = _Record(data, key, severity, "read.undeclared", message)
                    failed = _note(record) or failed
            if "value" not in data:
                message = "a collection response carries its items in `value`, which is missing"
                failed = _note(_Record(data, "value", "error", "read.required", message))
            if failed:
                raise _Failed
            return out

        return read_envelope

    def _reader_table(self, qname: str, cls: type[ODataObject] | None) -> _ReaderTable:
        """What reading an object of `qname` takes, made once per type (and per unknown
        subtype's class) on its first read."""
        shared = cls is None
        if shared:
            found = self._tables.get(qname)
            if found is not None:
                return found
        made = cls if cls is not None else self.class_of(qname)
        properties = self.all_properties(qname)
        fields: dict[str, _Field] = {}
        for p in properties:
            what = f"{qname}.{p.name} (declared {_ref_text(p.type, p.collection)})"
            exact = _EXACT.get(p.type, _NoValue) if not p.collection else _NoValue
            if p.max_length is not None:
                exact = _NoValue
            # Interned, as attribute and parameter names are: the object's dictionary and the
            # initializer's keyword arguments then match it by identity, without comparing text.
            attr = sys.intern(p.attr)
            fields[p.name] = (attr, exact, self._value_reader(p, what), p.nullable, what)
        order = [p.name for p in self.required(qname)]
        concrete = not self.facts.types[qname].abstract
        state = _direct_state(made, [p.attr for p in properties])
        direct, start = (False, {}) if state is None else (True, state)
        table = _ReaderTable(made, direct, start, frozenset(order), order, concrete, fields)
        if shared:
            self._tables[qname] = table
        return table

    def _compile_reader(
        self,
        qname: str,
        cls: type[ODataObject] | None = None,
        dispatch: _Reader | None = None,
    ) -> _Reader:
        """The reader of `qname`'s objects (into `cls`, by default the generated class). With
        `dispatch`, it is the walker of values declared as `qname`: an object that names
        another type (or any, when `qname` is abstract) goes to `dispatch`.

        Compiling is cheap: the property table is made on the first read, so compiling a
        type does not compile every type its properties reach."""
        strict = self.strict
        null_severity = "error" if strict else "warning"
        own_type = "#" + qname
        undeclared = self._undeclared
        has_derived = bool(self.facts.derived.get(qname))
        missing_type = self._missing_type
        reader_table = self._reader_table
        routes = self._dispatch.setdefault(qname, {})
        made: type[ODataObject] | None = None
        direct = False
        start: dict[str, Any] = {}
        new_object = _new_object
        required: frozenset[str] = frozenset()
        order: list[str] = []
        concrete = True
        fields: dict[str, _Field] | None = None

        def reader(data: dict[str, Any]) -> Any:
            nonlocal made, direct, start, required, order, concrete, fields
            if dispatch is not None:
                if type(data) is not dict:
                    return dispatch(data)
                odata_type = data.get("@odata.type")
                if odata_type is not None and odata_type != own_type:
                    # Another type: its reader when the dispatch has checked the name before.
                    if type(odata_type) is str:
                        target = routes.get(odata_type)
                        if target is not None:
                            return target(data)
                    return dispatch(data)
            if fields is None:
                # `fields` is bound last: another thread that sees it sees the rest too.
                made, direct, start, required, order, concrete, fields = reader_table(qname, cls)
            if not concrete and dispatch is not None:
                # An abstract declared type is read only as the concrete type an object names.
                return dispatch(data)
            # The hot path of every read and check: the annotation and extra containers are
            # made only when needed, and findings are kept only in the rare branches.
            get_field = fields.get
            # The object's attributes: its `__dict__` as it starts, or the initializer's keywords.
            kwargs = start.copy()
            annotations: dict[str, Any] | None = None
            extra: dict[str, Any] | None = None
            failed = False
            names_own_type = False
            entries = iter(data.items())
            key = attr = what = ""
            value: Any = None
            while True:
                # The loop resumes after a finding: every property is checked in one walk.
                try:
                    for key, value in entries:
                        field = get_field(key)
                        if field is not None:
                            attr, exact, read_value, nullable, what = field
                            if type(value) is exact:
                                # A string or a boolean already is what the class holds.
                                kwargs[attr] = value
                            elif value is not None:
                                kwargs[attr] = read_value(value)
                            else:
                                kwargs[attr] = None
                                if not nullable:
                                    message = f'{what} is Nullable="false", got null'
                                    record = _Record(data, key, null_severity, "read.null", message)
                                    failed = _note(record) or failed
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
                            failed = undeclared(data, key, value, qname) or failed
                    break
                except ReadError as exc:
                    failed = _note_error(data, key, value, exc, what)
                except _Failed:
                    failed = True
                except _Found as found:
                    if _locate(found, data, key, what):
                        failed = True
                    else:
                        kwargs[attr] = found.value
            if extra is not None and has_derived and "@odata.type" not in data:
                failed = missing_type(data, qname, extra) or failed
            # A keys view compares with a set in C, without copying the keys into a new set.
            if required and not data.keys() >= required:
                ctx = _CHECK.get()
                if ctx is not None and not ctx.partial:
                    for name in sorted(required.difference(data), key=order.index):
                        subject = fields[name][4].replace(" (declared ", " (")
                        message = (
                            f'{subject} is required in a request body (Nullable="false") but '
                            "is missing"
                        )
                        failed = _note(_Record(data, name, "error", "read.required", message))
            if failed:
                raise _Failed
            assert made is not None  # bound with `fields`
            if direct:
                kwargs["odata_annotations"] = {} if annotations is None else annotations
                kwargs["additional_data"] = {} if extra is None else extra
                if names_own_type:
                    kwargs["_odata_type_read"] = True
                obj = new_object(made)
                obj.__dict__ = kwargs
                return obj
            if annotations is not None:
                kwargs["odata_annotations"] = annotations
            if extra is not None:
                kwargs["additional_data"] = extra
            obj = made(**kwargs)
            if names_own_type:
                obj._odata_type_read = True
            return obj

        if cls is None and dispatch is None:
            self._readers[qname] = reader
        return reader

    def _undeclared(self, data: dict[str, Any], key: str, value: Any, owner: str) -> bool:
        """A property `owner` does not declare: a dynamic one typed by the caller, else a
        finding (a warning on an open type) with the derived types that declare it. True
        when that is an error."""
        facts = self.facts.types[owner]
        ctx = _CHECK.get()
        if facts.open and ctx is not None and ctx.dynamic:
            decided = ctx.dynamic.get((id(data), key))
            if decided is not None:
                ref = _ref_text(decided.qname, decided.collection)
                what = f"{owner}.{key} ({decided.reason}: {ref})"
                at = (decided.qname, decided.collection, what)
                read = self._dynamic_readers.get(at)
                if read is None:
                    read = self._slot_reader(decided.qname, decided.collection, what)
                    if len(self._dynamic_readers) < _DYNAMIC_READERS:
                        # Bounded: the reasons name URLs, but a bot follows few calls at once.
                        self._dynamic_readers[at] = read
                try:
                    typed = read(value)
                except ReadError as exc:
                    return _note_error(data, key, value, exc, what)
                except _Failed:
                    return True
                except _Found as found:
                    if _locate(found, data, key, what):
                        return True
                    typed = found.value
                if ctx.typed is not None:  # made with the dynamic properties
                    ctx.typed[id(data), key] = typed
                return False
        if self.property_bag(owner):
            # Dynamic properties are this type's content, not findings.
            failed = False
        else:
            below = self.declared_below(owner, key)
            if below:
                hint = f"; declared on {_short(below)}, name it with @odata.type"
            else:
                hint = _did_you_mean(key, [p.name for p in self.all_properties(owner)])
            if facts.open:
                severity = "warning"
                message = (
                    f"{owner} does not declare {key!r}; kept as a dynamic property of the open "
                    f"type{hint}"
                )
            else:
                severity = "error" if self.strict else "warning"
                message = f"{owner} does not declare {key!r} and is not an open type{hint}"
            failed = _note(_Record(data, key, severity, "read.undeclared", message))
        # A dynamic value that names its type can still be checked against that type.
        if type(value) is dict:
            named = value.get("@odata.type")
            if type(named) is str and named.removeprefix("#") in self.facts.types:
                what = f"{owner}.{key}"
                try:
                    self._walk(value, named.removeprefix("#"))
                except ReadError as exc:
                    failed = _note_error(data, key, value, exc, what)
                except _Failed:
                    failed = True
                except _Found as found:
                    failed = _locate(found, data, key, what) or failed
            elif type(named) is str:
                message = (
                    f"the dynamic property {owner}.{key} names {named!r}, a type the metadata lacks"
                )
                record = _Record(data, key, self._unknown_severity, "read.unknown-type", message)
                failed = _note(record) or failed
        return failed

    def _structure_hook(self, cls: type[Any]) -> _StructureFn:
        qname = cls.ODATA_TYPE[1:]
        return lambda data, _: self.read(data, qname)

    # -- writing ------------------------------------------------------------------------------

    def write(self, obj: ODataObject, declared: str | None = None) -> dict[str, Any]:
        """Write an object as JSON; `@odata.type` where its type differs from `declared`."""
        cls = type(obj)
        writer = self._writers.get(cls)
        if writer is None:
            if not isinstance(obj, ODataObject):
                raise ForeignObjectError(obj, self.package)
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
        elif self.free_form(p.type):
            qname = p.type

            def item(value: Any) -> Any:
                # Free-form JSON is kept as read; an object made in Python is written.
                return self.write(value, qname) if isinstance(value, ODataObject) else value

        else:
            qname = p.type

            def item(value: Any) -> Any:
                return self.write(value, qname)

        if not p.collection:
            return item

        def items(values: list[Any]) -> list[Any]:
            try:
                return [None if v is None else item(v) for v in values]
            except ForeignObjectError as exc:
                exc.in_list(values)
                raise

        return items

    def _compile_writer(self, cls: type[ODataObject]) -> Callable[[ODataObject], dict[str, Any]]:
        qname = cls.ODATA_TYPE[1:]
        if self.facts.types[qname].kind == "parameters":
            self._parameter_classes.add(cls)
        plan = [(p.attr, p.name, self._value_writer(p)) for p in self.all_properties(qname)]
        dynamic = self._dynamic_value

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
            try:
                for attr, name, write in plan:
                    value = getattr(obj, attr)
                    if value is UNSET:
                        continue
                    out[name] = None if value is None else write(value)
            except ForeignObjectError as exc:
                exc.steps.append(attr)
                exc.current = obj
                raise
            extra = obj.additional_data
            if extra:
                try:
                    for key, value in extra.items():
                        out[key] = value if type(value) in _JSON_SCALARS else dynamic(key, value)
                except ForeignObjectError as exc:
                    exc.current = obj
                    raise
            return out

        self._writers[cls] = writer
        return writer

    def _dynamic_value(self, key: str, value: Any) -> Any:
        """A dynamic property's value as JSON: a model object of this package with its
        `@odata.type` (no declaration gives its type), a list of them item by item, any other
        value as it is (free-form JSON, as read)."""
        try:
            if type(value) is not list:
                return self._dynamic_object(value) if _is_model(value) else value
            if not any(_is_model(v) for v in value):
                return value
            try:
                return [self._dynamic_object(v) if _is_model(v) else v for v in value]
            except ForeignObjectError as exc:
                exc.in_list(value)
                raise
        except ForeignObjectError as exc:
            exc.steps += [f"[{key!r}]", "additional_data"]
            raise

    def _dynamic_object(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, ODataObject):
            raise ForeignObjectError(value, self.package)
        written = self.write(value)
        if "@odata.type" in written:
            return written
        return {"@odata.type": type(value).ODATA_TYPE, **written}

    def _unstructure_hook(self, cls: type[Any]) -> _UnstructureFn:
        declared = cls.ODATA_TYPE[1:]
        return lambda obj: self.write(obj, declared)

    def write_value(self, value: Any, qname: str, *, collection: bool = False) -> Any:
        """Write any value declared as `qname` (or a collection of it) back to JSON: objects,
        collection responses, lists, enums and primitives."""
        if isinstance(value, ODataCollection):
            out = dict(value.odata_annotations)
            out["value"] = self.write_value(value.value, qname, collection=True)
            out.update(value.additional_data)
            return out
        if collection and isinstance(value, list):
            return [None if v is None else self.write_value(v, qname) for v in value]
        if value is None:
            return None
        if isinstance(value, ODataObject):
            return self.write(value, qname)
        if self.free_form(qname):
            return value
        if qname in self.facts.enums:
            return _write_enum(value)
        return codec_for_primitive(qname)[1](value)

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


_JSON_SCALARS: Final = frozenset({str, int, float, bool, type(None)})


def _is_model(value: object) -> bool:
    """True for an object of a generated class, of this models package or another."""
    cls = type(value)
    return attrs.has(cls) and isinstance(getattr(cls, "ODATA_TYPE", None), str)


def _is_odata_class(cls: Any) -> bool:
    return isinstance(cls, type) and issubclass(cls, ODataObject) and bool(cls.ODATA_TYPE)
