"""What the bot SDK reads of the calls API's resources, as Protocols.

The SDK works with the objects of any models package (beta, v1.0, a vendored copy) and tells
them apart by their CSDL type (`runtime.checking.models.is_a`), never by one package's classes.
These Protocols name the attributes it reads, so that mypy checks each read against one
definition instead of each module taking `Any`.
"""

from __future__ import annotations

from typing import Any, Protocol

from ..checking.models import ODataObject

__all__ = [
    "CallResource",
    "CommsOperation",
    "ContentSharingSession",
    "DeltaParticipants",
    "Entity",
    "ODataObject",
    "Participant",
]


class Entity(Protocol):
    """An entity of any models package: it has an id (a string, None or the package's UNSET)."""

    @property
    def id(self) -> Any: ...


class CallResource(Entity, Protocol):
    """A `microsoft.graph.call`."""

    @property
    def state(self) -> Any: ...

    @property
    def meeting_info(self) -> Any: ...

    @property
    def chat_info(self) -> Any: ...


class Participant(Entity, Protocol):
    """A `microsoft.graph.participant`."""

    @property
    def is_muted(self) -> Any: ...

    @property
    def is_in_lobby(self) -> Any: ...

    @property
    def roster_sequence_number(self) -> Any: ...


class ContentSharingSession(Entity, Protocol):
    """A `microsoft.graph.contentSharingSession`."""


class CommsOperation(Entity, Protocol):
    """A `microsoft.graph.commsOperation` or one derived from it."""

    @property
    def status(self) -> Any: ...

    @property
    def result_info(self) -> Any: ...


class DeltaParticipants(Entity, Protocol):
    """A `microsoft.graph.deltaParticipants`: a roster change with its sequence number."""

    @property
    def sequence_number(self) -> Any: ...

    @property
    def participants(self) -> Any: ...
