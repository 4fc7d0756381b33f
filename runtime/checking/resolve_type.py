"""Decide the declared type of a body: from a request's method and URL, a response's request, or
a notification's `resourceUrl`.

URLs are walked segment by segment over the generated facts: a root (an entity-container
singleton, entity set or other container path of the facts' `routes`), then navigation
properties, keys, type casts and bound operations (`…/calls/{id}/answer`,
`…/participants/muteAll`, `…/participants/{id}/mute`). Segment names match case-insensitively,
as Graph's do (its notifications say `contentsharingsessions`).

Finding codes:

- `request.deprecated-path` — the request uses a deprecated root such as `/app` (warning).
- `request.unknown-route` — no route of the metadata matches the URL (error): the body can't be
  typed, so it is not validated.
- `request.untyped-body` — a `$ref`, `$value`, `$count`, `$metadata` or `$batch` request (a
  batch's items are typed by `runtime.docs.examples`), the service root, or one on a primitive or
  stream property: the route is checked, the body is not typed (info).
- `request.implicit-cast` — a bound operation of a type derived from the one the URL
  addresses, reached without the cast segment (info).
- `request.bad-method` — the route exists but not for this method (error).
- `response.no-request` — a response with a body but no request to type it from (warning).
- `response.unexpected-body` — a success response with a body where the operation returns
  nothing (warning).
- `response.untyped` — a non-success status, whose error body the metadata does not type (info).
- `response.missing-body` — a 200 or 201 response written without a body although its request's
  operation returns one (info).
- `notification.unknown-resource` — a `resourceUrl` no route matches, so `resourceData` stays an
  untyped dynamic property (warning).
- `notification.untyped` — a subscription's change notification (it carries `subscriptionId`)
  whose type the models package lacks (info).
- `request.external-host` — a request to a host that is not Graph's (an upload URL, another
  service): not checked (info).
- `notification.legacy-resource` — no `resourceUrl`, so `resourceData` was typed from `resource`,
  its older undeclared name (info; the validator warns about `resource` itself).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from .findings import Finding
from .validate import DynamicType, SchemaIndex, TypeRef, default_index

if TYPE_CHECKING:
    from .models import OperationFacts

NOTIFICATIONS = TypeRef("microsoft.graph.commsNotifications")
"""The declared type of every callback notification body."""

CHANGE_NOTIFICATIONS = TypeRef("microsoft.graph.changeNotificationCollection")
"""The declared type of a subscription's change notifications (they carry `subscriptionId`)."""

DELTA_ROSTER = "microsoft.graph.deltaParticipants"
"""With `isDeltaRosterEnabled`, Graph posts these on the `participants` resource instead of the
participants themselves (the seed's "delta roster enabled" notification)."""

LEGACY_RESOURCE_KEY = "resource"
"""What older docs and services call `resourceUrl`. It is not in the metadata (the validator warns
about it as an undeclared property); a notification without `resourceUrl` has its `resourceData`
typed from it, with a `notification.legacy-resource` note."""

DEPRECATED_ROOTS: Mapping[str, str] = {"app": "/communications"}
"""Roots that still work but are deprecated, and what to use instead."""

