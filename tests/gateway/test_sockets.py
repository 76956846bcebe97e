"""The gateway's accepted sockets, inspected from inside its process: a real
websockets server on a listener made like the app's, serving ``Gateway``."""

from __future__ import annotations

import asyncio
import json
import socket

from websockets.asyncio.client import connect
from websockets.asyncio.server import serve

from local_gateway.gateway import Gateway, Limits
from local_gateway.registry import ConnectionRegistry
from local_gateway.runner import Endpoints, FunctionRunner
from local_gateway.template import ApiSpec

STAGE = "test"
TIMEOUT = 15

# No routes at all: the upgrade needs no function, and a frame gets the
# "Forbidden" answer, which shows the connection is registered.
API_WITHOUT_ROUTES = ApiSpec(
    api_id="sockets",
    stage=STAGE,
    route_selection_expression="$request.body.action",
    routes={},
    two_way_routes=frozenset(),
    authorizer=None,
    functions={},
)
UNUSED_ENDPOINTS = Endpoints(dynamodb="http://127.0.0.1:9", management_api="http://127.0.0.1:9")


async def server_side_nodelay() -> int:
    registry = ConnectionRegistry()
    runner = FunctionRunner({}, UNUSED_ENDPOINTS)
    gateway = Gateway(API_WITHOUT_ROUTES, runner, registry, Limits())
    listener = socket.create_server(("127.0.0.1", 0))  # as local_gateway.app listens
    port = listener.getsockname()[1]
    async with (
        serve(gateway.handle, sock=listener, process_request=gateway.process_request),
        connect(f"ws://127.0.0.1:{port}/{STAGE}") as client,
    ):
        await client.send(json.dumps({"action": "anything"}))
        answer = json.loads(await asyncio.wait_for(client.recv(), TIMEOUT))
        assert answer["message"] == "Forbidden"
        (connection,) = registry.all()
        accepted = connection.socket.transport.get_extra_info("socket")
        return accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def test_accepted_sockets_send_frames_without_nagle_delay() -> None:
    assert asyncio.run(server_side_nodelay()) != 0
