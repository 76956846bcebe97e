"""Replays of the frames the existing Always Coder CLI and web app really send,
built here in the shapes their source writes them (tyyzqmf/always-coder), and
checks of the fields those clients really read from our replies.

Sources (read to learn shapes, nothing copied):
- CLI socket:  packages/cli/src/websocket/client.ts (create, reconnect, update,
  envelopes, ping; routes session:created / session:reconnected / web:connected /
  web:disconnected / pong / envelopes)
- CLI session: packages/cli/src/session/manager.ts (uses web:connected.publicKey
  as a string, decrypts terminal:input / terminal:resize / state:request)
- CLI remote:  packages/cli/src/session/remote.ts (session:list:request,
  session:info:request with ?token=; reads .sessions / .session / error.message)
- Web socket:  packages/web/src/lib/websocket.ts (join, ping, envelopes; routes
  session:joined / error(code, message) / cli:disconnected / pong / envelopes)
- Web crypto:  packages/web/src/lib/crypto.ts, packages/shared/src/crypto/nacl.ts
  (envelope {version:1, sessionId, nonce, ciphertext, timestamp: Date.now()})
- Guard:       packages/shared/src/protocol/messages.ts ``isEncryptedEnvelope``
- Sessions UI: packages/web/src/app/sessions/page.tsx (list request, info fields)
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from typing import Any

from tests.relay.conftest import SocketFactory, Tables
from tests.relay.harness import Socket

# packages/shared/src/crypto/nacl.ts generateSessionId: 6 of these characters.
CLI_SESSION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SESSION_STATUSES = {"pending", "active", "paused", "closed"}


def cli_session_id() -> str:
    return "".join(secrets.choice(CLI_SESSION_ALPHABET) for _ in range(6))


def js_stringify(frame: dict[str, Any]) -> str:
    """JSON.stringify: no spaces, insertion order, non-ASCII kept."""
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def js_now_ms() -> int:
    return int(time.time() * 1000)


def client_envelope(
    sender: Socket, their_public_b64: str, session_id: str, msg_type: str, payload: Any, seq: int
) -> str:
    """An envelope as tweetnacl's box.after + tweetnacl-util encodeBase64 build it."""
    plaintext = js_stringify({"type": msg_type, "payload": payload, "seq": seq}).encode()
    nonce = os.urandom(24)
    sealed = sender.box_with(their_public_b64).encrypt(plaintext, nonce).ciphertext
    return js_stringify(
        {
            "version": 1,
            "sessionId": session_id,
            "nonce": base64.b64encode(nonce).decode(),
            "ciphertext": base64.b64encode(sealed).decode(),
            "timestamp": js_now_ms(),
        }
    )


def passes_is_encrypted_envelope(frame: dict[str, Any]) -> bool:
    """The clients' own guard (messages.ts isEncryptedEnvelope), restated."""
    timestamp = frame.get("timestamp")
    return (
        frame.get("version") == 1
        and not isinstance(frame.get("version"), bool)
        and isinstance(frame.get("sessionId"), str)
        and isinstance(frame.get("nonce"), str)
        and isinstance(frame.get("ciphertext"), str)
        and isinstance(timestamp, int | float)
        and not isinstance(timestamp, bool)
    )


def decodes_to_32_bytes(key: Any) -> bool:
    return isinstance(key, str) and len(base64.b64decode(key, validate=True)) == 32


def cli_create(cli: Socket, session_id: str) -> None:
    cli.send(
        js_stringify(
            {"type": "session:create", "sessionId": session_id, "publicKey": cli.public_key}
        )
    )


def web_join(web: Socket, session_id: str) -> None:
    web.send(
        js_stringify({"type": "session:join", "sessionId": session_id, "publicKey": web.public_key})
    )


def cli_with_web(open_socket: SocketFactory, **cli_options: Any) -> tuple[str, Socket, Socket]:
    session_id = cli_session_id()
    cli = open_socket(**cli_options)
    cli_create(cli, session_id)
    web = open_socket()
    web_join(web, session_id)
    cli.new_frames()
    web.new_frames()
    return session_id, cli, web


