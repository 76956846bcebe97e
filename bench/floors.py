"""The floors: the least any relay on this machine can do.

``bare``: a WebSocket forwarder with no storage and no handlers (CLI → every web of
its pair, web → CLI). ``dynamodb``: the same forwarder looking up the sender's
connection with one GetItem per envelope against the same DynamoDB endpoint the
relay uses. Run as its own process: ``python -m bench.floors --port N [--dynamodb URL]``.
Clients connect to ``/?pair=ID&role=cli|web`` and wait for the ``ready`` frame.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection, serve

from bench.processes import free_port, running

READY = "ready"
FLOOR_TABLE = "floor-connections"
LOOKUP_THREADS = 16


@dataclass
class Pair:
    cli: ServerConnection | None = None
    webs: set[ServerConnection] = field(default_factory=set)


@dataclass
class Forwarder:
    lookup: Any = None  # a boto3 DynamoDB client, for the one-GetItem floor
    pairs: dict[str, Pair] = field(default_factory=dict)
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=LOOKUP_THREADS)
    )

    async def handle(self, connection: ServerConnection) -> None:
        query = parse_qs(urlsplit(connection.request.path).query)
        pair_id, role = query["pair"][0], query["role"][0]
        connection_id = uuid.uuid4().hex
        pair = self.pairs.setdefault(pair_id, Pair())
        if role == "cli":
            pair.cli = connection
        else:
            pair.webs.add(connection)
        if self.lookup is not None:
            await self._in_thread(self._put_connection, connection_id, pair_id)
        await connection.send(READY)
        try:
            async for frame in connection:
                if self.lookup is not None:
                    await self._in_thread(self._get_connection, connection_id)
                targets = list(pair.webs) if role == "cli" else [pair.cli]
                await asyncio.gather(
                    *(target.send(frame) for target in targets if target is not None),
                    return_exceptions=True,
                )
        finally:
            if role == "cli":
                pair.cli = None
            else:
                pair.webs.discard(connection)

    async def _in_thread(self, function: Callable[..., None], *args: str) -> None:
        await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)

    def _put_connection(self, connection_id: str, pair_id: str) -> None:
        self.lookup.put_item(
            TableName=FLOOR_TABLE,
            Item={"connectionId": {"S": connection_id}, "pairId": {"S": pair_id}},
        )

    def _get_connection(self, connection_id: str) -> None:
        self.lookup.get_item(TableName=FLOOR_TABLE, Key={"connectionId": {"S": connection_id}})


def dynamodb_client(endpoint: str) -> Any:
    import boto3

    client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    existing = client.list_tables()["TableNames"]
    if FLOOR_TABLE not in existing:
        client.create_table(
            TableName=FLOOR_TABLE,
            KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "connectionId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    return client


async def serve_forever(port: int, dynamodb_endpoint: str | None) -> None:
    lookup = dynamodb_client(dynamodb_endpoint) if dynamodb_endpoint else None
    forwarder = Forwarder(lookup=lookup)
    async with serve(forwarder.handle, "127.0.0.1", port, max_size=2**20) as server:
        await server.serve_forever()


@contextlib.contextmanager
def floor_server(dynamodb_endpoint: str | None = None) -> Iterator[str]:
    """Run a floor forwarder process; yields its ``ws://`` URL."""
    port = free_port()
    args = [sys.executable, "-m", "bench.floors", "--port", str(port)]
    if dynamodb_endpoint:
        args += ["--dynamodb", dynamodb_endpoint]
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    with running(args, port, env=env):
        yield f"ws://127.0.0.1:{port}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dynamodb", help="DynamoDB endpoint URL for the one-GetItem floor")
    options = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(options.port, options.dynamodb))


if __name__ == "__main__":
    main()
