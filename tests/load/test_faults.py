"""DynamoDB throttling and server errors injected inside the handler workers (see
``bench.aws_calls``): each envelope is either delivered (botocore retried) or its
sender gets an ``error`` frame; none is silently dropped, none is duplicated."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from local_gateway.testing import RunningGateway
from relay_client.ws import CliClient, WebClient
from tests.load.conftest import LONG_TEST_TIMEOUT_S, LoadSize
from tests.load.traffic import Outcome, close_all, open_sessions, relay_both_ways

ERROR_TIMEOUT_S = 30.0


async def _relay_under(
    url: str, size: LoadSize, faults: Callable[[str], None], plan: str
) -> Outcome:
    sessions = await open_sessions(url, size.fault_sessions, 1)
    try:
        faults(plan)
        return await relay_both_ways(sessions, size.fault_envelopes, size.window)
    finally:
        faults("")
        await close_all(sessions)


@pytest.mark.timeout(LONG_TEST_TIMEOUT_S)
@pytest.mark.parametrize("kind", ["throttle", "500"])
def test_partial_dynamodb_failures_are_retried_or_answered_with_an_error(
    gateway: RunningGateway,
    size: LoadSize,
    faults: Callable[[str], None],
    kind: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    outcome = asyncio.run(_relay_under(gateway.ws_url, size, faults, f"kind={kind},rate=0.3"))
    with capsys.disabled():
        print(f"\n[faults {kind} 30%] {outcome.describe()}")
    assert outcome.duplicated == 0, outcome.describe()
    assert outcome.lost <= outcome.error_frames, outcome.describe()


def test_dynamodb_unavailable_every_envelope_is_answered_with_an_error(
    gateway: RunningGateway, faults: Callable[[str], None]
) -> None:
    async def scenario() -> None:
        cli = await CliClient.open(gateway.ws_url)
        await cli.create()
        web = await WebClient.open(gateway.ws_url)
        await web.join(cli.session_id)
        await cli.expect_web()
        try:
            faults("kind=500,rate=1")
            attempts = 3
            for n in range(attempts):
                await web.send_input(f"key {n}")
            for _ in range(attempts):
                error = await web.expect("error", ERROR_TIMEOUT_S)
                assert error["code"] == "CONNECTION_FAILED"
            assert not [f for f in cli.received if "ciphertext" in f]
        finally:
            faults("")
            await web.close()
            await cli.close()

    asyncio.run(scenario())


def test_relay_recovers_once_dynamodb_does(
    gateway: RunningGateway, faults: Callable[[str], None]
) -> None:
    async def scenario() -> None:
        cli = await CliClient.open(gateway.ws_url)
        await cli.create()
        web = await WebClient.open(gateway.ws_url)
        await web.join(cli.session_id)
        await cli.expect_web()
        try:
            faults("kind=throttle,rate=1")
            await web.send_input("during the outage")
            await web.expect("error", ERROR_TIMEOUT_S)
            faults("")
            await web.send_input("after the outage")
            assert (await cli.next_plaintext(ERROR_TIMEOUT_S))["payload"] == "after the outage"
        finally:
            faults("")
            await web.close()
            await cli.close()

    asyncio.run(scenario())