# ---- CLI: packages/cli/src/websocket/client.ts --------------------------------


def test_cli_session_create_gets_session_created_with_a_wss_endpoint(
    open_socket: SocketFactory, tables: Tables
) -> None:
    session_id = cli_session_id()
    cli = open_socket()
    cli_create(cli, session_id)
    (reply,) = cli.new_frames()
    assert reply["type"] == "session:created"
    assert reply["sessionId"] == session_id
    assert isinstance(reply["wsEndpoint"], str) and reply["wsEndpoint"].startswith("wss://")
    assert set(reply) == {"type", "sessionId", "wsEndpoint"}


def test_cli_session_reconnect_after_a_drop_gets_session_reconnected(
    open_socket: SocketFactory,
) -> None:
    session_id, cli, web = cli_with_web(open_socket)
    cli.close()
    again = open_socket(keys=cli.keys)  # client.ts reconnects with the same key pair
    again.send(
        js_stringify(
            {"type": "session:reconnect", "sessionId": session_id, "publicKey": again.public_key}
        )
    )
    (reply,) = again.new_frames()
    assert reply["type"] == "session:reconnected"
    assert reply["sessionId"] == session_id
    assert isinstance(reply["wsEndpoint"], str) and reply["wsEndpoint"].startswith("wss://")


def test_cli_session_update_with_undefined_fields_left_out_is_accepted_silently(
    open_socket: SocketFactory,
) -> None:
    session_id, cli, _ = cli_with_web(open_socket, user_id="alice")
    # sendSessionUpdate spreads an object; JSON.stringify drops undefined members.
    cli.send(
        js_stringify(
            {
                "type": "session:update",
                "instanceId": "i-0abc",
                "hostname": "devbox",
                "command": "claude",
                "commandArgs": ["--dangerously-skip-permissions"],
                "webUrl": f"https://app.example.test/join?id={session_id}&key=a%2Bb%3D",
            }
        )
    )
    assert cli.new_frames() == []


def test_cli_ping_gets_a_pong_the_cli_routes(open_socket: SocketFactory) -> None:
    cli = open_socket()
    cli.send(js_stringify({"type": "ping", "timestamp": js_now_ms()}))
    (reply,) = cli.new_frames()
    assert reply["type"] == "pong"


def test_cli_terminal_output_reaches_the_web_as_an_envelope_it_accepts_and_opens(
    open_socket: SocketFactory, management_api
) -> None:
    session_id, cli, web = cli_with_web(open_socket)
    raw = client_envelope(cli, web.public_key, session_id, "terminal:output", "héllo \x1b[0m", 1)
    cli.send(raw)
    assert cli.new_frames() == []
    (frame,) = web.new_frames()
    assert passes_is_encrypted_envelope(frame)
    assert management_api.raw_posts(web.connection_id)[-1] == raw.encode()
    assert web.open_sealed(cli.public_key, frame)["payload"] == "héllo \x1b[0m"


def test_cli_state_sync_envelope_reaches_the_web(open_socket: SocketFactory) -> None:
    session_id, cli, web = cli_with_web(open_socket)
    state = {"cols": 120, "rows": 40, "hasHistory": True}
    cli.send(client_envelope(cli, web.public_key, session_id, "state:sync", state, 2))
    (frame,) = web.new_frames()
    assert web.open_sealed(cli.public_key, frame) == {
        "type": "state:sync",
        "payload": state,
        "seq": 2,
    }


def test_cli_learns_each_web_from_web_connected_with_string_key_and_id(
    open_socket: SocketFactory,
) -> None:
    session_id = cli_session_id()
    cli = open_socket()
    cli_create(cli, session_id)
    cli.new_frames()
    web = open_socket()
    web_join(web, session_id)
    (notice,) = cli.new_frames()
    assert notice["type"] == "web:connected"
    assert notice["publicKey"] == web.public_key and decodes_to_32_bytes(notice["publicKey"])
    assert notice["connectionId"] == web.connection_id


