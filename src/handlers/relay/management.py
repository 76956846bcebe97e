"""The API Gateway Management API: post frames to sockets, close sockets.

A post that fails with ``GoneException`` (HTTP 410) means the peer is gone;
callers treat that exactly like a disconnect."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from relay import clients

logger = logging.getLogger(__name__)

ENDPOINT_ENV_VARS = ("AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI", "AWS_ENDPOINT_URL")
MAX_PARALLEL_POSTS = 8

DELIVERED = "delivered"
GONE = "gone"
FAILED = "failed"

_executor_lock = threading.Lock()
_executor: Executor | None = None


def endpoint_url(
    api_id: str, region: str, stage: str, env: Mapping[str, str] | None = None
) -> str | None:
    """``https://{apiId}.execute-api.{region}.amazonaws.com/{stage}``, unless boto3's
    standard endpoint variable is set: then ``None``, so boto3 applies it (an explicit
    ``endpoint_url`` argument would override the variable)."""
    env = os.environ if env is None else env
    ignored = env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true"
    if not ignored and any(env.get(name) for name in ENDPOINT_ENV_VARS):
        return None
    return f"https://{api_id}.execute-api.{region}.amazonaws.com/{stage}"


def _pool() -> Executor:
    global _executor
    if _executor is None:
        with _executor_lock:
            if _executor is None:
                _executor = ThreadPoolExecutor(
                    max_workers=MAX_PARALLEL_POSTS, thread_name_prefix="post"
                )
    return _executor


def gone_ids(results: Mapping[str, str]) -> list[str]:
    return [cid for cid, result in results.items() if result == GONE]


class Management:
    """Posts and closes for one API stage."""

    def __init__(self, endpoint: str | None) -> None:
        self._endpoint = endpoint

    @property
    def _client(self) -> Any:
        return clients.management(self._endpoint)

    def post(self, connection_id: str, data: bytes) -> str:
        """``DELIVERED``, ``GONE`` (HTTP 410) or ``FAILED`` (any other error: the
        peer stays, since only a 410 proves it is gone)."""
        from botocore.exceptions import BotoCoreError, ClientError

        client = self._client
        try:
            client.post_to_connection(ConnectionId=connection_id, Data=data)
            return DELIVERED
        except client.exceptions.GoneException:
            return GONE
        except (ClientError, BotoCoreError) as exc:
            logger.warning("post to a connection failed: %s", type(exc).__name__)
            return FAILED

    def post_many(self, items: Iterable[tuple[str, bytes]]) -> dict[str, str]:
        """Post each ``(connectionId, data)``, several in parallel; result per id."""
        work = list(items)
        if len(work) <= 1:
            return {cid: self.post(cid, data) for cid, data in work}
        return dict(_pool().map(lambda item: (item[0], self.post(*item)), work))

    def broadcast(self, connection_ids: Iterable[str], data: bytes) -> dict[str, str]:
        return self.post_many((cid, data) for cid in connection_ids)

    def close(self, connection_id: str) -> None:
        """DeleteConnection; a socket that is already gone is fine."""
        from botocore.exceptions import BotoCoreError, ClientError

        client = self._client
        try:
            client.delete_connection(ConnectionId=connection_id)
        except client.exceptions.GoneException:
            pass
        except (ClientError, BotoCoreError) as exc:
            logger.warning("closing a connection failed: %s", type(exc).__name__)
