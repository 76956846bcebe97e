"""The local issuer: its HTTP endpoints, and tokens both verifiers accept."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from authz.authorize import authorize_event
from authz.config import AuthConfig
from authz.jwks import JwksCache as AuthorizerJwks
from edge_jwt import JwksCache as EdgeJwks
from edge_jwt import verify_token as edge_verify

from local_gateway.issuer import IssuerRequestError, LocalIssuer, subject_for


@pytest.fixture(scope="module")
def issuer() -> Iterator[LocalIssuer]:
    with LocalIssuer(client_id="local-client") as running:
        yield running


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def authorize(issuer: LocalIssuer, token: str) -> dict[str, Any]:
    config = AuthConfig(issuer.issuer_url, issuer.client_id, False, issuer.jwks_url)
    event = {
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:api/local/$connect",
        "queryStringParameters": {"token": token},
        "requestContext": {"connectionId": "c1"},
    }
    return authorize_event(event, config, AuthorizerJwks(issuer.jwks_url))


def test_token_from_the_http_endpoint_is_accepted_by_the_authorizer(issuer: LocalIssuer) -> None:
    status, body = get(f"{issuer.issuer_url}/token?user=alice")
    assert status == 200
    response = authorize(issuer, body.strip())
    assert response["context"] == {
        "userId": subject_for("alice"),
        "email": "alice@example.test",
        "isAuthenticated": "true",
    }


def test_access_token_from_the_http_endpoint_is_accepted_by_the_authorizer(
    issuer: LocalIssuer,
) -> None:
    _, body = get(f"{issuer.issuer_url}/token?user=bob&use=access")
    assert authorize(issuer, body.strip())["context"]["userId"] == subject_for("bob")


def test_minted_id_token_is_accepted_by_the_edge_verifier(issuer: LocalIssuer) -> None:
    claims = edge_verify(
        issuer.mint("carol", email="carol@example.com"),
        issuer.issuer_url,
        issuer.client_id,
        EdgeJwks(issuer.jwks_url),
    )
    assert (claims["sub"], claims["email"]) == (subject_for("carol"), "carol@example.com")


def test_the_same_user_always_gets_the_same_subject() -> None:
    assert subject_for("alice") == subject_for("alice")
    assert subject_for("alice") != subject_for("bob")


def test_jwks_is_published_at_the_well_known_path(issuer: LocalIssuer) -> None:
    status, body = get(issuer.jwks_url)
    (key,) = json.loads(body)["keys"]
    assert status == 200
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")


def test_token_request_without_a_user_is_a_400_with_a_hint(issuer: LocalIssuer) -> None:
    status, body = get(f"{issuer.issuer_url}/token")
    assert status == 400
    assert "user=" in body


def test_token_request_with_an_unusable_user_name_is_a_400(issuer: LocalIssuer) -> None:
    status, _ = get(f"{issuer.issuer_url}/token?user=%3Cscript%3E")
    assert status == 400


def test_mint_refuses_an_unknown_token_use(issuer: LocalIssuer) -> None:
    with pytest.raises(IssuerRequestError):
        issuer.mint("alice", token_use="refresh")


def test_howto_tells_how_to_get_a_token_and_connect(issuer: LocalIssuer) -> None:
    text = issuer.howto("ws://127.0.0.1:8080/local")
    assert f"{issuer.issuer_url}/token?user=alice" in text
    assert "ws://127.0.0.1:8080/local?token=$TOKEN" in text
