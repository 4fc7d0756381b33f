"""Documentation pages read into examples: each request, response and notification body on a page.

Two page formats are read, detected from the content:

* ``text``: a page as a browser shows it, copied to plain text (the Microsoft Learn pages in
  other languages come this way). Prose, request lines (``POST https://…``), status lines
  (``HTTP/1.1 201 Created``), header lines and JSON bodies follow each other with no markup, and
  SDK snippets in other languages sit between them. A body is only ever looked for right after a
  request or status line and its headers, which is what keeps C# braces or a JSON blob quoted in
  prose from being read as examples.
* ``markdown``: the Graph docs source, with fenced ```` ```http ```` / ```` ```json ```` blocks,
  each introduced by an HTML comment holding block metadata (``blockType``, ``name``,
  ``@odata.type``, ``truncated``, ``isCollection``).

Kinds: a request to a Graph host is a ``request``; a ``POST`` to any other host (the bot's
callback) is a ``notification``; a status line starts a ``response``, paired with the nearest
request before it that has no response yet. Request lines with a relative URL
(``POST /communications/calls``) are the syntax section, not examples; except on a Markdown page,
where a block holding one such line followed by headers or a body (or marked as a request) is an
example request to Graph, its URL kept as written.

Example ids are ``"{page stem}#{n:02d}-{kind}"``, where ``n`` counts the HTTP blocks on the page
(1-based, every kind together, in page order). A block holding several JSON values gives one
example per value; the second and later get ``.2``, ``.3``…, as in
``000_07ddc1617f89e2b3#18-notification.2``. Ids stay put while no block above is added or removed.

Lines are 1-based page lines. Line endings are normalised to ``\\n`` before reading.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from runtime.checking.findings import Finding, Severity
from runtime.docs.lenient_json import find_value_end, parse_lenient

__all__ = ["Example", "ExampleKind", "Page", "PageFormat", "read_page", "read_text"]

ExampleKind = Literal["request", "response", "notification"]
PageFormat = Literal["text", "markdown"]


@dataclass(frozen=True, slots=True)
class Example:
    """One JSON body on a page, with the HTTP envelope it came in and what reading it found."""

    id: str
    file: str
    # Line of the body's first character; of the request or status line when there is no body.
    line: int
    kind: ExampleKind
    method: str | None
    url: str | None
    status: int | None
    status_line: str | None
    headers: tuple[tuple[str, str], ...]
    # The body exactly as written on the page ("" when the block has none).
    body_text: str
    # The parsed JSON; None when there is no body or it could not be read (see `errors`).
    value: object = field(hash=False)
    repairs: tuple[Finding, ...]
    errors: tuple[Finding, ...]
    request_id: str | None
    heading: str
    doc_type: str | None
    name: str | None
    truncated: bool = False
    is_collection: bool = False
    has_body: bool = True
    # The block's metadata comment as written (Markdown pages only).
    block_meta: Mapping[str, object] = field(default_factory=dict, hash=False, compare=False)
    # From a block marked `ignored`: still checked, its findings lowered to warnings.
    ignored: bool = False
    # Why the body was not read as JSON (its content type or shape), or None.
    not_json: str | None = None

    @property
    def ok(self) -> bool:
        """True when the body was read without errors."""
        return not self.errors


@dataclass(frozen=True, slots=True)
class Page:
    """A documentation page: its examples in page order and the problems found on the page."""

    file: str
    format: PageFormat
    examples: tuple[Example, ...]
    findings: tuple[Finding, ...] = ()

    def by_kind(self, kind: ExampleKind) -> tuple[Example, ...]:
        """The examples of one kind, in page order."""
        return tuple(e for e in self.examples if e.kind == kind)

    def example(self, example_id: str) -> Example:
        """The example with this id; KeyError when there is none."""
        for e in self.examples:
            if e.id == example_id:
                return e
        raise KeyError(example_id)


_METHODS = "GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS"
_REQUEST = re.compile(rf"^({_METHODS})\s+(\S+)(?:\s+HTTP/\d(?:\.\d)?)?\s*$")
# A syntax line may hold spaces in its placeholders (`GET /users/{id | userPrincipalName}`).
_LOOSE_REQUEST = re.compile(rf"^({_METHODS})\s+/")
# Pages write URLs unencoded: spaces in a query (`?$filter=name eq 'a b'`), in function
# parameters (`search(q='a b')`, `resizedRange(deltaRows=1, deltaColumns=1)`) or in placeholders
# (`{id | userPrincipalName}`).
_SPACED_REQUEST = re.compile(
    rf"^({_METHODS})\s+((?:https?://|/)\S.*?)(?:\s+HTTP/\d(?:\.\d)?)?\s*$", re.IGNORECASE
)
_QUOTED_OR_PLACEHOLDER = re.compile(r"'[^']*'|\{[^{}]*\}|\([^()\s][^()]*\)")


def _request_line(s: str) -> tuple[str, str] | None:
    """The method and URL of a request line; an absolute URL may hold spaces where pages write
    them (query, quoted parameters, placeholders), never elsewhere (that is prose)."""
    m = _REQUEST.match(s)
    if m is not None:
        return m.group(1), m.group(2)
    m = _SPACED_REQUEST.match(s)
    if m is None or not m.group(1).isupper():
        return None
    path = _QUOTED_OR_PLACEHOLDER.sub("", m.group(2).partition("?")[0])
    return (m.group(1), m.group(2)) if not any(c.isspace() for c in path) else None


# Content types whose bodies are JSON; any other declared type is not parsed as JSON.
_JSON_CONTENT_TYPE = re.compile(r"^\s*(?:application|text)/(?:[\w.+-]*\+)?json\b", re.I)
# A first token after `[` that can start a JSON value (`[Zip file…]` and `[bytes]` can't).
_JSON_AFTER_BRACKET = re.compile(r'^\[\s*(?:["{\[\]\-0-9]|true\b|false\b|null\b)')
# `{Raw bytes of the file}`: words in braces, no key, no quote: a placeholder, not an object.
_PLACEHOLDER_OBJECT = re.compile(r'^\{[^"{}:\n]*\}\s*$')
# Keys that make a POST body a change or calls notification (a POST elsewhere is a request to
# another service: an upload URL, a partner's endpoint).
_NOTIFICATION_KEYS = frozenset(
    {"changeType", "resourceData", "resourceUrl", "subscriptionId", "clientState", "resource"}
)
_STATUS = re.compile(r"^(HTTP/\d(?:\.\d)?)\s+(\d{3})(?:\s+(.*?))?\s*$")
_HEADER = re.compile(r"^([A-Za-z][A-Za-z0-9-]*):[ \t]*(.*?)\s*$")
_GRAPH_URL = re.compile(
    r"^https?://(?:(?:dod-)?graph\.microsoft\.(?:com|us)|microsoftgraph\.chinacloudapi\.cn"
    r"|canary\.graph\.microsoft\.com)(?:[/?#:]|$)",
    re.IGNORECASE,
)
_ABSOLUTE_URL = re.compile(r"^https?://", re.IGNORECASE)
# Headings in the plain-text format: a numbered example title, or a sub-heading under it.
_TITLE = re.compile(r"^(?:示例\s*\d+|Example\s+\d+)\s*[:：.]")
_SUBHEADING = re.compile(
    r"^(?:请求|响应|Request|Response)$|^(?:通知|Notification)\s*[-–—:：]\s*\S",
    re.IGNORECASE,
)
_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.+?)\s*#*\s*$")
_TAB = re.compile(r"^\[[^\]]*\]\(#tab/")
_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})\s*(.*?)\s*$")
_HTTP_LANGS = frozenset({"http", "https", "msgraph-interactive"})
_JSON_LANGS = frozenset({"json", "jsonc", "json5"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
# Lines of code that a caption check must not take for prose.
_CODE_LINE = re.compile(r"\s=\s|:=|[;{\\,]$|^(?://|/\*|#|\$|<|[\[{\"'])")


def _is_json_start(line: str) -> bool:
    return line.lstrip()[:1] in ("{", "[")


def _is_caption(line: str) -> bool:
    """A short line of prose that labels the body after it (not code, not an HTTP line)."""
    s = line.strip()
    if not s or len(s) > 120:
        return False
    if _REQUEST.match(s) or _STATUS.match(s) or _TITLE.match(s) or _SUBHEADING.match(s):
        return False
    return _CODE_LINE.search(s) is None


def _not_json(headers: list[tuple[str, str]], body: str) -> str | None:
    """Why a body is not JSON (its declared content type, or its shape); None when it is."""
    declared = next((v for k, v in reversed(headers) if k.lower() == "content-type"), None)
    if declared and not _JSON_CONTENT_TYPE.match(declared):
        return f"its Content-Type is {declared.split(';')[0].strip()}"
    s = body.lstrip()
    if _PLACEHOLDER_OBJECT.match(s):
        return f"it is a placeholder: {_brief(s, 40)!r}"
    if s.startswith(("{", '"')) or _JSON_AFTER_BRACKET.match(s):
        return None
    return f"it does not start like JSON: {_brief(s, 40)!r}"


def _notification_shaped(value: object) -> bool:
    """True for a body shaped like a Graph notification: a `value` list of notifications, or one."""
    if type(value) is not dict:
        return False
    declared = value.get("@odata.type")
    if type(declared) is str and declared.lower().endswith(("notification", "notifications")):
        return True
    items = value.get("value")
    if type(items) is list:
        return all(type(i) is dict and not _NOTIFICATION_KEYS.isdisjoint(i) for i in items)
    return len(_NOTIFICATION_KEYS.intersection(value)) >= 2


def _brief(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _skip_blank(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i


def _body_start(lines: list[str], k: int) -> tuple[int | None, int | None]:
    """Where a JSON body starts at or after line index `k`, and the caption line skipped on the
    way (the seed labels its roster bodies with one); (None, None) when no body follows."""
    k = _skip_blank(lines, k)
    if k >= len(lines):
        return None, None
    if _is_json_start(lines[k]):
        return k, None
    if _is_caption(lines[k]):
        after = _skip_blank(lines, k + 1)
        if after < len(lines) and _is_json_start(lines[after]):
            return after, k
    return None, None


@dataclass(slots=True)
class _Envelope:
    """The HTTP part of a block: what came before the body."""

    kind: ExampleKind
    line: int
    heading: str
    method: str | None = None
    url: str | None = None
    status: int | None = None
    status_line: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    meta: dict[str, object] = field(default_factory=dict)
    ignored: bool = False


def _envelope_from(first: str, line: int, heading: str) -> _Envelope | None:
    """The envelope a request or status line starts; None for anything else or a syntax line."""
    s = first.strip()
    m = _STATUS.match(s)
    if m:
        return _Envelope("response", line, heading, status=int(m.group(2)), status_line=s)
    found = _request_line(s)
    if found is None:
        return None
    method, url = found
    if not _ABSOLUTE_URL.match(url):
        return None
    kind: ExampleKind = "request"
    if method == "POST" and not _GRAPH_URL.match(url):
        kind = "notification"
    return _Envelope(kind, line, heading, method=method, url=url)


class _Builder:
    """Turns envelopes and bodies into examples, numbering blocks and pairing responses."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.stem = Path(file).stem
        self.examples: list[Example] = []
        self.findings: list[Finding] = []
        self.blocks = 0
        # Ignored blocks are numbered apart, so that marking a block ignored (or not) moves no
        # other example's id.
        self.ignored_blocks = 0
        self.unanswered: str | None = None
        # The last request on the page was in a block marked ignored: the response after it
        # answers that request, not nothing.
        self.skipped = False

    def note(self, severity: Severity, code: str, message: str, line: int) -> None:
        """Record a page-level problem."""
        self.findings.append(Finding(severity, code, "$", message, line))

    def caption(self, text: str, line: int) -> None:
        """Report prose between the headers and the body: it is not part of the body."""
        self.note(
            "warning",
            "page.prose-before-body",
            f"text between the headers and the body: {_brief(text)!r}",
            line,
        )

    def emit(self, env: _Envelope, body: str, first_line: int) -> None:
        """Add the examples of one block; `body` starts at page line `first_line`."""
        not_json = _not_json(env.headers, body) if body.strip() else None
        result = (
            parse_lenient(body, first_line=first_line) if body.strip() and not not_json else None
        )
        if env.kind == "notification" and body.strip():
            first = result.values[0] if result is not None and result.values else None
            if not_json or (first is not None and not _notification_shaped(first)):
                # A POST to another host that carries no notification: a request to that
                # service (an upload URL, a partner's endpoint), which Graph's metadata does not
                # describe.
                env.kind = "request"
        if env.ignored:
            self.ignored_blocks += 1
            base = f"{self.stem}#ignored-{self.ignored_blocks:02d}-{env.kind}"
        else:
            self.blocks += 1
            base = f"{self.stem}#{self.blocks:02d}-{env.kind}"
        request_id = self._pair(env)
        if env.kind == "request":
            self.unanswered, self.skipped = base, False
        if not body.strip():
            self._no_body(env)
            self._add(env, base, env.line, "", None, (), (), request_id, has_body=False)
            return
        if not_json or result is None:
            start = len(body) - len(body.lstrip())
            line = first_line + body.count("\n", 0, start)
            self._add(env, base, line, body.strip(), None, (), (), request_id, not_json=not_json)
            return
        if not result.values:
            start = len(body) - len(body.lstrip())
            line = first_line + body.count("\n", 0, start)
            self._add(
                env, base, line, body.strip(), None, result.repairs, result.errors, request_id
            )
            return
        # Each finding goes to the first value that ends at or after its line, so the prose
        # between two values is reported on the value it introduces.
        ends = [first_line + body.count("\n", 0, end - 1) for _, end in result.value_spans]
        repairs: list[list[Finding]] = [[] for _ in ends]
        errors: list[list[Finding]] = [[] for _ in ends]
        for found, owned in ((result.repairs, repairs), (result.errors, errors)):
            for f in found:
                k = next((i for i, e in enumerate(ends) if f.line is None or f.line <= e), -1)
                owned[k].append(f)
        for k, (start, end) in enumerate(result.value_spans):
            self._add(
                env,
                base if k == 0 else f"{base}.{k + 1}",
                result.value_lines[k],
                body[start:end],
                result.values[k],
                tuple(repairs[k]),
                tuple(errors[k]),
                request_id,
            )

    def skip_request(self) -> None:
        """A request in a block marked ignored: not an example, but the response after it
        answers it."""
        self.unanswered, self.skipped = None, True

    def _pair(self, env: _Envelope) -> str | None:
        """The request a response answers: the nearest one before it still unanswered."""
        if env.kind != "response":
            return None
        request_id, self.unanswered = self.unanswered, None
        skipped, self.skipped = self.skipped, False
        if request_id is None and not skipped and not env.ignored:
            self.note(
                "warning",
                "page.response-without-request",
                f"response {env.status_line!r} follows no unanswered request",
                env.line,
            )
        return request_id

    def _no_body(self, env: _Envelope) -> None:
        if env.ignored:
            return
        if env.kind == "notification":
            self.note(
                "warning",
                "page.notification-without-body",
                f"notification {env.method} {env.url} has no body",
                env.line,
            )
        elif env.kind == "request" and env.method in _BODY_METHODS:
            # Some actions (keepAlive, for one) really take no body, so this is only a note.
            self.note(
                "info",
                "page.request-without-body",
                f"request {env.method} {env.url} has no body",
                env.line,
            )

    def _add(
        self,
        env: _Envelope,
        eid: str,
        line: int,
        body_text: str,
        value: object,
        repairs: tuple[Finding, ...],
        errors: tuple[Finding, ...],
        request_id: str | None,
        *,
        has_body: bool = True,
        not_json: str | None = None,
    ) -> None:
        meta = env.meta
        doc_type = meta.get("@odata.type")
        name = meta.get("name")
        self.examples.append(
            Example(
                id=eid,
                file=self.file,
                line=line,
                kind=env.kind,
                method=env.method,
                url=env.url,
                status=env.status,
                status_line=env.status_line,
                headers=tuple(env.headers),
                body_text=body_text,
                value=value,
                repairs=repairs,
                errors=errors,
                request_id=request_id,
                heading=env.heading,
                doc_type=doc_type if isinstance(doc_type, str) else None,
                name=name if isinstance(name, str) else None,
                truncated=meta.get("truncated") is True,
                is_collection=meta.get("isCollection") is True,
                has_body=has_body,
                block_meta=dict(meta),
                ignored=env.ignored,
                not_json=not_json,
            )
        )

    def page(self, fmt: PageFormat) -> Page:
        # Findings are noted when a block is settled, which can be after later ones; report
        # them in page order.
        ordered = sorted(self.findings, key=lambda f: f.line or 0)
        return Page(self.file, fmt, tuple(self.examples), tuple(ordered))


