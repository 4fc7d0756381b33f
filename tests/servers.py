"""Start a receiver in a real server process on a free loopback port, for tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A port nothing listens on now (the OS's choice)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def command(server: str, port: int) -> list[str]:
    """The command line of one server kind serving `tests.served_app`."""
    if server == "uvicorn":
        return [
            sys.executable, "-m", "uvicorn", "tests.served_app:app",
            "--host", "127.0.0.1", "--port", str(port),
            # No `--interface`: uvicorn must see `receiver.asgi` as ASGI3 by itself.
            "--lifespan", "off",
            "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
    if server == "waitress":
        return [
            sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={port}",
            "--threads=8", "tests.served_app:wsgi",
        ]  # fmt: skip
    raise ValueError(f"unknown server {server!r}")


@contextmanager
def running(server: str, ids_file: Path, max_body: int | None = None) -> Iterator[int]:
    """Run the server until the block ends; yields its port. Fails if it does not come up."""
    port = free_port()
    env = {**os.environ, "RECEIVER_IDS_FILE": str(ids_file), "PYTHONPATH": str(ROOT)}
    if max_body is not None:
        env["RECEIVER_MAX_BODY"] = str(max_body)
    proc = subprocess.Popen(
        command(server, port), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    _, err = proc.communicate(timeout=5)
                    raise RuntimeError(f"{server} did not start: {err.decode()[-2000:]}") from None
                time.sleep(0.05)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        if proc.stderr is not None:
            proc.stderr.close()
