"""Call-state tracker: monotonic states, rosters full and delta, sessions, operations."""

from __future__ import annotations

import random
import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.bot.notifications import Dispatcher, Notification
from runtime.bot.tracker import CallTracker
from tests.bot.factory import (
    CALL,
    CALL_ID,
    call_state,
    codes,
    delta,
    full_roster,
    notification,
    operation,
    person,
    run,
    session,
    summary,
)


def test_establishing_after_established_stays_established() -> None:
    tracker = run(call_state("established"), call_state("establishing"))
    assert summary(tracker)["state"] == "established"
    assert codes(tracker) == ["state.stale"]


def test_state_moves_forward_and_siblings_alternate() -> None:
    tracker = run(call_state("establishing"), call_state("established"), call_state("hold"))
    assert summary(tracker)["state"] == "hold"
    tracker.apply(call_state("established"))
    assert summary(tracker)["state"] == "established"


def test_terminated_is_final() -> None:
    tracker = run(call_state("terminated"), call_state("established"), call_state("incoming"))
    assert summary(tracker)["state"] == "terminated"
    assert codes(tracker) == ["state.after-terminated", "state.after-terminated"]


def test_deleted_call_is_terminated() -> None:
    tracker = run(call_state("established"), notification("deleted", CALL, {"id": CALL_ID}))
    assert summary(tracker)["state"] == "terminated"


def test_unknown_states_count_as_a_live_call() -> None:
    tracker = run(call_state("establishing"), call_state("beamedUp"))
    assert summary(tracker)["state"] == "beamedUp"
    tracker.apply(call_state("terminating"))
    assert summary(tracker)["state"] == "terminating"


def test_the_last_accepted_call_resource_is_kept() -> None:
    tracker = run(call_state("established"), call_state("establishing"))
    snapshot = tracker.get(CALL_ID)
    assert snapshot is not None and snapshot.call is not None
    assert snapshot.call.state == "established"


def test_full_roster_replaces() -> None:
    tracker = run(full_roster("a", "b"), full_roster("b", "c"))
    assert summary(tracker)["participants"] == ["b", "c"]


def test_participants_created_and_deleted() -> None:
    tracker = run(
        full_roster("a"),
        notification("created", CALL + "/participants", [person("b")]),
        notification("deleted", CALL + "/participants", [person("a")]),
    )
    assert summary(tracker)["participants"] == ["b"]


def test_deltas_in_order() -> None:
    tracker = run(delta(1, person("a"), person("b")), delta(2, person("a", removed=True)))
    assert summary(tracker)["participants"] == ["b"]
    assert summary(tracker)["rosterSequence"] == 2
    assert codes(tracker) == []


def test_a_duplicate_delta_is_ignored() -> None:
    tracker = run(delta(1, person("a")), delta(2, person("a", removed=True)), delta(1, person("a")))
    assert summary(tracker)["participants"] == []
    assert codes(tracker) == ["roster.duplicate"]


def test_a_gap_is_held_then_applied() -> None:
    tracker = run(delta(1, person("a")), delta(3, person("c")))
    assert summary(tracker)["participants"] == ["a"]
    assert summary(tracker)["heldDeltas"] == [3]
    assert codes(tracker) == ["roster.gap"]
    tracker.apply(delta(3, person("c")))  # the held one again: a duplicate, not a second hold
    tracker.apply(delta(2, person("b")))
    assert summary(tracker)["participants"] == ["a", "b", "c"]
    assert (summary(tracker)["rosterSequence"], summary(tracker)["heldDeltas"]) == (3, [])
    assert codes(tracker) == ["roster.gap", "roster.duplicate"]


def test_a_full_roster_supersedes_held_deltas() -> None:
    tracker = run(delta(1, person("a")), delta(3, person("c")), full_roster("x", "y"))
    assert summary(tracker)["participants"] == ["x", "y"]
    assert summary(tracker)["heldDeltas"] == []
    assert codes(tracker)[-1] == "roster.held-superseded"
    tracker.apply(delta(7, person("z")))  # after a full roster the next delta re-bases
    assert summary(tracker)["participants"] == ["x", "y", "z"]
    assert summary(tracker)["rosterSequence"] == 7


def test_sessions_deleted_stay_deleted() -> None:
    tracker = run(session("deleted", "s1"), session("created", "s1"), session("created", "s2"))
    assert summary(tracker)["contentSharingSessions"] == ["s2"]


def test_operation_status_only_moves_forward() -> None:
    tracker = run(operation("updated", "o1", "Completed"), operation("updated", "o1", "Running"))
    assert summary(tracker)["operations"] == {"o1": "Completed"}
    assert codes(tracker) == ["operation.stale"]


def test_notifications_for_other_resources_are_ignored() -> None:
    tracker = run(notification("updated", "/elsewhere", {"a": 1}))
    assert tracker.snapshots() == {}


def test_snapshots_are_copies() -> None:
    tracker = run(full_roster("a"))
    before = tracker.get(CALL_ID)
    tracker.apply(full_roster("b"))
    assert before is not None and list(before.participants) == ["a"]


def test_attach_to_a_dispatcher() -> None:
    tracker = CallTracker()
    dispatcher = Dispatcher()
    tracker.attach(dispatcher)
    assert dispatcher.dispatch(call_state("established")) == []
    assert summary(tracker)["state"] == "established"


# A call's life, with every kind of notification. No full roster: whether one comes before or
# after a delta is information the notifications don't carry, so only deltas commute.
LIFE = [
    call_state("establishing"),
    call_state("established"),
    delta(1, person("mary")),
    delta(2, person("john", removed=True)),
    delta(3, person("guest")),
    session("created", "s1"),
    session("updated", "s1"),
    session("deleted", "s1"),
    session("created", "s2"),
    operation("updated", "o1", "Running"),
    operation("updated", "o1", "Completed"),
    call_state("terminated"),
]


@settings(max_examples=60, deadline=None)
@given(st.permutations(LIFE))
def test_any_order_gives_the_same_picture(order: list[Notification]) -> None:
    expected = summary(run(*LIFE))
    assert expected == {
        "state": "terminated",
        "participants": ["guest", "mary"],
        "contentSharingSessions": ["s2"],
        "operations": {"o1": "Completed"},
        "rosterSequence": 3,
        "heldDeltas": [],
    }
    assert summary(run(*order)) == expected


def test_concurrent_apply_matches_sequential() -> None:
    many = [delta(i, person(f"p{i}"), person(f"p{i - 1}", removed=True)) for i in range(1, 201)]
    expected = summary(run(*many))
    shuffled = many[:]
    random.Random(5).shuffle(shuffled)
    tracker = CallTracker()
    start = threading.Barrier(4)

    def worker(part: list[Notification]) -> None:
        start.wait()
        for n in part:
            tracker.apply(n)

    threads = [threading.Thread(target=worker, args=(shuffled[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (
        summary(tracker)
        == expected
        == {
            "state": None,
            "participants": ["p200"],
            "contentSharingSessions": [],
            "operations": {},
            "rosterSequence": 200,
            "heldDeltas": [],
        }
    )
