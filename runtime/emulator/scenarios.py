"""Scenarios: a real bot (served receiver, `GraphTokenValidator`, `CallsClient`) against the
emulator, one function per way of using the calls API, in our own words and bodies: first one
per create-call example of the seed page (`SEED_EXAMPLES`), then more.

Each scenario raises `AssertionError` when the bot's picture of a call (state, roster with mute
and lobby flags, operations, content sharing sessions) differs from the emulator's, when the
service did not say what the example documents, or when the bot missed what it should see.
`run(name, faults)` runs one in a fresh emulator and bot.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..bot import CallEvent, CallsClient, EventKind
from ..bot.auth import GraphTokenValidator
from ..bot.client import GraphClient
from ..bot.errors import GraphError
from ..bot.notifications import Dispatcher
from ..bot.receiver import AuthUnavailable, NotificationReceiver, serve
from ..bot.requests import CallsRequests
from ..checking.bodies import validate_body
from ..checking.models import Models
from .server import GRAPH_HOST, Emulator, Faults

TIMEOUT = 15.0


class Classes:
    """The model classes a scenario builds, by name, from the bot's own models package (the
    package of its API version), so a scenario runs the same against beta and v1.0."""

    def __init__(self, models: Models) -> None:
        self._models = models

    def __getattr__(self, name: str) -> Any:
        qname = f"microsoft.graph.{name[:1].lower()}{name[1:]}"
        if qname in self._models.facts.enums:
            return self._models.converter().enum_of(qname)
        return self._models.class_of(qname)


class Bot:
    """A calling bot as a developer would write it, pointed at an emulator."""

    def __init__(
        self,
        emulator: Emulator,
        *,
        version: str = "v1.0",
        refuse_first: int = 0,
        slow: float = 0.0,
        slow_first: int = 0,
        check_requests: bool = True,
    ) -> None:
        """`refuse_first` callbacks get a 503, and each waits `slow` s (the first `slow_first`
        only, when not 0): a bot that is down, or slow."""
        self.emulator = emulator
        self.version = version
        validator = GraphTokenValidator(
            app_id=emulator.app_id, openid_config_url=emulator.openid_config_url
        )
        self._refusals = refuse_first
        self._slow = slow
        self._slow_left = slow_first or -1  # -1: every callback is slow
        self._lock = threading.Lock()

        def authenticate(headers: Any) -> Any:
            with self._lock:
                refuse = self._refusals > 0
                self._refusals -= 1 if refuse else 0
                lag = self._slow if self._slow_left != 0 else 0.0
                self._slow_left -= 1 if self._slow_left > 0 else 0
            if lag:
                time.sleep(lag)
            if refuse:
                raise AuthUnavailable("the bot is down for a moment (fault injection)", 1)
            return validator(headers)

        requests = CallsRequests(
            version=version,
            base_url=emulator.url,
            validator=None if check_requests else (lambda value, qname: []),
        )
        # Callbacks are read with the models the bot sends with (its API version's package).
        self.dispatcher = Dispatcher(requests.models)
        self.server = serve(NotificationReceiver(self.dispatcher, authenticate=authenticate))
        self.callback = f"{self.server.url}/api/calls"
        self.transport = GraphClient(lambda: "emulator-token", backoff=0.05, max_backoff=0.2)
        self.classes = Classes(requests.models)
        self.client = CallsClient(self.transport, requests=requests, operation_timeout=TIMEOUT)
        self.client.attach(self.dispatcher)
        self.events: list[CallEvent[Any]] = []
        self.reported: list[GraphError] = []
        self.changed = threading.Condition()
        self.client.on(None, self._record)

    def _record(self, event: CallEvent[Any]) -> None:
        with self.changed:
            self.events.append(event)
            self.changed.notify_all()

    def close(self) -> None:
        """Stop the client, the transport and the receiver."""
        self.client.close()
        self.transport.close()
        self.server.close()

    def report(self, error: GraphError) -> None:
        """What a bot does with a refused request: keep it (and log it)."""
        self.reported.append(error)

    def wait(self, condition: Callable[[], bool], what: str, timeout: float = TIMEOUT) -> None:
        """Wait until `condition()` holds, or fail naming `what`."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while not condition():
                left = deadline - time.monotonic()
                assert left > 0, f"timed out waiting for {what}"
                self.changed.wait(min(left, 0.05))

    def state(self, call_id: str) -> str | None:
        """The call's state as the bot sees it."""
        seen = self.client.core.tracker.glance(call_id)
        return None if seen is None else seen[0]

    def roster(self, call_id: str) -> dict[str, bool]:
        """The call's participants as the bot sees them: id → muted."""
        seen = self.client.core.tracker.glance(call_id)
        return {} if seen is None else {pid: bool(p.is_muted) for pid, p in seen[2].items()}

    def lobby(self, call_id: str) -> set[str]:
        """The call's participants the bot sees waiting in the lobby."""
        seen = self.client.core.tracker.glance(call_id)
        return set() if seen is None else {pid for pid, p in seen[2].items() if p.is_in_lobby}

    def operations(self, call_id: str) -> dict[str, str]:
        """The call's operations as the bot sees them: id → status."""
        snap = self.client.core.tracker.get(call_id)
        if snap is None:
            return {}
        return {op_id: str(op.status).lower() for op_id, op in snap.operations.items()}

    def sessions(self, call_id: str) -> set[str]:
        """The call's content sharing sessions as the bot sees them."""
        snap = self.client.core.tracker.get(call_id)
        return set() if snap is None else set(snap.content_sharing_sessions)

    def states_seen(self, call_id: str) -> list[str]:
        """The states the bot's handlers were told of, in order."""
        with self.changed:
            return [
                str(e.state)
                for e in self.events
                if e.call_id == call_id and e.kind is EventKind.STATE
            ]

    def picture(self, call_id: str) -> tuple[Any, ...]:
        """What the bot knows of a call: state, roster (muted, in lobby), operations, sessions."""
        return (
            self.state(call_id),
            self.roster(call_id),
            self.lobby(call_id),
            self.operations(call_id),
            self.sessions(call_id),
        )

    def in_step(self, call_id: str, state: str | None = None) -> None:
        """Wait until the bot's picture of the call is the emulator's: its state and, while it
        lasts, its roster (mute and lobby flags), operations and content sharing sessions."""
        emu = self.emulator

        def service() -> tuple[Any, ...]:
            return (
                state or emu.state(call_id),
                emu.roster(call_id),
                emu.lobby(call_id),
                emu.operations(call_id),
                emu.sessions(call_id),
            )

        def matches() -> bool:
            mine, theirs = self.picture(call_id), service()
            return mine[0] == theirs[0] and (state == "terminated" or mine == theirs)

        try:
            self.wait(matches, f"the bot's picture of {call_id} to match the emulator's")
        except AssertionError as exc:
            raise AssertionError(
                f"{exc}: bot {self.picture(call_id)}, emulator {service()}"
            ) from None

    def incoming(self) -> str:
        """Have the emulator push an incoming call; its id once the bot holds a handle."""
        call_id = self.emulator.incoming_call(self.callback)
        self.wait(lambda: self.client.get(call_id) is not None, "the incoming call's handle")
        return call_id

    def hang_up(self, call_id: str) -> None:
        """Hang up and wait for `terminated` (the handle is dropped)."""
        handle = self.client.get(call_id)
        assert handle is not None, f"no handle for {call_id}"
        handle.hang_up()
        self.in_step(call_id, "terminated")
        self.wait(lambda: self.client.get(call_id) is None, "the ended call's handle to go")


