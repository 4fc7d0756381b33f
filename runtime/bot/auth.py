"""Checks the bearer JWT that Graph puts on every calling notification (extra `auth`, PyJWT).

```python
from runtime.bot.auth import GraphTokenValidator
receiver = NotificationReceiver(dispatcher, authenticate=GraphTokenValidator(app_id="<bot id>"))
```

What a token must be to get in:

- `Authorization: Bearer <jwt>`, at most `MAX_TOKEN_BYTES` long;
- signed with RS256 (never `none`, HS*, ES*, PS*, RS384/512) by a key of the JWKS named by
  the OpenID configuration document (`openid_config_url`, by default the one Microsoft
  documents for calling bots), found by the token's `kid`;
- not a nested token (`cty: JWT`): Graph never sends one, and a checker that followed it would
  trust claims no one signed for this purpose;
- `iss` one of `issuers`; `aud` the bot's app id or `api://botid-{app_id}`;
- `exp` in the future and `nbf` (when present) in the past, both with `leeway` seconds of skew;
- a non-empty `tid` (the tenant), within `tenants` when that is given.

A token that fails is a `AuthRefused` (the receiver answers 401 and logs the reason). When the
keys can't be had (the configuration or the JWKS is down, slow or garbled, and no usable keys
are cached) it is `AuthUnavailable` (503: Graph retries later).

Keys are fetched in a background thread, one fetch at a time: requests that need the fetch wait
for it at most `fetch_timeout` seconds, requests whose key is cached never wait. Cached keys are
refreshed every `refresh_interval` seconds in the background while the old ones keep serving
(for at most `max_key_age` if the refresh keeps failing). A `kid` the cache doesn't know
triggers one refetch (the keys may have rotated), at most once per `refetch_interval`. While
the keys are down, a new fetch starts at most every `outage_retry` seconds; requests in between
get the last fetch's 503 at once.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.request
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from .receiver import AuthRefused, AuthUnavailable

log = logging.getLogger(__name__)

DEFAULT_OPENID_CONFIG_URL = "https://api.aps.skype.com/v1/.well-known/OpenIdConfiguration"
DEFAULT_ISSUERS = ("https://graph.microsoft.com", "https://api.botframework.com")
MAX_TOKEN_BYTES = 16 * 1024
# An OpenID configuration or a JWKS is a few KB; a larger answer is not one.
MAX_DOCUMENT_BYTES = 1 << 20
ALGORITHM = "RS256"

Fetch = Callable[[str, float], bytes]
"""Gets a URL's body within a timeout (seconds); raises on any failure."""


class KeyFetchError(Exception):
    """The OpenID configuration or the JWKS could not be fetched or read."""


def fetch_url(url: str, timeout: float) -> bytes:
    """GET an https (or loopback http) URL with a timeout and a size bound."""
    if not url.startswith(("https://", "http://")):
        raise KeyFetchError(f"{url!r}: only http(s) URLs are fetched")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            body: bytes = answer.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as exc:  # URLError, HTTPError, timeouts and resets are all OSErrors
        raise KeyFetchError(f"{url}: {exc}") from exc
    if len(body) > MAX_DOCUMENT_BYTES:
        raise KeyFetchError(f"{url}: more than {MAX_DOCUMENT_BYTES} bytes")
    return body


def _jwt() -> Any:
    """PyJWT, imported on first use so that `import runtime` never needs it."""
    try:
        import jwt
        from jwt.algorithms import has_crypto
    except ImportError as exc:
        raise ImportError(
            "GraphTokenValidator needs PyJWT with its crypto extra: "
            "pip install 'graph-calls-models[auth]'"
        ) from exc
    if not has_crypto:
        raise ImportError(
            "GraphTokenValidator needs the cryptography package for RS256: "
            "pip install 'graph-calls-models[auth]'"
        )
    return jwt


@dataclass(frozen=True, slots=True)
class _Keys:
    by_kid: Mapping[str, Any]
    fetched_at: float


