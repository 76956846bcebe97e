"""Round trips of one envelope at a time through a session, both directions.

A sample is the time from handing a frame to the sender's socket to its arrival
at the last receiver (every web for CLI → web, the CLI for web → CLI).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bench.envelopes import ArrivalTracker, sealed_frame
from bench.sessions import Connector, SessionSockets
from bench.stats import latency_summary

ENVELOPE_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class LatencyPlan:
    webs: int
    samples: int
    warmup: int
    frame_bytes: int


async def measure_direction(
    session: SessionSockets,
    tracker: ArrivalTracker,
    direction: str,
    count: int,
    frame_bytes: int,
) -> list[float]:
    """``count`` sequential envelopes in one direction; returns seconds each."""
    if direction == "cli_to_web":
        sender, sender_keys = session.cli, session.cli_keys
        receiver_public, receivers = session.web_keys[0].public_b64, len(session.webs)
    else:
        sender, sender_keys = session.webs[0], session.web_keys[0]
        receiver_public, receivers = session.cli_keys.public_b64, 1
    frames = [
        sealed_frame(sender_keys, receiver_public, session.session_id, seq, frame_bytes)
        for seq in range(1, count + 1)
    ]
    samples = []
    for frame, nonce in frames:
        done = tracker.expect(nonce, receivers)
        start = tracker.sent_at[nonce]
        await sender.send(frame)
        arrived = await asyncio.wait_for(done, ENVELOPE_TIMEOUT_S)
        samples.append(arrived - start)
    return samples


async def measure_round_trips(connector: Connector, plan: LatencyPlan) -> dict[str, object]:
    """p50/p99 per direction (and both together) for one session with ``plan.webs`` webs."""
    session = await connector.open_session(plan.webs)
    tracker = ArrivalTracker()
    session.listen(tracker)
    try:
        results: dict[str, object] = {}
        together: list[float] = []
        for direction in ("cli_to_web", "web_to_cli"):
            await measure_direction(session, tracker, direction, plan.warmup, plan.frame_bytes)
            samples = await measure_direction(
                session, tracker, direction, plan.samples, plan.frame_bytes
            )
            together += samples
            results[direction] = latency_summary(samples)
        results["both"] = latency_summary(together)
        results["lost"] = tracker.lost()
        results["duplicated"] = tracker.duplicated()
        return results
    finally:
        await session.close()