# -- helpers of the scenarios ----------------------------------------------------------------


def user(bot: Bot, uid: str, name: str | None = None) -> Any:
    """An invitation of a Teams user."""
    return bot.classes.InvitationParticipantInfo(
        identity=bot.classes.IdentitySet(user=bot.classes.Identity(id=uid, display_name=name))
    )


def outgoing(bot: Bot, **fields: Any) -> Any:
    """A create-call body with the bot's callback and audio."""
    fields.setdefault("media_config", bot.classes.ServiceHostedMediaConfig())
    fields.setdefault("requested_modalities", [bot.classes.Modality.AUDIO])
    return bot.classes.Call(callback_uri=bot.callback, **fields)


def place(bot: Bot, call: Any) -> str:
    """Create a call and wait until the bot's picture matches the emulator's."""
    handle = bot.client.create_call(call)
    bot.in_step(handle.call_id, "established")
    return handle.call_id


def prompt(bot: Bot, uri: str) -> Any:
    """A prompt of one audio file."""
    return bot.classes.MediaPrompt(media_info=bot.classes.MediaInfo(uri=uri))


def label(body: dict[str, Any]) -> list[str]:
    """What a notification says, in the words the scenarios list: `call established`,
    `roster`, `delta roster`, `sharing created`, `operation completed`, …"""
    said = []
    for item in body.get("value") or []:
        url = str(item.get("resourceUrl") or "").lower()
        data = item.get("resourceData")
        first = data[0] if isinstance(data, list) and data else data
        first = first if isinstance(first, dict) else {}
        if url.endswith("/participants"):
            delta = "deltaParticipants" in str(first.get("@odata.type"))
            said.append("delta roster" if delta else "roster")
        elif "/contentsharingsessions" in url:
            said.append(f"sharing {item.get('changeType')}")
        elif "/operations/" in url:
            said.append(f"operation {first.get('status')}")
        else:
            said.append(f"call {first.get('state')}")
    return said


