"""Invoke one function of the template without the WebSocket side, for
``make invoke`` and for tests: embedded DynamoDB with the template's tables, a
recording management API, and the same worker processes the gateway uses.

    with local_sandbox("build/api.yaml", live_connections={"Abc123DefGHIjk="}) as box:
        box.seed("ConnectionsTable", {...})            # plain Python item
        result = box.invoke("MessageFunction", event)  # an Invocation
        box.calls                                      # what it posted, got or deleted
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from boto3.dynamodb.types import TypeSerializer

from local_gateway.intrinsics import LocalNames
from local_gateway.runner import Endpoints, FunctionRunner, Invocation
from local_gateway.standins import ManagementCall, RecordingManagementApi
from local_gateway.tables import EmbeddedDynamoDB, dynamodb_client, ensure_tables
from local_gateway.template import ApiSpec, read_api


@dataclass
class Sandbox:
    api: ApiSpec
    dynamodb_endpoint: str
    management_url: str
    _management: RecordingManagementApi
    _runner: FunctionRunner
    _loop: asyncio.AbstractEventLoop

    @property
    def calls(self) -> list[ManagementCall]:
        return self._management.calls

    def mark_live(self, connection_id: str) -> None:
        self._management.open_socket(connection_id)

    def invoke(
        self, logical_id: str, event: Mapping[str, Any], timeout_s: float = 900
    ) -> Invocation:
        self.api.function(logical_id)  # a clear error for an unknown id
        future = asyncio.run_coroutine_threadsafe(
            self._runner.invoke(logical_id, event), self._loop
        )
        return future.result(timeout_s)

    def table_name(self, logical_id: str) -> str:
        for table in self.api.tables:
            if table.logical_id == logical_id:
                return table.table_name
        raise KeyError(f"no table {logical_id!r} in the template")

    def seed(self, table_logical_id: str, item: Mapping[str, Any]) -> None:
        """Put one item (plain Python values; sets as Python sets) into a table."""
        serializer = TypeSerializer()
        dynamodb_client(self.dynamodb_endpoint, self.api.region).put_item(
            TableName=self.table_name(table_logical_id),
            Item={key: serializer.serialize(value) for key, value in item.items()},
        )


@contextmanager
def local_sandbox(
    template: str | Path = "build/api.yaml",
    *,
    env_overrides: Mapping[str, str] | None = None,
    live_connections: Iterable[str] = (),
    dynamodb_endpoint: str | None = None,
    public_ws_url: str | None = None,
    region: str = "us-east-1",
) -> Iterator[Sandbox]:
    api = read_api(template, LocalNames(region=region))
    dynamodb = None if dynamodb_endpoint else EmbeddedDynamoDB()
    endpoint = dynamodb_endpoint or dynamodb.start()  # type: ignore[union-attr]
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="sandbox-loop", daemon=True)
    thread.start()
    management_api = RecordingManagementApi(api.stage, live_connections)
    runner: FunctionRunner | None = None
    try:
        ensure_tables(dynamodb_client(endpoint, region), api.tables)
        management_api.start()
        endpoints = Endpoints(endpoint, management_api.endpoint, public_ws_url, region)

        async def make_runner() -> FunctionRunner:
            return FunctionRunner(api.functions, endpoints, 1, env_overrides)

        runner = asyncio.run_coroutine_threadsafe(make_runner(), loop).result()
        yield Sandbox(api, endpoint, management_api.url, management_api, runner, loop)
    finally:
        if runner is not None:
            asyncio.run_coroutine_threadsafe(runner.close(), loop).result(30)
        management_api.stop()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
        if dynamodb is not None:
            dynamodb.stop()
