"""Async protocol clients over real WebSockets: a CLI that creates or reconnects a
session, and a web that joins it. Both exchange encrypted envelopes and can await
a given notice with a timeout; frames not yet awaited are kept in order.

    cli = await CliClient.open(url)
    await cli.create()
    web = await WebClient.open(url)
    await web.join(cli.session_id)
    await cli.expect("web:connected")
    await cli.send_output("hello")
    assert (await web.next_plaintext())["payload"] == "hello"
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from nacl.exceptions import CryptoError
from nacl.public import Box
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from relay_client.crypto import KeyPair, open_envelope, seal

SESSION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
DEFAULT_TIMEOUT_S = 10.0

Frame = dict[str, Any]


def new_session_id() -> str:
    """Six characters from the alphabet the real CLI uses."""
    return "".join(secrets.choice(SESSION_ALPHABET) for _ in range(6))


def is_envelope(frame: Frame) -> bool:
    return "type" not in frame and frame.get("version") == 1 and "ciphertext" in frame


def with_token(url: str, token: str | None) -> str:
    if not token:
        return url
    return f"{url}{'&' if '?' in url else '?'}{urlencode({'token': token})}"


class NoticeTimeout(AssertionError):
    """An awaited frame did not arrive in time (raised with what did arrive)."""


class ProtocolClient:
    """One socket: sends JSON frames, buffers every received frame, awaits by type."""

    def __init__(self, url: str, token: str | None = None) -> None:
        self.url = url
        self.token = token
        self.socket: ClientConnection | None = None
        self.received: list[Frame] = []
        self._unread: list[Frame] = []
        self._arrived = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None
        self.closed = asyncio.Event()

    @classmethod
    async def open(cls, url: str, token: str | None = None, **kwargs: Any) -> Any:
        client = cls(url, token, **kwargs)
        await client.connect()
        return client

    async def connect(self) -> None:
        self.closed = asyncio.Event()
        self.socket = await connect(
            with_token(self.url, self.token), max_size=None, ping_interval=None
        )
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.socket is not None
        try:
            async for message in self.socket:
                frame = _parse(message)
                async with self._arrived:
                    self.received.append(frame)
                    self._unread.append(frame)
                    self._arrived.notify_all()
        except ConnectionClosed:
            pass
        finally:
            self.closed.set()
            async with self._arrived:
                self._arrived.notify_all()

    async def send(self, frame: Frame) -> None:
        await self.send_raw(json.dumps(frame))

    async def send_raw(self, data: str | bytes) -> None:
        assert self.socket is not None, "not connected"
        await self.socket.send(data)

    async def expect_frame(
        self, matches: Callable[[Frame], bool], description: str, timeout: float = DEFAULT_TIMEOUT_S
    ) -> Frame:
        """The first unread frame for which ``matches`` holds (removed from the unread list)."""

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with self._arrived:
            while True:
                for index, frame in enumerate(self._unread):
                    if matches(frame):
                        return self._unread.pop(index)
                if self.closed.is_set():
                    raise NoticeTimeout(
                        f"socket closed before {description}; unread: {self._unread}"
                    )
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise NoticeTimeout(
                        f"no {description} within {timeout}s; unread: {self._unread}"
                    )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._arrived.wait(), remaining)

    async def expect(
        self, frame_type: str, timeout: float = DEFAULT_TIMEOUT_S, **fields: Any
    ) -> Frame:
        """The next unread frame of ``frame_type`` (with the given field values)."""

        def matches(frame: Frame) -> bool:
            return frame.get("type") == frame_type and all(
                frame.get(k) == v for k, v in fields.items()
            )

        return await self.expect_frame(matches, f"{frame_type!r} {fields or ''}".strip(), timeout)

    async def expect_closed(self, timeout: float = DEFAULT_TIMEOUT_S) -> tuple[int | None, str]:
        await asyncio.wait_for(self.closed.wait(), timeout)
        assert self.socket is not None
        return self.socket.close_code, self.socket.close_reason or ""

    async def ping(self, timeout: float = DEFAULT_TIMEOUT_S) -> Frame:
        await self.send({"type": "ping", "timestamp": _now_ms()})
        return await self.expect("pong", timeout)

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()
        if self._reader is not None:
            await self._reader

    async def drop(self) -> None:
        """Vanish without a close handshake, like a laptop losing its network."""
        if self.socket is not None:
            self.socket.transport.abort()
        if self._reader is not None:
            await self._reader


class CliClient(ProtocolClient):
    """The CLI side: owns the session, encrypts output to each joined web."""

    def __init__(self, url: str, token: str | None = None, session_id: str | None = None) -> None:
        super().__init__(url, token)
        self.session_id = session_id or new_session_id()
        self.keys = KeyPair()
        self.webs: dict[str, Box] = {}
        self._seq = 0

    async def create(self, timeout: float = DEFAULT_TIMEOUT_S) -> Frame:
        await self.send(
            {
                "type": "session:create",
                "sessionId": self.session_id,
                "publicKey": self.keys.public_b64,
            }
        )
        return await self.expect("session:created", timeout)

    async def reconnect(self, timeout: float = DEFAULT_TIMEOUT_S) -> Frame:
        """Open a new socket with the same keys and take the session back."""
        if self.socket is not None and not self.closed.is_set():
            await self.close()
        await self.connect()
        await self.send(
            {
                "type": "session:reconnect",
                "sessionId": self.session_id,
                "publicKey": self.keys.public_b64,
            }
        )
        return await self.expect("session:reconnected", timeout)

    async def expect_web(self, timeout: float = DEFAULT_TIMEOUT_S) -> str:
        """Await ``web:connected`` and remember that web's key; returns its connection id."""
        notice = await self.expect("web:connected", timeout)
        self.webs[notice["connectionId"]] = self.keys.box_with(notice["publicKey"])
        return notice["connectionId"]

    async def send_output(self, payload: Any, msg_type: str = "terminal:output") -> None:
        """One envelope per known web, each sealed for that web's key."""
        self._seq += 1
        for box in self.webs.values():
            await self.send(seal(box, self.session_id, msg_type, payload, self._seq))

    async def next_plaintext(self, timeout: float = DEFAULT_TIMEOUT_S) -> Frame:
        """The next envelope any known web sealed for us, decrypted."""
        return await _next_plaintext(self, list(self.webs.values()), timeout)


