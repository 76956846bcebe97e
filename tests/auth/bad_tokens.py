"""The bad-token cases both verifiers (authorizer and edge) must refuse, each
with the reason its log line must carry."""

from __future__ import annotations

import time
from collections.abc import Callable

import jwt

from tests.auth.helpers import TokenFactory, flip_signature_bit, tamper_payload


def _now() -> int:
    return int(time.time())


def _without_kid(tokens: TokenFactory) -> str:
    return jwt.encode(tokens.claims(), tokens.key.private, algorithm="RS256")


BAD_TOKENS: dict[str, tuple[Callable[[TokenFactory], str], str]] = {
    "expired": (lambda t: t.token(exp=_now() - 120, iat=_now() - 3720), "expired"),
    "not_yet_valid": (lambda t: t.token(nbf=_now() + 3600), "not yet valid"),
    "wrong_issuer": (lambda t: t.token(iss="https://issuer.invalid/pool"), "wrong issuer"),
    "wrong_audience": (lambda t: t.token(aud="another-client"), "wrong audience"),
    "access_token_for_another_client": (
        lambda t: t.token("access", client_id="another-client"),
        "wrong client_id",
    ),
    "refresh_token_use": (lambda t: t.token("refresh"), "wrong token_use"),
    "missing_token_use": (lambda t: t.token(token_use=None, aud=t.client_id), "token_use"),
    "missing_sub": (lambda t: t.token(sub=None), "sub"),
    "alg_none": (lambda t: t.unsigned(), "algorithm not allowed"),
    "hs256_signed_with_public_key": (
        lambda t: t.hs256_with_public_key(),
        "algorithm not allowed",
    ),
    "missing_kid": (_without_kid, "missing kid"),
    "tampered_payload": (lambda t: tamper_payload(t.token(), sub="someone-else"), "bad signature"),
    "one_bit_flipped_in_signature": (lambda t: flip_signature_bit(t.token()), "bad signature"),
    # 13 characters off a 342-character signature leave a length that is never
    # valid base64url; cutting 12 would sometimes still decode ("bad signature").
    "truncated_signature": (lambda t: t.token()[:-13], "malformed token"),
    "truncated_to_two_parts": (lambda t: t.token().rsplit(".", 1)[0], "malformed token"),
    "truncated_mid_header": (lambda t: t.token()[:15], "malformed token"),
    "non_base64": (lambda t: "!!!.@@@.###", "malformed token"),
    "header_not_json": (lambda t: "bm90IGpzb24.e30.c2ln", "malformed token"),
    "huge": (lambda t: "a" * 1_000_000, "token too large"),
}
