"""PROTOCOL.md, "Session lifecycle": sessions and connection records expire by TTL
24 h after their *last write*, so every write to such an item moves its ``ttl``."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from tests.relay.conftest import SocketFactory, Tables
from tests.relay.harness import Socket, session_with_webs

DAY = 24 * 3600
SOON = 60  # seconds: an item that would expire a minute from now


def set_ttl(tables: Tables, env_name: str, key: dict[str, dict[str, str]], ttl: int) -> None:
    tables.db.update_item(
        TableName=tables.names[env_name],
        Key=key,
        UpdateExpression="SET #ttl = :ttl",
        ExpressionAttributeNames={"#ttl": "ttl"},
        ExpressionAttributeValues={":ttl": {"N": str(ttl)}},
    )


def session_ttl(tables: Tables, session_id: str) -> int:
    return int((tables.session(session_id) or {})["ttl"]["N"])


def update_details(cli: Socket, webs: list[Socket], session_id: str) -> None:
    cli.send({"type": "session:update", "hostname": "devbox"})


def web_leaves(cli: Socket, webs: list[Socket], session_id: str) -> None:
    webs[0].send({"type": "session:leave"})


def cli_disconnects(cli: Socket, webs: list[Socket], session_id: str) -> None:
    cli.close()


def output_is_cached(cli: Socket, webs: list[Socket], session_id: str) -> None:
    webs[0].send({"type": "session:leave"})
    cli.send_sealed(session_id, cli.public_key, "terminal:output", "while away", 1)


SESSION_WRITES: dict[str, Callable[[Socket, list[Socket], str], None]] = {
    "session:update": update_details,
    "web leaves": web_leaves,
    "cli disconnects": cli_disconnects,
    "envelope cached": output_is_cached,
}


@pytest.mark.parametrize("write", SESSION_WRITES.values(), ids=SESSION_WRITES.keys())
def test_every_write_to_a_session_moves_its_ttl_a_day_ahead(
    open_socket: SocketFactory,
    session_id: str,
    tables: Tables,
    write: Callable[[Socket, list[Socket], str], None],
) -> None:
    cli, webs = session_with_webs(open_socket, session_id, 1)
    set_ttl(tables, "SESSIONS_TABLE", {"sessionId": {"S": session_id}}, int(time.time()) + SOON)
    before = int(time.time())
    write(cli, webs, session_id)
    assert session_ttl(tables, session_id) >= before + DAY


def test_leaving_moves_the_web_connection_ttl_a_day_ahead(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    _, (web,) = session_with_webs(open_socket, session_id, 1)
    key = {"connectionId": {"S": web.connection_id}}
    set_ttl(tables, "CONNECTIONS_TABLE", key, int(time.time()) + SOON)
    before = int(time.time())
    web.send({"type": "session:leave"})
    assert int((tables.connection(web.connection_id) or {})["ttl"]["N"]) >= before + DAY
