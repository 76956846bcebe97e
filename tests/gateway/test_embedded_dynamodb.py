"""The embedded DynamoDB decides races the way DynamoDB does: one request at a time."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from local_gateway.tables import EmbeddedDynamoDB, dynamodb_client


@pytest.fixture(scope="module")
def embedded() -> EmbeddedDynamoDB:
    db = EmbeddedDynamoDB()
    db.start()
    yield db
    db.stop()


def test_racing_conditional_puts_of_one_key_have_exactly_one_winner(embedded):
    client = dynamodb_client(embedded.endpoint, retries=0)
    client.create_table(
        TableName="race",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )

    def put_if_absent(key: str, writer: int) -> bool:
        try:
            client.put_item(
                TableName="race",
                Item={"id": {"S": key}, "writer": {"N": str(writer)}},
                ConditionExpression="attribute_not_exists(id)",
            )
            return True
        except client.exceptions.ConditionalCheckFailedException:
            return False

    with ThreadPoolExecutor(max_workers=16) as pool:
        for round_number in range(20):
            key = f"key-{round_number}"
            wins = list(pool.map(lambda w, k=key: put_if_absent(k, w), range(16)))
            assert wins.count(True) == 1, f"{key}: {wins.count(True)} writers won"
