"""`python -m runtime`: exit statuses, one-line errors, text and JSON output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from runtime.cli import main
from tests.conftest import SEED_PAGE, seed_page

SEED = SEED_PAGE
CREATE = "POST https://graph.microsoft.com/beta/communications/calls"


def write(tmp_path: Path, body: Any, name: str = "body.json") -> Path:
    path = tmp_path / name
    path.write_text(body if isinstance(body, str) else json.dumps(body), encoding="utf-8")
    return path


def good_call() -> dict[str, Any]:
    return {
        "callbackUri": "https://bot.contoso.com/callback",
        "targets": [{"identity": {"user": {"id": "u"}}}],
        "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
    }


def test_validate_a_good_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(write(tmp_path, good_call())), "--request", CREATE]) == 0
    out = capsys.readouterr().out
    assert "microsoft.graph.call: ok, round trip ok" in out


def test_validate_reports_every_error_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = good_call()
    body["targets"].append({"@odata.type": "#microsoft.graph.participantInfo", "identity": {}})
    del body["callbackUri"]
    path = write(tmp_path, body)
    assert main(["validate", str(path), "--type", "microsoft.graph.call", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["type"] == "microsoft.graph.call"
    assert report["roundtrip"] is None
    assert [(f["code"], f["path"]) for f in report["findings"]] == [
        ("type.not-assignable", "$.targets[1]"),
        ("property.required", "$.callbackUri"),
    ]


def test_validate_keeps_repairs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = json.dumps(good_call(), indent=1)[:-1] + ",\n}"  # a trailing comma
    path = write(tmp_path, text)
    assert main(["validate", str(path), "--request", CREATE, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["repairs"]) == 1 and report["repairs"][0]["severity"] == "warning"
    assert report["roundtrip"] is True


def test_validate_notification(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = {
        "value": [
            {
                "changeType": "updated",
                "resourceUrl": "/communications/calls/1",
                "resourceData": {"state": "established", "mood": "good"},
            }
        ]
    }
    assert main(["validate", str(write(tmp_path, body)), "--notification"]) == 0
    out = capsys.readouterr().out
    assert "microsoft.graph.commsNotifications: warnings" in out
    assert "$.value[0].resourceData.mood" in out


def test_strict_flag_turns_unknown_members_into_errors(tmp_path: Path) -> None:
    body = {"value": [{"changeType": "renamed", "resourceUrl": "/communications/calls/1"}]}
    path = str(write(tmp_path, body))
    assert main(["validate", path, "--notification"]) == 0
    assert main(["validate", path, "--notification", "--strict"]) == 1


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (None, ["--type", "microsoft.graph.call"], "no such file"),
        ('{"a": ', ["--type", "microsoft.graph.call"], "line 1"),
        ("{} {}", ["--type", "microsoft.graph.call"], "expected one JSON value, found 2"),
        (b"\xff\xfe{}", ["--notification"], "UTF-8"),
        ("{}", ["--request", "POST"], "METHOD URL"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str | bytes | None,
    args: list[str],
    message: str,
) -> None:
    path = tmp_path / "body.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["validate", str(path), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert message in err


def test_exactly_one_way_to_type_a_body(tmp_path: Path) -> None:
    path = str(write(tmp_path, {}))
    with pytest.raises(SystemExit) as exc:
        main(["validate", path])
    assert exc.value.code == 2
    with pytest.raises(SystemExit):
        main(["validate", path, "--notification", "--type", "microsoft.graph.call"])


def test_module_entry_point(tmp_path: Path) -> None:
    path = str(write(tmp_path, good_call()))
    done = subprocess.run(
        [sys.executable, "-m", "runtime", "validate", path, "--request", CREATE],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "ok" in done.stdout


def test_examples_missing_page_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["examples", "/nonexistent/page.txt"]) == 2
    assert capsys.readouterr().err == "error: /nonexistent/page.txt: no such file\n"


def test_examples_on_the_seed_page_json(capsys: pytest.CaptureFixture[str]) -> None:
    seed_page()  # skips, loudly, without the seed page
    assert main(["examples", str(SEED), "--json"]) == 1  # the page has two real errors
    captured = capsys.readouterr()
    items = json.loads(captured.out)
    # One item per body, then one holding the page's own findings (for baselines).
    reports = [r for r in items if r["kind"] != "page"]
    (page_item,) = [r for r in items if r["kind"] == "page"]
    assert items[-1] is page_item and set(page_item) == set(reports[0])
    assert {f["code"] for f in page_item["findings"]} == {"page.prose-before-body"}
    assert len(reports) == 35
    assert set(reports[0]) == {
        "id",
        "source",
        "kind",
        "method",
        "url",
        "status",
        "type",
        "repairs",
        "findings",
        "roundtrip",
    }
    errored = [r["id"] for r in reports if any(f["severity"] == "error" for f in r["findings"])]
    assert len(errored) == 2
    assert all(r["roundtrip"] is None for r in reports if r["id"] in errored)
    assert "page.prose-before-body" in captured.err  # page-level findings, on stderr too


def test_examples_on_the_seed_page_text(capsys: pytest.CaptureFixture[str]) -> None:
    seed_page()
    assert main(["examples", str(SEED)]) == 1
    out = capsys.readouterr().out
    assert "35 examples (11 notifications, 12 requests, 12 responses)" in out
    assert out.count("error type.not-assignable at $.targets[1]") == 2
    assert out.splitlines()[-1] == "35 examples: 7 ok, 26 with warnings, 2 with errors"


def test_a_body_over_the_size_limit_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "huge.json"
    path.write_text('{"subject": "' + "x" * (11 * 1024 * 1024) + '"}', encoding="utf-8")
    assert main(["validate", str(path), "--type", "microsoft.graph.call"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
