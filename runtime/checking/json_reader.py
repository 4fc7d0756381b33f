"""The one JSON reader: every body from outside (a notification, a file, a docs page) goes here.

One set of limits (`JsonLimits`: size, nesting depth, values and findings per body) and one set
of refusals, each an error `Finding` with its JSON path and line, never an exception:

- more bytes than `max_bytes` (checked before anything is decoded), or invalid UTF-8;
- nesting deeper than `max_depth`, measured by a string-aware scan before the decoder runs, so
  neither the decoder nor anything that walks the value later can exhaust the stack;
- `NaN`/`Infinity` literals, duplicate keys in one object, lone UTF-16 surrogates (escaped
  `\\ud800` or raw), which `json.loads` accepts silently;
- integers longer than Python's conversion limit.

`read_json` is the strict form for bodies that must be JSON (the receiver's): exactly one
value, no comments, no trailing commas. Ordinary bodies take a fast path (the C decoder with a
duplicate-key hook, after a linear depth check); anything suspicious takes the token scanner,
which alone reports findings, so both paths refuse the same bodies. `runtime.docs.lenient_json`
builds the docs reader on the same scanner and adds its repairs (comments, trailing commas,
several values) on top.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from itertools import accumulate

from runtime.checking.findings import Finding

__all__ = ["DEFAULT_LIMITS", "JsonLimits", "JsonResult", "read_json"]


@dataclass(frozen=True, slots=True)
class JsonLimits:
    """Bounds that keep hostile bodies cheap: size, nesting depth, values and findings per body."""

    max_bytes: int = 10 * 1024 * 1024
    # Graph's deepest bodies nest about ten levels; 64 leaves room and keeps every later walk
    # (validation, the generated readers) far from Python's recursion limit.
    max_depth: int = 64
    # A documentation block holds one value, rarely a few; thousands mean the input is not a page.
    max_values: int = 1000
    # Past this many repairs and errors a body is not worth reading further, and a report that
    # long helps nobody.
    max_findings: int = 100


DEFAULT_LIMITS = JsonLimits()


@dataclass(frozen=True, slots=True)
class JsonResult:
    """One strictly read JSON value, or the errors that refused it (then `value` is None)."""

    value: object
    errors: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """True when the body was read with no error."""
        return not self.errors


# Strings come first so that `//`, `,` or `{` inside them are never mistaken for structure. A
# string also ends at a newline (JSON strings cannot hold one): one missing quote then cannot
# swallow the rest of the body, and every match attempt is bounded by its line, so no input makes
# the scan quadratic. Block comments are matched by their opening only and closed with `str.find`
# for the same reason.
TOKEN = re.compile(
    r'"[^"\\\n]*(?:\\.?[^"\\\n]*)*(?:"|(?=\n)|\Z)'
    r"|//[^\n]*"
    r"|/\*"
    r"|[{}\[\],:]"
    r"|(?<![\w.])-?(?:NaN|Infinity)(?![\w.])"
)
# What may sit between a comma and the closing bracket for the comma to count as trailing.
GAP = re.compile(r"(?:\s|//[^\n]*|/\*[\s\S]*?\*/)*")
WS = re.compile(r"\s*")
NAN = re.compile(r"-?(?:NaN|Infinity)(?![\w.])")
_NOT_NEWLINE = re.compile(r"[^\n]")
_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_RAW_SURROGATE = re.compile("[\ud800-\udfff]")

# `parse_constant=float` only turns the literals into values; the scanner reports them as errors.
DECODER = json.JSONDecoder(parse_constant=float)


def child(parent: str, key: str) -> str:
    """The JSON path of member `key` of the object at `parent`."""
    if _IDENTIFIER.match(key):
        return f"{parent}.{key}"
    return f"{parent}[{json.dumps(key[:100], ensure_ascii=False)}]"


def brief(text: str, limit: int = 60) -> str:
    """`text` on one line, cut to `limit` characters."""
    flat = " ".join(text[: limit * 4].split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class Lines:
    """Maps character offsets to page lines and columns; built only when a finding needs one."""

    def __init__(self, text: str, first_line: int) -> None:
        self._text = text
        self._first = first_line
        self._breaks: list[int] | None = None

    def _offsets(self) -> list[int]:
        if self._breaks is None:
            self._breaks = [m.start() for m in re.finditer("\n", self._text)]
        return self._breaks

    def line(self, pos: int) -> int:
        """The page line of offset `pos`."""
        return self._first + bisect.bisect_left(self._offsets(), pos)

    def column(self, pos: int) -> int:
        """The 1-based column of offset `pos`."""
        breaks = self._offsets()
        i = bisect.bisect_left(breaks, pos)
        start = breaks[i - 1] + 1 if i else 0
        return pos - start + 1


class _Frame:
    """One open container. Frames hold only their own member, not their path, so memory stays
    linear in depth; a path is built from the stack only when a finding needs it."""

    __slots__ = ("index", "is_object", "key", "keys")

    def __init__(self, is_object: bool) -> None:
        self.is_object = is_object
        self.key: str | None = None
        self.index = 0
        self.keys: set[str] = set()

    def step(self, path: str) -> str:
        if self.is_object:
            return child(path, self.key if self.key is not None else "?")
        return f"{path}[{self.index}]"


def _path(stack: list[_Frame], member: bool = False) -> str:
    """The path of the innermost open container, or of its current member when `member`."""
    path = "$"
    for frame in stack[:-1]:
        path = frame.step(path)
    if member and stack:
        path = stack[-1].step(path)
    return path


@dataclass(slots=True)
class Scan:
    """Where a container scan stopped, and the repairs it would make."""

    end: int
    closed: bool
    # An error already recorded means the value must not be decoded (too deep, unterminated).
    failed: bool
    edits: list[tuple[int, int, str]]


def comment_end(text: str, start: int, stop: int | None = None) -> int:
    """The offset just past the comment at `start`, or -1 for a block comment not closed by
    `stop`."""
    stop = len(text) if stop is None else stop
    if text.startswith("//", start):
        end = text.find("\n", start, stop)
        return stop if end < 0 else end
    end = text.find("*/", start + 2, stop)
    return -1 if end < 0 else end + 2


def unterminated_comment(path: str, line: int) -> Finding:
    """The error for a `/*` that never closes."""
    return Finding(
        "error", "json.syntax", path, f"a /* comment is never closed (line {line})", line
    )


def _decode_string(token: str) -> str | None:
    try:
        value = json.loads(token)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


def _decode_key(token: str) -> str:
    if "\\" not in token:
        return token[1:-1]
    key = _decode_string(token)
    return key if key is not None else token[1:-1]


def has_lone_surrogate(token: str) -> bool:
    """True when a JSON string token escapes half of a UTF-16 pair without the other half."""
    if not _SURROGATE_ESCAPE.search(token):
        return False
    # The decoder joins a proper pair into one character; whatever surrogate is left is alone.
    value = _decode_string(token)
    return value is not None and _RAW_SURROGATE.search(value) is not None


def lone_surrogate(path: str, line: int) -> Finding:
    """The error for a string holding half of a UTF-16 surrogate pair."""
    return Finding(
        "error",
        "json.lone-surrogate",
        path,
        "a string holds half of a UTF-16 surrogate pair, which is not text",
        line,
    )


def scan_container(
    text: str,
    start: int,
    lines: Lines,
    limits: JsonLimits,
    repairs: list[Finding],
    errors: list[Finding],
    *,
    repair: bool = True,
) -> Scan:
    """Walk one container from `start` to its matching close, noting repairs and errors.

    Without `repair`, a comment is an error and a trailing comma is left for the decoder to
    refuse."""
    stack: list[_Frame] = []
    edits: list[tuple[int, int, str]] = []
    pending_comma = -1
    last_string: str | None = None
    pos = start
    while (m := TOKEN.search(text, pos)) is not None:
        tok = m.group()
        pos = m.end()
        c = tok[0]
        if c == '"':
            last_string = tok
            pending_comma = -1
            if "\\" in tok and has_lone_surrogate(tok):
                errors.append(lone_surrogate(_path(stack, member=True), lines.line(m.start())))
                if overflow(repairs, errors, limits, lines.line(m.start())):
                    return Scan(m.start(), False, True, edits)
        elif c == "/":
            if not repair:
                line = lines.line(m.start())
                errors.append(
                    Finding(
                        "error",
                        "json.syntax",
                        _path(stack),
                        f"a comment, which JSON does not allow (line {line})",
                        line,
                    )
                )
                return Scan(m.start(), False, True, edits)
            end = comment_end(text, m.start())
            if end < 0:
                errors.append(unterminated_comment(_path(stack), lines.line(m.start())))
                return Scan(len(text), False, True, edits)
            tok = text[m.start() : end]
            pos = end
            repairs.append(
                Finding(
                    "warning",
                    "json.comment",
                    _path(stack),
                    f"removed a comment, which JSON does not allow: {brief(tok)!r}",
                    lines.line(m.start()),
                )
            )
            edits.append((m.start(), end, _NOT_NEWLINE.sub(" ", tok)))
            if overflow(repairs, errors, limits, lines.line(m.start())):
                return Scan(m.start(), False, True, edits)
        elif c in "{[":
            if len(stack) >= limits.max_depth:
                errors.append(
                    Finding(
                        "error",
                        "json.too-deep",
                        "$",
                        f"nesting is deeper than the limit of {limits.max_depth}; "
                        "the body was not read",
                        lines.line(m.start()),
                    )
                )
                return Scan(m.start(), False, True, edits)
            stack.append(_Frame(c == "{"))
            pending_comma = -1
            last_string = None
        elif c in "}]":
            if not stack:
                # A stray close: the decoder will say what is wrong and where.
                return Scan(m.end(), False, False, edits)
            if repair and pending_comma >= 0 and GAP.fullmatch(text, pending_comma + 1, m.start()):
                repairs.append(
                    Finding(
                        "warning",
                        "json.trailing-comma",
                        _path(stack),
                        f"removed a trailing comma before '{c}', which JSON does not allow",
                        lines.line(pending_comma),
                    )
                )
                edits.append((pending_comma, pending_comma + 1, " "))
                if overflow(repairs, errors, limits, lines.line(m.start())):
                    return Scan(m.start(), False, True, edits)
            stack.pop()
            pending_comma = -1
            last_string = None
            if not stack:
                return Scan(m.end(), True, False, edits)
        elif c == ",":
            pending_comma = m.start()
            if stack:
                top = stack[-1]
                if top.is_object:
                    top.key = None
                else:
                    top.index += 1
            last_string = None
        elif c == ":":
            pending_comma = -1
            if stack and stack[-1].is_object and last_string is not None:
                top = stack[-1]
                key = _decode_key(last_string)
                if key in top.keys:
                    errors.append(
                        Finding(
                            "error",
                            "json.duplicate-key",
                            _path(stack),
                            f"key {brief(key)!r} appears more than once in this object; "
                            "the last value is kept",
                            lines.line(m.start()),
                        )
                    )
                    if overflow(repairs, errors, limits, lines.line(m.start())):
                        return Scan(m.start(), False, True, edits)
                top.keys.add(key)
                top.key = key
            last_string = None
        else:
            pending_comma = -1
            where = _path(stack, member=True)
            errors.append(nan_error(tok, where, lines.line(m.start())))
            if overflow(repairs, errors, limits, lines.line(m.start())):
                return Scan(m.start(), False, True, edits)
    return Scan(len(text), False, False, edits)


def overflow(repairs: list[Finding], errors: list[Finding], limits: JsonLimits, line: int) -> bool:
    """Stop with an error once a body has more findings than anyone would read."""
    if len(repairs) + len(errors) < limits.max_findings:
        return False
    errors.append(
        Finding(
            "error",
            "json.too-many-findings",
            "$",
            f"stopped reading after {limits.max_findings} repairs and errors",
            line,
        )
    )
    return True


def nan_error(literal: str, path: str, line: int) -> Finding:
    """The error for a `NaN`/`Infinity` literal."""
    return Finding(
        "error",
        "json.nan-literal",
        path,
        f'{literal} is not valid JSON; Graph sends such numbers as strings ("NaN", "INF", "-INF")',
        line,
    )


def too_large(size: int, limit: int, line: int) -> Finding:
    """The error for a body over the size limit."""
    return Finding(
        "error",
        "json.too-large",
        "$",
        f"the body is {size} bytes, over the limit of {limit}; it was not read",
        line,
    )


def _utf8_size(text: str, limit: int) -> int:
    # Every character is at least one byte and at most four, so most sizes need no encoding.
    if len(text) > limit or len(text) * 4 <= limit:
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def to_text(data: str | bytes | bytearray, limits: JsonLimits, first_line: int) -> str | Finding:
    """The body as text within the size limit, or the error that refuses it."""
    if isinstance(data, bytes | bytearray | memoryview):
        raw = bytes(data)
        if len(raw) > limits.max_bytes:
            return too_large(len(raw), limits.max_bytes, first_line)
        try:
            # UTF-8 itself refuses encoded surrogates, so decoded bytes hold none.
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return Finding(
                "error",
                "json.invalid-utf8",
                "$",
                f"the body is not valid UTF-8 at byte offset {exc.start} ({exc.reason})",
                first_line + raw.count(b"\n", 0, exc.start),
            )
    size = _utf8_size(data, limits.max_bytes)
    if size > limits.max_bytes:
        return too_large(size, limits.max_bytes, first_line)
    raw_surrogate = _RAW_SURROGATE.search(data)
    if raw_surrogate is not None:
        return lone_surrogate("$", first_line + data.count("\n", 0, raw_surrogate.start()))
    return data


@dataclass(frozen=True, slots=True)
class DecodeFailure:
    """Why the decoder gave no value: a message, and its offset in the segment when known."""

    message: str
    pos: int | None = None
    code: str = "json.syntax"

    def finding(self, offset: int, lines: Lines) -> Finding:
        """The error finding, located in the page."""
        if self.pos is None:
            line = lines.line(offset)
            return Finding("error", self.code, "$", f"{self.message}; the body was not read", line)
        at = offset + self.pos
        line = lines.line(at)
        message = f"{self.message} at line {line}, column {lines.column(at)}"
        return Finding("error", self.code, "$", message, line)


def decode(segment: str) -> tuple[object, int] | DecodeFailure:
    """`(value, characters used)` of the JSON value at the start of `segment`, or why not.

    The caller has already bounded the depth; the decoder's own limits (recursion, integer
    digits) are still caught, so no input escapes as an exception."""
    try:
        return DECODER.raw_decode(segment)
    except json.JSONDecodeError as exc:
        return DecodeFailure(exc.msg, exc.pos)
    except RecursionError:
        return DecodeFailure("nesting is too deep for the decoder", None, "json.too-deep")
    except ValueError as exc:  # an integer longer than int() converts
        return DecodeFailure(str(exc).split(";", 1)[0], None, "json.bad-number")


# The fast path: strings as the decoder reads them (exact for valid JSON; anything it gets
# wrong fails to decode and takes the careful path), and what is left once they are gone.
# A string that never closes runs to the end of the text, so every match attempt succeeds and
# the scan stays linear whatever quotes and backslashes a body holds.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\(?:.|\Z))*+(?:"|\Z)', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
# JSON's own whitespace; `\s` would also take form feeds and Unicode spaces.
_JSON_WS = re.compile(r"[ \t\n\r]*")


class _Careful(Exception):
    """Raised inside the fast decoder: this body needs the careful path."""


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _Careful
    return out


def _refuse_constant(name: str) -> object:
    raise _Careful  # NaN/Infinity: the careful path says where


_FAST_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_refuse_constant)


def _outside_strings(text: str) -> str:
    """The text with every string taken out, as `_JSON_STRING` finds them."""
    if "\\" not in text:
        # Without a backslash no quote is escaped: quotes open and close strings in turn.
        return "".join(text.split('"')[::2])
    return _JSON_STRING.sub("", text)


def _fast(text: str, limits: JsonLimits) -> tuple[object] | None:
    """The value of an ordinary body, or None when anything needs the careful path (which
    alone reports findings, so both paths refuse exactly the same bodies)."""
    if _SURROGATE_ESCAPE.search(text):
        return None
    # No deeper than its number of opening brackets, strings included: most bodies need no
    # scan for the strings. A slash outside a string (a comment) fails to decode either way.
    if text.count("{") + text.count("[") > limits.max_depth:
        structure = _outside_strings(text)
        if "/" in structure:  # a comment, or a stray slash: both are errors to locate
            return None
        steps = map(_STEP.__getitem__, _BRACKET.findall(structure))
        if max(accumulate(steps), default=0) > limits.max_depth:
            return None
    try:
        return (_FAST_DECODER.decode(text.removeprefix("\ufeff")),)
    except (_Careful, ValueError, RecursionError):
        return None


def read_json(
    data: str | bytes | bytearray, *, limits: JsonLimits = DEFAULT_LIMITS, first_line: int = 1
) -> JsonResult:
    """Read exactly one strict JSON value within `limits`; every refusal is an error finding."""
    text = to_text(data, limits, first_line)
    if isinstance(text, Finding):
        return JsonResult(None, (text,))
    fast = _fast(text, limits)
    if fast is not None:
        return JsonResult(fast[0], ())
    return _careful(text, limits, first_line)


def _careful(text: str, limits: JsonLimits, first_line: int) -> JsonResult:
    """`read_json` by the token scanner: slower, and it says what is wrong and where."""
    lines = Lines(text, first_line)
    errors: list[Finding] = []
    # RFC 8259 lets a reader skip a byte-order mark; nothing else may precede the value.
    start = _JSON_WS.match(text, 1 if text.startswith("\ufeff") else 0)
    pos = start.end() if start else 0
    if pos >= len(text):
        return JsonResult(None, (DecodeFailure("no JSON value", pos).finding(0, lines),))
    if text[pos] in "{[":
        scan = scan_container(text, pos, lines, limits, [], errors, repair=False)
        if scan.failed:
            return JsonResult(None, tuple(errors))
    else:
        literal = NAN.match(text, pos)
        if literal is not None:
            errors.append(nan_error(literal.group(), "$", lines.line(pos)))
        elif text[pos] == '"':
            token = TOKEN.match(text, pos)
            if token is not None and has_lone_surrogate(token.group()):
                errors.append(lone_surrogate("$", lines.line(pos)))
    decoded = decode(text[pos:])
    if isinstance(decoded, DecodeFailure):
        return JsonResult(None, (*errors, decoded.finding(pos, lines)))
    value, used = decoded
    rest = _JSON_WS.match(text, pos + used)
    end = rest.end() if rest else pos + used
    if end < len(text):
        errors.append(DecodeFailure("unexpected text after the JSON value", end).finding(0, lines))
    if errors:
        return JsonResult(None, tuple(errors))
    return JsonResult(value, ())
