"""The calls emulator: every scenario through a real bot, the checker's findings in its 400s,
its signed notifications, and each kind of fault leaving the bot's picture right."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from typing import Any
from unittest.mock import ANY

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime import cli
from runtime.bot.auth import GraphTokenValidator
from runtime.bot.errors import ServiceUnavailableError
from runtime.bot.notifications import Dispatcher
from runtime.bot.receiver import AuthRefused, NotificationReceiver, serve
from runtime.docs.docpages import read_page
from runtime.emulator import Delivery, Emulator, Faults
from runtime.emulator.scenarios import (
    BETA_ONLY,
    SCENARIOS,
    SEED_EXAMPLES,
    Bot,
    label,
    outgoing,
    run,
    session,
    user,
)
from tests.conftest import SEED_PAGE, seed_page

CREATE = "https://graph.microsoft.com/v1.0/communications/calls"
WRONG_TARGET = {
    "@odata.type": "#microsoft.graph.call",
    "callbackUri": "https://bot.example.com/api/calls",
    "requestedModalities": ["audio"],
    "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
    "targets": [
        {
            "@odata.type": "#microsoft.graph.participantInfo",
            "identity": {"user": {"id": "user-1"}},
        }
    ],
}


@pytest.fixture
def emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


@pytest.fixture
def bot_session() -> Iterator[tuple[Emulator, Bot]]:
    with session() as pair:
        yield pair


def seed_examples(page: Any) -> list[tuple[dict[str, Any], list[str]]]:
    """The create-call examples of a docs page, in page order: each request's body and what
    the notifications shown after it (before the next one) say, in `label`'s words."""
    found: list[tuple[dict[str, Any], list[str]]] = []
    for e in read_page(page).examples:
        url = (e.url or "").rstrip("/")
        if e.kind == "request" and e.method == "POST" and url.endswith("/communications/calls"):
            found.append((e.value if isinstance(e.value, dict) else {}, []))
        elif e.kind == "notification" and found and isinstance(e.value, dict):
            found[-1][1].extend(label(e.value))
    return found


def seed_creates(page: Any) -> list[dict[str, Any]]:
    """The create-call request bodies of a docs page, in page order."""
    return [body for body, _ in seed_examples(page)]


@pytest.fixture(scope="module")
def seed() -> list[tuple[dict[str, Any], list[str]]] | None:
    """The seed page's create-call examples, or None without the page (it is never copied)."""
    return seed_examples(SEED_PAGE) if SEED_PAGE.is_file() else None


@pytest.fixture(scope="module")
def seed_requests(
    seed: list[tuple[dict[str, Any], list[str]]] | None,
) -> list[dict[str, Any]] | None:
    """The seed page's create-call bodies, or None without the page."""
    return None if seed is None else [body for body, _ in seed]


def shape(body: dict[str, Any]) -> dict[str, Any]:
    """What a create-call request does, without its ids, names and URLs: media config kind and
    fields, source and target kinds, meeting-info kind, chat thread kind, options."""

    def kinds(identity: Any) -> list[str]:
        return sorted(k for k in identity or {} if not k.startswith("@"))

    media = body.get("mediaConfig") or {}
    meeting = body.get("meetingInfo")
    chat = body.get("chatInfo")
    return {
        "media": (media.get("@odata.type"), sorted(k for k in media if not k.startswith("@"))),
        "source": kinds((body.get("source") or {}).get("identity")),
        "targets": [
            (
                t.get("@odata.type", "#microsoft.graph.invitationParticipantInfo"),
                kinds(t.get("identity")),
            )
            for t in body.get("targets") or []
        ],
        "meeting": None if meeting is None else meeting.get("@odata.type"),
        "passcode": isinstance((meeting or {}).get("passcode"), str),
        "organizer": kinds((meeting or {}).get("organizer")),
        "thread": None if chat is None else chat["threadId"].rsplit("@", 1)[-1],
        "options": body.get("callOptions"),
        "fields": sorted(k for k in ("direction", "subject", "tenantId") if k in body),
    }


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario(name: str, seed: list[tuple[dict[str, Any], list[str]]] | None) -> None:
    emu = run(name)
    numbers = [n for n, scenario in SEED_EXAMPLES.items() if scenario == name]
    if numbers and seed is not None:  # it does what its seed example does, and says as much
        body, notifications = seed[numbers[0] - 1]
        sent = emu.sent_by_bot("POST")
        create = next(r for r in sent if r.path.endswith("/calls"))
        assert create.status == (400 if name.endswith("-refused") else 201)
        assert create.path == "/beta/communications/calls"  # the seed page is a beta page
        assert shape(create.body) == shape(body)
        said = [w for call_id in emu.calls for b in emu.notified(call_id) for w in label(b)]
        rest = iter(said)
        assert all(w in rest for w in notifications), (notifications, said)


