"""Check documented examples: type, validate and round-trip each body, and render the report.

The Python API behind `python -m runtime examples` and `python -m runtime validate`:

- `check_page(path, policy=…)` reads a documentation page and returns one `ExampleReport` per
  body; `check_pages` keeps each page's own findings too.
- `validate_body(value, type=… | request=… | notification=True)` checks one parsed body.
- `render_text` and `render_json` turn reports into the CLI's output.

Each body is typed (`runtime.resolve_type`), then checked and read in one walk by the models
package's checker (`runtime.validate.check`) and, when it has no errors, the value read is
written back and compared with the body (`runtime.roundtrip`). Requests are what a
bot sends, so by default they are validated strictly; responses and notifications are what it
receives, so leniently (`Policy`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

from .findings import Finding, has_errors
from .models import Models, models_for
from .resolve_type import (
    RequestTyping,
    routes_of,
    type_bodiless_response,
    type_notification,
    type_request,
    type_response,
)
from .roundtrip import written_back
from .validate import DynamicType, Mode, TypeRef, check

Policy = Literal["by-direction", "strict", "lenient"]
"""How strictly to validate: requests strict and received bodies lenient, or one mode for all."""

Outcome = Literal["ok", "warnings", "errors"]


class ExampleLike(Protocol):
    """What this module needs of a documentation example (see `runtime.docpages.Example`)."""

    @property
    def id(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def method(self) -> str | None: ...
    @property
    def url(self) -> str | None: ...
    @property
    def status(self) -> int | None: ...
    @property
    def body_text(self) -> str | None: ...
    @property
    def value(self) -> Any: ...
    @property
    def repairs(self) -> Sequence[Finding]: ...
    @property
    def errors(self) -> Sequence[Finding]: ...
    @property
    def request_id(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class BodyReport:
    """One body's declared type, findings (typing and validation) and round-trip outcome."""

    type: str | None
    findings: tuple[Finding, ...] = ()
    roundtrip: bool | None = None


@dataclass(frozen=True, slots=True)
class ExampleReport:
    """The report of one documented body: where it is, what it is, and what is wrong with it."""

    id: str
    file: str
    line: int | None
    kind: str
    method: str | None
    url: str | None
    status: int | None
    type: str | None
    repairs: tuple[Finding, ...] = ()
    findings: tuple[Finding, ...] = ()
    roundtrip: bool | None = None

    @property
    def outcome(self) -> Outcome:
        """`errors`, `warnings` or `ok`, counting repairs too."""
        every = self.repairs + self.findings
        if has_errors(every):
            return "errors"
        return "warnings" if any(f.severity == "warning" for f in every) else "ok"

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of the report (one object per body)."""
        return {
            "id": self.id,
            "source": {"file": self.file, "line": self.line},
            "kind": self.kind,
            "method": self.method,
            "url": self.url,
            "status": self.status,
            "type": self.type,
            "repairs": [f.as_dict() for f in self.repairs],
            "findings": [f.as_dict() for f in self.findings],
            "roundtrip": self.roundtrip,
        }


@dataclass(frozen=True, slots=True)
class PageReport:
    """A page: its own findings (unreadable blocks and the like) and its examples' reports."""

    file: str
    format: str
    findings: tuple[Finding, ...] = ()
    examples: tuple[ExampleReport, ...] = ()

    @property
    def has_errors(self) -> bool:
        """True when the page or any of its examples has an error."""
        return has_errors(self.findings) or any(e.outcome == "errors" for e in self.examples)


@dataclass
class _Context:
    """What checking one page carries from example to example."""

    policy: Policy
    requests: dict[str, RequestTyping] = field(default_factory=dict)
    # Given: every body is checked with it. Else each request's URL (`/beta/`, `/v1.0/`)
    # chooses, and later bodies of the page use the last request's choice.
    models: Models | None = None
    current: Models | None = None

    def models_for(self, url: str | None = None) -> Models:
        """The models package for a body of this page (with the request URL, if it is one)."""
        if self.models is not None:
            return self.models
        if url is not None:
            self.current = models_for(url=url) if "/" in url else self.current
        if self.current is None:
            self.current = models_for()
        return self.current


