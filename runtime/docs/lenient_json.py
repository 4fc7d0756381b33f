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

import re
from dataclasses import dataclass, field

from runtime.checking.findings import Finding
from runtime.checking.json_reader import (
    DEFAULT_LIMITS,
    NAN,
    TOKEN,
    WS,
    DecodeFailure,
    JsonLimits,
    Lines,
    brief,
    comment_end,
    decode,
    has_lone_surrogate,
    lone_surrogate,
    nan_error,
    overflow,
    scan_container,
    to_text,
    unterminated_comment,
)

__all__ = [
    "DEFAULT_LIMITS",
    "JsonLimits",
    "LenientResult",
    "find_value_end",
    "parse_lenient",
]


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


# The next line that begins a container: where a value resumes after prose.
_NEXT_VALUE_LINE = re.compile(r"^[ \t]*[\[{]", re.MULTILINE)


def find_value_end(text: str, start: int = 0, stop: int | None = None) -> int | None:
    """The offset just past the container opening at `start`, or None if it does not close by
    `stop` (default: the end of `text`)."""
    stop = len(text) if stop is None else min(stop, len(text))
    if start >= stop or text[start] not in "{[":
        return None
    depth = 0
    pos = start
    while (m := TOKEN.search(text, pos, stop)) is not None:
        pos = m.end()
        c = m.group()[0]
        if c == "/":
            pos = comment_end(text, m.start(), stop)
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


def parse_lenient(
    text: str | bytes, *, first_line: int = 1, limits: JsonLimits = DEFAULT_LIMITS
) -> LenientResult:
    """Read every JSON value in `text`, repairing and recording what JSON does not allow."""
    read = to_text(text, limits, first_line)
    if isinstance(read, Finding):
        return _failed(read)
    return _Reader(read, first_line, limits).read()


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
        self.lines = Lines(text, first_line)
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
                overflow(self.repairs, self.errors, self.limits, self.lines.line(pos))
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
                        f"skipped text between two JSON values: {brief(text[pos:value_at])!r}",
                        self.lines.line(pos),
                    )
                )
                pos = value_at
            end = self._container(pos) if text[pos] in "{[" else self._scalar(pos)
            if end is None:
                break
            pos = self._skip_top_comments(end)
        stopped = any(f.code == "json.too-many-findings" for f in self.errors)
        if len(self.values) > 1 and not stopped:
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
            ws = WS.match(text, pos)
            pos = ws.end() if ws else pos
            if not text.startswith(("//", "/*"), pos):
                return pos
            end = comment_end(text, pos)
            if end < 0:
                self.errors.append(unterminated_comment("$", self.lines.line(pos)))
                return None
            self.repairs.append(
                Finding(
                    "warning",
                    "json.comment",
                    "$",
                    f"removed a comment outside the JSON value: {brief(text[pos:end])!r}",
                    self.lines.line(pos),
                )
            )
            pos = end

    def _container(self, start: int) -> int | None:
        scan = scan_container(self.text, start, self.lines, self.limits, self.repairs, self.errors)
        if scan.failed:
            return None
        segment = _apply(self.text, start, scan.end, scan.edits)
        return self._decode(segment, start)

    def _scalar(self, start: int) -> int | None:
        nan = NAN.match(self.text, start)
        if nan:
            self.errors.append(nan_error(nan.group(), "$", self.lines.line(start)))
        elif self.text.startswith('"', start):
            token = TOKEN.match(self.text, start)
            if token is not None and has_lone_surrogate(token.group()):
                self.errors.append(lone_surrogate("$", self.lines.line(start)))
        # A scalar ends at the first character that cannot continue it; a newline bounds the
        # search so a long page after a bare word is not copied.
        stop = self.text.find("\n", start)
        stop = len(self.text) if stop < 0 else stop
        return self._decode(self.text[start:stop], start)

    def _decode(self, segment: str, offset: int) -> int | None:
        decoded = decode(segment)
        if isinstance(decoded, DecodeFailure):
            self.errors.append(decoded.finding(offset, self.lines))
            return None
        value, used = decoded
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
