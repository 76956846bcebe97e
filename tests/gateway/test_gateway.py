"""The gateway as clients see it: a real subprocess, real sockets, the toy handlers."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from local_gateway.testing import RunningGateway, running_gateway
from tests.gateway.toy import write_toy_api

TIMEOUT = 15


def management(gateway: RunningGateway) -> Any:
    """boto3's own client, so requests arrive SigV4-signed as in AWS."""
    return boto3.client(
        "apigatewaymanagementapi", endpoint_url=f"{gateway.management_url}", region_name="us-east-1"
    )


async def ask(url: str, request: dict[str, Any] | str | bytes) -> dict[str, Any]:
    async with connect(url) as socket:
        await socket.send(request if isinstance(request, (str, bytes)) else json.dumps(request))
        return json.loads(await asyncio.wait_for(socket.recv(), TIMEOUT))


async def refusal_status(url: str) -> int:
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url):
            pass
    return refused.value.response.status_code


def test_frame_reaches_default_route_as_sent(toy_gateway: RunningGateway) -> None:
    reply = asyncio.run(ask(toy_gateway.ws_url, '{"do": "echo",  "x": 1}'))
    assert reply["body"] == '{"do": "echo",  "x": 1}'


def test_client_may_connect_to_the_root_path(toy_gateway: RunningGateway) -> None:
    root = toy_gateway.ws_url.rsplit("/", 1)[0] + "/"
    assert asyncio.run(ask(root, {"do": "echo"}))["handler"] == "message"


def test_unknown_path_is_refused(toy_gateway: RunningGateway) -> None:
    other = toy_gateway.ws_url.rsplit("/", 1)[0] + "/elsewhere"
    assert asyncio.run(refusal_status(other)) == 404


def test_message_event_has_api_gateway_shape(toy_gateway: RunningGateway) -> None:
    event = asyncio.run(ask(toy_gateway.ws_url, {"do": "event"}))["event"]
    context = event["requestContext"]
    assert (context["routeKey"], context["eventType"], context["stage"]) == (
        "$default",
        "MESSAGE",
        "toy",
    )
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["connectionId"].endswith("=") and context["messageId"]


def test_authorizer_context_reaches_later_events(toy_gateway: RunningGateway) -> None:
    event = asyncio.run(ask(toy_gateway.ws_url + "?user=ada", {"do": "event"}))["event"]
    authorizer = event["requestContext"]["authorizer"]
    assert (authorizer["userId"], authorizer["principalId"]) == ("ada", "ada")


def test_connect_handler_wrote_to_the_local_table(toy_gateway: RunningGateway) -> None:
    assert asyncio.run(ask(toy_gateway.ws_url, {"do": "db"}))["found"] is True


def test_functions_see_the_gateways_public_url(toy_gateway: RunningGateway) -> None:
    env = asyncio.run(ask(toy_gateway.ws_url, {"do": "env"}))["env"]
    assert env["PUBLIC_WS_URL"] == toy_gateway.ws_url


def test_binary_frame_reaches_default_base64_encoded(toy_gateway: RunningGateway) -> None:
    assert asyncio.run(ask(toy_gateway.ws_url, b"\x00\x01\xfe"))["binary"] == "0001fe"


def test_authorizer_deny_refuses_the_upgrade_with_403(toy_gateway: RunningGateway) -> None:
    assert asyncio.run(refusal_status(toy_gateway.ws_url + "?auth=deny")) == 403


def test_authorizer_raising_unauthorized_refuses_with_401(toy_gateway: RunningGateway) -> None:
    assert asyncio.run(refusal_status(toy_gateway.ws_url + "?auth=raise")) == 401


def test_authorizer_crash_refuses_with_500(toy_gateway: RunningGateway) -> None:
    assert asyncio.run(refusal_status(toy_gateway.ws_url + "?auth=crash")) == 500


def test_connect_returning_403_refuses_the_upgrade(toy_gateway: RunningGateway) -> None:
    assert asyncio.run(refusal_status(toy_gateway.ws_url + "?connect=refuse")) == 403


def test_connect_handler_exception_refuses_the_upgrade_with_500(
    toy_gateway: RunningGateway,
) -> None:
    assert asyncio.run(refusal_status(toy_gateway.ws_url + "?connect=boom")) == 500


def test_handler_exception_gives_internal_server_error_frame(toy_gateway: RunningGateway) -> None:
    reply = asyncio.run(ask(toy_gateway.ws_url, {"do": "boom"}))
    assert reply["message"] == "Internal server error"
    assert reply["connectionId"].endswith("=") and reply["requestId"]