_VERSIONS = frozenset({"beta", "v1.0"})
_SYSTEM_SEGMENTS: Mapping[str, str] = {
    "$ref": "the body and response are references (@odata.id)",
    "$value": "the body and response are the raw stream",
    "$count": "the response is a plain number",
    "$batch": "a JSON batch of requests",
    "$metadata": "the response is the metadata document (CSDL XML)",
}
# A first segment that looks like an API version but is none of Graph's (`/v1/`, `/v2.0/`).
_VERSION_LIKE = re.compile(r"^v\d+(?:\.\d+)*$", re.IGNORECASE)
# System segments that stand alone after the version, with no resource before them.
_SERVICE_SEGMENTS = frozenset({"$batch", "$metadata"})
_ABSOLUTE_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_GRAPH_HOST = re.compile(
    r"^https?://(?:(?:dod-)?graph\.microsoft\.(?:com|us)|microsoftgraph\.chinacloudapi\.cn"
    r"|canary\.graph\.microsoft\.com)(?:[/?#:]|$)",
    re.IGNORECASE,
)
# A namespace-qualified name (`microsoft.graph.doIt`), its last part captured.
_QUALIFIED = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+\.([A-Za-z_]\w*)$")
_KEY_SEGMENT = re.compile(r"^([^()]+)\((.*)\)$")
_SUCCESS_BODY_STATUSES = frozenset({200, 201})
_RESOLVED_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class Target:
    """What a URL addresses: a type (entity, collection), or a bound operation on one."""

    type: TypeRef | None
    operation: OperationFacts | None = None
    path: str = ""
    # Why the route needed a cast the URL left out (`request.implicit-cast` notes).
    implicit: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RequestTyping:
    """The declared types of a request's body and of its success response, with findings."""

    method: str
    url: str
    body: TypeRef | None
    partial: bool = False
    response: TypeRef | None = None
    operation: str | None = None
    findings: tuple[Finding, ...] = ()
    # False when what the response holds can't be decided (an unknown route, another host, a
    # `$ref` or `$value` path): then it is unknown, not "nothing".
    resolved: bool = True


@dataclass(frozen=True, slots=True)
class BodyTyping:
    """The declared type of a response or notification body, dynamic types, and findings."""

    type: TypeRef | None
    findings: tuple[Finding, ...] = ()
    dynamic: Mapping[str, DynamicType] = field(default_factory=dict)


def split_path(url: str) -> list[str]:
    """The resource path segments of a URL: no host, version, query, or empty segments."""
    return list(_split_path(url))


@lru_cache(maxsize=1024)
def _split_path(url: str) -> tuple[str, ...]:
    # Bounded: a bot sees the same few calls' URLs in notification after notification.
    path = urlsplit(url.strip()).path
    segments: list[str] = []
    for raw in path.split("/"):
        segment = unquote(raw)
        if not segment:
            continue
        m = _KEY_SEGMENT.match(segment)
        if m is not None:
            # OData key syntax `calls('id')` is the same as `calls/id`.
            segments.extend((m.group(1), m.group(2).strip("'\"")))
        else:
            segments.append(segment)
    if segments and segments[0].lower() in _VERSIONS:
        segments = segments[1:]
    return tuple(segments)


