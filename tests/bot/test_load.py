"""Load: 10,400 notifications from concurrent keep-alive clients, mixed with malformed bodies;
then 4,000 mixed with hostile requests (deep nesting, NaN, duplicate keys, oversized bodies, a
bad Content-Length, refused tokens, a raising auth hook, raising handlers, stalled uploads).

Loopback only and bounded: a fixed number of requests, socket timeouts on every client, and no
timing asserts but the hostile run's 20 s bound (how fast is the benchmark's business,
`benchmarks/notifications.py`).
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Mapping

import pytest

from runtime.bot.notifications import Dispatcher, Notification
from runtime.bot.receiver import NotificationReceiver, serve

CLIENTS = 8
VALID_PER_CLIENT = 1300  # 8 × 1,300 = 10,400 notifications
BAD_EVERY = 10  # after every 10th valid one, one malformed request
MAX_BODY = 4096


def valid(client: int, i: int) -> bytes:
    """A one-notification body whose resourceUrl says who sent it."""
    return json.dumps(
        {
            "value": [
                {
                    "changeType": "updated",
                    "resourceUrl": f"/communications/calls/c{client}-{i}",
                    "resourceData": {
                        "@odata.type": "#microsoft.graph.call",
                        "state": "established",
                    },
                }
            ]
        }
    ).encode()


# (what, method, content type, body, expected status); each kind comes round in turn.
BAD = [
    ("not json", "POST", "application/json", b'{"value": [', 400),
    (
        "invalid",
        "POST",
        "application/json",
        json.dumps(
            {"value": [{"changeType": 1, "resourceUrl": "/communications/calls/x"}]}
        ).encode(),
        400,
    ),
    ("wrong type", "POST", "text/plain", b"{}", 415),
    ("too large", "POST", "application/json", b" " * (MAX_BODY + 1), 413),
    ("wrong method", "PUT", "application/json", b"{}", 405),
]


@pytest.mark.slow
def test_ten_thousand_notifications_none_lost() -> None:
    lock = threading.Lock()
    delivered: Counter[str] = Counter()

    def handler(n: Notification) -> None:
        with lock:
            delivered[n.resource_url] += 1

    dispatcher = Dispatcher()
    dispatcher.add(handler)
    receiver = NotificationReceiver(dispatcher, max_body=MAX_BODY)
    answers: list[Counter[tuple[str, int]]] = [Counter() for _ in range(CLIENTS)]
    errors: list[BaseException] = []
    start = threading.Barrier(CLIENTS)

    def client(k: int) -> None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            start.wait()
            for i in range(VALID_PER_CLIENT):
                conn.request("POST", "/", valid(k, i), {"Content-Type": "application/json"})
                response = conn.getresponse()
                response.read()
                answers[k][("valid", response.status)] += 1
                if i % BAD_EVERY == 0:
                    what, method, ctype, body, _ = BAD[(i // BAD_EVERY + k) % len(BAD)]
                    conn.request(method, "/", body, {"Content-Type": ctype})
                    response = conn.getresponse()
                    response.read()
                    answers[k][(what, response.status)] += 1
            conn.close()
        except BaseException as exc:  # reported below: a thread's exception is otherwise lost
            errors.append(exc)

    with serve(receiver) as server:
        threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert not any(t.is_alive() for t in threads), "a client hung"
    assert errors == []

    total: Counter[tuple[str, int]] = sum(answers, Counter())
    sent_bad = Counter(
        BAD[(i // BAD_EVERY + k) % len(BAD)][0]
        for k in range(CLIENTS)
        for i in range(0, VALID_PER_CLIENT, BAD_EVERY)
    )
    expected_status = {what: status for what, _, _, _, status in BAD}
    assert total == Counter(
        {("valid", 202): CLIENTS * VALID_PER_CLIENT}
        | {(what, expected_status[what]): n for what, n in sent_bad.items()}
    )
    # Every valid one reached the handler exactly once; nothing else did.
    assert len(delivered) == CLIENTS * VALID_PER_CLIENT
    assert set(delivered.values()) == {1}
    assert receiver.stats()["notifications"] == CLIENTS * VALID_PER_CLIENT
    assert len(receiver.dead_letters) == 0


# -- the same, with hostile requests mixed in (issue 9) ----------------------------------------

HOSTILE_CLIENTS = 4
HOSTILE_VALID_PER_CLIENT = 1000
RAISES_EVERY = 7  # the second handler raises SystemExit on every 7th valid notification


def _send(port: int, method: str, body: bytes, headers: dict[str, str]) -> int:
    """One request on its own connection (the server may close it after a bad one)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, "/", body, headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


