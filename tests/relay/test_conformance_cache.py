"""PROTOCOL.md, "Message cache": seqs never collide (also under concurrent senders),
and the cache holds the most recent N envelopes, read back oldest first."""

from __future__ import annotations

import json
import threading

import pytest

from tests.relay.conftest import SocketFactory, Tables
from tests.relay.harness import session_with_webs


def test_concurrently_cached_envelopes_all_get_distinct_seqs(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli, _ = session_with_webs(open_socket, session_id, 0)
    count = 12
    threads = [
        threading.Thread(
            target=cli.send_sealed,
            args=(session_id, cli.public_key, "terminal:output", f"line {n}", n),
        )
        for n in range(1, count + 1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seqs = sorted(int(item["seq"]["N"]) for item in tables.cached(session_id))
    assert seqs == list(range(1, count + 1))


def test_replay_sends_the_most_recent_n_when_more_are_stored(
    open_socket: SocketFactory, session_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli, _ = session_with_webs(open_socket, session_id, 0)
    sent = [
        cli.send_sealed(session_id, cli.public_key, "terminal:output", f"o{n}", n)
        for n in range(1, 7)
    ]
    monkeypatch.setenv("MESSAGE_CACHE_SIZE", "3")  # a smaller bound after a redeploy
    web = open_socket()
    web.join(session_id)
    web.new_frames()
    web.send({"type": "state:request", "sessionId": session_id})
    assert web.new_frames() == [json.loads(raw) for raw in sent[-3:]]


def test_replay_of_a_cache_larger_than_one_query_page_sends_the_most_recent_n(
    open_socket: SocketFactory, session_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MESSAGE_CACHE_SIZE", "20")
    cli, _ = session_with_webs(open_socket, session_id, 0)
    big = "x" * 45_000  # ~60 KB envelopes: twenty of them span two 1 MB query pages
    sent = [
        cli.send_sealed(session_id, cli.public_key, "terminal:output", f"{n}{big}", n)
        for n in range(1, 31)
    ]
    monkeypatch.setenv("MESSAGE_CACHE_SIZE", "5")
    web = open_socket()
    web.join(session_id)
    web.new_frames()
    web.send({"type": "state:request", "sessionId": session_id})
    assert web.new_frames() == [json.loads(raw) for raw in sent[-5:]]
