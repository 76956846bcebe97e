"""Concurrent frames (API Gateway runs each frame as its own invocation, in any
order): conditional creates and atomic membership updates keep the data right."""

from __future__ import annotations

import threading
from collections.abc import Callable

from tests.relay.conftest import SocketFactory, Tables


def run_together(actions: list[Callable[[], object]]) -> None:
    barrier = threading.Barrier(len(actions))
    errors: list[BaseException] = []

    def start(action: Callable[[], object]) -> None:
        barrier.wait()
        try:
            action()
        except BaseException as exc:  # surfaced below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_two_concurrent_creates_of_one_id_exactly_one_wins(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    first, second = open_socket(), open_socket()
    run_together([lambda: first.create(session_id), lambda: second.create(session_id)])
    replies = {s.connection_id: s.last() for s in (first, second)}
    winners = [cid for cid, r in replies.items() if r["type"] == "session:created"]
    losers = [cid for cid, r in replies.items() if r.get("code") == "SESSION_EXISTS"]
    assert len(winners) == 1 and len(losers) == 1
    assert (tables.session(session_id) or {})["cliConnectionId"]["S"] == winners[0]


def test_twenty_webs_joining_concurrently_are_all_members(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli = open_socket()
    cli.create(session_id)
    webs = [open_socket() for _ in range(20)]
    run_together([lambda w=w: w.join(session_id) for w in webs])
    assert tables.members(session_id) == {w.connection_id for w in webs}
    assert all(w.last()["type"] == "session:joined" for w in webs)
    announced = {f["connectionId"] for f in cli.received() if f["type"] == "web:connected"}
    assert announced == {w.connection_id for w in webs}


def test_joins_and_leaves_interleaved_leave_the_right_members(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    open_socket().create(session_id)
    staying = [open_socket() for _ in range(4)]
    leaving = [open_socket() for _ in range(6)]
    for web in staying + leaving:
        web.join(session_id)
    arriving = [open_socket() for _ in range(6)]
    actions: list[Callable[[], object]] = []
    for out, new in zip(leaving, arriving, strict=True):
        actions.append(lambda w=out: w.send({"type": "session:leave"}))
        actions.append(lambda w=new: w.join(session_id))
    run_together(actions)
    assert tables.members(session_id) == {w.connection_id for w in staying + arriving}
    assert (tables.session(session_id) or {})["status"]["S"] == "active"


def test_disconnects_and_joins_interleaved_leave_the_right_members(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli = open_socket()
    cli.create(session_id)
    leaving = [open_socket() for _ in range(5)]
    for web in leaving:
        web.join(session_id)
    arriving = [open_socket() for _ in range(5)]
    actions: list[Callable[[], object]] = [w.close for w in leaving]
    actions += [lambda w=w: w.join(session_id) for w in arriving]
    run_together(actions)
    assert tables.members(session_id) == {w.connection_id for w in arriving}
    gone = [f["connectionId"] for f in cli.received() if f["type"] == "web:disconnected"]
    assert sorted(gone) == sorted(w.connection_id for w in leaving)


def test_last_web_leaving_while_another_joins_never_leaves_an_active_session_paused(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    open_socket().create(session_id)
    for _ in range(5):
        out, new = open_socket(), open_socket()
        out.join(session_id)
        run_together(
            [lambda w=out: w.send({"type": "session:leave"}), lambda w=new: w.join(session_id)]
        )
        item = tables.session(session_id) or {}
        assert set(item.get("webConnections", {}).get("SS", [])) == {new.connection_id}
        assert item["status"]["S"] == "active"
        new.send({"type": "session:leave"})


def test_a_retried_create_whose_first_attempt_landed_still_succeeds(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    from relay import clients

    cli = open_socket()
    cli.create(session_id)  # creates the clients the handlers use

    def replay_put_item(params: dict, **_: object) -> None:
        # Land the write first, as if an earlier attempt succeeded but its answer was lost.
        if (
            "ConditionExpression" in params
            and params.get("TableName") == tables.names["SESSIONS_TABLE"]
        ):
            tables.db.put_item(TableName=params["TableName"], Item=params["Item"])

    clients.dynamodb().meta.events.register(
        "before-parameter-build.dynamodb.PutItem", replay_put_item
    )
    again = open_socket()
    assert again.create("RETRY01")["type"] == "session:created"
    assert (tables.session("RETRY01") or {})["cliConnectionId"]["S"] == again.connection_id
