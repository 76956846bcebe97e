"""The edge functions' settings, baked into the package as `edge_config.json`
next to this module (Lambda@Edge has no environment variables).

Keys (unknown keys and keys starting with `_` are ignored):

- `issuer`: the OIDC issuer URL, for Cognito
  `https://cognito-idp.{region}.amazonaws.com/{userPoolId}`. Empty = unset.
- `clientId`: the app client id (a public client: no secret). Empty = unset.
- `cognitoDomain`: https URL of the hosted UI domain, e.g.
  `https://myapp.auth.us-east-1.amazoncognito.com` (no trailing slash). Empty = unset.
- `scopes`: OAuth scopes asked for at login (default `["openid", "email", "profile"]`).
- `jwksUrl`: optional; default `{issuer}/.well-known/jwks.json`.
- `redirectUri`: optional fixed callback URL registered on the app client;
  default `https://{Host of the request}/auth/callback`.
- `publicPaths`: optional exact paths served without a session (default
  `["/favicon.ico", "/robots.txt"]`); static assets (by extension) always are.

While `issuer`, `clientId` or `cognitoDomain` is unset, the edge serves
static assets but answers protected pages and `/login` with 503.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CONFIG_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "edge_config.json")
DEFAULT_SCOPES = ("openid", "email", "profile")
DEFAULT_PUBLIC_PATHS = ("/favicon.ico", "/robots.txt")


class EdgeConfigError(ValueError):
    """edge_config.json is missing or malformed."""


@dataclass(frozen=True)
class EdgeConfig:
    issuer: str
    client_id: str
    cognito_domain: str
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    jwks_url: str = ""
    redirect_uri: str = ""
    public_paths: tuple[str, ...] = DEFAULT_PUBLIC_PATHS

    @property
    def is_configured(self) -> bool:
        return bool(self.issuer and self.client_id and self.cognito_domain)

    @property
    def effective_jwks_url(self) -> str:
        return self.jwks_url or f"{self.issuer}/.well-known/jwks.json"


def _text(document: Mapping[str, Any], key: str) -> str:
    value = document.get(key, "")
    if not isinstance(value, str):
        raise EdgeConfigError(f"{key} must be a string")
    return value.strip()


def _strings(document: Mapping[str, Any], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = document.get(key)
    if value is None:
        return default
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise EdgeConfigError(f"{key} must be a list of strings")
    return tuple(value)


def config_from_dict(document: Mapping[str, Any]) -> EdgeConfig:
    if not isinstance(document, Mapping):
        raise EdgeConfigError("edge_config.json must hold a JSON object")
    return EdgeConfig(
        issuer=_text(document, "issuer").rstrip("/"),
        client_id=_text(document, "clientId"),
        cognito_domain=_text(document, "cognitoDomain").rstrip("/"),
        scopes=_strings(document, "scopes", DEFAULT_SCOPES),
        jwks_url=_text(document, "jwksUrl"),
        redirect_uri=_text(document, "redirectUri"),
        public_paths=_strings(document, "publicPaths", DEFAULT_PUBLIC_PATHS),
    )


def load_config(path: str = CONFIG_PATH) -> EdgeConfig:
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except (OSError, ValueError) as exc:
        raise EdgeConfigError(f"cannot read {os.path.basename(path)}: {exc}") from exc
    return config_from_dict(document)


_loaded: EdgeConfig | None = None


def current_config() -> EdgeConfig:
    """The baked configuration, read once per container."""
    global _loaded
    if _loaded is None:
        _loaded = load_config()
    return _loaded
