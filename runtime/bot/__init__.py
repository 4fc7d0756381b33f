"""A stateful calling-bot client: `Call` handles, ordered events, awaitable operations.

One core (`core.CallsCore`) with a sync face (`CallsClient`, threads) and an asyncio face
(`AsyncCallsClient`, tasks). It sends through any `Transport` and hears Graph through a
`runtime.bot.receiver.NotificationReceiver`'s dispatcher (`client.attach(dispatcher)`).
"""

from .aio import AsyncCall, AsyncCallsClient
from .events import CallEvent, EventKind
from .operations import CallEnded, Operation, OperationFailed, OperationTimeout
from .store import MemoryStore, StateStore, StoredCall
from .sync import Call, CallsClient
from .transport import (
    AsyncHttpxTransport,
    AsyncTransport,
    HttpResponse,
    HttpxTransport,
    Response,
    Transport,
)

__all__ = [
    "AsyncCall",
    "AsyncCallsClient",
    "AsyncHttpxTransport",
    "AsyncTransport",
    "Call",
    "CallEnded",
    "CallEvent",
    "CallsClient",
    "EventKind",
    "HttpResponse",
    "HttpxTransport",
    "MemoryStore",
    "Operation",
    "OperationFailed",
    "OperationTimeout",
    "Response",
    "StateStore",
    "StoredCall",
    "Transport",
]
