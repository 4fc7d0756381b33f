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
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol

from .findings import Finding, has_errors
from .models import Models, models_for
from .resolve_type import (
    RequestTyping,
    Routes,
    is_graph_url,
    routes_of,
    type_bodiless_response,
    type_external_request,
    type_notification,
    type_request,
    type_response,
)
from .roundtrip import written_back
from .validate import DynamicType, Mode, SchemaIndex, TypeRef, check, child_path

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
    # From a block marked ignored (its errors were lowered to warnings).
    ignored: bool = False
    # The body as written, to locate findings inside the page (SARIF); not in the JSON report.
    body_text: str | None = field(default=None, compare=False, repr=False)

    @property
    def outcome(self) -> Outcome:
        """`errors`, `warnings` or `ok`, counting repairs too."""
        every = self.repairs + self.findings
        if has_errors(every):
            return "errors"
        return "warnings" if any(f.severity == "warning" for f in every) else "ok"

    def as_dict(self) -> dict[str, Any]:
        """The JSON form of the report (one object per body)."""
        out: dict[str, Any] = {
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
        if self.ignored:  # only then, so reports of pages without ignored blocks keep their shape
            out["ignored"] = True
        return out


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
    # The whole document's routes, for requests outside the models package's closure.
    whole: Routes | None = None
    # The index each request was typed against, when it is not the models package's.
    indexes: dict[str, SchemaIndex] = field(default_factory=dict)
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
    index: SchemaIndex | None = None,
) -> BodyReport:
    """Check and read a parsed body as `declared` in one walk; when nothing is an error, write
    back what was read and compare it with the body. `index` (a whole document's, for a request
    outside the package) takes the place of `models`' own."""
    findings = list(typing_findings)
    if declared is None:
        return BodyReport(None, tuple(findings))
    if index is None and models is not None:
        if not _in_package(models, declared.qname):
            missing = models.missing_type_message(declared.qname)
            found = Finding("error", "type.not-in-package", "$", missing)
            return BodyReport(str(declared), (*findings, found))
        index = models.index
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
        url = example.url or ""
        # Set when the request is typed against the whole document instead of `models`.
        index: SchemaIndex | None = None
        if url and is_graph_url(url):
            typed = type_request(example.method or "", url, routes_of(models.index))
            if context.whole is not None and _outside(typed, models):
                outside = _type_outside(example.method or "", url, context.whole)
                if outside.resolved:
                    typed, index = outside, context.whole.index
                    context.indexes[example.id] = index
                elif not typed.resolved:
                    typed = outside
        else:
            typed = type_external_request(example.method or "", url or "(no URL)")
        context.requests[example.id] = typed
        if has_body:
            value, cased = example.value, tuple[Finding, ...]()
            if typed.operation is not None and typed.body is not None:
                value, cased = _parameter_case(value, typed.body, index or models.index)
            report = check_body(
                value,
                typed.body,
                mode=mode,
                # Outside the package, Nullable="false" also marks server-set properties
                # (`user.assignedPlans`), so required-on-create would be mostly false alarms.
                partial=typed.partial or index is not None,
                typing_findings=(*typed.findings, *cased),
                models=models,
                index=index,
            )
            if typed.operation is None and typed.body is not None:
                extra = _read_only(value, typed, index or models.index)
                if extra:
                    report = replace(report, findings=(*report.findings, *extra))
        else:
            report = BodyReport(str(typed.body) if typed.body else None, typed.findings)
    elif kind == "response" and example.value is None and not (example.body_text or "").strip():
        request = context.requests.get(example.request_id or "")
        expected = type_bodiless_response(example.status, request)
        report = BodyReport(str(expected.type) if expected.type else None, expected.findings)
    elif kind == "response" and has_body:
        request = context.requests.get(example.request_id or "")
        typed_response = type_response(example.status, request)
        index = context.indexes.get(example.request_id or "")
        body, declared, inside, wrapped = _unwrapped(
            example.value, typed_response.type, index or models.index
        )
        typing = (*typed_response.findings, *wrapped)
        report = check_body(
            body,
            declared,
            mode=mode,
            partial=True,
            typing_findings=typing,
            models=models,
            index=index,
        )
        if inside:
            report = _under_value(report, len(typing))
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
    repairs = tuple(example.repairs) + tuple(example.errors)
    findings = report.findings
    not_json = getattr(example, "not_json", None)
    if not_json:
        findings = (
            Finding(
                "info", "body.not-json", "$", f"the body is not JSON ({not_json}); not checked"
            ),
            *findings,
        )
    if getattr(example, "ignored", False):
        repairs, findings = _lowered(repairs), _lowered(findings)
    return ExampleReport(
        id=example.id,
        file=example.file,
        line=example.line,
        kind=kind,
        method=example.method,
        url=example.url,
        status=example.status,
        type=report.type,
        repairs=repairs,
        findings=findings,
        roundtrip=report.roundtrip,
        ignored=bool(getattr(example, "ignored", False)),
        body_text=example.body_text if example.value is not None else None,
    )


