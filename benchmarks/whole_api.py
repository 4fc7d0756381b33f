"""A package of a whole API document (today's v1.0, every type) beside the calls closure of it.

Three questions, each with its baseline measured in the same run:

- how long `generate` takes for the whole document (formatting and the import check of every
  module included), beside the calls closure of the same document (target: under 10 s);
- how long a cold `mypy` takes on a 4-line script that imports one class from the whole
  package and reads a body, beside `mypy` on an empty script (target: at most 5 s);
- how long a fresh interpreter takes to import `Call` and read a create-call body with the whole
  package, beside the same with the calls closure (target: at most 2×), with the bytecode the
  first import wrote and without any.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import Row, workload

PROJECT = Path(__file__).resolve().parent.parent
DOCUMENT = PROJECT.parent / "shared" / "metadata" / "graph-v1.0-2026-08-03.xml"
CALL = "microsoft.graph.call"
GENERATE_TARGET_SECONDS = 10.0
MYPY_TARGET_SECONDS = 5.0
IMPORT_TARGET_RATIO = 2.0

# The user's script: import one class by its typed path, read a body, use an attribute.
SCRIPT = """\
from whole.microsoft_graph.call import Call
from whole import converter
call = converter().read_as({"callbackUri": "https://bot.example.com/cb"}, Call)
print(call.callback_uri.upper() if isinstance(call.callback_uri, str) else None)
"""

BODY = {
    "@odata.type": "#microsoft.graph.call",
    "callbackUri": "https://bot.example.com/callback",
    "targets": [
        {
            "@odata.type": "#microsoft.graph.invitationParticipantInfo",
            "identity": {
                "@odata.type": "#microsoft.graph.identitySet",
                "user": {"@odata.type": "#microsoft.graph.identity", "id": "8d2f1b1c"},
            },
        }
    ],
    "requestedModalities": ["audio"],
    "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
}

# Clock inside the child, around the import and the read only: start-up is the same for both.
_READ = """\
import importlib, json, sys, time
package, data = sys.argv[1], open(sys.argv[2], "rb").read()
start = time.perf_counter()
Call = importlib.import_module(package + ".microsoft_graph.call").Call
models = importlib.import_module(package)
call = models.converter().read_as(json.loads(data), Call)
seconds = time.perf_counter() - start
assert call.callback_uri
print(seconds)
"""


CPU: dict[str, list[float]] = {}
"""CPU seconds (user + system, the command and its subprocesses) by command kind: on a busy
machine the wall time waits for other work, the CPU time does not."""


def _wall(kind: str, cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])}… failed:\n{done.stdout}{done.stderr}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    CPU.setdefault(kind, []).append(cpu)
    return seconds


def _generate(out: Path, package: str, roots: list[str]) -> float:
    cmd = [sys.executable, "-m", "codegen", "generate", "--metadata", str(DOCUMENT)]
    cmd += [a for r in roots for a in ("--root", r)]
    cmd += ["--out", str(out), "--package", package, "--no-progress"]
    return _wall(f"generate {package}", cmd, PROJECT)


def _mypy(folder: Path, script: Path, cache: Path) -> float:
    # A new cache folder per run: cold, as on a fresh checkout or in CI.
    cmd = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), str(script)]
    return _wall(f"mypy {script.stem}", cmd, folder, env={**os.environ, "MYPYPATH": str(folder)})


def _read(folder: Path, package: str, body: Path, pycache: Path | None) -> float:
    # `-E`: a PYTHONDONTWRITEBYTECODE in the environment must not turn the bytecode rows into
    # more rows without it. Without bytecode: an empty pycache prefix, and nothing written.
    flags = ["-E", *(["-B", "-X", f"pycache_prefix={pycache}"] if pycache else [])]
    done = subprocess.run(
        [sys.executable, *flags, "-c", _READ, package, str(body)],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout)


def _size(folder: Path) -> tuple[int, int]:
    files = list(folder.rglob("*.py"))
    return len(files), sum(f.stat().st_size for f in files)


@workload("whole-api")
def whole_api(runs: int) -> list[Row]:
    """Generation, cold mypy and first read for today's whole v1.0 beside their baselines."""
    if not DOCUMENT.is_file():
        raise FileNotFoundError(f"{DOCUMENT} is missing; the benchmark needs ../shared/metadata")
    gen: dict[str, list[float]] = {"calls": [], "whole": []}
    checks: dict[str, list[float]] = {"empty": [], "script": []}
    reads: dict[str, list[float]] = {"calls": [], "whole": [], "calls-B": [], "whole-B": []}
    with tempfile.TemporaryDirectory(prefix="bench-whole-") as tmp:
        folder = Path(tmp)
        # Generation is the slow part: fewer runs, still the median of several.
        for _ in range(max(3, runs // 2)):
            gen["calls"].append(_generate(folder / "calls", "calls", [CALL]))
            gen["whole"].append(_generate(folder / "whole", "whole", []))
        (folder / "empty.py").write_text("", encoding="utf-8")
        (folder / "script.py").write_text(SCRIPT, encoding="utf-8")
        body = folder / "body.json"
        body.write_text(json.dumps(BODY), encoding="utf-8")
        for name in reads:  # the first import writes the bytecode the timed runs read
            _read(folder, name.removesuffix("-B"), body, None)
        for i in range(runs):
            for name in checks:
                checks[name].append(
                    _mypy(folder, folder / f"{name}.py", folder / f"cache{i}{name}")
                )
            for name in reads:
                empty = Path(tempfile.mkdtemp(prefix="pyc-", dir=tmp)) if "-B" in name else None
                reads[name].append(_read(folder, name.removesuffix("-B"), body, empty))
        whole_files, whole_bytes = _size(folder / "whole")
        calls_files, _ = _size(folder / "calls")
        facts = max((folder / "whole").glob("*/_facts.py"), key=lambda p: p.stat().st_size)
        facts_size = facts.stat().st_size
    whole_gen = sorted(gen["whole"])[len(gen["whole"]) // 2]
    mypy_s = sorted(checks["script"])[len(checks["script"]) // 2]

    def cpu(kind: str) -> str:
        values = sorted(CPU.get(kind, [0.0]))
        return f"CPU {values[len(values) // 2]:.1f} s"

    def met(seconds: float, ok: bool, target: str) -> str:
        return f"wall target {target}: {'met' if ok else 'NOT met'} ({seconds:.1f} s)"

    return [
        Row(
            "whole-api",
            "generate calls closure of v1.0",
            tuple(gen["calls"]),
            note=(
                f"--root {CALL}: {calls_files:,} modules; formatting and import check included; "
                f"{cpu('generate calls')}"
            ),
        ),
        Row(
            "whole-api",
            "generate whole v1.0",
            tuple(gen["whole"]),
            baseline="generate calls closure of v1.0",
            note=(
                f"{DOCUMENT.name}: {whole_files:,} modules, {whole_bytes / 1e6:.1f} MB; "
                f"{cpu('generate whole')}; "
                f"{met(whole_gen, whole_gen < GENERATE_TARGET_SECONDS, '< 10 s')}"
            ),
        ),
        Row(
            "whole-api",
            "mypy --strict, cold, empty script",
            tuple(checks["empty"]),
            note=cpu("mypy empty"),
        ),
        Row(
            "whole-api",
            "mypy --strict, cold, 4-line script importing Call",
            tuple(checks["script"]),
            baseline="mypy --strict, cold, empty script",
            note=(
                "`from whole.microsoft_graph.call import Call`, a read and an attribute; "
                f"{cpu('mypy script')}; {met(mypy_s, mypy_s <= MYPY_TARGET_SECONDS, '≤ 5 s')}"
            ),
        ),
        Row(
            "whole-api",
            "import Call + read a body: calls closure",
            tuple(reads["calls"]),
            note="fresh interpreter, bytecode cached; clock around import and read",
        ),
        Row(
            "whole-api",
            "import Call + read a body: whole v1.0",
            tuple(reads["whole"]),
            baseline="import Call + read a body: calls closure",
            target_ratio=IMPORT_TARGET_RATIO,
            note=f"the largest facts module ({facts.parent.name}) is {facts_size / 1e6:.1f} MB",
        ),
        Row(
            "whole-api",
            "import Call + read a body, no bytecode: calls closure",
            tuple(reads["calls-B"]),
            note="every module compiled from source (an empty pycache prefix, -B)",
        ),
        Row(
            "whole-api",
            "import Call + read a body, no bytecode: whole v1.0",
            tuple(reads["whole-B"]),
            baseline="import Call + read a body, no bytecode: calls closure",
            target_ratio=IMPORT_TARGET_RATIO,
        ),
    ]
