"""Issue 9, receiver side: every hostile request gets a 4xx (or a 503 from the auth hook), never
a 500, a traceback or a dropped notification."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any

import pytest

from runtime.bot.notifications import Dispatcher, Notification
from runtime.bot.receiver import AuthUnavailable, NotificationReceiver
from tests.bot.factory import BODY, CALL, call_asgi, call_wsgi, recorder


def notification_body(*items: object) -> bytes:
    return json.dumps({"value": list(items)}).encode()


def call_item(**resource_data: object) -> dict[str, object]:
    data = {"@odata.type": "#microsoft.graph.call", **resource_data}
    return {"changeType": "updated", "resourceUrl": CALL, "resourceData": data}


def status_code(status: str) -> int:
    return int(status.split()[0])


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 1000 + b"]" * 1000,
        b'{"value": [' + b"[" * 1000 + b"]" * 1000 + b"]}",
        b'{"value": [' + b'{"a":' * 5000 + b"1" + b"}" * 5000 + b"]}",
    ],
    ids=["bare-arrays", "nested-in-value", "nested-objects"],
)
def test_deep_nesting_is_400_too_deep(body: bytes) -> None:
    dispatcher, seen = recorder()
    status, _, out, _ = call_wsgi(NotificationReceiver(dispatcher), body)
    assert status_code(status) == 400
    assert [f["code"] for f in json.loads(out)["findings"]] == ["json.too-deep"]
    assert seen == []


@pytest.mark.parametrize(
    ("body", "code", "path"),
    [
        (b'{"value": [], "value": []}', "json.duplicate-key", "$"),
        (b'{"value": [{"changeType": NaN}]}', "json.nan-literal", "$.value[0].changeType"),
        (b'{"value": [{"x": -Infinity}]}', "json.nan-literal", "$.value[0].x"),
        (b'{"value": [{"changeType": "\\ud800"}]}', "json.lone-surrogate", "$.value[0].changeType"),
        (b'{"value": ["\\udc00\\ud800"]}', "json.lone-surrogate", "$.value[0]"),
        (b'{"value": []} // note', "json.syntax", "$"),
        (b'{"value": [],}', "json.syntax", "$"),
        (b'{"value": [1' + b"0" * 5000 + b"]}", "json.bad-number", "$"),
        (b'{"value": []} {"value": []}', "json.syntax", "$"),
    ],
)
def test_what_the_docs_reader_refuses_the_receiver_refuses(
    body: bytes, code: str, path: str
) -> None:
    dispatcher, seen = recorder()
    status, _, out, _ = call_wsgi(NotificationReceiver(dispatcher), body)
    assert status_code(status) == 400, out
    findings = json.loads(out)["findings"]
    assert (findings[0]["code"], findings[0]["path"]) == (code, path)
    assert seen == []


def test_a_proper_surrogate_pair_is_text() -> None:
    dispatcher, seen = recorder()
    body = notification_body(call_item(state="established", subject="\\ud83d\\ude00"))
    body = body.replace(b"\\\\ud83d\\\\ude00", b"\\ud83d\\ude00")
    status, *_ = call_wsgi(NotificationReceiver(dispatcher), body)
    assert status_code(status) == 202
    assert seen[0].raw["resourceData"]["subject"] == "\U0001f600"


@pytest.mark.parametrize("length", ["²", "١٢", "+5", "-1", " ", "1e3", "9" * 40, "0x10"])
def test_odd_content_lengths_are_400(length: str) -> None:
    status, _, out, stream = call_wsgi(NotificationReceiver(), length=length)
    assert status_code(status) == 400
    assert json.loads(out)["error"]["code"] == "badRequest"
    assert stream.tell() == 0


def test_asgi_odd_content_length_is_400() -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", "²".encode())]
    assert call_asgi(NotificationReceiver(), "POST", headers, [BODY])[0] == 400


def test_an_auth_hook_that_raises_is_401_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    def broken(headers: Mapping[str, str]) -> bool:
        raise KeyError("kid")

    dispatcher, seen = recorder()
    with caplog.at_level(logging.ERROR, logger="runtime.bot.receiver"):
        app = NotificationReceiver(dispatcher, authenticate=broken)
        status, headers, _, stream = call_wsgi(app)
    assert status_code(status) == 401 and headers["WWW-Authenticate"] == "Bearer"
    assert "authentication hook raised" in caplog.text
    assert seen == [] and stream.tell() == 0


@pytest.mark.parametrize("raised", [SystemExit(3), ValueError("x"), RecursionError()])
def test_an_auth_hook_never_lets_in_by_raising(raised: BaseException) -> None:
    def broken(headers: Mapping[str, str]) -> bool:
        raise raised

    status, *_ = call_wsgi(NotificationReceiver(authenticate=broken))
    assert status_code(status) == 401


def test_an_auth_hook_answering_truthy_non_true_refuses() -> None:
    status, *_ = call_wsgi(NotificationReceiver(authenticate=lambda h: "yes"))  # type: ignore[arg-type,return-value]
    assert status_code(status) == 401


def test_auth_unavailable_is_503_with_retry_after_and_nothing_dispatched() -> None:
    def keys_down(headers: Mapping[str, str]) -> bool:
        raise AuthUnavailable("JWKS fetch failed", retry_after=7)

    dispatcher, seen = recorder()
    app = NotificationReceiver(dispatcher, authenticate=keys_down)
    status, headers, out, stream = call_wsgi(app)
    assert status == "503 Service Unavailable"
    assert headers["Retry-After"] == "7"
    assert json.loads(out)["error"]["code"] == "authUnavailable"
    assert seen == [] and stream.tell() == 0 and len(app.dead_letters) == 0


@pytest.mark.parametrize("raised", [SystemExit(1), RuntimeError("boom"), MemoryError()])
def test_a_raising_handler_is_a_dead_letter(raised: BaseException) -> None:
    def bad(n: Notification) -> None:
        raise raised

    dispatcher = Dispatcher()
    dispatcher.add(bad)
    app = NotificationReceiver(dispatcher)
    status, *_ = call_wsgi(app)
    assert status_code(status) == 202
    assert [f.error for f in app.dead_letters.items()] == [raised, raised]


@pytest.mark.parametrize("raised", [KeyboardInterrupt(), GeneratorExit(), asyncio.CancelledError()])
def test_cancellation_from_a_handler_propagates(raised: BaseException) -> None:
    def cancelled(n: Notification) -> None:
        raise raised

    dispatcher = Dispatcher()
    dispatcher.add(cancelled)
    app = NotificationReceiver(dispatcher)
    with pytest.raises(type(raised)):
        call_wsgi(app)
    assert len(app.dead_letters) == 0


@pytest.mark.parametrize("raised", [KeyboardInterrupt(), asyncio.CancelledError()])
def test_cancellation_from_the_auth_hook_propagates(raised: BaseException) -> None:
    def cancelled(headers: Mapping[str, str]) -> bool:
        raise raised

    with pytest.raises(type(raised)):
        call_wsgi(NotificationReceiver(authenticate=cancelled))


def test_a_validator_that_crashes_is_400_not_500(caplog: pytest.LogCaptureFixture) -> None:
    def crash(value: object, qname: str) -> list[object]:
        raise RecursionError("deep")

    with caplog.at_level(logging.ERROR, logger="runtime.bot.receiver"):
        status, _, out, _ = call_wsgi(NotificationReceiver(validator=crash))  # type: ignore[arg-type]
    assert status_code(status) == 400
    assert json.loads(out)["error"]["code"] == "unreadable"
    assert "could not be checked" in caplog.text


def test_a_read_timeout_is_408() -> None:
    def stalled(n: int) -> bytes:
        raise TimeoutError("timed out")

    app = NotificationReceiver()
    headers = {"content-type": "application/json", "content-length": "10"}
    reply = app.handle("POST", headers, stalled)
    assert reply.status == 408


def test_findings_and_the_400_body_are_capped() -> None:
    # Sixty thousand bad properties: the answer lists 100 and counts the rest.
    data = {f"p{i}": i for i in range(60_000)}
    body = notification_body(call_item(state=3, **data))
    assert len(body) < 1 << 20
    status, headers, out, _ = call_wsgi(NotificationReceiver(), body)
    assert status_code(status) == 400
    assert len(out) < 64 * 1024
    assert headers["Content-Length"] == str(len(out))
    findings = json.loads(out)["findings"]
    assert len(findings) == 101
    assert findings[0]["code"] == "value.wrong-json-type"  # errors come first
    note = findings[-1]
    assert note["code"] == "findings.truncated"
    # One error and 60,000 undeclared properties: every one is listed or counted.
    assert note["message"] == "59901 more finding(s) not listed (0 of them errors)"


def test_validation_keeps_at_most_max_findings_errors_first() -> None:
    from runtime.checking.validate import validate

    body = {"@odata.type": "#microsoft.graph.call", "state": 3, "direction": 4}
    body |= {f"p{i}": i for i in range(50)}
    found = validate(body, "microsoft.graph.call", mode="lenient", partial=True, max_findings=3)
    severities = [f.severity for f in found]
    assert severities == ["error", "error", "warning", "info"]
    assert found[-1].message == "49 more finding(s) not listed (0 of them errors)"
    assert len(validate(body, "microsoft.graph.call", mode="lenient", partial=True)) == 52


def test_cutting_twice_still_counts_every_finding() -> None:
    from runtime.checking.findings import Finding, cap_findings

    many = [Finding("warning", "w", "$", str(i)) for i in range(30)]
    many += [Finding("error", "e", "$", str(i)) for i in range(5)]
    once = cap_findings(many, 10)
    twice = cap_findings([*once, Finding("error", "late", "$", "x")], 4)
    assert [f.code for f in twice] == ["e", "e", "e", "e", "findings.truncated"]
    assert twice[-1].message == "32 more finding(s) not listed (2 of them errors)"


def test_long_paths_and_messages_are_cut_in_the_answer() -> None:
    key = "k" * 10_000
    body = notification_body({"changeType": 1, "resourceUrl": CALL, key: 1})
    status, _, out, _ = call_wsgi(NotificationReceiver(), body)
    assert status_code(status) == 400
    assert len(out) < 8 * 1024


def test_a_double_past_the_range_is_a_finding_not_an_overflow() -> None:
    item = {
        "changeType": "updated",
        "resourceUrl": CALL + "/participants",
        "resourceData": [{"id": "p1", "mediaStreams": [], "rosterSequenceNumber": 1}],
    }
    status, *_ = call_wsgi(NotificationReceiver(), notification_body(item))
    assert status_code(status) == 202
    item["resourceData"] = [{"id": "p1", "rosterSequenceNumber": 10**400}]
    status, _, out, _ = call_wsgi(NotificationReceiver(), notification_body(item))
    assert status_code(status) == 400
    assert json.loads(out)["findings"][0]["code"] == "value.out-of-range"


def test_dead_letters_are_bounded() -> None:
    def always(n: Notification) -> None:
        raise RuntimeError("down")

    dispatcher = Dispatcher()
    dispatcher.add(always)
    app = NotificationReceiver(dispatcher)
    app.dead_letters.max_items = 5
    for _ in range(4):
        call_wsgi(app)  # two notifications each
    assert len(app.dead_letters) == 5 and app.dead_letters.dropped == 3


def test_a_dispatcher_that_raises_does_not_make_a_500() -> None:
    class Broken(Dispatcher):
        def dispatch(self, notification: Notification) -> list[Any]:
            raise RuntimeError("bug")

    status, *_ = call_wsgi(NotificationReceiver(Broken()))
    assert status_code(status) == 202