def documented(bot: Bot, call_id: str, *expected: str) -> None:
    """Check that the service said `expected` about the call in this order (other
    notifications may come between): the sequence a documented example shows."""
    said = [w for body in bot.emulator.notified(call_id) for w in label(body)]
    rest = iter(said)
    # `in` on an iterator consumes it up to the match: each word must come after the last.
    assert all(w in rest for w in expected), (
        f"expected {list(expected)} in this order; the service said {said}"
    )


def the_call(bot: Bot, call_id: str) -> Any:
    """The call resource as the bot last heard of it."""
    seen = bot.client.core.tracker.glance(call_id)
    assert seen is not None and seen[1] is not None, f"the bot knows nothing of {call_id}"
    return seen[1]


def prefetched(bot: Bot) -> Any:
    """Service-hosted media that fetches the bot's two prompts ahead of time."""
    return bot.classes.ServiceHostedMediaConfig(
        pre_fetch_media=[
            bot.classes.MediaInfo(
                uri="https://media.example.org/welcome.wav",
                resource_id="0b6f2a4e-7f3c-4d1a-9a55-0c2e8d5b1a01",
            ),
            bot.classes.MediaInfo(
                uri="https://media.example.org/goodbye.wav",
                resource_id="0b6f2a4e-7f3c-4d1a-9a55-0c2e8d5b1a02",
            ),
        ]
    )


def app_media(bot: Bot, **fields: Any) -> Any:
    """App-hosted media: the bot's own media stack describes its session in a blob."""
    return bot.classes.AppHostedMediaConfig(
        blob="<media session configuration of the bot's media stack>", **fields
    )


def bot_as(bot: Bot, kind: str, ident: str, name: str) -> Any:
    """The call's source: the bot as an application, application instance or guest."""
    identity = bot.classes.CommunicationsIdentitySet(
        **{kind: bot.classes.Identity(id=ident, display_name=name)}
    )
    return bot.classes.ParticipantInfo(identity=identity)


def organizer(bot: Bot) -> Any:
    """A meeting organized by one Teams user, which may go on without them."""
    who = bot.classes.IdentitySet(
        user=bot.classes.Identity(id="user-organizer-olga", display_name="Olga")
    )
    return bot.classes.OrganizerMeetingInfo(organizer=who, allow_conversation_without_host=True)


