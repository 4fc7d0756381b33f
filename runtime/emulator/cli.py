"""The emulator's command: `emulate`, registered on `graph-calls` by `runtime.cli`."""

from __future__ import annotations

import argparse

from .server import DEFAULT_APP_ID


def cmd_emulate(args: argparse.Namespace) -> int:
    """Serve the calls emulator on loopback until Ctrl-C."""
    import contextlib
    import threading

    from . import Emulator, Faults

    faults = Faults(
        out_of_order=args.out_of_order,
        duplicate=args.duplicate,
        delay=args.delay,
        drop_delta_sequence=args.drop_delta_sequence,
        throttle_every=args.throttle_every,
        fail_every=args.fail_every,
    )
    with Emulator(app_id=args.app_id, faults=faults, port=args.port) as emulator:
        print(f"calls API: {emulator.url}/v1.0/communications/calls (and /beta)", flush=True)
        print(f"OpenID configuration: {emulator.openid_config_url}", flush=True)
        print(f"tokens: issuer https://graph.microsoft.com, audience {emulator.app_id}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


def add_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `emulate` on the `graph-calls` command line."""
    p = sub.add_parser("emulate", help="serve an offline stand-in for Graph's calls API")
    p.add_argument("--port", type=int, default=0, help="loopback port (0: any free port)")
    p.add_argument("--app-id", default=DEFAULT_APP_ID, help="the audience of the tokens it signs")
    p.add_argument("--out-of-order", action="store_true", help="swap adjacent notifications")
    p.add_argument("--duplicate", action="store_true", help="deliver every notification twice")
    p.add_argument("--delay", type=float, default=0.0, help="seconds before each notification")
    p.add_argument(
        "--drop-delta-sequence", action="store_true", help="delta rosters without sequenceNumber"
    )
    p.add_argument("--throttle-every", type=int, default=0, metavar="N", help="429 every N")
    p.add_argument("--fail-every", type=int, default=0, metavar="N", help="503 every N")
    p.set_defaults(func=cmd_emulate)
