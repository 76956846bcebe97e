"""Hardening rules and bad input: each refusal is an ``error`` frame and leaves
every table as it was; no input makes a handler raise."""

from __future__ import annotations

import json
import threading

import connect
import disconnect
import message
import pytest

from tests.relay.conftest import SocketFactory, Tables
from tests.relay.harness import Socket, ws_event


def session_with_web(open_socket: SocketFactory, session_id: str) -> tuple[Socket, Socket]:
    cli = open_socket()
    cli.create(session_id)
    web = open_socket()
    web.join(session_id)
    return cli, web


# ---- bad input ------------------------------------------------------------------

BAD_FRAMES = {
    "not json": "hello there",
    "truncated json": '{"type": "session:join", "sessionId": ',
    "not an object": '["session:join"]',
    "a bare string": '"ping"',
    "unknown type": '{"type": "session:takeover", "sessionId": "K7Q2ZP"}',
    "type not a string": '{"type": ["ping"]}',
    "no type, no version": '{"sessionId": "K7Q2ZP"}',
    "missing sessionId": json.dumps({"type": "session:join", "publicKey": "A" * 43 + "="}),
    "mistyped sessionId": json.dumps({"type": "state:request", "sessionId": 42}),
    "oversize sessionId": json.dumps({"type": "session:info:request", "sessionId": "S" * 65}),
    "bad id characters": json.dumps({"type": "session:delete:request", "sessionId": "../etc"}),
    "short key": json.dumps({"type": "session:create", "sessionId": "K7Q2ZP", "publicKey": "AAAA"}),
    "oversize update": json.dumps({"type": "session:update", "hostname": "h" * 10_000}),
    "bad envelope nonce": json.dumps(
        {
            "version": 1,
            "sessionId": "K7Q2ZP",
            "nonce": "AA==",
            "ciphertext": "A" * 24,
            "timestamp": 1,
        }
    ),
}


@pytest.mark.parametrize("raw", BAD_FRAMES.values(), ids=BAD_FRAMES.keys())
def test_bad_frames_get_an_error_frame_and_change_nothing(
    open_socket: SocketFactory, session_id: str, tables: Tables, raw: str
) -> None:
    cli, web = session_with_web(open_socket, session_id)
    cli.new_frames()
    web.new_frames()
    before = tables.snapshot()
    assert web.send(raw) == {"statusCode": 200}
    (reply,) = web.new_frames()
    assert reply["type"] == "error"
    assert reply["code"] in {"INVALID_MESSAGE", "INVALID_PUBLIC_KEY"}
    assert tables.snapshot() == before
    assert cli.new_frames() == []


def test_binary_frame_gets_invalid_message(open_socket: SocketFactory) -> None:
    socket = open_socket()
    event = ws_event("$default", socket.connection_id, body="\xff\xfe")
    event["isBase64Encoded"] = True
    message.handler(event, None)
    assert socket.last()["code"] == "INVALID_MESSAGE"


def test_frame_without_body_gets_invalid_message(open_socket: SocketFactory) -> None:
    socket = open_socket()
    message.handler(ws_event("$default", socket.connection_id), None)
    assert socket.last()["code"] == "INVALID_MESSAGE"


@pytest.mark.parametrize("handler", [connect.handler, disconnect.handler, message.handler])
@pytest.mark.parametrize("event", [None, {}, {"requestContext": None}, "junk"], ids=repr)
def test_malformed_events_never_raise(tables: Tables, handler, event) -> None:
    assert handler(event, None)["statusCode"] in (200, 500)


