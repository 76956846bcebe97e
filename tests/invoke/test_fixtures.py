"""The events/ fixtures: generated, deterministic, complete, and real."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import jwt
from edge_config import config_from_dict
from nacl.public import Box

import tests.auth.edge_events as auth_edge_events
from local_gateway import edge_events, fixtures
from local_gateway.template import read_api, read_functions
from tests.invoke.conftest import EVENTS_DIR, REPO_ROOT

# Every client message type of PROTOCOL.md, plus an envelope and a malformed frame.
PROTOCOL_TYPES = {
    "session:create",
    "session:reconnect",
    "session:join",
    "ping",
    "state:request",
    "session:update",
    "session:leave",
    "session:list:request",
    "session:info:request",
    "session:delete:request",
}


def _frame_kind(body: str) -> str:
    try:
        frame = json.loads(body)
    except ValueError:
        return "malformed"
    return frame.get("type") or ("envelope" if frame.get("version") == 1 else "?")


def test_regenerated_events_are_byte_identical_to_the_committed_files(
    template_dir: Path, tmp_path: Path
) -> None:
    functions = read_api(template_dir / "api.yaml").functions
    fixtures.write_events(tmp_path, functions)
    regenerated = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    committed = {path.name: path.read_bytes() for path in EVENTS_DIR.iterdir()}
    assert sorted(committed) == sorted(regenerated), "run .venv/bin/python scripts/make_events.py"
    changed = [name for name in committed if committed[name] != regenerated[name]]
    assert changed == [], "run .venv/bin/python scripts/make_events.py"


def test_fixture_names_are_unique() -> None:
    names = [fixture.name for fixture in fixtures.all_fixtures()]
    assert len(names) == len(set(names))


def test_every_client_message_type_has_a_default_event() -> None:
    kinds = {
        _frame_kind(fixture.event["body"])
        for fixture in fixtures.all_fixtures()
        if fixture.function == "MessageFunction"
    }
    assert kinds == PROTOCOL_TYPES | {"envelope", "malformed"}


def test_each_fixture_names_a_function_of_its_template(template_dir: Path) -> None:
    defined = {
        kind: set(read_functions(template_dir / file_name))
        for kind, file_name in (("api", "api.yaml"), ("web", "web.yaml"))
    }
    wrong = [f.name for f in fixtures.all_fixtures() if f.function not in defined[f.template]]
    assert wrong == []


def test_env_file_sets_only_variables_the_template_declares(template_dir: Path) -> None:
    functions = read_api(template_dir / "api.yaml").functions
    env = json.loads((EVENTS_DIR / fixtures.ENV_FILE).read_text())
    for logical_id, variables in env.items():
        assert set(variables) <= set(functions[logical_id].environment), logical_id


def test_env_file_names_the_tables_the_local_gateway_creates(template_dir: Path) -> None:
    api = read_api(template_dir / "api.yaml")
    env = json.loads((EVENTS_DIR / fixtures.ENV_FILE).read_text())
    tables = {table.logical_id: table.table_name for table in api.tables}
    message_env = env["MessageFunction"]
    assert message_env["CONNECTIONS_TABLE"] == tables["ConnectionsTable"]
    assert message_env["SESSIONS_TABLE"] == tables["SessionsTable"]
    assert message_env["MESSAGES_TABLE"] == tables["MessagesTable"]


def test_env_file_points_the_authorizer_at_the_issuer_the_fixture_token_names() -> None:
    env = json.loads((EVENTS_DIR / fixtures.ENV_FILE).read_text())["AuthorizerFunction"]

    claims = jwt.decode(fixtures.example_token(), options={"verify_signature": False})
    assert (env["AUTH_ISSUER"], env["AUTH_AUDIENCE"]) == (claims["iss"], claims["aud"])


def test_envelope_fixture_carries_real_ciphertext_the_web_can_open() -> None:
    fixture = fixtures.fixture_named("default_envelope.json")
    assert fixture is not None
    envelope = json.loads(fixture.event["body"])
    box = Box(fixtures.fixture_private_key("web"), fixtures.fixture_private_key("cli").public_key)
    nonce = base64.b64decode(envelope["nonce"])
    ciphertext = base64.b64decode(envelope["ciphertext"])
    plaintext = json.loads(box.decrypt(ciphertext, nonce))
    assert plaintext["type"] == "terminal:output"


def test_auth_tests_build_viewer_events_with_the_fixtures_builder() -> None:
    assert auth_edge_events.viewer_request_event is edge_events.viewer_request_event


def test_fixture_is_found_by_its_file_name_from_any_directory() -> None:
    fixture = fixtures.fixture_named("/elsewhere/default_ping.json")
    assert fixture is not None and fixture.name == "default_ping"


def test_file_without_a_fixture_has_none() -> None:
    assert fixtures.fixture_named("my_own_event.json") is None


def make_events_check(template_dir: Path, out_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "scripts/make_events.py",
            "--check",
            "--out-dir",
            str(out_dir),
            "--template",
            str(template_dir / "api.yaml"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_make_events_check_passes_on_the_committed_files(template_dir: Path) -> None:
    assert make_events_check(template_dir, EVENTS_DIR).returncode == 0


def test_make_events_check_names_an_edited_file(template_dir: Path, tmp_path: Path) -> None:
    shutil.copytree(EVENTS_DIR, tmp_path / "events")
    (tmp_path / "events" / "default_ping.json").write_text("{}\n", encoding="utf-8")
    done = make_events_check(template_dir, tmp_path / "events")
    assert done.returncode == 1
    assert "default_ping.json" in done.stderr


def test_edge_config_file_turns_sign_in_on_for_the_edge_functions() -> None:
    document = json.loads((EVENTS_DIR / fixtures.EDGE_CONFIG_FILE).read_text())
    assert config_from_dict(document).is_configured
