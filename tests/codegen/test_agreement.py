"""The checker and the reader agree: bodies generated from the package's facts, valid and mutated,
give errors exactly when the read raises, and every error-free body is read and written back."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generated import beta as generated
from generated.beta import ODataConverter, ReadError
from generated.beta._odata import PropertyFacts, SchemaFacts
from tests.golden import expected


class Package:
    """A models package under test: its facts and its two converters."""

    def __init__(self, module: Any) -> None:
        self.facts: SchemaFacts = module.schema()
        self.strict: ODataConverter = module.converter(strict=True)
        self.lenient: ODataConverter = module.converter()
        structured = sorted(q for q, t in self.facts.types.items() if t.kind != "parameters")
        self.concrete = [q for q in structured if not self.facts.types[q].abstract]
        self.abstract = [q for q in structured if self.facts.types[q].abstract]


CALLS = Package(generated)  # the calls closure of real Graph metadata
GOLDEN = Package(expected)  # the generator's test package: every Edm type, flags, namespaces

_FIXED_TEXTS = {
    "Edm.DateTimeOffset": ["2024-01-01T10:00:00Z", "2024-01-01T10:00:00.1234567+02:00"],
    "Edm.Date": ["2024-02-29"],
    "Edm.TimeOfDay": ["10:00:00", "23:59:59.5"],
    "Edm.Duration": ["PT1H", "P1DT2M", "PT0.5S"],
    "Edm.Guid": ["0f0e0d0c-0b0a-0908-0706-050403020100", "0F0E0D0C-0B0A-0908-0706-050403020100"],
    "Edm.Binary": ["AQID", "-_-_"],
}
_INT_RANGES = {
    "Edm.Byte": (0, 255),
    "Edm.SByte": (-128, 127),
    "Edm.Int16": (-(2**15), 2**15 - 1),
    "Edm.Int32": (-(2**31), 2**31 - 1),
    "Edm.Int64": (-(2**63), 2**63 - 1),
}
BAD_FORMATS = frozenset(_FIXED_TEXTS)


def primitive(p: PropertyFacts) -> st.SearchStrategy[Any] | None:
    edm = p.type
    if edm in ("Edm.String", "Edm.Stream"):
        return st.text(max_size=p.max_length if p.max_length is not None else 8)
    if edm == "Edm.Boolean":
        return st.booleans()
    if edm in _INT_RANGES:
        return st.integers(*_INT_RANGES[edm])
    if edm in ("Edm.Single", "Edm.Double"):
        return st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(["INF", "NaN"])
    if edm == "Edm.Decimal":
        return st.integers(-1000, 1000)
    if edm in _FIXED_TEXTS:
        return st.sampled_from(_FIXED_TEXTS[edm])
    return None  # geography, untyped: not generated


def value_of(pkg: Package, p: PropertyFacts, depth: int) -> st.SearchStrategy[Any] | None:
    if p.kind == "primitive":
        item = primitive(p)
    elif p.kind == "enum":
        facts = pkg.facts.enums[p.type]
        names = [n for n, _ in facts.members]
        if facts.flags:
            item = st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True).map(
                ",".join
            )
        else:
            item = st.sampled_from(names)
    else:
        concrete = pkg.strict.concrete(p.type)
        if depth >= 2 or not concrete:
            return None
        declared = p.type

        def nested(q: str) -> st.SearchStrategy[Any]:
            return body_of(pkg, q, depth + 1, declared)

        item = st.sampled_from(concrete).flatmap(nested)
    if item is None:
        return None
    return st.lists(item, max_size=2) if p.collection else item


def body_of(
    pkg: Package, qname: str, depth: int = 0, declared: str | None = None
) -> st.SearchStrategy[Any]:
    """A valid (partial) JSON object of `qname`, naming its type where it is not the declared."""
    props = [p for p in pkg.strict.all_properties(qname) if not p.navigation]
    fields = {}
    for p in props:
        strategy = value_of(pkg, p, depth)
        if strategy is not None:
            fields[p.name] = strategy
    head = (
        {"@odata.type": st.just("#" + qname)} if declared is not None and declared != qname else {}
    )
    if not fields:
        return st.fixed_dictionaries(head)
    return st.fixed_dictionaries(head, optional=fields)


MUTATIONS = (
    "none",
    "wrong-json-type",
    "null",
    "unknown-member",
    "empty-flags",
    "bad-format",
    "undeclared",
    "not-assignable",
    "unknown-type",
    "abstract",
)


@st.composite
def case(draw: st.DrawFn, pkg: Package) -> tuple[str, str, Any]:
    """A declared type, the mutation applied, and the body."""
    mutation = draw(st.sampled_from(MUTATIONS))
    if mutation == "abstract" and pkg.abstract:
        qname = draw(st.sampled_from(pkg.abstract))
        return qname, mutation, {}
    qname = draw(st.sampled_from(pkg.concrete))
    body = copy.deepcopy(draw(body_of(pkg, qname)))
    props = {p.name: p for p in pkg.strict.all_properties(qname) if not p.navigation}
    present = [props[k] for k in body if k in props]

    def pick(predicate: Any) -> PropertyFacts | None:
        chosen = [p for p in present if predicate(p)]
        return draw(st.sampled_from(chosen)) if chosen else None

    if mutation == "wrong-json-type" and (p := pick(lambda p: p.type != "Edm.Untyped")):
        body[p.name] = {"not": "this"} if p.kind == "primitive" or p.collection else 7
    elif mutation == "null" and (p := pick(lambda p: True)):
        body[p.name] = None
    elif mutation == "unknown-member" and (p := pick(lambda p: p.kind == "enum")):
        body[p.name] = ["zzNotAMember"] if p.collection else "zzNotAMember"
    elif mutation == "empty-flags" and (
        p := pick(lambda p: p.kind == "enum" and pkg.facts.enums[p.type].flags and not p.collection)
    ):
        body[p.name] = ""
    elif mutation == "bad-format" and (
        p := pick(lambda p: p.type in BAD_FORMATS and not p.collection)
    ):
        body[p.name] = "not a value!"  # "not-a-value" is valid base64url
    elif mutation == "undeclared":
        body["zzUndeclared"] = {"x": [1, None]}
    elif mutation == "not-assignable":
        others = [q for q in pkg.concrete if q not in pkg.strict.assignable_to(qname)]
        body["@odata.type"] = "#" + draw(st.sampled_from(others))
    elif mutation == "unknown-type":
        body["@odata.type"] = "#microsoft.graph.zzShippedTomorrow"
    else:
        mutation = "none"
    return qname, mutation, body


def _agree(conv: ODataConverter, qname: str, body: Any) -> bool:
    checked = conv.check(body, qname, partial=True)
    try:
        obj = conv.read(body, qname)
    except ValueError as exc:  # each package has its own ReadError class
        assert type(exc).__name__ == ReadError.__name__, exc
        assert not checked.ok, (checked.findings, body)
        assert checked.value is None
        return False
    assert checked.ok, (checked.findings, body)
    assert conv.write(obj, qname) == body
    assert conv.write(checked.value, qname) == body
    return True


def _check_case(pkg: Package, drawn: tuple[str, str, Any]) -> None:
    qname, mutation, body = drawn
    strict_ok = _agree(pkg.strict, qname, body)
    lenient_ok = _agree(pkg.lenient, qname, body)
    # Mutations that no reading may accept; and what the lenient read keeps, the strict refuses.
    if mutation in ("wrong-json-type", "bad-format", "not-assignable", "abstract"):
        assert not strict_ok and not lenient_ok
    elif mutation == "none":
        assert strict_ok and lenient_ok
    elif mutation in ("unknown-member", "empty-flags", "unknown-type"):
        assert not strict_ok and lenient_ok
    if strict_ok:
        assert lenient_ok


AGREEMENT = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@AGREEMENT
@given(case(CALLS))
def test_the_checker_and_the_reads_agree_on_the_calls_package(drawn: tuple[str, str, Any]) -> None:
    _check_case(CALLS, drawn)


@AGREEMENT
@given(case(GOLDEN))
def test_the_checker_and_the_reads_agree_on_every_edm_type(drawn: tuple[str, str, Any]) -> None:
    _check_case(GOLDEN, drawn)
