"""`inspect`: the JSON report, the severity policy, the real-data numbers of the issue's
"done means", and the reviewed diagnostics snapshot of the real Graph metadata."""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from codegen.cli import main
from codegen.diagnostics import Policy, errors, parse_override, sort_key
from codegen.inspect import COUNT_KEYS, render_text
from codegen.model import Diagnostic, Model
from tests.conftest import CSDL_FIXTURES, REPO_ROOT

SNAPSHOT = REPO_ROOT / "tests" / "snapshots" / "graph-beta-2021-07-13.diagnostics.txt"
FULL = CSDL_FIXTURES / "full.xml"
WARNING_ONLY = """<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
<edmx:DataServices><Schema Namespace="w" xmlns="http://docs.oasis-open.org/odata/ns/edm">
<ComplexType Name="c"><Property Name="d" Type="Edm.Decimal" Scale="Variable" /></ComplexType>
</Schema></edmx:DataServices></edmx:Edmx>
"""


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    """Run `inspect --json` with `args`; its exit status and parsed output."""
    status = main(["inspect", "--json", *args])
    out = capsys.readouterr().out
    return status, json.loads(out)


@pytest.fixture
def warning_doc(tmp_path: Path) -> Path:
    path = tmp_path / "warning.xml"
    path.write_text(WARNING_ONLY)
    return path


# -- policy ---------------------------------------------------------------------------------


def test_default_policy_keeps_severities_and_sorts() -> None:
    a = Diagnostic("warning", "x", "m", "f", 9, "e")
    b = Diagnostic("error", "y", "m", "f", 2, "e")
    assert Policy().apply([a, b]) == [b, a]
    assert sort_key(a) == ("f", 9, "x", "e")


def test_strict_turns_warnings_into_errors_but_not_infos() -> None:
    diags = [Diagnostic("warning", "x", "m"), Diagnostic("info", "z", "m")]
    applied = Policy(strict=True).apply(diags)
    assert [d.severity for d in applied] == ["error", "info"]
    assert errors(applied) == [applied[0]]


def test_overrides_apply_per_code_before_strict() -> None:
    diags = [Diagnostic("warning", "x", "m"), Diagnostic("error", "y", "m")]
    applied = Policy(overrides={"x": "info", "y": "warning"}, strict=True).apply(diags)
    assert {d.code: d.severity for d in applied} == {"x": "info", "y": "error"}


@pytest.mark.parametrize("text", ["x", "x=fatal", "=error", "x=Error"])
def test_bad_override_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="CODE=error"):
        parse_override(text)


