"""Drive envelopes both ways through many sessions at once and account for each one."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from bench.envelopes import ArrivalTracker, sealed_frame
from bench.ordering import overtaken
from bench.sessions import RelayConnector, SessionSockets

FRAME_BYTES = 1024
DELIVERY_TIMEOUT_S = 60.0
# Once every envelope not yet delivered is matched by an error frame, stop waiting
# after this long without any frame arriving.
QUIET_S = 2.0
LATE_DUPLICATE_GRACE_S = 0.5


@dataclass(frozen=True)
class Outcome:
    sent: int
    expected_deliveries: int
    lost: int
    duplicated: int
    error_frames: int
    overtaken: int
    deliveries: int

    def describe(self) -> str:
        return (
            f"sent {self.sent}, expected deliveries {self.expected_deliveries}, "
            f"lost {self.lost}, duplicated {self.duplicated}, error frames {self.error_frames}"
        )


async def open_sessions(url: str, sessions: int, webs: int) -> list[SessionSockets]:
    connector = RelayConnector(url)
    return list(await asyncio.gather(*(connector.open_session(webs) for _ in range(sessions))))


async def _send_stream(
    session: SessionSockets,
    tracker: ArrivalTracker,
    sender_index: int | None,
    envelopes: int,
    window: int,
    pending: list[asyncio.Future[float]],
) -> None:
    """``sender_index`` None is the CLI (to every web); otherwise that web (to the CLI)."""
    if sender_index is None:
        socket, keys, name = session.cli, session.cli_keys, f"{session.session_id}/cli"
        receiver_public, receivers = session.web_keys[0].public_b64, len(session.webs)
    else:
        socket, keys = session.webs[sender_index], session.web_keys[sender_index]
        name = f"{session.session_id}/web{sender_index}"
        receiver_public, receivers = session.cli_keys.public_b64, 1
    slots = asyncio.Semaphore(window)
    for index in range(1, envelopes + 1):
        await slots.acquire()
        frame, nonce = sealed_frame(keys, receiver_public, session.session_id, index, FRAME_BYTES)
        done = tracker.expect(nonce, receivers, sender=name, index=index)
        done.add_done_callback(lambda _: slots.release())
        pending.append(done)
        await socket.send(frame)


async def _wait_for_deliveries(
    tracker: ArrivalTracker, pending: list[asyncio.Future[float]]
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DELIVERY_TIMEOUT_S
    while loop.time() < deadline:
        undelivered = sum(1 for future in pending if not future.done())
        if undelivered == 0:
            return
        errors = sum(1 for frame in tracker.other_frames if '"error"' in frame)
        quiet = time.perf_counter() - tracker.last_frame_at > QUIET_S
        if undelivered <= errors and quiet:
            return
        await asyncio.sleep(0.1)


async def relay_both_ways(
    sessions: list[SessionSockets], envelopes: int, window: int, settle_s: float = 0.0
) -> Outcome:
    """Every CLI and every web sends ``envelopes`` at once (``window`` in flight each)."""
    tracker = ArrivalTracker()
    for session in sessions:
        session.listen(tracker)
    pending: list[asyncio.Future[float]] = []
    senders = [
        _send_stream(session, tracker, sender, envelopes, window, pending)
        for session in sessions
        for sender in [None, *range(len(session.webs))]
    ]
    await asyncio.gather(*senders)
    await _wait_for_deliveries(tracker, pending)
    await asyncio.sleep(LATE_DUPLICATE_GRACE_S + settle_s)
    streams = tracker.streams()
    return Outcome(
        sent=len(tracker.expected),
        expected_deliveries=sum(tracker.expected.values()),
        lost=tracker.lost(),
        duplicated=tracker.duplicated(),
        error_frames=sum(1 for frame in tracker.other_frames if '"error"' in frame),
        overtaken=sum(overtaken(order) for order in streams.values()),
        deliveries=sum(len(order) for order in streams.values()),
    )


async def close_all(sessions: list[SessionSockets]) -> None:
    await asyncio.gather(*(session.close() for session in sessions), return_exceptions=True)