def test_storage_failure_is_reported_to_the_sender_not_raised(
    open_socket: SocketFactory, session_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    socket = open_socket()
    monkeypatch.setenv("SESSIONS_TABLE", "no-such-table")
    assert socket.create(session_id) == {
        "type": "error",
        "code": "CONNECTION_FAILED",
        "message": "Internal error",
    }


def test_web_sending_session_create_gets_an_error_and_changes_nothing(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    _, web = session_with_web(open_socket, session_id)
    before = tables.snapshot()
    reply = web.create("OTHERSESSION")
    assert (reply["type"], reply["code"]) == ("error", "INVALID_MESSAGE")
    assert tables.snapshot() == before


def test_web_sending_session_reconnect_gets_an_error_and_changes_nothing(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli, web = session_with_web(open_socket, session_id)
    web.keys = cli.keys
    before = tables.snapshot()
    assert web.reconnect(session_id)["type"] == "error"
    assert tables.snapshot() == before


def test_web_sending_session_update_gets_unauthorized_and_changes_nothing(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    _, web = session_with_web(open_socket, session_id)
    before = tables.snapshot()
    web.send({"type": "session:update", "hostname": "evil"})
    assert web.last()["code"] == "UNAUTHORIZED"
    assert tables.snapshot() == before


def test_cli_joining_as_a_web_gets_invalid_message(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli = open_socket()
    cli.create(session_id)
    before = tables.snapshot()
    assert cli.join(session_id)["code"] == "INVALID_MESSAGE"
    assert tables.snapshot() == before


def test_cli_creating_a_second_session_on_one_socket_gets_invalid_message(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli = open_socket()
    cli.create(session_id)
    assert cli.create("SECONDONE")["code"] == "INVALID_MESSAGE"
    assert tables.session("SECONDONE") is None


# ---- session:update -------------------------------------------------------------


def test_update_writes_only_whitelisted_fields(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli = open_socket(user_id="alice")
    cli.create(session_id)
    cli.new_frames()
    cli.send(
        {
            "type": "session:update",
            "hostname": "devbox",
            "commandArgs": ["--model", "opus"],
            "userId": "mallory",
            "cliConnectionId": "hijack",
            "status": "closed",
        }
    )
    item = tables.session(session_id) or {}
    assert item["hostname"] == {"S": "devbox"}
    assert item["commandArgs"] == {"L": [{"S": "--model"}, {"S": "opus"}]}
    assert item["userId"] == {"S": "alice"}
    assert item["cliConnectionId"] == {"S": cli.connection_id}
    assert item["status"] == {"S": "pending"}
    assert cli.new_frames() == []


def test_update_from_a_replaced_cli_socket_changes_nothing(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli = open_socket()
    cli.create(session_id)
    again = open_socket(keys=cli.keys)
    again.reconnect(session_id)
    # The old socket was closed (its error reply finds it gone); it must not write.
    cli.send({"type": "session:update", "hostname": "stale"})
    assert "hostname" not in (tables.session(session_id) or {})


# ---- joins ------------------------------------------------------------------------


def test_join_of_owned_session_by_someone_else_gets_session_not_found(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    open_socket(user_id="alice").create(session_id)
    intruder = open_socket(user_id="mallory")
    assert intruder.join(session_id)["code"] == "SESSION_NOT_FOUND"
    assert tables.members(session_id) == set()


def test_join_of_owned_session_by_the_owner_succeeds(
    open_socket: SocketFactory, session_id: str
) -> None:
    open_socket(user_id="alice").create(session_id)
    assert open_socket(user_id="alice").join(session_id)["type"] == "session:joined"


def test_join_beyond_the_web_limit_gets_session_full(
    open_socket: SocketFactory, session_id: str, tables: Tables, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAX_WEBS_PER_SESSION", "2")
    open_socket().create(session_id)
    members = [open_socket(), open_socket()]
    for web in members:
        web.join(session_id)
    late = open_socket()
    assert late.join(session_id)["code"] == "SESSION_FULL"
    assert tables.members(session_id) == {w.connection_id for w in members}
    assert "sessionId" not in (tables.connection(late.connection_id) or {})


def test_rejoin_of_a_full_session_by_a_member_is_allowed(
    open_socket: SocketFactory, session_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAX_WEBS_PER_SESSION", "1")
    open_socket().create(session_id)
    web = open_socket()
    web.join(session_id)
    assert web.join(session_id)["type"] == "session:joined"


def test_concurrent_joins_never_exceed_the_web_limit(
    open_socket: SocketFactory, session_id: str, tables: Tables, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAX_WEBS_PER_SESSION", "5")
    open_socket().create(session_id)
    webs = [open_socket() for _ in range(10)]
    threads = [threading.Thread(target=w.join, args=(session_id,)) for w in webs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(tables.members(session_id)) == 5
    assert sum(w.last()["type"] == "session:joined" for w in webs) == 5


def test_consecutive_failed_joins_on_one_socket_get_rate_limited_and_closed(
    open_socket: SocketFactory, management_api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAILED_JOINS_PER_CONNECTION", "3")
    guesser = open_socket()
    for guess in ("AAAAAA", "BBBBBB"):
        guesser.join(guess)
    assert not management_api.was_closed(guesser.connection_id)
    guesser.join("CCCCCC")
    codes = [f.get("code") for f in guesser.received()]
    assert codes == ["SESSION_NOT_FOUND"] * 3 + ["RATE_LIMITED"]
    assert management_api.was_closed(guesser.connection_id)


def test_a_successful_join_resets_the_consecutive_failure_count(
    open_socket: SocketFactory, session_id: str, management_api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAILED_JOINS_PER_CONNECTION", "3")
    open_socket().create(session_id)
    web = open_socket()
    for target in ("AAAAAA", "BBBBBB", session_id, "CCCCCC", "DDDDDD"):
        web.join(target)
    assert not management_api.was_closed(web.connection_id)


def test_failed_joins_from_one_ip_across_sockets_get_rate_limited(
    open_socket: SocketFactory, session_id: str, management_api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAILED_JOINS_PER_IP", "4")
    open_socket().create(session_id)
    ip = "203.0.113.99"
    for n in range(4):
        open_socket(source_ip=ip).join(f"GUESS{n}")
    # Over the limit: even a join of a real session is refused from this address.
    late = open_socket(source_ip=ip)
    assert late.join(session_id)["code"] == "RATE_LIMITED"
    assert management_api.was_closed(late.connection_id)
    assert open_socket(source_ip="203.0.113.100").join(session_id)["type"] == "session:joined"


def test_ip_counter_lives_in_connections_table_outside_the_session_index(
    open_socket: SocketFactory, tables: Tables
) -> None:
    open_socket(source_ip="203.0.113.5").join("NOPE01")
    counters = [
        item
        for item in tables.scan("CONNECTIONS_TABLE")
        if item["connectionId"]["S"].startswith("failed-joins#203.0.113.5#")
    ]
    assert len(counters) == 1
    assert "ttl" in counters[0] and "sessionId" not in counters[0]


def test_update_without_whitelisted_fields_writes_nothing(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli = open_socket()
    cli.create(session_id)
    cli.new_frames()
    before = tables.snapshot()
    cli.send({"type": "session:update", "userId": "mallory"})
    assert tables.snapshot() == before
    assert cli.new_frames() == []
