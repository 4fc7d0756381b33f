"""Which types a package holds: the closure of roots, on an inline model and on real Graph."""

from __future__ import annotations

import pytest

from codegen.closure import Scope, closure, everything, unknown_roots
from codegen.model import Model
from codegen.sources import load_sources
from tests.factories import model_of_schemas, schema

DOC = schema(
    "t",
    """
    <EntityType Name="entity" Abstract="true">
      <Key><PropertyRef Name="id" /></Key>
      <Property Name="id" Type="Edm.String" Nullable="false" />
    </EntityType>
    <EntityType Name="call" BaseType="t.entity">
      <Property Name="source" Type="t.info" />
      <Property Name="state" Type="t.state" />
      <Property Name="when" Type="t.stamp" />
      <NavigationProperty Name="participants" Type="Collection(t.participant)"
        ContainsTarget="true" />
    </EntityType>
    <EntityType Name="participant" BaseType="t.entity">
      <Property Name="info" Type="t.info" />
      <NavigationProperty Name="meeting" Type="t.meeting" />
    </EntityType>
    <EntityType Name="specialParticipant" BaseType="t.participant" />
    <EntityType Name="meeting" BaseType="t.entity" />
    <EntityType Name="user" BaseType="t.entity" />
    <EntityType Name="group" BaseType="t.entity" />
    <ComplexType Name="info">
      <Property Name="identity" Type="t.identity" />
    </ComplexType>
    <ComplexType Name="identity" Abstract="true" />
    <ComplexType Name="userIdentity" BaseType="t.identity" />
    <ComplexType Name="guestIdentity" BaseType="t.userIdentity" />
    <ComplexType Name="unused" />
    <ComplexType Name="answerOptions" />
    <ComplexType Name="muteResult" />
    <ComplexType Name="meetingOptions" />
    <EnumType Name="state"><Member Name="idle" /></EnumType>
    <EnumType Name="unusedEnum"><Member Name="x" /></EnumType>
    <TypeDefinition Name="stamp" UnderlyingType="Edm.DateTimeOffset" />
    <Action Name="answer" IsBound="true">
      <Parameter Name="bindingParameter" Type="t.call" />
      <Parameter Name="options" Type="t.answerOptions" />
    </Action>
    <Action Name="muteAll" IsBound="true">
      <Parameter Name="bindingParameter" Type="Collection(t.call)" />
      <ReturnType Type="t.muteResult" />
    </Action>
    <Action Name="configure" IsBound="true">
      <Parameter Name="bindingParameter" Type="t.meeting" />
      <Parameter Name="options" Type="t.meetingOptions" />
    </Action>
    <Action Name="reset" />
    """,
)


@pytest.fixture(scope="module")
def model() -> Model:
    return model_of_schemas(DOC)


@pytest.fixture(scope="module")
def calls(model: Model) -> Scope:
    return closure(model, ["t.call"])


def test_root_and_its_base_types(calls: Scope) -> None:
    assert {"t.call", "t.entity"} <= calls.types


def test_property_types_and_their_derived_types(calls: Scope) -> None:
    assert {"t.info", "t.state"} <= calls.types
    # Declared t.identity may hold any subtype on the wire, at any depth.
    assert {"t.identity", "t.userIdentity", "t.guestIdentity"} <= calls.types


def test_navigation_targets_of_roots_with_their_derived_types(calls: Scope) -> None:
    assert {"t.participant", "t.specialParticipant"} <= calls.types


def test_navigation_targets_of_non_roots_are_not_followed(calls: Scope) -> None:
    # t.participant is in scope, but it is no root: its navigation target stays out.
    assert "t.meeting" not in calls.types


def test_not_every_subtype_of_the_roots_base(calls: Scope) -> None:
    assert not {"t.user", "t.group", "t.meeting"} & calls.types


def test_unused_types_and_type_definitions_stay_out(calls: Scope) -> None:
    assert not {"t.unused", "t.unusedEnum"} & calls.types
    # A type definition is rendered as its underlying primitive, never as a class.
    assert "t.stamp" not in calls.types


