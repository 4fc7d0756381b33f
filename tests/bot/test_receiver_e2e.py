"""End to end over real sockets: the seed page's notifications replayed to a served receiver.

The receiver runs on `runtime.bot.receiver.serve` (a stdlib threading WSGI server with keep-alive)
on a loopback port the OS chooses; each notification body of the seed page is POSTed with
`http.client`, in documented order and shuffled with fixed seeds.
"""

from __future__ import annotations

import http.client
import json
import random
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runtime.bot.notifications import Dispatcher, Notification
from runtime.bot.receiver import NotificationReceiver, RunningServer, serve
from runtime.bot.tracker import CallTracker
from tests.conftest import SEED_PAGE

SEED = SEED_PAGE


def seed_notifications() -> list[tuple[str, bytes]]:
    """(example id, body) of every notification on the seed page, in page order."""
    if not SEED.is_file():
        pytest.skip(f"SEED PAGE MISSING: {SEED} not found; these tests need ../shared/seeds")
    docpages = pytest.importorskip(
        "runtime.docs.docpages", reason="runtime.docs.docpages is not there yet"
    )
    page = docpages.read_page(SEED)
    out = [(e.id, json.dumps(e.value).encode()) for e in page.examples if e.kind == "notification"]
    assert len(out) == 11, [i for i, _ in out]
    return out


class Bot:
    """A served receiver with a tracker and a handler that counts what it gets."""

    def __init__(self) -> None:
        self.tracker = CallTracker()
        self.dispatcher = Dispatcher()
        self.tracker.attach(self.dispatcher)
        self.lock = threading.Lock()
        self.delivered: Counter[str] = Counter()
        self.dispatcher.add(self.count)
        self.receiver = NotificationReceiver(self.dispatcher)
        self.server: RunningServer = serve(self.receiver)

    def count(self, n: Notification) -> None:
        with self.lock:
            self.delivered[canonical(n.raw)] += 1

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)

    def summaries(self) -> dict[str, Any]:
        return {k: v.summary() for k, v in sorted(self.tracker.snapshots().items())}


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


@pytest.fixture
def bot() -> Iterator[Bot]:
    b = Bot()
    yield b
    b.server.close()


def post(conn: http.client.HTTPConnection, body: bytes, **headers: str) -> tuple[int, bytes]:
    """POST a JSON body on a kept-alive connection; the status and answer."""
    conn.request(
        "POST", "/callback", body=body, headers={"Content-Type": "application/json", **headers}
    )
    response = conn.getresponse()
    return response.status, response.read()


def replay(bot: Bot, bodies: list[bytes]) -> None:
    conn = bot.connection()
    conn.connect()
    sock = conn.sock
    for body in bodies:
        status, answer = post(conn, body)
        assert (status, answer) == (202, b"")
    assert conn.sock is sock  # one kept-alive connection carried every request
    conn.close()


def expected_deliveries(bodies: list[bytes]) -> Counter[str]:
    return Counter(canonical(n) for body in bodies for n in json.loads(body)["value"])


# What the seed page says, call by call, once every notification is in.
EXPECTED = {
    "2e1a0b00-2db4-4022-9570-243709c565ab": {"state": "establishing", "participants": []},
    "2e1a0b00-b3c5-4b0f-99b3-c133bc1e6116": {"state": "established", "participants": []},
    # Content sharing started, updated and ended: nothing left.
    "421f4c00-4436-4c3a-9d9a-c4924cf98e67": {"state": None, "participants": []},
    # Full rosters (delta roster disabled).
    "2f1a1100-b174-40a0-aba7-0b405e01ed92": {
        "state": "established",
        "participants": [
            "05491616-385f-44a8-9974-18cc5f9933c1",
            "0d7664b6-6432-43ed-8d27-d9e7adec188c",
        ],
    },
    "2f1a1100-726f-4705-a071-30fb8f6b568f": {
        "state": None,
        "participants": ["05491616-385f-44a8-9974-18cc5f9933c1"],
    },
    # Delta 1 adds John and removes the bot (removedState); delta 2 adds the guest, whose
    # participant id is the one the bot had.
    "421f7700-f4ad-4ea9-a3fc-c1d2195675ad": {
        "state": None,
        "participants": [
            "05491616-385f-44a8-9974-18cc5f9933c1",
            "0d7664b6-6432-43ed-8d27-d9e7adec188c",
        ],
        "rosterSequence": 2,
    },
}


