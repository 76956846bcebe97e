"""Peers killed mid-stream (sockets aborted, no close handshake): the other side is
told, nothing breaks, and the session's stored state ends right."""

from __future__ import annotations

import asyncio
import contextlib

from local_gateway.testing import RunningGateway
from relay_client.ws import CliClient, WebClient
from tests.load.conftest import GatewayTables, LoadSize

NOTICE_TIMEOUT_S = 20.0


async def _stream_output(cli: CliClient, stop: asyncio.Event) -> int:
    sent = 0
    while not stop.is_set():
        await cli.send_output(f"line {sent}\n")
        sent += 1
        await asyncio.sleep(0.005)
    return sent


async def _stream_input(web: WebClient, stop: asyncio.Event) -> int:
    sent = 0
    while not stop.is_set():
        await web.send_input(f"key {sent}")
        sent += 1
        await asyncio.sleep(0.005)
    return sent


async def _session_with_webs(url: str, webs: int) -> tuple[CliClient, list[WebClient], list[str]]:
    cli = await CliClient.open(url)
    await cli.create()
    joined, ids = [], []
    for _ in range(webs):
        web = await WebClient.open(url)
        reply = await web.join(cli.session_id)
        assert reply["type"] == "session:joined", reply
        ids.append(await cli.expect_web())
        joined.append(web)
    return cli, joined, ids


async def _close(*clients: CliClient | WebClient) -> None:
    for client in clients:
        with contextlib.suppress(Exception):
            await client.close()


def test_web_killed_mid_stream_cli_is_told_and_the_web_leaves_the_session(
    gateway: RunningGateway, gateway_tables: GatewayTables, size: LoadSize
) -> None:
    async def scenario() -> None:
        cli, (doomed, survivor), (doomed_id, survivor_id) = await _session_with_webs(
            gateway.ws_url, 2
        )
        stop = asyncio.Event()
        streaming = asyncio.create_task(_stream_output(cli, stop))
        try:
            await survivor.next_plaintext(NOTICE_TIMEOUT_S)
            await doomed.drop()
            await cli.expect("web:disconnected", NOTICE_TIMEOUT_S, connectionId=doomed_id)
            cli.webs.pop(doomed_id, None)
            await asyncio.sleep(0.2)
            stop.set()
            await streaming
            assert (await cli.ping())["type"] == "pong"
            assert (await survivor.ping())["type"] == "pong"
            assert gateway_tables.members(cli.session_id) == {survivor_id}
            assert gateway_tables.connection(doomed_id) is None
            assert gateway_tables.session(cli.session_id)["status"]["S"] == "active"
        finally:
            stop.set()
            await _close(cli, survivor)

    asyncio.run(scenario())


def test_last_web_killed_mid_stream_pauses_the_session(
    gateway: RunningGateway, gateway_tables: GatewayTables
) -> None:
    async def scenario() -> None:
        cli, (web,), (web_id,) = await _session_with_webs(gateway.ws_url, 1)
        stop = asyncio.Event()
        streaming = asyncio.create_task(_stream_output(cli, stop))
        try:
            await web.next_plaintext(NOTICE_TIMEOUT_S)
            await web.drop()
            await cli.expect("web:disconnected", NOTICE_TIMEOUT_S, connectionId=web_id)
            stop.set()
            await streaming
            assert gateway_tables.members(cli.session_id) == set()
            assert gateway_tables.session(cli.session_id)["status"]["S"] == "paused"
        finally:
            stop.set()
            await _close(cli)

    asyncio.run(scenario())


def test_cli_killed_mid_stream_every_web_is_told_and_the_session_closes(
    gateway: RunningGateway, gateway_tables: GatewayTables, size: LoadSize
) -> None:
    async def scenario() -> None:
        cli, webs, _ = await _session_with_webs(gateway.ws_url, size.webs)
        stop = asyncio.Event()
        streams = [asyncio.create_task(_stream_input(web, stop)) for web in webs]
        try:
            await cli.next_plaintext(NOTICE_TIMEOUT_S)
            await cli.drop()
            for web in webs:
                await web.expect("cli:disconnected", NOTICE_TIMEOUT_S)
            stop.set()
            await asyncio.gather(*streams)
            session = gateway_tables.session(cli.session_id)
            assert session["status"]["S"] == "closed"
            assert "cliConnectionId" not in session
            for web in webs:
                assert (await web.ping())["type"] == "pong"
        finally:
            stop.set()
            await _close(*webs)

    asyncio.run(scenario())


def test_web_input_after_the_cli_was_killed_gets_cli_not_connected(
    gateway: RunningGateway,
) -> None:
    async def scenario() -> None:
        cli, (web,), _ = await _session_with_webs(gateway.ws_url, 1)
        try:
            await cli.drop()
            await web.expect("cli:disconnected", NOTICE_TIMEOUT_S)
            await web.send_input("anyone there?")
            error = await web.expect("error", NOTICE_TIMEOUT_S)
            assert error["code"] == "CONNECTION_FAILED"
        finally:
            await _close(web)

    asyncio.run(scenario())
