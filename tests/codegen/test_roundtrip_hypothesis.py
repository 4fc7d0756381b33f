"""Property-based round trips on the golden package, with strategies derived from its facts.

Two properties, for every concrete type of `tests/golden/expected`:
- object -> JSON text -> object gives an equal object, with the same attributes;
- JSON (in the spellings Graph uses: 7 fractional digits, upper-case GUIDs, padded base64,
  "INF", unknown enum members, explicit `@odata.type`, …) -> object -> JSON gives the same JSON.
"""

from __future__ import annotations

import base64
import json
import string
from datetime import UTC, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.golden import expected
from tests.golden.expected import UNSET
from tests.golden.expected._odata import PropertyFacts

conv = expected.converter()
FACTS = expected.schema()
MAX_DEPTH = 2
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

CONCRETE = sorted(q for q, t in FACTS.types.items() if not t.abstract)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
names = st.text(string.ascii_letters, min_size=1, max_size=8)
offsets = st.sampled_from([UTC]) | st.integers(-14 * 60, 14 * 60).map(
    lambda m: timezone(timedelta(minutes=m))
)
INT_RANGES = {
    "Edm.Byte": (0, 255),
    "Edm.SByte": (-128, 127),
    "Edm.Int16": (-(2**15), 2**15 - 1),
    "Edm.Int32": (-(2**31), 2**31 - 1),
    "Edm.Int64": (-(2**63), 2**63 - 1),
}
points = st.builds(
    lambda x, y: {"type": "Point", "coordinates": [x, y]},
    st.floats(-180, 180),
    st.floats(-90, 90),
)
polygons = st.lists(
    st.tuples(st.floats(-1e3, 1e3), st.floats(-1e3, 1e3)), min_size=3, max_size=5
).map(lambda ring: {"type": "Polygon", "coordinates": [[list(p) for p in [*ring, ring[0]]]]})


# -- Python values -------------------------------------------------------------------------


def python_primitive(edm: str) -> st.SearchStrategy[Any]:
    if edm in INT_RANGES:
        lo, hi = INT_RANGES[edm]
        return st.integers(lo, hi)
    simple: dict[str, st.SearchStrategy[Any]] = {
        "Edm.String": st.text(max_size=20),
        "Edm.Stream": st.text(max_size=20),
        "Edm.Boolean": st.booleans(),
        "Edm.Single": st.floats(allow_nan=False),
        "Edm.Double": st.floats(allow_nan=False),
        # Decimals that a JSON number carries exactly.
        "Edm.Decimal": st.integers(-(10**20), 10**20).map(Decimal)
        | st.floats(-1e15, 1e15).map(lambda f: Decimal(repr(f))),
        "Edm.DateTimeOffset": st.datetimes(timezones=offsets),
        "Edm.Date": st.dates(),
        "Edm.TimeOfDay": st.times(),
        "Edm.Duration": st.timedeltas(),
        "Edm.Guid": st.uuids(),
        "Edm.Binary": st.binary(max_size=20),
        "Edm.GeographyPoint": points,
        "Edm.GeometryPolygon": polygons,
        "Edm.Untyped": json_values,
    }
    return simple[edm]


def python_enum(qname: str) -> st.SearchStrategy[Any]:
    cls = conv.enum_of(qname)
    facts = FACTS.enums[qname]
    member = st.sampled_from(list(cls)) | names.map(cls)  # unknown members too
    return st.lists(member, max_size=3) if facts.flags else member


def python_value(p: PropertyFacts, depth: int) -> st.SearchStrategy[Any]:
    if p.kind == "primitive":
        item = python_primitive(p.type)
    elif p.kind == "enum":
        item = python_enum(p.type)
    elif depth >= MAX_DEPTH:
        return st.just(UNSET) | st.none() if p.nullable or p.collection else st.just(UNSET)
    else:
        item = python_object(p.type, depth + 1)
    if p.collection:
        item = st.lists(item, max_size=3)
    if p.nullable or p.collection:
        item = st.none() | item
    return st.just(UNSET) | item


def extras(qname: str) -> st.SearchStrategy[dict[str, Any]]:
    """Dynamic properties: names the type does not declare."""
    declared = {p.name for p in conv.all_properties(qname)}
    keys = names.filter(lambda k: k not in declared)
    return st.dictionaries(keys, json_values, max_size=2)


