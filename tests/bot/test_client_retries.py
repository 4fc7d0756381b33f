"""Retries of the sync and async clients, against httpx.MockTransport (no network)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

httpx = pytest.importorskip("httpx", reason="HTTPX MISSING: install the `http` extra")

from runtime.bot.client import (  # noqa: E402
    AsyncGraphClient,
    GraphClient,
    GraphTransportError,
    RetryPolicy,
    call_id_of,
)
from runtime.bot.errors import (  # noqa: E402
    GraphError,
    ServerError,
    TooManyRequestsError,
    parse_retry_after,
)
from runtime.bot.requests import GraphRequest  # noqa: E402

URL = "https://graph.example/v1.0/communications/calls"
CALL_URL = f"{URL}/c-42"
POST = GraphRequest("POST", URL, {"Content-Type": "application/json"}, b"{}")
DELETE = GraphRequest("DELETE", CALL_URL, {})
KEEP_ALIVE = GraphRequest("POST", f"{CALL_URL}/keepAlive", {})

Outcome = int | tuple[int, dict[str, str]] | type[Exception]


class Graph:
    """Answers each request with the next scripted outcome; records what it received."""

    def __init__(self, *outcomes: Outcome) -> None:
        self.outcomes = list(outcomes)
        self.received: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.received.append(request)
        outcome = self.outcomes.pop(0) if self.outcomes else 204
        if isinstance(outcome, type):
            raise outcome("scripted", request=request)
        status, headers = outcome if isinstance(outcome, tuple) else (outcome, {})
        body = b""
        if status >= 400:
            body = json.dumps(
                {"error": {"code": f"c{status}", "message": "m", "innerError": {}}}
            ).encode()
        return httpx.Response(
            status, headers={"request-id": f"rq-{len(self.received)}", **headers}, content=body
        )

    @property
    def ids(self) -> set[str]:
        return {r.headers["client-request-id"] for r in self.received}


class Clock:
    """Time that passes only when the client sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


def client(graph: Graph, clock: Clock, **options: Any) -> GraphClient:
    tokens = iter(range(1, 1000))
    return GraphClient(
        lambda: f"t{next(tokens)}",
        http=httpx.Client(transport=httpx.MockTransport(graph)),
        sleep=clock.sleep,
        clock=clock,
        **{"jitter": 0.0, **options},
    )


def aclient(graph: Graph, clock: Clock, **options: Any) -> AsyncGraphClient:
    async def token() -> str:
        return "async-token"

    return AsyncGraphClient(
        token,
        http=httpx.AsyncClient(transport=httpx.MockTransport(graph)),
        sleep=clock.asleep,
        clock=clock,
        **{"jitter": 0.0, **options},
    )


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_idempotent_requests_retry_the_retried_statuses(status: int) -> None:
    graph, clock = Graph(status, status, 204), Clock()
    assert client(graph, clock).send(DELETE).status == 204
    assert clock.slept == [1.0, 2.0] and len(graph.received) == 3


@pytest.mark.parametrize(("status", "attempts"), [(429, 2), (502, 1), (503, 1), (504, 1)])
def test_a_creating_post_is_retried_only_when_it_was_not_processed(
    status: int, attempts: int
) -> None:
    graph, clock = Graph(status, 201), Clock()
    c = client(graph, clock)
    if attempts == 1:
        with pytest.raises(ServerError):
            c.send(POST)
    else:
        assert c.send(POST).status == 201
    assert len(graph.received) == attempts


@pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout])
def test_a_post_that_never_left_is_retried(error: type[Exception]) -> None:
    graph, clock = Graph(error, 201), Clock()
    assert client(graph, clock).send(POST).status == 201
    assert len(graph.received) == 2 and len(graph.ids) == 1


@pytest.mark.parametrize(
    "error",
    [httpx.ReadTimeout, httpx.WriteTimeout, httpx.ReadError, httpx.RemoteProtocolError],
)
def test_a_post_that_may_have_arrived_is_not_retried(error: type[Exception]) -> None:
    graph, clock = Graph(error, 201), Clock()
    with pytest.raises(GraphTransportError) as raised:
        client(graph, clock).send(POST)
    assert raised.value.maybe_sent and raised.value.attempts == 1
    assert raised.value.client_request_id in str(raised.value)
    assert isinstance(raised.value.__cause__, error)
    # The same failure on an idempotent request is retried.
    graph = Graph(error, 204)
    assert client(graph, clock).send(DELETE).status == 204


