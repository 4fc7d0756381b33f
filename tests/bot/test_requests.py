"""Request builders: URLs per cloud and version, bodies written and validated strictly."""

from __future__ import annotations

import copy
import json
import re
import warnings
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generated import beta as generated
from generated.beta import ReadError
from generated.beta.microsoft_graph import (
    Call,
    CallAnswerParameters,
    CallChangeScreenSharingRoleParameters,
    CallKeepAliveParameters,
    CallMuteParameters,
    CallPlayPromptParameters,
    CallRejectParameters,
    CallTransferParameters,
    CollectionOfParticipantInviteParameters,
    CollectionOfParticipantMuteAllParameters,
    Identity,
    IdentitySet,
    InvitationParticipantInfo,
    MediaInfo,
    MediaPrompt,
    Modality,
    OutgoingCallOptions,
    ParticipantMuteParameters,
    RejectReason,
    ScreenSharingRole,
    ServiceHostedMediaConfig,
)
from runtime.bot.errors import InvalidBodyError
from runtime.bot.requests import CallsRequests, Cloud, Version, bound_actions
from runtime.checking.findings import Finding
from runtime.checking.resolve_type import type_request
from tests.conftest import SEED_PAGE

JOHN = InvitationParticipantInfo(
    identity=IdentitySet(user=Identity(display_name="John", id="112f7296"))
)


def peer_call() -> Call:
    """A minimal valid outgoing call to one user, service-hosted media."""
    return Call(
        callback_uri="https://bot.example/callback",
        targets=[JOHN],
        requested_modalities=[Modality.AUDIO],
        media_config=ServiceHostedMediaConfig(),
    )


@pytest.mark.parametrize(
    ("cloud", "version", "url"),
    [
        (Cloud.GLOBAL, "v1.0", "https://graph.microsoft.com/v1.0/communications/calls"),
        (Cloud.GLOBAL, "beta", "https://graph.microsoft.com/beta/communications/calls"),
        (Cloud.US_GOV_L4, "v1.0", "https://graph.microsoft.us/v1.0/communications/calls"),
        (Cloud.US_GOV_L5_DOD, "beta", "https://dod-graph.microsoft.us/beta/communications/calls"),
        (Cloud.CHINA, "v1.0", "https://microsoftgraph.chinacloudapi.cn/v1.0/communications/calls"),
    ],
)
def test_create_call_url_per_cloud_and_version(cloud: Cloud, version: Any, url: str) -> None:
    request = CallsRequests(cloud, version).create_call(peer_call())
    assert (request.method, request.url) == ("POST", url)
    assert request.headers["Content-Type"] == "application/json"


def test_create_call_body_is_the_models_json() -> None:
    request = CallsRequests().create_call(peer_call())
    assert request.json() == {
        "callbackUri": "https://bot.example/callback",
        "targets": [{"identity": {"user": {"displayName": "John", "id": "112f7296"}}}],
        "requestedModalities": ["audio"],
        "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
    }
    assert isinstance(request.body, bytes)
    assert request.body_type == request.returns == "microsoft.graph.call"


def test_a_bad_body_raises_with_every_finding() -> None:
    call = Call(targets=[JOHN], media_config=ServiceHostedMediaConfig())  # no callbackUri
    call.additional_data["state"] = "nonsense"  # state is declared: this goes out as an enum
    with pytest.raises(InvalidBodyError) as raised:
        CallsRequests().create_call(call)
    codes = {(f.code, f.path) for f in raised.value.findings}
    assert ("property.required", "$.callbackUri") in codes
    assert ("enum.unknown-member", "$.state") in codes
    assert "property.required" in str(raised.value)


def test_unknown_enum_member_is_an_error_when_sending() -> None:
    call = peer_call()
    call.requested_modalities = [Modality("smellovision")]
    with pytest.raises(InvalidBodyError) as raised:
        CallsRequests().create_call(call)
    assert [f.code for f in raised.value.findings] == ["enum.unknown-member"]


def test_warnings_are_kept_on_the_request() -> None:
    call = peer_call()
    call.additional_data["custom"] = 1  # call is open: a dynamic property is only a warning
    request = CallsRequests().create_call(call)
    assert [f.code for f in request.findings] == ["property.undeclared"]


def test_the_validator_is_a_seam() -> None:
    seen: list[tuple[Any, str]] = []

    def refuse(value: Any, qname: str) -> list[Finding]:
        seen.append((value, qname))
        return [Finding("error", "test.refused", "$", "no")]

    with pytest.raises(InvalidBodyError):
        CallsRequests(validator=refuse).create_call(peer_call())
    assert seen[0][1] == "microsoft.graph.call"


