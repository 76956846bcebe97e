"""Compose the parts: DynamoDB, tables, management API, function runner, WebSocket server."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.server import Server, serve

from local_gateway.gateway import Gateway, Limits
from local_gateway.intrinsics import LocalNames
from local_gateway.management import ManagementApi, ManagementServer
from local_gateway.registry import ConnectionRegistry
from local_gateway.runner import Endpoints, FunctionRunner
from local_gateway.tables import EmbeddedDynamoDB, dynamodb_client, ensure_tables
from local_gateway.template import ApiSpec, read_api

log = logging.getLogger("local_gateway")
UPGRADE_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class GatewayOptions:
    template: Path = Path("build/api.yaml")
    host: str = "127.0.0.1"
    port: int = 0
    dynamodb_endpoint: str | None = None
    workers: int = 2
    limits: Limits = field(default_factory=Limits)
    env_overrides: Mapping[str, str] = field(default_factory=dict)
    parameter_overrides: Mapping[str, str] = field(default_factory=dict)
    region: str = "us-east-1"


def display_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host


class PortInUseError(OSError):
    pass


def _listen(host: str, port: int) -> socket.socket:
    """Bind first, before anything else starts, so a busy port fails fast and clearly."""
    try:
        return socket.create_server((host, port))
    except OSError as error:
        raise PortInUseError(
            f"cannot listen on {host}:{port} ({error.strerror}); "
            "choose another port with --port (make local PORT=...) or --port 0 for a free one"
        ) from error


class LocalGateway:
    def __init__(self, options: GatewayOptions) -> None:
        self.options = options
        self.api: ApiSpec = read_api(
            options.template,
            LocalNames(region=options.region, parameters=options.parameter_overrides),
        )
        self.ws_url = ""
        self.management_url = ""
        self.dynamodb_endpoint = ""
        self._dynamodb: EmbeddedDynamoDB | None = None
        self._management: ManagementServer | None = None
        self._server: Server | None = None
        self._runner: FunctionRunner | None = None
        self._gateway: Gateway | None = None

    async def start(self) -> None:
        options = self.options
        listener = _listen(options.host, options.port)
        port = listener.getsockname()[1]
        self.ws_url = f"ws://{display_host(options.host)}:{port}/{self.api.stage}"
        # Started from this (the main) thread: the child's parent-death signal is tied
        # to the thread that forked it, and an executor thread could exit first.
        self.dynamodb_endpoint = options.dynamodb_endpoint or self._start_dynamodb()
        client = dynamodb_client(self.dynamodb_endpoint, options.region)
        await asyncio.to_thread(ensure_tables, client, self.api.tables)

        registry = ConnectionRegistry()
        self._management = ManagementServer(
            ManagementApi(registry, self.api.stage), asyncio.get_running_loop(), "127.0.0.1", 0
        )
        self._management.start()
        self.management_url = self._management.url

        endpoints = Endpoints(
            dynamodb=self.dynamodb_endpoint,
            management_api=f"{self.management_url}/{self.api.stage}",
            public_ws_url=self.ws_url,
            region=options.region,
        )
        self._runner = FunctionRunner(
            self.api.functions, endpoints, options.workers, options.env_overrides
        )
        self._gateway = Gateway(self.api, self._runner, registry, options.limits)
        self._server = await serve(
            self._gateway.handle,
            sock=listener,
            process_request=self._gateway.process_request,
            max_size=options.limits.max_message_bytes,
            ping_interval=None,
            # The upgrade waits for the authorizer and `$connect` (cold starts included);
            # API Gateway allows an integration 29 s.
            open_timeout=UPGRADE_TIMEOUT_S,
            server_header="local-gateway",
        )

    def _start_dynamodb(self) -> str:
        self._dynamodb = EmbeddedDynamoDB()
        return self._dynamodb.start()

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close(close_connections=False)
        if self._gateway is not None:
            await self._gateway.close_all()
        if self._server is not None:
            await self._server.wait_closed()
        if self._runner is not None:
            await self._runner.close()
        if self._management is not None:
            self._management.stop()
        if self._dynamodb is not None:
            await asyncio.to_thread(self._dynamodb.stop)
