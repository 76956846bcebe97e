"""The worker-side hook on a real botocore client talking to moto's DynamoDB server:
calls are recorded one line each, and injected faults go through botocore's retries."""

from __future__ import annotations

import uuid
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from bench.aws_calls import CallRecorder, FaultInjector, attach
from bench.call_counts import operation_counts, read_records


@pytest.fixture
def table(moto_endpoint: str) -> tuple[object, str]:
    client = boto3.client(
        "dynamodb",
        endpoint_url=moto_endpoint,
        config=Config(retries={"mode": "standard", "max_attempts": 2}),
    )
    name = f"hook-{uuid.uuid4().hex[:8]}"
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return client, name


def test_each_call_is_recorded_once_with_its_operation(table, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, name = table
    calls = tmp_path / "calls.jsonl"
    attach(client, CallRecorder(str(calls)), None)

    client.put_item(TableName=name, Item={"k": {"S": "a"}, "v": {"S": "x" * 100}})
    client.get_item(TableName=name, Key={"k": {"S": "a"}}, ConsistentRead=True)

    records = read_records(calls)
    assert operation_counts(records) == {"dynamodb.PutItem": 1, "dynamodb.GetItem": 1}
    get = next(r for r in records if r["operation"] == "GetItem")
    assert get["consistent_read"] is True and get["item_bytes"] > 100


def test_always_throttled_call_fails_with_the_throttling_error(table, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, name = table
    attach(client, None, FaultInjector("kind=throttle,rate=1,operations=GetItem"))

    with pytest.raises(ClientError) as raised:
        client.get_item(TableName=name, Key={"k": {"S": "a"}})

    assert raised.value.response["Error"]["Code"] == "ProvisionedThroughputExceededException"


def test_faults_on_other_operations_leave_this_one_alone(table) -> None:  # type: ignore[no-untyped-def]
    client, name = table
    attach(client, None, FaultInjector("kind=500,rate=1,operations=PutItem"))

    assert "Item" not in client.get_item(TableName=name, Key={"k": {"S": "absent"}})


def test_fault_plan_in_a_file_is_switched_off_by_emptying_it(table, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, name = table
    plan = tmp_path / "faults"
    plan.write_text("kind=500,rate=1")
    attach(client, None, FaultInjector(f"@{plan}"))
    with pytest.raises(ClientError):
        client.get_item(TableName=name, Key={"k": {"S": "a"}})

    plan.write_text("")

    assert "Item" not in client.get_item(TableName=name, Key={"k": {"S": "a"}})
