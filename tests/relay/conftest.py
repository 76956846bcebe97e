"""Fixtures for the relay: fresh tables on moto's DynamoDB server per test, the
Management API stand-in, and boto3's standard endpoint variables pointing at both."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from relay import clients

from local_gateway.standins import RecordingManagementApi
from tests.relay.harness import STAGE, Socket


def create_tables(db: Any, names: dict[str, str]) -> None:
    """The three tables exactly as docs/ARCHITECTURE.md specifies them."""
    db.create_table(
        TableName=names["CONNECTIONS_TABLE"],
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "connectionId", "AttributeType": "S"},
            {"AttributeName": "sessionId", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "connectionId", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "sessionId-index",
                "KeySchema": [{"AttributeName": "sessionId", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    db.create_table(
        TableName=names["SESSIONS_TABLE"],
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "sessionId", "AttributeType": "S"},
            {"AttributeName": "userId", "AttributeType": "S"},
            {"AttributeName": "createdAt", "AttributeType": "N"},
        ],
        KeySchema=[{"AttributeName": "sessionId", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "userId-index",
                "KeySchema": [
                    {"AttributeName": "userId", "KeyType": "HASH"},
                    {"AttributeName": "createdAt", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    db.create_table(
        TableName=names["MESSAGES_TABLE"],
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "sessionId", "AttributeType": "S"},
            {"AttributeName": "seq", "AttributeType": "N"},
        ],
        KeySchema=[
            {"AttributeName": "sessionId", "KeyType": "HASH"},
            {"AttributeName": "seq", "KeyType": "RANGE"},
        ],
    )
    for name in names.values():
        db.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}
        )


@pytest.fixture(scope="session")
def management_api() -> Iterator[RecordingManagementApi]:
    api = RecordingManagementApi(STAGE).start()
    yield api
    api.stop()


class Tables:
    def __init__(self, db: Any, names: dict[str, str]) -> None:
        self.db = db
        self.names = names

    def scan(self, env_name: str) -> list[dict[str, Any]]:
        return self.db.scan(TableName=self.names[env_name], ConsistentRead=True)["Items"]

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        def key(item: dict[str, Any]) -> str:
            return repr(sorted(item.items()))

        return {name: sorted(self.scan(name), key=key) for name in self.names}

    def session(self, session_id: str) -> dict[str, Any] | None:
        return self.db.get_item(
            TableName=self.names["SESSIONS_TABLE"],
            Key={"sessionId": {"S": session_id}},
            ConsistentRead=True,
        ).get("Item")

    def members(self, session_id: str) -> set[str]:
        item = self.session(session_id) or {}
        return set(item.get("webConnections", {}).get("SS", []))

    def connection(self, connection_id: str) -> dict[str, Any] | None:
        return self.db.get_item(
            TableName=self.names["CONNECTIONS_TABLE"],
            Key={"connectionId": {"S": connection_id}},
            ConsistentRead=True,
        ).get("Item")

    def cached(self, session_id: str) -> list[dict[str, Any]]:
        return self.db.query(
            TableName=self.names["MESSAGES_TABLE"],
            KeyConditionExpression="sessionId = :s",
            ExpressionAttributeValues={":s": {"S": session_id}},
            ConsistentRead=True,
        )["Items"]


@pytest.fixture
def tables(
    moto_endpoint: str, management_api: RecordingManagementApi, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Tables]:
    """Fresh tables (unique names) and a clean stand-in for every test."""
    suffix = uuid.uuid4().hex[:10]
    names = {
        "CONNECTIONS_TABLE": f"connections-{suffix}",
        "SESSIONS_TABLE": f"sessions-{suffix}",
        "MESSAGES_TABLE": f"messages-{suffix}",
    }
    for name, value in names.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL_DYNAMODB", moto_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI", management_api.url)
    for optional in ("MESSAGE_CACHE_MODE", "PUBLIC_WS_URL", "MAX_WEBS_PER_SESSION"):
        monkeypatch.delenv(optional, raising=False)
    db = boto3.client("dynamodb", endpoint_url=moto_endpoint)
    create_tables(db, names)
    management_api.reset()
    clients.reset_clients()
    yield Tables(db, names)
    clients.reset_clients()
    for name in names.values():
        db.delete_table(TableName=name)


SocketFactory = Callable[..., Socket]


@pytest.fixture
def open_socket(tables: Tables, management_api: RecordingManagementApi) -> SocketFactory:
    """``open_socket(user_id=None, source_ip=...)``: a client socket past $connect."""

    def factory(**options: Any) -> Socket:
        return Socket(api=management_api, **options).open()

    return factory


@pytest.fixture
def session_id() -> str:
    return "S" + uuid.uuid4().hex[:7].upper()