def test_every_seed_example_has_its_scenario() -> None:
    assert sorted(SEED_EXAMPLES) == list(range(1, 13))
    assert len(set(SEED_EXAMPLES.values())) == 12
    assert set(SEED_EXAMPLES.values()) <= set(SCENARIOS)
    assert list(SCENARIOS)[:12] == [SEED_EXAMPLES[n] for n in range(1, 13)]


def test_the_seed_page_has_as_many_create_call_examples() -> None:
    examples = seed_examples(seed_page())  # skips, loudly, without the seed page
    creates = [body for body, _ in examples]
    assert len(creates) == len(SEED_EXAMPLES)
    # the page shows notifications after examples 1, 5 and 10; the test above replays them
    shown = {n: said for n, (_, said) in enumerate(examples, 1) if said}
    assert shown == {
        1: [
            "call establishing",
            "call established",
            "sharing created",
            "sharing updated",
            "sharing deleted",
        ],
        5: ["call establishing", "call established", "roster", "delta roster"],
        10: ["roster", "delta roster"],
    }
    # the two the metadata rejects are the refused scenarios
    refused = [n for n, name in SEED_EXAMPLES.items() if name.endswith("-refused")]
    wrong = [
        n
        for n, body in enumerate(creates, 1)
        if any(
            t.get("@odata.type") == "#microsoft.graph.participantInfo"
            for t in body.get("targets") or []
        )
    ]
    assert refused == wrong == [3, 4]


def test_shape_tells_the_examples_apart(seed_requests: list[dict[str, Any]] | None) -> None:
    if seed_requests is None:
        seed_page()  # skips, saying the seed page is missing
    assert seed_requests is not None
    shapes = [json.dumps(shape(body), sort_keys=True) for body in seed_requests]
    assert len(set(shapes)) == len(shapes)


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("p2p-with-service-hosted-media", "v1.0"),
        ("join-meeting-by-join-meeting-id", "v1.0"),
        ("pstn-with-app-hosted-media", "v1.0"),
        ("transfer", "beta"),
        ("delta-rosters", "beta"),
    ],
)
def test_the_other_version_s_url_shapes(name: str, version: str) -> None:
    sent = run(name, version=version).sent_by_bot()
    assert all(r.path.startswith(f"/{version}/") for r in sent)


def test_a_beta_only_scenario_is_refused_another_version() -> None:
    for name in BETA_ONLY:
        with pytest.raises(ValueError, match="beta"):
            run(name, version="v1.0")


@pytest.mark.parametrize("number", [3, 4])
def test_the_refused_seed_requests_get_the_validate_command_s_findings(number: int) -> None:
    with session(version="beta", check_requests=False) as (emu, bot):
        SCENARIOS[SEED_EXAMPLES[number]](bot)
        sent = emu.sent_by_bot("POST")[-1]
        expected = validate_cli(sent.body, f"POST https://graph.microsoft.com{sent.path}")
        answer = bot.reported[-1].body
    assert isinstance(answer, dict)
    details = answer["error"]["details"]
    got = [(d["code"], d["target"], d["message"]) for d in details]
    assert got == [(f["code"], f["path"], f["message"]) for f in expected]
    assert [(code, path) for code, path, _ in got] == [("type.not-assignable", "$.targets[1]")]