def test_deprecated_app_path_warns() -> None:
    with pytest.warns(DeprecationWarning, match="/app/calls"):
        calls = CallsRequests(version="beta", legacy_app_path=True)
    assert calls.delete_call("abc").url == "https://graph.microsoft.com/beta/app/calls/abc"


def test_no_warning_on_the_communications_path() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CallsRequests()


def test_delete_call() -> None:
    request = CallsRequests().delete_call("2e1a0b00-2db4")
    assert (request.method, request.url, request.body) == (
        "DELETE",
        "https://graph.microsoft.com/v1.0/communications/calls/2e1a0b00-2db4",
        None,
    )


@pytest.mark.parametrize("bad", ["", "a/b"])
def test_ids_that_would_change_the_path_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="call_id"):
        CallsRequests().delete_call(bad)


def test_the_action_list_comes_from_the_facts() -> None:
    actions = bound_actions()
    names = {a.name for a in actions.values()}
    # The list; the facts may have more (record, logTeleconferenceDeviceQuality, …).
    assert {
        "answer",
        "reject",
        "redirect",
        "transfer",
        "playPrompt",
        "recordResponse",
        "subscribeToTone",
        "keepAlive",
        "mute",
        "unmute",
        "updateRecordingStatus",
        "changeScreenSharingRole",
        "cancelMediaProcessing",
        "invite",
        "muteAll",
    } <= names
    facts = generated.schema()
    expected = {
        op.parameters
        for ops in facts.operations.values()
        for op in ops
        if op.binding in ("microsoft.graph.call", "microsoft.graph.participant")
    }
    assert set(actions) == expected


@pytest.mark.parametrize("spec", list(bound_actions().values()), ids=lambda s: s.parameters)
def test_every_action_url_resolves_to_its_operation(spec: Any) -> None:
    ids = {"call_id": "c1", "participant_id": "p1"}
    url = "https://graph.microsoft.com/beta/communications/calls/" + spec.path.format(**ids)
    typing = type_request("POST", url)
    assert typing.operation == spec.qname
    assert typing.body is not None and typing.body.qname == spec.parameters


@pytest.mark.parametrize("spec", list(bound_actions().values()), ids=lambda s: s.parameters)
def test_every_action_builds_or_lists_its_required_parameters(spec: Any) -> None:
    cls = generated.converter().class_of(spec.parameters)
    ids = {name: "x1" for name in spec.placeholders}
    calls = CallsRequests(version="beta")
    required = {
        p.name for p in generated.schema().types[spec.parameters].properties if not p.nullable
    }
    if required:
        with pytest.raises(InvalidBodyError) as raised:
            calls.action(cls(), **ids)
        assert {f.path.removeprefix("$.") for f in raised.value.findings} == required
    else:
        request = calls.action(cls(), **ids)
        assert request.url.endswith("/" + spec.name)
        assert request.json() == {}


ANSWER = CallAnswerParameters(
    callback_uri="https://bot.example/callback",
    media_config=ServiceHostedMediaConfig(),
    accepted_modalities=[Modality.AUDIO],
)
PROMPT = MediaPrompt(media_info=MediaInfo(uri="https://cdn.example/beep.wav", resource_id="r1"))


@pytest.mark.parametrize(
    ("parameters", "ids", "path", "body"),
    [
        (
            ANSWER,
            {"call_id": "c1"},
            "c1/answer",
            {
                "callbackUri": "https://bot.example/callback",
                "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig"},
                "acceptedModalities": ["audio"],
            },
        ),
        (
            CallRejectParameters(reason=RejectReason.BUSY),
            {"call_id": "c1"},
            "c1/reject",
            {"reason": "busy"},
        ),
        (
            CallTransferParameters(transfer_target=JOHN),
            {"call_id": "c1"},
            "c1/transfer",
            {"transferTarget": {"identity": {"user": {"displayName": "John", "id": "112f7296"}}}},
        ),
        (
            CallPlayPromptParameters(prompts=[PROMPT], client_context="ctx"),
            {"call_id": "c1"},
            "c1/playPrompt",
            {
                "prompts": [
                    {
                        "@odata.type": "#microsoft.graph.mediaPrompt",
                        "mediaInfo": {"uri": "https://cdn.example/beep.wav", "resourceId": "r1"},
                    }
                ],
                "clientContext": "ctx",
            },
        ),
        (CallKeepAliveParameters(), {"call_id": "c1"}, "c1/keepAlive", {}),
        (
            CallMuteParameters(client_context="m"),
            {"call_id": "c1"},
            "c1/mute",
            {"clientContext": "m"},
        ),
        (
            CallChangeScreenSharingRoleParameters(role=ScreenSharingRole.SHARER),
            {"call_id": "c1"},
            "c1/changeScreenSharingRole",
            {"role": "sharer"},
        ),
        (
            ParticipantMuteParameters(client_context="p"),
            {"call_id": "c1", "participant_id": "p9"},
            "c1/participants/p9/mute",
            {"clientContext": "p"},
        ),
        (
            CollectionOfParticipantInviteParameters(participants=[JOHN]),
            {"call_id": "c1"},
            "c1/participants/invite",
            {"participants": [{"identity": {"user": {"displayName": "John", "id": "112f7296"}}}]},
        ),
        (
            CollectionOfParticipantMuteAllParameters(participants=["p1", "p2"]),
            {"call_id": "c1"},
            "c1/participants/muteAll",
            {"participants": ["p1", "p2"]},
        ),
    ],
)
def test_actions(parameters: Any, ids: dict[str, str], path: str, body: object) -> None:
    request = CallsRequests(version="beta").action(parameters, **ids)
    assert request.method == "POST"
    assert request.url == f"https://graph.microsoft.com/beta/communications/calls/{path}"
    assert request.body is not None and json.loads(request.body) == body


