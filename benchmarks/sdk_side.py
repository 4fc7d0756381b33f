"""The official SDK's side of the benchmarks, plus the stdlib-only harness both sides share.

This file runs inside `.venv-bench` as a script (`python benchmarks/sdk_side.py WORKLOAD BODIES`),
so it imports only the standard library at module level and the SDK inside the workloads: a
process measuring the SDK never loads our package. `benchmarks.ours` imports the harness part
(`sample`, `json_diff`, `bad_inputs`, ...) so both sides are timed and compared the same way.

The SDK workloads use its documented API: `JsonParseNode(json.loads(body)).get_object_value(Call)`
(the factory argument is the model class, whose `create_from_discriminator_value` picks the
subclass named by `@odata.type`) and `JsonSerializationWriter.write_object_value`. The SDK has no
model for `commsNotifications` (the type is not in the OpenAPI description it is generated from),
so callback notifications cannot be typed with it at all; those rows say so rather than guess.
"""

from __future__ import annotations

import copy
import gc
import json
import sys
import time
from collections.abc import Callable
from typing import Any

CALL = "microsoft.graph.call"
NOTIFICATIONS = "microsoft.graph.commsNotifications"

# -- bodies -------------------------------------------------------------------------------------


def load_bodies(path: str) -> list[dict[str, Any]]:
    """The bodies file written by the orchestrator: `id`, `kind`, `declared`, `text` each."""
    with open(path, encoding="utf-8") as f:
        bodies: list[dict[str, Any]] = json.load(f)
    return bodies