def validate_cli(body: Any, request: str) -> list[dict[str, Any]]:
    """What `python -m runtime validate --request … --json` reports for a body."""
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(body, f)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        cli.main(["validate", f.name, "--request", request, "--json"])
    findings: list[dict[str, Any]] = json.loads(out.getvalue())["findings"]
    return [f for f in findings if f["severity"] == "error"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1.0/communications/calls", WRONG_TARGET),
        ("/beta/communications/calls", {**WRONG_TARGET, "direction": "sideways"}),
        ("/v1.0/communications/calls/{id}/playPrompt", {"prompts": [{"mediaInfo": 3}]}),
        ("/v1.0/communications/calls/{id}/keepAlive", {"clientContext": "x"}),
    ],
)
def test_a_400_names_the_validate_command_s_findings(
    bot_session: tuple[Emulator, Bot], path: str, body: Any
) -> None:
    emu, bot = bot_session
    call_id = emu.incoming_call(bot.callback)
    path = path.format(id=call_id)
    r = httpx.post(emu.url + path, json=body)
    assert r.status_code == 400
    assert r.headers["request-id"]
    error = r.json()["error"]
    assert error["code"] == "BadRequest"
    assert error["innerError"]["request-id"] == r.headers["request-id"]
    expected = validate_cli(body, f"POST https://graph.microsoft.com{path}")
    assert expected, "the case must break the metadata"
    got = [(d["code"], d["target"], d["message"]) for d in error["details"]]
    assert got == [(f["code"], f["path"], f["message"]) for f in expected]


def test_ids_and_urls_stay_consistent(emulator: Emulator) -> None:
    body = {k: v for k, v in WRONG_TARGET.items() if k != "targets"}
    body["targets"] = [
        {
            "@odata.type": "#microsoft.graph.invitationParticipantInfo",
            "identity": {"user": {"id": "u"}},
        }
    ]
    created = httpx.post(f"{emulator.url}/v1.0/communications/calls", json=body)
    assert created.status_code == 201
    call_id = created.json()["id"]
    assert created.headers["Location"] == f"{emulator.url}/v1.0/communications/calls/{call_id}"
    got = httpx.get(created.headers["Location"])
    assert got.status_code == 200 and got.json()["id"] == call_id
    media = {"uri": "https://bot.example.com/a.wav"}
    prompt = {"prompts": [{"@odata.type": "#microsoft.graph.mediaPrompt", "mediaInfo": media}]}
    op = httpx.post(f"{created.headers['Location']}/playPrompt", json=prompt)
    assert op.status_code == 200
    assert op.headers["Location"].endswith(f"/calls/{call_id}/operations/{op.json()['id']}")
    assert httpx.delete(created.headers["Location"]).status_code == 204
    assert httpx.post(f"{created.headers['Location']}/keepAlive", json={}).status_code == 404


def test_bad_input_gets_a_graph_shaped_error(emulator: Emulator) -> None:
    calls = f"{emulator.url}/v1.0/communications/calls"
    cases = [
        httpx.post(calls, content=b"{not json", headers={"Content-Type": "application/json"}),
        httpx.post(calls, content=b"[" * 100_000, headers={"Content-Type": "application/json"}),
        httpx.get(f"{calls}/no-such-call"),
        httpx.post(f"{emulator.url}/v2/elsewhere", json={}),
        httpx.post(calls, content=b" " * (2 << 20)),
    ]
    assert [r.status_code for r in cases] == [400, 400, 404, 404, 413]
    for r in cases:
        assert isinstance(r.json()["error"]["message"], str)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[Emulator]:
    with Emulator() as emu:
        yield emu


@settings(max_examples=30, deadline=None)
@given(
    body=st.dictionaries(
        st.sampled_from([*WRONG_TARGET, "x", "source", "meetingInfo", "chatInfo", "callOptions"]),
        JSON,
        max_size=5,
    )
)
def test_any_json_body_is_answered_without_a_5xx(
    shared_emulator: Emulator, body: dict[str, Any]
) -> None:
    r = httpx.post(f"{shared_emulator.url}/v1.0/communications/calls", json=body)
    assert r.status_code in (201, 400), r.text
    if r.status_code == 400:
        assert r.json()["error"]["details"]


def test_notifications_are_signed_by_the_emulator_s_keys(
    bot_session: tuple[Emulator, Bot],
) -> None:
    emu, bot = bot_session
    call_id = emu.incoming_call(bot.callback)
    assert emu.wait_for(lambda e: len(e.sent_to_bot(call_id)) == 1)
    assert emu.sent_to_bot(call_id)[0].status == 202
    token = emu._token()
    validator = GraphTokenValidator(app_id=emu.app_id, openid_config_url=emu.openid_config_url)
    assert validator.validate(token)["tid"] == emu.tenant
    with Emulator() as other:  # another emulator's keys sign nothing of this one's
        stranger = GraphTokenValidator(app_id=emu.app_id, openid_config_url=other.openid_config_url)
        with pytest.raises(AuthRefused):
            stranger.validate(token)


