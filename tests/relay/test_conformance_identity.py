"""PROTOCOL.md, "Abuse limits": an owned session refuses a joiner *authenticated as
someone else*. The existing web page opens its terminal socket without a token
(anonymous), so an anonymous joiner of a signed-in CLI's session must still get in;
reconnecting, by contrast, needs the owner."""

from __future__ import annotations

from relay import rules
from relay.events import Caller
from relay.models import PENDING, Session

from tests.relay.conftest import SocketFactory, Tables


def owned_session() -> Session:
    return Session(
        session_id="K7Q2ZP",
        cli_public_key="key",
        status=PENDING,
        created_at=1,
        last_active_at=1,
        user_id="alice",
    )


def test_anonymous_caller_may_join_an_owned_session() -> None:
    assert rules.may_join(owned_session(), Caller())


def test_caller_signed_in_as_someone_else_may_not_join_an_owned_session() -> None:
    assert not rules.may_join(owned_session(), Caller(user_id="mallory"))


def test_anonymous_caller_may_not_reconnect_an_owned_session_even_with_the_key() -> None:
    assert not rules.may_reconnect(owned_session(), Caller(), "key")


def test_anonymous_web_joins_a_signed_in_clis_session(
    open_socket: SocketFactory, session_id: str, tables: Tables
) -> None:
    cli = open_socket(user_id="alice")
    cli.create(session_id)
    cli.new_frames()
    web = open_socket()
    assert web.join(session_id) == {
        "type": "session:joined",
        "sessionId": session_id,
        "cliPublicKey": cli.public_key,
    }
    assert cli.new_frames() == [
        {"type": "web:connected", "publicKey": web.public_key, "connectionId": web.connection_id}
    ]
    assert tables.members(session_id) == {web.connection_id}
