"""The OAuth 2.0 authorization-code flow against Cognito's hosted UI:
the authorize URL, the callback URL, and the code-for-tokens exchange."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from edge_config import EdgeConfig
from edge_paths import CALLBACK_PATH, valid_host

EXCHANGE_TIMEOUT_S = 3.0
MAX_TOKEN_RESPONSE_BYTES = 64 * 1024
DEFAULT_EXPIRES_IN_S = 3600


class TokenExchangeError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TokenSet:
    id_token: str
    access_token: str
    refresh_token: str | None
    expires_in_s: int


def callback_url(config: EdgeConfig, host: str | None) -> str | None:
    """Where the hosted UI sends the browser back: fixed by config, else this host."""
    if config.redirect_uri:
        return config.redirect_uri
    host = valid_host(host)
    return f"https://{host}{CALLBACK_PATH}" if host else None


def authorize_url(config: EdgeConfig, redirect_uri: str, state: str) -> str:
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": config.client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(config.scopes),
            "state": state,
        },
        quote_via=urllib.parse.quote,
    )
    return f"{config.cognito_domain}/oauth2/authorize?{query}"


def token_set_from_response(document: Any) -> TokenSet:
    if not isinstance(document, dict):
        raise TokenExchangeError("token response is not an object")
    id_token, access_token = document.get("id_token"), document.get("access_token")
    if not isinstance(id_token, str) or not isinstance(access_token, str):
        raise TokenExchangeError("token response lacks id_token or access_token")
    refresh_token = document.get("refresh_token")
    expires_in = document.get("expires_in")
    if isinstance(expires_in, bool) or not isinstance(expires_in, int):
        expires_in = DEFAULT_EXPIRES_IN_S
    return TokenSet(
        id_token=id_token,
        access_token=access_token,
        refresh_token=refresh_token if isinstance(refresh_token, str) else None,
        expires_in_s=max(60, min(expires_in, 24 * 3600)),
    )


def _error_code(raw: bytes) -> str:
    try:
        document = json.loads(raw)
    except ValueError:
        return "unreadable error"
    error = document.get("error") if isinstance(document, dict) else None
    return error[:100] if isinstance(error, str) else "unknown error"


def exchange_code(config: EdgeConfig, code: str, redirect_uri: str) -> TokenSet:
    """POST the code to `{cognitoDomain}/oauth2/token` (public client, no secret)."""
    body = urllib.parse.urlencode(
        {
            "grant_type": "authorization_code",
            "client_id": config.client_id,
            "code": code,
            "redirect_uri": redirect_uri,
        }
    ).encode()
    request = urllib.request.Request(
        f"{config.cognito_domain}/oauth2/token",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=EXCHANGE_TIMEOUT_S) as response:  # noqa: S310
            raw = response.read(MAX_TOKEN_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise TokenExchangeError(
            f"HTTP {exc.code}: {_error_code(exc.read(MAX_TOKEN_RESPONSE_BYTES))}"
        ) from exc
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
        raise TokenExchangeError(f"token endpoint unreachable ({type(exc).__name__})") from exc
    if len(raw) > MAX_TOKEN_RESPONSE_BYTES:
        raise TokenExchangeError("token response too large")
    try:
        document = json.loads(raw)
    except ValueError as exc:
        raise TokenExchangeError("token response is not JSON") from exc
    return token_set_from_response(document)
