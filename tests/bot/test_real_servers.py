"""The receiver in real server processes: uvicorn (ASGI) and waitress (WSGI) on loopback.

The load test sends 10,000 valid notifications, each with a unique id, mixed with 1,000
malformed requests, from concurrent keep-alive clients through uvicorn; the server process
writes every delivered id to a file: none may be missing or repeated, every bad request gets
its 4xx and nothing gets a 5xx.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections import Counter
from pathlib import Path

import pytest

from tests.servers import running

MAX_BODY = 4096
CLIENTS = 8
VALID = 10_000
BAD = 1_000


def valid(uid: str) -> bytes:
    """A one-notification body whose call id is the unique id the test counts."""
    note = {
        "changeType": "updated",
        "resourceUrl": f"/communications/calls/{uid}",
        "resourceData": {"@odata.type": "#microsoft.graph.call", "state": "established"},
    }
    return json.dumps({"value": [note]}).encode()


# (what, method, content type, body, expected status), taken in turn.
MALFORMED = [
    ("not json", "POST", "application/json", b'{"value": [', 400),
    ("no value", "POST", "application/json", b'{"values": []}', 400),
    (
        "bad change type",
        "POST",
        "application/json",
        json.dumps(
            {"value": [{"changeType": 1, "resourceUrl": "/communications/calls/x"}]}
        ).encode(),
        400,
    ),
    ("nested", "POST", "application/json", b"[" * 2000 + b"]" * 2000, 400),
    ("wrong type", "POST", "text/plain", b"{}", 415),
    ("too large", "POST", "application/json", b" " * (MAX_BODY + 1), 413),
    ("wrong method", "PUT", "application/json", b"{}", 405),
]


def post(
    conn: http.client.HTTPConnection, method: str, ctype: str, body: bytes
) -> tuple[int, http.client.HTTPConnection]:
    """Send on a keep-alive connection; a new connection when the server closed the last."""
    conn.request(method, "/", body, {"Content-Type": ctype})
    response = conn.getresponse()
    response.read()
    if response.will_close:
        conn.close()
        conn = http.client.HTTPConnection(conn.host, conn.port, timeout=30)
    return response.status, conn


def load(port: int) -> tuple[Counter[tuple[str, int]], list[BaseException]]:
    answers: Counter[tuple[str, int]] = Counter()
    lock = threading.Lock()
    errors: list[BaseException] = []
    start = threading.Barrier(CLIENTS)
    per_client, bad_every = VALID // CLIENTS, VALID // BAD

    def client(k: int) -> None:
        mine: Counter[tuple[str, int]] = Counter()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            start.wait()
            for i in range(per_client):
                status, conn = post(conn, "POST", "application/json", valid(f"n{k}-{i}"))
                mine[("valid", status)] += 1
                if i % bad_every == bad_every - 1:
                    what, method, ctype, body, _ = MALFORMED[(i // bad_every + k) % len(MALFORMED)]
                    status, conn = post(conn, method, ctype, body)
                    mine[(what, status)] += 1
            conn.close()
        except BaseException as exc:  # reported below: a thread's exception is otherwise lost
            errors.append(exc)
        with lock:
            answers.update(mine)

    threads = [threading.Thread(target=client, args=(k,)) for k in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "a client hung"
    return answers, errors


@pytest.mark.slow
def test_load_through_uvicorn_loses_and_repeats_nothing(tmp_path: Path) -> None:
    ids_file = tmp_path / "ids.txt"
    with running("uvicorn", ids_file, MAX_BODY) as port:
        answers, errors = load(port)
    assert errors == []
    expected = {what: status for what, _, _, _, status in MALFORMED}
    bad_answers = {k: n for k, n in answers.items() if k[0] != "valid"}
    assert answers[("valid", 202)] == VALID
    assert sum(bad_answers.values()) == BAD
    assert all(status == expected[what] for what, status in bad_answers)
    assert not [k for k in answers if k[1] >= 500]
    delivered = Counter(ids_file.read_text().split())
    want = {f"n{k}-{i}" for k in range(CLIENTS) for i in range(VALID // CLIENTS)}
    assert set(delivered) == want, "lost or unknown ids"
    assert [uid for uid, n in delivered.items() if n > 1] == [], "duplicated ids"


@pytest.mark.slow
@pytest.mark.parametrize("server", ["uvicorn", "waitress"])
def test_each_server_delivers_and_refuses(tmp_path: Path, server: str) -> None:
    ids_file = tmp_path / "ids.txt"
    with running(server, ids_file, MAX_BODY) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        statuses = []
        for i in range(20):
            status, conn = post(conn, "POST", "application/json", valid(f"{server}-{i}"))
            statuses.append(status)
        for _, method, ctype, body, expected in MALFORMED:
            status, conn = post(conn, method, ctype, body)
            statuses.append((status, expected))
        conn.close()
    assert statuses[:20] == [202] * 20
    assert all(got == want for got, want in statuses[20:])  # type: ignore[misc]
    assert ids_file.read_text().split() == [f"{server}-{i}" for i in range(20)]
