"""The lenient JSON reader: each repair is recorded; hostile input yields errors, not exceptions."""

from __future__ import annotations

import json
import math
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.checking.findings import Finding
from runtime.docs.lenient_json import (
    DEFAULT_LIMITS,
    JsonLimits,
    LenientResult,
    find_value_end,
    parse_lenient,
)


def codes(findings: tuple[Finding, ...]) -> list[str]:
    return [f.code for f in findings]


def only(findings: tuple[Finding, ...], code: str) -> Finding:
    matching = [f for f in findings if f.code == code]
    assert len(matching) == 1, findings
    return matching[0]


# --- plain JSON ----------------------------------------------------------------------------------


def test_plain_json_reads_with_nothing_to_report() -> None:
    r = parse_lenient('{"a": 1, "b": [1.5, "x", null, true]}', first_line=7)
    assert r.values == ({"a": 1, "b": [1.5, "x", None, True]},)
    assert r.value_lines == (7,)
    assert r.repairs == () and r.errors == ()
    assert r.ok


def test_ints_stay_ints_and_floats_stay_floats() -> None:
    (value,) = parse_lenient('{"i": 10, "f": 10.0, "e": 1e2, "big": 12345678901234567890}').values
    assert isinstance(value, dict)
    assert type(value["i"]) is int and type(value["f"]) is float and type(value["e"]) is float
    assert value["big"] == 12345678901234567890


def test_strings_that_look_like_comments_or_commas_are_left_alone() -> None:
    text = '{"url": "https://bot.contoso.com/callback", "s": "a,]", "c": "/* no */", "q": "\\",}"}'
    r = parse_lenient(text)
    assert r.repairs == () and r.errors == ()
    assert r.values == (json.loads(text),)


# --- repairs -------------------------------------------------------------------------------------


def test_trailing_commas_in_objects_and_arrays_are_repaired_with_path_and_line() -> None:
    text = '{\n"targets": [\n{"id": "1"},\n],\n"mediaConfig": {\n"x": 1,\n},\n}'
    r = parse_lenient(text, first_line=100)
    assert r.values == ({"targets": [{"id": "1"}], "mediaConfig": {"x": 1}},)
    assert r.errors == ()
    commas = [(f.severity, f.path, f.line) for f in r.repairs if f.code == "json.trailing-comma"]
    assert commas == [
        ("warning", "$.targets", 102),
        ("warning", "$.mediaConfig", 105),
        ("warning", "$", 106),
    ]
    assert all("trailing comma" in f.message for f in r.repairs)


def test_comma_between_values_is_not_a_trailing_comma() -> None:
    r = parse_lenient("[1, 2, true, null, -3.5e2]")
    assert r.repairs == ()
    assert r.values == ([1, 2, True, None, -350.0],)


def test_line_and_block_comments_are_repaired() -> None:
    text = '{\n  // who calls back\n  "a": 1, /* inline */ "b": [2 /* two */]\n}'
    r = parse_lenient(text, first_line=10)
    assert r.values == ({"a": 1, "b": [2]},)
    found = [(f.code, f.severity, f.path, f.line) for f in r.repairs]
    assert found == [
        ("json.comment", "warning", "$", 11),
        ("json.comment", "warning", "$", 12),
        ("json.comment", "warning", "$.b", 12),
    ]
    assert "who calls back" in r.repairs[0].message


def test_multiline_block_comment_keeps_later_lines_true() -> None:
    text = '{\n/* one\ntwo\nthree */\n"a": 1,\n}'
    r = parse_lenient(text)
    assert [(f.code, f.line) for f in r.repairs] == [
        ("json.comment", 2),
        ("json.trailing-comma", 5),
    ]
    # Repairs blank with spaces and keep newlines, so the repaired text has the same shape.
    assert len(r.repaired_texts[0]) == len(text)
    assert r.repaired_texts[0].count("\n") == text.count("\n")


def test_comments_outside_the_value_are_repaired_at_the_root() -> None:
    r = parse_lenient('// caption\n{"a": 1} // after')
    assert r.values == ({"a": 1},)
    assert [(f.code, f.path, f.line) for f in r.repairs] == [
        ("json.comment", "$", 1),
        ("json.comment", "$", 2),
    ]


def test_comment_between_trailing_comma_and_close() -> None:
    r = parse_lenient("[1, // last\n]")
    assert r.values == ([1],)
    assert sorted(codes(r.repairs)) == ["json.comment", "json.trailing-comma"]


