"""Authentication end to end: the real local gateway (real WebSockets, the real
authorizer and relay handlers in worker processes, DynamoDB on moto's server)
trusting the local issuer over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus

from local_gateway.issuer import LocalIssuer
from local_gateway.testing import RunningGateway, running_gateway
from relay_client.ws import CliClient, ProtocolClient
from scripts.synth import synth
from tests.auth.helpers import SigningKey, TokenFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def issuer() -> Iterator[LocalIssuer]:
    with LocalIssuer(client_id="e2e-client") as running:
        yield running


@pytest.fixture(scope="module")
def template() -> Any:
    return synth(ROOT / "build")[0]  # rewrites build/api.yaml only if it changed


@pytest.fixture(scope="module")
def open_gateway(template: Any, issuer: LocalIssuer) -> Iterator[RunningGateway]:
    """Anonymous callers allowed."""
    with running_gateway(template, issuer=issuer.issuer_url, client_id=issuer.client_id) as gw:
        yield gw


@pytest.fixture(scope="module")
def closed_gateway(template: Any, issuer: LocalIssuer) -> Iterator[RunningGateway]:
    """`--no-anonymous`: a token is required."""
    with running_gateway(
        template, issuer=issuer.issuer_url, client_id=issuer.client_id, anonymous=False
    ) as gw:
        yield gw


async def list_sessions(client: ProtocolClient) -> dict[str, Any]:
    await client.send({"type": "session:list:request"})
    return await client.expect("session:list:response")


async def refused_status(url: str, token: str | None) -> int:
    with pytest.raises(InvalidStatus) as refused:
        await ProtocolClient.open(url, token)
    return refused.value.response.status_code


def test_valid_token_creates_a_session_owned_by_that_user(
    open_gateway: RunningGateway, issuer: LocalIssuer
) -> None:
    async def scenario() -> tuple[list[str], list[str]]:
        cli = await CliClient.open(open_gateway.ws_url, issuer.mint("alice"))
        await cli.create()
        alice = await ProtocolClient.open(
            open_gateway.ws_url, issuer.mint("alice", token_use="access")
        )
        bob = await ProtocolClient.open(open_gateway.ws_url, issuer.mint("bob"))
        alices = [s["sessionId"] for s in (await list_sessions(alice))["sessions"]]
        bobs = [s["sessionId"] for s in (await list_sessions(bob))["sessions"]]
        for client in (cli, alice, bob):
            await client.close()
        return [cli.session_id, *alices], bobs

    (created, *alices), bobs = asyncio.run(scenario())
    assert created in alices
    assert created not in bobs


def test_forged_token_is_refused_at_the_upgrade(
    open_gateway: RunningGateway, issuer: LocalIssuer
) -> None:
    impostor = TokenFactory(
        issuer=issuer.issuer_url,
        client_id=issuer.client_id,
        key=SigningKey.generate(issuer.jwks()["keys"][0]["kid"]),
    )
    status = asyncio.run(refused_status(open_gateway.ws_url, impostor.token()))
    assert status == 403
    open_gateway.wait_for_output('"reason": "bad signature"')


def test_token_from_an_untrusted_issuer_is_refused_at_the_upgrade(
    template: Any, open_gateway: RunningGateway
) -> None:
    with LocalIssuer(client_id="someone-else") as other:
        status = asyncio.run(refused_status(open_gateway.ws_url, other.mint("alice")))
    assert status == 403
    open_gateway.wait_for_output('"reason": "unknown kid')


def test_anonymous_caller_is_allowed_when_anonymous_access_is_on(
    open_gateway: RunningGateway,
) -> None:
    async def scenario() -> dict[str, Any]:
        cli = await CliClient.open(open_gateway.ws_url)
        await cli.create()
        await cli.send({"type": "session:list:request"})
        error = await cli.expect("error")
        await cli.close()
        return error

    assert asyncio.run(scenario())["code"] == "UNAUTHORIZED"


def test_anonymous_caller_is_refused_when_anonymous_access_is_off(
    closed_gateway: RunningGateway,
) -> None:
    assert asyncio.run(refused_status(closed_gateway.ws_url, None)) == 403
    closed_gateway.wait_for_output('"reason": "no token and anonymous access is off"')


def test_valid_token_is_accepted_when_anonymous_access_is_off(
    closed_gateway: RunningGateway, issuer: LocalIssuer
) -> None:
    async def scenario() -> dict[str, Any]:
        cli = await CliClient.open(closed_gateway.ws_url, issuer.mint("carol"))
        created = await cli.create()
        await cli.close()
        return created

    assert asyncio.run(scenario())["type"] == "session:created"
