"""Invoke the functions of one API template without the WebSocket side: embedded
DynamoDB with the template's tables, a recording Management API, and the same
worker processes the gateway uses. The base of ``make invoke`` (``invoke.py``).

    with Sandbox("build/api.yaml", live_connections={"Abc123DefGHIjk="}) as box:
        box.seed("ConnectionsTable", {...})            # plain Python item
        result = box.invoke("MessageFunction", event)  # an Invocation
        box.calls                                      # what it posted, got or deleted
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from local_gateway.intrinsics import LocalNames
from local_gateway.runner import Endpoints, FunctionRunner, Invocation
from local_gateway.standins import ManagementCall, RecordingManagementApi
from local_gateway.tables import EmbeddedDynamoDB, dynamodb_client, ensure_tables
from local_gateway.template import TemplateError, read_api


class Sandbox:
    """One API template's functions and the stand-ins they talk to, kept up
    across invocations (one worker per function, so later ones are warm)."""

    def __init__(
        self,
        template: str | Path = "build/api.yaml",
        *,
        env_overrides: Mapping[str, str] | None = None,
        live_connections: Iterable[str] = (),
        dynamodb_endpoint: str | None = None,
        public_ws_url: str | None = None,
        region: str = "us-east-1",
    ) -> None:
        self.api = read_api(template, LocalNames(region=region))
        self.management = RecordingManagementApi(self.api.stage, live_connections)
        self._env_overrides = env_overrides
        self._dynamodb_endpoint = dynamodb_endpoint
        self._public_ws_url = public_ws_url
        self._embedded: EmbeddedDynamoDB | None = None
        self._loop = asyncio.new_event_loop()
        self._runner: FunctionRunner | None = None
        self._management_started = False

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> Sandbox:
        try:
            if self._dynamodb_endpoint is None:
                self._embedded = EmbeddedDynamoDB()
                self._dynamodb_endpoint = self._embedded.start()
            ensure_tables(self._dynamodb(), self.api.tables)
            self.management.start()
            self._management_started = True
            endpoints = Endpoints(
                self._dynamodb_endpoint,
                self.management.endpoint,
                self._public_ws_url,
                self.api.region,
            )
            self._runner = FunctionRunner(self.api.functions, endpoints, 1, self._env_overrides)
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        if self._runner is not None:
            self._loop.run_until_complete(self._runner.close())
            self._runner = None
        if not self._loop.is_closed():
            self._loop.close()
        if self._management_started:
            self.management.stop()
            self._management_started = False
        if self._embedded is not None:
            self._embedded.stop()
            self._embedded = None

    @property
    def dynamodb_endpoint(self) -> str:
        assert self._dynamodb_endpoint is not None, "the sandbox is not started"
        return self._dynamodb_endpoint

    @property
    def calls(self) -> list[ManagementCall]:
        return self.management.calls

    def open_sockets(self, connection_ids: Iterable[str]) -> None:
        """From now on exactly these sockets are open; the record starts empty."""
        self.management.reset(connection_ids)

    def invoke(self, logical_id: str, event: Mapping[str, Any]) -> Invocation:
        self.api.function(logical_id)  # a clear error for an unknown id
        assert self._runner is not None, "the sandbox is not started"
        return self._loop.run_until_complete(self._runner.invoke(logical_id, event))

    def table_name(self, logical_id: str) -> str:
        for table in self.api.tables:
            if table.logical_id == logical_id:
                return table.table_name
        known = ", ".join(table.logical_id for table in self.api.tables)
        raise TemplateError(f"no table {logical_id!r} in the template ({known})")

    def seed(self, table_logical_id: str, item: Mapping[str, Any]) -> None:
        """Put one item (plain Python values; sets as Python sets) into a table."""
        serializer = TypeSerializer()
        self._dynamodb().put_item(
            TableName=self.table_name(table_logical_id),
            Item={key: serializer.serialize(value) for key, value in item.items()},
        )

    def empty_tables(self) -> None:
        """Every table as the template creates it: dropped and created again."""
        client = self._dynamodb()
        for table in self.api.tables:
            try:
                client.delete_table(TableName=table.table_name)
                client.get_waiter("table_not_exists").wait(
                    TableName=table.table_name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50}
                )
            except ClientError as error:
                if error.response["Error"]["Code"] != "ResourceNotFoundException":
                    raise
        ensure_tables(client, self.api.tables)

    def _dynamodb(self) -> Any:
        return dynamodb_client(self.dynamodb_endpoint, self.api.region)
