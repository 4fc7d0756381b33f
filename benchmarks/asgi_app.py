"""The ASGI app `make bench` serves with uvicorn: `/noop` answers 202 without reading the body,
any other path is `NotificationReceiver.asgi` with a tracker attached."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from runtime.bot.notifications import Dispatcher
from runtime.bot.receiver import NotificationReceiver
from runtime.bot.tracker import CallTracker

Message = MutableMapping[str, Any]

dispatcher = Dispatcher()
CallTracker().attach(dispatcher)
receiver = NotificationReceiver(dispatcher)


async def noop(
    scope: Message,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    """Answer 202 with nothing read: the server's own cost."""
    await send(
        {"type": "http.response.start", "status": 202, "headers": [(b"content-length", b"0")]}
    )
    await send({"type": "http.response.body", "body": b""})


async def app(
    scope: Message,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    """Route `/noop` to the no-op, the rest to the receiver."""
    if scope["type"] != "http":
        return
    target = noop if scope["path"] == "/noop" else receiver.asgi
    await target(scope, receive, send)
