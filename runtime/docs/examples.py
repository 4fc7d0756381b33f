"""Check documented examples: type, validate and round-trip each body, and render the report.

The Python API behind `python -m runtime examples` and `python -m runtime validate`:

- `check_page(path, policy=…)` reads a documentation page and returns one `ExampleReport` per
  body; `check_pages` keeps each page's own findings too.
- `render_text` and `render_json` turn reports into the CLI's output.

Each body is typed (`runtime.checking.resolve_type`), then checked and read in one walk by the
models package's checker (`runtime.checking.validate.check`) and, when it has no errors, the
value read is written back and compared with the body (`runtime.checking.roundtrip`). Requests
are what a bot sends, so by default they are validated strictly; responses and notifications are
what it receives, so leniently (`Policy`).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol

from ..checking.bodies import DIRECTIONS, BodyReport, check_body, in_package
from ..checking.findings import Finding, Severity, has_errors
from ..checking.models import DEFAULT_VERSION, Models, models_for, version_of_url
from ..checking.resolve_type import (
    RequestTyping,
    Routes,
    is_graph_url,
    route_segments,
    routes_of,
    type_bodiless_response,
    type_external_request,
    type_notification,
    type_request,
    type_response,
)
from ..checking.validate import Mode, SchemaIndex, TypeRef

Policy = Literal["by-direction", "strict", "lenient"]
"""How strictly to validate: requests strict and received bodies lenient, or one mode for all."""

Outcome = Literal["ok", "warnings", "errors"]


class ExampleLike(Protocol):
    """What this module needs of a documentation example (see `runtime.docs.docpages.Example`)."""

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


class WholeDocuments(Protocol):
    """The whole metadata of each API version (see `runtime.docs.whole_metadata.WholeMetadata`)."""

    def index(self, version: str | None) -> SchemaIndex | None: ...


@dataclass
class _Context:
    """What checking one page carries from example to example."""

    policy: Policy
    requests: dict[str, RequestTyping] = field(default_factory=dict)
    # One whole document's routes for every version, for requests outside the models
    # package's closure; else `wholes` gives each version's.
    whole: Routes | None = None
    wholes: WholeDocuments | None = None
    # The index each request was typed against, when it is not the models package's.
    indexes: dict[str, SchemaIndex] = field(default_factory=dict)
    # Given: every body is checked with it. Else each request's URL (`/beta/`, `/v1.0/`), or
    # the page's path, chooses the version, and later bodies use the last request's choice.
    models: Models | None = None
    # The requests of each JSON batch on the page (by the batch's example id), by item id.
    batches: dict[str, dict[str, _BatchItem]] = field(default_factory=dict)
    page_version: str | None = None
    version: str | None = None

    def version_for(self, url: str | None = None) -> str:
        """The API version of a body of this page (with the request URL, if it is one)."""
        if url is not None and "/" in url:
            self.version = version_of_url(url) or self.page_version or DEFAULT_VERSION
        if self.version is None:
            self.version = self.page_version or DEFAULT_VERSION
        return self.version

    def models_for(self, url: str | None = None) -> Models:
        """The models package for a body of this page (with the request URL, if it is one)."""
        version = self.version_for(url)
        return self.models if self.models is not None else models_for(version=version)

    def whole_routes(self) -> Routes | None:
        """The whole document's routes for the current version, if there is such a document."""
        if self.whole is not None or self.wholes is None:
            return self.whole
        index = self.wholes.index(self.version_for())
        return routes_of(index) if index is not None else None


_ABSOLUTE = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
# A version named in a page's path: a whole folder name (`…/beta/api/x.md`) or a part of one
# set off by `-`, `_` or `.` (`graph-docs-v1.0-2021-07-16/`).
_VERSION_IN_PATH = re.compile(r"(?:^|[-_.])(beta|v1\.0)(?=$|[-_]|\.(?!\d))", re.IGNORECASE)


def version_of_path(path: str | Path) -> str | None:
    """The API version a page's path names (`…/beta/api/x.md`, `graph-docs-v1.0-…/`), nearest
    folder first; None when it names none."""
    for part in reversed(Path(path).parts[:-1]):
        found = _VERSION_IN_PATH.search(part)
        if found is not None:
            return found.group(1).lower()
    return None


