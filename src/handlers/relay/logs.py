"""One structured JSON line per invocation. Only identifiers and outcomes: never
ciphertext, keys or tokens."""

from __future__ import annotations

import json
import os
import sys
import traceback


def log_invocation(
    route: str,
    connection_id: str,
    session_id: str | None,
    outcome: str,
    duration_ms: float,
    error: BaseException | None = None,
) -> None:
    line: dict[str, object] = {
        "route": route,
        "connectionId": connection_id,
        "sessionId": session_id,
        "outcome": outcome,
        "durationMs": round(duration_ms, 1),
    }
    if error is not None:
        line["error"] = type(error).__name__
        line["where"] = _innermost_frame(error)
    sys.stdout.write(json.dumps(line, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def _innermost_frame(error: BaseException) -> str:
    """``file:line in function`` of where it was raised. The exception's message is
    left out on purpose: some (botocore's parameter errors) quote the values sent."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return ""
    frame = frames[-1]
    return f"{os.path.basename(frame.filename)}:{frame.lineno} in {frame.name}"
