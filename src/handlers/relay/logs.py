"""One structured JSON line per invocation. Only identifiers and outcomes: never
ciphertext, keys or tokens."""

from __future__ import annotations

import json
import sys


def log_invocation(
    route: str,
    connection_id: str,
    session_id: str | None,
    outcome: str,
    duration_ms: float,
) -> None:
    line = {
        "route": route,
        "connectionId": connection_id,
        "sessionId": session_id,
        "outcome": outcome,
        "durationMs": round(duration_ms, 1),
    }
    sys.stdout.write(json.dumps(line, separators=(",", ":")) + "\n")
    sys.stdout.flush()
