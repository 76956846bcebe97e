"""Pure rules, event parsing, settings and the management endpoint: no AWS."""

from __future__ import annotations

import pytest
from relay import rules
from relay.config import load_settings
from relay.events import Caller, parse_event
from relay.management import endpoint_url
from relay.models import CLOSED, Session

from tests.relay.harness import ws_event


def session(**fields: object) -> Session:
    values: dict[str, object] = {
        "session_id": "K7Q2ZP",
        "cli_public_key": "key",
        "status": "pending",
        "created_at": 1,
        "last_active_at": 1,
    }
    values.update(fields)
    return Session(**values)  # type: ignore[arg-type]


OWNER = Caller(user_id="alice")
STRANGER = Caller(user_id="bob")
ANONYMOUS = Caller()


def test_sender_role_knows_the_cli_and_the_webs() -> None:
    s = session(cli_connection_id="c1", web_connections=frozenset({"w1"}))
    assert [rules.sender_role(s, c) for c in ("c1", "w1", "x")] == ["cli", "web", None]


def test_unowned_session_admits_anyone() -> None:
    assert all(rules.may_join(session(), c) for c in (OWNER, STRANGER, ANONYMOUS))


def test_owned_session_refuses_only_callers_signed_in_as_someone_else() -> None:
    owned = session(user_id="alice")
    assert [rules.may_join(owned, c) for c in (OWNER, STRANGER, ANONYMOUS)] == [
        True,
        False,
        True,
    ]


def test_reconnect_needs_the_stored_key() -> None:
    assert not rules.may_reconnect(session(), ANONYMOUS, "other-key")


def test_reconnect_to_owned_session_needs_the_owner() -> None:
    owned = session(user_id="alice")
    assert rules.may_reconnect(owned, OWNER, "key")
    assert not rules.may_reconnect(owned, STRANGER, "key")


def test_session_is_expired_once_its_ttl_has_passed() -> None:
    assert [rules.is_expired(session(expires_at=100), now) for now in (99, 100, 101)] == [
        False,
        True,
        True,
    ]


def test_session_without_ttl_never_expires() -> None:
    assert not rules.is_expired(session(), 10**12)


@pytest.mark.parametrize(
    ("mode", "delivered", "cached"),
    [
        ("undelivered", 0, True),
        ("undelivered", 2, False),
        ("all", 0, True),
        ("all", 3, True),
        ("off", 0, False),
    ],
)
def test_cache_policy_by_mode(mode: str, delivered: int, cached: bool) -> None:
    assert rules.should_cache(mode, delivered) is cached  # type: ignore[arg-type]


def test_ws_endpoint_prefers_public_url() -> None:
    assert rules.ws_endpoint("ws://127.0.0.1:8080", "d.example", "prod") == "ws://127.0.0.1:8080"


def test_ws_endpoint_defaults_to_domain_and_stage() -> None:
    assert rules.ws_endpoint(None, "d.example", "prod") == "wss://d.example/prod"


def test_listing_is_newest_first_and_hides_closed_unless_asked() -> None:
    sessions = [
        session(session_id="OLD1", created_at=1),
        session(session_id="SHUT", created_at=3, status=CLOSED),
        session(session_id="NEW1", created_at=2),
    ]
    assert [i["sessionId"] for i in rules.listed_sessions(sessions, False)] == ["NEW1", "OLD1"]
    assert [i["sessionId"] for i in rules.listed_sessions(sessions, True)] == [
        "SHUT",
        "NEW1",
        "OLD1",
    ]


def test_session_info_carries_details_flat() -> None:
    info = rules.session_info(session(details={"hostname": "dev"}))
    assert info == {
        "sessionId": "K7Q2ZP",
        "status": "pending",
        "createdAt": 1,
        "lastActiveAt": 1,
        "hostname": "dev",
    }


def test_event_parsing_reads_the_authorizer_context() -> None:
    event = parse_event(ws_event("$default", "abc=", body="{}", user_id="alice"))
    assert (event.connection_id, event.caller.user_id, event.caller.authenticated) == (
        "abc=",
        "alice",
        True,
    )


def test_caller_with_user_id_but_not_authenticated_is_anonymous() -> None:
    raw = ws_event("$default", "abc=")
    raw["requestContext"]["authorizer"] = {"userId": "alice", "isAuthenticated": "false"}
    assert not parse_event(raw).caller.authenticated


@pytest.mark.parametrize("raw", [None, {}, {"requestContext": "x"}, [1, 2]], ids=repr)
def test_malformed_events_parse_without_raising(raw: object) -> None:
    assert parse_event(raw).connection_id == ""


def test_base64_body_is_decoded() -> None:
    raw = ws_event("$default", "abc=", body="eyJ0eXBlIjoicGluZyJ9")
    raw["isBase64Encoded"] = True
    assert parse_event(raw).body == '{"type":"ping"}'


def test_settings_defaults() -> None:
    settings = load_settings({})
    assert (settings.cache_mode, settings.cache_size, settings.max_webs_per_session) == (
        "undelivered",
        200,
        32,
    )


def test_settings_ignore_nonsense_numbers_and_modes() -> None:
    settings = load_settings({"MESSAGE_CACHE_SIZE": "-3", "MESSAGE_CACHE_MODE": "sometimes"})
    assert (settings.cache_size, settings.cache_mode) == (200, "undelivered")


def test_management_endpoint_is_built_from_api_id_region_and_stage() -> None:
    assert (
        endpoint_url("abc123", "eu-west-1", "prod", {})
        == "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
    )


def test_boto3_endpoint_variable_wins_over_the_built_endpoint() -> None:
    env = {"AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI": "http://127.0.0.1:9/prod"}
    assert endpoint_url("abc123", "eu-west-1", "prod", env) is None
