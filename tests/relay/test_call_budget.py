"""The hot path's AWS budget, counted with a botocore event hook
(``before-parameter-build``: once per API call, with the call's parameters) on the
very clients the handlers create: relaying one envelope costs one strongly consistent
GetItem plus one PostToConnection per recipient, and no write unless cached."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from relay import clients

from tests.relay.conftest import SocketFactory
from tests.relay.harness import session_with_webs

WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


class CallCounter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def __call__(self, event_name: str, params: dict[str, Any], **_: Any) -> None:
        _, service, operation = event_name.split(".", 2)
        with self._lock:
            self.calls.append((service, operation, params))

    def counts(self) -> Counter[tuple[str, str]]:
        return Counter((service, operation) for service, operation, _ in self.calls)

    def dynamodb_writes(self) -> list[str]:
        return [op for service, op, _ in self.calls if service == "dynamodb" and op in WRITES]


@pytest.fixture
def counted(tables) -> Iterator[CallCounter]:
    """Counts every call made by every client the handlers have created (or create)."""
    counter = CallCounter()
    hooked: set[int] = set()

    def hook_all() -> None:
        for client in clients.created_clients():
            if id(client) not in hooked:
                hooked.add(id(client))
                client.meta.events.register("before-parameter-build", counter)

    counter.hook_all = hook_all  # type: ignore[attr-defined]
    yield counter


@pytest.mark.parametrize("webs", [1, 3])
def test_cli_envelope_to_n_webs_costs_one_read_and_n_posts(
    open_socket: SocketFactory, session_id: str, counted: CallCounter, webs: int
) -> None:
    cli, members = session_with_webs(open_socket, session_id, webs)
    counted.hook_all()  # type: ignore[attr-defined]
    cli.send_sealed(session_id, members[0].public_key, "terminal:output", "x", 1)
    assert counted.counts() == Counter(
        {("dynamodb", "GetItem"): 1, ("apigatewaymanagementapi", "PostToConnection"): webs}
    )
    (get_item,) = [p for s, op, p in counted.calls if op == "GetItem"]
    assert get_item["ConsistentRead"] is True
    assert counted.dynamodb_writes() == []


def test_web_envelope_to_the_cli_costs_one_read_and_one_post(
    open_socket: SocketFactory, session_id: str, counted: CallCounter
) -> None:
    cli, (web,) = session_with_webs(open_socket, session_id, 1)
    counted.hook_all()  # type: ignore[attr-defined]
    web.send_sealed(session_id, cli.public_key, "terminal:input", "ls", 1)
    assert counted.counts() == Counter(
        {("dynamodb", "GetItem"): 1, ("apigatewaymanagementapi", "PostToConnection"): 1}
    )


def test_posts_to_several_webs_run_in_parallel(
    open_socket: SocketFactory, session_id: str, management_api
) -> None:
    cli, members = session_with_webs(open_socket, session_id, 3)
    # The stand-in answers these three posts only if all three are in flight at once.
    management_api.hold_together({w.connection_id for w in members})
    cli.send_sealed(session_id, members[0].public_key, "terminal:output", "x", 1)
    assert all(len(w.received()) == 2 for w in members)  # session:joined + the envelope


def test_a_cached_envelope_adds_only_the_cache_writes(
    open_socket: SocketFactory, session_id: str, counted: CallCounter
) -> None:
    cli, _ = session_with_webs(open_socket, session_id, 0)
    counted.hook_all()  # type: ignore[attr-defined]
    cli.send_sealed(session_id, cli.public_key, "terminal:output", "x", 1)
    assert counted.counts() == Counter(
        {("dynamodb", "GetItem"): 1, ("dynamodb", "UpdateItem"): 1, ("dynamodb", "PutItem"): 1}
    )


def test_handler_modules_import_without_boto3() -> None:
    import subprocess
    import sys

    code = "import sys, connect, disconnect, message; sys.exit('boto3' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd="src/handlers", capture_output=True, check=False
    )
    assert result.returncode == 0, result.stderr
