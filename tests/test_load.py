"""Load: 10,400 notifications from concurrent keep-alive clients, mixed with malformed bodies.

Loopback only and bounded: a fixed number of requests, socket timeouts on every client, and no
timing asserts (how fast is the benchmark's business, `benchmarks/notifications.py`).
"""

from __future__ import annotations

import http.client
import json
import threading
from collections import Counter

from runtime.notifications import Dispatcher, Notification
from runtime.receiver import NotificationReceiver, serve

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
