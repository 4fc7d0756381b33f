"""Reading documentation pages into examples: the seed plain-text page and hand-written Markdown."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from runtime.docs.docpages import Example, Page, read_page, read_text
from tests.conftest import SEED_PAGE

REPO = Path(__file__).resolve().parents[2]
SEED = SEED_PAGE
PAGES = Path(__file__).resolve().parents[1] / "pages"
STEM = "000_07ddc1617f89e2b3"


@pytest.fixture(scope="module")
def seed() -> Page:
    if not SEED.is_file():
        pytest.skip(
            f"!!! SEED PAGE MISSING: {SEED} is absent, so the 'Create call' page tests did NOT "
            "run; restore ../shared/seeds next to the repository to run them !!!"
        )
    return read_page(SEED)


@pytest.fixture(scope="module")
def seed_lines() -> list[str]:
    if not SEED.is_file():
        pytest.skip(f"!!! SEED PAGE MISSING: {SEED} is absent; seed tests did NOT run !!!")
    return SEED.read_text(encoding="utf-8").split("\n")


def ids(page: Page) -> list[str]:
    return [e.id for e in page.examples]


# --- the seed page -------------------------------------------------------------------------------

# Checked by hand against the page: (id, kind, line of the body's opening brace).
SEED_EXAMPLES = [
    ("01-request", "request", 54),
    ("02-response", "response", 332),
    ("03-notification", "notification", 408),
    ("04-notification", "notification", 428),
    ("05-notification", "notification", 450),
    ("06-notification", "notification", 469),
    ("07-notification", "notification", 488),
    ("08-request", "request", 509),
    ("09-response", "response", 884),
    ("10-request", "request", 948),
    ("11-response", "response", 1426),
    ("12-request", "request", 1490),
    ("13-response", "response", 1978),
    ("14-request", "request", 2047),
    ("15-response", "response", 2446),
    ("16-notification", "notification", 2521),
    ("17-notification", "notification", 2559),
    ("18-notification", "notification", 2598),
    ("18-notification.2", "notification", 2679),
    ("19-request", "request", 2776),
    ("20-response", "response", 3045),
    ("21-request", "request", 3114),
    ("22-response", "response", 3383),
    ("23-request", "request", 3451),
    ("24-response", "response", 3781),
    ("25-request", "request", 3851),
    ("26-response", "response", 4240),
    ("27-request", "request", 4319),
    ("28-response", "response", 4821),
    ("29-notification", "notification", 4897),
    ("29-notification.2", "notification", 4937),
    ("30-request", "request", 4990),
    ("31-response", "response", 5396),
    ("32-request", "request", 5475),
    ("33-response", "response", 5891),
]

# Every trailing comma in the seed's bodies: (line, JSON path of the container it closes).
SEED_TRAILING_COMMAS = [
    (386, "$.mediaConfig"),
    (923, "$.mediaConfig"),
    (1476, "$.mediaConfig"),
    (1482, "$"),
    (2036, "$"),
    (2482, "$.mediaConfig"),
    (3081, "$.mediaConfig"),
    (3419, "$.mediaConfig"),
    (3460, "$.mediaConfig"),
    (3808, "$.mediaConfig"),
    (3868, "$.mediaConfig"),
    (4276, "$.mediaConfig"),
    (4347, "$.mediaConfig"),
    (4857, "$.mediaConfig"),
    (5411, "$.source.identity"),
    (5449, "$.mediaConfig"),
    (5906, "$.source.identity"),
    (5935, "$.mediaConfig"),
]


def test_seed_yields_35_bodies_12_requests_12_responses_11_notifications(seed: Page) -> None:
    assert seed.format == "text"
    assert len(seed.examples) == 35
    assert len(seed.by_kind("request")) == 12
    assert len(seed.by_kind("response")) == 12
    assert len(seed.by_kind("notification")) == 11


def test_seed_examples_in_page_order_with_ids_kinds_and_lines(seed: Page) -> None:
    got = [(e.id, e.kind, e.line) for e in seed.examples]
    assert got == [(f"{STEM}#{i}", kind, line) for i, kind, line in SEED_EXAMPLES]
    assert len(set(ids(seed))) == 35


def test_seed_body_lines_point_at_the_opening_brace_after_the_envelope(
    seed: Page, seed_lines: list[str]
) -> None:
    for e in seed.examples:
        assert seed_lines[e.line - 1] == "{", e.id
    # Spot checks of what precedes a body, by hand from the page.
    assert seed_lines[52] == "Content-Type: application/json"  # line 53, before request 1
    assert seed_lines[328] == "HTTP/1.1 201 Created"  # line 329, response 1's status line


def test_seed_body_text_is_exactly_the_page_text(seed: Page, seed_lines: list[str]) -> None:
    for e in seed.examples:
        n = e.body_text.count("\n")
        assert "\n".join(seed_lines[e.line - 1 : e.line + n]) == e.body_text, e.id
        assert e.body_text.startswith("{") and e.body_text.endswith("}")


def test_seed_bodies_read_without_errors_and_carry_their_type(seed: Page) -> None:
    for e in seed.examples:
        assert e.errors == (), e.id
        assert isinstance(e.value, dict), e.id
        expected = {
            "request": "#microsoft.graph.call",
            "response": "#microsoft.graph.call",
            "notification": "#microsoft.graph.commsNotifications",
        }[e.kind]
        assert e.value["@odata.type"] == expected, e.id


def test_seed_envelopes(seed: Page) -> None:
    first = seed.examples[0]
    assert (first.method, first.url) == (
        "POST",
        "https://graph.microsoft.com/beta/communications/calls",
    )
    assert first.headers == (("Content-Type", "application/json"),)
    assert first.status is None and first.status_line is None and first.request_id is None

    response = seed.examples[1]
    assert (response.status, response.status_line) == (201, "HTTP/1.1 201 Created")
    assert response.method is None and response.url is None
    assert response.headers[0] == (
        "Location",
        "https://graph.microsoft.com/beta/communications/calls/2e1a0b00-2db4-4022-9570-243709c565ab",
    )

    urls = {e.url for e in seed.by_kind("notification")}
    assert urls == {"https://bot.contoso.com/callback", "https://bot.contoso.com/api/calls"}
    assert all(e.method == "POST" for e in seed.by_kind("notification"))
    assert all(e.url and "graph.microsoft.com" in e.url for e in seed.by_kind("request"))


def test_seed_every_response_answers_the_request_before_it(seed: Page) -> None:
    last_request: str | None = None
    for e in seed.examples:
        if e.kind == "request":
            last_request = e.id
        elif e.kind == "response":
            assert e.request_id == last_request, e.id
            assert e.request_id is not None
        else:
            assert e.request_id is None
    pairs = {e.id.split("#")[1]: e.request_id for e in seed.by_kind("response")}
    assert pairs["02-response"] == f"{STEM}#01-request"
    assert pairs["33-response"] == f"{STEM}#32-request"


def test_seed_two_value_blocks_share_the_envelope_and_report_the_prose(seed: Page) -> None:
    for block, prose_line, second_line in (("18", 2678, 2679), ("29", 4936, 4937)):
        first = seed.example(f"{STEM}#{block}-notification")
        second = seed.example(f"{STEM}#{block}-notification.2")
        assert (first.method, first.url, first.headers) == (
            second.method,
            second.url,
            second.headers,
        )
        assert first.heading == second.heading == "通知 - 名单"
        assert first.repairs == ()
        prose = [f for f in second.repairs if f.code == "json.prose-between-values"]
        assert [(f.line, f.severity) for f in prose] == [(prose_line, "warning")]
        assert "已启用增量名单" in prose[0].message
        multiple = [f for f in second.repairs if f.code == "json.multiple-values"]
        assert [f.line for f in multiple] == [second_line]
        # Disabled delta roster lists participants; enabled sends deltaParticipants.
        assert isinstance(second.value, dict)
        assert second.value["value"][0]["resourceData"][0]["@odata.type"] == (
            "#microsoft.graph.deltaParticipants"
        )
        assert isinstance(first.value, dict)
        assert first.value["value"][0]["resourceData"][0]["@odata.type"] == (
            "#microsoft.graph.participant"
        )
        assert "已启用增量名单" not in first.body_text + second.body_text


def test_seed_caption_before_the_first_roster_value_is_a_page_finding(seed: Page) -> None:
    captions = [f for f in seed.findings if f.code == "page.prose-before-body"]
    assert [(f.line, f.severity) for f in captions] == [(2597, "warning"), (4896, "warning")]
    assert all("禁用增量名单" in f.message for f in captions)
    assert [f.code for f in seed.findings] == ["page.prose-before-body"] * 2


def test_seed_trailing_commas_are_found_at_their_lines(seed: Page) -> None:
    found = sorted(
        (f.line, f.path)
        for e in seed.examples
        for f in e.repairs
        if f.code == "json.trailing-comma"
    )
    assert found == SEED_TRAILING_COMMAS
    # Each is reported on the example whose body holds it.
    for e in seed.examples:
        last = e.line + e.body_text.count("\n")
        for f in e.repairs:
            assert f.line is not None and e.line - 1 <= f.line <= last, (e.id, f)
    assert {f.code for e in seed.examples for f in e.repairs} == {
        "json.trailing-comma",
        "json.prose-between-values",
        "json.multiple-values",
    }


def test_seed_snippets_syntax_lines_and_prose_blobs_are_not_examples(seed: Page) -> None:
    lines = {e.line for e in seed.examples}
    assert 32 not in lines and 33 not in lines  # POST /app/calls, POST /communications/calls
    assert 877 not in lines  # the media-session blob quoted in prose
    for e in seed.examples:
        for marker in ("GraphServiceClient", "mgc-beta", "graphmodels", "$params", "request_body"):
            assert marker not in e.body_text, (e.id, marker)


def test_seed_headings(seed: Page) -> None:
    assert seed.example(f"{STEM}#04-notification").heading == "通知 - 已建立"
    assert (
        seed.example(f"{STEM}#19-request").heading
        == "示例 6:使用 joinMeetingId 和密码加入计划的会议 › 请求"
    )
    assert (
        seed.example(f"{STEM}#20-response").heading
        == "示例 6:使用 joinMeetingId 和密码加入计划的会议 › 响应"
    )
    # The request after example 7's pair belongs to an example whose title the page lost.
    assert seed.example(f"{STEM}#23-request").heading == "请求"
    assert seed.examples[0].heading == "请求"


def test_seed_text_pages_carry_no_block_metadata(seed: Page) -> None:
    for e in seed.examples:
        assert e.doc_type is None and e.name is None and e.has_body
        assert not e.truncated and not e.is_collection
        assert e.file == str(SEED)


# --- Markdown: a well-formed page ----------------------------------------------------------------


@pytest.fixture(scope="module")
def create_call() -> Page:
    return read_page(PAGES / "create-call.md")


def test_markdown_page_yields_each_block_kind(create_call: Page) -> None:
    assert create_call.format == "markdown"
    got = [(e.id, e.kind, e.line) for e in create_call.examples]
    assert got == [
        ("create-call#01-request", "request", 34),
        ("create-call#02-response", "response", 87),
        ("create-call#03-notification", "notification", 106),
        ("create-call#04-notification", "notification", 128),
        ("create-call#05-request", "request", 140),
        ("create-call#06-response", "response", 173),
    ]


def test_markdown_request_keeps_its_metadata(create_call: Page) -> None:
    request = create_call.examples[0]
    assert request.name == "create-call-service-hosted-media"
    assert request.doc_type == "microsoft.graph.call"
    assert request.block_meta["blockType"] == "request"
    assert (request.method, request.url) == (
        "POST",
        "https://graph.microsoft.com/beta/communications/calls",
    )
    assert request.headers == (("Content-Type", "application/json"),)
    assert isinstance(request.value, dict)
    assert request.value["mediaConfig"] == {
        "@odata.type": "#microsoft.graph.serviceHostedMediaConfig"
    }
    assert request.heading == (
        "Example 1: Create peer-to-peer VoIP call with service hosted media › Request"
    )


def test_markdown_truncated_response_is_paired(create_call: Page) -> None:
    response = create_call.examples[1]
    assert response.truncated is True
    assert response.status == 201 and response.status_line == "HTTP/1.1 201 Created"
    assert response.request_id == "create-call#01-request"
    assert response.doc_type == "microsoft.graph.call"
    assert [name for name, _ in response.headers] == ["Location", "Content-Type"]


def test_markdown_notification_envelope_takes_the_json_block_after_it(create_call: Page) -> None:
    notification = create_call.examples[2]
    assert (notification.method, notification.url) == ("POST", "https://bot.contoso.com/callback")
    assert notification.headers == (("Content-Type", "application/json"),)
    assert notification.doc_type == "microsoft.graph.commsNotifications"
    assert notification.heading.endswith("Notification - establishing")
    assert notification.body_text.startswith(
        '{\n  "@odata.type": "#microsoft.graph.commsNotifications"'
    )
    inline = create_call.examples[3]
    assert inline.value == {"@odata.type": "#microsoft.graph.commsNotifications", "value": []}


def test_markdown_get_request_without_body_and_collection_response(create_call: Page) -> None:
    get = create_call.examples[4]
    assert (get.method, get.has_body, get.body_text, get.value) == ("GET", False, "", None)
    assert get.name == "list-participants"
    response = create_call.examples[5]
    assert response.is_collection is True
    assert response.status is None  # a bare JSON block marked as the response
    assert response.request_id == "create-call#05-request"
    assert response.heading == "Example 2: List participants › Response"


def test_markdown_ignored_snippet_and_resource_blocks_are_not_examples(create_call: Page) -> None:
    bodies = " ".join(e.body_text for e in create_call.examples)
    for marker in ("requestBody", "const call", "request_body", "Get-Mg", "$result", "mgc "):
        assert marker not in bodies
    assert all(e.url != "/communications/calls" for e in create_call.examples)
    assert [(f.code, f.severity, f.line) for f in create_call.findings] == [
        ("page.json-without-envelope", "info", 184)
    ]


# --- Markdown: a page of defects -----------------------------------------------------------------


@pytest.fixture(scope="module")
def defects() -> Page:
    return read_page(PAGES / "defects.md")


def test_defects_page_examples(defects: Page) -> None:
    got = [(e.id, e.kind, e.line, e.has_body) for e in defects.examples]
    assert got == [
        ("defects#01-response", "response", 12, True),
        ("defects#ignored-01-request", "request", 22, True),
        ("defects#02-request", "request", 32, True),
        ("defects#03-response", "response", 43, False),
        ("defects#04-notification", "notification", 55, True),
        ("defects#04-notification.2", "notification", 60, True),
        ("defects#05-notification", "notification", 69, False),
        ("defects#06-request", "request", 81, True),
        ("defects#07-request", "request", 89, False),
        ("defects#08-response", "response", 93, False),
        ("defects#09-notification", "notification", 102, True),
    ]
    # The ignored block is read, numbered apart so that no other id moves, and marked.
    assert [e.id for e in defects.examples if e.ignored] == ["defects#ignored-01-request"]


def test_defects_page_findings(defects: Page) -> None:
    got = [(f.code, f.severity, f.line) for f in defects.findings]
    assert got == [
        ("page.response-without-request", "warning", 9),
        ("json.trailing-comma", "warning", 27),  # in the metadata comment
        ("page.notification-without-body", "warning", 69),
        ("page.bad-block-metadata", "warning", 75),
        ("page.prose-before-body", "warning", 80),
        ("page.request-without-body", "info", 89),
        ("page.unterminated-fence", "error", 101),
    ]


def test_defects_repairs_and_errors_land_on_their_examples(defects: Page) -> None:
    by_id = {e.id.split("#")[1]: e for e in defects.examples}
    repaired = by_id["02-request"]
    assert [(f.code, f.path, f.line) for f in repaired.repairs] == [
        ("json.comment", "$", 33),
        ("json.trailing-comma", "$.acceptedModalities", 36),
        ("json.trailing-comma", "$", 37),
    ]
    assert repaired.value == {
        "callbackUri": "https://bot.contoso.com/api/calls",
        "acceptedModalities": ["audio"],
    }
    assert repaired.name == "answer-call"
    assert by_id["03-response"].request_id == "defects#02-request"
    assert by_id["01-response"].request_id is None

    second = by_id["04-notification.2"]
    assert [(f.code, f.line) for f in second.repairs] == [
        ("json.prose-between-values", 59),
        ("json.multiple-values", 60),
    ]
    assert by_id["04-notification"].repairs == ()

    broken = by_id["06-request"]
    assert [(f.code, f.path, f.line) for f in broken.errors] == [
        ("json.duplicate-key", "$", 83),
        ("json.nan-literal", "$.ratio", 84),
    ]
    assert broken.method == "PATCH"

    assert by_id["08-response"].request_id == "defects#07-request"
    unterminated = by_id["09-notification"]
    assert unterminated.value is None
    assert [f.code for f in unterminated.errors] == ["json.syntax"]
    assert unterminated.body_text == '{\n  "never": "closed"'


# --- Markdown: shapes of the real Graph docs pages ------------------------------------------------


def test_markdown_response_body_in_its_own_json_block() -> None:
    page = read_text(
        "```http\nPOST https://graph.microsoft.com/beta/communications/calls/7f3a/unmute\n"
        'Content-Type: application/json\n\n{"clientContext": "ctx-1"}\n```\n\n'
        "##### Response\n\n```http\nHTTP/1.1 200 OK\nContent-Type: application/json\n```\n\n"
        '<!-- { "blockType": "example", "truncated": true } -->\n'
        '```json\n{\n  "status": "running"\n}\n```\n',
        "unmute.md",
    )
    request, response = page.examples
    assert (response.kind, response.status, response.line, response.has_body) == (
        "response",
        200,
        17,
        True,
    )
    assert response.value == {"status": "running"}
    assert response.request_id == request.id and response.truncated is True
    assert page.findings == ()


def test_markdown_bodiless_response_stays_a_response_without_body() -> None:
    page = read_text(
        "```http\nDELETE https://graph.microsoft.com/beta/communications/calls/7f3a\n```\n\n"
        "```http\nHTTP/1.1 204 No Content\n```\n\n"
        "```http\nPOST https://bot.example.org/cb\nContent-Type: application/json\n```\n"
        '```json\n{"value": []}\n```\n',
        "hangup.md",
    )
    assert [(e.kind, e.has_body, e.request_id) for e in page.examples] == [
        ("request", False, None),
        ("response", False, "hangup#01-request"),
        ("notification", True, None),
    ]
    assert page.findings == ()


def test_markdown_relative_request_with_a_body_is_an_example() -> None:
    page = read_text(
        "## HTTP request\n\n```http\nPOST /communications/calls/{id}/participants/invite\n"
        "POST /app/calls/{id}/participants/invite\n```\n\n"
        "```http\nGET /communications/calls/{id}\n```\n\n"
        "### Invite someone\n\n"
        "```http\nPOST /communications/calls/4b1c/participants/invite\n"
        'Content-Type: application/json\n\n{"participants": []}\n```\n\n'
        "```http\nHTTP/1.1 200 OK\nContent-Type: application/json\n\n"
        '{"status": "running"}\n```\n\n'
        '<!-- { "blockType": "request" } -->\n```http\nGET /communications/calls/4b1c\n```\n',
        "invite.md",
    )
    assert [(e.id, e.method, e.url, e.has_body) for e in page.examples] == [
        ("invite#01-request", "POST", "/communications/calls/4b1c/participants/invite", True),
        ("invite#02-response", None, None, True),
        ("invite#03-request", "GET", "/communications/calls/4b1c", False),
    ]
    assert page.examples[0].heading == "Invite someone"
    assert page.examples[1].request_id == "invite#01-request"
    assert page.findings == ()


def test_markdown_ignored_blocks_are_read_and_answered() -> None:
    page = read_text(
        '<!-- { "blockType": "ignored" } -->\n'
        "```http\nPOST /communications/calls/{id}/reject\n```\n\n"
        "### Reject with a reason\n\n"
        '<!-- { "blockType": "ignored", "name": "reject-again" } -->\n'
        "```http\nPOST https://graph.microsoft.com/beta/communications/calls/9d2e/reject\n"
        'Content-Type: application/json\n\n{"reason": "busy"}\n```\n\n'
        "```http\nHTTP/1.1 202 Accepted\n```\n\n"
        "### Answer, body marked ignored\n\n"
        "```http\nPOST /communications/calls/9d2e/answer\nContent-Type: application/json\n```\n\n"
        '<!-- { "blockType": "ignored" } -->\n'
        '```json\n{"callbackUri": "https://bot.example.org/cb"}\n```\n\n'
        "```http\nHTTP/1.1 202 Accepted\n```\n\n"
        "### A response on its own\n\n"
        "```http\nHTTP/1.1 202 Accepted\n```\n",
        "reject.md",
    )
    assert [(e.kind, e.has_body, e.request_id, e.ignored) for e in page.examples] == [
        ("request", True, None, True),
        ("response", False, "reject#ignored-01-request", False),
        # A checked envelope whose body block is ignored is ignored as a whole.
        ("request", True, None, True),
        ("response", False, "reject#ignored-02-request", False),
        ("response", False, None, False),
    ]
    # Only the last response follows no request at all.
    assert [(f.code, f.line) for f in page.findings] == [("page.response-without-request", 39)]


# --- plain text edge cases -----------------------------------------------------------------------


def test_text_get_without_body_pairs_with_its_response() -> None:
    page = read_text(
        "请求\nGET https://graph.microsoft.com/v1.0/communications/calls/1\n"
        '响应\nHTTP/1.1 200 OK\nContent-Type: application/json\n{\n"id": "1"\n}\n',
        "page.txt",
    )
    assert page.format == "text"
    assert [(e.id, e.kind, e.line, e.has_body) for e in page.examples] == [
        ("page#01-request", "request", 2, False),
        ("page#02-response", "response", 6, True),
    ]
    assert page.examples[1].request_id == "page#01-request"
    assert page.findings == ()


def test_text_unterminated_body_stops_at_the_next_http_line() -> None:
    page = read_text(
        'POST https://graph.microsoft.com/v1.0/x\n{\n"a": 1,\nHTTP/1.1 201 Created\n{"ok": true}\n',
        "t.txt",
    )
    request, response = page.examples
    assert request.body_text == '{\n"a": 1,'
    assert request.value is None and [f.code for f in request.errors] == ["json.syntax"]
    assert [(f.code, f.line) for f in page.findings] == [("page.unterminated-body", 2)]
    assert response.value == {"ok": True} and response.request_id == request.id


def test_text_response_without_request_and_callback_without_heading() -> None:
    page = read_text(
        'HTTP/1.1 200 OK\n{}\nPOST https://bot.contoso.com/callback\n{"value": []}\n', "x"
    )
    assert [e.kind for e in page.examples] == ["response", "notification"]
    assert page.examples[0].request_id is None
    assert [f.code for f in page.findings] == ["page.response-without-request"]


def test_text_snippet_after_body_is_not_a_second_value() -> None:
    page = read_text(
        "POST https://graph.microsoft.com/v1.0/x\nContent-Type: application/json\n"
        '{\n"a": 1\n}\n// Code snippets are only available for the latest version.\n'
        "var requestBody = new Call\n{\nA = 1,\n};\n",
        "x",
    )
    (only,) = page.examples
    assert only.value == {"a": 1} and only.repairs == ()


def test_format_detection() -> None:
    assert read_text("```http\nGET https://graph.microsoft.com/v1.0/me\n```\n", "a.txt").format == (
        "markdown"
    )
    assert read_text("GET https://graph.microsoft.com/v1.0/me\n", "a.md").format == "markdown"
    assert read_text("GET https://graph.microsoft.com/v1.0/me\n", "a.txt").format == "text"


def test_crlf_pages_read_like_lf_pages() -> None:
    text = 'POST https://graph.microsoft.com/v1.0/x\r\n{\r\n"a": 1\r\n}\r\n'
    (example,) = read_text(text, "x").examples
    assert example.value == {"a": 1} and example.line == 2


def test_invalid_utf8_page_is_read_with_a_finding(tmp_path: Path) -> None:
    page_file = tmp_path / "bad.txt"
    page_file.write_bytes(b'prose \xff\nPOST https://graph.microsoft.com/v1.0/x\n{"a": 1}\n')
    page = read_page(page_file)
    assert [(f.code, f.line) for f in page.findings] == [("page.invalid-utf8", 1)]
    assert [e.value for e in page.examples] == [{"a": 1}]


def test_examples_are_frozen(create_call: Page) -> None:
    example: Example = create_call.examples[0]
    with pytest.raises(AttributeError):
        example.line = 1  # type: ignore[misc]
    with pytest.raises(KeyError):
        create_call.example("missing#99-request")


def test_a_page_of_broken_bodies_reads_quickly_and_reports_each() -> None:
    text = 'POST https://graph.microsoft.com/v1.0/x\n{\n"a": /* never closed\n' * 5000
    started = time.perf_counter()
    page = read_text(text, "broken.txt")
    assert time.perf_counter() - started < 5.0
    assert len(page.examples) == 5000
    assert all(e.value is None and e.errors for e in page.examples)
    assert [f.line for f in page.findings[:2]] == [2, 5]
    assert {f.code for f in page.findings} == {"page.unterminated-body"}