class Routes:
    """The URL space of the facts: roots, navigation properties and bound operations."""

    def __init__(self, index: SchemaIndex) -> None:
        self.index = index
        facts = index.facts
        # The generated routes reach into scope even through container types that were not
        # generated (`communications` is a `cloudCommunications`, outside the calls closure).
        self.roots: dict[tuple[str, ...], TypeRef] = {
            (name.lower(),): TypeRef(qname) for name, qname in facts.singletons.items()
        }
        self.roots.update(
            {
                tuple(s.lower() for s in path.split("/")): TypeRef(qname, collection)
                for path, (qname, collection) in facts.routes.items()
            }
        )
        self._operations: dict[tuple[str, bool], dict[str, OperationFacts]] = {}
        self._resolved: dict[tuple[str, ...], tuple[Target | None, str]] = {}
        self._types_lowered: dict[str, str] | None = None
        self._roster_of: frozenset[str] | None = None
        for overloads in facts.operations.values():
            for op in overloads:
                if op.binding is None:
                    continue
                table = self._operations.setdefault((op.binding, op.binding_collection), {})
                short = op.qname.rsplit(".", 1)[-1]
                table[short.lower()] = op
                table[op.qname.lower()] = op

    def delta_roster_of(self) -> frozenset[str]:
        """The item types a delta roster (`deltaParticipants`) can stand for; empty when the
        package lacks it. Found once: every participants notification asks."""
        found = self._roster_of
        if found is None:
            index = self.index
            found = (
                frozenset(p.type for p in index.properties(DELTA_ROSTER).values() if p.navigation)
                if DELTA_ROSTER in index.facts.types
                else frozenset()
            )
            self._roster_of = found
        return found

    def ancestors(self, qname: str) -> list[str]:
        """`qname` and its base types, nearest first."""
        chain: list[str] = []
        current: str | None = qname
        while current is not None:
            chain.append(current)
            current = self.index.facts.types[current].base
        return chain

    def operation(self, ref: TypeRef, name: str) -> OperationFacts | None:
        """The operation `name` bound to `ref` (or to one of its base types)."""
        for qname in self.ancestors(ref.qname):
            found = self._operations.get((qname, ref.collection), {}).get(name.lower())
            if found is not None:
                return found
        return None

    def derived_operation(self, ref: TypeRef, name: str) -> tuple[OperationFacts | None, str]:
        """The operation `name` bound to types derived from `ref`, for a URL that leaves out
        the cast (as docs pages often do for navigation too), with the names of those types; or
        None and why not, when they bind it with different parameters (no one body type)."""
        lowered = name.lower()
        found: dict[str, OperationFacts] = {}
        for derived in sorted(self.index.assignable(ref.qname) - {ref.qname}):
            op = self._operations.get((derived, ref.collection), {}).get(lowered)
            if op is not None:
                found.setdefault(derived, op)
        if not found:
            return None, ""
        shapes = {
            (
                frozenset(
                    (p.name, p.type, p.collection)
                    for p in self.index.properties(op.parameters).values()
                ),
                op.return_type,
                op.kind,
            )
            for op in found.values()
        }
        if len(shapes) > 1:
            return None, (
                f"{name!r} is bound to several types derived from {ref.qname} "
                f"({', '.join(found)}) with different parameters: the URL needs the cast"
            )
        return next(iter(found.values())), ", ".join(found)

    def operations_of(self, ref: TypeRef) -> list[str]:
        """Names of the operations bound to `ref`, for messages."""
        names = {
            op.qname.rsplit(".", 1)[-1]
            for qname in self.ancestors(ref.qname)
            for op in self._operations.get((qname, ref.collection), {}).values()
        }
        return sorted(names)

    def navigation(self, qname: str, name: str) -> TypeRef | None:
        """The type a navigation property of `qname` leads to."""
        lowered = name.lower()
        for p in self.index.properties(qname).values():
            if p.navigation and p.name.lower() == lowered:
                return TypeRef(p.type, p.collection)
        return None

    def resolve(self, segments: list[str]) -> tuple[Target | None, str]:
        """Walk the segments; the target, or None and why not."""
        key = tuple(segments)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolve(segments)
            if len(self._resolved) < _RESOLVED_LIMIT:
                # Bounded: ids make every call's URLs new, but a bot follows few calls at once.
                self._resolved[key] = found
        return found

    def _type_named(self, name: str) -> str | None:
        """The qualified type a cast segment names, matched case-insensitively as Graph does."""
        if "." not in name:
            return None
        if self._types_lowered is None:
            self._types_lowered = {q.lower(): q for q in self.index.facts.types}
        return self._types_lowered.get(name.lower())

    def _misqualified(self, ref: TypeRef, segment: str) -> str | None:
        """The operation a qualified name in another namespace (`other.ns.doIt`) stands for,
        when `ref` binds one of that name: such a segment is a misnamed operation, not a key."""
        found = _QUALIFIED.match(segment)
        if found is None:
            return None
        op = self.operation(ref, found.group(1))
        if op is None or op.qname.split(".", 1)[0].lower() != segment.split(".", 1)[0].lower():
            # Only a name of the operation's own family (`microsoft.…`) is taken for it: a key
            # such as `first.last.delta` stays a key.
            return None
        return op.qname

    def _placeholder_member(self, qname: str) -> TypeRef | None:
        """What a placeholder standing for a property name (`thumbnails/{id}/{size}`) leads
        to: the one type that every non-key property of `qname` shares, else None."""
        props = [p for p in self.index.properties(qname).values() if not p.key]
        kinds = {(p.type, p.collection) for p in props}
        if len(kinds) != 1:
            return None
        qtype, collection = kinds.pop()
        return TypeRef(qtype, collection)

    def _member(self, qname: str, name: str) -> TypeRef | None:
        """The type a navigation or structural property `name` of `qname` (or, as Graph's docs
        often leave out the cast, of a type derived from it) leads to."""
        lowered = name.lower()
        for candidate in (qname, *sorted(self.index.assignable(qname) - {qname})):
            for p in self.index.properties(candidate).values():
                if p.name.lower() == lowered:
                    return TypeRef(p.type, p.collection)
        return None

    def _resolve(self, segments: list[str]) -> tuple[Target | None, str]:
        lowered = [s.lower() for s in segments]
        state: TypeRef | None = None
        rest = 0
        for n in range(len(lowered), 0, -1):
            found = self.roots.get(tuple(lowered[:n]))
            if found is not None:
                state, rest = found, n
                break
        if state is None:
            first = segments[0] if segments else ""
            return None, f"no entity set, singleton or root named {first!r}"
        types = self.index.facts.types
        after_function = False
        # Bound operations reached through a type derived from the one addressed.
        implicit: list[str] = []
        for i in range(rest, len(segments)):
            segment = segments[i]
            walked = "/" + "/".join(segments[:i])
            if _is_parameters(segment):
                # `(key)` after a collection; `(a=1,b='x')` after a function: its parameters.
                if after_function:
                    after_function = False
                    continue
                if not state.collection:
                    return None, f"a key {segment} after one {state.qname} at {walked}"
                state = TypeRef(state.qname)
                continue
            after_function = False
            op = self.operation(state, segment) if state.qname in types else None
            cast = None if op is not None else self._type_named(segment.removeprefix("#"))
            member = None
            if op is None and cast is None and not state.collection and state.qname in types:
                member = self._member(state.qname, segment)
                if member is None and _is_placeholder(segment):
                    member = self._placeholder_member(state.qname)
                if member is None:
                    op, derived = self.derived_operation(state, segment)
                    if op is None and derived:
                        return None, f"{derived} at {walked}"
                    if op is not None:
                        implicit.append(
                            f"{op.qname} is bound to {derived}, derived from {state.qname}: "
                            f"the URL leaves out the cast before /{segment}"
                        )
            if op is not None:
                if i == len(segments) - 1 or (
                    _is_parameters(segments[i + 1]) and i == len(segments) - 2
                ):
                    return Target(state, op, walked, tuple(implicit)), ""
                if op.kind != "function" or op.return_type is None:
                    return None, f"{op.qname} at {walked} must be the last segment"
                # A function composes: the path goes on from what it returns.
                state = TypeRef(op.return_type, op.return_collection)
                after_function = True
                continue
            if cast is not None:
                if cast not in self.index.assignable(state.qname):
                    return None, f"{cast} is not derived from {state.qname} at {walked}"
                state = TypeRef(cast, state.collection)
            elif state.collection:
                misnamed = self._misqualified(state, segment)
                if misnamed is not None:
                    return None, (
                        f"{segment!r} at {walked} names no operation of the metadata; "
                        f"did you mean {misnamed}?"
                    )
                state = TypeRef(state.qname)  # a key addresses one member
            elif state.qname not in types:
                return None, f"{state.qname} at {walked} has no segments below it"
            elif member is None:
                known = sorted(
                    p.name for p in self.index.properties(state.qname).values() if p.navigation
                ) + self.operations_of(state)
                shown = ", ".join(known[:12]) + (", …" if len(known) > 12 else "")
                return None, (
                    f"{state.qname} at {walked} has no property or bound operation "
                    f"{segment!r} (known: {shown or 'none'})"
                )
            else:
                state = member
        return Target(state, None, "/" + "/".join(segments), tuple(implicit)), ""


