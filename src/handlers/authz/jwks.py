"""The issuer's signing keys: fetched over HTTPS, cached for the life of the
container, refetched once when a token names a key we do not hold.

Refetches are rate limited (`min_refetch_interval_s`, and a shorter
`retry_after_failure_s` after a failed fetch) so a flood of tokens with made-up
`kid`s, or a dead endpoint, costs one request per interval, not one per token.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from authz.errors import TokenRejected

MAX_JWKS_BYTES = 64 * 1024


class JwksUnavailable(Exception):
    """The key set could not be fetched or read."""


def fetch_jwks(url: str, timeout_s: float) -> dict[str, Any]:
    """GET the key set; raise JwksUnavailable on any network or format problem."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            body = response.read(MAX_JWKS_BYTES + 1)
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise JwksUnavailable(f"fetch failed: {type(exc).__name__}") from exc
    if len(body) > MAX_JWKS_BYTES:
        raise JwksUnavailable("key set too large")
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise JwksUnavailable("key set is not JSON") from exc
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JwksUnavailable("key set has no 'keys' list")
    return document


def rsa_signing_keys(document: dict[str, Any]) -> dict[str, Any]:
    """kid → public key object, for every usable RS256 key; others are skipped."""
    from jwt import PyJWK  # lazy: pulls in cryptography
    from jwt.exceptions import PyJWKError

    keys: dict[str, Any] = {}
    for entry in document.get("keys", []):
        if not isinstance(entry, dict) or entry.get("kty") != "RSA":
            continue
        kid = entry.get("kid")
        if not isinstance(kid, str) or not kid:
            continue
        if entry.get("use", "sig") != "sig" or entry.get("alg", "RS256") != "RS256":
            continue
        try:
            keys[kid] = PyJWK(entry, algorithm="RS256").key
        except (PyJWKError, ValueError, TypeError):
            continue
    return keys


class JwksCache:
    def __init__(
        self,
        url: str,
        timeout_s: float = 2.0,
        min_refetch_interval_s: float = 30.0,
        retry_after_failure_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
        fetch: Callable[[str, float], dict[str, Any]] = fetch_jwks,
    ) -> None:
        self.url = url
        self._timeout_s = timeout_s
        self._min_refetch_interval_s = min_refetch_interval_s
        self._retry_after_failure_s = retry_after_failure_s
        self._clock = clock
        self._fetch = fetch
        self._keys: dict[str, Any] = {}
        self._next_fetch_allowed_at: float | None = None
        self._last_failure: str | None = None
        self._lock = threading.Lock()

    def key_for(self, kid: str) -> Any:
        """The public key for `kid`, or TokenRejected saying why not."""
        with self._lock:
            if kid in self._keys:
                return self._keys[kid]
            if self._may_fetch():
                self._refresh()
            if kid in self._keys:
                return self._keys[kid]
            if self._last_failure and not self._keys:
                raise TokenRejected(f"JWKS unavailable ({self._last_failure})")
            if self._last_failure:
                raise TokenRejected(f"unknown kid (JWKS refetch failed: {self._last_failure})")
            raise TokenRejected("unknown kid")

    def _may_fetch(self) -> bool:
        return self._next_fetch_allowed_at is None or self._clock() >= self._next_fetch_allowed_at

    def _refresh(self) -> None:
        try:
            keys = rsa_signing_keys(self._fetch(self.url, self._timeout_s))
        except JwksUnavailable as exc:
            self._last_failure = str(exc)
            self._next_fetch_allowed_at = self._clock() + self._retry_after_failure_s
            return
        self._keys = keys
        self._last_failure = None
        self._next_fetch_allowed_at = self._clock() + self._min_refetch_interval_s
