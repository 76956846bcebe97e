"""The live sockets by connection id."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from websockets.asyncio.server import ServerConnection

from local_gateway.events import ConnectionInfo


@dataclass
class Connection:
    info: ConnectionInfo
    socket: ServerConnection
    last_active: float = field(default_factory=time.monotonic)
    last_active_epoch_ms: int = field(default_factory=lambda: int(time.time() * 1000))

    def touch(self) -> None:
        self.last_active = time.monotonic()
        self.last_active_epoch_ms = int(time.time() * 1000)


class ConnectionRegistry:
    def __init__(self) -> None:
        self._connections: dict[str, Connection] = {}

    def add(self, connection: Connection) -> None:
        self._connections[connection.info.connection_id] = connection

    def get(self, connection_id: str) -> Connection | None:
        return self._connections.get(connection_id)

    def remove(self, connection_id: str) -> None:
        self._connections.pop(connection_id, None)

    def all(self) -> list[Connection]:
        return list(self._connections.values())

    def __len__(self) -> int:
        return len(self._connections)
