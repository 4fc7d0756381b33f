"""Round trip: write back what the one checking walk read, and report every difference.

The written JSON must equal the body (after its recorded syntax repairs): the same keys, values,
nulls and annotations; only key order may differ. Dynamic properties whose type was decided
outside the metadata (a notification's `resourceData`, typed from its `resourceUrl`) round-trip
through that type too, not only as opaque JSON. Nothing here reads the body again: the value
comes from `runtime.checking.validate.check`, the same walk that found the findings.

Finding codes:

- `roundtrip.mismatch` — the written JSON differs at this path (error): the models lose, add or
  change data.
- `roundtrip.read-failed` — the models refused the body (error), located at the first error.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .findings import Finding
from .models import odata_of
from .validate import CheckOutcome, DynamicType, SchemaIndex, TypeRef, check

__all__ = ["RoundTrip", "diff", "roundtrip", "written_back"]

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
    index: SchemaIndex | None = None,
) -> RoundTrip:
    """Read `value` as `declared` leniently (one walk), write it back, and compare."""
    outcome = check(value, declared, mode="lenient", partial=True, dynamic=dynamic, index=index)
    return written_back(value, declared, outcome, dynamic)


def written_back(
    value: Any,
    declared: TypeRef,
    outcome: CheckOutcome,
    dynamic: Mapping[str, DynamicType] | None = None,
) -> RoundTrip:
    """Compare the body with what the converter writes from the value `outcome` read."""
    conv = outcome.converter
    errors = [f for f in outcome.findings if f.severity == "error"]
    if errors or conv is None:
        first = errors[0] if errors else None
        return RoundTrip(
            False,
            (
                Finding(
                    "error",
                    "roundtrip.read-failed",
                    first.path if first else "$",
                    f"the generated models could not read the body as {declared}"
                    + (f": {first.message}" if first else ""),
                ),
            ),
        )
    written = conv.write_value(outcome.value, declared.qname, collection=declared.collection)
    child_path = odata_of(conv).child_path
    findings = list(diff(value, written, "$", child_path))
    for path, decided in (dynamic or {}).items():
        if path in outcome.dynamic:
            found, sub = odata_of(conv).get_path(value, path)
            again = conv.write_value(
                outcome.dynamic[path], decided.type.qname, collection=decided.type.collection
            )
            findings.extend(diff(sub, again, path, child_path) if found else ())
    return RoundTrip(not findings, tuple(findings))


def diff(
    expected: Any, actual: Any, path: str, child_path: Callable[[str, str | int], str]
) -> Iterator[Finding]:
    """A `roundtrip.mismatch` finding for each place where `actual` differs from `expected`;
    `child_path` is the models package's spelling of JSON paths."""
    if type(expected) is dict and type(actual) is dict:
        for key, value in expected.items():
            at = child_path(path, key)
            if key not in actual:
                yield _mismatch(at, f"{key!r} was dropped (the body has {_show(value)})")
            else:
                yield from diff(value, actual[key], at, child_path)
        for key, value in actual.items():
            if key not in expected:
                yield _mismatch(child_path(path, key), f"{key!r} was added: {_show(value)}")
        return
    if type(expected) is list and type(actual) is list:
        for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
            yield from diff(e, a, f"{path}[{i}]", child_path)
        if len(expected) != len(actual):
            yield _mismatch(path, f"the body has {len(expected)} items, written {len(actual)}")
        return
    if not _same_scalar(expected, actual):
        yield _mismatch(path, f"the body has {_show(expected)}, written {_show(actual)}")


def _same_scalar(expected: Any, actual: Any) -> bool:
    # bool is an int to Python, not to JSON: `true` written back as `1` is a change.
    if isinstance(expected, bool) != isinstance(actual, bool):
        return False
    numbers = int | float
    if isinstance(expected, numbers) != isinstance(actual, numbers):
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
