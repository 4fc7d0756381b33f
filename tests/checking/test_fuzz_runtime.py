"""Fuzzing (issue 9): the JSON reader, the generated converter's read and the receiver's
`handle()` and ASGI entry never raise and never answer 5xx, whatever they are given.

CI runs a small fixed budget; `FUZZ_EXAMPLES=20000 pytest tests/checking/test_fuzz_runtime.py`
is the longer local run.
"""

from __future__ import annotations

import asyncio
import io
import json
import math
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generated import beta as generated
from generated.beta import ReadError
from runtime.bot.receiver import NotificationReceiver
from runtime.checking.json_reader import (
    _JSON_STRING,
    DEFAULT_LIMITS,
    _careful,
    _fast,
    _outside_strings,
    read_json,
)
from runtime.docs.lenient_json import parse_lenient

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- JSON-ish text: the pieces that matter to a JSON reader, in any order ----------------------

PIECES = st.sampled_from(
    [
        "{", "}", "[", "]", ",", ":", '"a"', '"b"', '"\\ud800"', '"\\udc00"', '"\\ud83d\\ude00"',
        '"\\u00e9"', '"x', "\\", "NaN", "-Infinity", "Infinity", "1", "-0", "1e999", "1" * 5000,
        "0.5", "true", "null", "//c\n", "/*", "*/", " ", "\n", "\ufeff", "\ud800", "é", "\x00",
    ]
)  # fmt: skip
JSONISH = st.lists(PIECES, max_size=60).map("".join)
NESTED = st.builds(
    lambda depth, open_, inner: open_ * depth + inner + {"[": "]", '{"a":': "}"}[open_] * depth,
    st.integers(0, 3 * DEFAULT_LIMITS.max_depth),
    st.sampled_from(["[", '{"a":']),
    st.sampled_from(["1", "[]", "NaN", '"\\ud800"', ""]),
)
TEXT = st.one_of(JSONISH, NESTED, st.text(max_size=200))