def mode_for(kind: str, policy: Policy) -> Mode:
    """The validation mode of a body of this kind under the policy."""
    if policy == "by-direction":
        return DIRECTIONS["request" if kind == "request" else "response"].mode
    return policy


def check_example(example: ExampleLike, context: _Context) -> ExampleReport:
    """Type, validate and round-trip one documented example."""
    kind = example.kind
    mode = mode_for(kind, context.policy)
    has_body = example.value is not None and not example.errors
    report = BodyReport(None)
    models = context.models_for(example.url if kind == "request" else None)
    if kind == "request":
        url = example.url or ""
        typed, index = _type_any_request(example.method or "", url, models, context)
        if index is not None:
            context.indexes[example.id] = index
        context.requests[example.id] = typed
        if has_body and is_batch_url(url):
            report, items = _check_batch_request(example.value, models, context, mode)
            context.batches[example.id] = items
        elif has_body:
            report = _check_request_body(example.value, typed, index, models, mode)
        else:
            report = BodyReport(str(typed.body) if typed.body else None, typed.findings)
    elif kind == "response" and example.value is None and not (example.body_text or "").strip():
        request = context.requests.get(example.request_id or "")
        expected = type_bodiless_response(example.status, request)
        report = BodyReport(str(expected.type) if expected.type else None, expected.findings)
    elif kind == "response" and has_body and (example.request_id or "") in context.batches:
        batch = context.batches[example.request_id or ""]
        report = _check_batch_response(example.value, example.status, batch, models, mode)
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


def _type_any_request(
    method: str, url: str, models: Models, context: _Context
) -> tuple[RequestTyping, SchemaIndex | None]:
    """Type a request against `models`' routes or, outside them, the whole document of its
    version; with the index it was typed against when that is the whole document's."""
    if not (url and is_graph_url(url)):
        return type_external_request(method, url or "(no URL)"), None
    typed = type_request(method, url, routes_of(models.index))
    whole = context.whole_routes() if _outside(typed, models) else None
    if whole is not None:
        outside = _type_outside(method, url, whole)
        if outside.resolved:
            return outside, whole.index
        if not typed.resolved:
            return outside, None
    return typed, None


def _check_request_body(
    value: Any, typed: RequestTyping, index: SchemaIndex | None, models: Models, mode: Mode
) -> BodyReport:
    """Check a request body as its typing says, with the notes on parameters and read-only
    properties."""
    cased = tuple[Finding, ...]()
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
    return report


# -- JSON batches (`POST /$batch`) ------------------------------------------------------------

BATCH_TYPE = "$batch"
"""The `type` of a report on a JSON batch body: its items are typed one by one."""

BATCH_LIMIT = 20
"""Graph runs at most this many requests in one JSON batch."""

_BATCH_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_BATCH_REQUEST_KEYS = frozenset({"id", "method", "url", "headers", "body", "dependsOn"})
_BATCH_RESPONSE_KEYS = frozenset({"id", "status", "headers", "body"})


@dataclass(frozen=True, slots=True)
class _BatchItem:
    """One request of a batch as typed, for its response."""

    typed: RequestTyping
    index: SchemaIndex | None


def is_batch_url(url: str) -> bool:
    """Whether a Graph URL is the JSON batch endpoint (`/$batch`, `/v1.0/$batch`)."""
    return is_graph_url(url) and [s.lower() for s in route_segments(url)] == ["$batch"]


def _envelope(path: str, message: str, severity: Severity = "error") -> Finding:
    return Finding(severity, "batch.envelope", path, message)


def _rebased(findings: Iterable[Finding], prefix: str) -> list[Finding]:
    """Findings about an item's own body, moved under where that body sits in the batch."""
    return [replace(f, path=prefix + f.path.removeprefix("$")) for f in findings]


def _content_type(headers: Any) -> str | None:
    if type(headers) is not dict:
        return None
    for key, value in headers.items():
        if type(key) is str and key.lower() == "content-type" and type(value) is str:
            return value
    return None


