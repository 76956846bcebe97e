"""The API Gateway Management API (``@connections``) over HTTP on loopback.

``ManagementApi.handle`` is the logic (async, on the gateway's loop);
``ManagementServer`` is a plain threaded HTTP server in front of it. boto3 signs
its requests with SigV4; the signature headers are accepted and ignored."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from websockets.exceptions import ConnectionClosed

from local_gateway.loopback import LoopbackHttp, Reply
from local_gateway.registry import ConnectionRegistry

MAX_POST_BYTES = 128 * 1024
SEND_TIMEOUT_S = 10.0
_PATH_MARKER = "/@connections/"

log = logging.getLogger("local_gateway.management")


@dataclass(frozen=True)
class HttpReply:
    status: int
    body: bytes = b""
    error_type: str | None = None


def error_reply(status: int, error_type: str, message: str) -> HttpReply:
    return HttpReply(status, json.dumps({"message": message}).encode(), error_type)


def wire_reply(reply: HttpReply) -> Reply:
    """The status, headers and body API Gateway sends for ``reply``."""
    headers = {"Content-Type": "application/json", "x-amzn-RequestId": "local"}
    if reply.error_type:
        headers["x-amzn-ErrorType"] = reply.error_type
    return reply.status, headers, reply.body


def gone(connection_id: str) -> HttpReply:
    return error_reply(410, "GoneException", f"connection {connection_id} is gone")


def connection_id_from_path(path: str, stage: str) -> str | None:
    """``/@connections/{id}`` or ``/{stage}/@connections/{id}`` → ``id``."""
    path = urlsplit(path).path
    for prefix in ("", f"/{stage}"):
        head = prefix + _PATH_MARKER
        if path.startswith(head) and len(path) > len(head) and "/" not in path[len(head) :]:
            return unquote(path[len(head) :])
    return None


def _iso(epoch_ms: int) -> str:
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


class ManagementApi:
    def __init__(self, registry: ConnectionRegistry, stage: str) -> None:
        self._registry = registry
        self._stage = stage

    async def handle(self, method: str, path: str, body: bytes) -> HttpReply:
        connection_id = connection_id_from_path(path, self._stage)
        if connection_id is None:
            return error_reply(404, "NotFoundException", f"no such resource {path}")
        if method == "POST":
            return await self._post(connection_id, body)
        if method == "GET":
            return self._get(connection_id)
        if method == "DELETE":
            return await self._delete(connection_id)
        return error_reply(405, "MethodNotAllowed", f"{method} is not supported on @connections")

    async def _post(self, connection_id: str, body: bytes) -> HttpReply:
        if len(body) > MAX_POST_BYTES:
            return error_reply(413, "PayloadTooLargeException", "Message too long (max 128 KB)")
        connection = self._registry.get(connection_id)
        if connection is None:
            log.info("post to %s: 410 gone", connection_id)
            return gone(connection_id)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        try:
            await asyncio.wait_for(
                connection.socket.send(text if text is not None else body), SEND_TIMEOUT_S
            )
        except ConnectionClosed:
            log.info("post to %s: 410 gone (socket closed)", connection_id)
            return gone(connection_id)
        except TimeoutError:
            log.warning(
                "post to %s: client not reading for %.0f s; connection dropped",
                connection_id,
                SEND_TIMEOUT_S,
            )
            connection.socket.transport.abort()
            return gone(connection_id)
        connection.touch()
        return HttpReply(200)

    def _get(self, connection_id: str) -> HttpReply:
        connection = self._registry.get(connection_id)
        if connection is None:
            return gone(connection_id)
        identity: dict[str, Any] = {"sourceIp": connection.info.source_ip}
        if connection.info.user_agent:
            identity["userAgent"] = connection.info.user_agent
        document = {
            "connectedAt": _iso(connection.info.connected_at),
            "identity": identity,
            "lastActiveAt": _iso(connection.last_active_epoch_ms),
        }
        return HttpReply(200, json.dumps(document).encode())

    async def _delete(self, connection_id: str) -> HttpReply:
        connection = self._registry.get(connection_id)
        if connection is None:
            return gone(connection_id)
        self._registry.remove(connection_id)
        asyncio.get_running_loop().create_task(connection.socket.close(1000, ""))
        log.info("delete %s: socket closed", connection_id)
        return HttpReply(204)


class ManagementServer:
    """Serves a ``ManagementApi`` over HTTP/1.1 from a background thread."""

    def __init__(
        self,
        api: ManagementApi,
        loop: asyncio.AbstractEventLoop,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        def respond(method: str, path: str, body: bytes) -> Reply:
            future = asyncio.run_coroutine_threadsafe(api.handle(method, path, body), loop)
            try:
                reply = future.result(SEND_TIMEOUT_S + 5)
            except Exception as exc:  # noqa: BLE001 - an answer beats a hung client
                log.exception("management API failed on %s %s", method, path)
                reply = error_reply(500, "InternalServerErrorException", str(exc))
            return wire_reply(reply)

        self._http = LoopbackHttp(respond, host, port, name="management-api")

    @property
    def url(self) -> str:
        return self._http.url

    def start(self) -> None:
        self._http.start()

    def stop(self) -> None:
        self._http.stop()
