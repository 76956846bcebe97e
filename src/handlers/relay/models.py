"""The stored records, as typed values (the store converts DynamoDB items)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["cli", "web"]

PENDING = "pending"
ACTIVE = "active"
PAUSED = "paused"
CLOSED = "closed"


@dataclass(frozen=True)
class Session:
    session_id: str
    cli_public_key: str
    status: str
    created_at: int
    last_active_at: int
    cli_connection_id: str | None = None
    web_connections: frozenset[str] = frozenset()
    user_id: str | None = None
    expires_at: int | None = None
    """The ``ttl`` (epoch seconds). DynamoDB deletes expired items lazily (up to
    days later), so an item past it is treated as expired, not as live."""
    details: dict[str, Any] = field(default_factory=dict)
    """The ``session:update`` fields (instanceId, hostname, ...)."""


@dataclass(frozen=True)
class Connection:
    connection_id: str
    role: Role | None = None
    session_id: str | None = None
    user_id: str | None = None
    failed_joins: int = 0
