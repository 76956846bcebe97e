"""The WebSocket side of the gateway: the upgrade (authorizer, `$connect`), frames
(`$default` and custom routes), limits, and `$disconnect`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket as sockets
import time
import weakref
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from local_gateway import events
from local_gateway.policy import (
    AuthorizerOutputError,
    evaluate_authorizer_output,
    event_authorizer_context,
)
from local_gateway.registry import Connection, ConnectionRegistry
from local_gateway.routing import select_route
from local_gateway.runner import FunctionRunner, Invocation
from local_gateway.template import ApiSpec

MAX_MESSAGE_BYTES = 128 * 1024

log = logging.getLogger("local_gateway")


@dataclass(frozen=True)
class Limits:
    idle_timeout_s: float = 600.0
    max_age_s: float = 7200.0
    max_message_bytes: int = MAX_MESSAGE_BYTES


class Gateway:
    def __init__(
        self, api: ApiSpec, runner: FunctionRunner, registry: ConnectionRegistry, limits: Limits
    ) -> None:
        self.api = api
        self.runner = runner
        self.registry = registry
        self.limits = limits
        self._accepted: weakref.WeakKeyDictionary[ServerConnection, events.ConnectionInfo] = (
            weakref.WeakKeyDictionary()
        )
        self._stopping = False
        self._tasks: set[asyncio.Task[Any]] = set()

    def api_context(self, host_header: str | None) -> events.ApiContext:
        return events.ApiContext(
            api_id=self.api.api_id,
            stage=self.api.stage,
            domain_name=host_header or "localhost",
            region=self.api.region,
            account_id=self.api.account_id,
        )

    # --- the upgrade -------------------------------------------------------------

    async def process_request(self, socket: ServerConnection, request: Request) -> Response | None:
        """Runs before the upgrade completes: the authorizer, then `$connect`."""
        send_without_delay(socket)
        path = urlsplit(request.path).path.rstrip("/")
        if path not in ("", f"/{self.api.stage}"):
            return socket.respond(HTTPStatus.NOT_FOUND, f"Connect to / or /{self.api.stage}\n")
        info = self._connection_info(socket, request)
        api = self.api_context(request.headers.get("Host"))
        started = time.perf_counter()
        if self.api.authorizer is not None:
            refusal, info = await self._authorize(api, info)
            if refusal is not None:
                return socket.respond(*refusal)
        connect = self.api.routes.get("$connect")
        if connect is not None:
            request_id = events.new_request_id()
            event = events.connect_event(api, info, request_id, events.now_ms())
            invocation = await self.runner.invoke(connect.logical_id, event, request_id)
            status = _connect_status(invocation)
            self._log_invocation("$connect", info.connection_id, invocation, status)
            if not 200 <= status < 300:
                return socket.respond(status, _status_text(status))
        log.debug(
            "upgrade of %s took %.1f ms", info.connection_id, (time.perf_counter() - started) * 1000
        )
        self._accepted[socket] = info
        return None

    def _connection_info(self, socket: ServerConnection, request: Request) -> events.ConnectionInfo:
        source_ip = str(socket.remote_address[0]) if socket.remote_address else "127.0.0.1"
        local_port = socket.local_address[1] if socket.local_address else 0
        headers = [
            *request.headers.raw_items(),
            ("X-Forwarded-For", source_ip),
            ("X-Forwarded-Port", str(local_port)),
            ("X-Forwarded-Proto", "http"),
        ]
        return events.ConnectionInfo(
            connection_id=events.new_connection_id(),
            connected_at=events.now_ms(),
            source_ip=source_ip,
            headers=headers,
            query=parse_qsl(urlsplit(request.path).query, keep_blank_values=True),
            user_agent=request.headers.get("User-Agent"),
        )

    async def _authorize(
        self, api: events.ApiContext, info: events.ConnectionInfo
    ) -> tuple[tuple[HTTPStatus, str] | None, events.ConnectionInfo]:
        assert self.api.authorizer is not None
        request_id = events.new_request_id()
        event = events.authorizer_event(api, info, request_id, events.now_ms())
        invocation = await self.runner.invoke(self.api.authorizer.logical_id, event, request_id)
        if not invocation.ok:
            unauthorized = (invocation.error or {}).get("errorMessage") == "Unauthorized"
            status = HTTPStatus.UNAUTHORIZED if unauthorized else HTTPStatus.INTERNAL_SERVER_ERROR
            self._log_invocation("authorizer", info.connection_id, invocation, status)
            return (status, f"{status.phrase}\n"), info
        try:
            decision = evaluate_authorizer_output(invocation.result, events.method_arn(api))
        except AuthorizerOutputError as error:
            log.warning("authorizer output refused for %s: %s", info.connection_id, error)
            self._log_invocation("authorizer", info.connection_id, invocation, 500)
            return (HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error\n"), info
        if not decision.allowed:
            self._log_invocation("authorizer", info.connection_id, invocation, 403, "deny")
            return (HTTPStatus.FORBIDDEN, "Forbidden\n"), info
        self._log_invocation("authorizer", info.connection_id, invocation, 200, "allow")
        context = event_authorizer_context(decision, round(invocation.duration_ms))
        return None, _with_authorizer(info, context)

    # --- an open connection ------------------------------------------------------

    async def handle(self, socket: ServerConnection) -> None:
        info = self._accepted.pop(socket)
        connection = Connection(info=info, socket=socket)
        self.registry.add(connection)
        api = self.api_context(dict(info.headers).get("Host"))
        watchdog = asyncio.create_task(self._watch_limits(connection))
        try:
            async for message in socket:
                connection.touch()
                self._spawn(self._dispatch(api, connection, message))
        except ConnectionClosed:
            pass
        finally:
            watchdog.cancel()
            self.registry.remove(info.connection_id)
        if not self._stopping:
            await self._disconnect(api, connection)

    async def _dispatch(
        self, api: events.ApiContext, connection: Connection, message: str | bytes
    ) -> None:
        info = connection.info
        route_key = select_route(self.api.route_selection_expression, message, self.api.routes)
        request_id = events.new_request_id()
        function = self.api.routes.get(route_key)
        if function is None:
            log.info("frame from %s matches no route and there is no $default", info.connection_id)
            await _send_quietly(connection, events.forbidden_frame(info.connection_id, request_id))
            return
        if isinstance(message, bytes):
            log.info(
                "binary frame from %s (%d bytes) passed to %s base64-encoded",
                info.connection_id,
                len(message),
                route_key,
            )
        event = events.message_event(
            api, info, route_key, message, request_id, events.now_ms(), events.new_message_id()
        )
        invocation = await self.runner.invoke(function.logical_id, event, request_id)
        self._log_invocation(route_key, info.connection_id, invocation)
        if not invocation.ok:
            await _send_quietly(
                connection, events.internal_server_error_frame(info.connection_id, request_id)
            )
        elif route_key in self.api.two_way_routes and isinstance(invocation.result, dict):
            body = invocation.result.get("body")
            if body is not None:
                await _send_quietly(connection, body)

    async def _disconnect(self, api: events.ApiContext, connection: Connection) -> None:
        function = self.api.routes.get("$disconnect")
        if function is None:
            return
        socket = connection.socket
        code = socket.close_code if socket.close_code is not None else 1006
        reason = socket.close_reason or ""
        request_id = events.new_request_id()
        event = events.disconnect_event(
            api, connection.info, code, reason, request_id, events.now_ms()
        )
        invocation = await self.runner.invoke(function.logical_id, event, request_id)
        self._log_invocation(
            "$disconnect", connection.info.connection_id, invocation, detail=f"close={code}"
        )

    async def _watch_limits(self, connection: Connection) -> None:
        opened = time.monotonic()
        while True:
            now = time.monotonic()
            idle_deadline = connection.last_active + self.limits.idle_timeout_s
            age_deadline = opened + self.limits.max_age_s
            if now >= age_deadline:
                log.info(
                    "%s reached the maximum connection age; closing", connection.info.connection_id
                )
                await connection.socket.close(1001, "Going away")
                return
            if now >= idle_deadline:
                log.info("%s idle too long; closing", connection.info.connection_id)
                await connection.socket.close(1001, "Going away")
                return
            await asyncio.sleep(min(idle_deadline, age_deadline) - now)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- shutdown ----------------------------------------------------------------

    async def close_all(self) -> None:
        """Close every socket without running `$disconnect` (the process is ending)."""
        self._stopping = True
        sockets = [connection.socket for connection in self.registry.all()]
        await asyncio.gather(
            *(s.close(1001, "Going away") for s in sockets), return_exceptions=True
        )
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    # --- logging -----------------------------------------------------------------

    def _log_invocation(
        self,
        route: str,
        connection_id: str,
        invocation: Invocation,
        status: int | None = None,
        detail: str = "",
    ) -> None:
        outcome = invocation.outcome
        if invocation.error and outcome != "ok":
            error = invocation.error
            outcome = f"{outcome} ({error.get('errorType')}: {error.get('errorMessage')})"
        parts = [
            f"route={route}",
            f"connection={connection_id}",
            f"function={invocation.function}",
            f"duration_ms={invocation.duration_ms:.1f}",
            f"outcome={outcome}",
        ]
        if status is not None:
            parts.append(f"status={int(status)}")
        if invocation.cold_start:
            parts.append(f"cold_start=true init_ms={invocation.init_ms or 0:.1f}")
        if detail:
            parts.append(detail)
        for line in invocation.logs:
            log.info("[%s] %s", invocation.function, line)
        log.info("invoke %s", " ".join(parts))


def send_without_delay(connection: ServerConnection) -> None:
    """Turn Nagle's algorithm off (TCP_NODELAY) on an accepted socket, so each frame
    leaves when it is sent.

    asyncio does this by itself only for sockets whose ``proto`` is ``IPPROTO_TCP``;
    the listener from ``socket.create_server`` has proto 0, and so has every socket it
    accepts. With Nagle on, a frame sent while the client still delays its ACK of the
    previous frame waits for that ACK: up to 40 ms on Linux (measured: 1 relay in 10)."""
    sock = connection.transport.get_extra_info("socket")
    if sock is not None and sock.family in (sockets.AF_INET, sockets.AF_INET6):
        sock.setsockopt(sockets.IPPROTO_TCP, sockets.TCP_NODELAY, 1)


def _with_authorizer(info: events.ConnectionInfo, context: dict[str, Any]) -> events.ConnectionInfo:
    return events.ConnectionInfo(
        info.connection_id,
        info.connected_at,
        info.source_ip,
        info.headers,
        info.query,
        info.user_agent,
        context,
    )


def _connect_status(invocation: Invocation) -> int:
    """API Gateway: a failed `$connect` is a 500; a returned statusCode is used as is."""
    if not invocation.ok:
        return 500
    result = invocation.result
    if isinstance(result, dict) and "statusCode" in result:
        try:
            return int(result["statusCode"])
        except (TypeError, ValueError):
            return 500
    return 200


def _status_text(status: int) -> str:
    try:
        return f"{HTTPStatus(status).phrase}\n"
    except ValueError:
        return f"{status}\n"


async def _send_quietly(connection: Connection, frame: dict[str, Any] | str) -> None:
    data = frame if isinstance(frame, str) else json.dumps(frame)
    with contextlib.suppress(ConnectionClosed):
        await connection.socket.send(data)
