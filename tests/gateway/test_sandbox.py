"""Invoking one function alone (the base of `make invoke`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from local_gateway import events
from local_gateway.sandbox import Sandbox

LIVE = "LiveConnection1="
API = events.ApiContext(stage="toy")


@pytest.fixture(scope="module")
def sandbox(toy_template: Path) -> Iterator[Sandbox]:
    with Sandbox(toy_template, live_connections={LIVE}) as box:
        yield box


def message(connection_id: str, body: str) -> dict:
    conn = events.ConnectionInfo(connection_id, events.now_ms(), "127.0.0.1")
    return events.message_event(API, conn, "$default", body, "req=", events.now_ms(), "msg=")


def test_invocation_returns_the_handlers_result(sandbox: Sandbox) -> None:
    assert sandbox.invoke("MessageFn", message(LIVE, '{"do": "echo"}')).result == {
        "statusCode": 200
    }


def test_posts_the_handler_made_are_recorded(sandbox: Sandbox) -> None:
    before = len(sandbox.calls)
    sandbox.invoke("MessageFn", message(LIVE, '{"do": "size"}'))
    (call,) = sandbox.calls[before:]
    assert (call.method, call.connection_id, call.status) == ("POST", LIVE, 200)
    assert json.loads(call.body)["size"] == len('{"do": "size"}')


def test_post_to_a_connection_not_marked_live_is_gone(sandbox: Sandbox) -> None:
    invocation = sandbox.invoke("MessageFn", message("NotLive000000A=", '{"do": "echo"}'))
    assert invocation.outcome == "error" and "GoneException" in invocation.error["errorMessage"]


def test_seeded_item_is_visible_to_the_handler(sandbox: Sandbox) -> None:
    sandbox.seed("ItemsTable", {"connectionId": LIVE})
    sandbox.invoke("MessageFn", message(LIVE, '{"do": "db"}'))
    assert json.loads(sandbox.calls[-1].body)["found"] is True


def test_unknown_function_is_a_clear_error(sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="NoSuchFn"):
        sandbox.invoke("NoSuchFn", {})