def test_frame_over_128_kb_closes_the_socket_with_1009(toy_gateway: RunningGateway) -> None:
    async def send_big() -> int | None:
        async with connect(toy_gateway.ws_url, max_size=None) as socket:
            await socket.send("x" * (128 * 1024 + 1))
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(socket.recv(), TIMEOUT)
            return socket.close_code

    assert asyncio.run(send_big()) == 1009


def test_frame_of_exactly_128_kb_is_delivered(toy_gateway: RunningGateway) -> None:
    frame = json.dumps({"do": "size", "pad": ""})
    frame = frame.replace('""', '"' + "x" * (128 * 1024 - len(frame)) + '"')
    assert asyncio.run(ask(toy_gateway.ws_url, frame))["size"] == 128 * 1024


def test_post_to_unknown_connection_is_410_gone(toy_gateway: RunningGateway) -> None:
    with pytest.raises(ClientError) as gone:
        management(toy_gateway).post_to_connection(ConnectionId="NoSuchConnId0A=", Data=b"hi")
    assert gone.value.response["Error"]["Code"] == "GoneException"


def test_post_reaches_a_live_socket_and_get_describes_it(toy_gateway: RunningGateway) -> None:
    async def run() -> tuple[str, dict[str, Any]]:
        async with connect(toy_gateway.ws_url) as socket:
            await socket.send(json.dumps({"do": "event"}))
            connection_id = json.loads(await socket.recv())["event"]["requestContext"][
                "connectionId"
            ]
            client = management(toy_gateway)
            await asyncio.to_thread(
                client.post_to_connection, ConnectionId=connection_id, Data=b"pushed"
            )
            info = await asyncio.to_thread(client.get_connection, ConnectionId=connection_id)
            return await asyncio.wait_for(socket.recv(), TIMEOUT), info

    pushed, info = asyncio.run(run())
    assert pushed == "pushed" and info["Identity"]["SourceIp"] == "127.0.0.1"


def test_delete_closes_the_socket_and_later_posts_are_gone(toy_gateway: RunningGateway) -> None:
    async def run() -> tuple[bool, str]:
        async with connect(toy_gateway.ws_url) as socket:
            await socket.send(json.dumps({"do": "event"}))
            connection_id = json.loads(await socket.recv())["event"]["requestContext"][
                "connectionId"
            ]
            client = management(toy_gateway)
            await asyncio.to_thread(client.delete_connection, ConnectionId=connection_id)
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(socket.recv(), TIMEOUT)
            try:
                await asyncio.to_thread(
                    client.post_to_connection, ConnectionId=connection_id, Data=b"x"
                )
            except ClientError as error:
                return True, error.response["Error"]["Code"]
            return True, "delivered"

    assert asyncio.run(run()) == (True, "GoneException")


def test_disconnect_route_runs_when_a_socket_closes(toy_gateway: RunningGateway) -> None:
    async def run() -> str:
        async with connect(toy_gateway.ws_url) as socket:
            await socket.send(json.dumps({"do": "event"}))
            return json.loads(await socket.recv())["event"]["requestContext"]["connectionId"]

    connection_id = asyncio.run(run())
    line = toy_gateway.wait_for_output(f"route=$disconnect connection={connection_id}", TIMEOUT)
    assert "outcome=ok" in line


def test_each_invocation_logs_route_connection_duration_and_outcome(
    toy_gateway: RunningGateway,
) -> None:
    event = asyncio.run(ask(toy_gateway.ws_url, {"do": "event"}))["event"]
    connection_id = event["requestContext"]["connectionId"]
    line = toy_gateway.wait_for_output(f"route=$default connection={connection_id}", TIMEOUT)
    assert "duration_ms=" in line and "outcome=ok" in line


def test_hung_handler_is_killed_at_its_timeout_and_others_are_served(
    toy_gateway: RunningGateway,
) -> None:
    async def run() -> tuple[dict[str, Any], dict[str, Any]]:
        async with connect(toy_gateway.ws_url) as hung:
            await hung.send(json.dumps({"do": "sleep", "seconds": 60}))
            other = await ask(toy_gateway.ws_url, {"do": "echo"})
            return json.loads(await asyncio.wait_for(hung.recv(), TIMEOUT)), other

    hung_reply, other_reply = asyncio.run(run())
    assert hung_reply["message"] == "Internal server error"
    assert other_reply["handler"] == "message"
    assert "timed out" in toy_gateway.wait_for_output("timed out after", TIMEOUT)


def test_renamed_handler_in_the_template_is_the_one_run(tmp_path: Path) -> None:
    template = write_toy_api(tmp_path, handler="toy.message_renamed")
    with running_gateway(template) as gateway:
        assert asyncio.run(ask(gateway.ws_url, {"do": "echo"}))["handler"] == "message_renamed"


