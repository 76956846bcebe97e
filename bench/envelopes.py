"""Real sealed envelopes of a chosen frame size, and who received which.

An envelope is identified by its nonce (random per envelope), so receivers can
match arrivals to sends without decrypting anything.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field

from relay_client.crypto import KeyPair, seal

TERMINAL_OUTPUT = "terminal:output"


def sealed_frame(
    sender: KeyPair, receiver_public_b64: str, session_id: str, seq: int, frame_bytes: int
) -> tuple[str, str]:
    """A JSON envelope frame of about ``frame_bytes`` bytes and its nonce."""
    box = sender.box_with(receiver_public_b64)
    bare = json.dumps(seal(box, session_id, TERMINAL_OUTPUT, "", seq), separators=(",", ":"))
    # Base64 grows 4/3 and the box adds its MAC, so pad the plaintext by 3/4 of the gap.
    padding = max(0, (frame_bytes - len(bare)) * 3 // 4)
    envelope = seal(box, session_id, TERMINAL_OUTPUT, "x" * padding, seq)
    return json.dumps(envelope, separators=(",", ":")), envelope["nonce"]


def envelope_nonce(frame: str | bytes) -> str | None:
    """The nonce of an envelope frame, or None for anything else (notices, errors)."""
    try:
        message = json.loads(frame)
    except ValueError:
        return None
    if isinstance(message, dict) and "type" not in message and "nonce" in message:
        nonce = message["nonce"]
        return nonce if isinstance(nonce, str) else None
    return None


@dataclass
class ArrivalTracker:
    """Counts every envelope's arrivals per receiver; wakes whoever waits for them."""

    expected: dict[str, int] = field(default_factory=dict)
    sent_at: dict[str, float] = field(default_factory=dict)
    arrivals: dict[str, list[tuple[str, float]]] = field(default_factory=lambda: defaultdict(list))
    origin: dict[str, tuple[str, int]] = field(default_factory=dict)
    unexpected: int = 0
    last_frame_at: float = 0.0
    other_frames: list[str] = field(default_factory=list)
    _done: dict[str, asyncio.Future[float]] = field(default_factory=dict)

    def expect(
        self, nonce: str, receivers: int, sender: str = "", index: int = 0
    ) -> asyncio.Future[float]:
        """Register a send (the ``index``-th of ``sender``); the future resolves with the
        time of the last arrival."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.origin[nonce] = (sender, index)
        self.expected[nonce] = receivers
        self.sent_at[nonce] = time.perf_counter()
        self._done[nonce] = future
        return future

    def arrived(self, receiver: str, frame: str | bytes) -> None:
        now = time.perf_counter()
        self.last_frame_at = now
        nonce = envelope_nonce(frame)
        if nonce is None:
            self.other_frames.append(frame if isinstance(frame, str) else frame.decode())
            return
        if nonce not in self.expected:
            self.unexpected += 1
            return
        self.arrivals[nonce].append((receiver, now))
        future = self._done.get(nonce)
        receivers = {who for who, _ in self.arrivals[nonce]}
        if future is not None and not future.done() and len(receivers) >= self.expected[nonce]:
            future.set_result(now)

    def lost(self) -> int:
        """Expected deliveries that never came (counted per receiver)."""
        return sum(
            max(0, want - len({who for who, _ in self.arrivals.get(nonce, [])}))
            for nonce, want in self.expected.items()
        )

    def duplicated(self) -> int:
        """Deliveries beyond the first per receiver."""
        extra = 0
        for deliveries in self.arrivals.values():
            receivers = [who for who, _ in deliveries]
            extra += len(receivers) - len(set(receivers))
        return extra

    def streams(self) -> dict[tuple[str, str], list[int]]:
        """Per (sender, receiver): the senders' indexes in the order they arrived."""
        arrivals: dict[tuple[str, str], list[tuple[float, int]]] = defaultdict(list)
        for nonce, deliveries in self.arrivals.items():
            sender, index = self.origin.get(nonce, ("", 0))
            for receiver, when in deliveries:
                arrivals[(sender, receiver)].append((when, index))
        return {key: [index for _, index in sorted(value)] for key, value in arrivals.items()}
