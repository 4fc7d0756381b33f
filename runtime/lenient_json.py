"""A lenient JSON reader for documentation bodies: reads what people wrote, records every repair.

Documentation examples are JSON written by hand. They carry trailing commas, `//` comments and
blocks that hold several values with a line of prose between them. Rejecting them would hide
everything else a validator could say, and repairing them quietly would hide the defects; so this
reader repairs and reports. Each repair is a warning `Finding` with the page line and the JSON path
of the container where it happened. Input that is not JSON at all, or is built to hurt (huge, very
deep, invalid UTF-8), yields error findings and never an exception.

The real parsing is the standard library's `json`. A small string-aware scanner runs first over
each value: it measures nesting depth (so the decoder never recurses too far), blanks comments and
trailing commas (with spaces, keeping every offset, so error lines and columns stay true), and
notes duplicate keys and `NaN`/`Infinity` literals with their paths, which the decoder cannot
report.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field

from runtime.findings import Finding

__all__ = [
    "DEFAULT_LIMITS",
    "JsonLimits",
    "LenientResult",
    "find_value_end",
    "parse_lenient",
]


@dataclass(frozen=True, slots=True)
class JsonLimits:
    """Bounds that keep hostile bodies cheap: size, nesting depth, values and findings per body."""

    max_bytes: int = 10 * 1024 * 1024
    max_depth: int = 512
    # A documentation block holds one value, rarely a few; thousands mean the input is not a page.
    max_values: int = 1000
    # Past this many repairs and errors a body is not worth reading further, and a report that
    # long helps nobody.
    max_findings: int = 1000


DEFAULT_LIMITS = JsonLimits()


@dataclass(frozen=True, slots=True)
class LenientResult:
    """What a body held: its JSON values with their page lines, the repairs made and the errors."""

    values: tuple[object, ...]
    value_lines: tuple[int, ...]
    repairs: tuple[Finding, ...]
    errors: tuple[Finding, ...]
    # Character offsets [start, end) of each value in the text that was read (decoded, for
    # bytes), so callers can cut each value's text exactly as written.
    value_spans: tuple[tuple[int, int], ...] = ()
    # Each value's text after the repairs (comments and trailing commas blanked with spaces).
    repaired_texts: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = field(init=False)

    def __post_init__(self) -> None:
        ordered = sorted(self.repairs + self.errors, key=lambda f: f.line or 0)
        object.__setattr__(self, "findings", tuple(ordered))

    @property
    def ok(self) -> bool:
        """True when at least one value was read and nothing was an error."""
        return bool(self.values) and not self.errors


# Strings come first so that `//`, `,` or `{` inside them are never mistaken for structure. A
# string also ends at a newline (JSON strings cannot hold one): one missing quote then cannot
# swallow the rest of the body, and every match attempt is bounded by its line, so no input makes
# the scan quadratic. Block comments are matched by their opening only and closed with `str.find`
# for the same reason.
_TOKEN = re.compile(
    r'"[^"\\\n]*(?:\\.?[^"\\\n]*)*(?:"|(?=\n)|\Z)'
    r"|//[^\n]*"
    r"|/\*"
    r"|[{}\[\],:]"
    r"|(?<![\w.])-?(?:NaN|Infinity)(?![\w.])"
)
# What may sit between a comma and the closing bracket for the comma to count as trailing.
_GAP = re.compile(r"(?:\s|//[^\n]*|/\*[\s\S]*?\*/)*")
_WS = re.compile(r"\s*")
# The next line that begins a container: where a value resumes after prose.
_NEXT_VALUE_LINE = re.compile(r"^[ \t]*[\[{]", re.MULTILINE)
_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_NAN = re.compile(r"-?(?:NaN|Infinity)(?![\w.])")
_NOT_NEWLINE = re.compile(r"[^\n]")

# `parse_constant=float` only turns the literals into values; the scanner reports them as errors.
_DECODER = json.JSONDecoder(parse_constant=float)


def _child(parent: str, key: str) -> str:
    if _IDENTIFIER.match(key):
        return f"{parent}.{key}"
    return f"{parent}[{json.dumps(key, ensure_ascii=False)}]"


def _brief(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class _Lines:
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
        return self._first + bisect.bisect_left(self._offsets(), pos)

    def column(self, pos: int) -> int:
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
            return _child(path, self.key if self.key is not None else "?")
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
class _Scan:
    end: int
    closed: bool
    # An error already recorded means the value must not be decoded (too deep, unterminated).
    failed: bool
    edits: list[tuple[int, int, str]]


def _comment_end(text: str, start: int, stop: int | None = None) -> int:
    """The offset just past the comment at `start`, or -1 for a block comment not closed by
    `stop`."""
    stop = len(text) if stop is None else stop
    if text.startswith("//", start):
        end = text.find("\n", start, stop)
        return stop if end < 0 else end
    end = text.find("*/", start + 2, stop)
    return -1 if end < 0 else end + 2


def _unterminated_comment(path: str, line: int) -> Finding:
    return Finding(
        "error", "json.syntax", path, f"a /* comment is never closed (line {line})", line
    )


def _decode_key(token: str) -> str:
    if "\\" not in token:
        return token[1:-1]
    try:
        key = json.loads(token)
    except ValueError:
        return token[1:-1]
    return key if isinstance(key, str) else token[1:-1]


def _scan_container(
    text: str,
    start: int,
    lines: _Lines,
    limits: JsonLimits,
    repairs: list[Finding],
    errors: list[Finding],
) -> _Scan:
    """Walk one container from `start` to its matching close, noting repairs and errors."""
    stack: list[_Frame] = []
    edits: list[tuple[int, int, str]] = []
    pending_comma = -1
    last_string: str | None = None
    pos = start
    while (m := _TOKEN.search(text, pos)) is not None:
        tok = m.group()
        pos = m.end()
        c = tok[0]
        if c == '"':
            last_string = tok
            pending_comma = -1
        elif c == "/":
            end = _comment_end(text, m.start())
            if end < 0:
                errors.append(_unterminated_comment(_path(stack), lines.line(m.start())))
                return _Scan(len(text), False, True, edits)
            tok = text[m.start() : end]
            pos = end
            repairs.append(
                Finding(
                    "warning",
                    "json.comment",
                    _path(stack),
                    f"removed a comment, which JSON does not allow: {_brief(tok)!r}",
                    lines.line(m.start()),
                )
            )
            edits.append((m.start(), end, _NOT_NEWLINE.sub(" ", tok)))
            if _overflow(repairs, errors, limits, lines.line(m.start())):
                return _Scan(m.start(), False, True, edits)
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
                return _Scan(m.start(), False, True, edits)
            stack.append(_Frame(c == "{"))
            pending_comma = -1
            last_string = None
        elif c in "}]":
            if not stack:
                # A stray close: the decoder will say what is wrong and where.
                return _Scan(m.end(), False, False, edits)
            if pending_comma >= 0 and _GAP.fullmatch(text, pending_comma + 1, m.start()):
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
                if _overflow(repairs, errors, limits, lines.line(m.start())):
                    return _Scan(m.start(), False, True, edits)
            stack.pop()
            pending_comma = -1
            last_string = None
            if not stack:
                return _Scan(m.end(), True, False, edits)
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
                            f"key {key!r} appears more than once in this object; "
                            "the last value is kept",
                            lines.line(m.start()),
                        )
                    )
                    if _overflow(repairs, errors, limits, lines.line(m.start())):
                        return _Scan(m.start(), False, True, edits)
                top.keys.add(key)
                top.key = key
            last_string = None
        else:
            pending_comma = -1
            where = _path(stack, member=True)
            errors.append(_nan_error(tok, where, lines.line(m.start())))
            if _overflow(repairs, errors, limits, lines.line(m.start())):
                return _Scan(m.start(), False, True, edits)
    return _Scan(len(text), False, False, edits)


def _overflow(repairs: list[Finding], errors: list[Finding], limits: JsonLimits, line: int) -> bool:
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


def _nan_error(literal: str, path: str, line: int) -> Finding:
    return Finding(
        "error",
        "json.nan-literal",
        path,
        f'{literal} is not valid JSON; Graph sends such numbers as strings ("NaN", "INF", "-INF")',
        line,
    )


def find_value_end(text: str, start: int = 0, stop: int | None = None) -> int | None:
    """The offset just past the container opening at `start`, or None if it does not close by
    `stop` (default: the end of `text`)."""
    stop = len(text) if stop is None else min(stop, len(text))
    if start >= stop or text[start] not in "{[":
        return None
    depth = 0
    pos = start
    while (m := _TOKEN.search(text, pos, stop)) is not None:
        pos = m.end()
        c = m.group()[0]
        if c == "/":
            pos = _comment_end(text, m.start(), stop)
            if pos < 0:
                return None
        elif c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
            if depth == 0:
                return m.end()
    return None


def _apply(text: str, start: int, end: int, edits: list[tuple[int, int, str]]) -> str:
    if not edits:
        return text[start:end]
    parts: list[str] = []
    at = start
    # A comment inside the gap after a trailing comma is recorded before the comma is.
    for a, b, replacement in sorted(edits):
        parts.append(text[at:a])
        parts.append(replacement)
        at = b
    parts.append(text[at:end])
    return "".join(parts)


def _too_large(size: int, limit: int, line: int) -> Finding:
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


def parse_lenient(
    text: str | bytes, *, first_line: int = 1, limits: JsonLimits = DEFAULT_LIMITS
) -> LenientResult:
    """Read every JSON value in `text`, repairing and recording what JSON does not allow."""
    if isinstance(text, bytes | bytearray):
        if len(text) > limits.max_bytes:
            return _failed(_too_large(len(text), limits.max_bytes, first_line))
        raw = bytes(text)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = first_line + raw.count(b"\n", 0, exc.start)
            return _failed(
                Finding(
                    "error",
                    "json.invalid-utf8",
                    "$",
                    f"the body is not valid UTF-8 at byte offset {exc.start} ({exc.reason})",
                    line,
                )
            )
    else:
        size = _utf8_size(text, limits.max_bytes)
        if size > limits.max_bytes:
            return _failed(_too_large(size, limits.max_bytes, first_line))
    return _Reader(text, first_line, limits).read()


def _failed(error: Finding) -> LenientResult:
    return LenientResult(values=(), value_lines=(), repairs=(), errors=(error,))


class _Reader:
    def __init__(self, text: str, first_line: int, limits: JsonLimits) -> None:
        self.repairs: list[Finding] = []
        self.errors: list[Finding] = []
        self.values: list[object] = []
        self.lines_of_values: list[int] = []
        self.spans: list[tuple[int, int]] = []
        self.repaired: list[str] = []
        # A byte-order mark is invisible on the page but breaks the decoder; it is stepped over
        # rather than cut off so that spans stay offsets into the caller's text.
        self.start = 0
        if text.startswith("\ufeff"):
            self.repairs.append(
                Finding("warning", "json.bom", "$", "skipped a byte-order mark", first_line)
            )
            self.start = 1
        self.text = text
        self.lines = _Lines(text, first_line)
        self.limits = limits

    def read(self) -> LenientResult:
        text = self.text
        pos = self._skip_top_comments(self.start)
        if pos is not None and pos >= len(text):
            self._syntax(pos, "no JSON value")
        while pos is not None and pos < len(text):
            if len(self.values) >= self.limits.max_values:
                self.errors.append(
                    Finding(
                        "error",
                        "json.too-many-values",
                        "$",
                        f"stopped reading after {self.limits.max_values} JSON values",
                        self.lines.line(pos),
                    )
                )
                break
            if len(self.repairs) + len(self.errors) >= self.limits.max_findings:
                _overflow(self.repairs, self.errors, self.limits, self.lines.line(pos))
                break
            if self.values and text[pos] not in "{[":
                nxt = _NEXT_VALUE_LINE.search(text, pos)
                if nxt is None:
                    self._syntax(pos, "unexpected text after the JSON value")
                    break
                value_at = nxt.end() - 1
                self.repairs.append(
                    Finding(
                        "warning",
                        "json.prose-between-values",
                        "$",
                        f"skipped text between two JSON values: {_brief(text[pos:value_at])!r}",
                        self.lines.line(pos),
                    )
                )
                pos = value_at
            end = self._container(pos) if text[pos] in "{[" else self._scalar(pos)
            if end is None:
                break
            pos = self._skip_top_comments(end)
        if len(self.values) > 1:
            self.repairs.append(
                Finding(
                    "warning",
                    "json.multiple-values",
                    "$",
                    f"the body holds {len(self.values)} JSON values; each is read on its own",
                    self.lines_of_values[1],
                )
            )
        return LenientResult(
            values=tuple(self.values),
            value_lines=tuple(self.lines_of_values),
            repairs=tuple(self.repairs),
            errors=tuple(self.errors),
            value_spans=tuple(self.spans),
            repaired_texts=tuple(self.repaired),
        )

    def _skip_top_comments(self, pos: int) -> int | None:
        text = self.text
        while True:
            ws = _WS.match(text, pos)
            pos = ws.end() if ws else pos
            if not text.startswith(("//", "/*"), pos):
                return pos
            end = _comment_end(text, pos)
            if end < 0:
                self.errors.append(_unterminated_comment("$", self.lines.line(pos)))
                return None
            self.repairs.append(
                Finding(
                    "warning",
                    "json.comment",
                    "$",
                    f"removed a comment outside the JSON value: {_brief(text[pos:end])!r}",
                    self.lines.line(pos),
                )
            )
            pos = end

    def _container(self, start: int) -> int | None:
        scan = _scan_container(self.text, start, self.lines, self.limits, self.repairs, self.errors)
        if scan.failed:
            return None
        segment = _apply(self.text, start, scan.end, scan.edits)
        return self._decode(segment, start)

    def _scalar(self, start: int) -> int | None:
        nan = _NAN.match(self.text, start)
        if nan:
            self.errors.append(_nan_error(nan.group(), "$", self.lines.line(start)))
        # A scalar ends at the first character that cannot continue it; a newline bounds the
        # search so a long page after a bare word is not copied.
        stop = self.text.find("\n", start)
        stop = len(self.text) if stop < 0 else stop
        return self._decode(self.text[start:stop], start)

    def _decode(self, segment: str, offset: int) -> int | None:
        try:
            value, used = _DECODER.raw_decode(segment)
        except json.JSONDecodeError as exc:
            self._syntax(offset + exc.pos, exc.msg)
            return None
        except RecursionError:
            self.errors.append(
                Finding(
                    "error",
                    "json.too-deep",
                    "$",
                    "nesting is too deep for the decoder; the body was not read",
                    self.lines.line(offset),
                )
            )
            return None
        self.values.append(value)
        self.lines_of_values.append(self.lines.line(offset))
        self.spans.append((offset, offset + used))
        self.repaired.append(segment[:used])
        return offset + used

    def _syntax(self, pos: int, what: str) -> None:
        line = self.lines.line(pos)
        column = self.lines.column(pos)
        self.errors.append(
            Finding(
                "error",
                "json.syntax",
                "$",
                f"{what} at line {line}, column {column}",
                line,
            )
        )