def test_cli_hears_web_disconnected_with_the_id_it_was_given(open_socket: SocketFactory) -> None:
    _, cli, web = cli_with_web(open_socket)
    web.close()
    assert cli.new_frames() == [{"type": "web:disconnected", "connectionId": web.connection_id}]


# ---- CLI: packages/cli/src/session/remote.ts ----------------------------------


def test_cli_remote_session_list_request_gets_sessions_it_can_print(
    open_socket: SocketFactory,
) -> None:
    before_ms = js_now_ms()
    session_id, _, _ = cli_with_web(open_socket, user_id="alice")
    after_ms = js_now_ms()
    asker = open_socket(user_id="alice")
    asker.send(js_stringify({"type": "session:list:request", "includeInactive": False}))
    (reply,) = asker.new_frames()
    assert reply["type"] == "session:list:response"
    (info,) = reply["sessions"]
    assert info["sessionId"] == session_id
    assert info["status"] in SESSION_STATUSES
    # Both clients render it with new Date(createdAt): epoch milliseconds.
    assert isinstance(info["createdAt"], int)
    assert before_ms - 1000 <= info["createdAt"] <= after_ms


def test_cli_remote_session_info_request_gets_the_session(open_socket: SocketFactory) -> None:
    session_id, _, _ = cli_with_web(open_socket, user_id="alice")
    asker = open_socket(user_id="alice")
    asker.send(js_stringify({"type": "session:info:request", "sessionId": session_id}))
    (reply,) = asker.new_frames()
    assert reply["type"] == "session:info:response"
    assert reply["session"]["sessionId"] == session_id


def test_anonymous_remote_request_gets_an_error_with_a_message_to_show(
    open_socket: SocketFactory,
) -> None:
    asker = open_socket()
    asker.send(js_stringify({"type": "session:list:request", "includeInactive": True}))
    (reply,) = asker.new_frames()
    assert reply["type"] == "error"
    assert isinstance(reply["message"], str) and reply["message"]


# ---- Web: packages/web/src/lib/websocket.ts, hooks/useSession.ts --------------


def test_web_join_gets_session_joined_with_a_cli_key_it_can_use(
    open_socket: SocketFactory,
) -> None:
    session_id = cli_session_id()
    cli = open_socket()
    cli_create(cli, session_id)
    web = open_socket()
    web_join(web, session_id)
    (reply,) = web.new_frames()
    assert reply["type"] == "session:joined"
    assert reply["sessionId"] == session_id
    assert reply["cliPublicKey"] == cli.public_key and decodes_to_32_bytes(reply["cliPublicKey"])
    assert not reply.get("cliDisconnected")


def test_web_join_while_cli_away_still_gets_the_cli_key_then_cli_disconnected(
    open_socket: SocketFactory,
) -> None:
    session_id = cli_session_id()
    cli = open_socket()
    cli_create(cli, session_id)
    cli.close()
    web = open_socket()
    web_join(web, session_id)
    joined, notice = web.new_frames()
    assert (joined["type"], joined["cliPublicKey"], joined["cliDisconnected"]) == (
        "session:joined",
        cli.public_key,
        True,
    )
    assert notice["type"] == "cli:disconnected"


def test_web_join_of_unknown_session_gets_session_not_found_with_a_message(
    open_socket: SocketFactory,
) -> None:
    web = open_socket()
    web_join(web, cli_session_id())
    (reply,) = web.new_frames()
    assert (reply["type"], reply["code"]) == ("error", "SESSION_NOT_FOUND")
    assert isinstance(reply["message"], str)