class _KeyCache:
    """Signing keys by `kid`, fetched off the request path, one fetch at a time."""

    def __init__(
        self,
        config_url: str,
        fetch: Fetch,
        *,
        fetch_timeout: float,
        refresh_interval: float,
        refetch_interval: float,
        outage_retry: float,
        max_key_age: float,
        clock: Callable[[], float],
    ) -> None:
        self.config_url = config_url
        self.fetch = fetch
        self.fetch_timeout = fetch_timeout
        self.refresh_interval = refresh_interval
        self.refetch_interval = refetch_interval
        self.outage_retry = outage_retry
        self.max_key_age = max_key_age
        self.clock = clock
        self._lock = threading.Lock()  # guards the fields below, never held during a fetch
        self._keys: _Keys | None = None
        self._inflight: threading.Event | None = None
        self._last_error: str | None = None
        self._last_attempt = float("-inf")
        self.fetches = 0

    @property
    def fetching(self) -> bool:
        """Whether a fetch is running."""
        with self._lock:
            return self._inflight is not None

    def key(self, kid: str) -> Any:
        """The key for `kid`; `AuthRefused` if unknown, `AuthUnavailable` if keys can't be had."""
        now = self.clock()
        with self._lock:
            keys = self._usable(now)
            if keys is not None and now - keys.fetched_at >= self.refresh_interval:
                self._start_fetch_locked(now)  # refresh in the background, serve the old keys
            if keys is not None and kid in keys.by_kid:
                return keys.by_kid[kid]
            recent = now - self._last_attempt < self.refetch_interval
            if keys is not None and recent and self._inflight is None:
                # A fetch running now (a scheduled refresh) may bring the kid: wait for it.
                raise AuthRefused(f"unknown signing key {kid!r}")
            if (
                keys is None
                and self._inflight is None
                and self._last_error is not None
                and now - self._last_attempt < self.outage_retry
            ):
                # During an outage every request would start a fetch: answer from the last one.
                raise AuthUnavailable(f"the signing keys are unavailable: {self._last_error}")
            done = self._start_fetch_locked(now)
        if not done.wait(self.fetch_timeout):
            raise AuthUnavailable(f"the signing keys took over {self.fetch_timeout:g}s to fetch")
        with self._lock:
            keys = self._usable(self.clock())
            error = self._last_error
        if keys is not None and kid in keys.by_kid:
            return keys.by_kid[kid]
        if keys is None or error is not None:
            # The refetch failed: the kid may be a rotation we could not see yet, so Graph
            # should come back later rather than be told its token is bad.
            raise AuthUnavailable(f"the signing keys are unavailable: {error}")
        raise AuthRefused(f"unknown signing key {kid!r}")

    def _usable(self, now: float) -> _Keys | None:
        keys = self._keys
        if keys is None or now - keys.fetched_at > self.max_key_age:
            return None
        return keys

    def _start_fetch_locked(self, now: float) -> threading.Event:
        """The running fetch's event, or a new fetch's (the caller holds the lock)."""
        if self._inflight is not None:
            return self._inflight
        done = threading.Event()
        self._inflight = done
        self._last_attempt = now
        self.fetches += 1
        # A daemon thread: a fetch stuck past its socket timeouts never holds up a request
        # (they wait on `done` with their own timeout) nor the interpreter's exit.
        threading.Thread(target=self._fetch, args=(done,), name="jwks-fetch", daemon=True).start()
        return done

    def _fetch(self, done: threading.Event) -> None:
        try:
            keys: _Keys | None = _Keys(self._download(), self.clock())
            error = None
        except KeyFetchError as exc:
            keys, error = None, str(exc)
        except Exception as exc:  # a broken fetch callable must not kill the thread silently
            keys, error = None, f"{type(exc).__name__}: {exc}"
        if error is not None:
            log.warning("signing keys not refreshed from %s: %s", self.config_url, error)
        with self._lock:
            if keys is not None:
                self._keys = keys
            self._last_error = error
            self._inflight = None
        done.set()

    def _download(self) -> dict[str, Any]:
        config = _json_object(self.fetch(self.config_url, self.fetch_timeout), self.config_url)
        jwks_uri = config.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
            raise KeyFetchError(f"{self.config_url}: no http(s) jwks_uri")
        jwks = _json_object(self.fetch(jwks_uri, self.fetch_timeout), jwks_uri)
        entries = jwks.get("keys")
        if not isinstance(entries, list):
            raise KeyFetchError(f"{jwks_uri}: no 'keys' list")
        algorithms = _jwt().algorithms.RSAAlgorithm
        by_kid: dict[str, Any] = {}
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict) or entry.get("kty") != "RSA":
                continue  # only RSA keys can verify RS256
            kid = entry.get("kid")
            if not isinstance(kid, str) or entry.get("alg", ALGORITHM) != ALGORITHM:
                continue
            if entry.get("use", "sig") != "sig":
                continue
            try:
                key = algorithms.from_jwk(entry)
            except Exception as exc:  # one bad key must not hide the good ones
                log.warning("%s: keys[%d] (kid %r) ignored: %s", jwks_uri, i, kid, exc)
                continue
            # A JWKS that leaks a private part ("d") still only verifies with its public half.
            by_kid[kid] = key.public_key() if hasattr(key, "private_numbers") else key
        if not by_kid:
            raise KeyFetchError(f"{jwks_uri}: no usable RSA signing key")
        log.info("fetched %d signing key(s) from %s", len(by_kid), jwks_uri)
        return by_kid


