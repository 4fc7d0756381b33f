"""SARIF 2.1.0 output of a docs report, and baselines: what a docs repository's CI needs.

`to_sarif(pages)` gives one run of the `graph-calls` tool with one result per finding (rule id =
finding code, level, message, file, line, column) so that code-scanning annotates pull requests;
a finding is placed on its property's key (or its array item) inside the page when its JSON path
can be found in the body as written, else on the body's first line.
`new_against(pages, baseline)` keeps only findings that a saved `--json` run does not have.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from codegen._process import version

from ..checking.findings import Finding
from .examples import PAGE_ITEM, ExampleReport, PageReport

__all__ = [
    "Baseline",
    "BaselineError",
    "json_positions",
    "load_baseline",
    "new_against",
    "to_sarif",
]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
_MAX_PAGE_CHARS = 16 * 1024 * 1024
_PATH_STEP = re.compile(r'\.([^.\[\]]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')
_DIGITS = re.compile(r"\d+")


def _uri(file: str) -> str:
    # A relative path as given on the command line, as a URI reference (spaces and the like
    # escaped), so that CI resolves it against the checkout.
    return quote(PurePath(file).as_posix(), safe="/:@!$&'()*+,;=-._~")


def _steps(path: str) -> tuple[str | int, ...] | None:
    """The keys and indexes of a finding's JSON path (`$.value[0]["odata.type"]`)."""
    if not path.startswith("$"):
        return None
    pos, steps = 1, list[str | int]()
    while pos < len(path):
        m = _PATH_STEP.match(path, pos)
        if m is None:
            return None
        name, index, quoted = m.groups()
        steps.append(int(index) if index is not None else name or json.loads(quoted))
        pos = m.end()
    return tuple(steps)


def _string_end(text: str, i: int) -> int:
    """The offset after the string starting with the quote at `i` (or the end of the text)."""
    j = i + 1
    while j < len(text):
        c = text[j]
        if c == "\\":
            j += 2
        elif c == '"' or c == "\n":
            return j + 1
        else:
            j += 1
    return len(text)


def json_positions(text: str) -> dict[tuple[str | int, ...], int]:
    """The offset in `text` of every member's key and every array item, by path steps; `()` is
    the value itself. One pass, lenient like the page reader (comments, trailing commas)."""
    n = len(text)
    out: dict[tuple[str | int, ...], int] = {}
    # Per open container: its path, whether it is an object, and for an object whether a key
    # comes next and the last key, for an array the next index.
    frames: list[list[Any]] = []

    def value_at(at: int) -> tuple[str | int, ...]:
        if not frames:
            out.setdefault((), at)
            return ()
        path, is_object, _, last = frames[-1]
        if is_object:
            frames[-1][2] = True  # after this value, a key
            return (*path, last)
        frames[-1][3] = last + 1
        item = (*path, last)
        out.setdefault(item, at)
        return item

    i = 0
    while i < n:
        c = text[i]
        if c in " \t\r\n,:":
            i += 1
        elif c == "/" and text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif c == "/" and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end < 0 else end + 2
        elif c in "{[":
            frames.append([value_at(i), c == "{", True, "" if c == "{" else 0])
            i += 1
        elif c in "}]":
            if frames:
                frames.pop()
            i += 1
        else:
            j = _string_end(text, i) if c == '"' else i + 1
            if c != '"':
                while j < n and text[j] not in " \t\r\n,:}]":
                    j += 1
            if frames and frames[-1][1] and frames[-1][2]:
                raw = text[i:j]
                try:
                    key = json.loads(raw) if c == '"' else raw
                except ValueError:
                    key = raw.strip('"')
                frames[-1][2], frames[-1][3] = False, key
                out.setdefault((*frames[-1][0], key), i)
            else:
                value_at(i)
            i = j
    return out


class _Locator:
    """Where findings are in the pages: page lines read once per file, body positions once per
    example."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str] | None] = {}
        self._bodies: dict[int, tuple[dict[tuple[str | int, ...], int], list[int]]] = {}

    def page_lines(self, file: str) -> list[str] | None:
        if file not in self._lines:
            try:
                with Path(file).open(encoding="utf-8", errors="replace") as f:
                    self._lines[file] = f.read(_MAX_PAGE_CHARS).split("\n")
            except OSError:
                self._lines[file] = None
        return self._lines[file]

    def region(self, e: ExampleReport, f: Finding) -> dict[str, int]:
        """The line and column of a finding of an example: its path's key or item in the body,
        else its own line, else the body's first line."""
        first = e.line or 1
        located = self._in_body(e, f.path) if e.body_text else None
        if located is None or (f.line is not None and f.line != first + located[0]):
            # A repair knows its own line (the comma, the comment), which its path does not.
            return {"startLine": max(1, f.line or first), "startColumn": 1}
        line_offset, column = located
        if line_offset == 0:
            # The body's first line may start after other text on that page line.
            lines = self.page_lines(e.file)
            head = (e.body_text or "").split("\n", 1)[0]
            if lines is not None and 0 < first <= len(lines):
                at = lines[first - 1].find(head)
                column += max(at, 0)
        return {"startLine": first + line_offset, "startColumn": column + 1}

    def _in_body(self, e: ExampleReport, path: str) -> tuple[int, int] | None:
        text = e.body_text or ""
        found = self._bodies.get(id(e))
        if found is None:
            starts = [0]
            starts.extend(m.end() for m in re.finditer("\n", text))
            found = self._bodies[id(e)] = (json_positions(text), starts)
        positions, starts = found
        steps = _steps(path)
        if steps is None:
            return None
        # The nearest located ancestor: a finding about a value the body lacks (a required
        # property) sits on the object that should hold it.
        for cut in range(len(steps), -1, -1):
            offset = positions.get(steps[:cut])
            if offset is not None:
                line = _bisect(starts, offset)
                return line, offset - starts[line]
        return None