def test_web_input_resize_and_state_request_reach_the_cli_in_order(
    open_socket: SocketFactory,
) -> None:
    session_id, cli, web = cli_with_web(open_socket)
    sent = [
        ("terminal:input", "ls -la\r"),
        ("terminal:resize", {"cols": 80, "rows": 24}),
        ("state:request", None),
    ]
    for seq, (msg_type, payload) in enumerate(sent, start=1):
        web.send(client_envelope(web, cli.public_key, session_id, msg_type, payload, seq))
    frames = cli.new_frames()
    assert all(passes_is_encrypted_envelope(f) for f in frames)
    opened = [cli.open_sealed(web.public_key, f) for f in frames]
    assert [(m["type"], m["payload"]) for m in opened] == sent
    assert web.new_frames() == []


def test_web_ping_gets_a_pong_the_web_routes(open_socket: SocketFactory) -> None:
    _, _, web = cli_with_web(open_socket)
    web.send(js_stringify({"type": "ping", "timestamp": js_now_ms()}))
    (reply,) = web.new_frames()
    assert reply["type"] == "pong"


def test_web_hears_cli_disconnected_when_the_cli_socket_closes(
    open_socket: SocketFactory,
) -> None:
    _, cli, web = cli_with_web(open_socket)
    cli.close()
    (notice,) = web.new_frames()
    assert notice["type"] == "cli:disconnected"


def test_web_input_while_cli_away_gets_connection_failed(open_socket: SocketFactory) -> None:
    session_id, cli, web = cli_with_web(open_socket)
    cli.close()
    web.new_frames()
    web.send(client_envelope(web, cli.public_key, session_id, "terminal:input", "x", 1))
    (reply,) = web.new_frames()
    assert (reply["type"], reply["code"]) == ("error", "CONNECTION_FAILED")


def test_web_rejoin_after_cli_reconnected_gets_the_key_and_the_cli_hears_it(
    open_socket: SocketFactory,
) -> None:
    session_id, cli, web = cli_with_web(open_socket)
    cli.close()
    again = open_socket(keys=cli.keys)
    again.reconnect(session_id)
    notices = web.new_frames()
    assert notices[-1] == {"type": "cli:reconnected", "cliPublicKey": cli.public_key}
    again.new_frames()
    web_join(web, session_id)  # the web re-sends session:join on the same socket
    assert [f["type"] for f in again.new_frames()] == ["web:connected"]
    (reply,) = web.new_frames()
    assert (reply["type"], reply["cliPublicKey"]) == ("session:joined", cli.public_key)
    assert not reply.get("cliDisconnected")


def test_web_plaintext_state_request_replays_missed_output_as_envelopes(
    open_socket: SocketFactory,
) -> None:
    session_id, cli, web = cli_with_web(open_socket)
    web.send(js_stringify({"type": "session:leave"}))
    raw = client_envelope(cli, web.public_key, session_id, "terminal:output", "missed", 3)
    cli.send(raw)
    web_join(web, session_id)
    web.new_frames()
    # The old server's shape: sessionId, sinceSeq optional.
    web.send(js_stringify({"type": "state:request", "sessionId": session_id}))
    frames = web.new_frames()
    assert frames and all(passes_is_encrypted_envelope(f) for f in frames)
    assert web.open_sealed(cli.public_key, frames[-1])["payload"] == "missed"


def test_web_input_racing_a_cli_drop_hears_cli_disconnected_before_connection_failed(
    open_socket: SocketFactory, management_api
) -> None:
    """testing/Case002.md: the web must hold its "CLI away" flag before the
    CONNECTION_FAILED arrives (useSession ignores that code only while away)."""
    session_id, cli, web = cli_with_web(open_socket)
    management_api.mark_gone(cli.connection_id)  # the CLI dropped; no $disconnect yet
    web.send(client_envelope(web, cli.public_key, session_id, "terminal:input", "x", 1))
    notice, failure = web.new_frames()
    assert notice["type"] == "cli:disconnected"
    assert (failure["type"], failure["code"]) == ("error", "CONNECTION_FAILED")
    again = open_socket(keys=cli.keys)
    again.reconnect(session_id)
    assert web.new_frames() == [{"type": "cli:reconnected", "cliPublicKey": cli.public_key}]