def test_cli_exit_status_follows_the_policy(
    warning_doc: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, data = run_json(capsys, "--metadata", str(warning_doc))
    assert status == 0
    assert [(d["severity"], d["code"]) for d in data["diagnostics"]] == [  # type: ignore[index, union-attr]
        ("warning", "nonstandard-value")
    ]
    assert run_json(capsys, "--metadata", str(warning_doc), "--strict")[0] == 1
    status, data = run_json(
        capsys, "--metadata", str(warning_doc), "--severity", "nonstandard-value=error"
    )
    assert status == 1
    assert data["diagnostics"][0]["severity"] == "error"  # type: ignore[index]
    status, data = run_json(
        capsys,
        "--metadata",
        str(warning_doc),
        "--strict",
        "--severity",
        "nonstandard-value=info",
    )
    assert status == 0
    assert data["diagnostics"][0]["severity"] == "info"  # type: ignore[index]


def test_cli_errors_exit_1_and_bad_override_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["inspect", "--metadata", str(CSDL_FIXTURES / "defects.xml")]) == 1
    out = capsys.readouterr().out
    assert "unresolved-type" in out and "errors" in out
    assert main(["inspect", "--metadata", str(FULL), "--severity", "oops"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: expected CODE=error|warning|info")


def test_text_report_lists_counts_overlay_and_diagnostics(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(
        [
            "inspect",
            "--metadata",
            str(FULL),
            "--overlay",
            str(CSDL_FIXTURES / "overlay_a.xml"),
        ]
    )
    out = capsys.readouterr().out
    assert status == 0
    lines = out.splitlines()
    assert lines[0].split() == ["namespace", *COUNT_KEYS]
    assert lines[1].split() == ["test.app", "7", "3", "2", "1", "3", "2", "2", "1", "2"]
    assert "overlay: 2 added, 2 replaced" in out
    assert "  ~ test.app.person: +email -documents ~name" in out
    assert "diagnostics: 0 errors, 0 warnings, 0 infos" in out


def test_json_shape_on_the_fixture(capsys: pytest.CaptureFixture[str]) -> None:
    status, data = run_json(
        capsys, "--metadata", str(FULL), "--overlay", str(CSDL_FIXTURES / "overlay_a.xml")
    )
    assert status == 0
    assert set(data) >= {"counts", "namespaces", "overlay", "diagnostics"}
    assert list(data["counts"]) == list(COUNT_KEYS)  # type: ignore[call-overload]
    assert data["counts"]["actions"] == 3  # type: ignore[index]
    assert data["namespaces"]["test.extra"]["complex_types"] == 1  # type: ignore[index]
    assert data["overlay"] == {
        "added": ["test.app.stamp", "test.extra.tag"],
        "replaced": ["test.app.color", "test.app.person"],
        "members": [
            {"type": "test.app.color", "added": ["black"], "removed": [], "changed": []},
            {
                "type": "test.app.person",
                "added": ["email"],
                "removed": ["documents"],
                "changed": ["name"],
            },
        ],
    }


def test_json_diagnostic_objects(capsys: pytest.CaptureFixture[str]) -> None:
    defects = CSDL_FIXTURES / "defects.xml"
    _, data = run_json(capsys, "--metadata", str(defects))
    diags = data["diagnostics"]
    assert isinstance(diags, list) and diags
    for d in diags:
        assert set(d) == {"severity", "code", "message", "file", "line", "element"}
        assert d["severity"] in ("error", "warning", "info")
        assert isinstance(d["line"], int)
        assert d["file"] == str(defects)


# -- the real Graph metadata ----------------------------------------------------------------


def test_graph_snapshot_numbers(graph_snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, data = run_json(capsys, "--metadata", str(graph_snapshot))
    assert status == 0
    counts = data["counts"]
    assert counts == {
        "entity_types": 1322,
        "complex_types": 1279,
        "enum_types": 874,
        "type_definitions": 0,
        "actions": 925,
        "functions": 335,
        "entity_sets": 73,
        "singletons": 35,
        "terms": 8,
    }
    namespaces = data["namespaces"]
    assert isinstance(namespaces, dict) and len(namespaces) == 7
    assert namespaces["microsoft.graph.callRecords"]["complex_types"] == 15
    for key in COUNT_KEYS:
        assert sum(ns[key] for ns in namespaces.values()) == counts[key]  # type: ignore[index]
    assert data["overlay"] == {"added": [], "replaced": [], "members": []}
    codes = {d["code"] for d in data["diagnostics"]}  # type: ignore[union-attr, index]
    assert "unresolved-type" not in codes
    assert not [d for d in data["diagnostics"] if d["severity"] == "error"]  # type: ignore[union-attr, index]


def test_graph_snapshot_with_calls_overlay(
    graph_snapshot: Path, calls_overlay: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, data = run_json(
        capsys, "--metadata", str(graph_snapshot), "--overlay", str(calls_overlay)
    )
    assert status == 0
    overlay = data["overlay"]
    assert isinstance(overlay, dict)
    assert len(overlay["added"]) == 28
    assert len(overlay["replaced"]) == 41
    assert len(overlay["members"]) == 41
    assert "microsoft.graph.joinMeetingIdMeetingInfo" in overlay["added"]
    assert "microsoft.graph.contentSharingSession" in overlay["added"]
    assert "microsoft.graph.call" in overlay["replaced"]
    # The README's example gap: the property is declared on callOptions and inherited.
    options = next(m for m in overlay["members"] if m["type"] == "microsoft.graph.callOptions")
    assert "isContentSharingNotificationEnabled" in options["added"]
    codes = {d["code"] for d in data["diagnostics"]}  # type: ignore[union-attr, index]
    assert "unresolved-type" not in codes


def test_graph_model_with_calls_has_every_type(graph_model_with_calls: Model) -> None:
    model = graph_model_with_calls
    assert len(model.types) == 3503
    call = model.structured("microsoft.graph.call")
    assert call.source is not None and call.source.overlay is not None
    assert call.source.overlay.endswith("graph-beta-calls-2026-08-03.xml")
    assert model.is_assignable("microsoft.graph.call", "microsoft.graph.entity")
    assert model.key("microsoft.graph.call") == ("id",)
    assert "microsoft.graph.inviteParticipantsOperation" in model.all_derived(
        "microsoft.graph.commsOperation"
    )
    assert not [d for d in model.diagnostics if d.code == "unresolved-type"]
    inherited = {p.name for p in model.all_properties("microsoft.graph.outgoingCallOptions")}
    assert "isContentSharingNotificationEnabled" in inherited


def test_graph_annotations_reach_the_model(graph_model: Model) -> None:
    annotated = [k for k, v in graph_model.annotations.items() if v]
    assert len(annotated) > 5000
    capability_terms = {
        a.term
        for anns in graph_model.annotations.values()
        for a in anns
        if a.term.startswith("Org.OData.Capabilities.V1.")
    }
    assert capability_terms


def test_clean_snapshot_resolves(clean_snapshot: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, data = run_json(capsys, "--metadata", str(clean_snapshot))
    assert status == 0
    assert len(data["namespaces"]) == 7  # type: ignore[arg-type]
    assert data["counts"]["entity_types"] == 1309  # type: ignore[index]
    assert data["counts"]["complex_types"] == 1250  # type: ignore[index]
    codes = {d["code"] for d in data["diagnostics"]}  # type: ignore[union-attr, index]
    assert "unresolved-type" not in codes
    assert codes == {
        "nonstandard-value",
        "missing-key",
        "name-shared-with-operation",
        "name-collision",  # from planning: two members that snake_case to one name
    }
    collided = {d["element"] for d in data["diagnostics"] if d["code"] == "name-collision"}  # type: ignore[union-attr, index]
    assert "microsoft.graph.windowsMalwareCategory/remote_Control_Software" in collided


# -- the reviewed diagnostics snapshot ------------------------------------------------------


def snapshot_lines(diagnostics: Sequence[Diagnostic]) -> list[str]:
    """One line per diagnostic, `severity code element file:line`, sorted."""
    return sorted(
        f"{d.severity} {d.code} {d.element} {Path(d.file or '').name}:{d.line}" for d in diagnostics
    )


def split_snapshot(text: str) -> tuple[list[str], list[str]]:
    """The snapshot's `#` header lines and its diagnostic lines."""
    lines = text.splitlines()
    header = [line for line in lines if line.startswith("#")]
    body = [line for line in lines if line and not line.startswith("#")]
    return header, body


def test_diagnostics_snapshot(graph_model_with_calls: Model) -> None:
    """A new upstream defect shows up here as a diff. Review it; then, to accept it, run
    `UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/codegen/test_inspect.py -k snapshot` and explain the
    new class in the snapshot's header if it is one."""
    current = snapshot_lines(Policy().apply(graph_model_with_calls.diagnostics))
    header, recorded = split_snapshot(SNAPSHOT.read_text(encoding="utf-8"))
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" and current != recorded:
        SNAPSHOT.write_text("\n".join([*header, *current]) + "\n", encoding="utf-8")
        recorded = current
    diff = "\n".join(
        difflib.unified_diff(recorded, current, "snapshot", "current", lineterm="", n=0)
    )
    assert current == recorded, (
        f"diagnostics of the real metadata changed:\n{diff}\n"
        "review, then refresh with UPDATE_SNAPSHOTS=1"
    )
    assert header, "the snapshot must keep its reviewed header"


def test_every_snapshot_class_is_explained_in_the_header() -> None:
    header, body = split_snapshot(SNAPSHOT.read_text(encoding="utf-8"))
    classes = {" ".join(line.split()[:2]) for line in body}
    text = "\n".join(header)
    for cls in classes:
        assert cls.split()[1] in text, f"{cls} is not explained in the snapshot header"


def test_render_text_counts_severities(graph_model: Model) -> None:
    text = render_text(graph_model, Policy().apply(graph_model.diagnostics))
    assert "diagnostics: 0 errors, 128 warnings, 0 infos" in text
