"""The callback function against a loopback stand-in of Cognito's token endpoint."""

from __future__ import annotations

import json
import logging
import urllib.parse
from typing import Any

import callback
import pytest
import viewer_request
from edge_config import EdgeConfig
from edge_state import make_state

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
from tests.auth.helpers import TokenEndpoint

NONCE = "n0nce-value-for-tests"
MAX_GENERATED_RESPONSE = 40 * 1024


@pytest.fixture()
def config(token_endpoint: TokenEndpoint) -> EdgeConfig:
    return EdgeConfig(
        issuer="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_test",
        client_id=CLIENT_ID,
        cognito_domain=token_endpoint.url,
    )


def good_tokens() -> dict[str, Any]:
    return {
        "id_token": "header.id-claims.sig",
        "access_token": "header.access-claims.sig",
        "refresh_token": "opaque-refresh",
        "expires_in": 3600,
        "token_type": "Bearer",
    }


def callback_event(
    code: str = "the-code", state: str | None = None, nonce: str | None = NONCE, **extra: str
) -> dict[str, Any]:
    params = {"code": code, "state": state or make_state(NONCE, "/join?session=K7Q2ZP"), **extra}
    cookies = {"auth_nonce": nonce} if nonce else None
    return viewer_request_event("/auth/callback", urllib.parse.urlencode(params), cookies)


def run(event: dict[str, Any], config: EdgeConfig) -> dict[str, Any]:
    response = callback.handle(request_of(event), config)
    assert len(json.dumps(response).encode()) < MAX_GENERATED_RESPONSE
    return response


def refusals(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        json.loads(r.getMessage())["reason"]
        for r in caplog.records
        if r.name == "edge_auth" and r.levelno == logging.WARNING
    ]


def test_successful_exchange_redirects_to_the_return_path(
    config: EdgeConfig, token_endpoint: TokenEndpoint
) -> None:
    token_endpoint.reply = (200, good_tokens())
    response = run(callback_event(), config)
    assert response["status"] == "302"
    assert header(response, "location") == "/join?session=K7Q2ZP"


def test_successful_exchange_sets_the_session_cookies(
    config: EdgeConfig, token_endpoint: TokenEndpoint
) -> None:
    token_endpoint.reply = (200, good_tokens())
    cookies = set_cookies(run(callback_event(), config))
    assert cookie_value(cookies["id_token"]) == good_tokens()["id_token"]
    assert cookie_value(cookies["access_token"]) == good_tokens()["access_token"]
    for name in ("id_token", "access_token"):
        for attribute in ("HttpOnly", "Secure", "SameSite=Lax", "Path=/;", "Max-Age=3600"):
            assert attribute in cookies[name]
    assert "Path=/auth;" in cookies["refresh_token"]
    assert "HttpOnly" in cookies["refresh_token"]
    assert "Max-Age=0" in cookies["auth_nonce"]


def test_the_code_is_exchanged_with_the_registered_redirect_uri(
    config: EdgeConfig, token_endpoint: TokenEndpoint
) -> None:
    token_endpoint.reply = (200, good_tokens())
    run(callback_event(code="abc123"), config)
    (form,) = token_endpoint.token_requests
    assert form == {
        "grant_type": ["authorization_code"],
        "client_id": [CLIENT_ID],
        "code": ["abc123"],
        "redirect_uri": [f"https://{DISTRIBUTION}/auth/callback"],
    }


def test_token_endpoint_error_shows_a_page_and_sets_no_session(
    config: EdgeConfig, token_endpoint: TokenEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    token_endpoint.reply = (400, {"error": "invalid_grant"})
    response = run(callback_event(), config)
    assert response["status"] == "502"
    assert "invalid_grant" in response["body"]
    assert "set-cookie" not in response["headers"]
    assert refusals(caplog) == ["code exchange failed: HTTP 400: invalid_grant"]


def test_token_endpoint_error_text_is_escaped(
    config: EdgeConfig, token_endpoint: TokenEndpoint
) -> None:
    token_endpoint.reply = (400, {"error": "<img src=x onerror=alert(1)>"})
    body = run(callback_event(), config)["body"]
    assert "<img" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body


def test_token_endpoint_down_shows_a_page(
    config: EdgeConfig, token_endpoint: TokenEndpoint
) -> None:
    token_endpoint.stop()
    assert run(callback_event(), config)["status"] == "502"


def test_token_response_without_tokens_is_refused(
    config: EdgeConfig, token_endpoint: TokenEndpoint
) -> None:
    token_endpoint.reply = (200, {"token_type": "Bearer"})
    assert run(callback_event(), config)["status"] == "502"


def test_state_not_matching_the_nonce_cookie_is_refused_without_exchanging(
    config: EdgeConfig, token_endpoint: TokenEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    token_endpoint.reply = (200, good_tokens())
    response = run(callback_event(state=make_state("someone-elses-nonce", "/")), config)
    assert response["status"] == "400"
    assert token_endpoint.token_requests == []
    assert refusals(caplog) == ["state does not match the login nonce cookie"]


def test_missing_nonce_cookie_is_refused_without_exchanging(
    config: EdgeConfig, token_endpoint: TokenEndpoint
) -> None:
    token_endpoint.reply = (200, good_tokens())
    assert run(callback_event(nonce=None), config)["status"] == "400"
    assert token_endpoint.token_requests == []


def test_missing_code_is_refused(config: EdgeConfig) -> None:
    event = viewer_request_event("/auth/callback", "state=x", {"auth_nonce": NONCE})
    assert run(event, config)["status"] == "400"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/steal",
        "https://evil.example/",
        "/\\evil.example",
        "\\/evil.example",
        "/ok\r\nSet-Cookie: x=y",
        "javascript:alert(1)",
    ],
)
def test_foreign_return_target_redirects_to_the_root_instead(
    config: EdgeConfig, token_endpoint: TokenEndpoint, target: str
) -> None:
    token_endpoint.reply = (200, good_tokens())
    response = run(callback_event(state=make_state(NONCE, target)), config)
    assert header(response, "location") == "/"


def test_error_from_the_hosted_ui_is_shown_escaped(config: EdgeConfig) -> None:
    query = urllib.parse.urlencode(
        {"error": "<script>alert(1)</script>", "error_description": '"><svg onload=alert(2)>'}
    )
    body = run(viewer_request_event("/auth/callback", query), config)["body"]
    assert "<script>" not in body
    assert "<svg" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_huge_error_text_keeps_the_page_under_the_edge_limit(config: EdgeConfig) -> None:
    query = urllib.parse.urlencode({"error": "x" * 200_000, "error_description": "<" * 100_000})
    response = run(viewer_request_event("/auth/callback", query), config)
    assert response["status"] == "400"


def test_login_then_callback_round_trip_signs_in(
    config: EdgeConfig, token_endpoint: TokenEndpoint
) -> None:
    token_endpoint.reply = (200, good_tokens())
    query = urllib.parse.urlencode({"state": "/join?session=K7Q2ZP"})
    login = viewer_request.handle(request_of(viewer_request_event("/login", query)), config)
    nonce = cookie_value(set_cookies(login)["auth_nonce"])
    state = location_query(login)["state"]
    event = viewer_request_event(
        "/auth/callback",
        urllib.parse.urlencode({"code": "c", "state": state}),
        {"auth_nonce": nonce},
    )
    response = run(event, config)
    assert header(response, "location") == "/join?session=K7Q2ZP"
    assert "id_token" in set_cookies(response)


def test_handler_answers_a_non_cloudfront_event_with_400() -> None:
    assert callback.handler([], None)["status"] == "400"
