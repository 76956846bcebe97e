"""The standard-library RS256 verifier used at the edge, proven against
tokens signed by PyJWT and against every bad-token case."""

from __future__ import annotations

import base64

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from edge_jwt import (
    JwksCache,
    TokenRejected,
    keys_from_jwks,
    rs256_signature_is_valid,
    rsa_key_from_jwk,
    verify_token,
)
from jwt.algorithms import RSAAlgorithm

from tests.auth.bad_tokens import BAD_TOKENS
from tests.auth.conftest import CLIENT_ID
from tests.auth.helpers import JwksServer, SigningKey, TokenFactory, b64url, closed_port_url


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture()
def keys(jwks_server: JwksServer, clock: ManualClock) -> JwksCache:
    return JwksCache(jwks_server.jwks_url, timeout_s=0.5, clock=clock)


def verify(tokens: TokenFactory, token: str, keys: JwksCache) -> dict:
    return verify_token(token, tokens.issuer, CLIENT_ID, keys)


def signature_parts(token: str) -> tuple[bytes, bytes]:
    header, payload, signature = token.split(".")
    raw = base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4))
    return f"{header}.{payload}".encode(), raw


def test_pyjwt_signed_id_token_verifies(tokens: TokenFactory, keys: JwksCache) -> None:
    token = tokens.token("id")
    assert verify(tokens, token, keys) == jwt.decode(token, options={"verify_signature": False})


def test_pyjwt_signed_access_token_verifies(tokens: TokenFactory, keys: JwksCache) -> None:
    assert verify(tokens, tokens.token("access"), keys)["sub"] == tokens.sub


def test_raw_signature_check_accepts_a_pyjwt_signature(signing_key: SigningKey) -> None:
    message, signature = signature_parts(jwt.encode({"a": 1}, signing_key.private, "RS256"))
    key = rsa_key_from_jwk(signing_key.jwk())
    assert key is not None
    assert rs256_signature_is_valid(message, signature, key)


@pytest.mark.parametrize("bit", [0, 7, 8 * 128 + 3, 8 * 255 + 7])
def test_raw_signature_check_rejects_a_one_bit_change(signing_key: SigningKey, bit: int) -> None:
    message, signature = signature_parts(jwt.encode({"a": 1}, signing_key.private, "RS256"))
    flipped = bytearray(signature)
    flipped[bit // 8] ^= 1 << (bit % 8)
    key = rsa_key_from_jwk(signing_key.jwk())
    assert key is not None
    assert not rs256_signature_is_valid(message, bytes(flipped), key)


def test_raw_signature_check_rejects_a_changed_message(signing_key: SigningKey) -> None:
    message, signature = signature_parts(jwt.encode({"a": 1}, signing_key.private, "RS256"))
    key = rsa_key_from_jwk(signing_key.jwk())
    assert key is not None
    assert not rs256_signature_is_valid(message + b"x", signature, key)


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_bad_token_is_refused_with_its_reason(
    case: str, tokens: TokenFactory, keys: JwksCache
) -> None:
    make, reason = BAD_TOKENS[case]
    with pytest.raises(TokenRejected) as refused:
        verify(tokens, make(tokens), keys)
    assert reason in refused.value.reason


def test_token_use_not_in_the_allowed_list_is_refused(
    tokens: TokenFactory, keys: JwksCache
) -> None:
    with pytest.raises(TokenRejected, match="wrong token_use"):
        verify_token(tokens.token("access"), tokens.issuer, CLIENT_ID, keys, token_uses=("id",))


def test_unknown_kid_refetches_once_then_is_refused(
    tokens: TokenFactory,
    other_key: SigningKey,
    keys: JwksCache,
    jwks_server: JwksServer,
    clock: ManualClock,
) -> None:
    verify(tokens, tokens.token(), keys)
    clock.now += 31
    with pytest.raises(TokenRejected, match="^unknown kid$"):
        verify(tokens, tokens.token(key=other_key), keys)
    assert jwks_server.fetch_count == 2


def test_unknown_kid_flood_refetches_at_most_once_per_interval(
    tokens: TokenFactory, other_key: SigningKey, keys: JwksCache, jwks_server: JwksServer
) -> None:
    for _ in range(5):
        with pytest.raises(TokenRejected):
            verify(tokens, tokens.token(key=other_key), keys)
    assert jwks_server.fetch_count == 1


def test_rotated_key_is_found_by_the_refetch(
    tokens: TokenFactory,
    other_key: SigningKey,
    keys: JwksCache,
    jwks_server: JwksServer,
    clock: ManualClock,
) -> None:
    verify(tokens, tokens.token(), keys)
    jwks_server.keys.append(other_key)
    clock.now += 31
    assert verify(tokens, tokens.token(key=other_key), keys)["sub"] == tokens.sub


def test_jwks_endpoint_down_is_refused(tokens: TokenFactory) -> None:
    with pytest.raises(TokenRejected, match="^JWKS unavailable"):
        verify(tokens, tokens.token(), JwksCache(closed_port_url(), timeout_s=0.5))


def test_slow_jwks_endpoint_times_out_and_is_refused(
    tokens: TokenFactory, jwks_server: JwksServer
) -> None:
    jwks_server.delay_s = 1.5
    with pytest.raises(TokenRejected, match="^JWKS unavailable"):
        verify(tokens, tokens.token(), JwksCache(jwks_server.jwks_url, timeout_s=0.2))


def test_jwks_keys_smaller_than_2048_bits_are_ignored() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    entry = {**RSAAlgorithm.to_jwk(small.public_key(), as_dict=True), "kid": "small"}
    assert keys_from_jwks({"keys": [entry]}) == {}


def test_jwks_entries_that_are_not_rsa_signing_keys_are_ignored(signing_key: SigningKey) -> None:
    good = signing_key.jwk()
    document = {
        "keys": [
            {**good, "kid": "enc", "use": "enc"},
            {**good, "kid": "ps", "alg": "PS256"},
            {"kty": "EC", "kid": "ec", "crv": "P-256", "x": b64url(b"x"), "y": b64url(b"y")},
            {**good, "kid": "bad-n", "n": "***"},
            "not a key",
            good,
        ]
    }
    assert list(keys_from_jwks(document)) == [signing_key.kid]
