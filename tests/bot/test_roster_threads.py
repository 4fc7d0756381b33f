"""One call's roster hammered from many threads ends where the same notifications applied one
by one end: the tracker's lock and the calls client's per-call fold make that so."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest

from runtime.bot import CallEvent, CallsClient, EventKind
from runtime.bot.notifications import Dispatcher, Notification, parse_notifications
from runtime.bot.tracker import CallTracker
from tests.bot.factory import FakeTransport
from tests.fakegraph import delta_body, roster_body

THREADS = 16
STEPS = 200  # within the tracker's window of held deltas, whatever order the threads take


def notifications(seed: int) -> list[Notification]:
    """Deltas 1..STEPS over 30 people, with a full roster now and then at the same count."""
    rng = random.Random(seed)
    present: set[str] = set()
    out = []
    for seq in range(1, STEPS + 1):
        joined = {f"p{rng.randrange(30)}" for _ in range(rng.randrange(4))}
        left = {p for p in present if rng.random() < 0.1} - joined
        present = (present | joined) - left
        body = delta_body("c1", seq, sorted(joined), sorted(left))
        if seq % 37 == 0:
            body = roster_body("c1", sorted(present), seq)
        out.extend(parse_notifications(body).notifications)
    return out


def hammer(apply: Any, notes: list[Notification], seed: int) -> None:
    shuffled = notes[:]
    random.Random(seed).shuffle(shuffled)
    chunks = [shuffled[k::THREADS] for k in range(THREADS)]
    start = threading.Barrier(THREADS)

    def run(chunk: list[Notification]) -> None:
        start.wait()
        for n in chunk:
            apply(n)

    threads = [threading.Thread(target=run, args=(c,)) for c in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_many_threads_end_where_one_thread_ends(seed: int) -> None:
    notes = notifications(seed)
    sequential = CallTracker()
    for n in notes:
        sequential.apply(n)
    expected = sequential.get("c1")
    assert expected is not None and expected.roster_sequence == STEPS

    shared = CallTracker()
    hammer(shared.apply, notes, seed)
    got = shared.get("c1")
    assert got is not None
    assert got.summary() == expected.summary()
    assert got.participants == expected.participants


def test_the_clients_participant_events_add_up_to_the_roster_under_threads() -> None:
    notes = notifications(7)
    client = CallsClient(FakeTransport())
    dispatcher = Dispatcher()
    client.attach(dispatcher)
    call = client.core.adopt("c1", "created", None)
    roster: set[str] = set()

    def on_event(event: CallEvent[Any]) -> None:
        pid = event.participant.id  # type: ignore[union-attr]
        if event.kind is EventKind.PARTICIPANT_JOINED:
            assert pid not in roster
            roster.add(pid)
        else:
            roster.remove(pid)

    call.on(EventKind.PARTICIPANT_JOINED, on_event)
    call.on(EventKind.PARTICIPANT_LEFT, on_event)
    hammer(dispatcher.dispatch, notes, 7)
    assert client.idle(10)
    sequential = CallTracker()
    for n in notes:
        sequential.apply(n)
    final = sequential.get("c1")
    assert final is not None
    assert roster == set(call.participants) == set(final.participants)
    client.close()
