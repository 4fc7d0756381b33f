"""The shapes in which reference pages write bodies (tests/pages/docs-shapes.md, our own words)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.docs.docpages import Page, read_page, read_text
from runtime.docs.examples import PageReport, check_pages

PAGE = Path(__file__).parents[1] / "pages" / "docs-shapes.md"


@pytest.fixture(scope="module")
def page() -> Page:
    return read_page(PAGE)


@pytest.fixture(scope="module")
def report() -> PageReport:
    return check_pages([PAGE])[0]


def _codes(report: PageReport, eid: str) -> list[tuple[str, str]]:
    (example,) = [e for e in report.examples if e.id == f"docs-shapes#{eid}"]
    return [(f.severity, f.code) for f in example.repairs + example.findings]


def test_syntax_lines_with_spaces_in_placeholders_are_not_examples(page: Page) -> None:
    assert all("userPrincipalName" not in (e.url or "") for e in page.examples)
    assert all("userPrincipalName" not in e.body_text for e in page.examples)


def test_a_blank_line_before_the_headers_keeps_headers_and_body(page: Page) -> None:
    first = page.example("docs-shapes#01-request")
    assert first.headers == (("Content-Type", "application/json"), ("Content-Length", "24"))
    assert first.value == {"reason": "busy"} and first.errors == ()


@pytest.mark.parametrize(
    ("eid", "why"),
    [
        ("04-response", "text/csv"),
        ("05-request", "<the first 26 bytes"),
        ("06-request", "placeholder"),
        ("07-request", "x-www-form-urlencoded"),
    ],
)
def test_non_json_bodies_are_recognised_not_parsed(
    page: Page, report: PageReport, eid: str, why: str
) -> None:
    example = page.example(f"docs-shapes#{eid}")
    assert example.value is None and example.errors == ()
    assert example.not_json is not None and why in example.not_json
    assert ("info", "body.not-json") in _codes(report, eid)
    assert not any(sev == "error" and code.startswith("json.") for sev, code in _codes(report, eid))


def test_a_post_to_another_host_is_a_notification_only_when_shaped_like_one(
    page: Page, report: PageReport
) -> None:
    kinds = {e.id.split("#")[1]: e.kind for e in page.examples}
    assert kinds["07-request"] == "request"  # a form post
    assert kinds["08-request"] == "request"  # JSON, but a batch of requests, not notifications
    assert kinds["09-notification"] == "notification"
    assert _codes(report, "08-request") == [("info", "request.external-host")]


def test_a_change_notification_is_not_taken_for_a_calls_notification(report: PageReport) -> None:
    (example,) = [e for e in report.examples if e.id == "docs-shapes#09-notification"]
    assert example.type != "microsoft.graph.commsNotifications"
    assert not any(f.code == "property.undeclared" for f in example.findings)


def test_a_bare_json_block_after_prose_naming_a_notification_is_one(
    page: Page, report: PageReport
) -> None:
    bare = page.example("docs-shapes#10-notification")
    assert bare.value == {
        "value": [{"changeType": "deleted", "resourceUrl": "/communications/calls/2f1a"}]
    }
    assert _codes(report, "10-notification") == []
    # The settings file after unrelated prose stays out.
    assert [(f.code, f.line) for f in page.findings] == [("page.json-without-envelope", 113)]


def test_an_ignored_block_is_checked_with_its_errors_lowered(report: PageReport) -> None:
    (ignored,) = [e for e in report.examples if e.ignored]
    assert ignored.id == "docs-shapes#ignored-01-request"
    assert [(f.severity, f.code) for f in ignored.findings] == [("warning", "property.undeclared")]
    assert ignored.findings[0].message.startswith("in a block marked ignored: ")
    assert ignored.as_dict()["ignored"] is True
    assert ignored.outcome == "warnings"


def test_the_response_after_an_unresolved_request_is_not_told_it_returns_nothing(
    report: PageReport,
) -> None:
    codes = [f.code for e in report.examples for f in e.findings]
    assert "response.unexpected-body" not in codes


_TEXTUAL = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="`"), max_size=80
)


@settings(max_examples=60, deadline=None)
@given(
    content_type=st.sampled_from(["text/plain", "application/octet-stream", "image/png"]),
    body=_TEXTUAL,
)
def test_a_declared_non_json_content_type_is_never_parsed(content_type: str, body: str) -> None:
    text = (
        "```http\nPUT https://graph.microsoft.com/v1.0/me/photo/$value\n"
        f"Content-Type: {content_type}\n\n{body}\n```\n"
    )
    for example in read_text(text, "p.md").examples:
        assert example.errors == () and example.value is None


@settings(max_examples=60, deadline=None)
@given(value=st.dictionaries(st.text(max_size=8), st.integers() | st.text(max_size=8), max_size=4))
def test_a_post_elsewhere_without_notification_keys_is_a_request(value: dict[str, object]) -> None:
    import json

    keys = {
        "changeType",
        "resourceData",
        "resourceUrl",
        "subscriptionId",
        "clientState",
        "resource",
    }
    text = f"```http\nPOST https://elsewhere.example.net/x\n\n{json.dumps(value)}\n```\n"
    (example,) = read_text(text, "p.md").examples
    expected = "notification" if len(keys.intersection(value)) >= 2 else "request"
    assert example.kind == expected


# -- request lines with spaces, bodies wrapped in `value` -------------------------------------

WRAPPED_PAGE = """# Read one call

