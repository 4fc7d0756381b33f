"""Our side of the benchmarks: the same workloads as `sdk_side`, plus what only we have.

Runs as `python -m benchmarks.ours WORKLOAD [--bodies FILE] [--repeat N]` inside `.venv-bench`
(so both sides share one interpreter and one set of installed packages), and in-process from the
smoke test.

- warm read and write through the generated models (`converter().read` / `.write`), beside the
  `json.loads` / `json.dumps` floor of the same bytes;
- validation throughput (`runtime.checking.validate`); the SDK has no validator, so it has no row;
- fidelity of the round trip and the bad inputs, by three of our mechanisms: the default
  (lenient) reader, the strict reader and the strict validator;
- generation of the full Graph beta and of the calls closure, with `benchmarks.csdl_read`'s
  read + resolve beside a bare lxml parse.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import sdk_side
from benchmarks.sdk_side import (
    CALL,
    accepted_outcome,
    bad_inputs,
    body_sets,
    fidelity_entry,
    load_bodies,
    row,
    sample_all,
)

ROOT = Path(__file__).resolve().parent.parent
METADATA = ROOT.parent / "shared" / "metadata"
BASE = METADATA / "graph-beta-2021-07-13.xml"
OVERLAY = METADATA / "graph-beta-calls-2026-08-03.xml"
SOURCES = ROOT / "metadata" / "sources.toml"


def calls_roots() -> list[str]:
    """The roots the committed `generated/` is built from, as `metadata/sources.toml` pins them."""
    with SOURCES.open("rb") as f:
        packages = tomllib.load(f)["packages"]
    roots: list[str] = next(p for p in packages if p["name"] == "beta")["roots"]
    return roots


def cold_code(stage: str) -> str:
    """Code for a fresh interpreter: time importing `Call` and, for `first`, reading one body."""
    first = (
        "import generated.beta as models\n"
        "obj = models.converter().read_as(json.loads(data), Call)\n"
        "assert obj.callback_uri\n"
        if stage == "first"
        else ""
    )
    return (
        "import json, sys, time\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        "t0 = time.perf_counter()\n"
        "from generated.beta.microsoft_graph.call import Call\n"
        f"{first}"
        "print(time.perf_counter() - t0)\n"
    )


def _validation_settings(kind: str) -> dict[str, Any]:
    # What we send is checked strictly and whole; what Graph sends us, leniently and partially
    # (responses and notifications may omit anything, and Graph's enums evolve).
    if kind == "request":
        return {"mode": "strict", "partial": False}
    return {"mode": "lenient", "partial": True}


def warm(
    bodies: list[dict[str, Any]], repeat: int, *, with_sdk: bool, min_seconds: float = 0.1
) -> list[dict[str, Any]]:
    """Warm read/write through the models, validation, and the json floor, on every body set.

    With `with_sdk`, the SDK's read and write of the same bodies are timed in the same process,
    interleaved with ours and the floor: two figures from two processes minutes apart differ by
    more than the noise of one run on a shared 2-core machine.
    """
    from generated import beta as generated

    conv = generated.converter()
    rows: list[dict[str, Any]] = []
    for name, every in body_sets(bodies).items():
        # A documented body our reader refuses (see the fidelity table) can't be timed: time the
        # others and say how many were left out, rather than hide the refusal.
        items = [b for b in every if _reads(conv, json.loads(b["text"]), b["declared"])]
        label = name if len(items) == len(every) else f"{name}, {len(every) - len(items)} refused"
        rows.extend(_warm_set(conv, label, items, repeat, with_sdk, min_seconds))
    return rows


def _warm_set(
    conv: Any,
    label: str,
    items: list[dict[str, Any]],
    repeat: int,
    with_sdk: bool,
    min_seconds: float,
) -> list[dict[str, Any]]:
    from runtime.checking.validate import check, validate

    data = [b["text"].encode() for b in items]
    values = [json.loads(d) for d in data]
    declared = [b["declared"] for b in items]
    objs = [conv.read(v, q) for v, q in zip(values, declared, strict=True)]
    settings = [_validation_settings(b["kind"]) for b in items]
    workloads: dict[tuple[str, str, str], Callable[[], object]] = {
        ("read", "json.loads (floor)", "json"): lambda: [json.loads(d) for d in data],
        ("read", "ours: bytes → object", "ours"): lambda: [
            conv.read(json.loads(d), q) for d, q in zip(data, declared, strict=True)
        ],
        ("read", "ours: dict → object (structure only)", "ours"): lambda: [
            conv.read(v, q) for v, q in zip(values, declared, strict=True)
        ],
        ("write", "json.dumps (floor)", "json"): lambda: [json.dumps(v).encode() for v in values],
        ("write", "ours: object → bytes", "ours"): lambda: [
            json.dumps(conv.write(o, q)).encode() for o, q in zip(objs, declared, strict=True)
        ],
        ("validate", "ours: validate parsed body", "ours"): lambda: [
            validate(v, q, **s) for v, q, s in zip(values, declared, settings, strict=True)
        ],
        ("validate", "ours: bytes → checked object (validate + read, one walk)", "ours"): lambda: [
            check(json.loads(d), q, **s) for d, q, s in zip(data, declared, settings, strict=True)
        ],
    }
    if with_sdk and all(b["declared"] == CALL for b in items):
        # The SDK is timed on exactly the bodies we are; it has no notification model at all.
        workloads.update(sdk_side.workloads(items))
    times = sample_all(workloads, repeat=repeat, min_seconds=min_seconds)
    return [
        row(group, label, what, side, times[(group, what, side)], len(items))
        for (group, what, side) in workloads
    ]


def _reads(conv: Any, value: Any, qname: str) -> bool:
    from generated.beta import ReadError

    try:
        conv.read(value, qname)
    except ReadError:
        return False
    return True


def fidelity(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Round trip every body through the models (default reader) and compare with the docs."""
    from generated import beta as generated
    from generated.beta import ReadError

    conv = generated.converter()
    out = []
    for b in bodies:
        try:
            written = conv.write(conv.read(json.loads(b["text"]), b["declared"]), b["declared"])
        except ReadError as exc:
            out.append(fidelity_entry(b, None, f"ReadError: {exc}"))
            continue
        out.append(fidelity_entry(b, written, None))
    return out


