"""The sync face of the calls client: `CallsClient` and its `Call` handles.

```python
client = CallsClient(transport, requests=CallsRequests(base_url=...))
client.attach(dispatcher)                 # the receiver's dispatcher
call = client.create_call(Call(...))
call.play_prompt(prompts=[...]).wait(30)  # returns when the operation's notification arrives
call.participant("p1").mute().wait()
call.hang_up()
```
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from .core import ActionMethod, BaseCall, CallsCore
from .errors import NotFoundError
from .events import EventKind, Handler, ThreadRunner
from .notifications import Dispatcher
from .operations import Operation
from .requests import CallsRequests, GraphRequest
from .resources import CallResource
from .responses import raise_for_status
from .store import StateStore
from .transport import HttpResponse, Transport

log = logging.getLogger("runtime.bot")


class Call(BaseCall):
    """A live call: its resource, participants, events and a method per bound action."""

    _client: CallsClient

    def __getattr__(self, name: str) -> Any:
        method = self._core.call_methods.get(name)
        if method is None:
            raise AttributeError(f"{type(self).__name__} has no attribute or action {name!r}")
        return lambda *args, **kwargs: self._client._act(self.call_id, method, args, kwargs)

    def participant(self, participant_id: str) -> ParticipantRef:
        """Actions bound to one participant (`mute`, …)."""
        return ParticipantRef(self, participant_id)

    def hang_up(self) -> None:
        """`DELETE` the call; its handle is dropped when `terminated` arrives."""
        self._client._send(self._core.requests.delete_call(self.call_id), ok=True)


class ParticipantRef:
    """One participant's bound actions, as methods."""

    def __init__(self, call: Call, participant_id: str) -> None:
        self.call = call
        self.participant_id = participant_id

    def __getattr__(self, name: str) -> Any:
        method = self.call._core.participant_methods.get(name)
        if method is None:
            raise AttributeError(f"a participant has no action {name!r}")

        def act(*args: Any, **kwargs: Any) -> Operation:
            kwargs["participant_id"] = self.participant_id
            return self.call._client._act(self.call.call_id, method, args, kwargs)

        return act

    def __dir__(self) -> list[str]:
        return [*super().__dir__(), *self.call._core.participant_methods]


class CallsClient:
    """Calls as handles; events per call in order on worker threads; keep-alive on a thread."""

    def __init__(
        self,
        transport: Transport,
        *,
        requests: CallsRequests | None = None,
        store: StateStore | None = None,
        **options: Any,
    ) -> None:
        """`options` go to `CallsCore` (`keep_alive_interval`, `operation_timeout`, …)."""
        self.transport = transport
        self.runner = ThreadRunner()
        self.core: CallsCore[Call] = CallsCore(
            requests or CallsRequests(), self.runner, self._make, store=store, **options
        )
        self._closed = threading.Event()
        self._keeper = threading.Thread(target=self._keep_alive, name="keep-alive", daemon=True)
        self._keeper.start()

    def _make(
        self, core: CallsCore[Call], call_id: str, origin: str, res: CallResource | None
    ) -> Call:
        handle = Call(core, call_id, origin, res)
        handle._client = self
        return handle

    def attach(self, dispatcher: Dispatcher) -> None:
        """Receive the notifications of a receiver's dispatcher."""
        self.core.attach(dispatcher)

    def on(self, kind: EventKind | None, handler: Handler[Call]) -> Handler[Call]:
        """Run `handler` on every call's events of `kind` (None: all)."""
        return self.core.on(kind, handler)

    def calls(self) -> dict[str, Call]:
        """The live calls' handles by id."""
        return dict(self.core.handles)

    def get(self, call_id: str) -> Call | None:
        """A live call's handle."""
        return self.core.handles.get(call_id)

    def _send(self, request: GraphRequest, ok: bool = False) -> HttpResponse:
        response = self.transport.send(request)
        if ok:
            raise_for_status(response.status, response.headers, response.body)
        return response

    def create_call(self, call: CallResource, *, origin: str | None = None) -> Call:
        """`POST` a new call (outgoing, or joining a meeting) and keep its handle."""
        joined = bool(call.meeting_info or call.chat_info)
        r = self._send(self.core.requests.create_call(call))
        return self.core.created(
            r.status, r.headers, r.body, origin or ("joined" if joined else "created")
        )

    def _act(
        self, call_id: str, method: ActionMethod, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Operation:
        r = self._send(self.core.prepare(method, args, kwargs, call_id))
        op = self.core.finish(method, call_id, r.status, r.headers, r.body)
        handle = self.core.handles.get(call_id)
        if handle is not None and method.spec.name == "answer":
            handle.origin = "answered"
        return op

    def rehydrate(self, call_id: str) -> Call | None:
        """`GET` a call known from the store (after a restart); None if it ended."""
        try:
            r = self._send(self.core.get_request(call_id))
        except NotFoundError:  # a transport that raises Graph errors (`GraphClient` does)
            return self.core.rehydrated(call_id, 404, {}, b"")
        return self.core.rehydrated(call_id, r.status, r.headers, r.body)

    def rehydrate_all(self) -> list[Call]:
        """Rehydrate every call in the store."""
        return [c for cid in self.core.store.call_ids() if (c := self.rehydrate(cid)) is not None]

    def idle(self, timeout: float | None = None) -> bool:
        """Wait until every queued event ran (for tests and shutdown)."""
        return self.runner.idle(timeout)

    def _keep_alive(self) -> None:
        keep_alive = self.core.call_methods["keep_alive"]
        while not self._closed.is_set():
            due, wait = self.core.keep_alive_due()
            for call_id in due:
                try:
                    self._act(call_id, keep_alive, (), {})
                    log.debug("keep-alive of call %s sent", call_id, extra={"call_id": call_id})
                except Exception:  # a failed keep-alive is retried at the next turn
                    log.warning(
                        "keep-alive of call %s failed",
                        call_id,
                        exc_info=True,
                        extra={"call_id": call_id},
                    )
            self.core.keep_alive_changed.wait(wait)

    def close(self) -> None:
        """Stop the keep-alive thread."""
        self._closed.set()
        self.core.keep_alive_changed.set()
        self._keeper.join(5)

    def __enter__(self) -> CallsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