SCHEDULED_THREAD = "19:meeting_c2NoZWR1bGVkLXN5bmMtb2YtdGhlLXRlYW0@thread.v2"
CHANNEL_THREAD = "19:5e0f1a2b3c4d4e5f8a9b0c1d2e3f4a5b@thread.skype"


def phone(bot: Bot, number: str) -> Any:
    """An invitation of a phone number (E.164)."""
    return bot.classes.InvitationParticipantInfo(
        identity=bot.classes.CommunicationsIdentitySet(phone=bot.classes.Identity(id=number))
    )


def join(bot: Bot, call: Any) -> str:
    """Join a meeting; check the bot's call says which meeting and the roster came."""
    call_id = place(bot, call)
    handle = bot.client.get(call_id)
    assert handle is not None and handle.origin == "joined", handle
    documented(bot, call_id, "call establishing", "call established", "roster")
    kind = type(call.meeting_info)
    heard = the_call(bot, call_id).meeting_info
    assert type(heard) is kind, f"the bot heard of a {type(heard).__name__}, not a {kind.__name__}"
    return call_id


# -- the seed page's examples, one scenario each (see SEED_EXAMPLES) -----------------------------


def p2p_with_service_hosted_media(bot: Bot) -> None:
    """Seed 1: call one user with service-hosted media and content sharing notifications on;
    someone shares, updates and stops sharing; the bot plays a prompt and hangs up."""
    options = bot.classes.OutgoingCallOptions(is_content_sharing_notification_enabled=True)
    call_id = place(
        bot, outgoing(bot, targets=[user(bot, "user-ana", "Ana")], call_options=options)
    )
    emu = bot.emulator
    emu.share_content(call_id, "share-ana-1")
    bot.in_step(call_id)
    assert bot.sessions(call_id) == {"share-ana-1"}
    emu.share_content(call_id, "share-ana-1", "updated")
    emu.share_content(call_id, "share-ana-1", "deleted")
    bot.in_step(call_id)
    assert bot.sessions(call_id) == set()
    handle = bot.client.get(call_id)
    assert handle is not None
    op = handle.play_prompt(prompts=[prompt(bot, "https://media.example.org/hello.wav")])
    assert op.wait(TIMEOUT) is not None, "the prompt did not complete"
    bot.in_step(call_id)
    documented(
        bot,
        call_id,
        "call establishing",
        "call established",
        "sharing created",
        "sharing updated",
        "sharing deleted",
    )
    bot.hang_up(call_id)
    bot.wait(lambda: "terminated" in bot.states_seen(call_id), "the terminated event")
    seen = bot.states_seen(call_id)
    assert seen[-1] == "terminated" and "established" in seen, seen


def p2p_with_app_hosted_media(bot: Bot) -> None:
    """Seed 2: the bot (as an application) calls one user with app-hosted media; it mutes
    and unmutes itself."""
    call = outgoing(
        bot,
        source=bot_as(bot, "application", bot.emulator.app_id, "Helpdesk Bot"),
        targets=[user(bot, "user-ben", "Ben")],
        media_config=app_media(bot),
    )
    call_id = place(bot, call)
    documented(bot, call_id, "call establishing", "call established")
    handle = bot.client.get(call_id)
    assert handle is not None
    handle.mute().wait(TIMEOUT)
    bot.in_step(call_id)
    assert bot.roster(call_id)["p-bot"] is True
    handle.unmute().wait(TIMEOUT)
    bot.in_step(call_id)
    assert bot.roster(call_id)["p-bot"] is False
    bot.hang_up(call_id)


