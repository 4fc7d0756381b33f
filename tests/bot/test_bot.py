"""The calls client's core through its sync and async faces, with an in-process transport."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generated.beta.microsoft_graph import Call as CallResource
from generated.beta.microsoft_graph import (
    CallPlayPromptParameters,
    MediaInfo,
    MediaPrompt,
    Modality,
    ServiceHostedMediaConfig,
)
from runtime.bot import (
    AsyncCallsClient,
    CallEnded,
    CallEvent,
    CallsClient,
    EventKind,
    MemoryStore,
    OperationFailed,
    OperationTimeout,
    Response,
)
from runtime.bot.core import snake
from runtime.bot.notifications import Dispatcher, parse_notifications
from runtime.bot.requests import CALL, CallsRequests, GraphRequest, bound_actions
from tests.bot.factory import FakeTransport
from tests.fakegraph import call_body, delta_body, operation_body, roster_body

OP = "microsoft.graph.playPromptOperation"
PROMPT = MediaPrompt(media_info=MediaInfo(uri="https://bot.example/hello.wav"))


class AsyncFake(FakeTransport):
    async def send(self, request: GraphRequest) -> Response:  # type: ignore[override]
        return FakeTransport.send(self, request)


def feed(dispatcher: Dispatcher, body: dict[str, Any]) -> None:
    for n in parse_notifications(body).notifications:
        dispatcher.dispatch(n)


# These tests build beta objects (the calls closure the seed page documents), so their clients
# build and check beta requests.
BETA = CallsRequests(version="beta")


def client_with(transport: FakeTransport, **options: Any) -> tuple[CallsClient, Dispatcher]:
    options.setdefault("requests", BETA)
    client = CallsClient(transport, **options)
    dispatcher = Dispatcher()
    client.attach(dispatcher)
    return client, dispatcher


def test_every_bound_action_is_a_method() -> None:
    client, _ = client_with(FakeTransport(), requests=CallsRequests(version="beta"))
    per_call, per_participant = client.core.call_methods, client.core.participant_methods
    for spec in bound_actions(models=client.core.requests.models).values():
        if spec.binding == CALL and spec.binding_collection:
            continue
        table = per_participant if spec.placeholders == ("call_id", "participant_id") else per_call
        assert table[snake(spec.name)].spec == spec
    assert {"play_prompt", "record_response", "subscribe_to_tone", "invite", "mute_all"} <= set(
        per_call
    )
    assert "cancel_media_processing" in per_call and "mute" in per_participant

    call = client.core.adopt("c9", "created", None)
    assert "play_prompt" in dir(call)
    with pytest.raises(AttributeError, match="no attribute or action 'dance'"):
        call.dance  # noqa: B018
    client.close()


def test_the_methods_follow_the_api_version_of_the_requests() -> None:
    v1, _ = client_with(FakeTransport(), requests=CallsRequests(version="v1.0"))
    # muteAll is beta-only; sendDtmfTones is in today's v1.0 and not in the pinned beta.
    assert "send_dtmf_tones" in v1.core.call_methods and "mute_all" not in v1.core.call_methods


def test_an_action_takes_its_parameters_object_or_fields() -> None:
    transport = FakeTransport()
    client, _ = client_with(transport)
    call = client.core.adopt("c1", "created", None)
    call.play_prompt(CallPlayPromptParameters(prompts=[PROMPT], client_context="x"))
    call.play_prompt(prompts=[PROMPT], client_context="y")
    call.participant("p 1").mute()
    urls = [r.url.split("/calls/")[1] for r in transport.sent]
    assert urls == ["c1/playPrompt", "c1/playPrompt", "c1/participants/p%201/mute"]
    assert [r.json().get("clientContext") for r in transport.sent[:2]] == ["x", "y"]
    with pytest.raises(TypeError):
        call.play_prompt(1)
    client.close()


def test_operation_completes_on_its_notification_and_failed_carries_result_info() -> None:
    client, dispatcher = client_with(FakeTransport())
    call = client.create_call(CallResource(callback_uri="https://bot/cb"))
    op = call.play_prompt(prompts=[PROMPT])
    assert not op.done and op.id == "op1"
    feed(dispatcher, operation_body("c1", "op1", "completed", OP))
    assert op.wait(1).status == "completed"
    failing = call.play_prompt(prompts=[PROMPT])
    feed(dispatcher, operation_body("c1", "op2", "failed", OP, {"code": 400, "message": "nope"}))
    with pytest.raises(OperationFailed, match="nope") as info:
        failing.wait(1)
    assert info.value.result_info.code == 400
    client.close()


def test_notification_before_the_response_completes_the_operation() -> None:
    dispatcher = Dispatcher()

    def answer(request: GraphRequest) -> Response:
        if request.url.endswith("/calls"):
            return FakeTransport().default(request)
        feed(dispatcher, operation_body("c1", "early", "completed", OP))
        body = {"@odata.type": f"#{OP}", "status": "running"}  # the id only in Location
        return Response(
            200, {"Location": "https://g/calls/c1/operations/early"}, json.dumps(body).encode()
        )

    client = CallsClient(FakeTransport(answer), requests=BETA)
    client.attach(dispatcher)
    call = client.create_call(CallResource(callback_uri="https://bot/cb"))
    op = call.play_prompt(prompts=[PROMPT])
    assert op.id == "early" and op.done and op.wait(0).status == "completed"
    client.close()


def test_timeout_is_a_clear_timeout_error_and_forgets_the_operation() -> None:
    client, _ = client_with(FakeTransport(), operation_timeout=0.05)
    call = client.core.adopt("c1", "created", None)
    op = call.play_prompt(prompts=[PROMPT])
    with pytest.raises(OperationTimeout, match=r"playPrompt operation 'op1' of call 'c1'.*0.05 s"):
        op.wait()
    assert isinstance(OperationTimeout("x"), TimeoutError)
    assert client.core._pending == {}
    client.close()


def test_a_terminated_call_is_dropped_and_its_operations_end() -> None:
    client, dispatcher = client_with(FakeTransport(), keep_alive_interval=3600)
    call = client.core.adopt("c1", "created", None)
    op = call.play_prompt(prompts=[PROMPT])
    feed(dispatcher, call_body("c1", "terminated", change="deleted"))
    with pytest.raises(CallEnded):
        op.wait(1)
    assert client.get("c1") is None and call.ended and client.core.store.call_ids() == []
    assert client.core._keep_alive_due == {}
    client.close()


def test_notifications_before_the_create_response_are_replayed_in_order() -> None:
    client, dispatcher = client_with(FakeTransport())
    states: list[str | None] = []
    client.on(EventKind.STATE, lambda e: states.append(e.state))
    feed(dispatcher, call_body("c1", "establishing"))
    feed(dispatcher, call_body("c1", "established"))
    assert client.get("c1") is None
    call = client.create_call(CallResource(callback_uri="https://bot/cb"))
    assert client.idle(5)
    assert states == ["establishing", "established"] and call.state == "established"
    client.close()


def test_an_incoming_call_is_kept_and_answered() -> None:
    transport = FakeTransport()
    client, dispatcher = client_with(transport)
    answered: list[str] = []

    def on_incoming(event: CallEvent[Any]) -> None:
        event.call.answer(
            callback_uri="https://bot/cb",
            accepted_modalities=[Modality("audio")],
            media_config=ServiceHostedMediaConfig(),
        )
        answered.append(event.call.origin)

    client.on(EventKind.INCOMING, on_incoming)
    feed(dispatcher, call_body("in1", "incoming", change="created"))
    assert client.idle(5)
    assert answered == ["answered"] and transport.sent[0].url.endswith("/in1/answer")
    client.close()


def test_one_calls_events_run_in_order_and_a_slow_call_holds_up_no_other() -> None:
    client, dispatcher = client_with(FakeTransport())
    for cid in ("slow", "fast"):
        client.core.adopt(cid, "created", None)
    release = threading.Event()
    seen: dict[str, list[int]] = {"slow": [], "fast": []}
    running: dict[str, int] = {"slow": 0, "fast": 0}
    overlap: list[str] = []

    def handler(event: CallEvent[Any]) -> None:
        running[event.call_id] += 1
        if running[event.call_id] > 1:
            overlap.append(event.call_id)
        if event.call_id == "slow":
            release.wait(5)
        seq = event.notification.raw["resourceData"][0]["sequenceNumber"]  # type: ignore[union-attr]
        seen[event.call_id].append(seq)
        running[event.call_id] -= 1

    client.on(EventKind.NOTIFICATION, handler)
    senders = [
        threading.Thread(
            target=lambda c=cid: [feed(dispatcher, delta_body(c, s)) for s in range(1, 21)]
        )
        for cid in ("slow", "fast")
    ]
    for t in senders:
        t.start()
    for t in senders:
        t.join()
    deadline = time.monotonic() + 5
    while len(seen["fast"]) < 20 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert seen["fast"] == list(range(1, 21)) and seen["slow"] == []  # slow is still on its first
    release.set()
    assert client.idle(5)
    assert seen["slow"] == list(range(1, 21)) and overlap == []
    client.close()


def test_keep_alive_is_sent_on_schedule_and_stops_when_the_call_ends() -> None:
    transport = FakeTransport()
    client, dispatcher = client_with(transport, keep_alive_interval=0.05)
    client.core.adopt("c1", "created", None)

    def keep_alives() -> int:
        return sum(r.url.endswith("/c1/keepAlive") for r in transport.sent)

    deadline = time.monotonic() + 5
    while keep_alives() < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert keep_alives() >= 3
    feed(dispatcher, call_body("c1", "terminated"))
    time.sleep(0.1)
    after = keep_alives()
    time.sleep(0.2)
    assert keep_alives() == after
    client.close()


def test_rehydrate_after_a_restart_through_the_store() -> None:
    store = MemoryStore()
    first, _ = client_with(FakeTransport(), store=store)
    first.core.adopt("live", "joined", None)
    first.core.adopt("gone", "created", None)
    first.close()

    def answer(request: GraphRequest) -> Response:
        if request.url.endswith("/gone"):
            return Response(404, {}, b'{"error": {"code": "itemNotFound", "message": "gone"}}')
        body = {"@odata.type": "#microsoft.graph.call", "id": "live", "state": "established"}
        return Response(200, {}, json.dumps(body).encode())

    second, _ = client_with(FakeTransport(answer), store=store)
    calls = second.rehydrate_all()
    assert [(c.call_id, c.origin, c.state) for c in calls] == [("live", "joined", "established")]
    assert store.call_ids() == ["live"]
    second.close()


def test_every_log_record_names_the_call(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="runtime.bot")
    client, dispatcher = client_with(FakeTransport())
    client.create_call(CallResource(callback_uri="https://bot/cb"))
    feed(dispatcher, call_body("c1", "established"))
    feed(dispatcher, call_body("c1", "terminated"))
    records = [r for r in caplog.records if r.name == "runtime.bot"]
    assert len(records) >= 3
    assert all(getattr(r, "call_id", None) == "c1" for r in records)
    client.close()


def test_the_async_face_orders_events_and_awaits_operations() -> None:
    async def main() -> None:
        client = AsyncCallsClient(AsyncFake(), requests=BETA)
        dispatcher = Dispatcher()
        client.attach(dispatcher)
        seen: list[str | None] = []

        async def on_state(event: CallEvent[Any]) -> None:
            await asyncio.sleep(0.01 if event.state == "establishing" else 0)
            seen.append(event.state)

        client.on(EventKind.STATE, on_state)
        call = await client.create_call(CallResource(callback_uri="https://bot/cb"))
        op = await call.play_prompt(prompts=[PROMPT])
        # Notifications come from the receiver's threads.
        await asyncio.to_thread(feed, dispatcher, call_body("c1", "establishing"))
        await asyncio.to_thread(feed, dispatcher, call_body("c1", "established"))
        await asyncio.to_thread(
            feed, dispatcher, operation_body("c1", op.id or "", "completed", OP)
        )
        assert (await op).status == "completed"
        slow = await call.play_prompt(prompts=[PROMPT])
        with pytest.raises(OperationTimeout):
            await slow.wait_async(0.02)
        await client.idle()
        assert seen == ["establishing", "established"]
        await client.close()

    asyncio.run(main())


ROSTER_STEP = st.one_of(
    st.tuples(
        st.just("delta"), st.sets(st.sampled_from("abcdef")), st.sets(st.sampled_from("abcdef"))
    ),
    st.tuples(st.just("full"), st.sets(st.sampled_from("abcdef")), st.just(frozenset())),
)


@settings(max_examples=40, deadline=None)
@given(steps=st.lists(ROSTER_STEP, max_size=12))
def test_participant_events_replay_to_the_roster(steps: list[tuple[str, Any, Any]]) -> None:
    client, dispatcher = client_with(FakeTransport())
    call = client.core.adopt("c1", "created", None)
    roster: set[str] = set()

    def on_event(event: CallEvent[Any]) -> None:
        pid = event.participant.id  # type: ignore[union-attr]
        if event.kind is EventKind.PARTICIPANT_JOINED:
            assert pid not in roster
            roster.add(pid)
        elif event.kind is EventKind.PARTICIPANT_LEFT:
            roster.remove(pid)

    for kind in (EventKind.PARTICIPANT_JOINED, EventKind.PARTICIPANT_LEFT):
        call.on(kind, on_event)
    for seq, (kind, joined, left) in enumerate(steps, start=1):
        if kind == "full":
            feed(dispatcher, roster_body("c1", sorted(joined), seq))
        else:
            feed(dispatcher, delta_body("c1", seq, sorted(joined), sorted(left - joined)))
    assert client.idle(5)
    assert roster == set(call.participants)
    client.close()


def test_a_changed_participant_is_an_updated_event() -> None:
    client, dispatcher = client_with(FakeTransport())
    call = client.core.adopt("c1", "created", None)
    kinds: list[tuple[EventKind, bool | None]] = []
    call.on(None, lambda e: e.participant and kinds.append((e.kind, e.participant.is_muted)))
    muted = roster_body("c1", ["a"], 2)
    muted["value"][0]["resourceData"][0]["isMuted"] = True
    for body in (roster_body("c1", ["a"], 1), muted, delta_body("c1", 3, left=["a"])):
        feed(dispatcher, body)
    assert client.idle(5)
    assert [k for k, _ in kinds] == [
        EventKind.PARTICIPANT_JOINED,
        EventKind.PARTICIPANT_UPDATED,
        EventKind.PARTICIPANT_LEFT,
    ]
    assert kinds[1][1] is True
    client.close()


def test_an_operation_named_only_in_location_waits_for_its_notification() -> None:
    where = "https://graph.microsoft.com/v1.0/communications/calls/c1/operations/op-loc"
    client, dispatcher = client_with(
        FakeTransport(lambda request: Response(202, {"Location": where}, b""))
    )
    call = client.core.adopt("c1", "created", None)
    op = call.play_prompt(prompts=[PROMPT])
    assert op.id == "op-loc" and not op.done
    feed(dispatcher, operation_body("c1", "op-loc", "completed", OP))
    assert op.wait(1).status == "completed"
    assert call.keep_alive().done  # returns no operation: done when accepted
    client.close()


def test_operations_nobody_waits_for_expire() -> None:
    now = [0.0]
    client, _ = client_with(FakeTransport(), operation_timeout=10, clock=lambda: now[0])
    call = client.core.adopt("c1", "created", None)
    forgotten = call.play_prompt(prompts=[PROMPT])
    now[0] = 11
    call.play_prompt(prompts=[PROMPT])
    assert list(client.core._pending) == [("c1", "op2")]
    with pytest.raises(OperationTimeout):
        forgotten.wait(0)
    client.close()


def test_incoming_calls_past_max_calls_are_not_kept() -> None:
    client, dispatcher = client_with(FakeTransport(), max_calls=2)
    for k in range(5):
        feed(dispatcher, call_body(f"in{k}", "incoming", change="created"))
    assert sorted(client.calls()) == ["in0", "in1"]
    client.close()


@settings(max_examples=30, deadline=None)
@given(
    outcomes=st.lists(st.sampled_from(["completed", "failed"]), min_size=1, max_size=6),
    data=st.data(),
)
def test_operations_settle_whatever_the_order_of_responses_and_notifications(
    outcomes: list[str], data: st.DataObject
) -> None:
    """Each operation ends as its notification says, before or after its response."""
    dispatcher = Dispatcher()
    early = data.draw(st.lists(st.booleans(), min_size=len(outcomes), max_size=len(outcomes)))
    count = [0]

    def answer(request: GraphRequest) -> Response:
        k = count[0]
        count[0] += 1
        if early[k]:
            feed(dispatcher, operation_body("c1", f"op{k}", outcomes[k], OP))
        body = {"@odata.type": f"#{OP}", "id": f"op{k}", "status": "running"}
        return Response(200, {}, json.dumps(body).encode())

    client = CallsClient(FakeTransport(answer), requests=BETA)
    client.attach(dispatcher)
    call = client.core.adopt("c1", "created", None)
    ops = [call.play_prompt(prompts=[PROMPT]) for _ in outcomes]
    late = [k for k in range(len(outcomes)) if not early[k]]
    for k in data.draw(st.permutations(late)):
        feed(dispatcher, operation_body("c1", f"op{k}", outcomes[k], OP))
    for op, outcome in zip(ops, outcomes, strict=True):
        if outcome == "completed":
            assert op.wait(0).status == "completed"
        else:
            with pytest.raises(OperationFailed):
                op.wait(0)
    assert client.core._pending == {}
    client.close()


def test_an_async_handler_on_the_sync_client_is_a_logged_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client, dispatcher = client_with(FakeTransport())
    client.core.adopt("c1", "created", None)
    ran: list[str | None] = []

    async def wrong(event: CallEvent[Any]) -> None:
        ran.append(event.state)

    client.on(EventKind.STATE, wrong)
    client.on(EventKind.STATE, lambda e: ran.append("sync"))
    feed(dispatcher, call_body("c1", "established"))
    assert client.idle(5)
    assert ran == ["sync"]
    assert "use AsyncCallsClient" in caplog.text
    client.close()


NOTE = st.one_of(
    st.builds(
        call_body,
        st.sampled_from(["c1", "c2", "x"]),
        st.sampled_from(["incoming", "establishing", "established", "terminated", "hold", "new"]),
        st.sampled_from(["created", "updated", "deleted"]),
    ),
    st.builds(
        delta_body,
        st.sampled_from(["c1", "c2"]),
        st.integers(0, 6),
        st.lists(st.sampled_from("abc"), max_size=3),
        st.lists(st.sampled_from("abc"), max_size=3),
    ),
    st.builds(
        operation_body,
        st.sampled_from(["c1", "c2"]),
        st.sampled_from(["op1", "op2"]),
        st.sampled_from(["notStarted", "running", "completed", "failed", "weird"]),
        st.just(OP),
    ),
)


@settings(max_examples=60, deadline=None)
@given(notes=st.lists(NOTE, max_size=15))
def test_any_notification_sequence_is_folded_without_failures(notes: list[Any]) -> None:
    """Notifications in any order: no handler failure, ended calls dropped, live ones kept."""
    client, dispatcher = client_with(FakeTransport(), keep_alive_interval=3600)
    client.core.adopt("c1", "created", None)
    ops = [client.core.handles["c1"].play_prompt(prompts=[PROMPT]) for _ in range(2)]
    failures = []
    for body in notes:
        for n in parse_notifications(body).notifications:
            failures += dispatcher.dispatch(n)
    assert failures == []
    assert client.idle(5)
    for call_id, handle in client.calls().items():
        assert handle.state != "terminated", call_id
    if "c1" not in client.calls():
        assert all(op.done for op in ops)
    client.close()


def test_a_late_incoming_notification_does_not_bring_an_ended_call_back() -> None:
    client, dispatcher = client_with(FakeTransport())
    client.core.adopt("c1", "created", None)
    feed(dispatcher, call_body("c1", "terminated", change="deleted"))
    feed(dispatcher, call_body("c1", "incoming", change="created"))
    feed(dispatcher, call_body("c1", "established"))
    assert client.calls() == {} and client.core._orphans == {}
    client.close()


def test_runtime_client_graphclient_is_a_transport() -> None:
    """`runtime.bot.client.GraphClient` fits `Transport` as it is, Graph errors raised and all."""
    import httpx

    from runtime.bot.client import GraphClient

    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(404, json={"error": {"code": "itemNotFound", "message": "x"}})
        assert request.headers["authorization"] == "Bearer tok"
        body = {"@odata.type": "#microsoft.graph.call", "id": "g1", "state": "establishing"}
        return httpx.Response(201, json=body, headers={"Location": f"{request.url}/g1"})

    graph = GraphClient(lambda: "tok", http=httpx.Client(transport=httpx.MockTransport(answer)))
    client = CallsClient(graph, requests=BETA)
    call = client.create_call(CallResource(callback_uri="https://bot/cb"))
    assert call.call_id == "g1" and client.core.store.call_ids() == ["g1"]
    assert client.rehydrate("g1") is None and client.core.store.call_ids() == []
    assert client.get("g1") is None and call.ended
    client.close()


def test_tracker_glance_is_shallow_and_events_carry_copies() -> None:
    client, dispatcher = client_with(FakeTransport())
    call = client.core.adopt("c1", "created", None)
    assert client.core.tracker.glance("nobody") is None
    got: list[Any] = []
    call.on(EventKind.PARTICIPANT_JOINED, lambda e: got.append(e.participant))
    feed(dispatcher, roster_body("c1", ["a"], 1))
    assert client.idle(5)
    state, _, roster = client.core.tracker.glance("c1")  # type: ignore[misc]
    assert state is None and list(roster) == ["a"]
    roster.clear()  # a shallow copy: the tracker keeps its roster
    assert list(call.participants) == ["a"]
    got[0].is_muted = True  # a handler's copy: the tracker's participant is unchanged
    assert call.participants["a"].is_muted is not True
    client.close()


def test_the_async_face_keeps_alive_and_rehydrates() -> None:
    async def main() -> None:
        store = MemoryStore()
        transport = AsyncFake()
        client = AsyncCallsClient(transport, store=store, keep_alive_interval=0.05, requests=BETA)
        dispatcher = Dispatcher()
        client.attach(dispatcher)
        client.core.adopt("c1", "created", None)
        for _ in range(200):
            if sum(r.url.endswith("/c1/keepAlive") for r in transport.sent) >= 2:
                break
            await asyncio.sleep(0.01)
        assert sum(r.url.endswith("/c1/keepAlive") for r in transport.sent) >= 2
        await client.close()

        def answer(request: GraphRequest) -> Response:
            body = {"@odata.type": "#microsoft.graph.call", "id": "c1", "state": "established"}
            return Response(200, {}, json.dumps(body).encode())

        again = AsyncCallsClient(AsyncFake(answer), store=store, requests=BETA)
        calls = await again.rehydrate_all()
        assert [(c.call_id, c.origin, c.state) for c in calls] == [("c1", "created", "established")]
        await again.close()

    asyncio.run(main())


def test_a_call_with_meeting_info_is_a_joined_call() -> None:
    from generated.beta.microsoft_graph import ChatInfo, Identity, IdentitySet, OrganizerMeetingInfo

    client, _ = client_with(FakeTransport())
    call = client.create_call(
        CallResource(
            callback_uri="https://bot/cb",
            chat_info=ChatInfo(thread_id="19:meeting@thread.v2", message_id="0"),
            meeting_info=OrganizerMeetingInfo(organizer=IdentitySet(user=Identity(id="u1"))),
        )
    )
    assert call.origin == "joined" and client.core.store.load("c1").origin == "joined"  # type: ignore[union-attr]
    client.close()