def test_a_bot_trusting_other_keys_refuses_every_notification() -> None:
    faults = Faults(callback_attempts=2, callback_backoff=0.01)
    with Emulator(faults=faults) as emu, Emulator() as other:
        validator = GraphTokenValidator(
            app_id=emu.app_id, openid_config_url=other.openid_config_url
        )
        receiver = NotificationReceiver(Dispatcher(), authenticate=validator)
        with serve(receiver) as server:
            call_id = emu.incoming_call(server.url)
            assert emu.wait_for(lambda e: len(e.sent_to_bot(call_id)) == 1)
            delivery = emu.sent_to_bot(call_id)[0]
            assert delivery.status == 401 and delivery.attempts == 1


# -- faults: every kind leaves the bot's picture of each call right ----------------------------

PICTURE_SCENARIOS = [
    "delta-rosters",
    "invite-and-mute-all",
    "transfer",
    "p2p-with-service-hosted-media",
    "join-channel-meeting-as-guest",
    "service-ends-call",
]


@pytest.mark.slow
@pytest.mark.parametrize(
    "faults",
    [
        Faults(out_of_order=True),
        Faults(duplicate=True),
        Faults(delay=0.02),
        Faults(drop_delta_sequence=True),
        Faults(throttle_every=3),
    ],
    ids=["out-of-order", "duplicated", "delayed", "no-delta-sequence", "throttled"],
)
@pytest.mark.parametrize("name", PICTURE_SCENARIOS)
def test_faults_leave_the_picture_right(faults: Faults, name: str) -> None:
    run(name, faults)


def test_duplicates_are_delivered_twice(bot_session: tuple[Emulator, Bot]) -> None:
    with session(Faults(duplicate=True)) as (emu, bot):
        call_id = bot.incoming()
        assert emu.wait_for(lambda e: len(e.sent_to_bot(call_id)) == 2)
        first, second = emu.sent_to_bot(call_id)
        assert first.body == second.body
        assert len(bot.client.calls()) == 1


@pytest.mark.slow
def test_throttled_requests_are_retried_by_the_bot() -> None:
    with session(Faults(throttle_every=2)) as (emu, bot):
        SCENARIOS["group-call"](bot)
        statuses = [r.status for r in emu.sent_by_bot()]
        assert 429 in statuses
        assert len([r for r in emu.sent_by_bot("POST") if r.status == 201]) == 1


def test_a_503_on_create_leaves_no_phantom_call() -> None:
    with session(Faults(fail_every=1)) as (emu, bot):
        with pytest.raises(ServiceUnavailableError):
            bot.client.create_call(outgoing(bot, targets=[user(bot, "user-x")]))
        assert not bot.client.calls() and not emu.calls


def test_a_5xx_leaves_the_picture_right() -> None:
    """A 503 to a POST is not retried (the service may have acted): the bot reports it and
    its picture stays the service's; a 503 to a DELETE is retried."""
    with session(Faults(fail_every=2)) as (emu, bot):
        handle = bot.client.create_call(outgoing(bot, targets=[user(bot, "user-x")]))  # 1: 201
        call_id = handle.call_id
        bot.in_step(call_id, "established")
        with pytest.raises(ServiceUnavailableError):
            handle.mute()  # 2: 503, nothing done
        bot.in_step(call_id)
        assert bot.roster(call_id)["p-bot"] is False and bot.operations(call_id) == {}
        handle.mute().wait(10)  # 3: done
        bot.in_step(call_id)
        assert bot.roster(call_id)["p-bot"] is True
        assert list(bot.operations(call_id).values()) == ["completed"]
        bot.hang_up(call_id)  # 4: 503, retried; 5: 204
        assert [r.status for r in emu.sent_by_bot()] == [201, 503, 200, 503, 204]


def test_content_sharing_is_notified_only_when_the_call_asked() -> None:
    with session() as (emu, bot):
        call_id = bot.client.create_call(outgoing(bot, targets=[user(bot, "u")])).call_id
        bot.in_step(call_id, "established")
        emu.share_content(call_id, "s-1")
        assert not [w for b in emu.notified(call_id) for w in label(b) if "sharing" in w]
        assert emu.sessions(call_id) == set() == bot.sessions(call_id)
        with pytest.raises(ValueError):
            emu.share_content(call_id, "s-1", "paused")


