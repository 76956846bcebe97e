"""Session rows of the protocol table and the notices, through the real handlers,
moto's DynamoDB server and the Management API stand-in."""

from __future__ import annotations

import pytest

from tests.relay.conftest import SocketFactory, Tables
from tests.relay.harness import DOMAIN, STAGE


def status(tables: Tables, session_id: str) -> str:
    item = tables.session(session_id)
    assert item is not None
    return item["status"]["S"]


# ---- session:create ---------------------------------------------------------


def test_create_replies_session_created_with_ws_endpoint(
    open_socket: SocketFactory, session_id: str
) -> None:
    cli = open_socket()
    assert cli.create(session_id) == {
        "type": "session:created",
        "sessionId": session_id,
        "wsEndpoint": f"wss://{DOMAIN}/{STAGE}",
    }


def test_create_uses_public_ws_url_when_set(
    open_socket: SocketFactory, session_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PUBLIC_WS_URL", "ws://127.0.0.1:8080")
    assert open_socket().create(session_id)["wsEndpoint"] == "ws://127.0.0.1:8080"


def test_create_stores_a_pending_session_and_a_cli_connection(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli = open_socket()
    cli.create(session_id)
    item = tables.session(session_id)
    connection = tables.connection(cli.connection_id)
    assert item is not None and connection is not None
    assert item["status"]["S"] == "pending"
    assert item["cliConnectionId"]["S"] == cli.connection_id
    assert item["cliPublicKey"]["S"] == cli.public_key
    assert (connection["role"]["S"], connection["sessionId"]["S"]) == ("cli", session_id)


def test_anonymous_session_stores_no_user_id(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    open_socket().create(session_id)
    assert "userId" not in (tables.session(session_id) or {})


def test_authenticated_session_stores_the_owner(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    open_socket(user_id="alice").create(session_id)
    assert (tables.session(session_id) or {})["userId"] == {"S": "alice"}


def test_create_of_an_existing_id_gets_session_exists(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    first = open_socket()
    first.create(session_id)
    second = open_socket()
    reply = second.create(session_id)
    assert (reply["type"], reply["code"]) == ("error", "SESSION_EXISTS")
    assert (tables.session(session_id) or {})["cliConnectionId"]["S"] == first.connection_id


def test_connect_records_the_socket(open_socket: SocketFactory, tables: Tables) -> None:
    socket = open_socket(user_id="alice", source_ip="192.0.2.44")
    item = tables.connection(socket.connection_id)
    assert item is not None
    assert (item["userId"]["S"], item["sourceIp"]["S"]) == ("alice", "192.0.2.44")
    assert "connectedAt" in item and "ttl" in item


def test_anonymous_connect_records_no_user_id(open_socket: SocketFactory, tables: Tables) -> None:
    assert "userId" not in (tables.connection(open_socket().connection_id) or {})


# ---- session:join -----------------------------------------------------------


def test_join_unknown_session_gets_session_not_found(
    open_socket: SocketFactory, session_id: str
) -> None:
    reply = open_socket().join(session_id)
    assert (reply["type"], reply["code"]) == ("error", "SESSION_NOT_FOUND")


def test_join_tells_the_cli_first_then_replies_to_the_web(
    open_socket: SocketFactory, session_id: str, management_api
) -> None:
    cli = open_socket()
    cli.create(session_id)
    cli.new_frames()
    web = open_socket()
    web.join(session_id)
    assert cli.new_frames() == [
        {"type": "web:connected", "publicKey": web.public_key, "connectionId": web.connection_id}
    ]
    assert web.received() == [
        {"type": "session:joined", "sessionId": session_id, "cliPublicKey": cli.public_key}
    ]
    notice = management_api.paths.index(f"/@connections/{cli.connection_id}".replace("=", "%3D"))
    reply = management_api.paths.index(f"/@connections/{web.connection_id}".replace("=", "%3D"))
    assert notice < reply


def test_join_makes_the_session_active_with_the_web_as_member(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    open_socket().create(session_id)
    web = open_socket()
    web.join(session_id)
    assert status(tables, session_id) == "active"
    assert tables.members(session_id) == {web.connection_id}
    connection = tables.connection(web.connection_id) or {}
    assert (connection["role"]["S"], connection["sessionId"]["S"]) == ("web", session_id)


def test_join_while_cli_away_says_cli_disconnected(
    open_socket: SocketFactory, session_id: str
) -> None:
    cli = open_socket()
    cli.create(session_id)
    cli.close()
    web = open_socket()
    web.join(session_id)
    assert web.received() == [
        {
            "type": "session:joined",
            "sessionId": session_id,
            "cliPublicKey": cli.public_key,
            "cliDisconnected": True,
        },
        {"type": "cli:disconnected"},
    ]


def test_join_when_cli_is_found_gone_says_cli_disconnected_and_closes_the_session(
    open_socket: SocketFactory, session_id: str, tables: Tables, management_api
) -> None:
    cli = open_socket()
    cli.create(session_id)
    management_api.mark_gone(cli.connection_id)
    web = open_socket()
    web.join(session_id)
    assert [f["type"] for f in web.received()] == ["session:joined", "cli:disconnected"]
    assert web.received()[0]["cliDisconnected"] is True
    assert status(tables, session_id) == "closed"
    assert tables.connection(cli.connection_id) is None


def test_second_join_from_same_socket_keeps_one_membership(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli = open_socket()
    cli.create(session_id)
    web = open_socket()
    web.join(session_id)
    web.join(session_id)
    assert tables.members(session_id) == {web.connection_id}
    assert [f["type"] for f in cli.received()].count("web:connected") == 2


def test_join_of_another_session_leaves_the_first(
    open_socket: SocketFactory, tables: Tables
) -> None:
    cli_a, cli_b = open_socket(), open_socket()
    cli_a.create("SESSIONA")
    cli_b.create("SESSIONB")
    web = open_socket()
    web.join("SESSIONA")
    cli_a.new_frames()
    web.join("SESSIONB")
    assert tables.members("SESSIONA") == set()
    assert tables.members("SESSIONB") == {web.connection_id}
    assert cli_a.new_frames() == [{"type": "web:disconnected", "connectionId": web.connection_id}]


# ---- session:reconnect --------------------------------------------------------


def test_reconnect_points_the_session_at_the_new_socket_and_tells_the_webs(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli = open_socket()
    cli.create(session_id)
    web = open_socket()
    web.join(session_id)
    cli.close()
    web.new_frames()
    cli_again = open_socket(keys=cli.keys)
    reply = cli_again.reconnect(session_id)
    assert reply == {
        "type": "session:reconnected",
        "sessionId": session_id,
        "wsEndpoint": f"wss://{DOMAIN}/{STAGE}",
    }
    assert web.new_frames() == [{"type": "cli:reconnected", "cliPublicKey": cli.public_key}]
    item = tables.session(session_id) or {}
    assert item["cliConnectionId"]["S"] == cli_again.connection_id
    assert item["status"]["S"] == "pending"


def test_reconnect_with_another_key_gets_unauthorized_and_changes_nothing(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli = open_socket()
    cli.create(session_id)
    before = tables.session(session_id)
    intruder = open_socket()
    reply = intruder.reconnect(session_id)
    assert (reply["type"], reply["code"]) == ("error", "UNAUTHORIZED")
    assert tables.session(session_id) == before


def test_reconnect_to_owned_session_by_someone_else_gets_unauthorized(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli = open_socket(user_id="alice")
    cli.create(session_id)
    before = tables.session(session_id)
    intruder = open_socket(user_id="mallory", keys=cli.keys)  # even holding the key
    assert intruder.reconnect(session_id)["code"] == "UNAUTHORIZED"
    assert tables.session(session_id) == before


def test_reconnect_to_owned_session_by_anonymous_caller_gets_unauthorized(
    open_socket: SocketFactory, session_id: str
) -> None:
    cli = open_socket(user_id="alice")
    cli.create(session_id)
    intruder = open_socket(keys=cli.keys)
    assert intruder.reconnect(session_id)["code"] == "UNAUTHORIZED"


def test_reconnect_by_the_owner_with_the_key_succeeds(
    open_socket: SocketFactory, session_id: str
) -> None:
    cli = open_socket(user_id="alice")
    cli.create(session_id)
    again = open_socket(user_id="alice", keys=cli.keys)
    assert again.reconnect(session_id)["type"] == "session:reconnected"


def test_reconnect_to_a_vanished_session_creates_it_afresh(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli = open_socket(user_id="alice")
    assert cli.reconnect(session_id)["type"] == "session:reconnected"
    item = tables.session(session_id) or {}
    assert item["cliPublicKey"]["S"] == cli.public_key
    assert item["userId"]["S"] == "alice"


def test_reconnect_closes_the_previous_cli_socket(
    open_socket: SocketFactory, session_id: str, tables: Tables, management_api
) -> None:
    cli = open_socket()
    cli.create(session_id)
    again = open_socket(keys=cli.keys)
    again.reconnect(session_id)
    assert management_api.was_closed(cli.connection_id)
    assert tables.connection(cli.connection_id) is None


# ---- session:leave and $disconnect ------------------------------------------


def test_leave_removes_the_web_and_tells_the_cli_without_reply(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli = open_socket()
    cli.create(session_id)
    web = open_socket()
    web.join(session_id)
    cli.new_frames()
    web.new_frames()
    web.send({"type": "session:leave"})
    assert tables.members(session_id) == set()
    assert cli.new_frames() == [{"type": "web:disconnected", "connectionId": web.connection_id}]
    assert web.new_frames() == []
    assert status(tables, session_id) == "paused"


def test_leave_from_the_cli_gets_invalid_message(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli = open_socket()
    cli.create(session_id)
    before = tables.snapshot()
    cli.send({"type": "session:leave"})
    assert cli.last()["code"] == "INVALID_MESSAGE"
    assert tables.snapshot() == before


def test_leave_from_a_connection_in_no_session_gets_invalid_message(
    open_socket: SocketFactory,
) -> None:
    socket = open_socket()
    socket.send({"type": "session:leave"})
    assert socket.last()["code"] == "INVALID_MESSAGE"


def test_web_disconnect_tells_the_cli_and_pauses_the_session(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli = open_socket()
    cli.create(session_id)
    web = open_socket()
    web.join(session_id)
    cli.new_frames()
    web.close()
    assert cli.new_frames() == [{"type": "web:disconnected", "connectionId": web.connection_id}]
    assert status(tables, session_id) == "paused"
    assert tables.connection(web.connection_id) is None


def test_one_of_two_webs_leaving_keeps_the_session_active(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    open_socket().create(session_id)
    first, second = open_socket(), open_socket()
    first.join(session_id)
    second.join(session_id)
    first.close()
    assert status(tables, session_id) == "active"
    assert tables.members(session_id) == {second.connection_id}


def test_cli_disconnect_tells_every_web_and_closes_the_session(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli = open_socket()
    cli.create(session_id)
    webs = [open_socket() for _ in range(3)]
    for web in webs:
        web.join(session_id)
        web.new_frames()
    cli.close()
    assert all(web.new_frames() == [{"type": "cli:disconnected"}] for web in webs)
    item = tables.session(session_id) or {}
    assert item["status"]["S"] == "closed"
    assert "cliConnectionId" not in item
    assert tables.members(session_id) == {w.connection_id for w in webs}


def test_duplicate_disconnect_sends_the_notice_once(
    open_socket: SocketFactory, session_id: str
) -> None:
    cli = open_socket()
    cli.create(session_id)
    web = open_socket()
    web.join(session_id)
    cli.new_frames()
    web.close()
    web.close()
    assert cli.new_frames() == [{"type": "web:disconnected", "connectionId": web.connection_id}]


def test_disconnect_of_unknown_socket_is_harmless(open_socket: SocketFactory) -> None:
    socket = open_socket()
    assert socket.close() == {"statusCode": 200}
    assert socket.close() == {"statusCode": 200}


def test_old_cli_socket_disconnect_after_reconnect_does_not_close_the_session(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli = open_socket()
    cli.create(session_id)
    web = open_socket()
    web.join(session_id)
    again = open_socket(keys=cli.keys)
    again.reconnect(session_id)
    web.new_frames()
    cli.close()
    assert web.new_frames() == []
    assert (tables.session(session_id) or {})["cliConnectionId"]["S"] == again.connection_id


# ---- ping ---------------------------------------------------------------------


def test_ping_gets_pong_with_server_time(open_socket: SocketFactory) -> None:
    import time

    socket = open_socket()
    before = int(time.time() * 1000)
    socket.send({"type": "ping", "timestamp": 1})
    reply = socket.last()
    assert reply["type"] == "pong"
    assert before <= reply["timestamp"] <= int(time.time() * 1000)