def _is_parameters(segment: str) -> bool:
    return segment.startswith("(") and segment.endswith(")")


_PLACEHOLDER = re.compile(r"^(?:\{[^{}]*\}|<[^<>]*>|\[[^\[\]]*\])$")


def _is_placeholder(segment: str) -> bool:
    """A segment the docs write for a value to fill in: `{size}`, `<id>`, `[name]`."""
    return _PLACEHOLDER.match(segment) is not None


def route_segments(url: str) -> list[str]:
    """The path segments of a URL for routing: like `split_path`, but keys and function
    parameters stay as `(…)` segments, and a drive path (`root:/a/b.txt:`) is its item."""
    return list(_route_segments(url))


@lru_cache(maxsize=1024)
def _route_segments(url: str) -> tuple[str, ...]:
    path = urlsplit(url.strip()).path
    segments: list[str] = []
    in_drive_path = False
    for raw in _path_pieces(path):
        segment = unquote(raw)
        if not segment:
            continue
        if in_drive_path:
            in_drive_path = not segment.endswith(":")
            continue
        if segment.endswith(":") and len(segment) > 1:
            # `/root:/folder/file.txt:/content` addresses the item at that path.
            segments.append(segment[:-1])
            in_drive_path = True
            continue
        m = _KEY_SEGMENT.match(segment)
        if m is not None:
            segments.extend((m.group(1), f"({m.group(2)})"))
        else:
            segments.append(segment)
    if segments and segments[0].lower() in _VERSIONS:
        segments = segments[1:]
    return tuple(segments)