def _refused(bot: Bot, call: Any) -> None:
    """Send a body the metadata rejects; ok when the 400 names the findings (code and path)
    that `python -m runtime validate` reports for the same body, and the bot reported it."""
    try:
        bot.client.create_call(call)
    except GraphError as exc:
        bot.report(exc)
    assert bot.reported, "the emulator accepted a body the metadata rejects"
    error = bot.reported[-1]
    assert error.status == 400, error
    sent = bot.emulator.sent_by_bot("POST")[-1]
    checker = validate_body(sent.body, request=f"POST {GRAPH_HOST}{sent.path}")
    expected = [(f.code, f.path) for f in checker.findings if f.severity == "error"]
    details = error.body["error"]["details"] if isinstance(error.body, dict) else []
    got = [(d["code"], d["target"]) for d in details]
    assert got == expected, f"the 400 says {got}; the checker {expected}"
    assert ("type.not-assignable", "$.targets[1]") in got, got
    assert not bot.client.calls(), "a refused create left a call handle"


def _group(bot: Bot, media: Any, subject: str) -> Any:
    """A group call of two users where the second is written as a participantInfo, as the
    seed page writes it (the metadata wants an invitationParticipantInfo)."""
    wrong = bot.classes.ParticipantInfo(
        identity=bot.classes.IdentitySet(
            user=bot.classes.Identity(id="user-dee", display_name="Dee")
        )
    )
    return outgoing(
        bot,
        direction=bot.classes.CallDirection.OUTGOING,
        subject=subject,
        source=bot_as(bot, "application", bot.emulator.app_id, "Standup Bot"),
        targets=[user(bot, "user-cai", "Cai"), wrong],
        media_config=media,
        tenant_id=bot.emulator.tenant,
    )


def group_call_with_service_hosted_media_refused(bot: Bot) -> None:
    """Seed 3: a group call with service-hosted media; refused (`targets[1]`)."""
    media = bot.classes.ServiceHostedMediaConfig(remove_from_default_audio_group=False)
    _refused(bot, _group(bot, media, "Standup, service-hosted media"))


def group_call_with_app_hosted_media_refused(bot: Bot) -> None:
    """Seed 4: a group call with app-hosted media; refused (`targets[1]`)."""
    media = app_media(bot, remove_from_default_audio_group=False)
    _refused(bot, _group(bot, media, "Standup, app-hosted media"))


def join_meeting_by_organizer_meeting_info(bot: Bot) -> None:
    """Seed 5: join a scheduled meeting by its organizer and chat thread, prompts prefetched;
    then attendees come in (a delta roster)."""
    call = outgoing(
        bot,
        media_config=prefetched(bot),
        chat_info=bot.classes.ChatInfo(thread_id=SCHEDULED_THREAD, message_id="0"),
        meeting_info=organizer(bot),
        tenant_id=bot.emulator.tenant,
    )
    call_id = join(bot, call)
    assert "p-organizer" in bot.roster(call_id)
    bot.emulator.join(call_id, "attendee-fay", "attendee-gus")
    bot.in_step(call_id)
    documented(bot, call_id, "roster", "delta roster")
    bot.hang_up(call_id)


def _by_join_meeting_id(bot: Bot, passcode: str | None) -> None:
    info = bot.classes.JoinMeetingIdMeetingInfo(join_meeting_id="3141592653", passcode=passcode)
    call = outgoing(
        bot, media_config=prefetched(bot), meeting_info=info, tenant_id=bot.emulator.tenant
    )
    call_id = join(bot, call)
    bot.emulator.join(call_id, "attendee-eve")
    bot.in_step(call_id)
    bot.hang_up(call_id)


def join_meeting_by_join_meeting_id_and_passcode(bot: Bot) -> None:
    """Seed 6: join a scheduled meeting by its join meeting ID and passcode."""
    _by_join_meeting_id(bot, "our-passcode-42")


def join_meeting_by_join_meeting_id(bot: Bot) -> None:
    """Seed 7: join a scheduled meeting by its join meeting ID alone (`passcode: null`)."""
    _by_join_meeting_id(bot, None)


def join_meeting_with_app_hosted_media(bot: Bot) -> None:
    """Seed 8: join a scheduled meeting by organizer, with app-hosted media."""
    call = outgoing(
        bot,
        direction=bot.classes.CallDirection.OUTGOING,
        media_config=app_media(bot),
        chat_info=bot.classes.ChatInfo(thread_id=SCHEDULED_THREAD, message_id="0"),
        meeting_info=organizer(bot),
        tenant_id=bot.emulator.tenant,
    )
    call_id = join(bot, call)
    bot.hang_up(call_id)


