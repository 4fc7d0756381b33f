"""Signed tokens and a loopback OpenID provider, for tests of inbound authentication.

Keys are generated here (never checked in); tokens are signed with them and their public halves
are served as a JWKS behind an OpenID configuration document on 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from runtime.bot.auth import MAX_DOCUMENT_BYTES

APP_ID = "6d4f4c2e-0000-4000-8000-00000000b07"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
ISSUER = "https://api.botframework.com"
KEYS = {name: rsa.generate_private_key(public_exponent=65537, key_size=2048) for name in "ABX"}
"""A and B are published (B only after a rotation); X is an attacker's key, never published."""


def jwk(kid: str, key_name: str) -> dict[str, Any]:
    """The public JWK of one of `KEYS`, as a JWKS lists it."""
    public = jwt.algorithms.RSAAlgorithm.to_jwk(KEYS[key_name].public_key(), as_dict=True)
    return {**public, "kid": kid, "use": "sig", "alg": "RS256"}


@dataclass
class Provider:
    """A loopback OpenID provider whose answers each test can change."""

    url: str = ""
    keys: list[dict[str, Any]] = field(default_factory=lambda: [jwk("k1", "A")])
    down: set[str] = field(default_factory=set)
    """Paths answering 500."""
    delay: dict[str, float] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    config: dict[str, Any] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def config_url(self) -> str:
        return f"{self.url}/.well-known/openid"

    def answer(self, path: str) -> tuple[int, bytes]:
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
        time.sleep(self.delay.get(path, 0.0))
        if path in self.down:
            return 500, b"down"
        if path == "/.well-known/openid":
            doc = self.config or {"issuer": ISSUER, "jwks_uri": f"{self.url}/keys"}
            return 200, json.dumps(doc).encode()
        if path == "/keys":
            return 200, json.dumps({"keys": self.keys}).encode()
        if path == "/huge":
            return 200, b" " * (MAX_DOCUMENT_BYTES + 10)
        return 404, b""


@contextmanager
def local_provider() -> Iterator[Provider]:
    """An OpenID provider with a JWKS on a loopback port, for as long as the block runs."""
    provider = Provider()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = provider.answer(self.path)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up waiting (the slow-provider tests)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    provider.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": APP_ID,
        "tid": TENANT,
        "iat": now - 10,
        "nbf": now - 10,
        "exp": now + 3600,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def sign(payload: dict[str, Any], key: str = "A", kid: str | None = "k1", **header: Any) -> str:
    headers = {**({"kid": kid} if kid is not None else {}), **header}
    algorithm = headers.pop("alg", "RS256")
    token: str = jwt.encode(payload, KEYS[key], algorithm=algorithm, headers=headers)
    return token


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}