def test_an_override_makes_a_post_retryable() -> None:
    graph, clock = Graph(503, httpx.ReadTimeout, 200), Clock()
    assert client(graph, clock).send(KEEP_ALIVE, idempotent=True).status == 200
    assert len(graph.received) == 3


def test_retry_after_seconds_and_http_date() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=8), usegmt=True)
    graph, clock = Graph((503, {"Retry-After": "3"}), (429, {"Retry-After": later}), 204), Clock()
    assert client(graph, clock).send(DELETE).status == 204
    assert clock.slept[0] == 3.0 and 6.0 <= clock.slept[1] <= 8.0


def test_a_retry_after_over_max_wait_gives_up_at_once() -> None:
    graph, clock = Graph((429, {"Retry-After": "600"})), Clock()
    with pytest.raises(TooManyRequestsError) as raised:
        client(graph, clock, max_wait=60).send(DELETE)
    assert (clock.slept, raised.value.retry_after) == ([], 600.0)


def test_attempts_and_total_time_are_bounded() -> None:
    graph, clock = Graph(*[503] * 10), Clock()
    with pytest.raises(ServerError):
        client(graph, clock, max_retries=3).send(DELETE)
    assert len(graph.received) == 4
    graph, clock = Graph(*[503] * 10), Clock()
    with pytest.raises(ServerError):
        client(graph, clock, max_retries=9, backoff=10, max_backoff=1000, max_total=60).send(DELETE)
    assert clock.slept == [10.0, 20.0] and sum(clock.slept) <= 60  # the next, 40, would pass 60
    graph, clock = Graph(*[httpx.ConnectError] * 10), Clock()
    with pytest.raises(GraphTransportError) as raised:
        client(graph, clock, max_retries=2).send(POST)
    assert raised.value.attempts == 3 and not raised.value.maybe_sent


def test_jitter_spreads_the_backoff() -> None:
    graph, clock = Graph(503, 503, 204), Clock()
    draws = iter([0.0, 1.0])
    c = client(graph, clock, jitter=0.5, draw=lambda: next(draws))
    assert c.send(DELETE).status == 204
    assert clock.slept == [1.0, 1.0]  # 1 × (1 - 0), then 2 × (1 - 0.5)


@settings(max_examples=200, deadline=None)
@given(
    retry=st.integers(0, 10_000),
    draw=st.floats(0, 1, exclude_max=True),
    jitter=st.floats(0, 1),
    backoff=st.floats(0, 100),
)
def test_backoff_stays_within_its_bounds(
    retry: int, draw: float, jitter: float, backoff: float
) -> None:
    policy = RetryPolicy(backoff=backoff, max_backoff=30.0, jitter=jitter)
    wait = policy.backoff_for(retry, draw)
    base = min(30.0, backoff * 2.0 ** min(retry, 62))
    assert base * (1 - jitter) - 1e-9 <= wait <= base + 1e-9


OUTCOMES = st.sampled_from(
    [200, 429, 500, 502, 503, 504, httpx.ConnectError, httpx.ReadTimeout, httpx.RemoteProtocolError]
)


@settings(max_examples=150, deadline=None)
@given(
    script=st.lists(OUTCOMES, max_size=8),
    method=st.sampled_from(["POST", "DELETE"]),
    retries=st.integers(0, 5),
)
def test_retries_never_break_their_rules(script: list[Outcome], method: str, retries: int) -> None:
    graph, clock = Graph(*script), Clock()
    request = POST if method == "POST" else DELETE
    with contextlib.suppress(GraphError, GraphTransportError):
        client(graph, clock, max_retries=retries, max_total=30).send(request)
    sent = len(graph.received)
    assert 1 <= sent <= retries + 1 and sum(clock.slept) <= 30
    assert len(graph.ids) == 1
    if method == "POST":  # a POST is repeated only after an outcome that proves it did nothing
        for outcome in script[: sent - 1]:
            assert outcome in (429, httpx.ConnectError)