def join_channel_meeting(bot: Bot) -> None:
    """Seed 9: join a meeting held in a channel (its thread and message, its organizer)."""
    call = outgoing(
        bot,
        media_config=prefetched(bot),
        chat_info=bot.classes.ChatInfo(thread_id=CHANNEL_THREAD, message_id="1700000000042"),
        meeting_info=organizer(bot),
    )
    call_id = join(bot, call)
    assert the_call(bot, call_id).chat_info.thread_id == CHANNEL_THREAD
    bot.hang_up(call_id)


def join_channel_meeting_as_guest(bot: Bot) -> None:
    """Seed 10: join a channel meeting as a guest: the bot waits in the lobby, seeing only
    itself, until it is admitted; then it gets the roster."""
    call = outgoing(
        bot,
        source=bot_as(bot, "guest", "guest-visitor-7", "Visiting Bot"),
        media_config=prefetched(bot),
        chat_info=bot.classes.ChatInfo(thread_id=CHANNEL_THREAD, message_id="1700000000042"),
        meeting_info=organizer(bot),
    )
    call_id = join(bot, call)
    assert bot.lobby(call_id) == {"p-bot"} and set(bot.roster(call_id)) == {"p-bot"}
    bot.emulator.admit(call_id, "user-organizer-olga", "attendee-hiro")
    bot.in_step(call_id)
    assert bot.lobby(call_id) == set() and len(bot.roster(call_id)) == 3, bot.picture(call_id)
    documented(bot, call_id, "call established", "roster", "delta roster")
    bot.hang_up(call_id)


def _pstn(bot: Bot, media: Any) -> None:
    call = outgoing(
        bot,
        source=bot_as(bot, "application_instance", "app-instance-helpdesk", "Helpdesk Line"),
        targets=[phone(bot, "+14255550123")],
        media_config=media,
        tenant_id=bot.emulator.tenant,
    )
    call_id = place(bot, call)
    documented(bot, call_id, "call establishing", "call established")
    bot.hang_up(call_id)


def pstn_with_service_hosted_media(bot: Bot) -> None:
    """Seed 11: an application instance calls a phone number, service-hosted media."""
    _pstn(bot, bot.classes.ServiceHostedMediaConfig())


def pstn_with_app_hosted_media(bot: Bot) -> None:
    """Seed 12: an application instance calls a phone number, app-hosted media."""
    _pstn(bot, app_media(bot))


# -- more ways of using the calls API ----------------------------------------------------------


def group_call(bot: Bot) -> None:
    """Call two users at once, both invited as the metadata wants; mute one of them."""
    call_id = place(bot, outgoing(bot, targets=[user(bot, "user-cai"), user(bot, "user-dee")]))
    assert len(bot.roster(call_id)) == 3, bot.roster(call_id)
    handle = bot.client.get(call_id)
    assert handle is not None
    handle.participant("p-target-2").mute().wait(TIMEOUT)
    bot.in_step(call_id)
    assert bot.roster(call_id)["p-target-2"] is True
    bot.hang_up(call_id)


def transfer(bot: Bot) -> None:
    """Answer an incoming call, then transfer it to another user."""
    call_id = bot.incoming()
    handle = bot.client.get(call_id)
    assert handle is not None
    handle.answer(
        callback_uri=bot.callback,
        media_config=bot.classes.ServiceHostedMediaConfig(),
        accepted_modalities=[bot.classes.Modality.AUDIO],
    )
    bot.in_step(call_id, "established")
    handle.transfer(transfer_target=user(bot, "user-hal"))
    bot.in_step(call_id, "terminated")
    bot.wait(lambda: "terminated" in bot.states_seen(call_id), "the terminated event")
    seen = bot.states_seen(call_id)
    assert "transferring" in seen or "transferAccepted" in seen, seen
    documented(bot, call_id, "call transferring", "call transferAccepted", "call terminated")


