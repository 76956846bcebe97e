"""The worker-side call summaries and fault plans (pure parts of the hook)."""

import pytest

from bench.aws_calls import (
    parse_fault_plan,
    summarize_dynamodb_request,
    summarize_dynamodb_response,
)
from bench.item_size import item_bytes


def test_item_size_counts_names_and_string_bytes() -> None:
    assert item_bytes({"ab": {"S": "héllo"}}) == len("ab") + len("héllo".encode())


def test_item_size_counts_string_sets_by_member() -> None:
    assert item_bytes({"s": {"SS": ["aa", "bbb"]}}) == 1 + 5


def test_put_request_is_sized_by_its_item() -> None:
    item = {"sessionId": {"S": "ABCDEF"}, "envelope": {"S": "x" * 900}}
    summary = summarize_dynamodb_request("PutItem", {"Item": item})
    assert summary == {"items": 1, "item_bytes": item_bytes(item)}


def test_get_request_records_its_consistency() -> None:
    summary = summarize_dynamodb_request("GetItem", {"ConsistentRead": True})
    assert summary["consistent_read"] is True


def test_query_response_is_sized_by_every_item_returned() -> None:
    items = [{"k": {"S": "a" * 10}}, {"k": {"S": "b" * 20}}]
    summary = summarize_dynamodb_response("Query", {"Items": items})
    assert summary == {"items": 2, "item_bytes": sum(item_bytes(i) for i in items)}


def test_transaction_counts_each_of_its_items() -> None:
    request = {
        "TransactItems": [
            {"Put": {"Item": {"k": {"S": "a"}}}},
            {"Delete": {"Key": {"k": {"S": "b"}}}},
        ]
    }
    assert summarize_dynamodb_request("TransactWriteItems", request)["items"] == 2


def test_fault_plan_reads_kind_rate_and_operations() -> None:
    plan = parse_fault_plan("kind=500,rate=0.25,operations=GetItem|PutItem,seed=7")
    assert (plan.kind, plan.rate, plan.seed) == ("500", 0.25, 7)
    assert plan.applies_to("PutItem") and not plan.applies_to("Query")


def test_fault_plan_without_operations_applies_to_all() -> None:
    assert parse_fault_plan("kind=throttle,rate=1").applies_to("Scan")


def test_unknown_fault_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="teapot"):
        parse_fault_plan("kind=teapot,rate=0.1")


def test_fault_rate_above_one_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        parse_fault_plan("kind=throttle,rate=2")
