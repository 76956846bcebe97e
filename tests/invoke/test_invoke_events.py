"""Every event of events/ through its function, in process (one session per module):
the results, log lines and Management API calls each one should produce."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import urllib.parse
from pathlib import Path
from typing import Any

import jwt
import pytest

from local_gateway import fixtures
from local_gateway.events import method_arn
from local_gateway.invoke import (
    InvokeError,
    InvokeResult,
    InvokeSession,
    read_event,
)
from local_gateway.runner import Endpoints, invoke_once
from local_gateway.tables import dynamodb_client
from local_gateway.template import read_functions
from tests.invoke.conftest import EVENTS_DIR, REPO_ROOT

EVENT_FILES = sorted(
    path.name for path in EVENTS_DIR.glob("*.json") if path.name not in fixtures.SUPPORT_FILES
)
_cache: dict[str, InvokeResult] = {}


@pytest.fixture()
def run(invoke_session: InvokeSession) -> Any:
    """``run(name)``: the result of the fixture ``name`` through its own function
    (each fixture runs once per module; the tests only read the result)."""

    def invoke(name: str) -> InvokeResult:
        key = f"{id(invoke_session)}:{name}"
        if key not in _cache:
            _cache[key] = invoke_fixture(invoke_session, name)
        return _cache[key]

    return invoke


def invoke_fixture(session: InvokeSession, name: str) -> InvokeResult:
    """Run the fixture now (for tests that read the tables it leaves behind)."""
    fixture = fixtures.fixture_named(f"{name}.json")
    assert fixture is not None, name
    return session.invoke(fixture.function, read_event(EVENTS_DIR / fixture.file_name), fixture)


def frames_to(result: InvokeResult, connection_id: str) -> list[Any]:
    return [call.frame for call in result.posts if call.connection_id == connection_id]


def header(response: dict[str, Any], name: str) -> str:
    return response["headers"][name][0]["value"]


def set_cookie_names(response: dict[str, Any]) -> dict[str, str]:
    return {
        entry["value"].split("=", 1)[0]: entry["value"]
        for entry in response["headers"].get("set-cookie", [])
    }


def outcome_logged(result: InvokeResult) -> str | None:
    """The relay's one log line per invocation names its outcome."""
    for line in result.logs:
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict) and "outcome" in document:
            return document["outcome"]
    return None


@pytest.mark.parametrize("file_name", EVENT_FILES)
def test_every_event_runs_through_its_function_without_error(run: Any, file_name: str) -> None:
    result = run(file_name.removesuffix(".json"))
    assert result.ok, result.invocation.error
    if result.template == "api" and result.function != "AuthorizerFunction":
        assert result.result == {"statusCode": 200}


def test_every_event_file_is_a_fixture() -> None:
    assert [name for name in EVENT_FILES if fixtures.fixture_named(name) is None] == []


# ---- $connect, $disconnect and the authorizer ------------------------------


def test_anonymous_connect_records_the_socket_without_a_user(
    invoke_session: InvokeSession,
) -> None:
    invoke_fixture(invoke_session, "connect_anonymous")
    item = connection_item(invoke_session, fixtures.CLI)
    assert item is not None and "userId" not in item


def test_connect_with_token_records_the_callers_user(invoke_session: InvokeSession) -> None:
    invoke_fixture(invoke_session, "connect_with_token")
    item = connection_item(invoke_session, fixtures.ALICE_CLI)
    assert item is not None and item["userId"]["S"] == fixtures.ALICE_SUB


def connection_item(session: InvokeSession, connection_id: str) -> dict[str, Any] | None:
    client = dynamodb_client(session.dynamodb_endpoint)
    return client.get_item(
        TableName=session.table_name("ConnectionsTable"),
        Key={"connectionId": {"S": connection_id}},
        ConsistentRead=True,
    ).get("Item")


def test_disconnect_of_a_web_tells_the_cli_web_disconnected(run: Any) -> None:
    result = run("disconnect")
    assert frames_to(result, fixtures.CLI) == [
        {"type": "web:disconnected", "connectionId": fixtures.WEB}
    ]


def test_authorizer_allows_a_caller_without_token_as_anonymous(run: Any) -> None:
    result = run("authorizer_anonymous")
    assert result.authorizer_effect(method_arn(fixtures.API)) == "Allow"
    assert result.result["context"] == {"isAuthenticated": "false"}


def test_authorizer_denies_a_token_with_a_bad_signature(run: Any) -> None:
    result = run("authorizer_forged_token")
    assert result.authorizer_effect(method_arn(fixtures.API)) == "Deny"
    assert any('"bad signature"' in line for line in result.logs)


