"""The `$connect` authorizer against real signed tokens and a real JWKS server."""

from __future__ import annotations

import json
import logging
from typing import Any

import authorizer
import pytest
from authz import authorize as authorize_module
from authz.authorize import authorize_event
from authz.config import AuthConfig
from authz.jwks import JwksCache

from tests.auth.bad_tokens import BAD_TOKENS
from tests.auth.conftest import CLIENT_ID
from tests.auth.helpers import JwksServer, SigningKey, TokenFactory, closed_port_url

API_ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123"
STAGE_RESOURCE = f"{API_ARN}/prod/*"


def connect_event(token: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "REQUEST",
        "methodArn": f"{API_ARN}/prod/$connect",
        "headers": {},
        "queryStringParameters": {"token": token} if token is not None else None,
        "requestContext": {
            "routeKey": "$connect",
            "eventType": "CONNECT",
            "connectionId": "conn-1",
            "apiId": "abc123",
            "stage": "prod",
            "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
        },
    }
    return event


def config_for(server: JwksServer, allow_anonymous: bool = False) -> AuthConfig:
    return AuthConfig(
        issuer=server.issuer,
        audience=CLIENT_ID,
        allow_anonymous=allow_anonymous,
        jwks_url=server.jwks_url,
    )


def effect(response: dict[str, Any]) -> str:
    (statement,) = response["policyDocument"]["Statement"]
    return statement["Effect"]


def refusal_reasons(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        json.loads(r.getMessage())["reason"]
        for r in caplog.records
        if r.name == "authorizer" and r.levelno == logging.WARNING
    ]


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
    return JwksCache(
        jwks_server.jwks_url,
        timeout_s=0.5,
        min_refetch_interval_s=30,
        retry_after_failure_s=5,
        clock=clock,
    )


def test_valid_id_token_is_allowed_with_the_documented_context(
    jwks_server: JwksServer, tokens: TokenFactory, keys: JwksCache
) -> None:
    response = authorize_event(connect_event(tokens.token("id")), config_for(jwks_server), keys)
    assert effect(response) == "Allow"
    assert response["principalId"] == tokens.sub
    assert response["context"] == {
        "userId": tokens.sub,
        "email": tokens.email,
        "isAuthenticated": "true",
    }


def test_valid_access_token_is_allowed_without_email(
    jwks_server: JwksServer, tokens: TokenFactory, keys: JwksCache
) -> None:
    response = authorize_event(connect_event(tokens.token("access")), config_for(jwks_server), keys)
    assert effect(response) == "Allow"
    assert response["context"] == {"userId": tokens.sub, "email": "", "isAuthenticated": "true"}


def test_allow_policy_is_scoped_to_this_api_and_stage(
    jwks_server: JwksServer, tokens: TokenFactory, keys: JwksCache
) -> None:
    response = authorize_event(connect_event(tokens.token()), config_for(jwks_server), keys)
    (statement,) = response["policyDocument"]["Statement"]
    assert statement == {
        "Action": "execute-api:Invoke",
        "Effect": "Allow",
        "Resource": STAGE_RESOURCE,
    }