class WebClient(ProtocolClient):
    """The browser side: joins a session, encrypts input to the CLI."""

    def __init__(self, url: str, token: str | None = None) -> None:
        super().__init__(url, token)
        self.keys = KeyPair()
        self.session_id: str | None = None
        self.cli_box: Box | None = None
        self._seq = 0

    async def join(self, session_id: str, timeout: float = DEFAULT_TIMEOUT_S) -> Frame:
        """Send ``session:join`` and return the reply (``session:joined`` or ``error``)."""
        self.session_id = session_id
        await self.send(
            {"type": "session:join", "sessionId": session_id, "publicKey": self.keys.public_b64}
        )
        reply = await self.expect_frame(
            lambda f: f.get("type") in ("session:joined", "error"),
            "session:joined or error",
            timeout,
        )
        if reply.get("type") == "session:joined":
            self.cli_box = self.keys.box_with(reply["cliPublicKey"])
        return reply

    async def follow_reconnect(self, timeout: float = DEFAULT_TIMEOUT_S) -> Frame:
        """Await ``cli:reconnected``, take the CLI's key and join again, as the web app does."""
        notice = await self.expect("cli:reconnected", timeout)
        self.cli_box = self.keys.box_with(notice["cliPublicKey"])
        assert self.session_id is not None
        await self.join(self.session_id, timeout)
        return notice

    async def leave(self) -> None:
        await self.send({"type": "session:leave"})

    async def send_input(self, payload: Any, msg_type: str = "terminal:input") -> None:
        assert self.cli_box is not None and self.session_id is not None, "join first"
        self._seq += 1
        await self.send(seal(self.cli_box, self.session_id, msg_type, payload, self._seq))

    async def next_plaintext(self, timeout: float = DEFAULT_TIMEOUT_S) -> Frame:
        assert self.cli_box is not None, "join first"
        return await _next_plaintext(self, [self.cli_box], timeout)


async def _next_plaintext(client: ProtocolClient, boxes: list[Box], timeout: float) -> Frame:
    """Envelopes sealed for someone else (another web) are consumed and skipped."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        envelope = await client.expect_frame(
            is_envelope, "an envelope", max(0.0, deadline - loop.time())
        )
        for box in boxes:
            try:
                return open_envelope(box, envelope)
            except CryptoError:
                continue


def _parse(message: str | bytes) -> Frame:
    try:
        frame = json.loads(message)
    except ValueError:
        return {"type": "<not json>", "raw": message}
    return frame if isinstance(frame, dict) else {"type": "<not an object>", "raw": frame}


def _now_ms() -> int:
    return int(time.time() * 1000)
