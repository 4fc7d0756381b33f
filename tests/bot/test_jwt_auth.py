"""Inbound JWT authentication: tokens made here, keys served from a loopback OpenID provider."""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import io
import json
import logging
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

jwt = pytest.importorskip("jwt", reason="PYJWT MISSING: install the `auth` extra")
serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")

from runtime.bot.auth import (  # noqa: E402
    GraphTokenValidator,
    KeyFetchError,
    fetch_url,
)
from runtime.bot.notifications import Dispatcher, Notification, ResourceKind  # noqa: E402
from runtime.bot.receiver import (  # noqa: E402
    AuthRefused,
    AuthUnavailable,
    NotificationReceiver,
    serve,
)
from tests.jwt_factory import (  # noqa: E402
    APP_ID,
    ISSUER,
    KEYS,
    TENANT,
    Provider,
    bearer,
    claims,
    jwk,
    local_provider,
    sign,
)


@pytest.fixture
def idp() -> Iterator[Provider]:
    with local_provider() as provider:
        yield provider


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def validator(idp: Provider, clock: Clock | None = None, **options: Any) -> GraphTokenValidator:
    return GraphTokenValidator(
        app_id=APP_ID,
        openid_config_url=idp.config_url,
        clock=clock or Clock(),
        **{"fetch_timeout": 2.0, **options},
    )


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict[str, Any], payload: dict[str, Any], signature: bytes = b"") -> str:
    return ".".join(
        [b64(json.dumps(header).encode()), b64(json.dumps(payload).encode()), b64(signature)]
    )