def test_policy_is_built_from_request_context_when_method_arn_is_missing(
    jwks_server: JwksServer, tokens: TokenFactory, keys: JwksCache, monkeypatch: Any
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    event = connect_event(tokens.token())
    del event["methodArn"]
    response = authorize_event(event, config_for(jwks_server), keys)
    (statement,) = response["policyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == "arn:aws:execute-api:eu-west-1:*:abc123/prod/*"


def test_token_expired_within_leeway_is_still_allowed(
    jwks_server: JwksServer, tokens: TokenFactory, keys: JwksCache
) -> None:
    import time

    token = tokens.token(exp=int(time.time()) - 5)
    assert effect(authorize_event(connect_event(token), config_for(jwks_server), keys)) == "Allow"


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_bad_token_is_denied_with_its_reason_logged(
    case: str,
    jwks_server: JwksServer,
    tokens: TokenFactory,
    keys: JwksCache,
    caplog: pytest.LogCaptureFixture,
) -> None:
    make, reason = BAD_TOKENS[case]
    token = make(tokens)
    response = authorize_event(connect_event(token), config_for(jwks_server), keys)
    assert effect(response) == "Deny"
    assert "context" not in response
    (logged,) = refusal_reasons(caplog)
    assert reason in logged
    assert token[:40] not in caplog.text


@pytest.mark.parametrize("case", sorted(BAD_TOKENS))
def test_bad_token_is_denied_even_when_anonymous_access_is_on(
    case: str, jwks_server: JwksServer, tokens: TokenFactory, keys: JwksCache
) -> None:
    token = BAD_TOKENS[case][0](tokens)
    config = config_for(jwks_server, allow_anonymous=True)
    assert effect(authorize_event(connect_event(token), config, keys)) == "Deny"


def test_missing_token_is_allowed_as_anonymous_when_anonymous_access_is_on(
    jwks_server: JwksServer, keys: JwksCache
) -> None:
    response = authorize_event(
        connect_event(None), config_for(jwks_server, allow_anonymous=True), keys
    )
    assert effect(response) == "Allow"
    assert response["principalId"] == "anonymous"
    assert response["context"] == {"isAuthenticated": "false"}
    assert jwks_server.fetch_count == 0


def test_missing_token_is_denied_when_anonymous_access_is_off(
    jwks_server: JwksServer, keys: JwksCache, caplog: pytest.LogCaptureFixture
) -> None:
    response = authorize_event(connect_event(None), config_for(jwks_server), keys)
    assert effect(response) == "Deny"
    assert refusal_reasons(caplog) == ["no token and anonymous access is off"]


def test_empty_token_is_denied_not_treated_as_anonymous(
    jwks_server: JwksServer, keys: JwksCache
) -> None:
    config = config_for(jwks_server, allow_anonymous=True)
    assert effect(authorize_event(connect_event(""), config, keys)) == "Deny"


def test_unknown_kid_refetches_the_jwks_once_then_denies(
    jwks_server: JwksServer,
    tokens: TokenFactory,
    other_key: SigningKey,
    keys: JwksCache,
    clock: ManualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = config_for(jwks_server)
    assert effect(authorize_event(connect_event(tokens.token()), config, keys)) == "Allow"
    assert jwks_server.fetch_count == 1
    clock.now += 31
    stranger = tokens.token(key=other_key)
    assert effect(authorize_event(connect_event(stranger), config, keys)) == "Deny"
    assert jwks_server.fetch_count == 2
    assert refusal_reasons(caplog) == ["unknown kid"]


def test_a_flood_of_unknown_kids_refetches_at_most_once_per_interval(
    jwks_server: JwksServer,
    tokens: TokenFactory,
    other_key: SigningKey,
    keys: JwksCache,
    clock: ManualClock,
) -> None:
    config = config_for(jwks_server)
    for _ in range(5):
        authorize_event(connect_event(tokens.token(key=other_key)), config, keys)
    assert jwks_server.fetch_count == 1
    clock.now += 31
    for _ in range(5):
        authorize_event(connect_event(tokens.token(key=other_key)), config, keys)
    assert jwks_server.fetch_count == 2


def test_jwks_endpoint_down_is_retried_only_after_a_pause(
    jwks_server: JwksServer, tokens: TokenFactory, keys: JwksCache, clock: ManualClock
) -> None:
    config = config_for(jwks_server)
    jwks_server.status = 503
    for _ in range(3):
        assert effect(authorize_event(connect_event(tokens.token()), config, keys)) == "Deny"
    assert jwks_server.fetch_count == 1
    jwks_server.status = 200
    clock.now += 6
    assert effect(authorize_event(connect_event(tokens.token()), config, keys)) == "Allow"


def test_a_key_added_to_the_jwks_is_found_by_the_refetch(
    jwks_server: JwksServer,
    tokens: TokenFactory,
    other_key: SigningKey,
    keys: JwksCache,
    clock: ManualClock,
) -> None:
    config = config_for(jwks_server)
    assert effect(authorize_event(connect_event(tokens.token()), config, keys)) == "Allow"
    jwks_server.keys.append(other_key)
    clock.now += 31
    rotated = tokens.token(key=other_key)
    assert effect(authorize_event(connect_event(rotated), config, keys)) == "Allow"


def test_jwks_endpoint_down_denies_with_a_reason(
    tokens: TokenFactory, jwks_server: JwksServer, caplog: pytest.LogCaptureFixture
) -> None:
    keys = JwksCache(closed_port_url(), timeout_s=0.5)
    response = authorize_event(connect_event(tokens.token()), config_for(jwks_server), keys)
    assert effect(response) == "Deny"
    (reason,) = refusal_reasons(caplog)
    assert reason.startswith("JWKS unavailable")


def test_jwks_endpoint_answering_an_error_denies(
    tokens: TokenFactory, jwks_server: JwksServer, keys: JwksCache
) -> None:
    jwks_server.status = 500
    response = authorize_event(connect_event(tokens.token()), config_for(jwks_server), keys)
    assert effect(response) == "Deny"


def test_slow_jwks_endpoint_times_out_and_denies(
    tokens: TokenFactory, jwks_server: JwksServer, caplog: pytest.LogCaptureFixture
) -> None:
    jwks_server.delay_s = 1.5
    keys = JwksCache(jwks_server.jwks_url, timeout_s=0.2)
    response = authorize_event(connect_event(tokens.token()), config_for(jwks_server), keys)
    assert effect(response) == "Deny"
    (reason,) = refusal_reasons(caplog)
    assert reason.startswith("JWKS unavailable")


def test_event_that_is_not_a_dict_is_denied_without_exception(
    jwks_server: JwksServer, keys: JwksCache, caplog: pytest.LogCaptureFixture
) -> None:
    response = authorize_event(["not", "an", "event"], config_for(jwks_server), keys)
    assert effect(response) == "Deny"
    assert refusal_reasons(caplog) == ["event names no API and stage"]


def test_handler_reads_its_settings_from_the_environment(
    jwks_server: JwksServer, tokens: TokenFactory, monkeypatch: Any
) -> None:
    monkeypatch.setenv("AUTH_ISSUER", jwks_server.issuer)
    monkeypatch.setenv("AUTH_AUDIENCE", CLIENT_ID)
    monkeypatch.setenv("ALLOW_ANONYMOUS", "false")
    monkeypatch.delenv("AUTH_JWKS_URL", raising=False)
    monkeypatch.setattr(authorize_module, "_caches", {})
    assert effect(authorizer.handler(connect_event(tokens.token()), None)) == "Allow"
    assert effect(authorizer.handler(connect_event(None), None)) == "Deny"


def test_handler_with_an_unreadable_anonymous_setting_denies(
    jwks_server: JwksServer, monkeypatch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("AUTH_ISSUER", jwks_server.issuer)
    monkeypatch.setenv("AUTH_AUDIENCE", CLIENT_ID)
    monkeypatch.setenv("ALLOW_ANONYMOUS", "maybe")
    assert effect(authorizer.handler(connect_event(None), None)) == "Deny"
    (reason,) = refusal_reasons(caplog)
    assert reason.startswith("bad configuration")


def test_token_without_configured_issuer_is_denied(
    monkeypatch: Any, tokens: TokenFactory, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("AUTH_ISSUER", raising=False)
    monkeypatch.delenv("AUTH_AUDIENCE", raising=False)
    monkeypatch.setenv("ALLOW_ANONYMOUS", "true")
    assert effect(authorizer.handler(connect_event(tokens.token()), None)) == "Deny"
    assert effect(authorizer.handler(connect_event(None), None)) == "Allow"