<!-- { "blockType": "request", "name": "read_call" } -->
```http
GET https://graph.microsoft.com/v1.0/communications/calls/{call id}?$select=state, direction
```

<!-- { "blockType": "response" } -->
```http
HTTP/1.1 200 OK
Content-Type: application/json

{
  "value": {
    "@odata.type": "#microsoft.graph.call",
    "state": "established",
    "direction": "sideways"
  }
}
```
"""


@pytest.mark.parametrize(
    "line",
    [
        "GET https://graph.microsoft.com/v1.0/users?$filter=displayName eq 'Ada Lovelace'",
        "GET https://graph.microsoft.com/v1.0/users/{id | userPrincipalName}",
        "GET https://graph.microsoft.com/v1.0/me/drive/root/search(q='quarterly report')",
        "GET https://graph.microsoft.com/v1.0/me/events?$top=2 HTTP/1.1",
        "POST https://graph.microsoft.com/v1.0/me/drive/root/workbook/worksheets/{id}/range/"
        "resizedRange(deltaRows={n}, deltaColumns={n})",
    ],
)
def test_a_request_line_may_hold_spaces_where_pages_write_them(line: str) -> None:
    text = f"```http\n{line}\n```\n\n```http\nHTTP/1.1 200 OK\n\n{{}}\n```\n"
    page = read_text(text, "spaced.md")
    request, response = page.examples
    assert (request.kind, request.method) == ("request", line.split()[0])
    assert request.url is not None and request.url.startswith("https://graph.microsoft.com/")
    assert not request.url.endswith("HTTP/1.1")
    assert response.request_id == request.id


@pytest.mark.parametrize(
    "line",
    [
        "GET https://graph.microsoft.com/v1.0/me and then read the reply",
        "get https://graph.microsoft.com/v1.0/users?$filter=a eq 'b'",
    ],
)
def test_prose_after_a_url_is_not_a_request_line(line: str) -> None:
    page = read_text(f"```http\n{line}\n```\n", "prose.md")
    assert page.examples == ()


def test_a_relative_request_with_spaces_in_a_block_marked_request_is_one() -> None:
    text = (
        '<!-- { "blockType": "request" } -->\n'
        "```msgraph-interactive\nGET /me/drive/root/search(q='quarterly report')\n```\n\n"
        '<!-- { "blockType": "response" } -->\n```http\nHTTP/1.1 200 OK\n\n{}\n```\n'
    )
    page = read_text(text, "relative.md")
    request, response = page.examples
    assert request.url == "/me/drive/root/search(q='quarterly report')"
    assert response.request_id == request.id
    assert not [f for f in page.findings if f.code == "page.response-without-request"]
    # A syntax line alone, in a block not marked as a request, is still not an example.
    alone = read_text("```http\nGET /users/{id | userPrincipalName}\n```\n", "syntax.md")
    assert alone.examples == ()


@pytest.mark.parametrize(
    "line",
    [
        "GET https://graph.microsoft.com/v1.0/me (see below)",
    ],
)
def test_a_parenthesis_after_a_space_is_prose(line: str) -> None:
    page = read_text(f"```http\n{line}\n```\n", "prose.md")
    assert page.examples == ()


def test_a_single_object_wrapped_in_value_is_reported_and_checked_inside(
    tmp_path: Path,
) -> None:
    path = tmp_path / "wrapped.md"
    path.write_text(WRAPPED_PAGE, encoding="utf-8")
    (report,) = check_pages([path])
    request, response = report.examples
    assert request.findings == () and response.type == "microsoft.graph.call"
    assert [(f.severity, f.code, f.path) for f in response.findings] == [
        ("warning", "response.wrapped-in-value", "$"),
        ("warning", "enum.unknown-member", "$.value.direction"),
    ]
    assert response.roundtrip is True


def test_a_primitive_or_enum_response_is_read_from_value() -> None:
    from runtime.checking.models import models_for
    from runtime.checking.validate import TypeRef
    from runtime.docs.examples import _unwrapped

    index = models_for(url="https://graph.microsoft.com/v1.0/").index
    body = {"@odata.context": "…", "value": "text"}
    text = TypeRef("Edm.String")
    assert _unwrapped(body, text, index) == ("text", text, True, ())
    state = TypeRef("microsoft.graph.callState")
    assert _unwrapped(body, state, index)[:3] == ("text", state, True)
    # A collection, and a body with other keys, are kept as they are.
    many = TypeRef("Edm.String", True)
    assert _unwrapped(body, many, index) == (body, many, False, ())
    assert _unwrapped({"value": "x", "more": 1}, text, index)[2] is False


def test_a_collection_response_where_one_object_is_returned_is_checked_item_by_item(
    tmp_path: Path,
) -> None:
    listed = WRAPPED_PAGE.replace('"value": {', '"value": [{').replace("  }\n}", "  }]\n}")
    path = tmp_path / "listed.md"
    path.write_text(listed, encoding="utf-8")
    (report,) = check_pages([path])
    response = report.examples[1]
    assert response.type == "Collection(microsoft.graph.call)"
    assert [(f.code, f.path) for f in response.findings] == [
        ("response.wrapped-in-value", "$"),
        ("enum.unknown-member", "$.value[0].direction"),
    ]
    assert "collection response" in response.findings[0].message
