"""Verify one Cognito-shaped (or any OIDC) JWT: RS256 signature by a key from
the issuer's JWKS, then issuer, time, `token_use` and audience."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from authz.config import AuthConfig
from authz.errors import TokenRejected

MAX_TOKEN_CHARS = 16 * 1024
LEEWAY_S = 30
TOKEN_USES = ("id", "access")


class KeySource(Protocol):
    def key_for(self, kid: str) -> Any: ...


@dataclass(frozen=True)
class Identity:
    user_id: str
    email: str
    token_use: str


def check_audience_and_use(claims: Mapping[str, Any], audience: str) -> None:
    """Cognito puts the app client id in `aud` for id tokens and in `client_id`
    for access tokens."""
    token_use = claims.get("token_use")
    if token_use not in TOKEN_USES:
        raise TokenRejected("wrong token_use")
    if token_use == "id":
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if audience not in audiences:
            raise TokenRejected("wrong audience")
    elif claims.get("client_id") != audience:
        raise TokenRejected("wrong client_id")


def identity_from_claims(claims: Mapping[str, Any]) -> Identity:
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise TokenRejected("missing sub")
    email = claims.get("email")
    return Identity(
        user_id=sub,
        email=email if isinstance(email, str) else "",
        token_use=str(claims.get("token_use")),
    )


def verify_token(token: str, config: AuthConfig, keys: KeySource) -> Identity:
    """The caller's identity, or TokenRejected with a loggable reason."""
    if len(token) > MAX_TOKEN_CHARS:
        raise TokenRejected("token too large")
    import jwt  # lazy: pulls in cryptography

    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenRejected("malformed token") from exc
    if header.get("alg") != "RS256":
        raise TokenRejected("algorithm not allowed")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenRejected("missing kid")
    key = keys.key_for(kid)
    claims = _decode(jwt, token, key, config)
    check_audience_and_use(claims, config.audience)
    return identity_from_claims(claims)


def _decode(jwt: Any, token: str, key: Any, config: AuthConfig) -> dict[str, Any]:
    try:
        return jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            issuer=config.issuer,
            leeway=LEEWAY_S,
            options={"require": ["exp", "iss", "sub", "token_use"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenRejected("expired") from exc
    except jwt.ImmatureSignatureError as exc:
        raise TokenRejected("not yet valid") from exc
    except jwt.InvalidIssuerError as exc:
        raise TokenRejected("wrong issuer") from exc
    except jwt.InvalidSignatureError as exc:
        raise TokenRejected("bad signature") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise TokenRejected(f"missing claim {exc.claim}") from exc
    except jwt.DecodeError as exc:
        raise TokenRejected("malformed token") from exc
    except jwt.PyJWTError as exc:
        raise TokenRejected(f"invalid token ({type(exc).__name__})") from exc