# ---- $default: the protocol's messages -----------------------------------------


def test_session_create_replies_session_created_with_the_public_endpoint(run: Any) -> None:
    result = run("default_session_create")
    assert frames_to(result, fixtures.CLI) == [
        {
            "type": "session:created",
            "sessionId": fixtures.SESSION_ID,
            "wsEndpoint": f"wss://{fixtures.API.domain_name}/{fixtures.API.stage}",
        }
    ]


def test_session_reconnect_replies_then_tells_the_web_cli_reconnected(run: Any) -> None:
    result = run("default_session_reconnect")
    replies = frames_to(result, fixtures.CLI_AGAIN)
    assert [frame["type"] for frame in replies] == ["session:reconnected"]
    assert frames_to(result, fixtures.WEB) == [
        {"type": "cli:reconnected", "cliPublicKey": fixtures.public_key_b64("cli")}
    ]


def test_session_reconnect_closes_the_old_cli_socket(run: Any) -> None:
    result = run("default_session_reconnect")
    closed = [call.connection_id for call in result.calls if call.method == "DELETE"]
    assert closed == [fixtures.CLI]


def test_join_tells_the_cli_web_connected_before_replying_session_joined(run: Any) -> None:
    result = run("default_session_join")
    assert [(call.connection_id, call.frame) for call in result.posts] == [
        (
            fixtures.CLI,
            {
                "type": "web:connected",
                "publicKey": fixtures.public_key_b64("web"),
                "connectionId": fixtures.WEB,
            },
        ),
        (
            fixtures.WEB,
            {
                "type": "session:joined",
                "sessionId": fixtures.SESSION_ID,
                "cliPublicKey": fixtures.public_key_b64("cli"),
            },
        ),
    ]


def test_envelope_from_the_cli_reaches_the_web_exactly_as_sent(run: Any) -> None:
    result = run("default_envelope")
    sent = read_event(EVENTS_DIR / "default_envelope.json")["body"]
    assert [(call.connection_id, call.data) for call in result.posts] == [(fixtures.WEB, sent)]


def test_ping_gets_pong(run: Any) -> None:
    result = run("default_ping")
    (pong,) = frames_to(result, fixtures.WEB)
    assert pong["type"] == "pong" and isinstance(pong["timestamp"], int)


def test_state_request_replays_the_envelope_cached_while_no_web_was_there(run: Any) -> None:
    result = run("default_state_request")
    fixture = fixtures.fixture_named("default_state_request.json")
    assert fixture is not None
    cached = [
        step.event["body"]
        for step in fixture.given
        if step.connection_id == fixtures.CLI and '"ciphertext"' in step.event.get("body", "")
    ]
    assert [call.data for call in result.posts] == cached


def test_session_update_stores_the_details_without_a_reply(
    invoke_session: InvokeSession,
) -> None:
    result = invoke_fixture(invoke_session, "default_session_update")
    client = dynamodb_client(invoke_session.dynamodb_endpoint)
    item = client.get_item(
        TableName=invoke_session.table_name("SessionsTable"),
        Key={"sessionId": {"S": fixtures.SESSION_ID}},
        ConsistentRead=True,
    )["Item"]
    sent = json.loads(read_event(EVENTS_DIR / "default_session_update.json")["body"])
    assert (result.posts, item["hostname"]["S"]) == ([], sent["hostname"])


def test_session_leave_tells_the_cli_without_a_reply(run: Any) -> None:
    result = run("default_session_leave")
    assert [(call.connection_id, call.frame) for call in result.posts] == [
        (fixtures.CLI, {"type": "web:disconnected", "connectionId": fixtures.WEB})
    ]


def test_session_list_request_of_the_owner_lists_her_session(run: Any) -> None:
    result = run("default_session_list_request")
    (reply,) = frames_to(result, fixtures.ALICE_WEB)
    assert reply["type"] == "session:list:response"
    assert [info["sessionId"] for info in reply["sessions"]] == [fixtures.ALICE_SESSION_ID]


def test_session_info_request_of_the_owner_describes_her_session(run: Any) -> None:
    result = run("default_session_info_request")
    (reply,) = frames_to(result, fixtures.ALICE_WEB)
    assert reply["type"] == "session:info:response"
    assert reply["session"]["sessionId"] == fixtures.ALICE_SESSION_ID


def test_session_delete_request_of_the_owner_succeeds_and_closes_its_sockets(run: Any) -> None:
    result = run("default_session_delete_request")
    assert frames_to(result, fixtures.ALICE_WEB) == [
        {"type": "session:delete:response", "sessionId": fixtures.ALICE_SESSION_ID, "success": True}
    ]
    closed = sorted(call.connection_id for call in result.calls if call.method == "DELETE")
    assert closed == sorted([fixtures.ALICE_CLI, fixtures.ALICE_WEB])