def _path_pieces(path: str) -> list[str]:
    """The path split at each `/`, except inside the parentheses of a key or of a function's
    parameters (`getByPath(path='/sites/a')`), which are kept whole when they close later."""
    pieces = path.split("/")
    joined: list[str] = []
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        depth = piece.count("(") - piece.count(")")
        if depth > 0:
            # Join up to the piece that balances the parentheses; if none does, a lone `(`
            # (a file name in a drive path) leaves the path as it was split.
            total, j = depth, i + 1
            while j < len(pieces) and total > 0:
                total += pieces[j].count("(") - pieces[j].count(")")
                j += 1
            if total <= 0:
                piece, i = "/".join(pieces[i:j]), j - 1
        joined.append(piece)
        i += 1
    return joined


def default_routes() -> Routes:
    """The routes over the default models package's facts, built once per process."""
    return routes_of(default_index())


def routes_of(index: SchemaIndex) -> Routes:
    """The routes over one models package's facts (its `SchemaIndex`), built once per index."""
    found = index.routes
    if not isinstance(found, Routes):
        found = index.routes = Routes(index)
    return found


def type_request(method: str, url: str, routes: Routes | None = None) -> RequestTyping:
    """The declared body and response types of `METHOD URL`, from the metadata's routes."""
    r = routes if routes is not None else default_routes()
    method = method.upper()
    segments = route_segments(url)
    findings: list[Finding] = []
    if not url.strip():
        return _unknown(method, "(no URL)", "the request line has no URL")
    if not segments:
        note = Finding(
            "info", "request.untyped-body", "$", f"{method} {url}: the service document; not typed"
        )
        return RequestTyping(method, url, None, findings=(note,), resolved=False)
    if _VERSION_LIKE.match(segments[0]) and segments[0].lower() not in _VERSIONS:
        return _unknown(method, url, f"{segments[0]!r} is not a Graph API version (v1.0 or beta)")
    if segments[-1].lower() in _SYSTEM_SEGMENTS:
        return _type_system(method, url, segments, r)
    if segments and segments[0].lower() in DEPRECATED_ROOTS:
        instead = DEPRECATED_ROOTS[segments[0].lower()]
        findings.append(
            Finding(
                "warning",
                "request.deprecated-path",
                "$",
                f"{method} {url}: the /{segments[0]} path is deprecated; use {instead} instead",
            )
        )
    target, why = r.resolve(segments)
    if target is None or target.type is None:
        return _unknown(method, url, why, findings)
    findings.extend(
        Finding("info", "request.implicit-cast", "$", f"{method} {url}: {why}")
        for why in target.implicit
    )
    op = target.operation
    if op is not None:
        allowed = "POST" if op.kind == "action" else "GET"
        returns = TypeRef(op.return_type, op.return_collection) if op.return_type else None
        if method != allowed:
            findings.append(_bad_method(method, url, f"{op.kind} {op.qname}", allowed))
        body = TypeRef(op.parameters) if op.kind == "action" else None
        return RequestTyping(method, url, body, False, returns, op.qname, tuple(findings))
    ref = target.type
    item = TypeRef(ref.qname)
    if ref.collection:
        if method == "POST":
            return RequestTyping(method, url, item, False, item, findings=tuple(findings))
        if method == "GET":
            return RequestTyping(method, url, None, response=ref, findings=tuple(findings))
        findings.append(_bad_method(method, url, f"a collection of {ref.qname}", "GET, POST"))
        return RequestTyping(method, url, None, findings=tuple(findings))
    if ref.qname.startswith("Edm."):
        # A primitive or stream property (`…/content`, `…/photo/$value` without the suffix):
        # its body is the raw value.
        if method in ("GET", "PUT", "PATCH", "DELETE"):
            note = Finding(
                "info",
                "request.untyped-body",
                "$",
                f"{method} {url}: a {ref.qname} value; not typed",
            )
            return RequestTyping(method, url, None, findings=(*findings, note), resolved=False)
    elif method in ("PATCH", "PUT"):
        # An update sends only what changes; a PUT replaces or creates one (an upsert), and may
        # leave out what the service sets: required properties may be absent from either.
        return RequestTyping(method, url, ref, True, ref, findings=tuple(findings))
    if method == "GET":
        return RequestTyping(method, url, None, response=ref, findings=tuple(findings))
    if method == "DELETE":
        return RequestTyping(method, url, None, findings=tuple(findings))
    findings.append(_bad_method(method, url, f"one {ref.qname}", "GET, PUT, PATCH, DELETE"))
    return RequestTyping(method, url, None, findings=tuple(findings))


