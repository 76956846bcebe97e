"""One JSON log line per invocation, with identifiers and outcome only."""

from __future__ import annotations

import json

import pytest

from tests.relay.conftest import SocketFactory


def log_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]


def test_each_invocation_logs_one_json_line(
    open_socket: SocketFactory, session_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    cli = open_socket()
    cli.create(session_id)
    cli.close()
    lines = log_lines(capsys)
    assert [(line["route"], line["outcome"]) for line in lines] == [
        ("$connect", "connected"),
        ("$default", "created"),
        ("$disconnect", "disconnected"),
    ]
    assert all(line["connectionId"] == cli.connection_id for line in lines)
    assert lines[1]["sessionId"] == session_id
    assert all(
        set(line) == {"route", "connectionId", "sessionId", "outcome", "durationMs"}
        for line in lines
    )


def test_logs_never_carry_ciphertext_or_keys(
    open_socket: SocketFactory, session_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = open_socket(user_id="alice")
    cli.create(session_id)
    web = open_socket(user_id="alice")
    web.join(session_id)
    raw = web.send_sealed(session_id, cli.public_key, "terminal:input", "secret", 1)
    output = capsys.readouterr().out
    envelope = json.loads(raw)
    for secret in (envelope["ciphertext"], envelope["nonce"], cli.public_key, web.public_key):
        assert secret not in output


def test_refusals_log_the_error_code_as_outcome(
    open_socket: SocketFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    socket = open_socket()
    capsys.readouterr()
    socket.join("NOPE01")
    (line,) = log_lines(capsys)
    assert line["outcome"] == "SESSION_NOT_FOUND"