def mode_for(kind: str, policy: Policy) -> Mode:
    """The validation mode of a body of this kind under the policy."""
    if policy == "by-direction":
        return "strict" if kind == "request" else "lenient"
    return policy


def check_body(
    value: Any,
    declared: TypeRef | None,
    *,
    mode: Mode,
    partial: bool,
    dynamic: Mapping[str, DynamicType] | None = None,
    typing_findings: Iterable[Finding] = (),
    models: Models | None = None,
) -> BodyReport:
    """Check and read a parsed body as `declared` in one walk; when nothing is an error, write
    back what was read and compare it with the body."""
    findings = list(typing_findings)
    if declared is None:
        return BodyReport(None, tuple(findings))
    if models is not None and not _in_package(models, declared.qname):
        missing = models.missing_type_message(declared.qname)
        found = Finding("error", "type.not-in-package", "$", missing)
        return BodyReport(str(declared), (*findings, found))
    index = models.index if models is not None else None
    outcome = check(value, declared, mode=mode, partial=partial, dynamic=dynamic, index=index)
    findings.extend(outcome.findings)
    tripped: bool | None = None
    if not has_errors(findings):
        result = written_back(value, declared, outcome, dynamic)
        findings.extend(result.findings)
        tripped = result.ok
    return BodyReport(str(declared), tuple(findings), tripped)


def _in_package(models: Models, qname: str) -> bool:
    """Whether a declared type is one the package can check (`Edm.*` always is)."""
    return qname.startswith("Edm.") or models.has_type(qname)


def validate_body(
    value: Any,
    *,
    type: str | None = None,
    request: str | None = None,
    notification: bool = False,
    mode: Mode | None = None,
    partial: bool = False,
    models: Models | str | None = None,
) -> BodyReport:
    """Check one parsed body given its type, its request line (`'POST URL'`), or as a notification.

    Exactly one of `type`, `request` and `notification` says how to type the body. The mode
    defaults to strict for a type or a request (what we send), lenient for a notification.
    The body is checked with `models` (a handle or an import name); by default the committed
    package of the request URL's version (`/beta/`, `/v1.0/`), else of the default version.
    """
    chosen = [type is not None, request is not None, notification]
    if sum(chosen) != 1:
        raise ValueError("give exactly one of type=, request= or notification=True")
    if type is not None:
        ref = TypeRef.parse(type)
        # A collection is a response (a page of items), which need not carry every property.
        return check_body(
            value,
            ref,
            mode=mode or "strict",
            partial=partial or ref.collection,
            models=models_for(models),
        )
    if request is not None:
        method, _, url = request.strip().partition(" ")
        if not url.strip():
            raise ValueError(f"request must be 'METHOD URL', got {request!r}")
        handle = models_for(models, url=url.strip())
        typed = type_request(method, url.strip(), routes_of(handle.index))
        return check_body(
            value,
            typed.body,
            mode=mode or "strict",
            partial=typed.partial or partial,
            typing_findings=typed.findings,
            models=handle,
        )
    handle = models_for(models)
    notified = type_notification(value, routes_of(handle.index))
    return check_body(
        value,
        notified.type,
        mode=mode or "lenient",
        partial=True,
        dynamic=notified.dynamic,
        typing_findings=notified.findings,
        models=handle,
    )