def test_bound_operations_of_roots_and_their_types(calls: Scope) -> None:
    assert sorted(op.qname for op in calls.operations) == ["t.answer", "t.muteAll"]
    # Parameter and return types come along.
    assert {"t.answerOptions", "t.muteResult"} <= calls.types
    # Operations bound to non-roots, and unbound ones, do not.
    assert "t.meetingOptions" not in calls.types


def test_exact_closure(calls: Scope) -> None:
    assert sorted(calls.types) == [
        "t.answerOptions",
        "t.call",
        "t.entity",
        "t.guestIdentity",
        "t.identity",
        "t.info",
        "t.muteResult",
        "t.participant",
        "t.specialParticipant",
        "t.state",
        "t.userIdentity",
    ]


def test_everything(model: Model) -> None:
    scope = everything(model)
    assert scope.types == frozenset(model.types)
    assert sorted(op.qname for op in scope.operations) == [
        "t.answer",
        "t.configure",
        "t.muteAll",
        "t.reset",
    ]


def test_unknown_roots(model: Model) -> None:
    assert unknown_roots(model, ["t.call", "t.nope", "t.state", "t.stamp"]) == [
        "t.nope",
        "t.state",
        "t.stamp",
    ]


def test_closure_is_deterministic(model: Model) -> None:
    a = closure(model, ["t.call", "t.participant"])
    b = closure(model, ["t.participant", "t.call"])
    assert a.types == b.types
    assert sorted(o.qname for o in a.operations) == sorted(o.qname for o in b.operations)


# -- the pinned inputs behind generated/ ----------------------------------------------------


@pytest.fixture(scope="module")
def calls_closure(graph_model_with_calls: Model) -> Scope:
    return closure(graph_model_with_calls, load_sources().roots)


def test_real_calls_closure_membership(calls_closure: Scope) -> None:
    types = calls_closure.types
    # The roots and what call's properties need (communicationsIdentitySet derives from
    # identitySet, which participantInfo.identity declares; call.targets holds
    # invitationParticipantInfo).
    for qname in (
        "microsoft.graph.call",
        "microsoft.graph.participant",
        "microsoft.graph.commsNotifications",
        "microsoft.graph.contentSharingSession",
        "microsoft.graph.commsOperation",
        "microsoft.graph.entity",
        "microsoft.graph.participantInfo",
        "microsoft.graph.identitySet",
        "microsoft.graph.communicationsIdentitySet",
        "microsoft.graph.invitationParticipantInfo",
        "microsoft.graph.communicationsUserIdentity",
        "microsoft.graph.inviteParticipantsOperation",
        # commsApplication's navigation targets.
        "microsoft.graph.onlineMeeting",
        "microsoft.graph.audioRoutingGroup",
    ):
        assert qname in types, qname
    for qname in (
        "microsoft.graph.user",
        "microsoft.graph.group",
        "microsoft.graph.driveItem",
        # A navigation target of onlineMeeting, which is no root.
        "microsoft.graph.meetingAttendanceReport",
        # The same short name in another namespace, not referenced by the calls API.
        "microsoft.graph.callRecords.participant",
    ):
        assert qname not in types, qname
    assert {q.rpartition(".")[0] for q in types} == {"microsoft.graph"}
    # Every subtype of identity (declared by identitySet's properties) is there.
    assert "microsoft.graph.userIdentity" in types
    assert 100 < len(types) < 200, len(types)


def test_real_calls_closure_operations(calls_closure: Scope) -> None:
    ops = {(op.qname, str(op.binding)) for op in calls_closure.operations}
    assert ("microsoft.graph.answer", "microsoft.graph.call") in ops
    assert ("microsoft.graph.mute", "microsoft.graph.participant") in ops
    assert ("microsoft.graph.invite", "Collection(microsoft.graph.participant)") in ops
    assert (
        "microsoft.graph.logTeleconferenceDeviceQuality",
        "Collection(microsoft.graph.call)",
    ) in ops
    roots = set(load_sources().roots)
    for op in calls_closure.operations:
        assert op.binding is not None and op.binding.qname in roots, op.qname
