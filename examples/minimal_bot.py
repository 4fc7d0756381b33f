"""A minimal calling bot: build a create-call request, receive notifications, print call state.

    python examples/minimal_bot.py --port 8080   # serve until Ctrl-C
    python examples/minimal_bot.py --demo        # post two notifications to itself, then exit
    python examples/minimal_bot.py --emulator --all-scenarios   # every scenario, offline

Graph must reach the callback URL over HTTPS (a reverse proxy or tunnel in front of the port);
send the printed request with your bearer token, e.g. with `runtime.bot.client.GraphClient`.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import threading

from generated.v1_0.microsoft_graph import (  # the v1.0 models, for the v1.0 API
    Call,
    Identity,
    IdentitySet,
    InvitationParticipantInfo,
    Modality,
    ServiceHostedMediaConfig,
)
from runtime.bot.notifications import Dispatcher, Notification, ResourceKind
from runtime.bot.receiver import NotificationReceiver, serve
from runtime.bot.requests import CallsRequests
from runtime.bot.tracker import CallTracker


def main(argv: list[str] | None = None) -> None:
    """Print a create-call request, then serve the callback and print each call's state."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--callback", default="https://bot.example.com/callback")
    parser.add_argument("--demo", action="store_true", help="post two notifications, then exit")
    parser.add_argument("--emulator", action="store_true", help="run against a local emulator")
    parser.add_argument("--all-scenarios", action="store_true", help="with --emulator: all")
    parser.add_argument("--scenario", action="append", default=[], help="with --emulator: one")
    args = parser.parse_args(argv)
    if args.emulator:
        raise SystemExit(run_scenarios(args.scenario, args.all_scenarios))

    call = Call(
        callback_uri=args.callback,
        targets=[InvitationParticipantInfo(identity=IdentitySet(user=Identity(id="<user id>")))],
        requested_modalities=[Modality.AUDIO],
        media_config=ServiceHostedMediaConfig(),
    )
    request = CallsRequests(version="v1.0").create_call(call)  # validated before it is returned
    print(request.method, request.url, request.json())

    tracker = CallTracker()
    dispatcher = Dispatcher("generated.v1_0")  # the receiver reads callbacks with these models
    tracker.attach(dispatcher)  # first, so the handler below sees the updated picture

    @dispatcher.on(ResourceKind.CALL)
    def show(n: Notification) -> None:
        snapshot = tracker.get(n.resource.call_id or "")
        if snapshot is not None:
            print(f"call {snapshot.call_id}: {snapshot.state}", flush=True)

    with serve(NotificationReceiver(dispatcher), port=args.port) as server:
        print(f"listening on {server.url}", flush=True)
        if args.demo:
            # Out of order on purpose: the late `establishing` does not move the call back.
            for state in ("established", "establishing"):
                post_state(server.port, state)
        else:
            with contextlib.suppress(KeyboardInterrupt):
                threading.Event().wait()


def run_scenarios(names: list[str], everything: bool) -> int:
    """Run the bot (served receiver, JWT check, calls client) through emulator scenarios."""
    from runtime.emulator.scenarios import SCENARIOS, run

    chosen = list(SCENARIOS) if everything or not names else names
    failed = 0
    for name in chosen:
        if name not in SCENARIOS:
            print(f"scenario {name}: unknown; known: {', '.join(SCENARIOS)}", flush=True)
            failed += 1
            continue
        try:
            run(name)
        except Exception as exc:  # one scenario's failure is reported, the others still run
            print(f"scenario {name}: FAILED: {type(exc).__name__}: {exc}", flush=True)
            failed += 1
        else:
            print(f"scenario {name}: ok", flush=True)
    return 1 if failed else 0


def post_state(port: int, state: str) -> None:
    """POST one call-state notification to the bot, as Graph would."""
    body = {
        "value": [
            {
                "changeType": "updated",
                "resourceUrl": "/communications/calls/demo-call",
                "resourceData": {"@odata.type": "#microsoft.graph.call", "state": state},
            }
        ]
    }
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/", json.dumps(body), {"Content-Type": "application/json"})
    assert conn.getresponse().status == 202
    conn.close()


if __name__ == "__main__":
    main()