def _unwrapped(
    value: Any, declared: TypeRef | None, index: SchemaIndex
) -> tuple[Any, TypeRef | None, bool, tuple[Finding, ...]]:
    """The response body to check, as what type, whether that is the body's `value`, and why: a
    single primitive or enum value comes as `{"value": …}` (OData JSON format §7.1); a single
    object wrapped so (as many Intune pages write it) is reported and checked inside its
    wrapper, and a collection response where one object is returned is reported and checked
    item by item."""
    unchanged = (value, declared, False, ())
    if declared is None or declared.collection or type(value) is not dict or "value" not in value:
        return unchanged
    if any(k != "value" and not k.startswith("@") for k in value):
        return unchanged
    qname = declared.qname
    if qname.startswith("Edm.") or qname in index.facts.enums:
        return value["value"], declared, True, ()
    if qname not in index.facts.types or "value" in index.properties(qname):
        return unchanged
    inner = value["value"]
    if type(inner) is list and all(type(item) is dict for item in inner):
        listed = Finding(
            "warning",
            "response.wrapped-in-value",
            "$",
            f"the body is a collection response (a list in `value`) where the request returns "
            f"one {qname}; Graph returns the object itself (each item checked as {qname})",
        )
        return value, TypeRef(qname, True), False, (listed,)
    if type(inner) is not dict:
        return unchanged
    wrapped = Finding(
        "warning",
        "response.wrapped-in-value",
        "$",
        f"the body wraps one {qname} in `value`, as a collection or primitive response would; "
        "Graph returns a single object unwrapped (checked inside `value`)",
    )
    return inner, declared, True, (wrapped,)


def _under_value(report: BodyReport, typing: int) -> BodyReport:
    """The findings of a body checked inside its `value`, located in the body as written."""
    moved = tuple(
        replace(f, path="$.value" + f.path[1:]) if f.path.startswith("$") else f
        for f in report.findings[typing:]
    )
    return replace(report, findings=(*report.findings[:typing], *moved))


def _read_only(value: Any, typed: RequestTyping, index: SchemaIndex) -> tuple[Finding, ...]:
    """Properties a create or update body should not carry: computed ones (`Core.Computed`),
    and in an update also keys and immutable ones (`Core.Immutable`)."""
    if type(value) is not dict or typed.body is None:
        return ()
    qname = typed.body.qname
    named = value.get("@odata.type")
    if type(named) is str and named.removeprefix("#") in index.assignable(qname):
        qname = named.removeprefix("#")
    if qname not in index.facts.types:
        return ()
    update = typed.method == "PATCH"
    props = index.properties(qname)
    found: list[Finding] = []
    for key in value:
        p = props.get(key) if type(key) is str else None
        if p is None:
            continue
        if p.computed:
            why = "computed by the service (Core.Computed)"
        elif update and p.key:
            why = "the key, which the URL already names"
        elif update and p.immutable:
            why = "immutable (Core.Immutable): set on create only"
        else:
            continue
        found.append(
            Finding(
                "warning",
                "property.read-only",
                child_path("$", key),
                f"{qname}.{key} is {why}; {'an update' if update else 'a create'} body "
                "should not carry it",
            )
        )
    return tuple(found)


