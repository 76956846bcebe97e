"""DynamoDB's TTL sweep is lazy (items can outlive their ``ttl`` by days), so the
relay treats items past their ``ttl`` as expired itself."""

from __future__ import annotations

import json
import time

from tests.relay.conftest import SocketFactory, Tables


def expire(tables: Tables, env_name: str, key: dict[str, dict[str, str]]) -> None:
    tables.db.update_item(
        TableName=tables.names[env_name],
        Key=key,
        UpdateExpression="SET #ttl = :past",
        ExpressionAttributeNames={"#ttl": "ttl"},
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 60)}},
    )


def expire_session(tables: Tables, session_id: str) -> None:
    expire(tables, "SESSIONS_TABLE", {"sessionId": {"S": session_id}})


def test_join_of_an_expired_session_gets_session_not_found(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    open_socket().create(session_id)
    expire_session(tables, session_id)
    web = open_socket()
    assert web.join(session_id)["code"] == "SESSION_NOT_FOUND"
    assert tables.members(session_id) == set()


def test_create_over_an_expired_session_succeeds(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    open_socket().create(session_id)
    expire_session(tables, session_id)
    fresh = open_socket()
    assert fresh.create(session_id)["type"] == "session:created"
    assert (tables.session(session_id) or {})["cliConnectionId"]["S"] == fresh.connection_id


def test_reconnect_to_an_expired_session_creates_it_afresh_with_the_new_key(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    open_socket().create(session_id)
    expire_session(tables, session_id)
    other = open_socket()
    assert other.reconnect(session_id)["type"] == "session:reconnected"
    assert (tables.session(session_id) or {})["cliPublicKey"]["S"] == other.public_key


def test_expired_cached_envelopes_are_not_replayed(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli = open_socket()
    cli.create(session_id)
    cli.send_sealed(session_id, cli.public_key, "terminal:output", "old", 1)
    new = cli.send_sealed(session_id, cli.public_key, "terminal:output", "new", 2)
    expire(tables, "MESSAGES_TABLE", {"sessionId": {"S": session_id}, "seq": {"N": "1"}})
    web = open_socket()
    web.join(session_id)
    web.new_frames()
    web.send({"type": "state:request", "sessionId": session_id})
    assert web.new_frames() == [json.loads(new)]


def test_expired_sessions_are_not_listed(open_socket: SocketFactory, tables: Tables) -> None:
    open_socket(user_id="alice").create("LIVE01")
    open_socket(user_id="alice").create("DEAD01")
    expire_session(tables, "DEAD01")
    asker = open_socket(user_id="alice")
    asker.send({"type": "session:list:request", "includeInactive": True})
    assert [s["sessionId"] for s in asker.last()["sessions"]] == ["LIVE01"]
