"""The template's least-privilege IAM covers every AWS call the handlers really make.

Every protocol path runs through the real handlers; each AWS call is recorded
with the function that made it (Connect/Disconnect/Message) and checked against
that function's role in the generated template. A call the role does not grant
would be AccessDenied in AWS, which no local test would otherwise notice.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import botocore.client
import connect
import disconnect
import message
import pytest

from templates.api import build_api_template
from tests.relay.conftest import SocketFactory
from tests.relay.harness import session_with_webs
from tests.templates.queries import as_list, role_of, role_statements

FUNCTION_OF_MODULE = {
    connect: "ConnectFunction",
    disconnect: "DisconnectFunction",
    message: "MessageFunction",
}
TABLE_OF_ENV = {
    "CONNECTIONS_TABLE": "ConnectionsTable",
    "SESSIONS_TABLE": "SessionsTable",
    "MESSAGES_TABLE": "MessagesTable",
}

Call = tuple[str, str, str]  # (function logical id, "service:Operation", resource)


@pytest.fixture
def recorded(tables, monkeypatch: pytest.MonkeyPatch) -> Iterator[set[Call]]:
    """Wrap each handler so every AWS call made inside it is recorded with its function."""
    calls: set[Call] = set()
    current: list[str] = []
    logical_table = {tables.names[env]: logical for env, logical in TABLE_OF_ENV.items()}
    make_api_call = botocore.client.BaseClient._make_api_call

    def recording_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if current:
            calls.add(
                (current[-1], *_action_and_resource(client, operation, params, logical_table))
            )
        return make_api_call(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording_call)
    for module, function_id in FUNCTION_OF_MODULE.items():
        monkeypatch.setattr(module, "handler", _inside(function_id, module.handler, current))
    yield calls


def _inside(function_id: str, handler: Any, current: list[str]) -> Any:
    def wrapped(event: dict[str, Any], context: Any) -> Any:
        current.append(function_id)
        try:
            return handler(event, context)
        finally:
            current.pop()

    return wrapped


def _action_and_resource(
    client: Any, operation: str, params: dict[str, Any], logical_table: dict[str, str]
) -> tuple[str, str]:
    service = client.meta.service_model.service_name
    if service == "dynamodb":
        if operation == "BatchWriteItem":
            (table,) = params["RequestItems"]
        else:
            table = params["TableName"]
        resource = logical_table[table]
        if "IndexName" in params:
            resource += f"/index/{params['IndexName']}"
        return f"dynamodb:{operation}", resource
    method = {"PostToConnection": "POST", "DeleteConnection": "DELETE", "GetConnection": "GET"}
    return "execute-api:ManageConnections", method[operation]


def granted(function_id: str) -> set[tuple[str, str]]:
    """(action, resource) pairs the function's role allows, read from the template."""
    template = build_api_template().to_dict()
    return {
        (action, _resource_name(arn))
        for statement in role_statements(template, role_of(template, function_id))
        for action in as_list(statement["Action"])
        for arn in as_list(statement["Resource"])
    }


def _resource_name(arn: Any) -> str:
    """``Table``, ``Table/index/Name`` or a management API method, from a template ARN."""
    if isinstance(arn, dict) and "Fn::GetAtt" in arn:
        return arn["Fn::GetAtt"][0]
    text = arn["Fn::Sub"] if isinstance(arn, dict) and "Fn::Sub" in arn else str(arn)
    if text.startswith("${") and ".Arn}/index/" in text:
        table, index = text[2:].split(".Arn}/index/")
        return f"{table}/index/{index}"
    if "/@connections/" in text:
        return text.split("/@connections/")[0].rsplit("/", 1)[1]
    return text


def run_every_path(open_socket: SocketFactory, tables, management_api, session_id: str) -> None:
    owner = "user-owner"
    cli = open_socket(user_id=owner)
    cli.create(session_id)
    cli.send({"type": "session:update", "hostname": "box", "commandArgs": ["-v"]})
    webs = [open_socket(user_id=owner) for _ in range(3)]
    for web in webs:
        web.join(session_id)
    for seq in range(1, 4):
        cli.send_sealed(session_id, webs[0].public_key, "terminal:output", "x", seq)
        webs[0].send_sealed(session_id, cli.public_key, "terminal:input", "y", seq)
    webs[0].send({"type": "state:request", "sessionId": session_id, "sinceSeq": 0})
    webs[1].send({"type": "session:leave"})
    webs[0].send({"type": "ping", "timestamp": 1})
    cli.send({"type": "session:list:request", "includeInactive": True})
    cli.send({"type": "session:info:request", "sessionId": session_id})
    management_api.mark_gone(webs[2].connection_id)
    cli.send_sealed(session_id, webs[0].public_key, "terminal:output", "gone-peer", 9)
    webs[0].close()
    cli.close()
    new_cli = open_socket(user_id=owner, keys=cli.keys)
    new_cli.reconnect(session_id)
    cli_alone, _ = session_with_webs(open_socket, session_id + "X", 0)
    cli_alone.send_sealed(session_id + "X", new_cli.public_key, "terminal:output", "cached", 1)
    guesser = open_socket(source_ip="203.0.113.9")
    for attempt in range(8):
        unknown = f"NOPE{attempt:02d}"
        guesser.send({"type": "session:join", "sessionId": unknown, "publicKey": cli.public_key})
    new_cli.send({"type": "session:delete:request", "sessionId": session_id})
    cli_alone.close()


def test_every_call_the_relay_makes_is_granted_to_its_function(
    open_socket: SocketFactory,
    tables,
    management_api,
    recorded: set[Call],
    session_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MESSAGE_CACHE_SIZE", "2")  # so the bound's deletes run too
    for mode in ("all", "undelivered"):
        monkeypatch.setenv("MESSAGE_CACHE_MODE", mode)
        run_every_path(open_socket, tables, management_api, f"{session_id}{mode[:2].upper()}")
    assert {function for function, _, _ in recorded} == set(FUNCTION_OF_MODULE.values())
    missing = sorted(
        (function, action, resource)
        for function, action, resource in recorded
        if (action, resource) not in granted(function)
    )
    assert missing == [], f"calls the template's IAM would deny: {missing}"