def _check_batch_request(
    value: Any, models: Models, context: _Context, mode: Mode
) -> tuple[BodyReport, dict[str, _BatchItem]]:
    """Check a JSON batch: its envelope, then each request's URL and body like any other
    request's, with paths under `$.requests[i]`."""
    child_path = models.index.child_path
    items: dict[str, _BatchItem] = {}
    requests = value.get("requests") if type(value) is dict else None
    if type(requests) is not list:
        what = "an object" if type(value) is dict else f"a JSON {_json_kind(value)}"
        found = _envelope("$", f"a JSON batch is an object with a 'requests' list; this is {what}")
        return BodyReport(BATCH_TYPE, (found,)), items
    findings: list[Finding] = [
        _envelope(child_path("$", k), f"a JSON batch has no {k!r}; only 'requests'", "warning")
        for k in value
        if k != "requests"
    ]
    if len(requests) > BATCH_LIMIT:
        findings.append(
            Finding(
                "error",
                "batch.too-many",
                "$.requests",
                f"{len(requests)} requests: Graph runs at most {BATCH_LIMIT} in one batch",
            )
        )
    ids = [item.get("id") for item in requests if type(item) is dict]
    trips: list[bool] = []
    for i, item in enumerate(requests):
        at = f"$.requests[{i}]"
        if type(item) is not dict:
            findings.append(
                _envelope(at, f"a batch request is an object, not a JSON {_json_kind(item)}")
            )
            continue
        findings.extend(_batch_item_shape(item, at, ids, _BATCH_REQUEST_KEYS, child_path))
        method, url = item.get("method"), item.get("url")
        if type(method) is not str or method.upper() not in _BATCH_METHODS or type(url) is not str:
            continue  # the envelope findings say what is wrong
        if _ABSOLUTE.match(url):
            findings.append(
                _envelope(
                    child_path(at, "url"),
                    f"a batch request's url is relative to the $batch endpoint, not {url!r}",
                )
            )
        relative = url if _ABSOLUTE.match(url) else "/" + url.lstrip("/")
        typed, index = _type_any_request(method, relative, models, context)
        typed = replace(typed, url=url)
        if type(item.get("id")) is str:
            items.setdefault(item["id"], _BatchItem(typed, index))
        if "body" not in item:
            findings.extend(_rebased(typed.findings, child_path(at, "url")))
            continue
        if _content_type(item.get("headers")) is None:
            findings.append(
                Finding(
                    "error",
                    "batch.content-type",
                    child_path(at, "headers"),
                    "a batch request with a body needs a Content-Type header",
                )
            )
        body = item["body"]
        kind = _content_type(item.get("headers")) or "application/json"
        if "json" not in kind.lower():
            findings.extend(_rebased(typed.findings, child_path(at, "url")))
            findings.append(
                Finding(
                    "info",
                    "body.not-json",
                    child_path(at, "body"),
                    f"the body is {kind} (base64 in a JSON batch); not checked",
                )
            )
            continue
        checked = _check_request_body(body, replace(typed, findings=()), index, models, mode)
        findings.extend(_rebased(typed.findings, child_path(at, "url")))
        findings.extend(_rebased(checked.findings, child_path(at, "body")))
        if checked.roundtrip is not None:
            trips.append(checked.roundtrip)
    return BodyReport(BATCH_TYPE, tuple(findings), all(trips) if trips else None), items


def _batch_item_shape(
    item: dict[str, Any],
    at: str,
    ids: list[Any],
    keys: frozenset[str],
    child_path: Callable[[str, str | int], str],
) -> list[Finding]:
    """What is wrong with the members of one batch request or response object."""
    found: list[Finding] = []
    request = "method" in keys
    required = ("id", "method", "url") if request else ("id", "status")
    for key in required:
        if key not in item:
            found.append(
                _envelope(at, f"a batch {'request' if request else 'response'} needs {key!r}")
            )
    item_id = item.get("id")
    if "id" in item and (type(item_id) is not str or not item_id):
        found.append(_envelope(child_path(at, "id"), "the id is a non-empty string"))
    elif "id" in item and ids.count(item_id) > 1:
        found.append(_envelope(child_path(at, "id"), f"the id {item_id!r} is used twice"))
    if request:
        method = item.get("method")
        if "method" in item and (type(method) is not str or method.upper() not in _BATCH_METHODS):
            found.append(_envelope(child_path(at, "method"), f"{method!r} is not an HTTP method"))
        if "url" in item and type(item.get("url")) is not str:
            found.append(_envelope(child_path(at, "url"), "the url is a string"))
        depends = item.get("dependsOn", [])
        if type(depends) is not list or not all(type(d) is str for d in depends):
            found.append(_envelope(child_path(at, "dependsOn"), "dependsOn is a list of ids"))
        else:
            for n, other in enumerate(depends):
                if other not in ids or other == item_id:
                    found.append(
                        Finding(
                            "error",
                            "batch.depends-on",
                            child_path(child_path(at, "dependsOn"), n),
                            f"{other!r} names no other request of the batch",
                        )
                    )
    else:
        status = item.get("status")
        if "status" in item and (type(status) is not int or not 100 <= status <= 599):
            found.append(_envelope(child_path(at, "status"), f"{status!r} is not an HTTP status"))
    if "headers" in item and type(item["headers"]) is not dict:
        found.append(_envelope(child_path(at, "headers"), "headers is an object"))
    found.extend(
        _envelope(child_path(at, key), f"a batch item has no {key!r}", "warning")
        for key in item
        if key not in keys
    )
    return found


