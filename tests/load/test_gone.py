"""Posts to connections that vanished without a ``$disconnect`` (API Gateway answers
410 GoneException): the relay treats each as a disconnect, cleans its records, tells
the peers, and still delivers to everyone else. Driven in-process through the real
handlers, against the relay tests' Management API stand-in (``management_api``
fixture: a real HTTP server that answers 410 for ids marked gone)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from tests.load.conftest import LoadSize
from tests.relay.conftest import SocketFactory, Tables


def _session(open_socket: SocketFactory, webs: int):  # type: ignore[no-untyped-def]
    session_id = "G" + uuid.uuid4().hex[:9].upper()
    cli = open_socket()
    assert cli.create(session_id)["type"] == "session:created"
    joined = [open_socket() for _ in range(webs)]
    for web in joined:
        assert web.join(session_id)["type"] == "session:joined"
    cli.new_frames()
    for web in joined:
        web.new_frames()
    return session_id, cli, joined


def test_vanished_webs_are_removed_and_the_live_ones_still_get_the_envelope(
    open_socket: SocketFactory,
    tables: Tables,
    management_api: Any,
    size: LoadSize,
) -> None:
    session_id, cli, webs = _session(open_socket, size.gone_webs)
    vanished, live = webs[::2], webs[1::2]
    for web in vanished:
        management_api.mark_gone(web.connection_id)

    raw = cli.send_sealed(session_id, live[0].public_key, "terminal:output", "hello", 1)

    assert all(web.new_frames() == [json.loads(raw)] for web in live)
    notices = [f for f in cli.new_frames() if f.get("type") == "web:disconnected"]
    assert {n["connectionId"] for n in notices} == {w.connection_id for w in vanished}
    assert tables.members(session_id) == {w.connection_id for w in live}
    assert all(tables.connection(w.connection_id) is None for w in vanished)


def test_vanished_webs_are_not_posted_to_again(
    open_socket: SocketFactory,
    tables: Tables,
    management_api: Any,
    size: LoadSize,
) -> None:
    session_id, cli, webs = _session(open_socket, size.gone_webs)
    vanished = webs[::2]
    for web in vanished:
        management_api.mark_gone(web.connection_id)
    cli.send_sealed(session_id, webs[1].public_key, "terminal:output", "first", 1)
    posts_after_first = len(management_api.paths)

    cli.send_sealed(session_id, webs[1].public_key, "terminal:output", "second", 2)

    second_targets = management_api.paths[posts_after_first:]
    vanished_ids = {w.connection_id for w in vanished}
    assert not [path for path in second_targets if path.rsplit("/", 1)[-1] in vanished_ids]


def test_vanished_cli_closes_the_session_and_every_web_is_told(
    open_socket: SocketFactory,
    tables: Tables,
    management_api: Any,
    size: LoadSize,
) -> None:
    session_id, cli, webs = _session(open_socket, size.gone_webs)
    management_api.mark_gone(cli.connection_id)

    webs[0].send_sealed(session_id, cli.public_key, "terminal:input", "ls", 1)

    assert webs[0].new_frames()[-1]["code"] == "CONNECTION_FAILED"
    assert all({"type": "cli:disconnected"} in web.new_frames() for web in webs[1:])
    session = tables.session(session_id) or {}
    assert session["status"]["S"] == "closed"
    assert tables.connection(cli.connection_id) is None
