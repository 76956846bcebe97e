"""The load and fault suite: the real local gateway running the real handlers on
moto's DynamoDB, driven over real WebSockets. ``SOAK=1`` (``make soak``) makes it larger.

One gateway serves the whole suite. Its handler workers load ``bench.aws_calls``,
which injects DynamoDB faults as described in a file that tests write and clear
(see the ``faults`` fixture), so faults can be switched on after sessions are set up.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from bench.gateway_process import REPO_ROOT, TEMPLATE, worker_environment
from local_gateway.testing import RunningGateway, running_gateway

# The in-process relay fixtures (fresh tables on the moto server, the Management API
# stand-in, sockets driven through the real handlers), reused for the fuzz and 410 tests.
from tests.relay.conftest import (  # noqa: F401
    management_api,
    open_socket,
    tables,
)

SOAK = os.environ.get("SOAK") == "1"


@dataclass(frozen=True)
class LoadSize:
    sessions: int
    webs: int
    envelopes: int
    window: int
    fuzz_examples: int
    gone_webs: int
    # Under injected faults botocore sleeps between retries, so less traffic.
    fault_sessions: int
    fault_envelopes: int


DEFAULT_SIZE = LoadSize(
    sessions=8,
    webs=2,
    envelopes=25,
    window=8,
    fuzz_examples=150,
    gone_webs=6,
    fault_sessions=2,
    fault_envelopes=25,
)
SOAK_SIZE = LoadSize(
    sessions=40,
    webs=3,
    envelopes=200,
    window=16,
    fuzz_examples=2000,
    gone_webs=24,
    fault_sessions=4,
    fault_envelopes=60,
)
# A soak run's longest test takes minutes; the default size stays well under the
# project-wide per-test timeout.
LONG_TEST_TIMEOUT_S = 1200 if SOAK else 300


@pytest.fixture(scope="session")
def size() -> LoadSize:
    return SOAK_SIZE if SOAK else DEFAULT_SIZE


@pytest.fixture(scope="session")
def api_template() -> Path:
    if not TEMPLATE.exists():
        subprocess.run([sys.executable, "scripts/synth.py"], cwd=REPO_ROOT, check=True)
    return TEMPLATE


@pytest.fixture(scope="session")
def fault_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("faults") / "dynamodb-faults"
    path.write_text("")
    return path


@pytest.fixture(scope="session")
def gateway(api_template: Path, fault_file: Path) -> Iterator[RunningGateway]:
    env = worker_environment(faults=f"@{fault_file}")
    with running_gateway(api_template, env=env, workers=3, idle_timeout=600) as running:
        yield running


@pytest.fixture
def faults(fault_file: Path) -> Iterator[Any]:
    """``faults("kind=throttle,rate=0.3")`` switches DynamoDB faults on in every
    handler worker; they are switched off when the test ends."""

    def switch(plan: str) -> None:
        fault_file.write_text(plan)

    yield switch
    fault_file.write_text("")


class GatewayTables:
    """Read the gateway's tables (names are resolved from the template's logical ids)."""

    def __init__(self, endpoint: str) -> None:
        self.db = boto3.client("dynamodb", endpoint_url=endpoint)
        names = self.db.list_tables()["TableNames"]
        self.sessions = next(n for n in names if n.endswith("SessionsTable"))
        self.connections = next(n for n in names if n.endswith("ConnectionsTable"))

    def session(self, session_id: str) -> dict[str, Any]:
        return self.db.get_item(
            TableName=self.sessions, Key={"sessionId": {"S": session_id}}, ConsistentRead=True
        ).get("Item", {})

    def members(self, session_id: str) -> set[str]:
        return set(self.session(session_id).get("webConnections", {}).get("SS", []))

    def connection(self, connection_id: str) -> dict[str, Any] | None:
        return self.db.get_item(
            TableName=self.connections,
            Key={"connectionId": {"S": connection_id}},
            ConsistentRead=True,
        ).get("Item")


@pytest.fixture(scope="session")
def gateway_tables(gateway: RunningGateway) -> GatewayTables:
    return GatewayTables(gateway.dynamodb_endpoint)
