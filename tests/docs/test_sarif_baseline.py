"""`examples --sarif`, `--baseline` and folder arguments: outputs for a docs repository's CI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sarif_pydantic import Sarif

from runtime.cli import main

PAGES = Path(__file__).parents[1] / "pages"


def test_sarif_is_valid_2_1_0_with_a_location_per_finding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.sarif"
    page = str(PAGES / "defects.md")
    status = main(["examples", page, "--json", "--sarif", str(out)])
    assert status == 1
    report = json.loads(capsys.readouterr().out)
    log = json.loads(out.read_text(encoding="utf-8"))
    parsed = Sarif.model_validate(log)
    assert parsed.version == "2.1.0"
    (run,) = parsed.runs
    results = run.results or []
    expected = sum(len(e["repairs"]) + len(e["findings"]) for e in report)
    assert len(results) >= expected > 0
    for raw in log["runs"][0]["results"]:
        assert raw["level"] in ("error", "warning", "note")
        (location,) = raw["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == Path(page).as_posix()
        assert physical["region"]["startLine"] >= 1 and physical["region"]["startColumn"] == 1
    rule_ids = {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert {r["ruleId"] for r in log["runs"][0]["results"]} == rule_ids
    errors = [r for r in log["runs"][0]["results"] if r["level"] == "error"]
    assert errors and all(r["ruleId"] for r in errors)


def test_a_baseline_reports_only_new_findings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.md"
    body = '{"callbackUri": "https://bot.example.org/cb", "acceptedModalities": ["audio"]}'
    request = "```http\nPOST https://graph.microsoft.com/v1.0/communications/calls/1/answer\n"
    page.write_text(f'{request}\n{body[:-1]}, "oops": 1}}\n```\n', encoding="utf-8")
    assert main(["examples", str(page), "--json"]) == 1
    saved = tmp_path / "baseline.json"
    saved.write_text(capsys.readouterr().out, encoding="utf-8")
    # The same page against its own baseline: nothing new, so it passes.
    assert main(["examples", str(page), "--json", "--baseline", str(saved)]) == 0
    (item,) = json.loads(capsys.readouterr().out)
    assert item["findings"] == []
    # A new defect is reported, and only it.
    page.write_text(f'{request}\n{body[:-1]}, "oops": 1, "again": 2}}\n```\n', encoding="utf-8")
    assert main(["examples", str(page), "--json", "--baseline", str(saved)]) == 1
    (item,) = json.loads(capsys.readouterr().out)
    assert [f["path"] for f in item["findings"]] == ["$.again"]


def test_a_bad_baseline_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    saved = tmp_path / "baseline.json"
    saved.write_text('{"not": "a list"}', encoding="utf-8")
    assert main(["examples", str(PAGES / "defects.md"), "--baseline", str(saved)]) == 2
    assert "expected the list" in capsys.readouterr().err


def test_a_folder_checks_every_page_under_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sub").mkdir()
    for name in ("a.md", "sub/b.md"):
        (tmp_path / name).write_text(
            "```http\nGET https://graph.microsoft.com/v1.0/communications/calls/1\n```\n",
            encoding="utf-8",
        )
    (tmp_path / "notes.bin").write_bytes(b"\x00")
    assert main(["examples", str(tmp_path), "--json"]) == 0
    files = {item["source"]["file"] for item in json.loads(capsys.readouterr().out)}
    assert files == {str(tmp_path / "a.md"), str(tmp_path / "sub" / "b.md")}
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["examples", str(empty)]) == 2
    assert "no pages" in capsys.readouterr().err