def test_prose_between_values_gives_each_value_and_quotes_the_prose() -> None:
    text = '{\n"n": 1\n}\nDelta roster enabled\n{\n"n": 2\n}'
    r = parse_lenient(text, first_line=2597)
    assert r.values == ({"n": 1}, {"n": 2})
    assert r.value_lines == (2597, 2601)
    prose = only(r.repairs, "json.prose-between-values")
    assert (prose.severity, prose.path, prose.line) == ("warning", "$", 2600)
    assert "Delta roster enabled" in prose.message
    multiple = only(r.repairs, "json.multiple-values")
    assert (multiple.line, multiple.path) == (2601, "$")
    assert r.errors == ()
    assert [text[a:b] for a, b in r.value_spans] == ['{\n"n": 1\n}', '{\n"n": 2\n}']


def test_adjacent_values_are_multiple_values_without_prose() -> None:
    r = parse_lenient('{"a": 1}\n[2]', first_line=5)
    assert r.values == ({"a": 1}, [2])
    assert codes(r.repairs) == ["json.multiple-values"]
    assert r.repairs[0].line == 6


def test_byte_order_mark_is_a_repair() -> None:
    r = parse_lenient('\ufeff{"a": 1}')
    assert r.values == ({"a": 1},)
    assert codes(r.repairs) == ["json.bom"]
    assert r.value_spans == ((1, 9),)


# --- errors --------------------------------------------------------------------------------------


def test_too_large_str_of_50_mb_is_refused_fast() -> None:
    body = "[" + "1," * (25 * 1024 * 1024) + "1]"
    started = time.perf_counter()
    r = parse_lenient(body, first_line=42)
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5
    err = only(r.errors, "json.too-large")
    assert (err.severity, err.line) == ("error", 42)
    assert str(DEFAULT_LIMITS.max_bytes) in err.message
    assert r.values == ()


def test_too_large_bytes_of_50_mb_is_refused_fast() -> None:
    body = b" " * (50 * 1024 * 1024)
    started = time.perf_counter()
    r = parse_lenient(body)
    assert time.perf_counter() - started < 0.5
    assert codes(r.errors) == ["json.too-large"]
    assert r.errors[0].line == 1


def test_size_counts_utf8_bytes_not_characters() -> None:
    text = '"' + "é" * 600 + '"'  # 602 characters, 1202 bytes
    assert codes(parse_lenient(text, limits=JsonLimits(max_bytes=1000)).errors) == [
        "json.too-large"
    ]
    assert parse_lenient(text, limits=JsonLimits(max_bytes=1300)).ok


def test_100000_deep_nesting_is_an_error_not_a_recursion_error() -> None:
    body = "[" * 100_000 + "]" * 100_000
    started = time.perf_counter()
    r = parse_lenient(body, first_line=3)
    assert time.perf_counter() - started < 1.0
    err = only(r.errors, "json.too-deep")
    assert (err.severity, err.line) == ("error", 3)
    assert str(DEFAULT_LIMITS.max_depth) in err.message
    assert r.values == ()


def test_depth_limit_is_exact() -> None:
    depth = DEFAULT_LIMITS.max_depth
    assert parse_lenient("[" * depth + "]" * depth).ok
    deeper = parse_lenient('{"a":' * (depth + 1) + "1" + "}" * (depth + 1))
    assert codes(deeper.errors) == ["json.too-deep"]


def test_decoder_recursion_is_caught_when_the_limit_is_raised() -> None:
    r = parse_lenient("[" * 100_000 + "]" * 100_000, limits=JsonLimits(max_depth=1_000_000))
    assert codes(r.errors) == ["json.too-deep"]


def test_invalid_utf8_reports_the_byte_offset_and_line() -> None:
    body = b'{\n"a": "ok",\n"b": "\xff"\n}'
    r = parse_lenient(body, first_line=20)
    err = only(r.errors, "json.invalid-utf8")
    assert err.line == 22
    assert "byte offset 19" in err.message
    assert r.values == ()


def test_valid_utf8_bytes_are_read() -> None:
    r = parse_lenient('{"name": "José"}'.encode())
    assert r.values == ({"name": "José"},)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_literals_are_errors(literal: str) -> None:
    r = parse_lenient(f'{{\n"values": [1, {literal}]\n}}', first_line=4)
    err = only(r.errors, "json.nan-literal")
    assert (err.severity, err.path, err.line) == ("error", "$.values[1]", 5)
    assert literal in err.message and '"NaN"' in err.message
    (value,) = r.values
    assert isinstance(value, dict) and math.isnan(value["values"][1]) == (literal == "NaN")


