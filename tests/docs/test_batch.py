"""JSON batches on docs pages: the envelope of `POST /$batch` and of its response is checked,
and each item is typed from its own method and URL like any other request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.docs.examples import BATCH_LIMIT, BATCH_TYPE, ExampleReport, check_page, is_batch_url

CALL = "/communications/calls/57dab8b1-894c-409a-b240-bd8beae78896"


def _page(tmp_path: Path, request: Any, response: Any = None, status: str = "200 OK") -> Path:
    text = (
        "# A batch\n\n```http\nPOST https://graph.microsoft.com/v1.0/$batch\n"
        f"Content-Type: application/json\n\n{json.dumps(request, indent=2)}\n```\n"
    )
    if response is not None:
        text += (
            f"\n```http\nHTTP/1.1 {status}\nContent-Type: application/json\n\n"
            f"{json.dumps(response, indent=2)}\n```\n"
        )
    page = tmp_path / "batch.md"
    page.write_text(text, encoding="utf-8")
    return page


def _codes(report: ExampleReport) -> list[tuple[str, str, str]]:
    return [(f.severity, f.code, f.path) for f in report.findings]


JSON = {"Content-Type": "application/json"}


def test_each_item_is_typed_from_its_own_method_and_url(tmp_path: Path) -> None:
    batch = {
        "requests": [
            {
                "id": "a",
                "method": "POST",
                "url": f"{CALL}/mute",
                "headers": JSON,
                "body": {"clientContext": 42},
            },
            {"id": "b", "method": "GET", "url": "nowhere/at/all"},
            {
                "id": "c",
                "method": "POST",
                "url": f"{CALL.lstrip('/')}/unmute",
                "headers": JSON,
                "body": {"clientContext": "d45324c1"},
                "dependsOn": ["a"],
            },
        ]
    }
    (request,) = check_page(_page(tmp_path, batch))
    assert request.type == BATCH_TYPE
    codes = _codes(request)
    assert ("error", "value.wrong-json-type", "$.requests[0].body.clientContext") in codes
    assert ("error", "request.unknown-route", "$.requests[1].url") in codes
    # The third item is right: nothing is said about it.
    assert not [c for c in codes if c[2].startswith("$.requests[2]")]
    assert len(codes) == 2


def test_each_response_is_typed_from_the_request_with_its_id(tmp_path: Path) -> None:
    batch = {
        "requests": [
            {
                "id": "1",
                "method": "POST",
                "url": f"{CALL}/mute",
                "headers": JSON,
                "body": {"clientContext": "c"},
            },
            {"id": "2", "method": "GET", "url": CALL},
        ]
    }
    answers = {
        "responses": [
            {"id": "2", "status": 200, "body": {"state": "sleeping"}},
            {
                "id": "1",
                "status": 200,
                "headers": JSON,
                "body": {
                    "@odata.type": "#microsoft.graph.muteParticipantOperation",
                    "clientContext": 7,
                },
            },
            {"id": "9", "status": 200, "body": {}},
            {"id": "1", "status": 404, "body": {"error": {"code": "NotFound"}}},
        ]
    }
    _, response = check_page(_page(tmp_path, batch, answers))
    codes = _codes(response)
    assert response.type == BATCH_TYPE
    # Responses are read leniently, so an unknown enum member is a warning there.
    assert ("warning", "enum.unknown-member", "$.responses[0].body.state") in codes
    assert ("error", "value.wrong-json-type", "$.responses[1].body.clientContext") in codes
    assert ("warning", "batch.unmatched-response", "$.responses[2].id") in codes
    assert ("error", "batch.envelope", "$.responses[3].id") in codes  # "1" twice
    assert ("info", "response.untyped", "$.responses[3].body") in codes


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ([], ("error", "batch.envelope", "$")),
        ({"reqs": []}, ("error", "batch.envelope", "$")),
        ({"requests": [1]}, ("error", "batch.envelope", "$.requests[0]")),
        (
            {"requests": [{"method": "GET", "url": "/me"}]},
            ("error", "batch.envelope", "$.requests[0]"),
        ),
        (
            {"requests": [{"id": 1, "method": "GET", "url": "/me"}]},
            ("error", "batch.envelope", "$.requests[0].id"),
        ),
        (
            {"requests": [{"id": "1", "method": "FETCH", "url": "/me"}]},
            ("error", "batch.envelope", "$.requests[0].method"),
        ),
        (
            {"requests": [{"id": "1", "method": "GET", "url": 5}]},
            ("error", "batch.envelope", "$.requests[0].url"),
        ),
        (
            {
                "requests": [
                    {"id": "1", "method": "GET", "url": "https://graph.microsoft.com/v1.0/me"}
                ]
            },
            ("error", "batch.envelope", "$.requests[0].url"),
        ),
        (
            {"requests": [{"id": "1", "method": "GET", "url": CALL, "headers": ["Accept"]}]},
            ("error", "batch.envelope", "$.requests[0].headers"),
        ),
        (
            {"requests": [{"id": "1", "method": "GET", "url": CALL, "dependsOn": "2"}]},
            ("error", "batch.envelope", "$.requests[0].dependsOn"),
        ),
        (
            {"requests": [{"id": "1", "method": "GET", "url": CALL, "dependsOn": ["1"]}]},
            ("error", "batch.depends-on", "$.requests[0].dependsOn[0]"),
        ),
        (
            {"requests": [{"id": "1", "method": "GET", "url": CALL, "retry": True}]},
            ("warning", "batch.envelope", "$.requests[0].retry"),
        ),
        ({"requests": [], "atomic": True}, ("warning", "batch.envelope", "$.atomic")),
        (
            {
                "requests": [
                    {
                        "id": "1",
                        "method": "POST",
                        "url": f"{CALL}/mute",
                        "body": {"clientContext": "c"},
                    }
                ]
            },
            ("error", "batch.content-type", "$.requests[0].headers"),
        ),
        (
            {
                "requests": [
                    {
                        "id": "1",
                        "method": "PUT",
                        "url": f"{CALL}/x",
                        "headers": {"Content-Type": "image/png"},
                        "body": "iVBORw0KGgo=",
                    }
                ]
            },
            ("info", "body.not-json", "$.requests[0].body"),
        ),
        (
            {
                "requests": [
                    {"id": str(n), "method": "GET", "url": CALL} for n in range(BATCH_LIMIT + 1)
                ]
            },
            ("error", "batch.too-many", "$.requests"),
        ),
    ],
)
def test_the_envelope_is_checked(tmp_path: Path, body: Any, expected: tuple[str, str, str]) -> None:
    (request,) = check_page(_page(tmp_path, body))
    assert expected in _codes(request)


def test_a_batch_that_failed_as_a_whole_is_not_typed(tmp_path: Path) -> None:
    batch = {"requests": [{"id": "1", "method": "GET", "url": CALL}]}
    _, response = check_page(_page(tmp_path, batch, {"error": {}}, status="400 Bad Request"))
    assert [f.code for f in response.findings] == ["response.untyped"]


def test_a_malformed_batch_response_is_named(tmp_path: Path) -> None:
    batch = {"requests": [{"id": "1", "method": "GET", "url": CALL}]}
    _, response = check_page(_page(tmp_path, batch, {"responses": {"1": {}}}))
    assert ("error", "batch.envelope", "$") in _codes(response)
    _, response = check_page(_page(tmp_path, batch, {"responses": [{"id": "1", "status": "ok"}]}))
    assert ("error", "batch.envelope", "$.responses[0].status") in _codes(response)


@pytest.mark.parametrize(
    ("url", "batch"),
    [
        ("https://graph.microsoft.com/v1.0/$batch", True),
        ("/beta/$batch", True),
        ("/$batch", True),
        ("https://graph.microsoft.com/v1.0/me/$batch", False),
        ("https://example.com/v1.0/$batch", False),
    ],
)
def test_the_batch_endpoint(url: str, batch: bool) -> None:
    assert is_batch_url(url) is batch


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
_item = st.fixed_dictionaries(
    {},
    optional={
        "id": st.sampled_from(["1", "2", 3, ""]),
        "method": st.sampled_from(["GET", "POST", "patch", "FETCH", 1]),
        "url": st.sampled_from([CALL, f"{CALL}/mute", "me", "", "http://x/y", "a/(b", None]),
        "headers": st.sampled_from([JSON, {}, [], {"content-type": "text/plain"}]),
        "body": _json,
        "dependsOn": st.sampled_from([["1"], ["9"], "1", [1]]),
    },
)


@settings(max_examples=40, deadline=None)
@given(items=st.lists(_item | _json, max_size=4), answers=st.lists(_json, max_size=3))
def test_any_batch_gives_findings_not_crashes(
    tmp_path_factory: pytest.TempPathFactory, items: list[Any], answers: list[Any]
) -> None:
    page = _page(tmp_path_factory.mktemp("b"), {"requests": items}, {"responses": answers})
    for report in check_page(page):
        assert all(f.path.startswith("$") for f in report.findings)
