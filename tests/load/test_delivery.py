"""Many sessions relaying both ways at once: every envelope arrives exactly once."""

from __future__ import annotations

import asyncio

import pytest

from local_gateway.testing import RunningGateway
from tests.load.conftest import LONG_TEST_TIMEOUT_S, LoadSize
from tests.load.traffic import close_all, open_sessions, relay_both_ways


async def _run(url: str, size: LoadSize):  # type: ignore[no-untyped-def]
    sessions = await open_sessions(url, size.sessions, size.webs)
    try:
        return await relay_both_ways(sessions, size.envelopes, size.window)
    finally:
        await close_all(sessions)


@pytest.mark.timeout(LONG_TEST_TIMEOUT_S)
def test_every_envelope_arrives_exactly_once_in_both_directions(
    gateway: RunningGateway, size: LoadSize, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = asyncio.run(_run(gateway.ws_url, size))

    with capsys.disabled():
        share = outcome.overtaken / outcome.deliveries if outcome.deliveries else 0.0
        print(
            f"\n[load] {size.sessions} sessions x {size.webs} webs x {size.envelopes} envelopes"
            f" each way: {outcome.describe()}; out of order (overtaken by a later envelope of"
            f" the same sender): {outcome.overtaken}/{outcome.deliveries} ({share:.1%})"
        )
    assert (outcome.lost, outcome.duplicated) == (0, 0), outcome.describe()
    assert outcome.error_frames == 0, outcome.describe()