def test_malformed_frame_gets_invalid_message(run: Any) -> None:
    result = run("default_malformed")
    (error,) = frames_to(result, fixtures.CLI)
    assert (error["type"], error["code"]) == ("error", "INVALID_MESSAGE")
    assert outcome_logged(result) == "INVALID_MESSAGE"


# ---- the edge -------------------------------------------------------------------


def test_protected_page_without_a_session_redirects_to_login(run: Any) -> None:
    response = run("edge_protected_page").result
    assert response["status"] == "302"
    wanted = f"/join?{urllib.parse.urlencode({'session': fixtures.SESSION_ID})}"
    assert header(response, "location") == f"/login?{urllib.parse.urlencode({'state': wanted})}"


def test_login_redirects_to_the_hosted_ui_with_a_nonce_cookie(
    run: Any, invoke_session: InvokeSession
) -> None:
    response = run("edge_login").result
    assert response["status"] == "302"
    location = header(response, "location")
    assert location.startswith(f"{invoke_session.identity.issuer}/oauth2/authorize?")
    assert "auth_nonce" in set_cookie_names(response)


def test_static_asset_passes_through_unchanged(run: Any) -> None:
    result = run("edge_static_asset")
    sent = read_event(EVENTS_DIR / "edge_static_asset.json")
    assert result.result == sent["Records"][0]["cf"]["request"]


def test_callback_exchanges_the_code_and_returns_to_the_path_in_state(
    run: Any, invoke_session: InvokeSession
) -> None:
    response = run("edge_auth_callback").result
    assert response["status"] == "302"
    assert header(response, "location") == fixtures.RETURN_PATH
    id_cookie = set_cookie_names(response)["id_token"]
    token = id_cookie.split(";", 1)[0].split("=", 1)[1]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["iss"] == invoke_session.identity.issuer


def test_logout_clears_the_session_cookies_and_redirects_to_login(run: Any) -> None:
    response = run("edge_auth_logout").result
    assert (response["status"], header(response, "location")) == ("302", "/login")
    assert set_cookie_names(response)["id_token"].startswith("id_token=;")


def test_viewer_function_passes_the_callback_path_through(invoke_session: InvokeSession) -> None:
    event = read_event(EVENTS_DIR / "edge_auth_callback.json")
    result = invoke_session.invoke("ViewerRequestFunction", event)
    assert result.result["uri"] == "/auth/callback"


# ---- without a fixture, and bad input ----------------------------------------------


def test_event_of_no_fixture_runs_on_empty_tables(
    invoke_session: InvokeSession, tmp_path: Path
) -> None:
    event = read_event(EVENTS_DIR / "default_session_join.json")
    result = invoke_session.invoke("MessageFunction", event)
    (error,) = frames_to(result, fixtures.WEB)
    assert (error["type"], error["code"]) == ("error", "SESSION_NOT_FOUND")


def test_unknown_function_is_refused_with_the_known_ones(invoke_session: InvokeSession) -> None:
    with pytest.raises(InvokeError, match="unknown function 'NoSuchFunction'.*MessageFunction"):
        invoke_session.invoke("NoSuchFunction", {})


def test_missing_event_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvokeError, match="not found"):
        read_event(tmp_path / "nope.json")


def test_event_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InvokeError, match="is not JSON"):
        read_event(path)


def test_edge_package_built_with_the_events_edge_config_redirects_protected_pages(
    template_dir: Path, tmp_path: Path
) -> None:
    """The README's Docker path for the edge: the edge Makefile bakes
    events/edge_config.json; the packaged function then answers as deployed."""
    subprocess.run(
        [
            "make",
            "-s",
            "-f",
            str(REPO_ROOT / "src" / "edge_auth" / "Makefile"),
            "build-ViewerRequestFunction",
            f"ARTIFACTS_DIR={tmp_path}",
            f"EDGE_CONFIG_FILE={EVENTS_DIR / fixtures.EDGE_CONFIG_FILE}",
        ],
        check=True,
        capture_output=True,
    )
    spec = read_functions(template_dir / "web.yaml")["ViewerRequestFunction"]
    packaged = dataclasses.replace(spec, code_dir=tmp_path)
    event = read_event(EVENTS_DIR / "edge_protected_page.json")
    invocation = invoke_once(packaged, event, Endpoints(dynamodb="", management_api=""))
    assert invocation.result["status"] == "302"
    assert header(invocation.result, "location").startswith("/login?state=")
