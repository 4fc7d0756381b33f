"""Issue 9, tracker: rosters ordered by what notifications carry, and bounded memory."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.bot.notifications import Notification
from runtime.bot.tracker import CallTracker
from tests.bot.factory import CALL, CALL_ID, call_state, codes, delta, notification, person


def numbered(pid: str, seq: int, removed: bool = False) -> dict[str, Any]:
    return {**person(pid, removed), "rosterSequenceNumber": seq}


def full_roster_at(seq: int, *ids: str, call: str = CALL) -> Notification:
    return notification("updated", call + "/participants", [numbered(i, seq) for i in ids])


def run(*notifications: Notification, **options: Any) -> CallTracker:
    tracker = CallTracker(**options)
    for n in notifications:
        tracker.apply(n)
    return tracker


def people(tracker: CallTracker, call_id: str = CALL_ID) -> list[str]:
    snapshot = tracker.get(call_id)
    assert snapshot is not None
    return sorted(snapshot.participants)


def test_full_rosters_are_ordered_by_their_number_not_arrival() -> None:
    old, new = full_roster_at(1, "p1", "p2"), full_roster_at(2, "p1")
    assert people(run(old, new)) == people(run(new, old)) == ["p1"]
    assert "roster.stale" in codes(run(new, old))


def test_a_stale_delta_after_a_newer_full_roster_is_ignored() -> None:
    left = delta(1, numbered("p2", 1))  # p2 joins at 1…
    roster = full_roster_at(2, "p1")  # …and has left by 2
    assert people(run(roster, left)) == people(run(left, roster)) == ["p1"]


def test_a_full_roster_wins_a_tie_with_its_delta() -> None:
    d2 = delta(2, numbered("p3", 2))
    roster = full_roster_at(2, "p1", "p3")
    d1 = delta(1, numbered("p9", 1))
    assert people(run(d1, d2, roster)) == people(run(roster, d2, d1)) == ["p1", "p3"]


def test_deltas_after_a_full_roster_continue_from_its_number() -> None:
    roster = full_roster_at(4, "p1")
    d5 = delta(5, numbered("p2", 5))
    d6 = delta(6, numbered("p1", 6, removed=True))
    for order in ([roster, d5, d6], [d6, roster, d5], [d5, d6, roster]):
        tracker = run(*order)
        assert people(tracker) == ["p2"]
        snapshot = tracker.get(CALL_ID)
        assert snapshot is not None and snapshot.roster_sequence == 6


ROSTER_LIFE = [
    delta(1, numbered("a", 1)),
    delta(2, numbered("b", 2)),
    full_roster_at(3, "a", "b", "c"),
    delta(4, numbered("a", 4, removed=True)),
    full_roster_at(5, "b", "c", "d"),
    delta(6, numbered("e", 6)),
    delta(7, numbered("c", 7, removed=True)),
]


@settings(max_examples=80, deadline=None)
@given(st.permutations(ROSTER_LIFE))
def test_any_order_of_numbered_rosters_gives_the_same_roster(order: list[Notification]) -> None:
    tracker = run(*order)
    assert people(tracker) == ["b", "d", "e"]
    snapshot = tracker.get(CALL_ID)
    assert snapshot is not None
    assert (snapshot.roster_sequence, snapshot.held_deltas) == (7, ())


def test_snapshots_are_copies_not_the_live_objects() -> None:
    tracker = run(call_state("established"), full_roster_at(1, "p1"))
    first = tracker.get(CALL_ID)
    assert first is not None and first.call is not None
    first.call.state = "terminated"  # type: ignore[assignment]
    first.participants["p1"].is_muted = True
    second = tracker.get(CALL_ID)
    assert second is not None and second.call is not None
    assert str(second.call.state) == "established"
    assert second.participants["p1"].is_muted is not True
    assert second.call is not first.call


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_terminated_calls_are_forgotten_after_the_ttl() -> None:
    clock = FakeClock()
    tracker = run(call_state("established"), terminated_ttl=60, clock=clock)
    tracker.apply(call_state("terminated"))
    clock.now += 59
    assert tracker.get(CALL_ID) is not None
    clock.now += 2
    assert tracker.get(CALL_ID) is None
    assert tracker.snapshots() == {}
    # A late notification for it does not bring it back.
    tracker.apply(call_state("established"))
    assert tracker.get(CALL_ID) is None
    assert codes(tracker)[-1] == "call.forgotten"


def test_live_calls_are_not_forgotten_by_time() -> None:
    clock = FakeClock()
    tracker = run(call_state("established"), terminated_ttl=1, clock=clock)
    clock.now += 10_000
    assert tracker.get(CALL_ID) is not None


def test_at_most_max_calls_are_kept_ended_ones_first() -> None:
    def state(call_id: str, value: str) -> Notification:
        url = f"/communications/calls/{call_id}"
        data = {"@odata.type": "#microsoft.graph.call", "state": value}
        return notification("updated", url, data)

    tracker = CallTracker(max_calls=3)
    tracker.apply(state("a", "established"))
    tracker.apply(state("b", "terminated"))
    tracker.apply(state("c", "established"))
    tracker.apply(state("d", "established"))  # b ended: it goes first
    assert sorted(tracker.snapshots()) == ["a", "c", "d"]
    tracker.apply(state("e", "established"))  # none ended: the least recently heard goes
    assert sorted(tracker.snapshots()) == ["c", "d", "e"]


def test_events_are_capped_and_counted() -> None:
    tracker = run(call_state("terminated"), max_events=10)
    for _ in range(25):
        tracker.apply(call_state("established"))
    assert len(tracker.events()) == 10
    assert tracker.events_dropped == 15


def test_far_future_deltas_are_not_held() -> None:
    tracker = run(delta(1, numbered("a", 1)), max_held_deltas=16)
    for seq in (10, 17, 18, 10**12):
        tracker.apply(delta(seq, numbered(f"x{seq}", seq)))
    snapshot = tracker.get(CALL_ID)
    assert snapshot is not None and snapshot.held_deltas == (10, 17)
    assert codes(tracker).count("roster.too-far") == 2


def test_many_ended_calls_stay_bounded_by_time() -> None:
    clock = FakeClock()
    tracker = CallTracker(terminated_ttl=5, clock=clock)
    data = {"@odata.type": "#microsoft.graph.call", "state": "terminated"}
    template = notification("deleted", CALL, data)
    for i in range(3_000):
        url = f"/communications/calls/k{i}"
        resource = type(template.resource)(template.resource.kind, f"k{i}")
        tracker.apply(
            Notification(template.change_type, url, resource, template.resource_data, {}, 0)
        )
        clock.now += 0.01  # 100 calls end per second; each is kept 5 s
    assert len(tracker.snapshots()) <= 501