def _unknown(method: str, url: str, why: str, findings: Iterable[Finding] = ()) -> RequestTyping:
    """A request no route matches: `request.unknown-route`, and nothing more can be typed."""
    unknown = Finding(
        "error",
        "request.unknown-route",
        "$",
        f"{method} {url} matches no route of the metadata: {why}; the body was not validated",
    )
    return RequestTyping(method, url, None, findings=(*findings, unknown), resolved=False)


def _type_system(method: str, url: str, segments: list[str], r: Routes) -> RequestTyping:
    """`$ref`, `$value`, `$count` after a resource, and `$batch`: the route is checked, the body
    (a reference, a stream, a number, a batch) is not typed."""
    last = segments[-1].lower()
    if last not in _SERVICE_SEGMENTS or len(segments) > 1:
        target, why = r.resolve(segments[:-1])
        if target is None or target.type is None:
            return _unknown(method, url, why)
    what = _SYSTEM_SEGMENTS[last]
    note = Finding("info", "request.untyped-body", "$", f"{method} {url}: {what}; not typed")
    return RequestTyping(method, url, None, findings=(note,), resolved=False)


def type_external_request(method: str, url: str) -> RequestTyping:
    """A request to a host that is not Graph's (an upload URL, a partner's service): not typed."""
    note = Finding(
        "info",
        "request.external-host",
        "$",
        f"{method} {url} is not a Graph URL; its body is not checked against the metadata",
    )
    return RequestTyping(method.upper(), url, None, findings=(note,), resolved=False)


def is_graph_url(url: str) -> bool:
    """True for a URL on a Graph host, or a path written without one (`/me/events`)."""
    return not _ABSOLUTE_URL.match(url) or _GRAPH_HOST.match(url) is not None


def _bad_method(method: str, url: str, what: str, allowed: str) -> Finding:
    return Finding(
        "error",
        "request.bad-method",
        "$",
        f"{method} {url}: the URL addresses {what}, which allows {allowed}",
    )


def type_response(status: int | None, request: RequestTyping | None) -> BodyTyping:
    """The declared type of a response body: what its request's operation returns."""
    if status is not None and not 200 <= status < 300:
        return BodyTyping(
            None,
            (
                Finding(
                    "info",
                    "response.untyped",
                    "$",
                    f"status {status}: error bodies are not typed by the metadata; not validated",
                ),
            ),
        )
    if request is None:
        return BodyTyping(
            None,
            (
                Finding(
                    "warning",
                    "response.no-request",
                    "$",
                    "a response with no request before it: its type can't be decided",
                ),
            ),
        )
    if not request.resolved:
        return BodyTyping(
            None,
            (
                Finding(
                    "info",
                    "response.untyped",
                    "$",
                    f"the route of {request.method} {request.url} was not resolved, so its "
                    "response's type is unknown; not validated",
                ),
            ),
        )
    if request.response is None:
        what = request.operation or f"{request.method} {request.url}"
        return BodyTyping(
            None,
            (
                Finding(
                    "warning",
                    "response.unexpected-body",
                    "$",
                    f"{what} returns no body, but the response has one; not validated",
                ),
            ),
        )
    return BodyTyping(request.response)


