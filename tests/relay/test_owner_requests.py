"""session:list/info/delete: only for signed-in callers, only about their own sessions."""

from __future__ import annotations

import pytest

from tests.relay.conftest import SocketFactory, Tables


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "session:list:request"},
        {"type": "session:info:request", "sessionId": "K7Q2ZP"},
        {"type": "session:delete:request", "sessionId": "K7Q2ZP"},
    ],
    ids=lambda f: f["type"],
)
def test_owner_requests_from_anonymous_callers_get_unauthorized(
    open_socket: SocketFactory, tables: Tables, frame: dict[str, str]
) -> None:
    open_socket().create("K7Q2ZP")
    socket = open_socket()
    before = tables.snapshot()
    socket.send(frame)
    assert socket.last()["code"] == "UNAUTHORIZED"
    assert tables.snapshot() == before
    assert tables.session("K7Q2ZP") is not None


def test_list_returns_own_sessions_newest_first_without_closed_ones(
    open_socket: SocketFactory,
) -> None:
    clis = {}
    for sid in ("FIRST1", "SECOND", "THIRD3"):
        clis[sid] = open_socket(user_id="alice")
        clis[sid].create(sid)
    open_socket(user_id="bob").create("BOBS01")
    open_socket().create("ANON01")
    clis["SECOND"].close()
    asker = open_socket(user_id="alice")
    asker.send({"type": "session:list:request"})
    reply = asker.last()
    assert reply["type"] == "session:list:response"
    assert [s["sessionId"] for s in reply["sessions"]] == ["THIRD3", "FIRST1"]


def test_list_with_include_inactive_shows_closed_sessions(open_socket: SocketFactory) -> None:
    cli = open_socket(user_id="alice")
    cli.create("GONE01")
    cli.close()
    asker = open_socket(user_id="alice")
    asker.send({"type": "session:list:request", "includeInactive": True})
    (info,) = asker.last()["sessions"]
    assert (info["sessionId"], info["status"]) == ("GONE01", "closed")


def test_info_of_own_session_has_the_details(open_socket: SocketFactory) -> None:
    cli = open_socket(user_id="alice")
    cli.create("MINE01")
    cli.send({"type": "session:update", "hostname": "devbox", "commandArgs": ["--x"]})
    asker = open_socket(user_id="alice")
    asker.send({"type": "session:info:request", "sessionId": "MINE01"})
    info = asker.last()["session"]
    assert {k: info[k] for k in ("sessionId", "status", "hostname", "commandArgs")} == {
        "sessionId": "MINE01",
        "status": "pending",
        "hostname": "devbox",
        "commandArgs": ["--x"],
    }
    assert isinstance(info["createdAt"], int) and isinstance(info["lastActiveAt"], int)


@pytest.mark.parametrize("session_id", ["BOBS01", "NOSUCH"])
def test_info_of_someone_elses_or_unknown_session_is_null(
    open_socket: SocketFactory, session_id: str
) -> None:
    open_socket(user_id="bob").create("BOBS01")
    asker = open_socket(user_id="alice")
    asker.send({"type": "session:info:request", "sessionId": session_id})
    assert asker.last() == {"type": "session:info:response", "session": None}


def test_delete_by_the_owner_removes_everything_and_closes_sockets(
    open_socket: SocketFactory, tables: Tables, management_api
) -> None:
    cli = open_socket(user_id="alice")
    cli.create("DOOMED")
    web = open_socket(user_id="alice")
    web.join("DOOMED")
    web.send({"type": "session:leave"})
    cli.send_sealed("DOOMED", cli.public_key, "terminal:output", "cached", 1)
    web.join("DOOMED")
    assert tables.cached("DOOMED")
    asker = open_socket(user_id="alice")
    asker.send({"type": "session:delete:request", "sessionId": "DOOMED"})
    assert asker.last() == {
        "type": "session:delete:response",
        "sessionId": "DOOMED",
        "success": True,
    }
    assert tables.session("DOOMED") is None
    assert tables.cached("DOOMED") == []
    assert tables.connection(cli.connection_id) is None
    assert tables.connection(web.connection_id) is None
    assert management_api.was_closed(cli.connection_id)
    assert management_api.was_closed(web.connection_id)
    assert not management_api.was_closed(asker.connection_id)


@pytest.mark.parametrize("session_id", ["BOBS01", "NOSUCH"])
def test_delete_of_someone_elses_or_unknown_session_fails_and_changes_nothing(
    open_socket: SocketFactory, tables: Tables, session_id: str
) -> None:
    open_socket(user_id="bob").create("BOBS01")
    before = tables.snapshot()
    asker = open_socket(user_id="alice")
    asker.send({"type": "session:delete:request", "sessionId": session_id})
    reply = asker.last()
    assert (reply["type"], reply["sessionId"], reply["success"]) == (
        "session:delete:response",
        session_id,
        False,
    )
    assert reply["message"]
    after = tables.snapshot()
    assert after["SESSIONS_TABLE"] == before["SESSIONS_TABLE"]
    assert after["MESSAGES_TABLE"] == before["MESSAGES_TABLE"]


def test_delete_removes_a_cache_larger_than_one_batch(
    open_socket: SocketFactory, tables: Tables
) -> None:
    cli = open_socket(user_id="alice")
    cli.create("BIGONE")
    for n in range(1, 31):
        cli.send_sealed("BIGONE", cli.public_key, "terminal:output", n, n)
    assert len(tables.cached("BIGONE")) == 30
    asker = open_socket(user_id="alice")
    asker.send({"type": "session:delete:request", "sessionId": "BIGONE"})
    assert asker.last()["success"] is True
    assert tables.cached("BIGONE") == []
