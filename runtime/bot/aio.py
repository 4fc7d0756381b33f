"""The asyncio face of the calls client: `AsyncCallsClient` and its `AsyncCall` handles.

```python
client = AsyncCallsClient(transport)      # inside a running event loop
client.attach(dispatcher)
call = await client.create_call(Call(...))
op = await call.play_prompt(prompts=[...])  # sent; `op` is the operation
await op                                    # completed (or OperationFailed / OperationTimeout)
await (await call.participant("p1").mute())
await call.hang_up()
```
Handlers may be `async def`; events of one call run one at a time on a task of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from .core import ActionMethod, BaseCall, CallsCore
from .errors import NotFoundError
from .events import EventKind, Handler, TaskRunner
from .notifications import Dispatcher
from .operations import Operation
from .requests import CallsRequests, GraphRequest
from .resources import CallResource
from .responses import raise_for_status
from .store import StateStore
from .transport import AsyncTransport, HttpResponse

log = logging.getLogger("runtime.bot")


class AsyncCall(BaseCall):
    """A live call; each action method is a coroutine that returns the (awaitable) operation."""

    _client: AsyncCallsClient

    def __getattr__(self, name: str) -> Any:
        method = self._core.call_methods.get(name)
        if method is None:
            raise AttributeError(f"{type(self).__name__} has no attribute or action {name!r}")
        return lambda *args, **kwargs: self._client._act(self.call_id, method, args, kwargs)

    def participant(self, participant_id: str) -> AsyncParticipantRef:
        """Actions bound to one participant (`mute`, …)."""
        return AsyncParticipantRef(self, participant_id)

    async def hang_up(self) -> None:
        """`DELETE` the call; its handle is dropped when `terminated` arrives."""
        await self._client._send(self._core.requests.delete_call(self.call_id), ok=True)


class AsyncParticipantRef:
    """One participant's bound actions, as coroutine methods."""

    def __init__(self, call: AsyncCall, participant_id: str) -> None:
        self.call = call
        self.participant_id = participant_id

    def __getattr__(self, name: str) -> Any:
        method = self.call._core.participant_methods.get(name)
        if method is None:
            raise AttributeError(f"a participant has no action {name!r}")

        async def act(*args: Any, **kwargs: Any) -> Operation:
            kwargs["participant_id"] = self.participant_id
            return await self.call._client._act(self.call.call_id, method, args, kwargs)

        return act


class AsyncCallsClient:
    """Calls as handles; events per call in order on tasks; keep-alive on a task."""

    def __init__(
        self,
        transport: AsyncTransport,
        *,
        requests: CallsRequests | None = None,
        store: StateStore | None = None,
        **options: Any,
    ) -> None:
        """Build inside a running loop. `options`: as for `CallsClient`."""
        self.transport = transport
        self.loop = asyncio.get_running_loop()
        self.runner = TaskRunner(self.loop)
        self.core: CallsCore[AsyncCall] = CallsCore(
            requests or CallsRequests(), self.runner, self._make, store=store, **options
        )
        self._keeper = self.loop.create_task(self._keep_alive(), name="keep-alive")

    def _make(
        self, core: CallsCore[AsyncCall], call_id: str, origin: str, res: CallResource | None
    ) -> AsyncCall:
        handle = AsyncCall(core, call_id, origin, res)
        handle._client = self
        return handle

    def attach(self, dispatcher: Dispatcher) -> None:
        """Receive the notifications of a receiver's dispatcher (from any thread)."""
        self.core.attach(dispatcher)

    def on(self, kind: EventKind | None, handler: Handler[AsyncCall]) -> Handler[AsyncCall]:
        """Run `handler` (sync or async) on every call's events of `kind` (None: all)."""
        return self.core.on(kind, handler)

    def calls(self) -> dict[str, AsyncCall]:
        """The live calls' handles by id."""
        return dict(self.core.handles)

    def get(self, call_id: str) -> AsyncCall | None:
        """A live call's handle."""
        return self.core.handles.get(call_id)

    async def _send(self, request: GraphRequest, ok: bool = False) -> HttpResponse:
        response = await self.transport.send(request)
        if ok:
            raise_for_status(response.status, response.headers, response.body)
        return response

    async def create_call(self, call: CallResource, *, origin: str | None = None) -> AsyncCall:
        """`POST` a new call (outgoing, or joining a meeting) and keep its handle."""
        joined = bool(call.meeting_info or call.chat_info)
        r = await self._send(self.core.requests.create_call(call))
        made = origin or ("joined" if joined else "created")
        return self.core.created(r.status, r.headers, r.body, made)

    async def _act(
        self, call_id: str, method: ActionMethod, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Operation:
        r = await self._send(self.core.prepare(method, args, kwargs, call_id))
        op = self.core.finish(method, call_id, r.status, r.headers, r.body)
        handle = self.core.handles.get(call_id)
        if handle is not None and method.spec.name == "answer":
            handle.origin = "answered"
        return op

    async def rehydrate(self, call_id: str) -> AsyncCall | None:
        """`GET` a call known from the store (after a restart); None if it ended."""
        try:
            r = await self._send(self.core.get_request(call_id))
        except NotFoundError:  # a transport that raises Graph errors (`GraphClient` does)
            return self.core.rehydrated(call_id, 404, {}, b"")
        return self.core.rehydrated(call_id, r.status, r.headers, r.body)

    async def rehydrate_all(self) -> list[AsyncCall]:
        """Rehydrate every call in the store."""
        out = []
        for call_id in self.core.store.call_ids():
            handle = await self.rehydrate(call_id)
            if handle is not None:
                out.append(handle)
        return out

    async def idle(self) -> None:
        """Wait until every queued event ran (for tests and shutdown)."""
        await self.runner.idle()

    async def _keep_alive(self) -> None:
        keep_alive = self.core.call_methods["keep_alive"]
        while True:
            due, wait = self.core.keep_alive_due()
            for call_id in due:
                try:
                    await self._act(call_id, keep_alive, (), {})
                    log.debug("keep-alive of call %s sent", call_id, extra={"call_id": call_id})
                except Exception:  # a failed keep-alive is retried at the next turn
                    log.warning(
                        "keep-alive of call %s failed",
                        call_id,
                        exc_info=True,
                        extra={"call_id": call_id},
                    )
            # The schedule changes from other threads; look again at least every second.
            await asyncio.sleep(min(wait if wait is not None else 1.0, 1.0))

    async def close(self) -> None:
        """Stop the keep-alive task."""
        self._keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._keeper
