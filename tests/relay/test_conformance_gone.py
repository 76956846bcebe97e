"""PROTOCOL.md, "Disconnects and gone peers": *every* post that fails with 410 is a
disconnect of that peer, the replies to the sender's own socket included."""

from __future__ import annotations

from tests.relay.conftest import SocketFactory, Tables


def test_web_whose_join_reply_finds_it_gone_is_removed_and_the_cli_told(
    open_socket: SocketFactory, session_id: str, tables: Tables, management_api
) -> None:
    cli = open_socket()
    cli.create(session_id)
    cli.new_frames()
    web = open_socket()
    management_api.mark_gone(web.connection_id)
    web.send({"type": "session:join", "sessionId": session_id, "publicKey": web.public_key})
    assert cli.new_frames() == [
        {"type": "web:connected", "publicKey": web.public_key, "connectionId": web.connection_id},
        {"type": "web:disconnected", "connectionId": web.connection_id},
    ]
    assert tables.members(session_id) == set()
    assert tables.connection(web.connection_id) is None
    assert (tables.session(session_id) or {})["status"]["S"] == "paused"


def test_cli_whose_create_reply_finds_it_gone_leaves_a_closed_session(
    open_socket: SocketFactory, session_id: str, tables: Tables, management_api
) -> None:
    cli = open_socket()
    management_api.mark_gone(cli.connection_id)
    cli.send({"type": "session:create", "sessionId": session_id, "publicKey": cli.public_key})
    item = tables.session(session_id) or {}
    assert item["status"]["S"] == "closed" and "cliConnectionId" not in item
    assert tables.connection(cli.connection_id) is None


def test_web_whose_replay_finds_it_gone_is_removed_and_the_cli_told(
    open_socket: SocketFactory, session_id: str, tables: Tables, management_api
) -> None:
    cli = open_socket()
    cli.create(session_id)
    cli.send_sealed(session_id, cli.public_key, "terminal:output", "cached", 1)
    web = open_socket()
    web.join(session_id)
    cli.new_frames()
    management_api.mark_gone(web.connection_id)
    web.send({"type": "state:request", "sessionId": session_id})
    assert cli.new_frames() == [{"type": "web:disconnected", "connectionId": web.connection_id}]
    assert tables.members(session_id) == set()
    assert tables.connection(web.connection_id) is None


def test_sender_found_gone_by_an_error_reply_is_removed(
    open_socket: SocketFactory, session_id: str, tables: Tables, management_api
) -> None:
    cli = open_socket()
    cli.create(session_id)
    web = open_socket()
    web.join(session_id)
    cli.new_frames()
    management_api.mark_gone(web.connection_id)
    web.send({"type": "no:such:type"})
    assert cli.new_frames() == [{"type": "web:disconnected", "connectionId": web.connection_id}]
    assert tables.members(session_id) == set()


def test_reconnecting_cli_found_gone_by_its_reply_sends_no_cli_reconnected(
    open_socket: SocketFactory, session_id: str, tables: Tables, management_api
) -> None:
    cli = open_socket()
    cli.create(session_id)
    web = open_socket()
    web.join(session_id)
    cli.close()
    web.new_frames()
    again = open_socket(keys=cli.keys)
    management_api.mark_gone(again.connection_id)
    again.send({"type": "session:reconnect", "sessionId": session_id, "publicKey": cli.public_key})
    assert web.new_frames() == [{"type": "cli:disconnected"}]
    item = tables.session(session_id) or {}
    assert item["status"]["S"] == "closed" and "cliConnectionId" not in item
