"""Scenarios: a real bot (served receiver, `GraphTokenValidator`, `CallsClient`) against the
emulator, one function per way of using the calls API, in our own words and bodies.

Each scenario raises `AssertionError` when the bot's picture of a call (state, roster, mute
flags, operations) differs from the emulator's, or when the bot missed what it should see.
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
from ..checking.models import Models
from .server import Emulator, Faults

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
        check_requests: bool = True,
    ) -> None:
        """`refuse_first` callbacks get a 503 and each waits `slow` s (a down or slow bot)."""
        self.emulator = emulator
        validator = GraphTokenValidator(
            app_id=emulator.app_id, openid_config_url=emulator.openid_config_url
        )
        self._refusals = refuse_first
        self._slow = slow
        self._lock = threading.Lock()

        def authenticate(headers: Any) -> Any:
            with self._lock:
                refuse = self._refusals > 0
                self._refusals -= 1 if refuse else 0
            if self._slow:
                time.sleep(self._slow)
            if refuse:
                raise AuthUnavailable("the bot is down for a moment (fault injection)", 1)
            return validator(headers)

        self.dispatcher = Dispatcher()
        self.server = serve(NotificationReceiver(self.dispatcher, authenticate=authenticate))
        self.callback = f"{self.server.url}/api/calls"
        self.transport = GraphClient(lambda: "emulator-token", backoff=0.05, max_backoff=0.2)
        requests = CallsRequests(
            version=version,
            base_url=emulator.url,
            validator=None if check_requests else (lambda value, qname: []),
        )
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

    def states_seen(self, call_id: str) -> list[str]:
        """The states the bot's handlers were told of, in order."""
        with self.changed:
            return [
                str(e.state)
                for e in self.events
                if e.call_id == call_id and e.kind is EventKind.STATE
            ]

    def in_step(self, call_id: str, state: str | None = None) -> None:
        """Wait until the bot's picture of the call is the emulator's (state and roster)."""
        emu = self.emulator
        self.wait(
            lambda: (
                self.state(call_id) == (state or emu.state(call_id))
                and (state == "terminated" or self.roster(call_id) == emu.roster(call_id))
            ),
            f"the bot's picture of {call_id} to match the emulator's "
            f"(bot {self.state(call_id)} {self.roster(call_id)}, "
            f"emulator {emu.state(call_id)} {emu.roster(call_id)})",
        )

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


# -- scenarios -------------------------------------------------------------------------------


def p2p_service_hosted(bot: Bot) -> None:
    """Call one user with service-hosted media, play a prompt, hang up."""
    call_id = place(bot, outgoing(bot, targets=[user(bot, "user-ana", "Ana")]))
    handle = bot.client.get(call_id)
    assert handle is not None
    op = handle.play_prompt(prompts=[prompt(bot, "https://bot.example.com/hello.wav")])
    assert op.wait(TIMEOUT) is not None, "the prompt did not complete"
    bot.hang_up(call_id)
    bot.wait(lambda: "terminated" in bot.states_seen(call_id), "the terminated event")
    seen = bot.states_seen(call_id)
    assert seen[-1] == "terminated" and "established" in seen, seen


def p2p_app_hosted(bot: Bot) -> None:
    """Call one user with app-hosted media; mute and unmute the bot."""
    media = bot.classes.AppHostedMediaConfig(
        blob="<media session configuration of the bot's media stack>"
    )
    call_id = place(bot, outgoing(bot, targets=[user(bot, "user-ben")], media_config=media))
    handle = bot.client.get(call_id)
    assert handle is not None
    handle.mute().wait(TIMEOUT)
    bot.in_step(call_id)
    assert bot.roster(call_id)["p-bot"] is True
    handle.unmute().wait(TIMEOUT)
    bot.in_step(call_id)
    assert bot.roster(call_id)["p-bot"] is False
    bot.hang_up(call_id)


def group_call(bot: Bot) -> None:
    """Call two users at once; mute one of them."""
    call_id = place(bot, outgoing(bot, targets=[user(bot, "user-cai"), user(bot, "user-dee")]))
    assert len(bot.roster(call_id)) == 3, bot.roster(call_id)
    handle = bot.client.get(call_id)
    assert handle is not None
    handle.participant("p-target-2").mute().wait(TIMEOUT)
    bot.in_step(call_id)
    assert bot.roster(call_id)["p-target-2"] is True
    bot.hang_up(call_id)


def join_meeting_by_id(bot: Bot) -> None:
    """Join a scheduled meeting by its join meeting ID and passcode."""
    info = bot.classes.JoinMeetingIdMeetingInfo(join_meeting_id="1234567890123", passcode="s3cret")
    call_id = place(bot, outgoing(bot, meeting_info=info, tenant_id=bot.emulator.tenant))
    bot.emulator.join(call_id, "attendee-eve")
    bot.in_step(call_id)
    bot.hang_up(call_id)