def bad(bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each bad input through the lenient reader, the strict reader and the strict validator."""
    from generated import beta as generated
    from generated.beta import ReadError
    from runtime.checking.validate import validate

    first = body_sets(bodies)["one create-call request"][0]
    out = []
    for case, (value, path) in bad_inputs(json.loads(first["text"])).items():
        for label, conv in (
            ("ours: reader (lenient, default)", generated.converter()),
            ("ours: reader (strict)", generated.converter(strict=True)),
        ):
            entry = {"case": case, "path": path, "side": label}
            try:
                written = conv.write(conv.read(value, CALL), CALL)
            except ReadError as exc:
                entry.update(rejected=True, with_path=exc.path.startswith(path), outcome=str(exc))
            else:
                entry.update(
                    rejected=False, with_path=False, outcome=accepted_outcome(value, written, path)
                )
            out.append(entry)
        errors = [
            f for f in validate(value, CALL, mode="strict", partial=False) if f.severity == "error"
        ]
        at = [f for f in errors if f.path.startswith(path)]
        out.append(
            {
                "case": case,
                "path": path,
                "side": "ours: validate (strict request)",
                "rejected": bool(errors),
                "with_path": bool(at),
                "outcome": f"{at[0].code} at {at[0].path}" if at else "no error",
            }
        )
    return out


def generation(repeat: int, python: str = sys.executable) -> dict[str, Any]:
    """Wall time of `python -m codegen generate` for the full beta and the calls closure."""
    inputs = ["--metadata", str(BASE), "--overlay", str(OVERLAY)]
    roots = calls_roots()
    commands = {
        "generate full Graph beta (all types)": inputs,
        f"generate calls closure ({len(roots)} roots)": inputs
        + [a for r in roots for a in ("--root", r)],
    }
    rows = []
    full_beta: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="bench-gen-") as tmp:
        for what, args in commands.items():
            times = []
            for i in range(repeat):
                out = Path(tmp) / f"out{i}"
                cmd = [python, "-m", "codegen", "generate", *args, "--out", str(out)]
                times.extend(_wall(cmd, 1))
                if not full_beta and "full" in what:
                    py = list(out.rglob("*.py"))
                    full_beta = {"files": len(py), "py_bytes": sum(p.stat().st_size for p in py)}
                shutil.rmtree(out, ignore_errors=True)
            rows.append(row("generate", "pinned inputs", what, "ours", times, 1))
    return {"rows": rows, "full_beta": full_beta}


def _wall(cmd: list[str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def csdl(repeat: int) -> list[dict[str, Any]]:
    """`benchmarks.csdl_read` (read + resolve beside a bare lxml parse), reused as is."""
    from benchmarks.csdl_read import csdl_read

    return [
        {
            "group": "csdl",
            "set": "graph-beta-2021-07-13.xml",
            "name": r.what,
            "side": "lxml" if r.baseline is None else "ours",
            "samples": list(r.seconds),
        }
        for r in csdl_read(repeat)
    ]


def main(argv: list[str]) -> int:
    """Run one workload and print its result as JSON (the orchestrator parses it)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ours")
    parser.add_argument("workload", choices=["warm", "fidelity", "bad", "generate", "csdl"])
    parser.add_argument("--bodies", help="bodies file written by benchmarks.compare")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--with-sdk", action="store_true", help="time the SDK in this process")
    args = parser.parse_args(argv)
    result: Any
    if args.workload == "generate":
        result = generation(args.repeat)
    elif args.workload == "csdl":
        result = csdl(args.repeat)
    else:
        if not args.bodies:
            parser.error(f"{args.workload} needs --bodies")
        bodies = load_bodies(args.bodies)
        if args.workload == "warm":
            result = warm(bodies, args.repeat, with_sdk=args.with_sdk)
        else:
            result = fidelity(bodies) if args.workload == "fidelity" else bad(bodies)
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
