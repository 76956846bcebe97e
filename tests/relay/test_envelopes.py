"""Relaying real ciphertext (PyNaCl, as the real clients), the message cache and
its modes, state:request replay, and peers found gone while relaying."""

from __future__ import annotations

import json

import pytest
from nacl.exceptions import CryptoError

from relay_client.crypto import seal
from tests.relay.conftest import SocketFactory, Tables
from tests.relay.harness import session_with_webs


def test_cli_output_reaches_every_web_and_decrypts(
    open_socket: SocketFactory, session_id: str
) -> None:
    cli, webs = session_with_webs(open_socket, session_id, 3)
    for seq, web in enumerate(webs, start=1):
        cli.send_sealed(session_id, web.public_key, "terminal:output", f"hello {seq}", seq)
    for seq, web in enumerate(webs, start=1):
        envelopes = web.new_frames()
        assert len(envelopes) == 3
        readable = []
        for envelope in envelopes:
            try:
                readable.append(web.open_sealed(cli.public_key, envelope))
            except CryptoError:  # sealed for another web: not readable here
                continue
        assert readable == [{"type": "terminal:output", "payload": f"hello {seq}", "seq": seq}]


def test_web_input_reaches_the_cli_and_decrypts(
    open_socket: SocketFactory, session_id: str
) -> None:
    cli, (web,) = session_with_webs(open_socket, session_id, 1)
    web.send_sealed(session_id, cli.public_key, "terminal:resize", {"cols": 80, "rows": 24}, 1)
    (envelope,) = cli.new_frames()
    assert cli.open_sealed(web.public_key, envelope) == {
        "type": "terminal:resize",
        "payload": {"cols": 80, "rows": 24},
        "seq": 1,
    }


def test_envelope_is_forwarded_byte_for_byte(
    open_socket: SocketFactory, session_id: str, management_api
) -> None:
    cli, (web,) = session_with_webs(open_socket, session_id, 1)
    frame = seal(web.box_with(cli.public_key), session_id, "terminal:input", "ls\n", 1)
    # Unusual but valid spacing and key order: re-serialising would change it.
    raw = "{ " + ",  ".join(f'"{k}" : {json.dumps(v)}' for k, v in reversed(frame.items())) + " }"
    web.send(raw)
    assert management_api.raw_posts(cli.connection_id)[-1] == raw.encode()


def test_web_to_cli_without_cli_gets_connection_failed(
    open_socket: SocketFactory, session_id: str
) -> None:
    cli, (web,) = session_with_webs(open_socket, session_id, 1)
    cli.close()
    web.new_frames()
    web.send_sealed(session_id, cli.public_key, "terminal:input", "ls", 1)
    assert web.new_frames() == [
        {"type": "error", "code": "CONNECTION_FAILED", "message": "CLI not connected"}
    ]


def test_web_to_gone_cli_gets_connection_failed_and_webs_hear_cli_disconnected(
    open_socket: SocketFactory, session_id: str, tables: Tables, management_api
) -> None:
    cli, (web, other) = session_with_webs(open_socket, session_id, 2)
    management_api.mark_gone(cli.connection_id)
    web.send_sealed(session_id, cli.public_key, "terminal:input", "ls", 1)
    assert web.new_frames() == [
        {"type": "cli:disconnected"},
        {"type": "error", "code": "CONNECTION_FAILED", "message": "CLI not connected"},
    ]
    assert other.new_frames() == [{"type": "cli:disconnected"}]
    assert (tables.session(session_id) or {})["status"]["S"] == "closed"
    assert tables.connection(cli.connection_id) is None


def test_gone_web_is_removed_while_relaying_and_the_cli_is_told(
    open_socket: SocketFactory, session_id: str, tables: Tables, management_api
) -> None:
    cli, (alive, dead) = session_with_webs(open_socket, session_id, 2)
    management_api.mark_gone(dead.connection_id)
    cli.send_sealed(session_id, alive.public_key, "terminal:output", "x", 1)
    assert len(alive.new_frames()) == 1
    assert cli.new_frames() == [{"type": "web:disconnected", "connectionId": dead.connection_id}]
    assert tables.members(session_id) == {alive.connection_id}
    assert tables.connection(dead.connection_id) is None