def plain_json(max_leaves: int = 30) -> st.SearchStrategy[Any]:
    """JSON values that json.dumps writes and every reader must give back unchanged."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**30), 10**30),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(st.characters(blacklist_categories=["Cs"]), max_size=20),
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
        ),
        max_leaves=max_leaves,
    )


@FUZZ
@given(
    st.one_of(TEXT, TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=300))
)
def test_read_json_never_raises(data: str | bytes) -> None:
    result = read_json(data)
    if result.ok:
        # What it accepts is JSON the standard library reads the same way.
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        assert json.loads(text.removeprefix("\ufeff")) == result.value or _has_nan(result.value)
    else:
        assert result.value is None
        assert all(f.severity == "error" and f.path.startswith("$") for f in result.errors)
        assert len(result.errors) <= DEFAULT_LIMITS.max_findings + 1


def _has_nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


@FUZZ
@given(TEXT)
def test_parse_lenient_never_raises(text: str) -> None:
    result = parse_lenient(text)
    assert len(result.repairs) + len(result.errors) <= DEFAULT_LIMITS.max_findings + 1


@FUZZ
@given(plain_json())
def test_read_json_gives_back_plain_json(value: Any) -> None:
    assert read_json(json.dumps(value)).value == value
    assert read_json(json.dumps(value, ensure_ascii=False).encode()).value == value


# -- the generated converter's read -----------------------------------------------------------

CONV = generated.converter()
TYPES = generated.schema().types
QNAMES = sorted(q for q, t in TYPES.items() if t.kind in ("entity", "complex"))
ODD_VALUES = st.one_of(
    st.sampled_from(
        [
            "INF", "-INF", "NaN", "P99999999999999999999D", "PT1H", "9999-12-31T23:59:59Z",
            "1e999999999", "00000000-0000-0000-0000-000000000000", "AAAA", "established",
            "#microsoft.graph.call", "#microsoft.graph.participant", "#nope", 10**400, -(10**20),
            2**63, 1.5, True, None, [], {},
        ]
    ),
    plain_json(8),
)  # fmt: skip


@st.composite
def body_for(draw: st.DrawFn, qname: str, depth: int = 0) -> dict[str, Any]:
    """An object shaped like `qname` (its own property names), with odd values."""
    props = CONV.all_properties(qname)
    out: dict[str, Any] = {}
    for p in draw(st.lists(st.sampled_from(props), max_size=6, unique=True)) if props else []:
        nested = p.kind in ("complex", "entity") and p.type in TYPES and depth < 3
        value = (
            draw(body_for(p.type, depth + 1))
            if nested and draw(st.booleans())
            else draw(ODD_VALUES)
        )
        out[p.name] = [value] if p.collection and draw(st.booleans()) else value
    if draw(st.booleans()):
        out["@odata.type"] = draw(st.sampled_from(["#" + q for q in QNAMES] + ["#x.y", 3]))
    return out


@FUZZ
@given(st.data())
def test_the_converter_raises_only_read_errors(data: st.DataObject) -> None:
    qname = data.draw(st.sampled_from(QNAMES))
    body = data.draw(body_for(qname))
    try:
        obj = CONV.read(body, qname)
    except ReadError as exc:
        assert exc.path.startswith("$")
        return
    json.dumps(CONV.write(obj, qname))  # what it reads, it writes as JSON


# -- the receiver's handle() ------------------------------------------------------------------

HEADER_VALUES = st.one_of(
    st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain", ""]),
    st.text(max_size=20),
)
LENGTHS = st.one_of(
    st.none(),
    st.sampled_from(["²", "-1", "+1", " 1 ", "1e3", "0x10", "9" * 40, "", "١"]),
    st.integers(0, 2000).map(str),
    st.text(max_size=8),
)
NOTIFICATION_BODIES = st.builds(
    lambda items: json.dumps({"value": items}).encode(),
    st.lists(
        st.fixed_dictionaries(
            {
                "changeType": st.sampled_from(["updated", "created", "deleted", 1]),
                "resourceUrl": st.sampled_from(
                    [
                        "/communications/calls/c1",
                        "/communications/calls/c1/participants",
                        "/communications/calls/c1/operations/o1",
                        "/nowhere",
                    ]
                ),
            },
            optional={"resourceData": st.just({}) | body_for("microsoft.graph.call")},
        ),
        max_size=3,
    ),
)
BODIES = st.one_of(
    st.binary(max_size=300),
    TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")),
    NOTIFICATION_BODIES,
)


@FUZZ
@given(
    method=st.sampled_from(["POST", "GET", "PUT", "post", ""]),
    content_type=HEADER_VALUES,
    length=LENGTHS,
    body=BODIES,
    extra=st.dictionaries(st.text(max_size=10).map(str.lower), st.text(max_size=20), max_size=3),
)
def test_handle_never_raises_and_never_answers_5xx(
    method: str, content_type: str, length: str | None, body: bytes, extra: dict[str, str]
) -> None:
    seen: list[object] = []
    receiver = NotificationReceiver(max_body=4096)
    receiver.dispatcher.add(seen.append)
    headers = {**extra, "content-type": content_type}
    if length is not None:
        headers["content-length"] = length
    reply = receiver.handle(method, headers, io.BytesIO(body).read)
    assert reply.status < 500
    # All or nothing: a refused body reaches no handler.
    if reply.status != 202:
        assert seen == []
    assert len(seen) == receiver.stats()["notifications"]
    if reply.body:
        json.loads(reply.body)
        assert len(reply.body) < 64 * 1024


@pytest.mark.parametrize("qname", ["microsoft.graph.call", "microsoft.graph.participant"])
def test_the_fuzzed_types_exist(qname: str) -> None:
    assert qname in QNAMES


@FUZZ
@given(st.one_of(TEXT, plain_json().map(json.dumps)))
def test_the_fast_path_agrees_with_the_careful_one(text: str) -> None:
    # The fast path answers only when the body is fine; then the scanner must agree exactly.
    fast = _fast(text, DEFAULT_LIMITS)
    careful = _careful(text, DEFAULT_LIMITS, 1)
    if fast is not None:
        assert (careful.ok and careful.value == fast[0]) or _has_nan(careful.value)
    assert read_json(text).ok == careful.ok


@FUZZ
@given(st.one_of(TEXT, plain_json().map(json.dumps)))
def test_the_split_on_quotes_finds_the_strings_the_pattern_finds(text: str) -> None:
    # The fast path's shortcut (no backslash: quotes open and close strings in turn) must take
    # out exactly what the string pattern takes out, unterminated strings included.
    assert _outside_strings(text) == _JSON_STRING.sub("", text)
    assert _outside_strings(text.replace("\\", "")) == _JSON_STRING.sub("", text.replace("\\", ""))


@FUZZ
@given(
    length=LENGTHS,
    chunks=st.lists(st.binary(max_size=64), max_size=4),
    disconnect=st.booleans(),
)
def test_asgi_never_raises_and_never_answers_5xx(
    length: str | None, chunks: list[bytes], disconnect: bool
) -> None:
    headers = [(b"content-type", b"application/json")]
    if length is not None:
        headers.append((b"content-length", length.encode("utf-8")))
    incoming: list[dict[str, Any]] = [
        {"type": "http.request", "body": c, "more_body": True} for c in chunks
    ]
    incoming.append(
        {"type": "http.disconnect"}
        if disconnect
        else {"type": "http.request", "body": b"", "more_body": False}
    )
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "headers": headers}
    asyncio.run(NotificationReceiver(max_body=4096).asgi(scope, receive, send))
    assert sent[0]["status"] < 500