def test_nan_as_a_string_is_fine() -> None:
    r = parse_lenient('{"x": "NaN", "y": "INF", "NaN": 1}')
    assert r.ok and r.repairs == ()


def test_duplicate_keys_are_errors_on_the_object_and_the_last_value_wins() -> None:
    text = '{\n"call": {\n"state": "a",\n"id": "1",\n"state": "b"\n}\n}'
    r = parse_lenient(text, first_line=50)
    err = only(r.errors, "json.duplicate-key")
    assert (err.severity, err.path, err.line) == ("error", "$.call", 54)
    assert "'state'" in err.message
    assert r.values == ({"call": {"state": "b", "id": "1"}},)


def test_odd_keys_are_quoted_in_paths() -> None:
    r = parse_lenient('{"@odata.type": {"a": 1, "a": 2}}')
    assert only(r.errors, "json.duplicate-key").path == '$["@odata.type"]'


def test_syntax_error_gives_line_and_column() -> None:
    r = parse_lenient('{\n"a": 1\n"b": 2\n}', first_line=10)
    err = only(r.errors, "json.syntax")
    assert err.line == 12
    assert "line 12, column 1" in err.message
    assert r.values == ()


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("", 1),
        ("   \n  ", 2),
        ('{"a": 1', 1),
        ('{"a": 1}\n}', 2),
        ('{"a": 1}\ntrailing words', 2),
        ('{"a": /* never closed', 1),
        ("not json", 1),
        ('{"a": "unterminated\n}', 1),
    ],
)
def test_unrecoverable_input_is_a_syntax_error(text: str, line: int) -> None:
    r = parse_lenient(text)
    err = only(r.errors, "json.syntax")
    assert err.line == line
    assert not r.ok


@pytest.mark.parametrize(
    "body",
    [
        '"\\"' * 1_000_000,
        "[" + '"\\"\\"\\"' * 500_000 + "]",
        "{}\n/*" * 500_000,
        "[" + "/*," * 1_000_000 + "]",
        "{}\nx\n" * 500_000,
        "[" + "[1,]," * 500_000 + "1]",
        "[" + '{"a":1,"a":1}' * 500_000 + "]",
    ],
    ids=["quotes", "escaped-quotes", "open-comments", "comment-commas", "prose", "commas", "dups"],
)
def test_hostile_input_finishes_quickly_with_errors(body: str) -> None:
    started = time.perf_counter()
    r = parse_lenient(body)
    assert time.perf_counter() - started < 3.0
    assert r.errors
    assert len(r.repairs) + len(r.errors) <= DEFAULT_LIMITS.max_findings + 1


def test_too_many_values_stops_reading() -> None:
    r = parse_lenient("{}\n" * 5, limits=JsonLimits(max_values=3))
    assert len(r.values) == 3
    assert codes(r.errors) == ["json.too-many-values"]
    assert r.errors[0].line == 4


def test_results_are_frozen() -> None:
    r = parse_lenient("{}")
    assert isinstance(r, LenientResult)
    with pytest.raises(AttributeError):
        r.values = ()  # type: ignore[misc]


# --- value extent --------------------------------------------------------------------------------


def test_find_value_end_skips_strings_and_comments() -> None:
    text = 'x {"a": "}", // }\n "b": [1]} tail'
    assert find_value_end(text, 2) == text.index(" tail")
    assert find_value_end(text, 0) is None
    assert find_value_end('{"a": 1', 0) is None
    assert find_value_end("[/* unclosed", 0) is None


# --- round trip ----------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(
    value=json_values,
    indent=st.sampled_from([None, 0, 2]),
    ensure_ascii=st.booleans(),
    line=st.integers(1, 10_000),
)
def test_any_json_dumps_output_reads_back_with_no_repairs(
    value: object, indent: int | None, ensure_ascii: bool, line: int
) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=ensure_ascii)
    r = parse_lenient(text, first_line=line)
    assert r.repairs == ()
    assert r.errors == ()
    assert r.values == (value,)
    assert r.value_lines == (line,)
    assert r.value_spans == ((0, len(text)),)