def python_object(declared: str, depth: int = 0) -> st.SearchStrategy[Any]:
    """An instance of `declared` or of a concrete type deriving from it."""
    choices = [q for q in conv.concrete(declared) if FACTS.types[q].kind != "parameters"]
    if FACTS.types[declared].kind == "parameters":
        choices = [declared]
    return st.sampled_from(choices).flatmap(lambda q: _python_instance(q, depth))


def _python_instance(qname: str, depth: int) -> st.SearchStrategy[Any]:
    cls = conv.class_of(qname)
    props = conv.all_properties(qname)
    fields = {p.attr: python_value(p, depth) for p in props}
    is_open = any(FACTS.types[q].open for q in _chain(qname))
    annotations = st.dictionaries(
        st.sampled_from(["@odata.etag", "@odata.context", f"{props[0].name}@odata.type"])
        if props
        else st.sampled_from(["@odata.etag", "@odata.context"]),
        st.text(max_size=8),
        max_size=2,
    )

    def build(values: dict[str, Any], extra: dict[str, Any], notes: dict[str, Any]) -> Any:
        return cls(**values, additional_data=extra, odata_annotations=notes)

    return st.builds(
        build,
        st.fixed_dictionaries(fields),
        extras(qname) if is_open else st.just({}),
        annotations,
    )


def _chain(qname: str) -> list[str]:
    out: list[str] = []
    current: str | None = qname
    while current is not None:
        out.append(current)
        current = FACTS.types[current].base
    return out


@pytest.mark.parametrize("qname", CONCRETE)
def test_object_to_json_to_object(qname: str) -> None:
    @SETTINGS
    @given(python_object(qname))
    def check(obj: Any) -> None:
        text = json.dumps(conv.write(obj, qname))
        back = conv.read(json.loads(text), qname)
        assert back == obj
        assert type(back) is type(obj)
        # Built by filling its dictionary, the object read has the attributes, in the order,
        # that the initializer gave the one made in Python; only the type flag may differ.
        assert _attributes(back) == _attributes(obj)

    check()


def _attributes(obj: Any) -> list[tuple[str, Any]]:
    return [(k, v) for k, v in vars(obj).items() if k != "_odata_type_read"]


# -- JSON in Graph's spellings -------------------------------------------------------------


def _fraction(digits: int, micro: int) -> str:
    return "" if digits == 0 else "." + f"{micro:06d}{micro % 10}"[:digits]


@st.composite
def wire_datetime(draw: st.DrawFn) -> str:
    """A DateTimeOffset with 0 to 7 fractional digits and a `Z` or numeric offset."""
    dt = draw(st.datetimes(timezones=offsets))
    frac = _fraction(draw(st.integers(0, 7)), dt.microsecond)
    utc_spelling = draw(st.sampled_from(["Z", "+00:00"]))
    tail = dt.isoformat()[-6:] if dt.utcoffset() else utc_spelling
    return f"{dt.year:04d}" + dt.strftime("-%m-%dT%H:%M:%S") + frac + tail


@st.composite
def wire_time(draw: st.DrawFn) -> str:
    t = draw(st.times())
    digits = draw(st.integers(0, 7))
    frac = _fraction(digits, t.microsecond) if digits else ""
    return t.strftime("%H:%M:%S") + frac


@st.composite
def wire_duration(draw: st.DrawFn) -> str:
    sign = draw(st.sampled_from(["", "-"]))
    d, h, m = (draw(st.none() | st.integers(0, 400)) for _ in range(3))
    s = draw(st.none() | st.integers(0, 59) | st.decimals(0, 59, places=3).map(str))
    time_part = "".join(f"{v}{u}" for v, u in ((h, "H"), (m, "M"), (s, "S")) if v is not None)
    if d is None and not time_part:
        return f"{sign}PT0S"
    return f"{sign}P" + (f"{d}D" if d is not None else "") + (f"T{time_part}" if time_part else "")


def wire_binary(raw: bytes, flavour: int) -> str:
    if flavour == 0:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")
    if flavour == 1:
        return base64.b64encode(raw).decode()
    return base64.urlsafe_b64encode(raw).decode()


