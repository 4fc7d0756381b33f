"""Issue 9, serve(): odd lengths get an answer, stalled clients time out, threads are bounded."""

from __future__ import annotations

import socket
import threading
import time

from runtime.bot.receiver import NotificationReceiver, serve
from tests.bot.factory import BODY


def exchange(port: int, raw: bytes, timeout: float = 5.0) -> bytes:
    """Send raw bytes, then read until the server closes or the timeout."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        chunks: list[bytes] = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            pass
        return b"".join(chunks)


def post(length: bytes, body: bytes = b"{}") -> bytes:
    return (
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + length + b"\r\n\r\n" + body
    )


def test_a_unicode_digit_content_length_is_answered_400_and_closed() -> None:
    with serve(NotificationReceiver(), read_timeout=2) as server:
        answer = exchange(server.port, post("²".encode()))
    assert answer.startswith(b"HTTP/1.1 400"), answer[:80]
    assert b"badRequest" in answer


def test_a_stalled_upload_is_cut_off_by_the_read_timeout() -> None:
    with serve(NotificationReceiver(), read_timeout=0.3) as server:
        started = time.monotonic()
        answer = exchange(server.port, post(b"100", b'{"val'))
        elapsed = time.monotonic() - started
    assert elapsed < 3
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408")


def test_a_trickled_upload_is_cut_off_by_the_body_deadline() -> None:
    with (
        serve(NotificationReceiver(), read_timeout=1, body_timeout=0.5) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock,
    ):
        sock.sendall(post(b"50", b""))
        started = time.monotonic()
        answer = b""
        for _ in range(40):  # a byte every 0.1 s: never idle long enough to time out
            try:
                sock.sendall(b" ")
            except OSError:
                break
            time.sleep(0.1)
            sock.setblocking(False)
            try:
                answer += sock.recv(65536)
            except BlockingIOError:
                pass
            finally:
                sock.setblocking(True)
            if answer:
                break
        elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
    assert elapsed < 3


def test_an_idle_keep_alive_connection_is_closed() -> None:
    with (
        serve(NotificationReceiver(), read_timeout=0.3) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock,
    ):
        started = time.monotonic()
        assert sock.recv(10) == b""  # closed by the server, not by our timeout
        assert time.monotonic() - started < 3


def test_stalled_connections_do_not_multiply_threads() -> None:
    before = threading.active_count()
    limit = 8
    with serve(NotificationReceiver(), read_timeout=0.4, max_connections=limit) as server:
        stalled = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(24)]
        try:
            for sock in stalled:
                sock.sendall(post(b"1000", b"{"))
            time.sleep(0.2)
            assert threading.active_count() - before <= limit + 1  # +1: the accept loop
            # Once the stalled ones time out, a good request is served.
            raw = post(str(len(BODY)).encode(), BODY).replace(
                b"Host: x\r\n", b"Host: x\r\nConnection: close\r\n"
            )
            answer = exchange(server.port, raw, timeout=30)
            assert answer.startswith(b"HTTP/1.1 202"), answer[:80]
        finally:
            for sock in stalled:
                sock.close()
