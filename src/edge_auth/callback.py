"""Lambda@Edge for `/auth/callback`: the hosted UI's redirect back.

Checks `state` against the `auth_nonce` cookie set by `/login`, exchanges the
code at `{cognitoDomain}/oauth2/token`, sets `id_token` and `access_token`
(HttpOnly, Secure, SameSite=Lax, path `/`) and `refresh_token` (path `/auth`),
clears the nonce and redirects to the same-origin path carried in `state`.
Every text it shows is escaped; errors get a small page with a way back.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from typing import Any

from edge_config import EdgeConfig
from edge_cookies import (
    ACCESS_TOKEN,
    ID_TOKEN,
    LOGIN_NONCE,
    NONCE_PATH,
    REFRESH_MAX_AGE_S,
    REFRESH_PATH,
    REFRESH_TOKEN,
    clear_cookie,
    first_header,
    request_cookies,
    set_cookie,
)
from edge_entry import serve
from edge_log import log_decision
from edge_oauth import TokenExchangeError, TokenSet, callback_url, exchange_code
from edge_paths import LOGIN_PATH
from edge_responses import html_page, redirect
from edge_state import return_path_from_state, state_matches_nonce

FUNCTION = "callback"
TRY_AGAIN = (LOGIN_PATH, "Sign in again")
Exchange = Callable[[EdgeConfig, str, str], TokenSet]


def single_param(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values and len(values) == 1 and values[0] else None


def session_cookies(tokens: TokenSet) -> list[str]:
    cookies = [
        set_cookie(ID_TOKEN, tokens.id_token, tokens.expires_in_s),
        set_cookie(ACCESS_TOKEN, tokens.access_token, tokens.expires_in_s),
        clear_cookie(LOGIN_NONCE, NONCE_PATH),
    ]
    if tokens.refresh_token:
        cookies.append(
            set_cookie(REFRESH_TOKEN, tokens.refresh_token, REFRESH_MAX_AGE_S, REFRESH_PATH)
        )
    return cookies


def refuse(uri: str, status: int, reason: str, title: str, message: str) -> dict[str, Any]:
    log_decision(FUNCTION, uri, "refused", reason, True)
    return html_page(status, title, message, TRY_AGAIN)


def handle(
    request: dict[str, Any], config: EdgeConfig, exchange: Exchange = exchange_code
) -> dict[str, Any]:
    uri = request.get("uri") or "/"
    if not config.is_configured:
        return refuse(uri, 503, "edge_config.json has no issuer", "Sign-in is not configured", "")
    params = urllib.parse.parse_qs(request.get("querystring") or "", keep_blank_values=True)
    if "error" in params:
        error = " ".join(params["error"])
        description = " ".join(params.get("error_description", []))
        return refuse(
            uri,
            400,
            f"authorization server error: {error[:100]}",
            "Sign-in failed",
            f"{error}: {description}" if description else error,
        )
    code, state = single_param(params, "code"), single_param(params, "state")
    if code is None or state is None:
        return refuse(uri, 400, "missing code or state", "Sign-in failed", "Incomplete reply.")
    headers = request.get("headers") or {}
    if not state_matches_nonce(state, request_cookies(headers).get(LOGIN_NONCE)):
        return refuse(
            uri,
            400,
            "state does not match the login nonce cookie",
            "Sign-in link not valid here",
            "This sign-in did not start in this browser, or took too long.",
        )
    redirect_uri = callback_url(config, first_header(headers, "host"))
    if redirect_uri is None:
        return refuse(uri, 400, "no usable Host header", "Bad request", "No usable Host header.")
    try:
        tokens = exchange(config, code, redirect_uri)
    except TokenExchangeError as exc:
        return refuse(
            uri,
            502,
            f"code exchange failed: {exc.reason}",
            "Sign-in failed",
            f"The sign-in service refused the code ({exc.reason}).",
        )
    log_decision(FUNCTION, uri, "signed-in", "code exchanged", False)
    return redirect(return_path_from_state(state), session_cookies(tokens))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return serve(FUNCTION, event, handle, TRY_AGAIN)