def check_example(example: ExampleLike, context: _Context) -> ExampleReport:
    """Type, validate and round-trip one documented example."""
    kind = example.kind
    mode = mode_for(kind, context.policy)
    has_body = example.value is not None and not example.errors
    report = BodyReport(None)
    models = context.models_for(example.url if kind == "request" else None)
    if kind == "request":
        typed = type_request(example.method or "", example.url or "", routes_of(models.index))
        context.requests[example.id] = typed
        if has_body:
            report = check_body(
                example.value,
                typed.body,
                mode=mode,
                partial=typed.partial,
                typing_findings=typed.findings,
                models=models,
            )
        else:
            report = BodyReport(str(typed.body) if typed.body else None, typed.findings)
    elif kind == "response" and example.value is None and not (example.body_text or "").strip():
        request = context.requests.get(example.request_id or "")
        expected = type_bodiless_response(example.status, request)
        report = BodyReport(str(expected.type) if expected.type else None, expected.findings)
    elif kind == "response" and has_body:
        request = context.requests.get(example.request_id or "")
        typed_response = type_response(example.status, request)
        report = check_body(
            example.value,
            typed_response.type,
            mode=mode,
            partial=True,
            typing_findings=typed_response.findings,
            models=models,
        )
    elif kind == "notification" and has_body:
        notified = type_notification(example.value, routes_of(models.index))
        report = check_body(
            example.value,
            notified.type,
            mode=mode,
            partial=True,
            dynamic=notified.dynamic,
            typing_findings=notified.findings,
            models=models,
        )
    return ExampleReport(
        id=example.id,
        file=example.file,
        line=example.line,
        kind=kind,
        method=example.method,
        url=example.url,
        status=example.status,
        type=report.type,
        repairs=tuple(example.repairs) + tuple(example.errors),
        findings=report.findings,
        roundtrip=report.roundtrip,
    )


def check_pages(
    paths: Iterable[str | Path],
    policy: Policy = "by-direction",
    models: Models | str | None = None,
) -> list[PageReport]:
    """Read each documentation page and check every example on it, with `models` (a handle or
    an import name) or, by default, the committed package of each request URL's version."""
    from .docpages import read_page

    handle = models_for(models) if models is not None else None
    pages = []
    for path in paths:
        page = read_page(path)
        context = _Context(policy, models=handle)
        examples = tuple(check_example(e, context) for e in page.examples)
        pages.append(PageReport(str(page.file), page.format, tuple(page.findings), examples))
    return pages


def check_page(
    path: str | Path, policy: Policy = "by-direction", models: Models | str | None = None
) -> list[ExampleReport]:
    """One report per body of a documentation page, in page order."""
    return list(check_pages([path], policy, models)[0].examples)


# -- rendering --------------------------------------------------------------------------------


def render_json(pages: Sequence[PageReport]) -> str:
    """The JSON report: a list with one object per body, across all pages."""
    return json.dumps(
        [e.as_dict() for page in pages for e in page.examples], ensure_ascii=False, indent=2
    )


def render_text(pages: Sequence[PageReport]) -> str:
    """The readable report: per page a table of examples, then the findings under each."""
    out: list[str] = []
    for page in pages:
        out.extend(_page_text(page))
    totals = Counter(e.outcome for page in pages for e in page.examples)
    out.append(
        f"{_count(sum(totals.values()), 'example')}: {totals['ok']} ok, "
        f"{totals['warnings']} with warnings, {totals['errors']} with errors"
    )
    return "\n".join(out) + "\n"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _page_text(page: PageReport) -> list[str]:
    kinds = Counter(e.kind for e in page.examples)
    counted = ", ".join(_count(n, k) for k, n in sorted(kinds.items()))
    examples = _count(len(page.examples), "example")
    lines = [f"{page.file} ({page.format}): {examples} ({counted or 'none'})"]
    lines.extend(f"  {f}" for f in page.findings)
    header = ("id", "kind", "line", "type", "status", "round trip")
    rows = [
        (
            e.id,
            e.kind,
            str(e.line or ""),
            e.type or "-",
            e.outcome,
            {True: "yes", False: "NO", None: "-"}[e.roundtrip],
        )
        for e in page.examples
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines.append("")
    for row in [header, *rows]:
        lines.append(
            "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        )
    for e in page.examples:
        every = e.repairs + e.findings
        if not every:
            continue
        what = f"{e.method} {e.url}" if e.method else f"status {e.status}"
        lines.append("")
        lines.append(f"{e.id}  {e.kind}  {what}  ({e.file}:{e.line})")
        lines.extend(f"  {f}" for f in every)
    lines.append("")
    return lines
