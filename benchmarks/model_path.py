"""What the lazy model saves on a calls-closure generation of the pinned beta + overlay.

Three ways to get from the pinned inputs to the calls-closure plan, each run in a fresh
interpreter (imports done, clock around the work only), and the command line's whole run:

- lazy, as the library uses it: `load_model`, closure and plan build only what they read;
- everything built first (`model.diagnostics`), which is what an eager model costs and what the
  `generate` command pays, since it checks the whole document's diagnostics before writing;
- `python -m codegen generate --config metadata/sources.toml --check`, start-up, ruff and
  comparison with `generated/` included.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import Row, workload

PROJECT = Path(__file__).resolve().parent.parent

_SETUP = """\
import json, time
from codegen.closure import closure
from codegen.lazy_document import LazyDocument
from codegen.plan import plan_package
from codegen.resolve import resolve
from codegen.sources import load_sources, verify
from codegen.xmlsafe import load_file

sources = load_sources()
for pinned in (sources.base, *sources.overlays):
    verify(pinned)
start = time.perf_counter()
docs = [LazyDocument(load_file(sources.base.path))]
docs += [LazyDocument(load_file(o.path), overlay=True) for o in sources.overlays]
model = resolve(docs[0], docs[1:])
"""

_FINISH = """\
plan = plan_package(model, closure(model, sources.roots))
seconds = time.perf_counter() - start
print(json.dumps({
    "seconds": seconds,
    "built": sum(d.built_count for d in docs),
    "entries": sum(len(s.entries) for d in docs for s in d.schemas),
    "classes": len(plan.classes),
}))
"""

_VARIANTS = {
    "lazy": _SETUP + _FINISH,
    "everything": _SETUP + "model.diagnostics\n" + _FINISH,
}


def _run(code: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


_COMMAND = ("-m", "codegen", "generate", "--config", "metadata/sources.toml", "--check")


def _cli() -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, *_COMMAND, "--no-progress"],
        capture_output=True,
        check=True,
        cwd=PROJECT,
    )
    return time.perf_counter() - start


@workload("model-path")
def model_path(runs: int) -> list[Row]:
    """Calls-closure load + closure + plan, lazy vs everything built, and the whole command."""
    results: dict[str, list[dict[str, float]]] = {name: [] for name in _VARIANTS}
    cli: list[float] = []
    try:
        for _ in range(runs):
            for name, code in _VARIANTS.items():
                results[name].append(_run(code))
            cli.append(_cli())
    except subprocess.CalledProcessError as exc:
        raise FileNotFoundError(f"the pinned inputs could not be loaded: {exc.stderr}") from None
    lazy, whole = results["lazy"][0], results["everything"][0]

    def built(r: dict[str, float]) -> str:
        return f"{int(r['built']):,} of {int(r['entries']):,} records built"

    return [
        Row(
            "model-path",
            "calls closure: load + closure + plan, everything built",
            tuple(r["seconds"] for r in results["everything"]),
            note=f"{built(whole)}; what an eager model costs, and what `generate` pays",
        ),
        Row(
            "model-path",
            "calls closure: load + closure + plan, lazy",
            tuple(r["seconds"] for r in results["lazy"]),
            baseline="calls closure: load + closure + plan, everything built",
            note=f"{built(lazy)}, {int(lazy['classes'])} classes planned",
        ),
        Row(
            "model-path",
            "generate --config metadata/sources.toml --check",
            tuple(cli),
            note="the whole command in a new process: start-up, diagnostics, ruff, comparison",
        ),
    ]
