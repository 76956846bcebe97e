"""The command line: options reach the functions, bad options are refused clearly."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from local_gateway.cli import auth_environment, parse_args
from local_gateway.testing import DEFAULT_TEMPLATE, REPO_ROOT, running_gateway
from relay_client.ws import CliClient


def test_env_option_must_be_key_equals_value() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--env", "NOEQUALS"])


def test_workers_must_be_at_least_one() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--workers", "0"])


def test_no_anonymous_sets_allow_anonymous_false() -> None:
    assert auth_environment(None, None, anonymous=False)["ALLOW_ANONYMOUS"] == "false"


def test_issuer_and_client_id_become_the_authorizer_settings() -> None:
    env = auth_environment("http://127.0.0.1:9/", "cid", anonymous=True)
    assert (env["AUTH_ISSUER"], env["AUTH_AUDIENCE"]) == ("http://127.0.0.1:9/", "cid")


def test_missing_template_exits_with_a_clear_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "scripts/local.py",
            "--template",
            str(tmp_path / "none.yaml"),
            "--port",
            "0",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "not found" in result.stderr


@pytest.mark.skipif(not DEFAULT_TEMPLATE.exists(), reason="build/api.yaml not synthesized")
def test_local_issuer_token_is_accepted_and_identifies_the_user() -> None:
    with running_gateway(DEFAULT_TEMPLATE, local_issuer=True, anonymous=False) as gateway:
        issuer_url = (
            gateway.wait_for_output("Local issuer on ").split("Local issuer on ", 1)[1].split()[0]
        )
        with urllib.request.urlopen(f"{issuer_url}/token?user=alice", timeout=10) as response:
            token = response.read().decode().strip()

        async def list_sessions() -> dict:
            client = await CliClient.open(gateway.ws_url, token)
            try:
                await client.create()
                await client.send({"type": "session:list:request"})
                return await client.expect("session:list:response")
            finally:
                await client.close()

        sessions = asyncio.run(list_sessions())["sessions"]
    assert len(sessions) == 1


def test_busy_port_exits_with_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "scripts/local.py", "--port", str(port)],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1 and "choose another port" in result.stderr
