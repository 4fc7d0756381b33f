"""Smoke test of the SDK comparison: our side's workloads on two bodies, and the page renders.

No timing is asserted (figures depend on the machine), nothing is installed, `.venv-bench` and
the SDK are never touched: `make bench` is where the real comparison runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks import compare, ours, report
from benchmarks.sdk_side import bad_inputs, json_diff, load_bodies

SEED = compare.SEED


@pytest.fixture(scope="module")
def bodies(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """A create-call request and a notification, through the same file the subprocesses read."""
    if not SEED.is_file():
        pytest.skip(f"SEED PAGE MISSING: {SEED} (the shared seeds beside the checkout)")
    every = compare.read_bodies(SEED)
    assert len(every) == 35
    picked = [
        next(b for b in every if b["kind"] == "request"),
        next(b for b in every if b["kind"] == "notification"),
    ]
    path = Path(tmp_path_factory.mktemp("bench")) / "bodies.json"
    path.write_text(json.dumps(picked), encoding="utf-8")
    return load_bodies(str(path))


def test_json_diff_names_every_difference() -> None:
    documented = {"a": None, "b": [1, {"c": True}], "d": "x"}
    written = {"b": [1, {"c": 1}], "d": "x", "e": 2}
    assert json_diff(documented, written) == [
        ("dropped", "$.a", None),
        ("changed", "$.b[1].c", True),
        ("added", "$.e", 2),
    ]


def test_bad_inputs_break_the_body_where_they_say() -> None:
    body = {"targets": [{}], "mediaConfig": {}, "callbackUri": "https://x", "callOptions": {}}
    cases = bad_inputs(body)
    assert len(cases) == 6
    value, path = cases["wrong type in a collection"]
    assert path == "$.targets[1]" and value["targets"][1] == 42
    value, path = cases["missing required property"]
    assert path == "$.callbackUri" and "callbackUri" not in value
    assert body["targets"] == [{}]  # the original is left alone


def test_our_side_runs_and_the_page_renders(bodies: list[dict[str, Any]]) -> None:
    rows = ours.warm(bodies, repeat=1, with_sdk=False, min_seconds=0.0)
    assert {r["group"] for r in rows} == {"read", "write", "validate"}
    assert all(r["samples"] and r["side"] in ("json", "ours") for r in rows)
    fidelity = ours.fidelity(bodies)
    assert [e["ok"] for e in fidelity] == [True, True]
    bad = ours.bad(bodies)
    validator = [e for e in bad if e["side"].startswith("ours: validate")]
    assert len(validator) == 6 and all(e["rejected"] and e["with_path"] for e in validator)

    cold = [
        {"group": "cold", "set": report.FIRST_SET, "name": name, "side": side, "samples": [t]}
        for name, side, t in (
            ("python -I -c pass (interpreter start)", "python", 0.02),
            ("ours: import + first object", "ours", 0.05),
            ("SDK: import + first object", "sdk", 3.0),
        )
    ]
    results = {
        "machine": compare.machine(),
        "versions": {"msgraph-beta-sdk": "test"},
        "runs": 1,
        "bodies": {"page": SEED.name, "count": 2, "kinds": "1 requests, 1 notifications"},
        "rows": cold + rows,
        "fidelity": {"ours": fidelity, "sdk": []},
        "bad": bad,
        "sizes": {
            side: {"package": {"files": 1, "py_bytes": 10, "disk_bytes": 20}, "deps": {"x": 5}}
            for side in ("ours", "sdk")
        },
        "elapsed": 1.0,
    }
    page = report.render(results)
    for heading in ("## Targets", "## Speed", "## Round-trip fidelity", "## Bad inputs"):
        assert heading in page
    assert "ours: bytes → object" in page and "not run" in page
    met = {t["target"]: t["met"] for t in report.targets(results)}
    # No SDK row was measured: the deserialization target must say so, never claim a pass.
    assert met["deserialize a call body ≥ 50× faster than the SDK"] is False
    assert met["cold time-to-first-object ≥ 10× faster than the SDK"] is True