def _check_batch_response(
    value: Any, status: int | None, batch: dict[str, _BatchItem], models: Models, mode: Mode
) -> BodyReport:
    """Check a JSON batch response: its envelope, then each response's body typed from the
    batch request with its id, with paths under `$.responses[i]`."""
    child_path = models.index.child_path
    if status is not None and not 200 <= status < 300:
        return BodyReport(None, type_response(status, None).findings)
    responses = value.get("responses") if type(value) is dict else None
    if type(responses) is not list:
        what = "an object" if type(value) is dict else f"a JSON {_json_kind(value)}"
        found = _envelope(
            "$", f"a JSON batch response is an object with a 'responses' list; this is {what}"
        )
        return BodyReport(BATCH_TYPE, (found,))
    findings: list[Finding] = [
        _envelope(child_path("$", k), f"a JSON batch response has no {k!r}", "warning")
        for k in value
        if k != "responses" and not k.startswith("@")
    ]
    ids = [item.get("id") for item in responses if type(item) is dict]
    trips: list[bool] = []
    for i, item in enumerate(responses):
        at = f"$.responses[{i}]"
        if type(item) is not dict:
            findings.append(
                _envelope(at, f"a batch response is an object, not a JSON {_json_kind(item)}")
            )
            continue
        findings.extend(_batch_item_shape(item, at, ids, _BATCH_RESPONSE_KEYS, child_path))
        request = batch.get(item["id"]) if type(item.get("id")) is str else None
        if request is None:
            if type(item.get("id")) is str:
                findings.append(
                    Finding(
                        "warning",
                        "batch.unmatched-response",
                        child_path(at, "id"),
                        f"no request of the batch has the id {item['id']!r}; its body is not typed",
                    )
                )
            continue
        if "body" not in item:
            continue
        item_status = item.get("status") if type(item.get("status")) is int else None
        typed = type_response(item_status, request.typed)
        checked = check_body(
            item["body"],
            typed.type,
            mode=mode,
            partial=True,
            typing_findings=typed.findings,
            models=models,
            index=request.index,
        )
        findings.extend(_rebased(checked.findings, child_path(at, "body")))
        if checked.roundtrip is not None:
            trips.append(checked.roundtrip)
    return BodyReport(BATCH_TYPE, tuple(findings), all(trips) if trips else None)


def _json_kind(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "Boolean", type(None): "null"}.get(
        type(value), "number"
    )


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
                index.child_path("$", key),
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
    return any(t is not None and not in_package(models, t.qname) for t in declared)


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
    whole: SchemaIndex | WholeDocuments | None = None,
) -> list[PageReport]:
    """Read each documentation page and check every example on it, with `models` (a handle or
    an import name) or, by default, the committed package of each request's version (from its
    URL, else the page's path); with `whole` (the facts of one whole metadata document, or a
    `WholeMetadata` with one per version), requests outside that package's closure are checked
    against the whole document of their version."""
    from .docpages import read_page

    handle = models_for(models) if models is not None else None
    whole_routes = routes_of(whole) if isinstance(whole, SchemaIndex) else None
    wholes = None if isinstance(whole, SchemaIndex) else whole
    pages = []
    for path in paths:
        page = read_page(path)
        context = _Context(
            policy,
            models=handle,
            whole=whole_routes,
            wholes=wholes,
            page_version=version_of_path(path),
        )
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