def test_idle_socket_is_closed_after_the_idle_timeout(toy_template: Path) -> None:
    async def idle(url: str) -> int | None:
        async with connect(url) as socket:
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(socket.recv(), TIMEOUT)
            return socket.close_code

    with running_gateway(toy_template, idle_timeout=1) as gateway:
        assert asyncio.run(idle(gateway.ws_url)) == 1001


def test_env_option_overrides_a_function_variable(toy_template: Path) -> None:
    with running_gateway(toy_template, env={"MODE": "bench"}) as gateway:
        assert asyncio.run(ask(gateway.ws_url, {"do": "env"}))["env"]["MODE"] == "bench"


def test_existing_dynamodb_endpoint_is_used_and_tables_created(
    toy_template: Path, moto_endpoint: str
) -> None:
    with running_gateway(toy_template, dynamodb_endpoint=moto_endpoint) as gateway:
        assert asyncio.run(ask(gateway.ws_url, {"do": "db"}))["found"] is True
    tables = boto3.client("dynamodb", endpoint_url=moto_endpoint).list_tables()["TableNames"]
    assert any(name.endswith("ItemsTable") for name in tables)


def test_binary_frames_are_logged(toy_gateway: RunningGateway) -> None:
    asyncio.run(ask(toy_gateway.ws_url, base64.b64decode("AAE=")))
    assert "binary frame" in toy_gateway.wait_for_output("binary frame", TIMEOUT)


def test_socket_is_closed_at_the_maximum_age(toy_template: Path) -> None:
    async def keep_talking(url: str) -> int | None:
        loop = asyncio.get_running_loop()
        give_up = loop.time() + TIMEOUT
        async with connect(url) as socket:
            while loop.time() < give_up:
                try:
                    await socket.send(json.dumps({"do": "size"}))
                    await asyncio.wait_for(socket.recv(), TIMEOUT)
                except ConnectionClosed:
                    return socket.close_code
                await asyncio.sleep(0.2)
            return None

    with running_gateway(toy_template, max_age=2) as gateway:
        assert asyncio.run(keep_talking(gateway.ws_url)) == 1001


def test_client_vanishing_mid_invocation_leaves_the_gateway_serving(
    toy_gateway: RunningGateway,
) -> None:
    async def vanish() -> str:
        socket = await connect(toy_gateway.ws_url)
        await socket.send(json.dumps({"do": "event"}))
        connection_id = json.loads(await socket.recv())["event"]["requestContext"]["connectionId"]
        await socket.send(json.dumps({"do": "sleep", "seconds": 0.5}))
        socket.transport.abort()
        return connection_id

    connection_id = asyncio.run(vanish())
    assert "410 gone" in toy_gateway.wait_for_output(f"post to {connection_id}: 410", TIMEOUT)
    assert asyncio.run(ask(toy_gateway.ws_url, {"do": "echo"}))["handler"] == "message"


def raw_upgrade(ws_url: str) -> socket.socket:
    """A WebSocket upgrade done by hand on a plain socket with a tiny receive buffer."""
    host_port, path = ws_url.removeprefix("ws://").split("/", 1)
    host, port = host_port.split(":")
    raw = socket.create_connection((host, int(port)), timeout=TIMEOUT)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    raw.sendall(request.encode())
    response = b""
    while b"\r\n\r\n" not in response:
        response += raw.recv(1)
    assert response.startswith(b"HTTP/1.1 101")
    return raw


def raw_exchange(raw: socket.socket, text: str) -> dict[str, Any]:
    """Send one masked text frame (zero mask) and read one unmasked text frame."""
    payload = text.encode()
    assert len(payload) < 126
    raw.sendall(bytes([0x81, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)

    def read(count: int) -> bytes:
        data = b""
        while len(data) < count:
            data += raw.recv(count - len(data))
        return data

    length = read(2)[1] & 0x7F
    if length == 126:
        length = int.from_bytes(read(2), "big")
    elif length == 127:
        length = int.from_bytes(read(8), "big")
    return json.loads(read(length))


def test_client_that_never_reads_is_dropped_and_posts_get_410(toy_gateway: RunningGateway) -> None:
    raw = raw_upgrade(toy_gateway.ws_url)
    event = raw_exchange(raw, json.dumps({"do": "event"}))["event"]
    connection_id = event["requestContext"]["connectionId"]
    client = management(toy_gateway)
    chunk = b"x" * (128 * 1024)
    code = "never refused"
    try:
        for _ in range(2000):
            client.post_to_connection(ConnectionId=connection_id, Data=chunk)
    except ClientError as error:
        code = error.response["Error"]["Code"]
    finally:
        raw.close()
    assert code == "GoneException"
    assert toy_gateway.wait_for_output(f"post to {connection_id}: client not reading", TIMEOUT)