def test_documented_wscat_ping_with_payload_and_seq_gets_pong(open_socket: SocketFactory) -> None:
    """docs/API.md shows ``{"type":"ping","payload":{},"seq":1}``; extra members are ignored."""
    socket = open_socket()
    socket.send(js_stringify({"type": "ping", "payload": {}, "seq": 1}))
    (reply,) = socket.new_frames()
    assert reply["type"] == "pong"


def test_web_join_of_a_session_past_its_ttl_gets_session_not_found(
    open_socket: SocketFactory, tables: Tables
) -> None:
    """packages/web/src/hooks/useSession.ts handleServerError drops the tab's stored
    session (sessionStorage, stores/session.ts) only on SESSION_NOT_FOUND; any other
    code shows an error page and a reload rejoins the same dead id. The old server
    answered an expired session with SESSION_NOT_FOUND "Session not found or expired"."""
    session_id = cli_session_id()
    cli_create(open_socket(), session_id)
    tables.db.update_item(  # DynamoDB's TTL sweep is lazy: the item outlives its ttl
        TableName=tables.names["SESSIONS_TABLE"],
        Key={"sessionId": {"S": session_id}},
        UpdateExpression="SET #ttl = :past",
        ExpressionAttributeNames={"#ttl": "ttl"},
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 60)}},
    )
    web = open_socket()
    web_join(web, session_id)
    (reply,) = web.new_frames()
    assert (reply["type"], reply["code"]) == ("error", "SESSION_NOT_FOUND")
    assert tables.members(session_id) == set()


def test_cli_session_update_off_ec2_with_a_long_fqdn_stores_it_as_instance_id(
    open_socket: SocketFactory,
) -> None:
    """packages/cli/src/utils/instance.ts: off EC2 ``instanceId`` is ``os.hostname()``,
    so it must fit wherever the hostname fits (a DNS name runs to 253 characters);
    session/manager.ts sends the metadata after session:created / reconnected."""
    fqdn = ".".join(["h" * 63, "b" * 63, "c" * 63, "example", "internal"])
    session_id, cli, _ = cli_with_web(open_socket, user_id="alice")
    cli.send(
        js_stringify(
            {
                "type": "session:update",
                "instanceId": fqdn,
                "hostname": fqdn,
                "command": "claude",
                "commandArgs": [],
                "webUrl": f"https://app.example.test/join?id={session_id}&key=a%2Bb%3D",
            }
        )
    )
    assert cli.new_frames() == []
    asker = open_socket(user_id="alice")
    asker.send(js_stringify({"type": "session:info:request", "sessionId": session_id}))
    info = asker.new_frames()[0]["session"]
    assert (info["instanceId"], info["hostname"]) == (fqdn, fqdn)


def test_web_tab_reopened_after_close_rejoins_cleanly_and_types_again(
    open_socket: SocketFactory,
) -> None:
    """testing/Case001.md steps 8-10: close the tab, open the session again (a fresh
    key pair per page load, lib/crypto.ts), keep typing; no error frame anywhere."""
    session_id, cli, old_tab = cli_with_web(open_socket)
    old_tab.close()
    assert [f["type"] for f in cli.new_frames()] == ["web:disconnected"]
    tab = open_socket()
    web_join(tab, session_id)
    (joined,) = tab.new_frames()
    assert (joined["type"], joined["cliPublicKey"]) == ("session:joined", cli.public_key)
    assert not joined.get("cliDisconnected")
    (notice,) = cli.new_frames()
    assert (notice["type"], notice["publicKey"]) == ("web:connected", tab.public_key)
    tab.send(client_envelope(tab, cli.public_key, session_id, "terminal:input", "again\r", 1))
    (frame,) = cli.new_frames()
    assert cli.open_sealed(tab.public_key, frame)["payload"] == "again\r"
    assert tab.new_frames() == []
