"""Side by side with the official SDK: build `.venv-bench`, run both sides, write the page.

`make bench` runs it as the `sdk-compare` workload of `python -m benchmarks`; on its own it is
`python -m benchmarks.compare [--runs N]`. Steps, all in one run so every figure shares a
machine state: `.venv-bench` (see `sdk_env`), the 35 documented bodies read with
`runtime.docs.docpages`, cold starts in fresh interpreters, warm read/write/validate (both sides in
one process), fidelity and bad inputs per side, generation and CSDL reading, installed sizes;
then `docs/benchmarks.md`, `docs/benchmarks.png` and the Markdown on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import Row, report, sdk_env, workload
from benchmarks import ours as ours_side
from benchmarks import sdk_side as sdk_module

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seeds" / "000_07ddc1617f89e2b3.txt"
DOCS = ROOT / "docs"
NOTIFICATIONS = "microsoft.graph.commsNotifications"
CALL = "microsoft.graph.call"
# Warm figures per requested run: each is a loop of 0.1 s or more, interleaved with the floor's,
# and on a shared machine a burst of other work spans a few of them; more figures keep the
# medians from resting on a handful of loops.
WARM_ALTERNATIONS = 3


def read_bodies(page: Path = SEED) -> list[dict[str, Any]]:
    """Every documented body of the page, as the bytes both sides are given, with its type."""
    from runtime.docs.docpages import read_page

    bodies = []
    for ex in read_page(page).examples:
        if not ex.has_body or ex.value is None:
            continue
        bodies.append(
            {
                "id": ex.id.split("#", 1)[-1],
                "kind": ex.kind,
                # Every request and response on this page is a call; callbacks are notifications.
                "declared": NOTIFICATIONS if ex.kind == "notification" else CALL,
                "text": json.dumps(ex.value, ensure_ascii=False),
            }
        )
    return bodies


def _run_json(python: Path, args: list[str]) -> Any:
    done = subprocess.run(
        [str(python), *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def cold(python: Path, body_file: Path, runs: int) -> list[dict[str, Any]]:
    """Fresh `python -I` processes: import `Call`, and import plus one read, for both sides."""
    codes = {
        ("ours: import Call", "ours"): ours_side.cold_code("import"),
        ("SDK: import Call", "sdk"): sdk_module.cold_code("import"),
        ("ours: import + first object", "ours"): ours_side.cold_code("first"),
        ("SDK: import + first object", "sdk"): sdk_module.cold_code("first"),
    }

    def once(code: str) -> float:
        # -I: no user site, no PYTHON* variables (this machine sets PYTHONDONTWRITEBYTECODE,
        # which would recompile our modules on every start while the SDK's come precompiled).
        done = subprocess.run(
            [str(python), "-I", "-c", code, str(body_file)],
            capture_output=True,
            text=True,
            check=True,
        )
        return float(done.stdout.strip().splitlines()[-1])

    for code in codes.values():
        once(code)  # untimed: writes the bytecode caches a second start of an app would find
    samples: dict[tuple[str, str], list[float]] = {key: [] for key in codes}
    bare: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(python), "-I", "-c", "pass"], check=True)
        bare.append(time.perf_counter() - start)
        for key, code in codes.items():
            samples[key].append(once(code))
    first = report.FIRST_SET
    rows = [
        {
            "group": "cold",
            "set": first,
            "name": "python -I -c pass (interpreter start)",
            "side": "python",
            "samples": bare,
        }
    ]
    rows += [
        {"group": "cold", "set": first, "name": name, "side": side, "samples": s}
        for (name, side), s in samples.items()
    ]
    return rows


_FOOTPRINT = """
import json, sys
from importlib.metadata import distribution
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

def closure(names):
    seen, todo = {}, list(names)
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        dist = distribution(name)
        seen[name] = dist
        for text in dist.requires or []:
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen

def size(dist):
    total = 0
    for f in dist.files or []:
        p = dist.locate_file(f)
        if p.is_file():
            total += p.stat().st_size
    return total

out = {}
for side, roots, exclude in json.loads(sys.argv[1]):
    deps = closure(roots)
    out[side] = {n: size(d) for n, d in deps.items() if n not in exclude}
