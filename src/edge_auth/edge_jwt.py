"""RS256 JWT verification with the standard library only (the `cryptography`
wheel alone is larger than Lambda@Edge's 1 MB package limit).

The signature check is RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2.2):
recover the encoded message with the public exponent and compare it, in
constant time, with the encoding we expect. Claims are checked like the API
authorizer does: issuer, exp (small leeway), nbf, iat, token_use and audience.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

MAX_TOKEN_CHARS = 16 * 1024
MAX_JWKS_BYTES = 64 * 1024
LEEWAY_S = 30
MIN_MODULUS_BITS = 2048
MAX_MODULUS_BITS = 8192
# DER prefix of DigestInfo for SHA-256 (RFC 8017 §9.2, note 1).
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class TokenRejected(Exception):
    """A token was refused; `reason` is safe to log (it never contains the token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class RsaPublicKey:
    n: int
    e: int

    @property
    def size_bytes(self) -> int:
        return (self.n.bit_length() + 7) // 8


def b64url_decode(text: str) -> bytes:
    """Strict base64url without padding; ValueError on anything else."""
    if not _B64URL.match(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc


def pkcs1_v15_sha256_encoding(message: bytes, size_bytes: int) -> bytes:
    """EMSA-PKCS1-v1_5 encoding of SHA-256(message) for a key of `size_bytes`."""
    digest_info = SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
    padding = size_bytes - len(digest_info) - 3
    if padding < 8:
        raise ValueError("key too small")
    return b"\x00\x01" + b"\xff" * padding + b"\x00" + digest_info


def rs256_signature_is_valid(message: bytes, signature: bytes, key: RsaPublicKey) -> bool:
    if len(signature) != key.size_bytes:
        return False
    s = int.from_bytes(signature, "big")
    if s >= key.n:
        return False
    recovered = pow(s, key.e, key.n).to_bytes(key.size_bytes, "big")
    expected = pkcs1_v15_sha256_encoding(message, key.size_bytes)
    return hmac.compare_digest(recovered, expected)


def rsa_key_from_jwk(entry: Mapping[str, Any]) -> RsaPublicKey | None:
    """A usable RS256 verification key, or None for anything else."""
    if entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
        return None
    if entry.get("alg", "RS256") != "RS256":
        return None
    n_text, e_text = entry.get("n"), entry.get("e")
    if not isinstance(n_text, str) or not isinstance(e_text, str):
        return None
    try:
        n = int.from_bytes(b64url_decode(n_text), "big")
        e = int.from_bytes(b64url_decode(e_text), "big")
    except ValueError:
        return None
    if not MIN_MODULUS_BITS <= n.bit_length() <= MAX_MODULUS_BITS or e < 3 or e % 2 == 0:
        return None
    return RsaPublicKey(n, e)


def keys_from_jwks(document: Mapping[str, Any]) -> dict[str, RsaPublicKey]:
    keys: dict[str, RsaPublicKey] = {}
    entries = document.get("keys")
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        kid = entry.get("kid")
        key = rsa_key_from_jwk(entry)
        if isinstance(kid, str) and kid and key is not None:
            keys[kid] = key
    return keys


class JwksUnavailable(Exception):
    """The key set could not be fetched or read."""


def fetch_jwks(url: str, timeout_s: float) -> dict[str, Any]:
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
    if not isinstance(document, dict):
        raise JwksUnavailable("key set is not an object")
    return document


class JwksCache:
    """Keys cached per container; an unknown kid triggers one refetch, at most
    once per `min_refetch_interval_s` (`retry_after_failure_s` after a failure)."""

    def __init__(
        self,
        url: str,
        timeout_s: float = 1.5,
        min_refetch_interval_s: float = 30.0,
        retry_after_failure_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._timeout_s = timeout_s
        self._min_refetch_interval_s = min_refetch_interval_s
        self._retry_after_failure_s = retry_after_failure_s
        self._clock = clock
        self._keys: dict[str, RsaPublicKey] = {}
        self._next_fetch_allowed_at: float | None = None
        self._last_failure: str | None = None
        self._lock = threading.Lock()

    def key_for(self, kid: str) -> RsaPublicKey:
        with self._lock:
            if kid not in self._keys and self._may_fetch():
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
            keys = keys_from_jwks(fetch_jwks(self.url, self._timeout_s))
        except JwksUnavailable as exc:
            self._last_failure = str(exc)
            self._next_fetch_allowed_at = self._clock() + self._retry_after_failure_s
            return
        self._keys = keys
        self._last_failure = None
        self._next_fetch_allowed_at = self._clock() + self._min_refetch_interval_s


def _json_object(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(segment))
    except ValueError as exc:
        raise TokenRejected("malformed token") from exc
    if not isinstance(value, dict):
        raise TokenRejected("malformed token")
    return value


def _number(claims: Mapping[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TokenRejected(f"malformed claim {name}")
    return float(value)


def check_claims(
    claims: Mapping[str, Any],
    issuer: str,
    audience: str,
    token_uses: Iterable[str],
    now: float,
) -> None:
    for name in ("exp", "iss", "sub", "token_use"):
        if name not in claims:
            raise TokenRejected(f"missing claim {name}")
    exp, nbf, iat = _number(claims, "exp"), _number(claims, "nbf"), _number(claims, "iat")
    if exp is not None and now > exp + LEEWAY_S:
        raise TokenRejected("expired")
    if (nbf is not None and now + LEEWAY_S < nbf) or (iat is not None and now + LEEWAY_S < iat):
        raise TokenRejected("not yet valid")
    if claims.get("iss") != issuer:
        raise TokenRejected("wrong issuer")
    token_use = claims.get("token_use")
    if token_use not in tuple(token_uses):
        raise TokenRejected("wrong token_use")
    if token_use == "id":
        aud = claims.get("aud")
        if audience not in (aud if isinstance(aud, list) else [aud]):
            raise TokenRejected("wrong audience")
    elif claims.get("client_id") != audience:
        raise TokenRejected("wrong client_id")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise TokenRejected("missing sub")


class KeySource(Protocol):
    def key_for(self, kid: str) -> RsaPublicKey: ...


def verify_token(
    token: str,
    issuer: str,
    audience: str,
    keys: KeySource,
    token_uses: Iterable[str] = ("id", "access"),
    now: float | None = None,
) -> dict[str, Any]:
    """The token's claims if it is valid; TokenRejected with a loggable reason otherwise."""
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenRejected("token too large")
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenRejected("malformed token")
    header = _json_object(parts[0])
    if header.get("alg") != "RS256":
        raise TokenRejected("algorithm not allowed")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenRejected("missing kid")
    claims = _json_object(parts[1])
    try:
        signature = b64url_decode(parts[2])
    except ValueError as exc:
        raise TokenRejected("malformed token") from exc
    key = keys.key_for(kid)
    if len(signature) != key.size_bytes:
        raise TokenRejected("malformed token (signature length)")
    signing_input = f"{parts[0]}.{parts[1]}".encode("ascii")
    if not rs256_signature_is_valid(signing_input, signature, key):
        raise TokenRejected("bad signature")
    check_claims(claims, issuer, audience, token_uses, time.time() if now is None else now)
    return claims
