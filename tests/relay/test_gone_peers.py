"""A post that fails with 410 is a disconnect of that peer, wherever it happens:
the peer is removed, its record deleted, and the notices go out."""

from __future__ import annotations

from tests.relay.conftest import SocketFactory, Tables
from tests.relay.harness import session_with_webs


def test_web_found_gone_by_cli_reconnected_notice_is_removed(
    open_socket: SocketFactory, session_id: str, tables: Tables, management_api
) -> None:
    cli, (alive, dead) = session_with_webs(open_socket, session_id, 2)
    management_api.mark_gone(dead.connection_id)
    again = open_socket(keys=cli.keys)
    again.reconnect(session_id)
    assert tables.members(session_id) == {alive.connection_id}
    assert tables.connection(dead.connection_id) is None
    assert again.new_frames()[-1] == {
        "type": "web:disconnected",
        "connectionId": dead.connection_id,
    }


def test_web_found_gone_by_cli_disconnected_notice_is_removed(
    open_socket: SocketFactory, session_id: str, tables: Tables, management_api
) -> None:
    cli, (alive, dead) = session_with_webs(open_socket, session_id, 2)
    management_api.mark_gone(dead.connection_id)
    cli.close()
    assert alive.new_frames() == [{"type": "cli:disconnected"}]
    assert tables.members(session_id) == {alive.connection_id}
    assert tables.connection(dead.connection_id) is None


def test_cli_found_gone_by_web_disconnected_notice_closes_the_session(
    open_socket: SocketFactory, session_id: str, tables: Tables, management_api
) -> None:
    cli, (leaving, staying) = session_with_webs(open_socket, session_id, 2)
    management_api.mark_gone(cli.connection_id)
    leaving.close()
    assert staying.new_frames() == [{"type": "cli:disconnected"}]
    item = tables.session(session_id) or {}
    assert item["status"]["S"] == "closed" and "cliConnectionId" not in item
    assert tables.connection(cli.connection_id) is None


def test_every_web_gone_leaves_an_empty_paused_session(
    open_socket: SocketFactory, session_id: str, tables: Tables, management_api
) -> None:
    cli, webs = session_with_webs(open_socket, session_id, 3)
    for web in webs:
        management_api.mark_gone(web.connection_id)
    cli.send_sealed(session_id, cli.public_key, "terminal:output", "anyone?", 1)
    assert tables.members(session_id) == set()
    assert (tables.session(session_id) or {})["status"]["S"] == "paused"
    notices = sorted(f["connectionId"] for f in cli.new_frames())
    assert notices == sorted(w.connection_id for w in webs)


def test_output_that_found_every_web_gone_is_cached(
    open_socket: SocketFactory, session_id: str, tables: Tables, management_api
) -> None:
    cli, (web,) = session_with_webs(open_socket, session_id, 1)
    management_api.mark_gone(web.connection_id)
    raw = cli.send_sealed(session_id, web.public_key, "terminal:output", "x", 1)
    assert [c["envelope"]["S"] for c in tables.cached(session_id)] == [raw]
