"""The README's bot quick start, step by step, over loopback: a fake Graph answers the HTTP
calls and posts notifications, each with a signed JWT, to a real served receiver that checks
them with `runtime.bot.auth.GraphTokenValidator` against a loopback OpenID provider.

Each step of the README is a block here, in its sync form and its async form:
1. create a call; 2. hear `establishing` and `established` through authenticated callbacks;
3. play a prompt and wait for its completion; 4. mute a participant;
5. see a participant join and leave; 6. hang up (the handle is dropped).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from generated.beta.microsoft_graph import (
    Call,
    Identity,
    IdentitySet,
    InvitationParticipantInfo,
    MediaInfo,
    MediaPrompt,
    Modality,
    ServiceHostedMediaConfig,
)
from runtime.bot import (
    AsyncCallsClient,
    AsyncHttpxTransport,
    CallEvent,
    CallsClient,
    EventKind,
    HttpxTransport,
    OperationFailed,
)
from runtime.bot.auth import GraphTokenValidator
from runtime.bot.notifications import Dispatcher
from runtime.bot.receiver import NotificationReceiver, RunningServer, serve
from runtime.bot.requests import CallsRequests
from tests.fakegraph import FakeGraph
from tests.jwt_factory import APP_ID, Provider, claims, local_provider, sign


class Bot:
    """A receiver on a loopback port, with a dispatcher the client attaches to."""

    def __init__(self, provider: Provider) -> None:
        self.dispatcher = Dispatcher()
        check_token = GraphTokenValidator(APP_ID, openid_config_url=provider.config_url)
        self.receiver = NotificationReceiver(self.dispatcher, authenticate=check_token)
        self.server: RunningServer = serve(self.receiver)
        self.events: list[tuple[str, EventKind, str | None]] = []
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)

    def record(self, event: CallEvent[Any]) -> None:
        detail = event.state or (event.participant.id if event.participant else None)
        with self.changed:
            self.events.append((event.call_id, event.kind, detail))  # type: ignore[arg-type]
            self.changed.notify_all()

    def seen(self, call_id: str, kind: EventKind) -> list[str | None]:
        with self.lock:
            return [d for c, k, d in self.events if c == call_id and k is kind]

    def wait_for(self, call_id: str, kind: EventKind, detail: str, timeout: float = 10) -> None:
        with self.changed:
            ok = self.changed.wait_for(lambda: (call_id, kind, detail) in self.events, timeout)
        assert ok, f"no {kind} {detail} for {call_id}: {self.events}"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with local_provider() as p:
        yield p


@pytest.fixture
def graph() -> Iterator[FakeGraph]:
    fake = FakeGraph(token=lambda: sign(claims()))
    yield fake
    fake.close()


@pytest.fixture
def bot(provider: Provider) -> Iterator[Bot]:
    b = Bot(provider)
    yield b
    b.server.close()


def new_call(callback: str) -> Call:
    """A call to one user with service-hosted media, as in the README."""
    return Call(
        callback_uri=callback,
        targets=[InvitationParticipantInfo(identity=IdentitySet(user=Identity(id="user-1")))],
        requested_modalities=[Modality("audio")],
        media_config=ServiceHostedMediaConfig(),
    )


PROMPT = MediaPrompt(media_info=MediaInfo(uri="https://bot.example/hello.wav"))


@pytest.mark.parametrize("early", [False, True], ids=["response-first", "notification-first"])
def test_sync_quick_start(graph: FakeGraph, bot: Bot, early: bool) -> None:
    graph.notify_before_response = early
    requests = CallsRequests(version="beta", base_url=graph.url)
    with CallsClient(
        HttpxTransport(httpx.Client(), token=lambda: "t"), requests=requests
    ) as client:
        client.attach(bot.dispatcher)
        client.on(None, bot.record)

        # 1. create a call
        call = client.create_call(new_call(bot.server.url + "/callback"))
        assert call.origin == "created" and client.get(call.call_id) is call

        # 2. establishing, then established, through the authenticated receiver
        bot.wait_for(call.call_id, EventKind.STATE, "established")
        assert bot.seen(call.call_id, EventKind.STATE) == ["establishing", "established"]
        assert call.state == "established"

        # 3. play a prompt and wait for its completion
        op = call.play_prompt(prompts=[PROMPT]).wait(10)
        assert op.status == "completed" and op.id is not None

        # 4. mute a participant (a participant-bound action)
        graph.join(call.call_id, "p1")
        bot.wait_for(call.call_id, EventKind.PARTICIPANT_JOINED, "p1")
        assert call.participant("p1").mute().wait(10).status == "completed"

        # 5. a participant joins and leaves
        graph.join(call.call_id, "p2")
        bot.wait_for(call.call_id, EventKind.PARTICIPANT_JOINED, "p2")
        assert sorted(call.participants) == ["p1", "p2"]
        graph.leave(call.call_id, "p2")
        bot.wait_for(call.call_id, EventKind.PARTICIPANT_LEFT, "p2")
        assert sorted(call.participants) == ["p1"]

        # 6. hang up: terminated arrives and the handle is dropped
        call.hang_up()
        bot.wait_for(call.call_id, EventKind.STATE, "terminated")
        assert client.get(call.call_id) is None and call.ended
        assert client.core.store.call_ids() == []

    sent = [(m, p.rsplit("/", 1)[-1]) for m, p, _ in graph.requests]
    assert sent[:2] == [("POST", ""), ("POST", "playPrompt")]
    assert ("POST", "mute") in sent and ("DELETE", call.call_id) in sent
    assert bot.receiver.stats()["statuses"] == {202: bot.receiver.stats()["notifications"]}


def test_sync_failed_operation_carries_result_info(graph: FakeGraph, bot: Bot) -> None:
    graph.failures["playPrompt"] = {"code": 400, "subcode": 8508, "message": "bad prompt"}
    with CallsClient(
        HttpxTransport(httpx.Client()), requests=CallsRequests(version="beta", base_url=graph.url)
    ) as client:
        client.attach(bot.dispatcher)
        call = client.create_call(new_call(bot.server.url))
        with pytest.raises(OperationFailed, match="bad prompt") as failed:
            call.play_prompt(prompts=[PROMPT]).wait(10)
        assert failed.value.result_info.subcode == 8508


def test_unauthenticated_callbacks_are_refused(graph: FakeGraph, bot: Bot) -> None:
    graph.token = lambda: sign(claims(), key="X")  # an attacker's key under a published kid
    with CallsClient(
        HttpxTransport(httpx.Client()), requests=CallsRequests(version="beta", base_url=graph.url)
    ) as client:
        client.attach(bot.dispatcher)
        call = client.create_call(new_call(bot.server.url))
        assert graph.notify(call.call_id, {"value": []}) == 401
        assert client.idle(5)
        assert call.state == "establishing"  # only what the create response said


async def async_quick_start(graph: FakeGraph, bot: Bot) -> None:
    async with httpx.AsyncClient() as http:
        client = AsyncCallsClient(
            AsyncHttpxTransport(http), requests=CallsRequests(version="beta", base_url=graph.url)
        )
        client.attach(bot.dispatcher)
        established = asyncio.Event()
        left = asyncio.Event()

        async def on_state(event: CallEvent[Any]) -> None:
            bot.record(event)
            if event.state == "established":
                established.set()

        client.on(EventKind.STATE, on_state)
        client.on(EventKind.PARTICIPANT_JOINED, bot.record)
        client.on(EventKind.PARTICIPANT_LEFT, lambda e: (bot.record(e), left.set()))

        call = await client.create_call(new_call(bot.server.url))  # 1
        await asyncio.wait_for(established.wait(), 10)  # 2
        assert bot.seen(call.call_id, EventKind.STATE) == ["establishing", "established"]
        op = await call.play_prompt(prompts=[PROMPT])  # 3
        assert (await op).status == "completed"
        await asyncio.to_thread(graph.join, call.call_id, "p1")  # 4 and 5
        assert (await (await call.participant("p1").mute())).status == "completed"
        await asyncio.to_thread(graph.leave, call.call_id, "p1")
        await asyncio.wait_for(left.wait(), 10)
        assert bot.seen(call.call_id, EventKind.PARTICIPANT_JOINED) == ["p1"]
        assert bot.seen(call.call_id, EventKind.PARTICIPANT_LEFT) == ["p1"]
        await call.hang_up()  # 6
        await asyncio.to_thread(bot.wait_for, call.call_id, EventKind.STATE, "terminated")
        assert client.get(call.call_id) is None
        await client.close()


@pytest.mark.parametrize("early", [False, True], ids=["response-first", "notification-first"])
def test_async_quick_start(graph: FakeGraph, bot: Bot, early: bool) -> None:
    graph.notify_before_response = early
    asyncio.run(async_quick_start(graph, bot))