def test_headers_per_attempt() -> None:
    graph, clock = Graph(503, 204), Clock()
    client(graph, clock).send(DELETE)
    first, second = graph.received
    assert (first.headers["authorization"], second.headers["authorization"]) == (
        "Bearer t1",
        "Bearer t2",
    )
    uuid.UUID(first.headers["client-request-id"])
    assert first.headers["client-request-id"] == second.headers["client-request-id"]
    graph = Graph(204)
    own = GraphRequest("DELETE", CALL_URL, {"Client-Request-Id": "mine", "Authorization": "x"})
    client(graph, clock).send(own)
    assert graph.received[0].headers.get_list("client-request-id") == ["mine"]
    assert graph.received[0].headers.get_list("authorization") == ["Bearer t1"]


def test_request_ids_in_errors_and_log_records(caplog: pytest.LogCaptureFixture) -> None:
    graph, clock = Graph(503, 404), Clock()
    with (
        caplog.at_level(logging.INFO, logger="runtime.bot.client"),
        pytest.raises(GraphError) as raised,
    ):
        client(graph, clock).send(DELETE)
    error = raised.value
    assert error.status == 404 and error.request_id == "rq-2"
    assert error.client_request_id == graph.received[0].headers["client-request-id"]
    records = [r for r in caplog.records if r.name == "runtime.bot.client"]
    assert [(r.levelname, r.status, r.request_id, r.attempt) for r in records] == [  # type: ignore[attr-defined]
        ("INFO", 503, "rq-1", 1),
        ("WARNING", 404, "rq-2", 2),
    ]
    assert {r.call_id for r in records} == {"c-42"}  # type: ignore[attr-defined]
    assert {r.client_request_id for r in records} == {error.client_request_id}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("url", "call_id"),
    [
        (CALL_URL, "c-42"),
        (f"{CALL_URL}/participants/p1/mute", "c-42"),
        ("https://g/beta/app/calls/x1?y", "x1"),
        (URL, None),
    ],
)
def test_call_id_of(url: str, call_id: str | None) -> None:
    assert call_id_of(url) == call_id


def test_async_client_retries_like_the_sync_one() -> None:
    async def scenario() -> None:
        clock = Clock()
        graph = Graph(503, httpx.ConnectTimeout, 204)
        async with aclient(graph, clock) as c:
            assert (await c.send(DELETE)).status == 204
        assert clock.slept == [1.0, 2.0] and len(graph.ids) == 1
        assert graph.received[0].headers["authorization"] == "Bearer async-token"

        graph = Graph(502, 201)
        async with aclient(graph, clock) as c:
            with pytest.raises(ServerError):
                await c.send(POST)
        assert len(graph.received) == 1

        graph = Graph(httpx.ReadTimeout)
        async with aclient(graph, clock) as c:
            with pytest.raises(GraphTransportError):
                await c.send(POST)

        graph = Graph(httpx.ConnectError, 204)
        async with aclient(graph, clock) as c:
            assert await c.run(DELETE) is None

    asyncio.run(scenario())


def test_a_sync_token_provider_works_for_the_async_client() -> None:
    graph, clock = Graph(204), Clock()

    async def scenario() -> None:
        c = AsyncGraphClient(
            lambda: "plain",
            http=httpx.AsyncClient(transport=httpx.MockTransport(graph)),
            sleep=clock.asleep,
        )
        await c.send(DELETE)
        await c.http.aclose()

    asyncio.run(scenario())
    assert graph.received[0].headers["authorization"] == "Bearer plain"


@pytest.mark.parametrize("make", [GraphClient, AsyncGraphClient])
def test_jitter_out_of_range_is_refused(make: Callable[..., Any]) -> None:
    with pytest.raises(ValueError, match="jitter"):
        make(lambda: "t", http=object(), jitter=2)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("²", None),  # a digit to str.isdigit, not to HTTP
        ("1.5", None),
        ("-5", None),
        ("9" * 400, float("inf")),  # "wait very long": more than max_wait, so give up
        ("Wed, 21 Oct 2015 07:28:00 -0000", 0.0),  # a date in the past, zone unstated
        ("Mon, 01 Jan 10000 00:00:00 GMT", None),
    ],
)
def test_retry_after_values(value: str, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds


@settings(max_examples=300, deadline=None)
@given(
    value=st.one_of(
        st.text(max_size=40),
        st.from_regex(
            r"[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} \d{1,5} \d\d:\d\d:\d\d [+-]?[A-Z0-9]{0,5}",
            fullmatch=True,
        ),
    )
)
def test_any_retry_after_is_a_wait_or_nothing(value: str) -> None:
    seconds = parse_retry_after(value)
    assert seconds is None or seconds >= 0