def test_mute_picks_call_or_participant_by_parameters_class() -> None:
    calls = CallsRequests()
    assert calls.action(CallMuteParameters(), call_id="c").url.endswith("/calls/c/mute")
    with pytest.raises(TypeError, match="needs participant_id"):
        calls.action(ParticipantMuteParameters(), call_id="c")
    with pytest.raises(TypeError, match="takes no participant_id"):
        calls.action(CallMuteParameters(), call_id="c", participant_id="p")


def test_a_non_parameters_object_is_refused() -> None:
    with pytest.raises(TypeError, match="not the parameters"):
        CallsRequests().action(peer_call(), call_id="c")
    with pytest.raises(TypeError, match="takes a Call"):
        CallsRequests().create_call(ANSWER)  # type: ignore[arg-type]


def test_the_collection_bound_call_action_needs_no_id() -> None:
    spec = next(
        a
        for a in bound_actions().values()
        if a.binding_collection and a.binding == "microsoft.graph.call"
    )
    assert spec.placeholders == ()
    assert "{" not in spec.path


# -- the seed page's create-call requests, rebuilt ---------------------------------------------

SEED = SEED_PAGE
PAGE = "000_07ddc1617f89e2b3"

# The page's own errors, corrected before comparing. Syntax first: runtime.docs.docpages repairs
# these while reading (the test checks it did exactly these and nothing else).
SYNTAX_REPAIRS = {
    # A trailing comma after the last member of `meetingInfo` / `organizer`.
    f"{PAGE}#23-request": ["json.trailing-comma"],
    f"{PAGE}#25-request": ["json.trailing-comma"],
    f"{PAGE}#27-request": ["json.trailing-comma"],
}


def _second_target_is_an_invitation(body: dict[str, Any]) -> None:
    # `call.targets` is Collection(invitationParticipantInfo); the page names the second
    # target a `participantInfo`, a type that is not derived from it (strict: an error).
    assert body["targets"][1]["@odata.type"] == "#microsoft.graph.participantInfo"
    body["targets"][1]["@odata.type"] = "#microsoft.graph.invitationParticipantInfo"


CORRECTIONS = {
    f"{PAGE}#10-request": _second_target_is_an_invitation,  # group call, service-hosted media
    f"{PAGE}#12-request": _second_target_is_an_invitation,  # group call, app-hosted media
}


def seed_requests() -> list[Any]:
    """The create-call request examples of the seed page."""
    if not SEED.is_file():
        pytest.skip(f"SEED PAGE MISSING: {SEED} not found; these tests need ../shared/seeds")
    docpages = pytest.importorskip(
        "runtime.docs.docpages", reason="runtime.docs.docpages is not there yet"
    )
    examples = [e for e in docpages.read_page(SEED).examples if e.kind == "request"]
    assert len(examples) == 12
    return examples


def test_every_seed_request_is_rebuilt_from_typed_models() -> None:
    calls = CallsRequests(version="beta")
    for example in seed_requests():
        assert [f.code for f in example.repairs] == SYNTAX_REPAIRS.get(example.id, []), example.id
        documented = copy.deepcopy(example.value)
        if example.id in CORRECTIONS:
            with pytest.raises(ReadError, match="participantInfo"):  # uncorrected: no Call
                generated.converter().read_as(documented, Call)
            CORRECTIONS[example.id](documented)
        typed = generated.converter().read_as(documented, Call)
        request = calls.create_call(typed)
        assert (request.method, request.url) == (example.method, example.url), example.id
        assert request.json() == documented, example.id
        # What is left are warnings: dynamic properties such as identitySet.phone, which the
        # page uses without naming communicationsIdentitySet.
        assert {f.severity for f in request.findings} <= {"warning"}, example.id