def _parameter_case(
    value: Any, declared: TypeRef, index: SchemaIndex
) -> tuple[Any, tuple[Finding, ...]]:
    """An action's parameters named in another case (`schedules` for `Schedules`), which Graph
    accepts: renamed to the declared spelling, each with a note, so the rest is checked."""
    if type(value) is not dict:
        return value, ()
    declared_names = {name.lower(): name for name in index.properties(declared.qname)}
    renamed: dict[str, Any] = {}
    notes: list[Finding] = []
    for key, item in value.items():
        spelled = declared_names.get(key.lower()) if type(key) is str else None
        if spelled is not None and spelled != key and spelled not in value:
            notes.append(
                Finding(
                    "info",
                    "parameter.case",
                    f"$.{key}",
                    f"parameter {key!r} is declared {spelled!r}; Graph matches parameter "
                    "names case-insensitively",
                )
            )
            renamed[spelled] = item
        else:
            renamed[key] = item
    return (renamed, tuple(notes)) if notes else (value, ())


def _outside(typed: RequestTyping, models: Models) -> bool:
    """Whether a request typed against `models` is outside the package: no route of it
    matches, or the route's body or response is a type the package does not hold."""
    if not typed.resolved:
        return any(f.code == "request.unknown-route" for f in typed.findings)
    declared = (typed.body, typed.response)
    return any(t is not None and not _in_package(models, t.qname) for t in declared)


def _type_outside(method: str, url: str, whole: Routes) -> RequestTyping:
    """Type a request the package's routes miss against the whole document's routes: a note
    when it resolves there, else that document's own `request.unknown-route`."""
    typed = type_request(method, url, whole)
    if not typed.resolved:
        return typed
    note = Finding(
        "info",
        "request.outside-package",
        "$",
        f"{method.upper()} {url} is outside the models package; typed and checked against "
        "the whole metadata document",
    )
    return replace(typed, findings=(note, *typed.findings))


IGNORED_PREFIX = "in a block marked ignored: "


def _lowered(findings: tuple[Finding, ...]) -> tuple[Finding, ...]:
    """Findings of a block marked ignored: errors become warnings, each message says where."""
    return tuple(
        Finding(
            "warning" if f.severity == "error" else f.severity,
            f.code,
            f.path,
            IGNORED_PREFIX + f.message,
            f.line,
        )
        for f in findings
    )


def check_pages(
    paths: Iterable[str | Path],
    policy: Policy = "by-direction",
    models: Models | str | None = None,
    *,
    whole: SchemaIndex | None = None,
) -> list[PageReport]:
    """Read each documentation page and check every example on it, with `models` (a handle or
    an import name) or, by default, the committed package of each request URL's version; with
    `whole` (the facts of a whole metadata document), requests outside that package's closure
    are checked against it."""
    from .docpages import read_page

    handle = models_for(models) if models is not None else None
    whole_routes = routes_of(whole) if whole is not None else None
    pages = []
    for path in paths:
        page = read_page(path)
        context = _Context(policy, models=handle, whole=whole_routes)
        examples = tuple(check_example(e, context) for e in page.examples)
        pages.append(PageReport(str(page.file), page.format, tuple(page.findings), examples))
    return pages


def check_page(
    path: str | Path, policy: Policy = "by-direction", models: Models | str | None = None
) -> list[ExampleReport]:
    """One report per body of a documentation page, in page order."""
    return list(check_pages([path], policy, models)[0].examples)


# -- rendering --------------------------------------------------------------------------------


PAGE_ITEM = "page"
"""The `kind` of the JSON report's item holding a page's own findings (not tied to a body)."""


def _page_item(page: PageReport) -> dict[str, Any]:
    """A page's own findings as one item of the JSON report, shaped like a body's."""
    return {
        "id": f"{Path(page.file).stem}#page",
        "source": {"file": page.file, "line": None},
        "kind": PAGE_ITEM,
        "method": None,
        "url": None,
        "status": None,
        "type": None,
        "repairs": [],
        "findings": [f.as_dict() for f in page.findings],
        "roundtrip": None,
    }


def render_json(pages: Sequence[PageReport]) -> str:
    """The JSON report: a list with one object per body, across all pages, and after a page's
    bodies one `"kind": "page"` item with its own findings when it has any."""
    items: list[dict[str, Any]] = []
    for page in pages:
        items.extend(e.as_dict() for e in page.examples)
        if page.findings:
            items.append(_page_item(page))
    return json.dumps(items, ensure_ascii=False, indent=2)


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