class _PageLines:
    """The page split into lines, with each line's offset for mapping JSON ends back to lines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        self.starts: list[int] = []
        at = 0
        for line in self.lines:
            self.starts.append(at)
            at += len(line) + 1

        self._stops: list[int] | None = None

    def index_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) - 1

    def bound_after(self, i: int) -> int:
        """The offset where the first line after line index `i` that ends any body begins."""
        if self._stops is None:
            self._stops = [j for j, line in enumerate(self.lines) if _stops_body(line)]
        k = bisect.bisect_right(self._stops, i)
        return self.starts[self._stops[k]] if k < len(self._stops) else len(self.text)


def _stops_body(line: str) -> bool:
    """A line that cannot be inside a JSON body: the next HTTP block or heading starts there."""
    s = line.strip()
    if _STATUS.match(s) or _TITLE.match(s) or _SUBHEADING.match(s):
        return True
    found = _request_line(s)
    return found is not None and _ABSOLUTE_URL.match(found[1]) is not None


def _value_last_line(pl: _PageLines, first: int) -> int | None:
    """The last line of the JSON value starting on line index `first`, None when it never ends."""
    line = pl.lines[first]
    start = pl.starts[first] + len(line) - len(line.lstrip())
    # Bounding the search by the next HTTP line or heading keeps a broken body from running on
    # into the rest of the page, and keeps a page of broken bodies linear to read.
    end = find_value_end(pl.text, start, pl.bound_after(first))
    return None if end is None else pl.index_of(end - 1)


class _TextHeadings:
    """Tracks the headings of a plain-text page, which has no markup to say which lines they are.

    A numbered title ("示例 6:…") belongs to the first request after it and what follows that
    request; a second request means the page moved on to an example whose title was lost.
    """

    def __init__(self) -> None:
        self.title: str | None = None
        self.title_has_request = False
        self.sub: str | None = None

    def see(self, line: str) -> None:
        if _TITLE.match(line):
            self.title, self.title_has_request, self.sub = line, False, None
        elif _SUBHEADING.match(line):
            self.sub = line

    def on_request(self) -> None:
        if self.title_has_request:
            self.title = None
        self.title_has_request = True

    def current(self) -> str:
        return " › ".join(h for h in (self.title, self.sub) if h)


def _read_plain(text: str, file: str) -> Page:
    b = _Builder(file)
    pl = _PageLines(text)
    lines = pl.lines
    heads = _TextHeadings()
    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        heads.see(stripped)
        env = _envelope_from(stripped, i + 1, "")
        if env is None:
            i += 1
            continue
        if env.kind == "request":
            heads.on_request()
        env.heading = heads.current()
        k = i + 1
        while k < len(lines) and (h := _HEADER.match(lines[k].strip())):
            env.headers.append((h.group(1), h.group(2)))
            k += 1
        first, caption = _body_start(lines, k)
        if caption is not None:
            b.caption(lines[caption], caption + 1)
        if first is None:
            b.emit(env, "", env.line)
            i = k
            continue
        last = _block_last_line(b, pl, first)
        b.emit(env, "\n".join(lines[first : last + 1]), first + 1)
        i = last + 1
    return b.page("text")


def _block_last_line(b: _Builder, pl: _PageLines, first: int) -> int:
    """The last line of a body block: one value, or several with short prose between them."""
    last = _value_last_line(pl, first)
    start = first
    while last is not None:
        nxt, _ = _body_start(pl.lines, last + 1)
        if nxt is None:
            return last
        start = nxt
        following = _value_last_line(pl, nxt)
        if following is None:
            last = None
            break
        last = following
    # The body never closes before the next HTTP line or heading: keep what lies before that,
    # so the JSON reader reports where it breaks.
    bound = pl.bound_after(start)
    stop = pl.index_of(bound) if bound < len(pl.text) else len(pl.lines)
    b.note("error", "page.unterminated-body", "a JSON body never closes", start + 1)
    while stop - 1 > start and not pl.lines[stop - 1].strip():
        stop -= 1
    return stop - 1


def _relative_request(
    content: list[str], j: int, first_line: int, marked: bool
) -> _Envelope | None:
    """A request to Graph written with a relative URL (`POST /communications/calls/{id}/answer`),
    as Graph docs examples often are; None for anything else.

    The syntax section lists its request lines alone, so a relative line is an example only when
    it is the block's one request line and has headers or a body after it, or the block is
    marked as a request.
    """
    found = _request_line(content[j].strip())
    if found is None or not found[1].startswith("/"):
        return None
    rest = [line.strip() for line in content[j + 1 :] if line.strip()]
    if any(_LOOSE_REQUEST.match(line) for line in rest) or not (rest or marked):
        return None
    return _Envelope("request", first_line + j, "", method=found[0], url=found[1])


class _MarkdownHeadings:
    """The heading above a point: the deepest one, after its example title (level 3) if any."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, str]] = []

    def see(self, level: int, title: str) -> None:
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self.stack.append((level, title))

    def current(self) -> str:
        if not self.stack:
            return ""
        deepest = self.stack[-1]
        title = next((h for h in self.stack if h[0] >= 3), deepest)
        return deepest[1] if title is deepest else f"{title[1]} › {deepest[1]}"


