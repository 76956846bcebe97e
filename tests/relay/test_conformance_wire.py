"""Wire details of PROTOCOL.md that the existing clients depend on, each checked
through the real handlers: exact field sets, raw forwarding, the status walk,
TTL lengths and the CLI's own session:update."""

from __future__ import annotations

import base64
import json
import time

from tests.relay.conftest import SocketFactory, Tables
from tests.relay.harness import session_with_webs

INFO_FIELDS = {"sessionId", "status", "createdAt", "lastActiveAt"}
DETAIL_FIELDS = {"instanceId", "instanceLabel", "hostname", "command", "commandArgs", "webUrl"}


def status(tables: Tables, session_id: str) -> str:
    return (tables.session(session_id) or {})["status"]["S"]


def odd_spacing(frame: dict[str, object]) -> str:
    """Valid JSON that re-serialising would change (spacing, reversed key order)."""
    return "{ " + ",  ".join(f'"{k}" : {json.dumps(v)}' for k, v in reversed(frame.items())) + " }"


def test_cli_output_reaches_each_web_and_the_replay_byte_for_byte(
    open_socket: SocketFactory, session_id: str, management_api
) -> None:
    cli, webs = session_with_webs(open_socket, session_id, 2)
    envelope = json.loads(
        cli.send_sealed(session_id, webs[0].public_key, "terminal:output", "a", 1)
    )
    raw = odd_spacing(envelope)
    cli.send(raw)
    assert all(management_api.raw_posts(w.connection_id)[-1] == raw.encode() for w in webs)
    webs[0].send({"type": "session:leave"})
    cli.send(raw)  # reaches webs[1] only: not cached in the default mode
    webs[1].send({"type": "session:leave"})
    cli.send(raw)  # reaches no web: cached
    webs[0].join(session_id)
    webs[0].send({"type": "state:request", "sessionId": session_id})
    assert management_api.raw_posts(webs[0].connection_id)[-1] == raw.encode()


def test_url_safe_base64_key_gets_invalid_public_key(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    key = base64.urlsafe_b64encode(bytes([0xFB] * 32)).decode()  # holds "-" and "_"
    cli = open_socket()
    cli.send({"type": "session:create", "sessionId": session_id, "publicKey": key})
    assert cli.last()["code"] == "INVALID_PUBLIC_KEY"
    assert tables.session(session_id) is None


def test_session_update_as_the_existing_cli_sends_it_is_stored_and_listed(
    open_socket: SocketFactory, session_id: str
) -> None:
    cli = open_socket(user_id="alice")
    cli.create(session_id)
    cli.new_frames()
    metadata = {
        "instanceId": "i-0123456789abcdef0",
        "instanceLabel": "",
        "hostname": "devbox.local",
        "command": "claude",
        "commandArgs": [],
        "webUrl": f"https://coder.example.test/join?id={session_id}&key=abc%2B%3D",
    }
    cli.send({"type": "session:update", **metadata})
    assert cli.new_frames() == []
    asker = open_socket(user_id="alice")
    asker.send({"type": "session:list:request"})
    (info,) = asker.last()["sessions"]
    assert {k: info[k] for k in DETAIL_FIELDS} == metadata


def test_info_carries_only_the_documented_fields(
    open_socket: SocketFactory, session_id: str
) -> None:
    cli = open_socket(user_id="alice")
    cli.create(session_id)
    cli.send({"type": "session:update", "hostname": "devbox"})
    open_socket(user_id="alice").join(session_id)
    cli.send_sealed(session_id, cli.public_key, "terminal:output", "x", 1)
    asker = open_socket(user_id="alice")
    asker.send({"type": "session:info:request", "sessionId": session_id})
    info = asker.last()["session"]
    assert INFO_FIELDS <= set(info) <= INFO_FIELDS | DETAIL_FIELDS
    assert all(isinstance(info[k], int) for k in ("createdAt", "lastActiveAt"))


def test_status_walks_pending_active_paused_active_closed_pending(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    seen = []
    cli = open_socket()
    cli.create(session_id)
    seen.append(status(tables, session_id))
    web = open_socket()
    web.join(session_id)
    seen.append(status(tables, session_id))
    web.send({"type": "session:leave"})
    seen.append(status(tables, session_id))
    web.join(session_id)
    seen.append(status(tables, session_id))
    cli.close()
    seen.append(status(tables, session_id))
    again = open_socket(keys=cli.keys)
    again.reconnect(session_id)
    seen.append(status(tables, session_id))
    assert seen == ["pending", "active", "paused", "active", "closed", "pending"]


def test_sessions_and_connections_live_a_day_and_cached_envelopes_an_hour(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    before = int(time.time())
    cli, _ = session_with_webs(open_socket, session_id, 0)
    cli.send_sealed(session_id, cli.public_key, "terminal:output", "x", 1)
    after = int(time.time())
    ttls = {
        "session": int((tables.session(session_id) or {})["ttl"]["N"]),
        "connection": int((tables.connection(cli.connection_id) or {})["ttl"]["N"]),
        "message": int(tables.cached(session_id)[0]["ttl"]["N"]),
    }
    lives = {"session": 24 * 3600, "connection": 24 * 3600, "message": 3600}
    assert all(before + lives[k] <= ttls[k] <= after + lives[k] for k in lives), ttls
