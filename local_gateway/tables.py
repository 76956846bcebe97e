"""DynamoDB for the gateway: moto's server as a child process by default, or an
existing endpoint; tables created from the template's definitions when missing.
The data lives in the DynamoDB process, so it survives worker restarts."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from local_gateway.processes import child_preexec, free_port
from local_gateway.template import TableSpec

log = logging.getLogger("local_gateway.tables")

_CREATE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "BillingMode",
    "ProvisionedThroughput",
    "StreamSpecification",
)


PROJECT_ROOT = Path(__file__).resolve().parent.parent


class EmbeddedDynamoDB:
    """moto's DynamoDB server (atomic per request) on a free loopback port, in its own process."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port or free_port(host)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, ready_timeout_s: float = 30.0) -> str:
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "local_gateway.atomic_moto",
                "-H",
                self.host,
                "-p",
                str(self.port),
            ],
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=child_preexec(),  # noqa: PLW1509 - only sets the parent-death signal
        )
        deadline = time.monotonic() + ready_timeout_s
        client = dynamodb_client(self.endpoint, retries=0)
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"moto server exited with status {self._process.returncode}")
            try:
                client.list_tables()
                return self.endpoint
            except Exception:  # noqa: BLE001 - not up yet
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"moto server did not answer on {self.endpoint}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None


def dynamodb_client(endpoint: str, region: str = "us-east-1", retries: int = 3) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"max_attempts": retries + 1, "mode": "standard"}, connect_timeout=2),
    )


def create_table_request(table: TableSpec) -> dict[str, Any]:
    """The CreateTable call for a template's table definition (CloudFormation and the
    API share the property names; billing defaults to on-demand when absent)."""
    request: dict[str, Any] = {"TableName": table.table_name}
    for key in _CREATE_KEYS:
        if key in table.properties:
            request[key] = table.properties[key]
    if "BillingMode" not in request and "ProvisionedThroughput" not in request:
        request["BillingMode"] = "PAY_PER_REQUEST"
    return request


def ensure_tables(client: Any, tables: Iterable[TableSpec]) -> list[str]:
    """Create each missing table and switch on its TTL; returns the names created."""
    created = []
    existing = set(_all_table_names(client))
    for table in tables:
        if table.table_name not in existing:
            client.create_table(**create_table_request(table))
            client.get_waiter("table_exists").wait(
                TableName=table.table_name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50}
            )
            created.append(table.table_name)
            log.info("created table %s (%s)", table.table_name, table.logical_id)
        ttl = table.properties.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            _enable_ttl(client, table.table_name, ttl["AttributeName"])
    return created


def _enable_ttl(client: Any, table_name: str, attribute: str) -> None:
    current = client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    if current.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
        return
    try:
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute},
        )
    except ClientError as error:
        log.warning("could not enable TTL on %s: %s", table_name, error)


def _all_table_names(client: Any) -> list[str]:
    names: list[str] = []
    for page in client.get_paginator("list_tables").paginate():
        names.extend(page["TableNames"])
    return names