def test_envelope_from_a_stranger_gets_session_id_mismatch_and_changes_nothing(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli, (web,) = session_with_webs(open_socket, session_id, 1)
    stranger = open_socket()
    before = tables.snapshot()
    stranger.send_sealed(session_id, cli.public_key, "terminal:input", "rm -rf /", 1)
    assert stranger.last() == {
        "type": "error",
        "code": "INVALID_MESSAGE",
        "message": "Session ID mismatch",
    }
    assert cli.new_frames() == [] and web.new_frames() == []
    assert tables.snapshot() == before


def test_envelope_naming_another_session_gets_session_id_mismatch(
    open_socket: SocketFactory, tables: Tables
) -> None:
    cli_a, cli_b = open_socket(), open_socket()
    cli_a.create("SESSIONA")
    cli_b.create("SESSIONB")
    web = open_socket()
    web.join("SESSIONA")
    cli_b.new_frames()
    web.send_sealed("SESSIONB", cli_b.public_key, "terminal:input", "ls", 1)
    assert web.last()["message"] == "Session ID mismatch"
    assert cli_b.new_frames() == []


def test_envelope_for_an_unknown_session_gets_connection_failed(
    open_socket: SocketFactory, session_id: str
) -> None:
    socket = open_socket()
    socket.send_sealed(session_id, socket.public_key, "terminal:input", "ls", 1)
    assert socket.last()["code"] == "CONNECTION_FAILED"


# ---- the cache ----------------------------------------------------------------


def test_undelivered_mode_caches_output_that_reached_no_web(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli, _ = session_with_webs(open_socket, session_id, 0)
    raw = cli.send_sealed(session_id, cli.public_key, "terminal:output", "while away", 1)
    cached = tables.cached(session_id)
    assert [(c["seq"]["N"], c["envelope"]["S"]) for c in cached] == [("1", raw)]
    assert "ttl" in cached[0]


def test_undelivered_mode_does_not_cache_delivered_output(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli, (web,) = session_with_webs(open_socket, session_id, 1)
    cli.send_sealed(session_id, web.public_key, "terminal:output", "seen", 1)
    assert tables.cached(session_id) == []


def test_all_mode_caches_delivered_output(
    open_socket: SocketFactory, session_id: str, tables: Tables, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MESSAGE_CACHE_MODE", "all")
    cli, (web,) = session_with_webs(open_socket, session_id, 1)
    cli.send_sealed(session_id, web.public_key, "terminal:output", "seen", 1)
    assert len(tables.cached(session_id)) == 1


def test_off_mode_caches_nothing(
    open_socket: SocketFactory, session_id: str, tables: Tables, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MESSAGE_CACHE_MODE", "off")
    cli, _ = session_with_webs(open_socket, session_id, 0)
    cli.send_sealed(session_id, cli.public_key, "terminal:output", "lost", 1)
    assert tables.cached(session_id) == []


def test_web_input_is_never_cached(
    open_socket: SocketFactory, session_id: str, tables: Tables, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MESSAGE_CACHE_MODE", "all")
    cli, (web,) = session_with_webs(open_socket, session_id, 1)
    web.send_sealed(session_id, cli.public_key, "terminal:input", "ls", 1)
    assert tables.cached(session_id) == []


def test_cache_keeps_only_the_most_recent_n_with_distinct_seqs(
    open_socket: SocketFactory, session_id: str, tables: Tables, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = 3
    monkeypatch.setenv("MESSAGE_CACHE_SIZE", str(size))
    cli, _ = session_with_webs(open_socket, session_id, 0)
    sent = [
        cli.send_sealed(session_id, cli.public_key, "terminal:output", f"line {n}", n)
        for n in range(1, 6)
    ]
    cached = sorted(tables.cached(session_id), key=lambda c: int(c["seq"]["N"]))
    assert [c["envelope"]["S"] for c in cached] == sent[-size:]
    assert len({c["seq"]["N"] for c in cached}) == size


def test_state_request_replays_cached_envelopes_oldest_first(
    open_socket: SocketFactory, session_id: str
) -> None:
    cli, (web,) = session_with_webs(open_socket, session_id, 1)
    web.send({"type": "session:leave"})
    sent = [
        cli.send_sealed(session_id, web.public_key, "terminal:output", f"o{n}", n)
        for n in range(1, 4)
    ]
    web.join(session_id)
    web.new_frames()
    web.send({"type": "state:request", "sessionId": session_id})
    replayed = web.new_frames()
    assert replayed == [json.loads(raw) for raw in sent]
    assert [web.open_sealed(cli.public_key, e)["payload"] for e in replayed] == ["o1", "o2", "o3"]


def test_state_request_since_seq_skips_older_envelopes(
    open_socket: SocketFactory, session_id: str
) -> None:
    cli, _ = session_with_webs(open_socket, session_id, 0)
    sent = [
        cli.send_sealed(session_id, cli.public_key, "terminal:output", f"o{n}", n)
        for n in range(1, 4)
    ]
    web = open_socket()
    web.join(session_id)
    web.new_frames()
    web.send({"type": "state:request", "sessionId": session_id, "sinceSeq": 2})
    assert web.new_frames() == [json.loads(sent[2])]


def test_state_request_from_outside_the_session_gets_invalid_message(
    open_socket: SocketFactory, session_id: str
) -> None:
    cli, _ = session_with_webs(open_socket, session_id, 0)
    cli.send_sealed(session_id, cli.public_key, "terminal:output", "secret", 1)
    stranger = open_socket()
    stranger.send({"type": "state:request", "sessionId": session_id})
    assert [f.get("code") for f in stranger.received()] == ["INVALID_MESSAGE"]


# ---- posts that fail without proving the peer gone ----------------------------------


def test_web_input_the_cli_cannot_receive_gets_connection_failed_and_keeps_the_cli(
    open_socket: SocketFactory, session_id: str, tables: Tables, management_api
) -> None:
    cli, (web,) = session_with_webs(open_socket, session_id, 1)
    management_api.mark_failing(cli.connection_id)
    web.send_sealed(session_id, cli.public_key, "terminal:input", "ls", 1)
    assert web.new_frames() == [
        {"type": "error", "code": "CONNECTION_FAILED", "message": "Delivery to the CLI failed"}
    ]
    assert (tables.session(session_id) or {})["cliConnectionId"]["S"] == cli.connection_id


def test_output_no_web_could_receive_is_cached_and_the_webs_stay(
    open_socket: SocketFactory, session_id: str, tables: Tables, management_api
) -> None:
    cli, (web,) = session_with_webs(open_socket, session_id, 1)
    management_api.mark_failing(web.connection_id)
    raw = cli.send_sealed(session_id, web.public_key, "terminal:output", "x", 1)
    assert [c["envelope"]["S"] for c in tables.cached(session_id)] == [raw]
    assert tables.members(session_id) == {web.connection_id}