def _json_object(body: bytes, url: str) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise KeyFetchError(f"{url}: not JSON ({exc})") from exc
    if not isinstance(value, dict):
        raise KeyFetchError(f"{url}: not a JSON object")
    return value


class GraphTokenValidator:
    """An authentication hook for `NotificationReceiver`: returns the token's claims."""

    def __init__(
        self,
        app_id: str,
        *,
        openid_config_url: str = DEFAULT_OPENID_CONFIG_URL,
        issuers: Collection[str] = DEFAULT_ISSUERS,
        tenants: Collection[str] | None = None,
        leeway: float = 120.0,
        fetch_timeout: float = 5.0,
        refresh_interval: float = 24 * 3600.0,
        refetch_interval: float = 60.0,
        outage_retry: float = 5.0,
        max_key_age: float = 5 * 24 * 3600.0,
        fetch: Fetch = fetch_url,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not app_id:
            raise ValueError("app_id is required: tokens are checked against it")
        self._jwt = _jwt()  # fail at start-up, not on the first callback
        self.app_id = app_id
        self.audiences = (app_id, f"api://botid-{app_id}")
        self.issuers = frozenset(issuers)
        self.tenants = None if tenants is None else frozenset(tenants)
        self.leeway = leeway
        self.keys = _KeyCache(
            openid_config_url,
            fetch,
            fetch_timeout=fetch_timeout,
            refresh_interval=refresh_interval,
            refetch_interval=refetch_interval,
            outage_retry=outage_retry,
            max_key_age=max_key_age,
            clock=clock,
        )

    def __call__(self, headers: Mapping[str, str]) -> dict[str, Any]:
        """The claims of the request's bearer token (headers with lower-case names)."""
        scheme, _, token = headers.get("authorization", "").strip().partition(" ")
        if not scheme:
            raise AuthRefused("no Authorization header")
        if scheme.lower() != "bearer":
            raise AuthRefused(f"the Authorization scheme is {scheme[:20]!r}, not Bearer")
        return self.validate(token.strip())

    def validate(self, token: str) -> dict[str, Any]:
        """The claims of a valid token; `AuthRefused` with the reason, or `AuthUnavailable`."""
        jwt = self._jwt
        if not token:
            raise AuthRefused("empty bearer token")
        if len(token) > MAX_TOKEN_BYTES:
            raise AuthRefused(f"the token is over {MAX_TOKEN_BYTES} bytes")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise AuthRefused(f"not a JWT: {exc}") from None
        alg = header.get("alg")
        if alg != ALGORITHM:
            raise AuthRefused(f"algorithm {str(alg)[:20]!r} refused; only {ALGORITHM}")
        if "cty" in header:
            raise AuthRefused(f"content type {str(header['cty'])[:20]!r} refused (nested token)")
        typ = header.get("typ", "JWT")
        if not isinstance(typ, str) or typ.upper() != "JWT":
            raise AuthRefused(f"token type {str(typ)[:20]!r} refused")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthRefused("the token names no signing key (kid)")
        key = self.keys.key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=list(self.audiences),
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud"], "verify_iss": False},
            )
        except jwt.InvalidTokenError as exc:
            raise AuthRefused(f"{type(exc).__name__}: {exc}") from None
        # Checked here, not by PyJWT, so the rule is the same whatever its version.
        if claims.get("iss") not in self.issuers:
            raise AuthRefused(f"issuer {str(claims.get('iss'))[:80]!r} is not trusted")
        tenant = claims.get("tid")
        if not isinstance(tenant, str) or not tenant:
            raise AuthRefused("the token has no tenant id (tid)")
        if self.tenants is not None and tenant not in self.tenants:
            raise AuthRefused(f"tenant {tenant[:40]!r} is not allowed")
        log.debug("token accepted: tenant %s, key %s", tenant, kid, extra={"tenant_id": tenant})
        return claims


__all__ = [
    "DEFAULT_ISSUERS",
    "DEFAULT_OPENID_CONFIG_URL",
    "AuthRefused",
    "AuthUnavailable",
    "GraphTokenValidator",
    "KeyFetchError",
    "fetch_url",
]