def test_documented_order(bot: Bot) -> None:
    bodies = [body for _, body in seed_notifications()]
    replay(bot, bodies)
    summaries = bot.summaries()
    assert set(summaries) == set(EXPECTED)
    for call_id, expected in EXPECTED.items():
        for key, value in expected.items():
            assert summaries[call_id][key] == value, (call_id, key)
        assert summaries[call_id]["heldDeltas"] == []
    assert bot.delivered == expected_deliveries(bodies)
    assert bot.receiver.stats() == {"statuses": {202: 11}, "notifications": 11}
    assert len(bot.receiver.dead_letters) == 0


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_shuffled_order_ends_in_the_same_state(seed: int) -> None:
    bodies = [body for _, body in seed_notifications()]
    in_order = Bot()
    shuffled_bot = Bot()
    try:
        replay(in_order, bodies)
        shuffled = bodies[:]
        random.Random(seed).shuffle(shuffled)
        replay(shuffled_bot, shuffled)
        assert shuffled_bot.summaries() == in_order.summaries()
        assert shuffled_bot.delivered == expected_deliveries(bodies)  # each exactly once
    finally:
        in_order.server.close()
        shuffled_bot.server.close()


def test_the_seed_delta_rosters_swapped_make_a_gap_then_fill_it(bot: Bot) -> None:
    by_id = dict(seed_notifications())
    replay(bot, [by_id["000_07ddc1617f89e2b3#29-notification.2"]])  # sequenceNumber 2 first
    assert [e.code for e in bot.tracker.events()] == ["roster.gap"]
    replay(bot, [by_id["000_07ddc1617f89e2b3#18-notification.2"]])
    snapshot = bot.tracker.get("421f7700-f4ad-4ea9-a3fc-c1d2195675ad")
    assert snapshot is not None
    assert (snapshot.roster_sequence, snapshot.held_deltas) == (2, ())


def test_refusals_over_http(bot: Bot) -> None:
    conn = bot.connection()
    conn.request("GET", "/callback")
    response = conn.getresponse()
    assert (response.status, response.getheader("Allow")) == (405, "POST")
    response.read()
    status, answer = post(conn, b"{broken")
    assert status == 400
    assert json.loads(answer)["findings"][0]["code"] == "json.syntax"
    conn.request("POST", "/callback", body=b"{}", headers={"Content-Type": "text/plain"})
    response = conn.getresponse()
    assert response.status == 415
    response.read()
    # The connection survived every refusal so far (the bodies were small enough to skip).
    status, _ = post(conn, json.dumps({"value": []}).encode())
    assert status == 202
    conn.close()


def test_an_oversized_body_is_refused_unread_and_the_connection_closed(bot: Bot) -> None:
    conn = bot.connection()
    conn.putrequest("POST", "/callback")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Content-Length", str(50 * 1024 * 1024))
    conn.endheaders(b'{"value": [')  # a few bytes of the 50 MiB it announces
    response = conn.getresponse()
    assert response.status == 413
    assert response.getheader("Connection") == "close"
    response.read()
    conn.close()
    # The server goes on serving.
    conn = bot.connection()
    assert post(conn, json.dumps({"value": []}).encode())[0] == 202
    conn.close()


def test_the_minimal_bot_example_runs() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "minimal_bot.py"
    done = subprocess.run(
        [sys.executable, str(example), "--demo"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("POST https://graph.microsoft.com/v1.0/communications/calls ")
    # Two notifications, established then a late establishing: the state stays established.
    assert [line for line in lines if line.startswith("call ")] == [
        "call demo-call: established",
        "call demo-call: established",
    ]
