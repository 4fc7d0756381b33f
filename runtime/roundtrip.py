"""Round trip: read a body into the generated models and write it back; report every difference.

The written JSON must equal the body (after its recorded syntax repairs): the same keys, values,
nulls and annotations; only key order may differ. Dynamic properties whose type was decided
outside the metadata (a notification's `resourceData`, typed from its `resourceUrl`) round-trip
through that type too, not only as opaque JSON.

Finding codes:

- `roundtrip.mismatch` — the written JSON differs at this path (error): the models lose, add or
  change data.
- `roundtrip.read-failed` — the models refused the body (error); the validator should have said
  why, so this points at a disagreement between the two.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import generated
from generated import ODataConverter, ReadError
from generated._odata import json_type

from .findings import Finding
from .validate import DynamicType, TypeRef, child_path

_PATH_STEP = re.compile(r'\.([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')
_MAX_SHOWN = 60


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """The outcome: whether the written JSON equals the body, and the findings if not."""

    ok: bool
    findings: tuple[Finding, ...] = ()


def roundtrip(
    value: Any,
    declared: TypeRef,
    *,
    dynamic: Mapping[str, DynamicType] | None = None,
    converter: ODataConverter | None = None,
) -> RoundTrip:
    """Read `value` as `declared` with the lenient converter, write it back, and compare."""
    conv = converter if converter is not None else generated.converter(strict=False)
    findings = list(_through(conv, value, declared, "$"))
    for path, decided in (dynamic or {}).items():
        found, sub = get_path(value, path)
        if found:
            findings.extend(_through(conv, sub, decided.type, path))
    return RoundTrip(not findings, tuple(findings))


def _through(conv: ODataConverter, value: Any, declared: TypeRef, path: str) -> Iterator[Finding]:
    if declared.qname not in conv.facts.types:
        return  # primitives and enums are written as read: nothing the models could change
    try:
        written = _write(conv, _read(conv, value, declared), declared)
    except ReadError as exc:
        yield Finding(
            "error",
            "roundtrip.read-failed",
            path + exc.path[1:],
            f"the generated models could not read the body as {declared}: {exc.message}",
        )
        return
    yield from diff(value, written, path)


def _read(conv: ODataConverter, value: Any, declared: TypeRef) -> Any:
    if not declared.collection:
        return conv.read(value, declared.qname)
    if type(value) is not list:
        raise ReadError("$", f"expected an array of {declared.qname}, got {json_type(value)}")
    out: list[Any] = []
    for i, item in enumerate(value):
        try:
            out.append(None if item is None else conv.read(item, declared.qname))
        except ReadError as exc:
            raise exc.at(f"$[{i}]") from None
    return out


def _write(conv: ODataConverter, obj: Any, declared: TypeRef) -> Any:
    if declared.collection:
        return [None if o is None else conv.write(o, declared.qname) for o in obj]
    return conv.write(obj, declared.qname)


def diff(expected: Any, actual: Any, path: str = "$") -> Iterator[Finding]:
    """A `roundtrip.mismatch` finding for each place where `actual` differs from `expected`."""
    if type(expected) is dict and type(actual) is dict:
        for key, value in expected.items():
            at = child_path(path, key)
            if key not in actual:
                yield _mismatch(at, f"{key!r} was dropped (the body has {_show(value)})")
            else:
                yield from diff(value, actual[key], at)
        for key, value in actual.items():
            if key not in expected:
                yield _mismatch(child_path(path, key), f"{key!r} was added: {_show(value)}")
        return
    if type(expected) is list and type(actual) is list:
        for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
            yield from diff(e, a, f"{path}[{i}]")
        if len(expected) != len(actual):
            yield _mismatch(path, f"the body has {len(expected)} items, written {len(actual)}")
        return
    if not _same_scalar(expected, actual):
        yield _mismatch(path, f"the body has {_show(expected)}, written {_show(actual)}")


def _same_scalar(expected: Any, actual: Any) -> bool:
    if json_type(expected) != json_type(actual):
        return False
    if type(expected) is float and type(actual) is float and math.isnan(expected):
        return math.isnan(actual)
    return bool(expected == actual)


def _mismatch(path: str, message: str) -> Finding:
    return Finding("error", "roundtrip.mismatch", path, message)


def _show(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


def get_path(value: Any, path: str) -> tuple[bool, Any]:
    """The value at a JSON path written by `child_path` (`$.value[0].resourceData`)."""
    if not path.startswith("$"):
        return False, None
    pos, current = 1, value
    while pos < len(path):
        m = _PATH_STEP.match(path, pos)
        if m is None:
            return False, None
        name, index, quoted = m.groups()
        key: Any = int(index) if index is not None else name or json.loads(quoted)
        if isinstance(key, int):
            if type(current) is not list or key >= len(current):
                return False, None
        elif type(current) is not dict or key not in current:
            return False, None
        current = current[key]
        pos = m.end()
    return True, current
