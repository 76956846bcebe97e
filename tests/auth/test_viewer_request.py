"""The viewer-request function, driven with CloudFront viewer-request events."""

from __future__ import annotations

import base64
import json
import logging
import urllib.parse
from typing import Any

import pytest
import viewer_request
from edge_config import EdgeConfig, load_config
from edge_jwt import JwksCache

from tests.auth.conftest import CLIENT_ID
from tests.auth.edge_events import (
    DISTRIBUTION,
    cookie_value,
    header,
    location_query,
    request_of,
    set_cookies,
    viewer_request_event,
)
from tests.auth.helpers import JwksServer, TokenFactory

HOSTED_UI = "https://example-app.auth.us-east-1.amazoncognito.com"


@pytest.fixture()
def config(jwks_server: JwksServer) -> EdgeConfig:
    return EdgeConfig(issuer=jwks_server.issuer, client_id=CLIENT_ID, cognito_domain=HOSTED_UI)


@pytest.fixture()
def keys(jwks_server: JwksServer) -> JwksCache:
    return JwksCache(jwks_server.jwks_url, timeout_s=0.5)


def run(event: dict[str, Any], config: EdgeConfig, keys: JwksCache | None = None) -> dict:
    return viewer_request.handle(request_of(event), config, keys)


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        json.loads(r.getMessage())["reason"]
        for r in caplog.records
        if r.name == "edge_auth" and r.levelno == logging.WARNING
    ]


def returned_path(state: str) -> str:
    encoded = state.partition(".")[2]
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()


def test_login_redirects_to_the_hosted_ui_authorize_endpoint(config: EdgeConfig) -> None:
    response = run(viewer_request_event("/login"), config)
    assert response["status"] == "302"
    assert header(response, "location").startswith(f"{HOSTED_UI}/oauth2/authorize?")
    query = location_query(response)
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == f"https://{DISTRIBUTION}/auth/callback"
    assert query["scope"] == "openid email profile"


def test_login_sets_a_short_lived_httponly_nonce_cookie_matching_the_state(
    config: EdgeConfig,
) -> None:
    response = run(viewer_request_event("/login"), config)
    nonce_cookie = set_cookies(response)["auth_nonce"]
    for attribute in ("HttpOnly", "Secure", "SameSite=Lax", "Path=/auth/callback", "Max-Age=600"):
        assert attribute in nonce_cookie
    state = location_query(response)["state"]
    assert state.partition(".")[0] == cookie_value(nonce_cookie)


def test_each_login_gets_a_fresh_nonce(config: EdgeConfig) -> None:
    first = cookie_value(set_cookies(run(viewer_request_event("/login"), config))["auth_nonce"])
    second = cookie_value(set_cookies(run(viewer_request_event("/login"), config))["auth_nonce"])
    assert first != second


def test_login_carries_the_return_path_in_the_state(config: EdgeConfig) -> None:
    query = urllib.parse.urlencode({"state": "/join?session=K7Q2ZP"})
    response = run(viewer_request_event("/login", query), config)
    assert returned_path(location_query(response)["state"]) == "/join?session=K7Q2ZP"


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "https://evil.example/", "/\\evil.example", "\\\\evil", "javascript:x"],
)
def test_login_replaces_a_foreign_return_target_with_the_root(
    config: EdgeConfig, target: str
) -> None:
    query = urllib.parse.urlencode({"state": target})
    response = run(viewer_request_event("/login", query), config)
    assert returned_path(location_query(response)["state"]) == "/"


def test_login_uses_the_configured_redirect_uri_when_set(jwks_server: JwksServer) -> None:
    fixed = EdgeConfig(
        issuer=jwks_server.issuer,
        client_id=CLIENT_ID,
        cognito_domain=HOSTED_UI,
        redirect_uri="https://app.example.com/auth/callback",
    )
    response = run(viewer_request_event("/login", host="evil.example"), fixed)
    assert location_query(response)["redirect_uri"] == "https://app.example.com/auth/callback"


def test_login_with_an_unusable_host_header_is_a_bad_request(config: EdgeConfig) -> None:
    response = run(viewer_request_event("/login", host="evil.example/x?"), config)
    assert response["status"] == "400"


def test_callback_path_passes_through_untouched(config: EdgeConfig) -> None:
    event = viewer_request_event("/auth/callback", "code=abc&state=x")
    assert run(event, config) == request_of(
        viewer_request_event("/auth/callback", "code=abc&state=x")
    )


