"""How often envelopes overtake one another between one sender and one receiver (pure).

API Gateway promises no ordering (each frame is its own invocation), so this is
reported, never asserted.
"""

from __future__ import annotations

from collections.abc import Iterable


def overtaken(send_indexes_in_arrival_order: Iterable[int]) -> int:
    """Envelopes that arrived after one their sender sent later."""
    late = 0
    highest = None
    for index in send_indexes_in_arrival_order:
        if highest is not None and index < highest:
            late += 1
        else:
            highest = index
    return late