JSON_GOOD = {"Content-Type": "application/json", "Authorization": "Bearer good"}
# (what, body, extra headers, expected status)
HOSTILE = [
    ("nested", b"[" * 1000 + b"]" * 1000, {}, 400),
    ("nan", b'{"value": [{"changeType": NaN}]}', {}, 400),
    ("duplicate keys", b'{"value": [], "value": []}', {}, 400),
    ("oversized", b" " * (MAX_BODY + 1), {}, 413),
    ("bad length", b"{}", {"Content-Length": "²"}, 400),
    ("refused token", b"{}", {"Authorization": "Bearer bad"}, 401),
    ("hook raises", b"{}", {"Authorization": "Bearer boom"}, 401),
]


@pytest.mark.slow
def test_hostile_requests_mixed_in_none_lost_none_duplicated_no_5xx() -> None:
    lock = threading.Lock()
    delivered: Counter[str] = Counter()

    def count(n: Notification) -> None:
        with lock:
            delivered[n.resource_url] += 1

    def fragile(n: Notification) -> None:
        if n.resource_url.endswith("-r"):
            raise SystemExit("a handler that exits")

    def check_token(headers: Mapping[str, str]) -> bool:
        token = headers.get("authorization", "")
        if token == "Bearer boom":
            raise RuntimeError("validator bug")
        return token == "Bearer good"

    dispatcher = Dispatcher()
    dispatcher.add(count)
    dispatcher.add(fragile)
    receiver = NotificationReceiver(dispatcher, authenticate=check_token, max_body=MAX_BODY)
    statuses: Counter[tuple[str, int]] = Counter()
    errors: list[BaseException] = []
    stop_stalling = threading.Event()

    def url(k: int, i: int) -> str:
        return f"c{k}-{i}" + ("-r" if i % RAISES_EVERY == 0 else "")

    def client(k: int) -> None:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            for i in range(HOSTILE_VALID_PER_CLIENT):
                body = json.dumps(
                    {
                        "value": [
                            {
                                "changeType": "updated",
                                "resourceUrl": f"/communications/calls/{url(k, i)}",
                                "resourceData": {"@odata.type": "#microsoft.graph.call"},
                            }
                        ]
                    }
                ).encode()
                conn.request("POST", "/", body, JSON_GOOD)
                response = conn.getresponse()
                response.read()
                with lock:
                    statuses[("valid", response.status)] += 1
                if i % 5 == 0:
                    what, bad, extra, _ = HOSTILE[(i // 5 + k) % len(HOSTILE)]
                    status = _send(server.port, "POST", bad, {**JSON_GOOD, **extra})
                    with lock:
                        statuses[(what, status)] += 1
            conn.close()
        except BaseException as exc:
            errors.append(exc)

    def staller() -> None:
        # Uploads that stop half way, again and again, while the clients work.
        while not stop_stalling.is_set():
            with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
                sock.sendall(
                    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    b'Authorization: Bearer good\r\nContent-Length: 500\r\n\r\n{"val'
                )
                try:
                    answer = sock.recv(100)
                except TimeoutError:
                    answer = b"client timed out"
                with lock:
                    statuses[("stalled", int(answer[9:12]) if answer[:5] == b"HTTP/" else 0)] += 1

    started = time.monotonic()
    with serve(receiver, read_timeout=0.5, max_connections=32) as server:
        stallers = [threading.Thread(target=staller) for _ in range(6)]
        threads = [threading.Thread(target=client, args=(k,)) for k in range(HOSTILE_CLIENTS)]
        for t in stallers + threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        stop_stalling.set()
        for t in stallers:
            t.join(timeout=10)
        assert not any(t.is_alive() for t in threads + stallers), "a client hung"
    elapsed = time.monotonic() - started
    assert errors == []

    sent = HOSTILE_CLIENTS * HOSTILE_VALID_PER_CLIENT
    assert statuses[("valid", 202)] == sent
    assert not any(status >= 500 for _, status in statuses)
    expected = {what: status for what, _, _, status in HOSTILE}
    for (what, status), n in statuses.items():
        if what in expected:
            assert status == expected[what], (what, status, n)
    assert all(status in (0, 408) for what, status in statuses if what == "stalled")
    assert statuses[("stalled", 408)] + statuses[("stalled", 0)] > 0
    # None lost, none duplicated; every raising handler call is a dead letter.
    assert len(delivered) == sent and set(delivered.values()) == {1}
    raised = sum(
        1
        for k in range(HOSTILE_CLIENTS)
        for i in range(HOSTILE_VALID_PER_CLIENT)
        if i % RAISES_EVERY == 0
    )
    assert len(receiver.dead_letters) == raised
    assert elapsed < 20, statuses