def test_logout_clears_the_session_cookies_and_redirects_to_login(config: EdgeConfig) -> None:
    response = run(viewer_request_event("/auth/logout", cookies={"id_token": "x"}), config)
    assert response["status"] == "302"
    assert header(response, "location") == "/login"
    cleared = set_cookies(response)
    for name in ("id_token", "access_token", "refresh_token"):
        assert "Max-Age=0" in cleared[name]
    assert "Path=/auth;" in cleared["refresh_token"]


def test_static_asset_passes_without_a_session(config: EdgeConfig) -> None:
    event = viewer_request_event("/assets/app.3f9a.js")
    assert run(event, config)["uri"] == "/assets/app.3f9a.js"


def test_configured_public_path_passes_without_a_session(config: EdgeConfig) -> None:
    assert run(viewer_request_event("/robots.txt"), config)["uri"] == "/robots.txt"


def test_clean_url_with_a_valid_session_is_rewritten_to_its_html_file(
    config: EdgeConfig, tokens: TokenFactory, keys: JwksCache
) -> None:
    event = viewer_request_event("/join", cookies={"id_token": tokens.token("id")})
    assert run(event, config, keys)["uri"] == "/join.html"


def test_folder_url_with_a_valid_session_is_rewritten_to_its_index(
    config: EdgeConfig, tokens: TokenFactory, keys: JwksCache
) -> None:
    event = viewer_request_event("/docs/", cookies={"id_token": tokens.token("id")})
    assert run(event, config, keys)["uri"] == "/docs/index.html"


def test_protected_page_without_a_session_redirects_to_login_with_the_return_url(
    config: EdgeConfig,
) -> None:
    response = run(viewer_request_event("/join", "session=K7Q2ZP"), config)
    assert response["status"] == "302"
    location = header(response, "location")
    assert location.startswith("/login?")
    assert location_query(response)["state"] == "/join?session=K7Q2ZP"


def test_protected_page_with_an_expired_session_redirects_to_login_and_logs(
    config: EdgeConfig, tokens: TokenFactory, keys: JwksCache, caplog: pytest.LogCaptureFixture
) -> None:
    import time

    expired = tokens.token("id", exp=int(time.time()) - 600, iat=int(time.time()) - 4200)
    response = run(viewer_request_event("/join", cookies={"id_token": expired}), config, keys)
    assert header(response, "location").startswith("/login?")
    assert "Max-Age=0" in set_cookies(response)["id_token"]
    assert refusals(caplog) == ["session cookie refused: expired"]


def test_access_token_in_the_id_token_cookie_is_refused(
    config: EdgeConfig, tokens: TokenFactory, keys: JwksCache
) -> None:
    event = viewer_request_event("/join", cookies={"id_token": tokens.token("access")})
    assert run(event, config, keys)["status"] == "302"


def test_forged_session_cookie_is_refused(
    config: EdgeConfig, tokens: TokenFactory, keys: JwksCache, caplog: pytest.LogCaptureFixture
) -> None:
    event = viewer_request_event("/join", cookies={"id_token": tokens.hs256_with_public_key()})
    assert run(event, config, keys)["status"] == "302"
    assert refusals(caplog) == ["session cookie refused: algorithm not allowed"]


def test_unconfigured_edge_answers_protected_pages_with_503(jwks_server: JwksServer) -> None:
    unset = EdgeConfig(issuer="", client_id="", cognito_domain="")
    assert run(viewer_request_event("/join"), unset)["status"] == "503"
    assert run(viewer_request_event("/login"), unset)["status"] == "503"


def test_unconfigured_edge_still_serves_static_assets() -> None:
    unset = EdgeConfig(issuer="", client_id="", cognito_domain="")
    assert run(viewer_request_event("/style.css"), unset)["uri"] == "/style.css"


def test_checked_in_config_loads_and_is_marked_unset() -> None:
    config = load_config()
    assert not config.is_configured
    assert config.scopes == ("openid", "email", "profile")


def test_handler_uses_the_baked_config() -> None:
    response = viewer_request.handler(viewer_request_event("/join"), None)
    assert response["status"] == "503"


def test_handler_answers_a_non_cloudfront_event_with_400() -> None:
    assert viewer_request.handler({"hello": "world"}, None)["status"] == "400"