def _closes(line: str, fence: str) -> bool:
    s = line.strip()
    return (
        len(line) - len(line.lstrip(" ")) <= 3 and len(s) >= len(fence) and s == fence[0] * len(s)
    )


class _MarkdownReader:
    """Reads a Graph docs Markdown page block by block, carrying metadata and envelopes forward."""

    def __init__(self, text: str, file: str) -> None:
        self.b = _Builder(file)
        self.pl = _PageLines(text)
        self.heads = _MarkdownHeadings()
        self.meta: dict[str, object] | None = None
        # A request, notification or response envelope with no body of its own, waiting for a JSON
        # block.
        self.pending: _Envelope | None = None
        # The prose lines (and headings) since the last code block, to name a bare JSON block.
        self.prose: list[str] = []

    def read(self) -> Page:
        lines = self.pl.lines
        i = 0
        while i < len(lines):
            line = lines[i]
            fence = _FENCE.match(line)
            if fence:
                marker = fence.group(2)
                close = next(
                    (j for j in range(i + 1, len(lines)) if _closes(lines[j], marker)), None
                )
                if close is None:
                    self.b.note(
                        "error", "page.unterminated-fence", "a code block never closes", i + 1
                    )
                    close = len(lines)
                self._block(fence.group(3), lines[i + 1 : close], i + 2)
                self.meta = None
                self.prose = []
                i = close + 1
                continue
            heading = _MD_HEADING.match(line)
            # Language tabs ("# [C#](#tab/csharp)") are written as headings but are not ones.
            if heading and not _TAB.match(heading.group(2)):
                self.heads.see(len(heading.group(1)), heading.group(2))
                self.prose = [heading.group(2)]
            elif line.lstrip().startswith("<!--"):
                i = self._comment(i)
                continue
            elif line.strip() and not heading:
                self.prose.append(line.strip())
            i += 1
        self._flush()
        return self.b.page("markdown")

    def _comment(self, i: int) -> int:
        """Read an HTML comment starting on line index `i`; return the line index after it."""
        text = self.pl.text
        open_at = self.pl.starts[i] + self.pl.lines[i].index("<!--")
        close_at = text.find("-->", open_at + 4)
        if close_at < 0:
            self.b.note(
                "warning", "page.unterminated-comment", "an HTML comment never closes", i + 1
            )
            return len(self.pl.lines)
        inner = text[open_at + 4 : close_at]
        if inner.strip().startswith("{"):
            result = parse_lenient(inner, first_line=i + 1)
            meta = result.values[0] if len(result.values) == 1 else None
            if isinstance(meta, dict) and not result.errors:
                self.meta = meta
                self.b.findings.extend(result.repairs)
            else:
                self.b.note(
                    "warning",
                    "page.bad-block-metadata",
                    f"block metadata is not one JSON object: {_brief(inner)!r}",
                    i + 1,
                )
        return self.pl.index_of(close_at) + 1

    def _flush(self) -> None:
        if self.pending is not None:
            self.b.emit(self.pending, "", self.pending.line)
            self.pending = None

    def _block(self, info: str, content: list[str], first_line: int) -> None:
        meta = self.meta or {}
        block_type = meta.get("blockType")
        lang = info.split()[0].lower() if info.split() else ""
        if not lang:
            # An unlabelled block is read when its first line says what it is.
            j = next((j for j, line in enumerate(content) if line.strip()), None)
            if j is not None and _envelope_from(content[j], 0, "") is not None:
                lang = "http"
            elif j is not None and _is_json_start(content[j]):
                lang = "json"
        ignored = block_type == "ignored"
        if lang in _HTTP_LANGS:
            self._flush()
            self._http(content, first_line, meta, ignored)
        elif lang in _JSON_LANGS:
            self._json(content, first_line, meta, ignored)
        # Anything else is an SDK snippet or prose code; it is not an example.

    def _http(
        self, content: list[str], first_line: int, meta: dict[str, object], ignored: bool
    ) -> None:
        block_type = meta.get("blockType")
        j = next((j for j, line in enumerate(content) if line.strip()), None)
        env = None
        if j is not None:
            env = _envelope_from(content[j], first_line + j, self.heads.current())
            if env is None:
                env = _relative_request(content, j, first_line, block_type == "request")
                if env is not None:
                    env.heading = self.heads.current()
        if j is None or env is None:
            if block_type in ("request", "response") and not ignored:
                self.b.note(
                    "warning",
                    "page.unrecognized-http-block",
                    f"a {block_type} block does not start with a request or status line",
                    first_line,
                )
            return
        env.meta = meta
        env.ignored = ignored
        if (block_type == "response") != (env.kind == "response") and block_type in (
            "request",
            "response",
        ):
            self.b.note(
                "warning",
                "page.block-type-mismatch",
                f"the block is marked {block_type} but holds a {env.kind}",
                env.line,
            )
        k = j + 1
        # Some pages leave a blank line between the request line and its headers.
        after = _skip_blank(content, k)
        if after < len(content) and _HEADER.match(content[after].strip()):
            k = after
        while k < len(content) and (h := _HEADER.match(content[k].strip())):
            env.headers.append((h.group(1), h.group(2)))
            k += 1
        first, caption = _body_start(content, k)
        if caption is not None:
            self.b.caption(content[caption], first_line + caption)
        k = _skip_blank(content, k) if first is None else first
        body = "\n".join(content[k:])
        if not body.strip() and (env.method in _BODY_METHODS or env.kind == "response"):
            # Graph docs often put a notification's or a response's body in its own JSON block
            # after this one.
            self.pending = env
            return
        self.b.emit(env, body, first_line + k)

    def _json(
        self, content: list[str], first_line: int, meta: dict[str, object], ignored: bool
    ) -> None:
        body = "\n".join(content)
        block_type = meta.get("blockType")
        if block_type == "request" or block_type == "response":
            # A block marked as its own request or response is not the body of an envelope.
            self._flush()
            env = _Envelope(block_type, first_line, self.heads.current(), meta=meta)
            self.b.emit(env, body, first_line)
            return
        if self.pending is not None:
            env, self.pending = self.pending, None
            if meta:
                env.meta = {**env.meta, **meta}
            # An ignored body of a checked envelope is ignored as a whole.
            env.ignored = env.ignored or ignored
            self.b.emit(env, body, first_line)
            return
        named = _named_kind(" ".join(self.prose[-_PROSE_LINES:]))
        if named is not None and block_type in (None, "example", "ignored"):
            # Prose such as "the notification looks like this:" introduces a bare JSON block.
            env = _Envelope(named, first_line, self.heads.current(), meta=meta, ignored=ignored)
            self.b.emit(env, body, first_line)
            return
        if ignored:
            return
        self.b.note(
            "info",
            "page.json-without-envelope",
            "a JSON block with no request, response or notification line before it "
            "was not read as an example",
            first_line,
        )


