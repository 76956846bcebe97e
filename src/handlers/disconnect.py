"""$disconnect: forget the socket and tell its peers (best effort at the gateway;
posts that find a peer gone do the same)."""

from __future__ import annotations

from typing import Any

from relay.invocation import on_disconnect, run


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run(event, on_disconnect)
