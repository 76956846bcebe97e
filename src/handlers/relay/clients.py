"""boto3 clients, created lazily once per container and reused by every invocation.

boto3 is imported inside the factories: importing a handler module must stay
cheap, since cold-start (INIT) time is billed. Endpoints come from boto3's own
configuration (``AWS_ENDPOINT_URL_DYNAMODB`` etc.); nothing here knows about
"local mode"."""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_dynamodb: Any = None
_management: dict[str | None, Any] = {}
_created: list[Any] = []


def _config() -> Any:
    from botocore.config import Config

    return Config(
        retries={"mode": "standard", "max_attempts": 3},
        connect_timeout=3,
        read_timeout=10,
        max_pool_connections=16,
    )


def dynamodb() -> Any:
    global _dynamodb
    if _dynamodb is None:
        with _lock:
            if _dynamodb is None:
                import boto3

                _dynamodb = boto3.client("dynamodb", config=_config())
                _created.append(_dynamodb)
    return _dynamodb


def management(endpoint_url: str | None) -> Any:
    """A Management API client; ``endpoint_url=None`` lets boto3 resolve it from
    its configuration (``AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI``)."""
    client = _management.get(endpoint_url)
    if client is None:
        with _lock:
            client = _management.get(endpoint_url)
            if client is None:
                import boto3

                options: dict[str, Any] = {"config": _config()}
                if endpoint_url is not None:
                    options["endpoint_url"] = endpoint_url
                client = boto3.client("apigatewaymanagementapi", **options)
                _management[endpoint_url] = client
                _created.append(client)
    return client


def created_clients() -> list[Any]:
    """Every client made so far (tests hook their botocore events to count calls)."""
    with _lock:
        return list(_created)


def reset_clients() -> None:
    """Forget every client (tests, after changing endpoints)."""
    global _dynamodb
    with _lock:
        _dynamodb = None
        _management.clear()
        _created.clear()