@pytest.mark.parametrize(
    ("refuse_first", "slow"),
    [(3, 0.0), pytest.param(0, 0.3, marks=pytest.mark.slow)],
    ids=["down", "slow"],
)
def test_a_down_or_slow_callback_is_retried(refuse_first: int, slow: float) -> None:
    faults = Faults(callback_backoff=0.05)
    with session(faults, refuse_first=refuse_first, slow=slow) as (emu, bot):
        SCENARIOS["delta-rosters"](bot)
        deliveries = emu.sent_to_bot()
        assert all(d.status == 202 for d in deliveries), deliveries
        if refuse_first:
            assert sum(d.attempts - 1 for d in deliveries) == refuse_first


@pytest.mark.slow
@pytest.mark.parametrize("name", ["delta-rosters", "join-channel-meeting-as-guest"])
def test_a_callback_slower_than_the_emulator_waits_gets_it_again(name: str) -> None:
    """The emulator gives up waiting and delivers again, as Graph does: the bot, which acted on
    the first delivery anyway, gets it twice; its picture stays right."""
    faults = Faults(callback_timeout=0.3, callback_backoff=0.05)
    with session(faults, version="beta", slow=0.8, slow_first=2) as (emu, bot):
        SCENARIOS[name](bot)
        deliveries = emu.sent_to_bot()
        # each slow one at least (a loaded machine may make another late)
        assert deliveries[0].attempts >= 2 and sum(d.attempts - 1 for d in deliveries) >= 2
        assert all(d.status == 202 for d in deliveries), deliveries


@pytest.mark.parametrize(
    "callback", ["http://127.0.0.1:9/\U000cbec7", "ftp://127.0.0.1/x", "http://:99999/", "nowhere"]
)
def test_a_callback_no_one_can_post_to_is_given_up_at_once(callback: str) -> None:
    with Emulator() as emu:
        call_id = emu.incoming_call(callback)
        assert emu.wait_for(lambda e: len(e.sent_to_bot(call_id)) == 1)
        assert emu.sent_to_bot(call_id)[0] == Delivery(call_id, ANY, None, 0)
        assert httpx.get(f"{emu.url}/v1.0/communications/calls/{call_id}").status_code == 200


def test_a_callback_down_for_good_is_given_up() -> None:
    with Emulator(faults=Faults(callback_attempts=3, callback_backoff=0.01)) as emu:
        call_id = emu.incoming_call("http://127.0.0.1:9/api/calls")
        assert emu.wait_for(lambda e: len(e.sent_to_bot(call_id)) == 1)
        delivery = emu.sent_to_bot(call_id)[0]
        assert delivery.status is None and delivery.attempts == 3


def test_the_service_ending_a_call_says_why() -> None:
    def ended(emu: Emulator) -> list[Any]:
        return [d for d in emu.sent_to_bot() if '"terminated"' in json.dumps(d.body)]

    with session() as (emu, bot):
        SCENARIOS["service-ends-call"](bot)
        assert emu.wait_for(lambda e: bool(ended(e)))
        assert "resultInfo" in ended(emu)[-1].body["value"][0]["resourceData"]


@pytest.mark.slow
def test_the_emulate_command_serves_until_stopped() -> None:
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "runtime", "emulate", "--port", "0", "--duplicate"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        assert first.startswith("calls API: http://127.0.0.1:"), first
        base = first.split()[2].split("/v1.0/")[0]
        config = httpx.get(f"{base}/.well-known/openid-configuration", timeout=10).json()
        assert httpx.get(config["jwks_uri"], timeout=10).json()["keys"][0]["kid"]
        missing = httpx.get(f"{base}/beta/communications/calls/nobody", timeout=10)
        assert missing.status_code == 404 and missing.headers["request-id"]
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.slow
def test_the_minimal_bot_passes_every_scenario() -> None:
    import subprocess
    import sys
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "examples" / "minimal_bot.py"
    done = subprocess.run(
        [sys.executable, str(example), "--emulator", "--all-scenarios"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == [f"scenario {name}: ok" for name in SCENARIOS]


def test_the_readme_lists_every_scenario_with_its_seed_example() -> None:
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Test your bot offline", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| (\d+) \| `([a-z0-9-]+)` \|", section, re.MULTILINE))
    assert {int(n): name for n, name in rows.items()} == SEED_EXAMPLES
    assert all(f"`{name}`" in section for name in SCENARIOS)
    assert f"The {len(SCENARIOS)} scenarios" in section