def type_bodiless_response(status: int | None, request: RequestTyping | None) -> BodyTyping:
    """What a response written without a body should have held: the type its request's operation
    returns when the status is one that carries it (200, 201), with a note; else nothing."""
    if status not in _SUCCESS_BODY_STATUSES or request is None or request.response is None:
        return BodyTyping(None)
    what = request.operation or f"{request.method} {request.url}"
    return BodyTyping(
        request.response,
        (
            Finding(
                "info",
                "response.missing-body",
                "$",
                f"{what} returns {request.response}, but the {status} response shows no body",
            ),
        ),
    )


def type_notification(value: Any, routes: Routes | None = None) -> BodyTyping:
    """`commsNotifications`, with each notification's `resourceData` typed from `resourceUrl`."""
    r = routes if routes is not None else default_routes()
    dynamic: dict[str, DynamicType] = {}
    findings: list[Finding] = []
    items = value.get("value") if type(value) is dict else None
    if type(items) is not list:
        return BodyTyping(NOTIFICATIONS)
    if any(type(i) is dict and "subscriptionId" in i and "resourceUrl" not in i for i in items):
        return _change_notifications(r)
    child_path = r.index.child_path
    for i, item in enumerate(items):
        if type(item) is not dict or "resourceData" not in item:
            continue
        path = f"$.value[{i}]"
        key = "resourceUrl"
        url = item.get(key)
        if type(url) is not str and type(item.get(LEGACY_RESOURCE_KEY)) is str:
            key, url = LEGACY_RESOURCE_KEY, item[LEGACY_RESOURCE_KEY]
            findings.append(
                Finding(
                    "info",
                    "notification.legacy-resource",
                    child_path(path, key),
                    f"no resourceUrl: resourceData was typed from {key!r}, the older name of "
                    "resourceUrl, which microsoft.graph.commsNotification does not declare",
                )
            )
        if type(url) is not str:
            continue  # the validator reports a mistyped resourceUrl
        target, why = r.resolve(split_path(url))
        if target is None or target.type is None or target.operation is not None:
            findings.append(
                Finding(
                    "warning",
                    "notification.unknown-resource",
                    child_path(path, key),
                    f"{key} {url!r} matches no resource of the metadata "
                    f"({why or 'it addresses an operation'}); resourceData was not typed",
                )
            )
            continue
        decided = _delta_roster(target.type, item["resourceData"], r)
        dynamic[child_path(path, "resourceData")] = DynamicType(decided, f"typed from {key} {url}")
    return BodyTyping(NOTIFICATIONS, tuple(findings), dynamic)


def _change_notifications(routes: Routes) -> BodyTyping:
    """A subscription's change notifications (`subscriptionId`, `resource`), not a call's."""
    if CHANGE_NOTIFICATIONS.qname in routes.index.facts.types:
        return BodyTyping(CHANGE_NOTIFICATIONS)
    note = Finding(
        "info",
        "notification.untyped",
        "$",
        f"a change notification: {CHANGE_NOTIFICATIONS} is not in the models package; "
        "not validated",
    )
    return BodyTyping(None, (note,))


def _delta_roster(ref: TypeRef, data: Any, routes: Routes) -> TypeRef:
    """A participants resource carries a delta roster when its items say so."""
    if not ref.collection or type(data) is not list or ref.qname not in routes.delta_roster_of():
        return ref
    named = {
        item.get("@odata.type", "").removeprefix("#")
        for item in data
        if type(item) is dict and type(item.get("@odata.type")) is str
    }
    return TypeRef(DELTA_ROSTER, True) if DELTA_ROSTER in named else ref
