"""The receiver as a WSGI and ASGI application, called directly (no sockets here)."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import pytest

from runtime.bot.notifications import Dispatcher, Notification, ResourceKind
from runtime.bot.receiver import NotificationReceiver
from tests.bot.factory import BODY, CALL, call_asgi, call_wsgi, recorder


def test_accepts_and_dispatches() -> None:
    dispatcher, seen = recorder()
    app = NotificationReceiver(dispatcher)
    status, headers, out, _ = call_wsgi(app)
    assert (status, headers["Content-Length"], out) == ("202 Accepted", "0", b"")
    assert [n.resource.kind for n in seen] == [
        ResourceKind.CALL,
        ResourceKind.CONTENT_SHARING_SESSIONS,
    ]
    assert app.stats() == {"statuses": {202: 1}, "notifications": 2}


def test_charset_parameter_is_fine() -> None:
    status, *_ = call_wsgi(NotificationReceiver(), content_type="Application/JSON; charset=utf-8")
    assert status == "202 Accepted"


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_with_allow(method: str) -> None:
    status, headers, out, _ = call_wsgi(NotificationReceiver(), method=method)
    assert status == "405 Method Not Allowed"
    assert headers["Allow"] == "POST"
    assert json.loads(out)["error"]["code"] == "methodNotAllowed"


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/jsonp"])
def test_wrong_content_type_is_415(content_type: str | None) -> None:
    status, _, _, stream = call_wsgi(NotificationReceiver(), content_type=content_type)
    assert status == "415 Unsupported Media Type"
    assert stream.tell() == 0  # refused before reading


def test_over_the_limit_is_413_before_reading() -> None:
    app = NotificationReceiver(max_body=100)
    status, _, out, stream = call_wsgi(app)
    assert status == "413 Content Too Large"
    assert stream.tell() == 0
    assert "over the limit of 100" in json.loads(out)["error"]["message"]


def test_a_lying_content_length_reads_no_more_than_declared() -> None:
    app = NotificationReceiver(max_body=len(BODY))
    status, *_ = call_wsgi(app, BODY + b"x" * 1000, length=str(len(BODY)))
    assert status == "202 Accepted"


def test_no_content_length_is_411() -> None:
    status, *_ = call_wsgi(NotificationReceiver(), length=None)
    assert status == "411 Length Required"


@pytest.mark.parametrize("length", ["-1", "ten", "1e3"])
def test_bad_content_length_is_400(length: str) -> None:
    status, *_ = call_wsgi(NotificationReceiver(), length=length)
    assert status == "400 Bad Request"


def test_a_short_body_is_400() -> None:
    status, _, out, _ = call_wsgi(NotificationReceiver(), BODY[:10], length=str(len(BODY)))
    assert status == "400 Bad Request"
    assert "declared bytes" in json.loads(out)["error"]["message"]


def test_malformed_json_is_400_with_findings() -> None:
    dispatcher, seen = recorder()
    status, headers, out, _ = call_wsgi(NotificationReceiver(dispatcher), b'{"value": [')
    assert status == "400 Bad Request"
    assert headers["Content-Type"] == "application/json"
    answer = json.loads(out)
    assert [f["code"] for f in answer["findings"]] == ["json.syntax"]
    assert seen == []


def test_failed_validation_is_400_with_every_finding() -> None:
    bad = {
        "value": [
            {"changeType": "updated", "resourceUrl": CALL, "resourceData": {"state": 3}},
            {"changeType": 7, "resourceUrl": CALL},
        ]
    }
    dispatcher, seen = recorder()
    status, _, out, _ = call_wsgi(NotificationReceiver(dispatcher), json.dumps(bad).encode())
    assert status == "400 Bad Request"
    found = {(f["code"], f["path"]) for f in json.loads(out)["findings"]}
    assert ("value.wrong-json-type", "$.value[0].resourceData.state") in found
    assert ("value.wrong-json-type", "$.value[1].changeType") in found
    assert seen == []  # a body is all or nothing


def test_authentication_hook_sees_headers_and_can_refuse() -> None:
    seen_headers: list[Mapping[str, str]] = []

    def only_bearer_good(headers: Mapping[str, str]) -> bool:
        seen_headers.append(headers)
        return headers.get("authorization") == "Bearer good"

    dispatcher, seen = recorder()
    app = NotificationReceiver(dispatcher, authenticate=only_bearer_good)
    status, headers, _, stream = call_wsgi(app, headers={"Authorization": "Bearer bad"})
    assert status == "401 Unauthorized"
    assert headers["WWW-Authenticate"] == "Bearer"
    assert stream.tell() == 0 and seen == []
    status, *_ = call_wsgi(app, headers={"Authorization": "Bearer good"})
    assert status == "202 Accepted"
    assert seen_headers[-1]["content-type"] == "application/json"


def test_a_failing_handler_is_dead_lettered_and_serving_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = {"on": True}
    delivered: list[str] = []

    def fragile(n: Notification) -> None:
        if broken["on"]:
            raise RuntimeError("disk full")
        delivered.append(n.resource_url)

    dispatcher = Dispatcher()
    dispatcher.add(fragile, ResourceKind.CALL)
    app = NotificationReceiver(dispatcher)
    with caplog.at_level(logging.ERROR, logger="runtime.bot.notifications"):
        status, *_ = call_wsgi(app)
    assert status == "202 Accepted"  # Graph must not resend: we have it
    assert "disk full" in caplog.text
    (letter,) = app.dead_letters.items()
    assert letter.notification.resource_url == CALL
    status, *_ = call_wsgi(app)
    assert status == "202 Accepted" and len(app.dead_letters) == 2
    broken["on"] = False
    assert app.dead_letters.retry() == 2
    assert delivered == [CALL, CALL]


def test_a_custom_validator_is_used() -> None:
    from runtime.checking.findings import Finding

    def refuse_all(value: Any, qname: str) -> list[Finding]:
        return [Finding("error", "policy.refused", "$", f"no {qname}")]

    status, _, out, _ = call_wsgi(NotificationReceiver(validator=refuse_all))
    assert status == "400 Bad Request"
    assert json.loads(out)["findings"][0]["code"] == "policy.refused"


def test_asgi_accepts_a_body_in_chunks() -> None:
    dispatcher, seen = recorder()
    app = NotificationReceiver(dispatcher)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(BODY))]
    status, _, _ = call_asgi(app, "POST", headers, [BODY[:50], BODY[50:]])
    assert status == 202 and len(seen) == 2


def test_asgi_refusals() -> None:
    app = NotificationReceiver(max_body=10)
    json_headers = [(b"content-type", b"application/json")]
    status, headers, body = call_asgi(app, "GET", [], [b""])
    assert (status, headers[b"allow"]) == (405, b"POST")
    assert headers[b"content-length"] == b"%d" % len(body)
    too_big = [*json_headers, (b"content-length", b"%d" % len(BODY))]
    assert call_asgi(app, "POST", too_big, [BODY])[0] == 413
    not_json = [*json_headers, (b"content-length", b"3")]
    assert call_asgi(NotificationReceiver(), "POST", not_json, [b"{x}"])[0] == 400
