"""Keys, a live JWKS server and a token factory shared by the auth tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.auth.helpers import JwksServer, SigningKey, TokenEndpoint, TokenFactory

CLIENT_ID = "test-client-id"


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey.generate("key-1")


@pytest.fixture(scope="session")
def other_key() -> SigningKey:
    return SigningKey.generate("key-2")


@pytest.fixture()
def jwks_server(signing_key: SigningKey) -> Iterator[JwksServer]:
    server = JwksServer([signing_key])
    yield server
    server.stop()


@pytest.fixture()
def tokens(jwks_server: JwksServer, signing_key: SigningKey) -> TokenFactory:
    return TokenFactory(issuer=jwks_server.issuer, client_id=CLIENT_ID, key=signing_key)


@pytest.fixture()
def token_endpoint() -> Iterator[TokenEndpoint]:
    endpoint = TokenEndpoint()
    yield endpoint
    endpoint.stop()