print(json.dumps(out))
"""


def _tree(path: Path) -> dict[str, int]:
    py = [p for p in path.rglob("*.py") if "__pycache__" not in p.parts]
    every = [p for p in path.rglob("*") if p.is_file()]
    return {
        "files": len(py),
        "py_bytes": sum(p.stat().st_size for p in py),
        "disk_bytes": sum(p.stat().st_size for p in every),
    }


def sizes(python: Path) -> dict[str, Any]:
    """Installed size of each side: model package, and the runtime dependencies it needs."""
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # Our generated package needs only attrs and cattrs; the SDK's models need the SDK and the
    # Kiota JSON serializer, with everything they pull in.
    spec = [
        ["ours", ["attrs", "cattrs"], []],
        ["sdk", ["msgraph-beta-sdk", "microsoft-kiota-serialization-json"], ["msgraph-beta-sdk"]],
    ]
    deps = _run_json(python, ["-c", _FOOTPRINT, json.dumps(spec)])
    return {
        "ours": {"package": _tree(ROOT / "generated" / "beta"), "deps": deps["ours"]},
        "sdk": {"package": _tree(site / "msgraph_beta"), "deps": deps["sdk"]},
    }


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(terse=True),
        "processor": platform.machine(),
        "python": platform.python_version(),
    }


def run(runs: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Measure everything once and return the results dictionary the report renders."""
    started = time.perf_counter()
    fresh = not sdk_env.is_current()
    python = sdk_env.ensure(log)
    env_seconds = time.perf_counter() - started if fresh else 0.0
    bodies = read_bodies()
    kinds = Counter(b["kind"] for b in bodies)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        body_file = Path(tmp) / "bodies.json"
        body_file.write_text(json.dumps(bodies), encoding="utf-8")
        first = next(b for b in bodies if b["kind"] == "request")
        first_file = Path(tmp) / "first.json"
        first_file.write_text(first["text"], encoding="utf-8")
        bodies_arg = ["--bodies", str(body_file)]
        log(f"cold start: {runs} fresh interpreters per side and stage")
        rows = cold(python, first_file, runs)
        log("warm read, write and validation, both sides interleaved")
        warm_runs = str(runs * WARM_ALTERNATIONS)
        rows += _run_json(
            python,
            ["-m", "benchmarks.ours", "warm", *bodies_arg, "--repeat", warm_runs, "--with-sdk"],
        )
        log("fidelity and bad inputs")
        fidelity = {
            "ours": _run_json(python, ["-m", "benchmarks.ours", "fidelity", *bodies_arg]),
            "sdk": _run_json(python, ["benchmarks/sdk_side.py", "fidelity", str(body_file)]),
        }
        bad = _run_json(python, ["-m", "benchmarks.ours", "bad", *bodies_arg])
        bad += _run_json(python, ["benchmarks/sdk_side.py", "bad", str(body_file)])
    # Generation is seconds per run: fewer repeats keep `make bench` well inside its budget.
    gen_runs = max(3, runs // 2)
    log(f"generation ({gen_runs} runs each) and CSDL reading")
    generation = _run_json(python, ["-m", "benchmarks.ours", "generate", "--repeat", str(gen_runs)])
    rows += generation["rows"]
    rows += _run_json(python, ["-m", "benchmarks.ours", "csdl", "--repeat", str(runs)])
    log("installed sizes")
    measured_sizes = sizes(python)
    measured_sizes["ours"]["full_beta"] = generation["full_beta"]
    versions = sdk_env.installed_versions(
        [
            "msgraph-beta-sdk",
            "microsoft-kiota-serialization-json",
            "microsoft-kiota-abstractions",
            "attrs",
            "cattrs",
            "lxml",
        ]
    )
    from generated import beta as generated

    versions["generator"] = generated.GENERATOR_VERSION
    return {
        "machine": machine(),
        "versions": versions,
        "runs": runs,
        "warm_runs": runs * WARM_ALTERNATIONS,
        "bodies": {
            "page": SEED.name,
            "count": len(bodies),
            "kinds": ", ".join(f"{n} {k}s" for k, n in kinds.items()),
        },
        "rows": rows,
        "fidelity": fidelity,
        "bad": bad,
        "sizes": measured_sizes,
        "env_seconds": env_seconds,
        "elapsed": time.perf_counter() - started,
    }


def publish(results: dict[str, Any], python: Path, docs: Path = DOCS) -> str:
    """Write the page and the chart (drawn by `.venv-bench`'s matplotlib); return the page."""
    docs.mkdir(exist_ok=True)
    page = report.render(results)
    (docs / "benchmarks.md").write_text(page, encoding="utf-8")
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(results, f)
    try:
        subprocess.run(
            [str(python), "-m", "benchmarks.report", "chart", f.name, str(docs / "benchmarks.png")],
            cwd=ROOT,
            check=True,
        )
    finally:
        os.unlink(f.name)
    return page


def summary_rows(results: dict[str, Any]) -> list[Row]:
    """The cold-start figures as rows of `python -m benchmarks`'s own table (milliseconds)."""
    rows = results["rows"]
    out = []
    for stage in ("import Call", "import + first object"):
        sdk = report.find(rows, "cold", f"SDK: {stage}")
        ours = report.find(rows, "cold", f"ours: {stage}")
        out.append(Row("sdk-compare", f"SDK: cold {stage}", tuple(sdk["samples"])))
        out.append(
            Row(
                "sdk-compare",
                f"ours: cold {stage}",
                tuple(ours["samples"]),
                baseline=f"SDK: cold {stage}",
                target_ratio=1 / report.COLD_VS_SDK if stage != "import Call" else None,
                note="full comparison in docs/benchmarks.md" if stage == "import Call" else "",
            )
        )
    return out


@workload("sdk-compare")
def sdk_compare(runs: int) -> list[Row]:
    """The whole side-by-side comparison; prints its page and writes docs/benchmarks.*."""
    results = run(runs, log=lambda m: print(f"[sdk-compare] {m}", file=sys.stderr, flush=True))
    page = publish(results, sdk_env.python())
    print(page)
    return summary_rows(results)


def main(argv: list[str] | None = None) -> int:
    """`python -m benchmarks.compare`: run the comparison alone, or re-render a saved run."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.compare", description=__doc__)
    parser.add_argument("--runs", type=int, default=7, help="repeats per figure (≥ 5)")
    parser.add_argument("--save", help="also write the raw results as JSON here")
    parser.add_argument("--render", help="re-render docs from saved results; measure nothing")
    args = parser.parse_args(argv)
    if args.render:
        results = json.loads(Path(args.render).read_text(encoding="utf-8"))
    else:
        if args.runs < 5:
            parser.error("--runs must be at least 5")
        results = run(args.runs, log=lambda m: print(f"[compare] {m}", file=sys.stderr))
        if args.save:
            Path(args.save).write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(publish(results, sdk_env.ensure(lambda m: None)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