def hs256_with_public_key() -> str:
    """The classic confusion: HMAC keyed with the RSA public key, which a verifier knows."""
    pem = (
        KEYS["A"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k1"}).encode())
    body = b64(json.dumps(claims()).encode())
    mac = hmac.new(pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(mac)}"


def tampered_signature() -> str:
    head, body, signature = sign(claims()).split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[10] ^= 0x01
    return f"{head}.{body}.{b64(bytes(raw))}"


def tampered_payload() -> str:
    head, _, signature = sign(claims()).split(".")
    other = b64(json.dumps(claims(tid="00000000-0000-0000-0000-000000000bad")).encode())
    return f"{head}.{other}.{signature}"


OK = "ok"
Case = Callable[[], dict[str, str]]

# Each case: the request headers, and what must come of them (OK, or the reason's words).
CASES: dict[str, tuple[Case, str]] = {
    "valid": (lambda: bearer(sign(claims())), OK),
    "graph issuer": (lambda: bearer(sign(claims(iss="https://graph.microsoft.com"))), OK),
    "api botid audience": (lambda: bearer(sign(claims(aud=f"api://botid-{APP_ID}"))), OK),
    "expired within skew": (lambda: bearer(sign(claims(exp=int(time.time()) - 30))), OK),
    "nbf within skew": (lambda: bearer(sign(claims(nbf=int(time.time()) + 30))), OK),
    "no nbf": (lambda: bearer(sign(claims(nbf=None))), OK),
    "lower-case scheme": (lambda: {"authorization": f"bearer {sign(claims())}"}, OK),
    "expired": (lambda: bearer(sign(claims(exp=int(time.time()) - 600))), "expired"),
    "not yet valid": (lambda: bearer(sign(claims(nbf=int(time.time()) + 600))), "not yet valid"),
    "wrong audience": (lambda: bearer(sign(claims(aud="someone-else"))), "audience"),
    "botid of another app": (lambda: bearer(sign(claims(aud="api://botid-other"))), "audience"),
    "wrong issuer": (lambda: bearer(sign(claims(iss="https://evil.example"))), "issuer"),
    "no exp": (lambda: bearer(sign(claims(exp=None))), "exp"),
    "no audience": (lambda: bearer(sign(claims(aud=None))), "aud"),
    "alg none": (lambda: bearer(unsigned({"alg": "none", "kid": "k1"}, claims())), "'none'"),
    "HS256 with the public key": (lambda: bearer(hs256_with_public_key()), "'HS256'"),
    "RS512": (lambda: bearer(sign(claims(), alg="RS512")), "'RS512'"),
    "no tenant id": (lambda: bearer(sign(claims(tid=None))), "tenant"),
    "empty tenant id": (lambda: bearer(sign(claims(tid=""))), "tenant"),
    "tampered signature": (lambda: bearer(tampered_signature()), "Signature"),
    "tampered payload": (lambda: bearer(tampered_payload()), "Signature"),
    "cty JWT": (lambda: bearer(sign(claims(), cty="JWT")), "nested"),
    "typ not JWT": (lambda: bearer(sign(claims(), typ="at+jwt")), "type"),
    "missing Authorization": (lambda: {}, "no Authorization"),
    "not Bearer": (lambda: {"authorization": "Basic dXNlcjpwYXNz"}, "not Bearer"),
    "Bearer and nothing": (lambda: {"authorization": "Bearer "}, "empty"),
    "garbage": (lambda: bearer("not-a.jwt"), "not a JWT"),
    "binary garbage": (lambda: bearer("\x00\xff.\u2603.x"), "not a JWT"),
    "wrong key": (lambda: bearer(sign(claims(), key="X")), "Signature"),
    "no kid": (lambda: bearer(sign(claims(), kid=None)), "kid"),
    "unknown kid": (lambda: bearer(sign(claims(), key="X", kid="k-attacker")), "unknown"),
    "oversize token": (lambda: bearer("a" * 20_000), "over"),
}


def outcome(check: GraphTokenValidator, headers: dict[str, str]) -> str:
    try:
        got = check(headers)
    except AuthRefused as exc:
        return f"401 {exc}"
    except AuthUnavailable as exc:
        return f"503 {exc}"
    assert got["tid"] == TENANT and got["aud"] in (APP_ID, f"api://botid-{APP_ID}")
    return OK


@pytest.mark.parametrize("name", list(CASES))
def test_token(idp: Provider, name: str) -> None:
    make, expected = CASES[name]
    result = outcome(validator(idp), make())
    if expected == OK:
        assert result == OK
    else:
        assert result.startswith("401 ") and expected.lower() in result.lower(), result


def test_claims_are_returned_and_keys_cached(idp: Provider) -> None:
    check = validator(idp)
    for _ in range(5):
        assert check(bearer(sign(claims())))["tid"] == TENANT
    assert idp.hits == {"/.well-known/openid": 1, "/keys": 1}


def test_rotated_keys_are_refetched_once(idp: Provider) -> None:
    clock = Clock()
    check = validator(idp, clock, refetch_interval=60)
    assert outcome(check, bearer(sign(claims()))) == OK
    idp.keys = [jwk("k2", "B")]  # the provider rotates
    clock.now += 61
    assert outcome(check, bearer(sign(claims(), key="B", kid="k2"))) == OK
    assert idp.hits["/keys"] == 2
    # Another unknown kid right away: refused without a fetch (refetches are rate-limited).
    result = outcome(check, bearer(sign(claims(), key="X", kid="k3")))
    assert result.startswith("401 unknown signing key") and idp.hits["/keys"] == 2
    # k1 left the JWKS with the rotation: a token signed with it is now unknown.
    assert outcome(check, bearer(sign(claims()))).startswith("401 unknown signing key")


def test_scheduled_refresh_serves_old_keys_meanwhile(idp: Provider) -> None:
    clock = Clock()
    check = validator(idp, clock, refresh_interval=100)
    assert outcome(check, bearer(sign(claims()))) == OK
    idp.keys = [jwk("k1", "A"), jwk("k2", "B")]
    idp.delay["/keys"] = 0.5
    clock.now += 101
    started = time.monotonic()
    assert outcome(check, bearer(sign(claims()))) == OK  # cached k1: no waiting for the refresh
    assert time.monotonic() - started < 0.4
    deadline = time.monotonic() + 5
    while (idp.hits.get("/keys", 0) < 2 or check.keys.fetching) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert outcome(check, bearer(sign(claims(), key="B", kid="k2"))) == OK
    assert idp.hits["/keys"] == 2  # k2 came with the scheduled refresh, not a refetch


def test_an_unknown_kid_during_an_outage_is_503_and_cached_keys_still_serve(
    idp: Provider,
) -> None:
    clock = Clock()
    check = validator(idp, clock)
    assert outcome(check, bearer(sign(claims()))) == OK
    idp.down.add("/keys")
    clock.now += 3600
    assert outcome(check, bearer(sign(claims(), "B", "k2"))).startswith("503 ")
    assert outcome(check, bearer(sign(claims()))) == OK  # k1 is still cached and valid
    clock.now += 6 * 24 * 3600  # past max_key_age: stale keys are no longer trusted
    assert outcome(check, bearer(sign(claims()))).startswith("503 ")


def test_an_unknown_kid_waits_for_a_refresh_already_running(idp: Provider) -> None:
    clock = Clock()
    check = validator(idp, clock, refresh_interval=100, refetch_interval=60)
    assert outcome(check, bearer(sign(claims()))) == OK
    idp.keys = [jwk("k1", "A"), jwk("k2", "B")]
    idp.delay["/keys"] = 0.3
    clock.now += 101
    assert outcome(check, bearer(sign(claims()))) == OK  # starts the scheduled refresh
    assert check.keys.fetching
    # Within refetch_interval of that refresh's start, yet it may bring k2: wait, don't refuse.
    assert outcome(check, bearer(sign(claims(), "B", "k2"))) == OK
    assert idp.hits["/keys"] == 2


@pytest.mark.parametrize("down", ["/keys", "/.well-known/openid"])
def test_provider_down_is_503(idp: Provider, down: str) -> None:
    idp.down.add(down)
    result = outcome(validator(idp), bearer(sign(claims())))
    assert result.startswith("503 ") and "500" in result, result


@pytest.mark.parametrize(
    "config",
    [{"issuer": ISSUER}, {"jwks_uri": "file:///etc/passwd"}, {"jwks_uri": 7}],
    ids=["no jwks_uri", "file jwks_uri", "number jwks_uri"],
)
def test_a_bad_configuration_is_503(idp: Provider, config: dict[str, Any]) -> None:
    idp.config = config
    assert outcome(validator(idp), bearer(sign(claims()))).startswith("503 ")
    assert "/keys" not in idp.hits


def test_keys_are_filtered_and_a_leaked_private_part_is_ignored(idp: Provider) -> None:
    private = jwt.algorithms.RSAAlgorithm.to_jwk(KEYS["A"], as_dict=True)
    idp.keys = [
        {**private, "kid": "k1"},
        {**jwk("enc", "B"), "use": "enc"},
        {**jwk("rs512", "B"), "alg": "RS512"},
        {"kty": "RSA", "kid": "broken", "n": "!", "e": "AQAB"},
        "not an object",
    ]
    check = validator(idp)
    assert outcome(check, bearer(sign(claims()))) == OK
    assert not hasattr(check.keys.key("k1"), "private_numbers")
    for kid in ("enc", "rs512", "broken"):
        assert "unknown signing key" in outcome(check, bearer(sign(claims(), "B", kid)))


def test_a_jwks_without_usable_keys_is_503(idp: Provider) -> None:
    idp.keys = [{"kty": "EC", "kid": "e"}, {"kty": "RSA", "kid": "bad", "n": "!", "e": "AQAB"}]
    assert "no usable RSA" in outcome(validator(idp), bearer(sign(claims())))


def test_an_outage_is_not_refetched_by_every_request(idp: Provider) -> None:
    clock = Clock()
    check = validator(idp, clock, outage_retry=5)
    idp.down.add("/keys")
    for _ in range(5):
        assert outcome(check, bearer(sign(claims()))).startswith("503 ")
    assert idp.hits["/keys"] == 1
    idp.down.clear()
    clock.now += 6
    assert outcome(check, bearer(sign(claims()))) == OK


def test_slow_keys_are_503_within_the_timeout_and_fetched_once(idp: Provider) -> None:
    idp.delay["/keys"] = 1.5
    check = validator(idp, fetch_timeout=0.3)
    results: list[str] = []
    token = bearer(sign(claims()))

    def one() -> None:
        results.append(outcome(check, token))

    started = time.monotonic()
    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert time.monotonic() - started < 1.2  # nobody waited for the slow provider
    assert len(results) == 8 and all(r.startswith("503 ") for r in results), results
    assert idp.hits["/.well-known/openid"] == 1  # eight requests, one fetch


def test_a_slow_refetch_does_not_block_requests_with_known_keys(idp: Provider) -> None:
    clock = Clock()
    check = validator(idp, clock, fetch_timeout=3.0)
    assert outcome(check, bearer(sign(claims()))) == OK
    idp.delay["/keys"] = 1.0
    clock.now += 3600
    waiting = threading.Thread(target=outcome, args=(check, bearer(sign(claims(), "X", "new"))))
    waiting.start()  # an unknown kid: waits for the slow refetch
    time.sleep(0.1)
    started = time.monotonic()
    for _ in range(20):
        assert outcome(check, bearer(sign(claims()))) == OK
    assert time.monotonic() - started < 0.5
    waiting.join()


def test_concurrent_first_requests_share_one_fetch(idp: Provider) -> None:
    idp.delay["/.well-known/openid"] = 0.2
    check = validator(idp)
    token = bearer(sign(claims()))
    results: list[str] = []
    threads = [
        threading.Thread(target=lambda: results.append(outcome(check, token))) for _ in range(10)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [OK] * 10
    assert idp.hits == {"/.well-known/openid": 1, "/keys": 1}


def test_allowed_tenants(idp: Provider) -> None:
    check = validator(idp, tenants={"another-tenant"})
    assert "tenant" in outcome(check, bearer(sign(claims())))
    assert outcome(validator(idp, tenants={TENANT}), bearer(sign(claims()))) == OK


@settings(max_examples=60, deadline=None)
@given(header=st.text(max_size=300))
def test_any_authorization_header_is_refused_cleanly(header: str) -> None:
    def never(url: str, timeout: float) -> bytes:
        raise AssertionError("garbage must not need keys")

    check = GraphTokenValidator(app_id=APP_ID, fetch=never)
    with pytest.raises(AuthRefused):
        check({"authorization": header})
    with pytest.raises(AuthRefused):
        check({"authorization": f"Bearer {header}"})


def test_importing_runtime_does_not_import_jwt() -> None:
    code = (
        "import sys, runtime.bot.auth, runtime.bot.receiver, runtime.bot.notifications;"
        "assert 'jwt' not in sys.modules, 'jwt imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_pyjwt_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jwt", None)  # what an uninstalled package looks like
    with pytest.raises(ImportError, match=r"graph-calls-models\[auth\]"):
        GraphTokenValidator(app_id=APP_ID)


# -- through the receiver -------------------------------------------------------------------

BODY = json.dumps(
    {
        "value": [
            {
                "changeType": "updated",
                "resourceUrl": "/communications/calls/c1",
                "resourceData": {"@odata.type": "#microsoft.graph.call", "state": "established"},
            }
        ]
    }
).encode()


def post(receiver: NotificationReceiver, headers: dict[str, str]) -> int:
    sent = {"content-type": "application/json", "content-length": str(len(BODY)), **headers}
    return receiver.handle("POST", sent, io.BytesIO(BODY).read).status


def test_receiver_end_to_end(idp: Provider, caplog: pytest.LogCaptureFixture) -> None:
    dispatcher = Dispatcher()
    seen: list[Notification] = []
    dispatcher.on(ResourceKind.CALL)(seen.append)
    receiver = NotificationReceiver(dispatcher, authenticate=validator(idp))
    with caplog.at_level(logging.WARNING, logger="runtime.bot.receiver"):
        assert post(receiver, bearer(sign(claims(exp=int(time.time()) - 600)))) == 401
    assert "request refused: ExpiredSignatureError" in caplog.text
    assert all(r.exc_info is None for r in caplog.records)  # a refusal is not a crash
    assert [getattr(r, "auth_reason", "")[:22] for r in caplog.records] == [
        "ExpiredSignatureError:"
    ]
    assert post(receiver, {}) == 401
    assert seen == []
    assert post(receiver, bearer(sign(claims()))) == 202
    assert [(n.resource.call_id, n.tenant_id) for n in seen] == [("c1", TENANT)]
    assert seen[0].claims is not None and seen[0].claims["aud"] == APP_ID

    idp.down.add("/keys")
    unavailable = NotificationReceiver(dispatcher, authenticate=validator(idp))
    assert post(unavailable, bearer(sign(claims()))) == 503
    assert len(seen) == 1


def test_receiver_over_loopback(idp: Provider) -> None:
    """The same through a real socket: Graph's view of the three answers."""
    dispatcher = Dispatcher()
    seen: list[str | None] = []
    dispatcher.on(ResourceKind.CALL)(lambda n: seen.append(n.tenant_id))
    receiver = NotificationReceiver(dispatcher, authenticate=validator(idp, fetch_timeout=1.0))

    def send(headers: dict[str, str]) -> tuple[int, str | None]:
        connection = http.client.HTTPConnection(server.host, server.port, timeout=10)
        connection.request("POST", "/", BODY, {"Content-Type": "application/json", **headers})
        answer = connection.getresponse()
        answer.read()
        connection.close()
        return answer.status, answer.getheader("Retry-After")

    with serve(receiver) as server:
        assert send({"Authorization": "Bearer x.y.z"}) == (401, None)
        assert send({"Authorization": f"Bearer {sign(claims())}"}) == (202, None)
        idp.delay["/keys"] = 3.0
        other = NotificationReceiver(dispatcher, authenticate=validator(idp, fetch_timeout=0.2))
        server.server.set_app(other)
        assert send({"Authorization": f"Bearer {sign(claims())}"}) == (503, "5")
    assert seen == [TENANT]


def test_fetch_url_bounds_what_it_reads(idp: Provider) -> None:
    assert json.loads(fetch_url(f"{idp.url}/keys", 2.0))["keys"][0]["kid"] == "k1"
    for url, words in [
        (f"{idp.url}/huge", "more than"),
        (f"{idp.url}/missing", "404"),
        ("file:///etc/passwd", "only http(s)"),
        ("http://127.0.0.1:1/", "refused"),
    ]:
        with pytest.raises(KeyFetchError, match=re.escape(words)):
            fetch_url(url, 2.0)
