"""An importable receiver for tests that run it in a real server process (uvicorn, waitress).

Configured by environment variables, since a server imports it by name:

- `RECEIVER_IDS_FILE` (required): each delivered notification's call id is appended to this
  file, one per line, flushed before the request is answered.
- `RECEIVER_MAX_BODY`: the receiver's body limit in bytes (default: the receiver's).

`app` is the ASGI application, `wsgi` the WSGI one.
"""

from __future__ import annotations

import os
import threading

from runtime.bot.notifications import Dispatcher, Notification
from runtime.bot.receiver import DEFAULT_MAX_BODY, NotificationReceiver

_lock = threading.Lock()
_out = open(os.environ["RECEIVER_IDS_FILE"], "a", encoding="utf-8")  # noqa: SIM115 (process-long)


def record(notification: Notification) -> None:
    """Write the notification's call id (the test's unique id) before the answer goes out."""
    with _lock:
        _out.write(f"{notification.resource.call_id}\n")
        _out.flush()


dispatcher = Dispatcher()
dispatcher.add(record)
receiver = NotificationReceiver(
    dispatcher, max_body=int(os.environ.get("RECEIVER_MAX_BODY", DEFAULT_MAX_BODY))
)
app = receiver.asgi
wsgi = receiver