def test_the_first_seed_request_built_by_hand() -> None:
    (first, *_) = seed_requests()
    call = Call(
        callback_uri="https://bot.contoso.com/callback",
        targets=[
            InvitationParticipantInfo(
                identity=IdentitySet(
                    user=Identity(display_name="John", id="112f7296-5fa4-42ca-bae8-6a692b15d4b8")
                )
            )
        ],
        requested_modalities=[Modality.AUDIO],
        call_options=OutgoingCallOptions(is_content_sharing_notification_enabled=True),
        media_config=ServiceHostedMediaConfig(),
    )
    # The page writes @odata.type on every object; the converter can do the same.
    calls = CallsRequests(version="beta", converter=generated.converter(always_emit_type=True))
    request = calls.create_call(call)
    assert request.url == first.url
    assert request.json() == first.value
    assert request.findings == ()


def test_base_url_replaces_the_cloud_host() -> None:
    calls = CallsRequests(Cloud.CHINA, "beta", base_url="http://127.0.0.1:9/")
    assert calls.calls_url == "http://127.0.0.1:9/beta/communications/calls"


def test_the_calls_path_is_a_route_of_the_metadata() -> None:
    # The builders' path must be where the generated facts say calls live.
    assert generated.schema().routes["communications/calls"] == ("microsoft.graph.call", True)


@pytest.mark.parametrize(
    ("cloud", "version", "url"),
    [
        ("global", "v1.0", "https://graph.microsoft.com/v1.0/communications/calls"),
        ("GLOBAL", Version.BETA, "https://graph.microsoft.com/beta/communications/calls"),
        ("usgov-l4", "Beta", "https://graph.microsoft.us/beta/communications/calls"),
        ("US_GOV_L4", Version.V1, "https://graph.microsoft.us/v1.0/communications/calls"),
        ("gcc-high", "v1.0", "https://graph.microsoft.us/v1.0/communications/calls"),
        ("usgov-l5", "v1.0", "https://dod-graph.microsoft.us/v1.0/communications/calls"),
        ("dod", "beta", "https://dod-graph.microsoft.us/beta/communications/calls"),
        ("China", " v1.0 ", "https://microsoftgraph.chinacloudapi.cn/v1.0/communications/calls"),
        (
            "https://graph.microsoft.us/",
            "v1.0",
            "https://graph.microsoft.us/v1.0/communications/calls",
        ),
    ],
)
def test_cloud_and_version_as_strings(cloud: str, version: Any, url: str) -> None:
    calls = CallsRequests(cloud, version)
    assert calls.create_call(peer_call()).url == url
    assert isinstance(calls.cloud, Cloud) and isinstance(calls.version, Version)


@pytest.mark.parametrize(
    ("cloud", "version", "message"),
    [
        ("mars", "v1.0", "unknown cloud 'mars'"),
        ("", "v1.0", "unknown cloud ''"),
        ("global", "v2.0", "version must be 'beta' or 'v1.0'"),
        ("global", "", "version must be 'beta' or 'v1.0'"),
    ],
)
def test_unknown_cloud_or_version_is_a_clear_error(cloud: str, version: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        CallsRequests(cloud, version)


def test_a_cloud_of_the_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="cloud must be a Cloud or a str"):
        CallsRequests(42)  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=40))
def test_any_cloud_or_version_text_parses_or_says_why(text: str) -> None:
    for parse in (Cloud.parse, Version.parse):
        try:
            parsed = parse(text)
        except ValueError as exc:
            assert repr(text[:60]) in str(exc)
        else:
            assert parse(parsed) is parsed


def test_a_body_mixing_two_models_packages_is_refused_with_the_part_named() -> None:
    """One package writes a body: a beta object inside a v1.0 body gets a clear error, not a
    half-written body."""
    import generated.beta.microsoft_graph as beta
    import generated.v1_0.microsoft_graph as v1

    who = beta.InvitationParticipantInfo(identity=beta.IdentitySet(user=beta.Identity(id="u1")))
    params = v1.CollectionOfParticipantInviteParameters(participants=[who])
    with pytest.raises(TypeError, match=r"participants\[0\] is a generated\.beta object"):
        CallsRequests(version="v1.0").action(params, call_id="c1")
    same = v1.InvitationParticipantInfo(identity=v1.IdentitySet(user=v1.Identity(id="u1")))
    request = CallsRequests(version="v1.0").action(
        v1.CollectionOfParticipantInviteParameters(participants=[same]), call_id="c1"
    )
    assert b'"u1"' in request.body