def delta_rosters(bot: Bot) -> None:
    """People join and leave a group call one delta at a time."""
    call_id = place(bot, outgoing(bot, targets=[user(bot, "user-jo"), user(bot, "user-kim")]))
    emu = bot.emulator
    emu.join(call_id, "user-lee")
    emu.join(call_id, "user-max", "user-ned")
    emu.leave(call_id, "p-target-1")
    emu.leave(call_id, "p-user-max")
    bot.in_step(call_id)
    assert set(bot.roster(call_id)) == {"p-bot", "p-target-2", "p-user-lee", "p-user-ned"}
    bot.hang_up(call_id)


def incoming_answer(bot: Bot) -> None:
    """An incoming call is answered; the bot keeps it alive."""
    call_id = bot.incoming()
    handle = bot.client.get(call_id)
    assert handle is not None and handle.origin == "incoming"
    handle.answer(
        callback_uri=bot.callback,
        media_config=bot.classes.ServiceHostedMediaConfig(),
        accepted_modalities=[bot.classes.Modality.AUDIO],
    )
    bot.in_step(call_id, "established")
    handle.keep_alive()
    bot.hang_up(call_id)


def incoming_reject(bot: Bot) -> None:
    """An incoming call is rejected as busy."""
    call_id = bot.incoming()
    handle = bot.client.get(call_id)
    assert handle is not None
    handle.reject(reason="busy")
    bot.in_step(call_id, "terminated")


def incoming_redirect(bot: Bot) -> None:
    """An incoming call is redirected to someone else."""
    call_id = bot.incoming()
    handle = bot.client.get(call_id)
    assert handle is not None
    handle.redirect(targets=[user(bot, "user-oli")])
    bot.in_step(call_id, "terminated")


def invite_and_mute_all(bot: Bot) -> None:
    """Invite someone into a call, then mute everyone but the bot."""
    call_id = place(bot, outgoing(bot, targets=[user(bot, "user-pat")]))
    handle = bot.client.get(call_id)
    assert handle is not None
    handle.invite(participants=[user(bot, "user-quinn")]).wait(TIMEOUT)
    bot.in_step(call_id)
    assert len(bot.roster(call_id)) == 3
    handle.mute_all().wait(TIMEOUT)
    bot.in_step(call_id)
    assert all(muted for pid, muted in bot.roster(call_id).items() if pid != "p-bot")
    bot.hang_up(call_id)


def record_and_tones(bot: Bot) -> None:
    """Record a caller's answer, listen for tones, mark the call as recorded."""
    call_id = place(bot, outgoing(bot, targets=[user(bot, "user-ray")]))
    handle = bot.client.get(call_id)
    assert handle is not None
    handle.subscribe_to_tone().wait(TIMEOUT)
    handle.record_response(
        prompts=[prompt(bot, "https://bot.example.com/after-the-beep.wav")],
        max_record_duration_in_seconds=10,
    ).wait(TIMEOUT)
    handle.update_recording_status(status="recording").wait(TIMEOUT)
    bot.hang_up(call_id)


def service_ends_call(bot: Bot) -> None:
    """The service ends a call the bot did not hang up."""
    call_id = place(bot, outgoing(bot, targets=[user(bot, "user-sam")]))
    bot.emulator.end_call(call_id)
    bot.in_step(call_id, "terminated")
    bot.wait(lambda: bot.client.get(call_id) is None, "the ended call's handle to go")


SEED_EXAMPLES: dict[int, str] = {
    1: "p2p-with-service-hosted-media",
    2: "p2p-with-app-hosted-media",
    3: "group-call-with-service-hosted-media-refused",
    4: "group-call-with-app-hosted-media-refused",
    5: "join-meeting-by-organizer-meeting-info",
    6: "join-meeting-by-join-meeting-id-and-passcode",
    7: "join-meeting-by-join-meeting-id",
    8: "join-meeting-with-app-hosted-media",
    9: "join-channel-meeting",
    10: "join-channel-meeting-as-guest",
    11: "pstn-with-service-hosted-media",
    12: "pstn-with-app-hosted-media",
}
"""The create-call examples of the seed page (the beta "Create call" page), in page order →
the scenario that plays each, with our own bodies and the notifications the example shows."""

