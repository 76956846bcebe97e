"""Summaries of measured samples (pure)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest sample with ``fraction`` of samples at or below."""
    if not samples:
        raise ValueError("no samples")
    if not 0 < fraction <= 1:
        raise ValueError("fraction must be in (0, 1]")
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def median(samples: Sequence[float]) -> float:
    ordered = sorted(samples)
    if not ordered:
        raise ValueError("no samples")
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def latency_summary(samples_s: Sequence[float]) -> dict[str, float]:
    """p50/p99/mean in milliseconds from samples in seconds."""
    return {
        "p50_ms": round(percentile(samples_s, 0.50) * 1000, 3),
        "p99_ms": round(percentile(samples_s, 0.99) * 1000, 3),
        "mean_ms": round(sum(samples_s) / len(samples_s) * 1000, 3),
        "samples": len(samples_s),
    }


def ratio(value: float, floor: float) -> float | None:
    """How many times the floor a figure is (None when the floor is zero)."""
    return round(value / floor, 2) if floor > 0 else None
