"""The authorizer's settings, read once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


class ConfigError(ValueError):
    """The environment does not describe a usable authorizer."""


@dataclass(frozen=True)
class AuthConfig:
    issuer: str
    audience: str
    allow_anonymous: bool
    jwks_url: str

    @property
    def can_verify(self) -> bool:
        """True when tokens can be checked at all (issuer and audience known)."""
        return bool(self.issuer and self.audience)


def parse_bool(text: str | None, default: bool) -> bool:
    if text is None or not text.strip():
        return default
    value = text.strip().lower()
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off"):
        return False
    raise ConfigError(f"expected true or false, got {text!r}")


def config_from_env(env: Mapping[str, str] | None = None) -> AuthConfig:
    """`AUTH_ISSUER`, `AUTH_AUDIENCE`, `ALLOW_ANONYMOUS`, optional `AUTH_JWKS_URL`.

    Anonymous access defaults to off: a missing setting must not open the door.
    """
    env = os.environ if env is None else env
    issuer = env.get("AUTH_ISSUER", "").strip().rstrip("/")
    audience = env.get("AUTH_AUDIENCE", "").strip()
    allow_anonymous = parse_bool(env.get("ALLOW_ANONYMOUS"), default=False)
    jwks_url = env.get("AUTH_JWKS_URL", "").strip()
    if not jwks_url and issuer:
        jwks_url = f"{issuer}/.well-known/jwks.json"
    return AuthConfig(
        issuer=issuer, audience=audience, allow_anonymous=allow_anonymous, jwks_url=jwks_url
    )