def _bisect(starts: list[int], offset: int) -> int:
    lo, hi = 0, len(starts)
    while lo + 1 < hi:
        mid = (lo + hi) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid
    return lo


def _result(
    file: str, region: dict[str, int], f: Finding, example: str | None, fingerprint: str
) -> dict[str, Any]:
    where = f"{example}: " if example else ""
    at = f" (at {f.path})" if f.path and f.path != "$" else ""
    return {
        "ruleId": f.code,
        "level": _LEVELS.get(f.severity, "note"),
        "message": {"text": f"{where}{f.message}{at}"},
        "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": _uri(file)}, "region": region}}
        ],
        "partialFingerprints": {"graphCallsFinding/v2": fingerprint},
    }


def _body_key(e: ExampleReport, f: Finding) -> tuple[str, ...]:
    """A body's finding, by what does not move when blocks are added above it: the file, the
    body's kind, method and URL (or status), the code and the JSON path."""
    where = e.url or (str(e.status) if e.status is not None else "")
    return (e.file, e.kind, e.method or "", where, f.code, f.path)


def _item_key(item: Mapping[str, Any], file: str, f: Mapping[str, Any]) -> tuple[str, ...]:
    """`_body_key` of a finding in a saved `--json` item."""
    status = item.get("status")
    where = item.get("url") or (str(status) if status is not None else "")
    return (
        file,
        str(item.get("kind")),
        str(item.get("method") or ""),
        str(where),
        str(f.get("code")),
        str(f.get("path")),
    )


def _shape(message: str) -> str:
    """A message with its numbers (lines, columns, counts) left out, so that edits above a
    finding do not make it another one."""
    return _DIGITS.sub("#", message)


def _page_key(file: str, f: Finding) -> tuple[str, ...]:
    return (file, f.code, _shape(f.message))


def _fingerprint(key: tuple[str, ...], seen: Counter[tuple[str, ...]]) -> str:
    """The key as text, with its occurrence number when the same key comes again."""
    seen[key] += 1
    return "|".join(key) + (f"|#{seen[key]}" if seen[key] > 1 else "")


def to_sarif(pages: Sequence[PageReport]) -> dict[str, Any]:
    """The report as one SARIF 2.1.0 log."""
    results: list[dict[str, Any]] = []
    locator = _Locator()
    seen: Counter[tuple[str, ...]] = Counter()
    for page in pages:
        for f in page.findings:
            region = {"startLine": max(1, f.line or 1), "startColumn": 1}
            fingerprint = _fingerprint(_page_key(page.file, f), seen)
            results.append(_result(page.file, region, f, None, fingerprint))
        for e in page.examples:
            for f in e.repairs + e.findings:
                fingerprint = _fingerprint(_body_key(e, f), seen)
                results.append(_result(e.file, locator.region(e, f), f, e.id, fingerprint))
    rules = sorted({r["ruleId"] for r in results})
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "graph-calls",
                        "version": version(),
                        "rules": [{"id": r, "shortDescription": {"text": r}} for r in rules],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


class BaselineError(ValueError):
    """A baseline file that is not a saved `examples --json` run."""


class Baseline:
    """The findings of a saved `--json` run, counted by keys that blocks added above them do
    not change: a body's by file, kind, method and URL (or status), code and JSON path; a
    page's own by file, code and message without its numbers. A finding beyond the count
    (a second one of the same key) is new."""

    def __init__(self, counts: Counter[tuple[str, ...]]) -> None:
        self.counts = counts


def load_baseline(text: str, name: str) -> Baseline:
    """The findings of a saved `--json` run."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise BaselineError(f"{name}: not JSON ({exc})") from None
    if not isinstance(data, list):
        raise BaselineError(f"{name}: expected the list that `examples --json` prints")
    counts: Counter[tuple[str, ...]] = Counter()
    for i, item in enumerate(data):
        if not isinstance(item, Mapping) or not isinstance(item.get("source"), Mapping):
            raise BaselineError(f"{name}: item [{i}] is not a report of one body")
        file = str(item["source"].get("file"))
        for group in ("repairs", "findings"):
            for f in item.get(group) or ():
                if not isinstance(f, Mapping):
                    continue
                if item.get("kind") == PAGE_ITEM:
                    counts[file, str(f.get("code")), _shape(str(f.get("message")))] += 1
                else:
                    counts[_item_key(item, file, f)] += 1
    return Baseline(counts)


def new_against(pages: Iterable[PageReport], baseline: Baseline) -> list[PageReport]:
    """The pages with only the findings that the baseline does not hold."""

    left = Counter(baseline.counts)

    def new(key: tuple[str, ...]) -> bool:
        if left[key] > 0:
            left[key] -= 1
            return False
        return True

    def fresh(e: ExampleReport, found: tuple[Finding, ...]) -> tuple[Finding, ...]:
        return tuple(f for f in found if new(_body_key(e, f)))

    def fresh_on_page(page: PageReport) -> tuple[Finding, ...]:
        return tuple(f for f in page.findings if new(_page_key(page.file, f)))

    return [
        replace(
            page,
            findings=fresh_on_page(page),
            examples=tuple(
                replace(e, repairs=fresh(e, e.repairs), findings=fresh(e, e.findings))
                for e in page.examples
            ),
        )
        for page in pages
    ]
