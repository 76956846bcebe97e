"""Where posts go: the endpoint built from the event, or boto3's standard
``AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI`` when it is set."""

from __future__ import annotations

import json

import pytest
from relay.events import parse_event
from relay.invocation import build_relay

from tests.relay.conftest import SocketFactory, Tables
from tests.relay.harness import API_ID, STAGE, ws_event


def test_without_the_variable_posts_go_to_the_api_endpoint_of_the_event(
    tables: Tables, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    relay = build_relay(parse_event(ws_event("$default", "abc=")))
    client = relay.management._client
    assert (
        client.meta.endpoint_url == f"https://{API_ID}.execute-api.eu-west-1.amazonaws.com/{STAGE}"
    )


def test_the_variable_wins_and_may_carry_the_stage(
    open_socket: SocketFactory, session_id: str, management_api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI", f"{management_api.url}/{STAGE}")
    cli = open_socket()
    assert cli.create(session_id)["type"] == "session:created"
    assert management_api.paths[-1].startswith(f"/{STAGE}/@connections/")


def test_a_failure_is_logged_with_its_type_but_not_its_message(
    open_socket: SocketFactory,
    session_id: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    socket = open_socket()
    monkeypatch.setenv("SESSIONS_TABLE", "no-such-table")
    capsys.readouterr()
    socket.create(session_id)
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert (line["outcome"], line["error"]) == ("internal_error", "ResourceNotFoundException")
    assert "no-such-table" not in json.dumps(line)
