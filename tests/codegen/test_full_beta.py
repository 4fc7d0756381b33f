"""The whole Graph beta snapshot (plus the calls overlay) generates, imports and resolves.

Generation time is printed (run with `-s` to see it), never asserted: the target lives in
`make bench`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from codegen.generate import generate
from codegen.model import EnumType, StructuredType
from codegen.sources import load_model

PACKAGE = "graph_beta_full"

_CHECK = textwrap.dedent(
    """
    import importlib, json, pathlib, sys, time
    name = sys.argv[1]
    start = time.perf_counter()
    pkg = importlib.import_module(name)
    root = pathlib.Path(pkg.__file__).parent
    modules = 0
    for path in sorted(root.rglob("*.py")):
        parts = [name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        importlib.import_module(".".join(parts))
        modules += 1
    imported = time.perf_counter() - start
    conv, facts = pkg.converter(), pkg.schema()
    problems, classes = [], {}
    for qname, t in facts.types.items():
        cls = conv.class_of(qname)
        if cls.ODATA_TYPE != "#" + qname:
            problems.append(f"{qname}: ODATA_TYPE {cls.ODATA_TYPE}")
        if classes.setdefault(cls, qname) != qname:
            problems.append(f"{qname}: same class as {classes[cls]}")
        if t.base is not None and not issubclass(cls, conv.class_of(t.base)):
            problems.append(f"{qname}: not a subclass of {t.base}")
    enums = set()
    for qname, e in facts.enums.items():
        cls = conv.enum_of(qname)
        enums.add(cls)
        if [m.value for m in cls] != [name for name, _ in e.members]:
            problems.append(f"{qname}: members differ")
    if len(enums) != len(facts.enums):
        problems.append("two enums share a class")
    # Every @odata.type reads: the registry resolves it to its class; a free-form type
    # (Graph's `Json`) keeps the JSON as written.
    for qname, t in facts.types.items():
        if t.kind != "parameters" and not t.abstract:
            data = {"@odata.type": "#" + qname}
            value = conv.read(data, qname)
            if conv.free_form(qname):
                if value != data:
                    problems.append(f"{qname}: free-form JSON read as {value!r}")
            elif type(value) is not conv.class_of(qname):
                problems.append(f"{qname}: read as {type(value).__name__}")
    print(json.dumps({
        "modules": modules,
        "types": len(facts.types),
        "enums": len(facts.enums),
        "import_seconds": round(imported, 2),
        "problems": problems[:20],
        "problem_count": len(problems),
    }))
    """
)


def test_full_beta_generates_imports_and_resolves(
    graph_snapshot: Path, calls_overlay: Path, tmp_path: Path
) -> None:
    start = time.perf_counter()
    model = load_model(graph_snapshot, [calls_overlay])
    loaded = time.perf_counter()
    out = tmp_path / PACKAGE
    # This test imports every module itself (with more checks), so generation's own import
    # check would only double the time.
    changed, _ = generate(model, [], out, PACKAGE, import_check=False)
    generated = time.perf_counter()
    assert changed
    assert not [p for p in tmp_path.iterdir() if p.name != PACKAGE], "temporary folders left"

    done = subprocess.run(
        [sys.executable, "-c", _CHECK, PACKAGE],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0, done.stderr[-4000:]
    report = json.loads(done.stdout)
    print(
        f"\nfull beta: read+resolve {loaded - start:.2f} s, generate {generated - loaded:.2f} s "
        f"({report['modules']} modules, {report['types']} types, {report['enums']} enums); "
        f"importing every module {report['import_seconds']:.2f} s"
    )
    assert report["problem_count"] == 0, report["problems"]

    structured = sum(isinstance(t, StructuredType) for t in model.types.values())
    enums = sum(isinstance(t, EnumType) for t in model.types.values())
    operations = sum(len(ops) for ops in model.operations.values())
    assert structured > 2500
    # One class per structured type and per operation overload: none lost to a name clash.
    assert report["types"] == structured + operations
    assert report["enums"] == enums
    # One module per class and enum, an __init__ and a _facts per namespace, plus the
    # package's own files.
    namespaces = len({t.namespace for t in model.types.values()})
    assert report["modules"] == report["types"] + enums + 2 * namespaces + 3


@pytest.fixture(autouse=True)
def _no_bytecode_in_tmp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