def body_sets(bodies: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The named sets every speed figure is measured on, each a list of bodies."""
    calls = [b for b in bodies if b["declared"] == CALL]
    first = next(b for b in calls if b["kind"] == "request")
    return {
        "one create-call request": [first],
        f"call bodies ({len(calls)})": calls,
        f"all bodies ({len(bodies)})": bodies,
    }


# -- timing ---------------------------------------------------------------------------------------


def sample_all(
    fns: dict[Any, Callable[[], object]], *, repeat: int, min_seconds: float = 0.1
) -> dict[Any, list[float]]:
    """Seconds per call of each function, `repeat` figures each, timeit-style and interleaved.

    Each function first gets a loop count that makes one figure last at least `min_seconds`
    (microsecond workloads are otherwise lost in the clock's noise); then the repeats alternate
    between the functions, so the machine's noise (other processes on 2 cores) falls on every
    contestant alike. The cyclic GC is off inside a figure and collected between figures.
    """
    loops: dict[Any, int] = {}
    for key, fn in fns.items():
        fn()  # warm-up: lazily compiled hooks and first imports belong to the cold workloads
        n = 1
        while (took := _loop(fn, n)) < min_seconds and n < 1 << 20:
            n *= 2 if took * 4 >= min_seconds else 8
        loops[key] = n
    out: dict[Any, list[float]] = {key: [] for key in fns}
    for _ in range(repeat):
        for key, fn in fns.items():
            out[key].append(_loop(fn, loops[key]) / loops[key])
    return out


def _loop(fn: Callable[[], object], loops: int) -> float:
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(loops):
            fn()
        return time.perf_counter() - start
    finally:
        gc.enable()


def row(
    group: str,
    body_set: str,
    name: str,
    side: str,
    samples: list[float],
    n: int,
) -> dict[str, Any]:
    """One measured figure: seconds per body (`samples` per pass divided by `n` bodies)."""
    return {
        "group": group,
        "set": body_set,
        "name": name,
        "side": side,
        "samples": [s / n for s in samples],
    }


# -- fidelity and bad inputs ----------------------------------------------------------------------


def json_diff(documented: Any, written: Any, path: str = "$") -> list[tuple[str, str, Any]]:
    """Every difference as `(kind, path, documented value)`; kind is dropped, added or changed."""
    out: list[tuple[str, str, Any]] = []
    _diff(documented, written, path, out)
    return out


def _diff(a: Any, b: Any, path: str, out: list[tuple[str, str, Any]]) -> None:
    if type(a) is dict and type(b) is dict:
        for k, v in a.items():
            if k in b:
                _diff(v, b[k], f"{path}.{k}", out)
            else:
                out.append(("dropped", f"{path}.{k}", v))
        out.extend(("added", f"{path}.{k}", b[k]) for k in b if k not in a)
    elif type(a) is list and type(b) is list and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _diff(x, y, f"{path}[{i}]", out)
    elif a != b or type(a) is not type(b):
        # bool vs int and 1 vs 1.0 are different JSON texts, so type matters too.
        out.append(("changed", path, a))


def fidelity_entry(body: dict[str, Any], written: Any | None, error: str | None) -> dict[str, Any]:
    """The fidelity verdict of one body's round trip, with the differences counted by kind."""
    entry: dict[str, Any] = {"id": body["id"], "kind": body["kind"]}
    if error is not None:
        entry.update(ok=False, error=error)
        return entry
    diffs = json_diff(json.loads(body["text"]), written)
    nulls = [p for k, p, v in diffs if k == "dropped" and v is None]
    dropped = [p for k, p, v in diffs if k == "dropped" and v is not None]
    entry.update(
        ok=not diffs,
        nulls_dropped=len(nulls),
        values_dropped=len(dropped),
        changed=sum(1 for k, _, _ in diffs if k == "changed"),
        added=sum(1 for k, _, _ in diffs if k == "added"),
        examples=[f"{k} {p}" for k, p, _ in diffs[:3]],
    )
    return entry


def bad_inputs(body: dict[str, Any]) -> dict[str, tuple[dict[str, Any], str]]:
    """The listed bad inputs, each a broken copy of a create-call body and the path at fault."""

    def broken(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
        value = copy.deepcopy(body)
        change(value)
        return value

    return {
        "wrong type in a collection": (
            broken(lambda v: v.setdefault("targets", []).append(42)),
            f"$.targets[{len(body.get('targets', []))}]",
        ),
        "unknown @odata.type": (
            broken(lambda v: v["mediaConfig"].update({"@odata.type": "#microsoft.graph.noSuch"})),
            "$.mediaConfig",
        ),
        "string for boolean": (
            broken(
                lambda v: v.setdefault("callOptions", {}).update(
                    {"isContentSharingNotificationEnabled": "true"}
                )
            ),
            "$.callOptions.isContentSharingNotificationEnabled",
        ),
        "value out of Int32 range": (
            broken(lambda v: v.update({"ringingTimeoutInSeconds": 2**31})),
            "$.ringingTimeoutInSeconds",
        ),
        "unknown enum member": (
            broken(lambda v: v.setdefault("requestedModalities", []).append("hologram")),
            f"$.requestedModalities[{len(body.get('requestedModalities', []))}]",
        ),
        "missing required property": (
            broken(lambda v: v.pop("callbackUri", None)),
            "$.callbackUri",
        ),
    }


def accepted_outcome(bad: dict[str, Any], written: Any, path: str) -> str:
    """What an accepting reader did with the bad value: kept it as is, or silently lost it."""
    touched = [p for _, p, _ in json_diff(bad, written) if p == path or p.startswith(path)]
    return "accepted; value silently lost" if touched else "accepted; written back as given"


# -- the SDK workloads ----------------------------------------------------------------------------


def cold_code(stage: str) -> str:
    """Code for a fresh interpreter: time importing `Call` and, for `first`, reading one body."""
    first = (
        "from kiota_serialization_json.json_parse_node import JsonParseNode\n"
        "obj = JsonParseNode(json.loads(data)).get_object_value(Call)\n"
        "assert obj.callback_uri\n"
        if stage == "first"
        else ""
    )
    return (
        "import json, sys, time\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        "t0 = time.perf_counter()\n"
        "from msgraph_beta.generated.models.call import Call\n"
        f"{first}"
        "print(time.perf_counter() - t0)\n"
    )


def _sdk() -> tuple[Any, Callable[[bytes], Any], Callable[[Any], bytes]]:
    from kiota_serialization_json.json_parse_node import JsonParseNode
    from kiota_serialization_json.json_serialization_writer import JsonSerializationWriter
    from msgraph_beta.generated.models.call import Call

    def read(data: bytes) -> Any:
        return JsonParseNode(json.loads(data)).get_object_value(Call)

    def write(obj: Any) -> bytes:
        writer = JsonSerializationWriter()
        writer.write_object_value(None, obj)
        content: bytes = writer.get_serialized_content()
        return content

    return Call, read, write


def workloads(items: list[dict[str, Any]]) -> dict[tuple[str, str, str], Callable[[], object]]:
    """The SDK's warm read and write of these bodies, keyed (group, what, side) like ours."""
    _, read, write = _sdk()
    data = [b["text"].encode() for b in items]
    objs = [read(d) for d in data]
    return {
        ("read", "SDK: bytes → object", "sdk"): lambda: [read(d) for d in data],
        ("write", "SDK: object → bytes", "sdk"): lambda: [write(o) for o in objs],
    }


def fidelity(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Round trip every body through the SDK and compare with the documented JSON."""
    _, read, write = _sdk()
    out = []
    for b in bodies:
        if b["declared"] != CALL:
            out.append(fidelity_entry(b, None, "no model: the SDK has no commsNotifications type"))
            continue
        try:
            written = json.loads(write(read(b["text"].encode())))
        except Exception as exc:  # the verdict is the point: any failure is a finding
            out.append(fidelity_entry(b, None, f"{type(exc).__name__}: {exc}"))
            continue
        out.append(fidelity_entry(b, written, None))
    return out


def bad(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Feed each bad input to the SDK's reader: does it refuse, and does it say where?"""
    _, read, write = _sdk()
    first = body_sets(bodies)["one create-call request"][0]
    out = []
    for case, (value, path) in bad_inputs(json.loads(first["text"])).items():
        try:
            written = json.loads(write(read(json.dumps(value).encode())))
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}"
            out.append(
                {
                    "case": case,
                    "path": path,
                    "side": "SDK (get_object_value)",
                    "rejected": True,
                    "with_path": path in message,
                    "outcome": message[:160],
                }
            )
            continue
        out.append(
            {
                "case": case,
                "path": path,
                "side": "SDK (get_object_value)",
                "rejected": False,
                "with_path": False,
                "outcome": accepted_outcome(value, written, path),
            }
        )
    return out


def main(argv: list[str]) -> int:
    """`sdk_side.py fidelity|bad BODIES`: print the workload's result as JSON."""
    workload, path = argv[0], argv[1]
    bodies = load_bodies(path)
    result: Any
    if workload == "fidelity":
        result = fidelity(bodies)
    elif workload == "bad":
        result = bad(bodies)
    else:
        raise SystemExit(f"unknown workload {workload!r}")
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
