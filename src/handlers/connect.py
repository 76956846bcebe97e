"""$connect: record the socket (who, from where) so later routes can find it."""

from __future__ import annotations

from typing import Any

from relay.invocation import on_connect, run


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run(event, on_connect)