def json_primitive(edm: str) -> st.SearchStrategy[Any]:
    if edm in INT_RANGES:
        lo, hi = INT_RANGES[edm]
        return st.integers(lo, hi)
    special = st.sampled_from(["INF", "-INF", "NaN"])
    simple: dict[str, st.SearchStrategy[Any]] = {
        "Edm.String": st.text(max_size=20),
        "Edm.Stream": st.text(max_size=20),
        "Edm.Boolean": st.booleans(),
        "Edm.Single": st.floats(allow_nan=False, allow_infinity=False) | special,
        "Edm.Double": st.floats(allow_nan=False, allow_infinity=False) | special,
        "Edm.Decimal": st.integers(-(10**20), 10**20) | st.floats(-1e15, 1e15),
        "Edm.DateTimeOffset": wire_datetime(),
        "Edm.Date": st.dates().map(lambda d: d.isoformat()),
        "Edm.TimeOfDay": wire_time(),
        "Edm.Duration": wire_duration(),
        "Edm.Guid": st.builds(
            lambda u, upper: str(u).upper() if upper else str(u), st.uuids(), st.booleans()
        ),
        "Edm.Binary": st.builds(wire_binary, st.binary(max_size=20), st.integers(0, 2)),
        "Edm.GeographyPoint": points,
        "Edm.GeometryPolygon": polygons,
        "Edm.Untyped": json_values,
    }
    return simple[edm]


def json_enum(qname: str) -> st.SearchStrategy[Any]:
    facts = FACTS.enums[qname]
    member = st.sampled_from([name for name, _ in facts.members]) | names
    if not facts.flags:
        return member
    return st.builds(
        lambda ms, sep: sep.join(ms), st.lists(member, max_size=3), st.sampled_from([",", ", "])
    )


def json_value(p: PropertyFacts, depth: int) -> st.SearchStrategy[Any] | None:
    """A strategy for the property's JSON value; None leaves the property out."""
    if p.kind == "primitive":
        item = json_primitive(p.type)
    elif p.kind == "enum":
        item = json_enum(p.type)
    elif depth >= MAX_DEPTH:
        return None
    else:
        item = json_object(p.type, depth + 1)
    if p.collection:
        item = st.lists(item, max_size=3)
    if p.nullable or p.collection:
        item = st.none() | item
    return item


def json_object(declared: str, depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    choices = [q for q in conv.concrete(declared) if FACTS.types[q].kind != "parameters"]
    if FACTS.types[declared].kind == "parameters":
        choices = [declared]
    return st.sampled_from(choices).flatmap(lambda q: _json_instance(declared, q, depth))


@st.composite
def _json_instance_draw(draw: st.DrawFn, declared: str, qname: str, depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    explicit = draw(st.booleans())
    if FACTS.types[qname].kind != "parameters" and (qname != declared or explicit):
        out["@odata.type"] = f"#{qname}"
    if draw(st.booleans()):
        out["@odata.etag"] = draw(st.text(max_size=8))
    for p in conv.all_properties(qname):
        strategy = json_value(p, depth)
        if strategy is None or not draw(st.booleans()):
            continue
        if draw(st.integers(0, 5)) == 0:
            out[f"{p.name}@odata.type"] = "#" + p.type.removeprefix("Edm.")
        out[p.name] = draw(strategy)
    if any(FACTS.types[q].open for q in _chain(qname)):
        out.update(draw(extras(qname)))
    return out


def _json_instance(declared: str, qname: str, depth: int) -> st.SearchStrategy[dict[str, Any]]:
    return _json_instance_draw(declared, qname, depth)


@pytest.mark.parametrize("qname", CONCRETE)
def test_json_to_object_to_json(qname: str) -> None:
    @SETTINGS
    @given(json_object(qname))
    def check(data: dict[str, Any]) -> None:
        data = json.loads(json.dumps(data))
        obj = conv.read(data, qname)
        out = conv.write(obj, qname)
        assert out == data
        # Same JSON types too (1 is not 1.0), except that Decimal writes integral values as
        # integers.
        assert _shape(out) == _shape(data)

    check()


def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return "integral"
    if isinstance(value, int) and not isinstance(value, bool):
        return "integral"
    return value


def test_strategies_cover_every_primitive_of_the_fixture() -> None:
    used = {p.type for t in FACTS.types.values() for p in t.properties if p.kind == "primitive"}
    assert len(used) == 20  # every Edm primitive the fixture declares, Untyped included
    for edm in sorted(used):
        assert python_primitive(edm) is not None
        assert json_primitive(edm) is not None