SCENARIOS: dict[str, Callable[[Bot], None]] = {
    "p2p-with-service-hosted-media": p2p_with_service_hosted_media,
    "p2p-with-app-hosted-media": p2p_with_app_hosted_media,
    "group-call-with-service-hosted-media-refused": group_call_with_service_hosted_media_refused,
    "group-call-with-app-hosted-media-refused": group_call_with_app_hosted_media_refused,
    "join-meeting-by-organizer-meeting-info": join_meeting_by_organizer_meeting_info,
    "join-meeting-by-join-meeting-id-and-passcode": join_meeting_by_join_meeting_id_and_passcode,
    "join-meeting-by-join-meeting-id": join_meeting_by_join_meeting_id,
    "join-meeting-with-app-hosted-media": join_meeting_with_app_hosted_media,
    "join-channel-meeting": join_channel_meeting,
    "join-channel-meeting-as-guest": join_channel_meeting_as_guest,
    "pstn-with-service-hosted-media": pstn_with_service_hosted_media,
    "pstn-with-app-hosted-media": pstn_with_app_hosted_media,
    "group-call": group_call,
    "transfer": transfer,
    "delta-rosters": delta_rosters,
    "incoming-answer": incoming_answer,
    "incoming-reject": incoming_reject,
    "incoming-redirect": incoming_redirect,
    "invite-and-mute-all": invite_and_mute_all,
    "record-and-tones": record_and_tones,
    "service-ends-call": service_ends_call,
}
"""Scenario name → its function; the names `--all-scenarios` prints (the seed's first)."""

UNCHECKED = {SEED_EXAMPLES[3], SEED_EXAMPLES[4]}
"""Scenarios whose bot sends without checking its own bodies (to reach the emulator's 400)."""

BETA = {*SEED_EXAMPLES.values(), "invite-and-mute-all"}
"""Scenarios run against beta URLs by default: the seed page is a beta page, and `muteAll` is
an action only beta declares."""

BETA_ONLY = {
    "invite-and-mute-all",
    SEED_EXAMPLES[3],  # removeFromDefaultAudioGroup
    SEED_EXAMPLES[4],
    SEED_EXAMPLES[5],  # allowConversationWithoutHost
    SEED_EXAMPLES[8],
    SEED_EXAMPLES[9],
    SEED_EXAMPLES[10],
}
"""Scenarios whose bodies or actions only beta declares: refused with another version."""


@contextmanager
def session(
    faults: Faults | None = None, *, version: str = "v1.0", **bot_options: Any
) -> Iterator[tuple[Emulator, Bot]]:
    """An emulator on a free port and a bot pointed at it, for as long as the block runs."""
    emulator = Emulator(faults=faults)
    try:
        bot = Bot(emulator, version=version, **bot_options)
        try:
            yield emulator, bot
        finally:
            bot.close()
    finally:
        emulator.close()


def run(
    name: str, faults: Faults | None = None, *, version: str | None = None, **bot_options: Any
) -> Emulator:
    """Run one scenario in a fresh emulator and bot (beta URLs for the seed page's and
    beta-only ones, else v1.0); `AssertionError` when it fails. Returns the emulator, closed,
    for what it logged (`sent_by_bot`, `sent_to_bot`, `notified`)."""
    scenario = SCENARIOS[name]
    if version is None:
        version = "beta" if name in BETA else "v1.0"
    elif name in BETA_ONLY and version != "beta":
        raise ValueError(f"scenario {name} uses what only beta declares; run it with 'beta'")
    bot_options.setdefault("check_requests", name not in UNCHECKED)
    with session(faults, version=version, **bot_options) as (emulator, bot):
        scenario(bot)
    return emulator
