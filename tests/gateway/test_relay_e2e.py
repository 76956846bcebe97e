"""End to end: the real template and the real handlers behind the local gateway,
driven by real WebSocket clients with PyNaCl encryption."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator

import pytest

from local_gateway.testing import DEFAULT_TEMPLATE, REPO_ROOT, RunningGateway, running_gateway
from relay_client.ws import CliClient, WebClient

pytestmark = pytest.mark.skipif(
    not (REPO_ROOT / "src" / "handlers" / "message.py").exists(),
    reason="relay handlers not written yet",
)


@pytest.fixture(scope="module")
def relay_gateway() -> Iterator[RunningGateway]:
    subprocess.run(
        [sys.executable, "scripts/synth.py"], cwd=REPO_ROOT, check=True, capture_output=True
    )
    with running_gateway(DEFAULT_TEMPLATE) as gateway:
        yield gateway


async def relay_flow(url: str) -> None:
    cli = await CliClient.open(url)
    created = await cli.create()
    assert created["wsEndpoint"] == url

    web = await WebClient.open(url)
    joined = await web.join(cli.session_id)
    assert joined["type"] == "session:joined" and joined["cliPublicKey"] == cli.keys.public_b64
    web_id = await cli.expect_web()

    await cli.send_output("hello from the terminal")
    assert (await web.next_plaintext())["payload"] == "hello from the terminal"
    await web.send_input("ls -la\n")
    typed = await cli.next_plaintext()
    assert (typed["type"], typed["payload"]) == ("terminal:input", "ls -la\n")

    second = await WebClient.open(url)
    assert (await second.join(cli.session_id))["type"] == "session:joined"
    second_id = await cli.expect_web()
    await cli.send_output("to both")
    assert (await web.next_plaintext())["payload"] == "to both"
    assert (await second.next_plaintext())["payload"] == "to both"

    await second.leave()
    await cli.expect("web:disconnected", connectionId=second_id)
    del cli.webs[second_id]

    await cli.drop()
    await web.expect("cli:disconnected")

    reconnected = await cli.reconnect()
    assert reconnected["sessionId"] == cli.session_id
    await web.follow_reconnect()
    assert await cli.expect_web() == web_id

    await cli.send_output("back again")
    assert (await web.next_plaintext())["payload"] == "back again"
    await web.send_input("exit\n")
    assert (await cli.next_plaintext())["payload"] == "exit\n"

    for client in (cli, web, second):
        await client.close()


def test_full_relay_flow_create_join_relay_leave_drop_reconnect(
    relay_gateway: RunningGateway,
) -> None:
    asyncio.run(relay_flow(relay_gateway.ws_url))


def test_join_of_an_unknown_session_gets_session_not_found(relay_gateway: RunningGateway) -> None:
    async def run() -> dict:
        web = await WebClient.open(relay_gateway.ws_url)
        try:
            return await web.join("NOSUCH")
        finally:
            await web.close()

    reply = asyncio.run(run())
    assert (reply["type"], reply["code"]) == ("error", "SESSION_NOT_FOUND")


def test_closing_web_socket_tells_the_cli_web_disconnected(relay_gateway: RunningGateway) -> None:
    async def run() -> None:
        cli = await CliClient.open(relay_gateway.ws_url)
        await cli.create()
        web = await WebClient.open(relay_gateway.ws_url)
        await web.join(cli.session_id)
        web_id = await cli.expect_web()
        await web.close()
        await cli.expect("web:disconnected", connectionId=web_id)
        await cli.close()

    asyncio.run(run())


def test_ping_gets_pong_through_the_gateway(relay_gateway: RunningGateway) -> None:
    async def run() -> dict:
        client = await CliClient.open(relay_gateway.ws_url)
        try:
            return await client.ping()
        finally:
            await client.close()

    assert isinstance(asyncio.run(run())["timestamp"], int)


def test_frame_over_128_kb_never_reaches_the_relay_and_closes_with_1009(
    relay_gateway: RunningGateway,
) -> None:
    async def run() -> int | None:
        client = await CliClient.open(relay_gateway.ws_url)
        await client.send_raw("{" + " " * (128 * 1024) + "}")
        code, _ = await client.expect_closed()
        return code

    assert asyncio.run(run()) == 1009
