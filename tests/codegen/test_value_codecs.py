"""Issue 9, value codecs: every bad value is a ReadError with a path, bounded in time; Decimal
is written without loss."""

from __future__ import annotations

import contextlib
import json
import math
import time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generated.beta._odata import (
    PRIMITIVES,
    ReadError,
    parse_duration,
    read_decimal,
    read_float,
    write_decimal,
    write_float,
)


@pytest.mark.parametrize(
    "text", ["P99999999999999999999D", "PT99999999999999999999H", "P1" + "0" * 400 + "D"]
)
def test_a_huge_duration_is_a_read_error(text: str) -> None:
    with pytest.raises(ReadError) as raised:
        parse_duration(text)
    assert (raised.value.path, raised.value.code) == ("$", "read.out-of-range")


@pytest.mark.parametrize("value", [10**400, -(10**400), float("inf"), float("-inf"), math.nan])
def test_a_double_out_of_range_is_a_read_error(value: float) -> None:
    with pytest.raises(ReadError) as raised:
        read_float(value)
    assert raised.value.code == "read.out-of-range"


def test_a_double_from_json_keeps_its_json_type() -> None:
    assert write_float(read_float(10**300)) == 10**300
    assert write_float(read_float(json.loads("1.5e300"))) == 1.5e300
    assert write_float(read_float("INF")) == "INF"


@pytest.mark.parametrize("text", ["1e999999999", "-1E+999999999", "1e-999999999"])
def test_writing_a_huge_decimal_is_refused_fast(text: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ReadError) as raised:
        write_decimal(Decimal(text))
    assert time.perf_counter() - started < 0.5
    assert raised.value.code == "write.out-of-range"


@pytest.mark.parametrize("value", ["1e999999999", 1e308 * 10, "NaN", "sNaN", "x" * 10_000])
def test_reading_a_hostile_decimal_is_a_read_error(value: object) -> None:
    started = time.perf_counter()
    with pytest.raises(ReadError):
        read_decimal(value)
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (Decimal("42"), 42),
        (Decimal("0.25"), 0.25),
        (Decimal("1.5E+3"), 1500),
        (Decimal("12345678901234567890.123456789"), "12345678901234567890.123456789"),
        (Decimal("0.1000000000000000000001"), "0.1000000000000000000001"),
    ],
)
def test_a_decimal_is_written_without_loss(value: Decimal, written: object) -> None:
    out = write_decimal(value)
    assert out == written and type(out) is type(written)
    assert Decimal(str(out)) == value


@settings(max_examples=200, deadline=None)
@given(st.decimals(allow_nan=False, allow_infinity=False, places=None))
def test_any_finite_decimal_in_range_round_trips(value: Decimal) -> None:
    if abs(value.adjusted()) > 6144:
        with pytest.raises(ReadError):
            write_decimal(value)
        return
    out = write_decimal(value)
    text = json.dumps(out)  # writable by the standard json module, whatever the value
    back = read_decimal(json.loads(text))
    assert back == value


@settings(max_examples=200, deadline=None)
@given(st.integers() | st.floats() | st.text(max_size=30) | st.booleans() | st.none())
def test_read_decimal_and_float_raise_only_read_errors(value: object) -> None:
    for read in (read_decimal, read_float):
        with contextlib.suppress(ReadError):
            read(value)


DURATION_LIKE = r"-?P(\d{1,25}D)?(T(\d{1,25}H)?(\d{1,25}M)?(\d{1,25}(\.\d{1,9})?S)?)?"
DATE_LIKE = r"\d{1,6}-\d{1,3}-\d{1,3}(T\d{1,3}:\d{1,3}(:\d{1,3}(\.\d{1,12})?)?)?"
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**500), 10**500),
    st.floats(),
    st.text(max_size=40),
    st.sampled_from(["P99999999999999999999D", "9999-12-31T23:59:59+14:00", "INF", "1e999999"]),
    st.from_regex(DURATION_LIKE, fullmatch=True),
    st.from_regex(DATE_LIKE, fullmatch=True),
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(PRIMITIVES)), JSON_SCALARS)
def test_every_primitive_reader_raises_only_read_errors(edm: str, value: object) -> None:
    read, write = PRIMITIVES[edm]
    try:
        out = read(value)
    except ReadError as exc:
        assert exc.path == "$" and exc.code.startswith("read.")
        return
    json.dumps(write(out))  # what is read can be written as JSON
