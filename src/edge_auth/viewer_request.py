"""Lambda@Edge viewer-request: who may see the web app.

- `/auth/logout`: clears the session cookies, redirects to `/login`.
- `/auth/callback`: passed through (the callback function answers it).
- static assets (by extension) and `publicPaths`: passed through.
- `/login`: answered here, so the nonce cookie is really set when login
  starts: a short-lived HttpOnly `auth_nonce` cookie (path `/auth/callback`)
  and a redirect to the hosted UI's `/oauth2/authorize` whose `state` is
  `{nonce}.{base64url(return path)}`. `/login?state=/join` returns to `/join`.
- a valid `id_token` cookie: passed through, clean URLs rewritten
  (`/join` → `/join.html`).
- anything else: redirected to `/login?state={the requested path and query}`.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any

from edge_config import EdgeConfig
from edge_cookies import (
    ACCESS_TOKEN,
    ID_TOKEN,
    LOGIN_NONCE,
    NONCE_MAX_AGE_S,
    NONCE_PATH,
    clear_cookie,
    clear_session_cookies,
    first_header,
    request_cookies,
    set_cookie,
)
from edge_entry import serve
from edge_jwt import JwksCache, KeySource, TokenRejected, verify_token
from edge_log import log_decision
from edge_oauth import authorize_url, callback_url
from edge_paths import (
    CALLBACK_PATH,
    LOGIN_PATH,
    LOGOUT_PATH,
    clean_url,
    is_public,
    request_target,
    safe_return_path,
)
from edge_responses import html_page, redirect
from edge_state import make_state, new_nonce

FUNCTION = "viewer-request"
_jwks_caches: dict[str, JwksCache] = {}


def jwks_cache_for(url: str) -> JwksCache:
    if url not in _jwks_caches:
        _jwks_caches[url] = JwksCache(url)
    return _jwks_caches[url]


def first_param(querystring: str, name: str) -> str | None:
    values = urllib.parse.parse_qs(querystring).get(name)
    return values[0] if values else None


def start_login(request: Mapping[str, Any], config: EdgeConfig) -> dict[str, Any]:
    wanted = first_param(request.get("querystring") or "", "state")
    return_path = safe_return_path(wanted) or "/"
    if return_path.startswith((LOGIN_PATH, "/auth/")):
        return_path = "/"
    redirect_uri = callback_url(config, first_header(request.get("headers") or {}, "host"))
    if redirect_uri is None:
        log_decision(FUNCTION, LOGIN_PATH, "bad-request", "no usable Host header", True)
        return html_page(400, "Bad request", "The request has no usable Host header.")
    nonce = new_nonce()
    log_decision(FUNCTION, LOGIN_PATH, "login", "redirect to hosted UI", False)
    return redirect(
        authorize_url(config, redirect_uri, make_state(nonce, return_path)),
        [set_cookie(LOGIN_NONCE, nonce, NONCE_MAX_AGE_S, NONCE_PATH)],
    )


def login_redirect(target: str, cookies: list[str] | None = None) -> dict[str, Any]:
    query = urllib.parse.urlencode({"state": target}, quote_via=urllib.parse.quote)
    return redirect(f"{LOGIN_PATH}?{query}", cookies or [])


def handle(
    request: dict[str, Any], config: EdgeConfig, keys: KeySource | None = None
) -> dict[str, Any]:
    """The request to forward (possibly rewritten) or the response to send."""
    uri = request.get("uri") or "/"
    if uri == LOGOUT_PATH:
        log_decision(FUNCTION, uri, "logout", "cookies cleared", False)
        return redirect(LOGIN_PATH, clear_session_cookies())
    if uri == CALLBACK_PATH or is_public(uri, config.public_paths):
        return request
    if not config.is_configured:
        log_decision(FUNCTION, uri, "unavailable", "edge_config.json has no issuer", True)
        return html_page(503, "Sign-in is not configured", "Deploy the web stack with auth.")
    if uri == LOGIN_PATH:
        return start_login(request, config)
    target = request_target(uri, request.get("querystring") or "")
    token = request_cookies(request.get("headers") or {}).get(ID_TOKEN)
    if not token:
        log_decision(FUNCTION, uri, "redirect-login", "no session cookie", False)
        return login_redirect(target)
    try:
        verify_token(
            token,
            config.issuer,
            config.client_id,
            keys or jwks_cache_for(config.effective_jwks_url),
            token_uses=("id",),
        )
    except TokenRejected as exc:
        log_decision(FUNCTION, uri, "redirect-login", f"session cookie refused: {exc.reason}", True)
        return login_redirect(target, [clear_cookie(ID_TOKEN), clear_cookie(ACCESS_TOKEN)])
    request["uri"] = clean_url(uri)
    return request


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return serve(FUNCTION, event, handle)
