"""Opening one session's sockets (a CLI and its webs), for the relay and the floors.

Both connectors yield the same ``SessionSockets``, so every measurement runs the
same client code whatever is on the other end.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import string
from dataclasses import dataclass, field
from typing import Protocol

from websockets.asyncio.client import ClientConnection, connect

from bench.envelopes import ArrivalTracker
from bench.floors import READY
from relay_client.crypto import KeyPair

SESSION_ID_ALPHABET = string.ascii_uppercase + string.digits
HANDSHAKE_TIMEOUT_S = 30.0


@dataclass
class SessionSockets:
    session_id: str
    cli: ClientConnection
    webs: list[ClientConnection]
    cli_keys: KeyPair
    web_keys: list[KeyPair]
    readers: list[asyncio.Task[None]] = field(default_factory=list)

    def listen(self, tracker: ArrivalTracker) -> None:
        """Feed every frame each socket receives into ``tracker``."""
        named = [("cli", self.cli)] + [(f"web{i}", web) for i, web in enumerate(self.webs)]
        for name, socket in named:
            self.readers.append(asyncio.create_task(_read_into(name, socket, tracker)))

    async def close(self) -> None:
        for socket in [self.cli, *self.webs]:
            await socket.close()
        for reader in self.readers:
            reader.cancel()
        await asyncio.gather(*self.readers, return_exceptions=True)


async def _read_into(name: str, socket: ClientConnection, tracker: ArrivalTracker) -> None:
    async for frame in socket:
        tracker.arrived(name, frame)


class Connector(Protocol):
    async def open_session(self, webs: int) -> SessionSockets: ...


def new_session_id() -> str:
    return "B" + "".join(secrets.choice(SESSION_ID_ALPHABET) for _ in range(11))


@dataclass(frozen=True)
class FloorConnector:
    url: str

    async def open_session(self, webs: int) -> SessionSockets:
        session_id = new_session_id()
        cli = await self._open(session_id, "cli")
        web_sockets = [await self._open(session_id, "web") for _ in range(webs)]
        return SessionSockets(
            session_id, cli, web_sockets, KeyPair(), [KeyPair() for _ in range(webs)]
        )

    async def _open(self, session_id: str, role: str) -> ClientConnection:
        socket = await connect(f"{self.url}/?pair={session_id}&role={role}", max_size=2**20)
        ready = await asyncio.wait_for(socket.recv(), HANDSHAKE_TIMEOUT_S)
        if ready != READY:
            raise RuntimeError(f"floor answered {ready!r}")
        return socket


class HandshakeError(RuntimeError):
    """The relay refused or did not answer the session handshake."""


@dataclass(frozen=True)
class RelayConnector:
    """Speaks the protocol's handshake: the CLI creates, each web joins."""

    url: str

    async def open_session(self, webs: int) -> SessionSockets:
        session_id = new_session_id()
        cli_keys = KeyPair()
        cli = await connect(self.url, max_size=2**20)
        await cli.send(
            json.dumps(
                {
                    "type": "session:create",
                    "sessionId": session_id,
                    "publicKey": cli_keys.public_b64,
                }
            )
        )
        await _await_type(cli, "session:created")
        web_keys = [KeyPair() for _ in range(webs)]
        web_sockets = []
        for keys in web_keys:
            web = await connect(self.url, max_size=2**20)
            await web.send(
                json.dumps(
                    {"type": "session:join", "sessionId": session_id, "publicKey": keys.public_b64}
                )
            )
            await _await_type(web, "session:joined")
            await _await_type(cli, "web:connected")
            web_sockets.append(web)
        return SessionSockets(session_id, cli, web_sockets, cli_keys, web_keys)


async def _await_type(socket: ClientConnection, wanted: str) -> dict[str, object]:
    async with asyncio.timeout(HANDSHAKE_TIMEOUT_S):
        while True:
            message = json.loads(await socket.recv())
            if message.get("type") == wanted:
                return message
            if message.get("type") == "error":
                raise HandshakeError(f"waiting for {wanted}: {message}")
