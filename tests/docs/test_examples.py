"""The examples report: per-example checks, rendering, and the seed page's golden findings.

The golden files in `tests/examples/` hold the expected report of each example of the seed page
(one JSON file per example). After a deliberate change, rewrite them and review the diff against
the page (see `tests/examples/README.md`):

    UPDATE_GOLDEN=1 .venv/bin/pytest tests/docs/test_examples.py
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from runtime.checking.bodies import validate_body
from runtime.checking.findings import Finding
from runtime.docs.examples import (
    ExampleReport,
    PageReport,
    _Context,
    check_example,
    check_page,
    render_json,
    render_text,
)
from tests.conftest import SEED_PAGE, seed_page

SEED = SEED_PAGE
GOLDEN = Path(__file__).resolve().parents[1] / "examples"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
CREATE_URL = "https://graph.microsoft.com/beta/communications/calls"


@dataclass(frozen=True)
class FakeExample:
    """The fields of `runtime.docs.docpages.Example` that the report reads."""

    id: str
    kind: str
    value: Any
    method: str | None = None
    url: str | None = None
    status: int | None = None
    request_id: str | None = None
    file: str = "page.md"
    line: int = 1
    body_text: str | None = None
    repairs: Sequence[Finding] = ()
    errors: Sequence[Finding] = ()


def good_call() -> dict[str, Any]:
    return {
        "callbackUri": "https://bot.contoso.com/callback",
        "targets": [{"identity": {"user": {"id": "u"}}}],
        "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
    }


def run(*examples: FakeExample, policy: Any = "by-direction") -> list[ExampleReport]:
    context = _Context(policy)
    return [check_example(e, context) for e in examples]


def test_request_response_pair_types_the_response_from_its_request() -> None:
    response = {"id": "1", "state": "establishing", "callbackUri": "x", "mood": "fine"}
    request, reply = run(
        FakeExample("r", "request", good_call(), "POST", CREATE_URL),
        FakeExample("s", "response", response, status=201, request_id="r"),
    )
    assert (request.type, request.outcome, request.roundtrip) == (
        "microsoft.graph.call",
        "ok",
        True,
    )
    assert (reply.type, reply.outcome, reply.roundtrip) == (
        "microsoft.graph.call",
        "warnings",
        True,
    )
    assert [f.path for f in reply.findings] == ["$.mood"]


def test_an_error_skips_the_round_trip() -> None:
    body = good_call()
    del body["callbackUri"]
    (report,) = run(FakeExample("r", "request", body, "POST", CREATE_URL))
    assert (report.outcome, report.roundtrip) == ("errors", None)


def test_requests_are_strict_and_received_bodies_lenient_by_default() -> None:
    odd = {"id": "1", "callbackUri": "x", "state": "teleporting"}
    body = {**good_call(), "state": "teleporting"}
    request, response = run(
        FakeExample("r", "request", body, "POST", CREATE_URL),
        FakeExample("s", "response", odd, status=201, request_id="r"),
    )
    assert [f.severity for f in request.findings] == ["error"]
    assert [f.severity for f in response.findings] == ["warning"]
    strict = run(
        FakeExample("r", "request", good_call(), "POST", CREATE_URL),
        FakeExample("s", "response", odd, status=201, request_id="r"),
        policy="strict",
    )
    assert strict[1].outcome == "errors"


def test_notification_resource_data_is_typed() -> None:
    body = {
        "value": [
            {
                "changeType": "updated",
                "resourceUrl": "/communications/calls/1/participants",
                "resourceData": [{"id": "p", "isMuted": "yes"}],
            }
        ]
    }
    (report,) = run(FakeExample("n", "notification", body, "POST", "https://bot/cb"))
    assert report.type == "microsoft.graph.commsNotifications"
    assert [(f.code, f.path) for f in report.findings] == [
        ("value.wrong-json-type", "$.value[0].resourceData[0].isMuted")
    ]
    assert "microsoft.graph.participant.isMuted" in report.findings[0].message
    body["value"][0]["resourceData"] = {"id": "p"}
    (report,) = run(FakeExample("n", "notification", body, "POST", "https://bot/cb"))
    (finding,) = report.findings
    assert (finding.code, finding.path) == ("value.wrong-json-type", "$.value[0].resourceData")
    assert "typed from resourceUrl /communications/calls/1/participants" in finding.message


def test_a_relative_request_url_on_a_page_is_typed_and_types_its_response(
    tmp_path: Path,
) -> None:
    page = tmp_path / "invite.md"
    page.write_text(
        "```http\nPOST /communications/calls/4b1c/participants/invite\n"
        "Content-Type: application/json\n\n"
        '{"participants": [{"identity": {"user": {"id": "u-1"}}}], "clientContext": "c"}\n```\n\n'
        '```http\nHTTP/1.1 200 OK\n\n{"status": "Running", "clientContext": "c"}\n```\n',
        encoding="utf-8",
    )
    request, response = check_page(page)
    assert (request.type, request.outcome) == (
        "microsoft.graph.invite(Collection(microsoft.graph.participant))",
        "ok",
    )
    assert (response.type, response.outcome) == (
        "microsoft.graph.inviteParticipantsOperation",
        "ok",
    )


def test_a_notification_with_the_older_resource_key_is_still_validated() -> None:
    body = {
        "value": [
            {
                "changeType": "updated",
                "resource": "/app/calls/3c4d",
                "resourceData": {"state": "teleporting"},
            }
        ]
    }
    (report,) = run(FakeExample("n", "notification", body, "POST", "https://bot/cb"))
    assert [(f.severity, f.code, f.path) for f in report.findings] == [
        ("info", "notification.legacy-resource", "$.value[0].resource"),
        ("warning", "property.undeclared", "$.value[0].resource"),
        ("warning", "enum.unknown-member", "$.value[0].resourceData.state"),
    ]
    assert "microsoft.graph.call.state" in report.findings[2].message
    assert report.roundtrip is True


def test_a_bodiless_response_names_what_its_operation_returns() -> None:
    prompt = {"prompts": [{"@odata.type": "#microsoft.graph.mediaPrompt"}]}
    url = f"{CREATE_URL}/2b9c/playPrompt"
    reports = run(
        FakeExample("r", "request", prompt, "POST", url),
        FakeExample("s", "response", None, status=200, request_id="r"),
        FakeExample("t", "response", None, status=202, request_id="r"),
        FakeExample("k", "request", None, "POST", f"{CREATE_URL}/2b9c/keepAlive"),
        FakeExample("u", "response", None, status=200, request_id="k"),
    )
    ok, accepted, alive = reports[1], reports[2], reports[4]
    assert (ok.type, ok.outcome, ok.roundtrip) == (
        "microsoft.graph.playPromptOperation",
        "ok",
        None,
    )
    assert [(f.severity, f.code) for f in ok.findings] == [("info", "response.missing-body")]
    assert "microsoft.graph.playPrompt returns" in ok.findings[0].message
    # 202 Accepted says the result comes later; keepAlive returns nothing.
    assert (accepted.type, accepted.findings) == (None, ())
    assert (alive.type, alive.findings) == (None, ())


def test_repairs_and_unreadable_bodies() -> None:
    repair = Finding("warning", "json.trailing-comma", "$", "removed", 3)
    broken = Finding("error", "json.syntax", "$", "bad", 4)
    fixed, unreadable = run(
        FakeExample("r", "request", good_call(), "POST", CREATE_URL, repairs=[repair]),
        FakeExample("q", "request", None, "POST", CREATE_URL, errors=[broken]),
    )
    assert (fixed.outcome, fixed.repairs, fixed.roundtrip) == ("warnings", (repair,), True)
    assert (unreadable.outcome, unreadable.roundtrip) == ("errors", None)
    assert unreadable.repairs == (broken,)


def test_a_response_without_its_request_is_reported() -> None:
    (report,) = run(FakeExample("s", "response", {"id": "1"}, status=201, request_id="gone"))
    assert [f.code for f in report.findings] == ["response.no-request"]
    assert report.type is None and report.roundtrip is None


def test_unknown_route_is_an_error_not_a_crash() -> None:
    (report,) = run(FakeExample("r", "request", {}, "POST", "/communications/callz"))
    assert [f.code for f in report.findings] == ["request.unknown-route"]
    assert report.outcome == "errors"


def test_json_shape_of_a_report() -> None:
    (report,) = run(FakeExample("r", "request", good_call(), "POST", CREATE_URL, line=7))
    page = PageReport("page.md", "markdown", (), (report,))
    (item,) = json.loads(render_json([page]))
    assert item == {
        "id": "r",
        "source": {"file": "page.md", "line": 7},
        "kind": "request",
        "method": "POST",
        "url": CREATE_URL,
        "status": None,
        "type": "microsoft.graph.call",
        "repairs": [],
        "findings": [],
        "roundtrip": True,
    }


def test_text_report_has_a_table_and_findings_under_each_example() -> None:
    body = good_call()
    body["targets"].append({"@odata.type": "#microsoft.graph.participantInfo", "identity": {}})
    reports = run(
        FakeExample("ok-one", "request", good_call(), "POST", CREATE_URL),
        FakeExample("bad-one", "request", body, "POST", CREATE_URL, line=40),
    )
    text = render_text([PageReport("page.md", "markdown", (), tuple(reports))])
    assert re.search(r"ok-one\s+request\s+1\s+microsoft\.graph\.call\s+ok\s+yes", text)
    assert re.search(r"bad-one\s+request\s+40\s+microsoft\.graph\.call\s+errors\s+-", text)
    assert "bad-one  request  POST " + CREATE_URL + "  (page.md:40)" in text
    assert "error type.not-assignable at $.targets[1]" in text
    assert text.startswith("page.md (markdown): 2 examples (2 requests)\n")
    assert text.rstrip().endswith("2 examples: 1 ok, 0 with warnings, 1 with errors")
    one = render_text([PageReport("one.md", "markdown", (), tuple(reports[:1]))])
    assert one.startswith("one.md (markdown): 1 example (1 request)\n")
    assert one.rstrip().endswith("1 example: 1 ok, 0 with warnings, 0 with errors")


def test_validate_body_needs_exactly_one_way_to_type() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        validate_body({}, type="microsoft.graph.call", notification=True)
    with pytest.raises(ValueError, match="exactly one"):
        validate_body({})
    report = validate_body(good_call(), request=f"POST {CREATE_URL}")
    assert (report.type, report.findings, report.roundtrip) == ("microsoft.graph.call", (), True)


# -- the seed page's golden findings ----------------------------------------------------------


def golden_name(example_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", example_id) + ".json"


def comparable(report: ExampleReport) -> dict[str, Any]:
    item = report.as_dict()
    item["source"]["file"] = Path(report.file).name  # the checkout's location is not the point
    return item


@pytest.fixture(scope="module")
def seed_reports() -> list[ExampleReport]:
    from runtime.docs.examples import check_page

    return check_page(seed_page())  # skips, loudly, without the seed page


def test_seed_page_has_every_body(seed_reports: list[ExampleReport]) -> None:
    kinds = Counter(r.kind for r in seed_reports)
    assert kinds == {"request": 12, "response": 12, "notification": 11}
    assert len({r.id for r in seed_reports}) == 35


def test_seed_errors_are_the_participant_info_targets(seed_reports: list[ExampleReport]) -> None:
    errors = [
        (r.kind, f.code, f.path)
        for r in seed_reports
        for f in r.findings + r.repairs
        if f.severity == "error"
    ]
    assert errors == [("request", "type.not-assignable", "$.targets[1]")] * 2
    for r in seed_reports:
        if r.outcome != "errors":
            assert r.roundtrip is True, r.id


def test_seed_golden_findings(seed_reports: list[ExampleReport]) -> None:
    expected_files = {golden_name(r.id) for r in seed_reports}
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        for stale in set(p.name for p in GOLDEN.glob("*.json")) - expected_files:
            (GOLDEN / stale).unlink()
        for r in seed_reports:
            text = json.dumps(comparable(r), ensure_ascii=False, indent=2) + "\n"
            (GOLDEN / golden_name(r.id)).write_text(text, encoding="utf-8")
    assert {p.name for p in GOLDEN.glob("*.json")} == expected_files, (
        "golden files and seed examples differ; "
        "run UPDATE_GOLDEN=1 pytest tests/docs/test_examples.py"
    )
    for r in seed_reports:
        golden = json.loads((GOLDEN / golden_name(r.id)).read_text(encoding="utf-8"))
        assert comparable(r) == golden, f"{r.id} changed; review, then UPDATE_GOLDEN=1"