def join_meeting_by_organizer(bot: Bot) -> None:
    """Join a scheduled meeting by its organizer and chat thread."""
    organizer = bot.classes.IdentitySet(
        user=bot.classes.Identity(id="user-organizer", display_name="Organizer")
    )
    call = outgoing(
        bot,
        meeting_info=bot.classes.OrganizerMeetingInfo(organizer=organizer),
        chat_info=bot.classes.ChatInfo(thread_id="19:meeting-thread@thread.v2", message_id="0"),
        tenant_id=bot.emulator.tenant,
    )
    call_id = place(bot, call)
    handle = bot.client.get(call_id)
    assert handle is not None and handle.origin == "joined", handle
    bot.emulator.join(call_id, "attendee-fay", "attendee-gus")
    bot.in_step(call_id)
    bot.hang_up(call_id)


def pstn_call(bot: Bot) -> None:
    """Call a phone number as an application instance."""
    source = bot.classes.ParticipantInfo(
        identity=bot.classes.CommunicationsIdentitySet(
            application_instance=bot.classes.Identity(id="app-instance-1", display_name="Helpdesk")
        )
    )
    target = bot.classes.InvitationParticipantInfo(
        identity=bot.classes.CommunicationsIdentitySet(
            phone=bot.classes.Identity(id="+12065550100")
        )
    )
    call_id = place(
        bot, outgoing(bot, source=source, targets=[target], tenant_id=bot.emulator.tenant)
    )
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


def content_sharing(bot: Bot) -> None:
    """Someone shares their screen in a call, then stops."""
    call_id = place(bot, outgoing(bot, targets=[user(bot, "user-ivy")]))
    tracker = bot.client.core.tracker

    def sessions() -> set[str]:
        snap = tracker.get(call_id)
        return set() if snap is None else set(snap.content_sharing_sessions)

    bot.emulator.share_content(call_id, "share-1")
    bot.wait(lambda: sessions() == {"share-1"}, "the sharing session")
    bot.emulator.share_content(call_id, "share-1", stop=True)
    bot.wait(lambda: sessions() == set(), "the sharing session to end")
    bot.hang_up(call_id)


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


def _refused(bot: Bot, call: Any) -> None:
    """Send a body the metadata rejects; ok when the 400 names the checker's finding."""
    try:
        bot.client.create_call(call)
    except GraphError as exc:
        bot.report(exc)
    assert bot.reported, "the emulator accepted a body the metadata rejects"
    error = bot.reported[-1]
    assert error.status == 400, error
    details = error.body["error"]["details"] if isinstance(error.body, dict) else []
    assert any(d["code"] == "type.not-assignable" for d in details), details
    assert not bot.client.calls(), "a refused create left a call handle"


def rejected_participant_info_target(bot: Bot) -> None:
    """A peer-to-peer create whose target is a participantInfo (the metadata wants an
    invitationParticipantInfo): the emulator answers 400 and the bot reports it."""
    target = bot.classes.ParticipantInfo(
        identity=bot.classes.IdentitySet(user=bot.classes.Identity(id="user-tia"))
    )
    _refused(bot, outgoing(bot, targets=[target]))


def rejected_participant_info_group(bot: Bot) -> None:
    """A group create with one participantInfo among its targets: refused the same way."""
    wrong = bot.classes.ParticipantInfo(
        identity=bot.classes.IdentitySet(user=bot.classes.Identity(id="user-uma"))
    )
    _refused(bot, outgoing(bot, targets=[user(bot, "user-vic"), wrong]))


SCENARIOS: dict[str, Callable[[Bot], None]] = {
    "p2p-service-hosted-media": p2p_service_hosted,
    "p2p-app-hosted-media": p2p_app_hosted,
    "group-call": group_call,
    "join-meeting-by-meeting-id": join_meeting_by_id,
    "join-meeting-by-organizer": join_meeting_by_organizer,
    "pstn-call": pstn_call,
    "transfer": transfer,
    "content-sharing": content_sharing,
    "delta-rosters": delta_rosters,
    "incoming-answer": incoming_answer,
    "incoming-reject": incoming_reject,
    "incoming-redirect": incoming_redirect,
    "invite-and-mute-all": invite_and_mute_all,
    "record-and-tones": record_and_tones,
    "service-ends-call": service_ends_call,
    "rejected-participant-info-target": rejected_participant_info_target,
    "rejected-participant-info-group": rejected_participant_info_group,
}
"""Scenario name → its function; the names `--all-scenarios` prints."""

UNCHECKED = {"rejected-participant-info-target", "rejected-participant-info-group"}
"""Scenarios whose bot sends without checking its own bodies (to reach the emulator's 400)."""

BETA_ONLY = {"invite-and-mute-all"}
"""Scenarios that use an action only beta declares (`muteAll`): they run against beta URLs."""


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
) -> None:
    """Run one scenario in a fresh emulator and bot (v1.0 URLs unless it needs beta);
    `AssertionError` when it fails."""
    scenario = SCENARIOS[name]
    if version is None:
        version = "beta" if name in BETA_ONLY else "v1.0"
    elif name in BETA_ONLY and version != "beta":
        raise ValueError(f"scenario {name} uses a beta-only action; run it with version='beta'")
    bot_options.setdefault("check_requests", name not in UNCHECKED)
    with session(faults, version=version, **bot_options) as (_, bot):
        scenario(bot)