# How far back prose may name the JSON block after it, and the words that name it (a
# notification first: "the response to the notification" describes a notification).
_PROSE_LINES = 3
_NAMED_KINDS: tuple[tuple[ExampleKind, re.Pattern[str]], ...] = (
    ("notification", re.compile(r"\bnotifications?\b", re.I)),
    ("response", re.compile(r"\bresponses?\b", re.I)),
)


def _named_kind(prose: str) -> ExampleKind | None:
    """The kind of body that prose before a bare JSON block names, if any."""
    return next((kind for kind, words in _NAMED_KINDS if words.search(prose)), None)


_MARKDOWN_HINT = re.compile(r"^ {0,3}(?:```|~~~)", re.MULTILINE)


def read_text(text: str, file: str) -> Page:
    """Read a page's text into examples, detecting whether it is Markdown or plain text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.startswith("\ufeff"):
        text = text[1:]
    if file.lower().endswith((".md", ".markdown")) or _MARKDOWN_HINT.search(text):
        return _MarkdownReader(text, file).read()
    return _read_plain(text, file)


def read_page(path: str | Path) -> Page:
    """Read a documentation page file into examples."""
    raw = Path(path).read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = raw.decode("utf-8", errors="replace")
        page = read_text(text, str(path))
        bad = Finding(
            "error",
            "page.invalid-utf8",
            "$",
            f"the page is not valid UTF-8 at byte offset {exc.start}; "
            "bad bytes were replaced with U+FFFD",
            1 + raw.count(b"\n", 0, exc.start),
        )
        return Page(page.file, page.format, page.examples, (bad, *page.findings))
    return read_text(text, str(path))
