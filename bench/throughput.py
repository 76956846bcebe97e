"""Sustained throughput: many sessions relaying both ways at once.

Each session's CLI and web keep ``window`` envelopes in flight for ``duration_s``;
the figure is envelopes delivered within that time, per second.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from bench.envelopes import ArrivalTracker, sealed_frame
from bench.ordering import overtaken
from bench.sessions import Connector, SessionSockets

DRAIN_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class ThroughputPlan:
    sessions: int
    duration_s: float
    window: int
    frame_bytes: int


async def _keep_sending(
    session: SessionSockets,
    tracker: ArrivalTracker,
    from_cli: bool,
    plan: ThroughputPlan,
    stop_at: float,
    pending: list[asyncio.Future[float]],
) -> None:
    sender = session.cli if from_cli else session.webs[0]
    keys = session.cli_keys if from_cli else session.web_keys[0]
    receiver = session.web_keys[0] if from_cli else session.cli_keys
    slots = asyncio.Semaphore(plan.window)
    seq = 0
    while time.perf_counter() < stop_at:
        await slots.acquire()
        seq += 1
        frame, nonce = sealed_frame(
            keys, receiver.public_b64, session.session_id, seq, plan.frame_bytes
        )
        sender_name = f"{session.session_id}/{'cli' if from_cli else 'web'}"
        done = tracker.expect(nonce, 1, sender=sender_name, index=seq)
        done.add_done_callback(lambda _: slots.release())
        pending.append(done)
        await sender.send(frame)


async def measure_throughput(connector: Connector, plan: ThroughputPlan) -> dict[str, float]:
    sessions = await asyncio.gather(*(connector.open_session(1) for _ in range(plan.sessions)))
    tracker = ArrivalTracker()
    for session in sessions:
        session.listen(tracker)
    pending: list[asyncio.Future[float]] = []
    try:
        start = time.perf_counter()
        stop_at = start + plan.duration_s
        await asyncio.gather(
            *(
                _keep_sending(session, tracker, from_cli, plan, stop_at, pending)
                for session in sessions
                for from_cli in (True, False)
            )
        )
        await asyncio.wait(pending, timeout=DRAIN_TIMEOUT_S)
        in_time = sum(1 for f in pending if f.done() and f.result() <= stop_at)
        streams = tracker.streams()
        return {
            "throughput_per_s": round(in_time / plan.duration_s, 1),
            "sessions": plan.sessions,
            "sent": len(pending),
            "delivered": sum(1 for f in pending if f.done()),
            "lost": tracker.lost(),
            "duplicated": tracker.duplicated(),
            "error_frames": sum(1 for f in tracker.other_frames if '"error"' in f),
            # Deliveries that arrived after a later envelope of the same sender.
            "out_of_order": sum(overtaken(order) for order in streams.values()),
        }
    finally:
        for future in pending:
            future.cancel()
        await asyncio.gather(*(session.close() for session in sessions))
