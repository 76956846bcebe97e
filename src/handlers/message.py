"""$default: every client frame (the protocol's messages and envelopes)."""

from __future__ import annotations

from typing import Any

from relay.invocation import on_message, run


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run(event, on_message, reply_on_error=True)
