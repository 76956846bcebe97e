"""scripts/smoke.py against the real local gateway (real WebSockets, real handlers,
DynamoDB on moto's server), and its verdicts when things are wrong."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from deployer.settings import ROOT
from deployer.smoke import percentile
from local_gateway.testing import RunningGateway, running_gateway
from scripts.synth import synth
from tests.conftest import free_port

SMOKE = [sys.executable, str(ROOT / "scripts" / "smoke.py")]


@pytest.fixture(scope="module")
def gateway() -> Iterator[RunningGateway]:
    template = synth(ROOT / "build")[0]  # rewrites build/api.yaml only if it changed
    with running_gateway(template) as running:
        yield running


def smoke(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SMOKE, *args], capture_output=True, text=True, timeout=120, cwd=Path(ROOT)
    )


def test_smoke_passes_against_the_local_gateway(gateway):
    result = smoke(gateway.ws_url, "--round-trips", "5")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("PASS: 5 encrypted round trips")
    assert "p50" in result.stdout and "p95" in result.stdout


def test_smoke_prints_exactly_one_verdict_line(gateway):
    result = smoke(gateway.ws_url, "--round-trips", "2")
    assert len(result.stdout.splitlines()) == 1


def test_smoke_fails_with_a_verdict_when_nothing_listens():
    result = smoke(f"ws://127.0.0.1:{free_port()}/prod", "--round-trips", "1")
    assert result.returncode == 1
    assert result.stdout.startswith("FAIL after 0 round trips: connecting the CLI")


def test_smoke_refuses_a_url_that_is_not_a_websocket_url():
    result = smoke("https://example.com/prod")
    assert result.returncode == 1
    assert "is not a WebSocket URL" in result.stdout


def test_smoke_without_a_url_says_how_to_give_one():
    result = smoke()
    assert result.returncode == 1
    assert "make smoke URL=" in result.stdout


def test_percentile_is_nearest_rank():
    samples = [float(n) for n in range(1, 21)]
    assert (percentile(samples, 50), percentile(samples, 95)) == (10.0, 19.0)


def test_smoke_refused_at_connect_suggests_a_token():
    with running_gateway(synth(ROOT / "build")[0], anonymous=False) as closed_gateway:
        result = smoke(closed_gateway.ws_url, "--round-trips", "1")
    assert result.returncode == 1
    assert "pass a token" in result.stdout
