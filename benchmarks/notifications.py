"""Notifications per second through the receiver, beside a bare no-op WSGI endpoint.

Both endpoints are mounted on one `runtime.bot.receiver.serve` server and timed in the same run,
interleaved (`ALTERNATIONS` runs of each per requested run, medians compared): the no-op answers
202 without reading a byte of JSON, so the difference is what validating, typing, dispatching
and tracking cost. Clients are threads with `http.client`
keep-alive connections on 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import statistics
import threading
from collections.abc import Callable, Iterable
from typing import Any

from benchmarks import Row, interleaved, workload
from runtime.bot.notifications import Dispatcher
from runtime.bot.receiver import NotificationReceiver, serve
from runtime.bot.tracker import CallTracker

CLIENTS = 4
PER_CLIENT = 500
RECEIVER_TIME_RATIO = round(1 / 0.6, 2)
# Runs of each endpoint per requested run: on a shared 2-core machine one run of either can
# meet a burst of other work, so the medians come from many short alternations, not a few.
ALTERNATIONS = 3

# A call update and a full roster, as Graph sends them for a meeting call.
CALL = "/communications/calls/2f1a1100-b174-40a0-aba7-0b405e01ed92"
IDENTITY = {
    "user": {"@odata.type": "#microsoft.graph.identity", "id": "5810cede", "displayName": "Bob"}
}
BODIES = [
    json.dumps(
        {
            "@odata.type": "#microsoft.graph.commsNotifications",
            "value": [
                {
                    "@odata.type": "#microsoft.graph.commsNotification",
                    "changeType": "updated",
                    "resourceUrl": CALL,
                    "resourceData": {
                        "@odata.type": "#microsoft.graph.call",
                        "state": "established",
                        "chatInfo": {"threadId": "19:meeting_x@thread.v2", "messageId": "0"},
                        "meetingInfo": {
                            "@odata.type": "#microsoft.graph.organizerMeetingInfo",
                            "organizer": IDENTITY,
                        },
                    },
                }
            ],
        }
    ).encode(),
    json.dumps(
        {
            "value": [
                {
                    "changeType": "updated",
                    "resourceUrl": CALL + "/participants",
                    "resourceData": [
                        {
                            "@odata.type": "#microsoft.graph.participant",
                            "info": {"identity": IDENTITY, "languageId": "en-US"},
                            "mediaStreams": [
                                {
                                    "mediaType": "audio",
                                    "sourceId": "1",
                                    "direction": "sendReceive",
                                    "serverMuted": False,
                                }
                            ],
                            "isMuted": False,
                            "isInLobby": False,
                            "id": f"p{i}",
                        }
                        for i in range(2)
                    ],
                }
            ]
        }
    ).encode(),
]


def _noop(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("202 Accepted", [("Content-Length", "0")])
    return [b""]


def _post_all(port: int, path: str) -> None:
    """CLIENTS threads, each POSTing PER_CLIENT bodies on one keep-alive connection."""
    failures: list[int] = []

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Content-Type": "application/json"}
        for i in range(PER_CLIENT):
            conn.request("POST", path, BODIES[i % len(BODIES)], headers)
            response = conn.getresponse()
            response.read()
            if response.status != 202:
                failures.append(response.status)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise RuntimeError(f"{len(failures)} requests to {path} were refused: {failures[:3]}")


@workload("notifications")
def notifications(runs: int) -> list[Row]:
    """A no-op WSGI endpoint (baseline) vs the receiver with a tracker, same server, same run."""
    dispatcher = Dispatcher()
    CallTracker().attach(dispatcher)
    receiver = NotificationReceiver(dispatcher)

    def route(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        app = _noop if environ.get("PATH_INFO") == "/noop" else receiver
        return app(environ, start_response)

    with serve(route) as server:
        times = interleaved(
            {
                "noop": lambda: _post_all(server.port, "/noop"),
                "receiver": lambda: _post_all(server.port, "/callback"),
            },
            runs * ALTERNATIONS,
        )
    n = CLIENTS * PER_CLIENT
    noop = f"no-op WSGI endpoint ({n:,} POSTs)"
    ours = f"receiver: validate, type, dispatch, track ({n:,} POSTs)"
    return [
        Row("notifications", noop, tuple(times["noop"]), note=_rate(n, times["noop"])),
        Row(
            "notifications",
            ours,
            tuple(times["receiver"]),
            baseline=noop,
            # At least 60 % of the no-op endpoint's throughput: at most 1/0.6 of its time.
            target_ratio=RECEIVER_TIME_RATIO,
            note=_rate(n, times["receiver"]) + "; target: ≥ 60 % of the no-op's throughput",
        ),
    ]


@workload("notifications-uvicorn")
def notifications_uvicorn(runs: int) -> list[Row]:
    """The same, through uvicorn in its own process: a no-op ASGI app vs `receiver.asgi`."""
    import importlib.util
    import os
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    if importlib.util.find_spec("uvicorn") is None:
        raise FileNotFoundError("uvicorn is not installed (the `server` extra)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", "benchmarks.asgi_app:app", "--port", str(port),
            "--host", "127.0.0.1", "--lifespan", "off", "--log-level", "warning",
            "--no-access-log",
        ],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("uvicorn did not start") from None
                time.sleep(0.05)
        times = interleaved(
            {
                "noop": lambda: _post_all(port, "/noop"),
                "receiver": lambda: _post_all(port, "/callback"),
            },
            runs,
        )
    finally:
        proc.terminate()
        proc.wait(10)
    n = CLIENTS * PER_CLIENT
    noop = f"no-op ASGI app on uvicorn ({n:,} POSTs)"
    ours = f"receiver.asgi on uvicorn: validate, type, dispatch, track ({n:,} POSTs)"
    return [
        Row("notifications-uvicorn", noop, tuple(times["noop"]), note=_rate(n, times["noop"])),
        Row(
            "notifications-uvicorn",
            ours,
            tuple(times["receiver"]),
            baseline=noop,
            note=_rate(n, times["receiver"]),
        ),
    ]


def _rate(n: int, seconds: list[float]) -> str:
    return (
        f"{n / statistics.median(seconds):,.0f} notifications/s "
        f"({CLIENTS} keep-alive clients, loopback)"
    )
