"""Deployment settings, read from the environment once per invocation (cheap)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

CacheMode = Literal["undelivered", "all", "off"]
CACHE_MODES: tuple[CacheMode, ...] = ("undelivered", "all", "off")


@dataclass(frozen=True)
class Settings:
    connections_table: str
    sessions_table: str
    messages_table: str
    cache_mode: CacheMode = "undelivered"
    cache_size: int = 200
    max_webs_per_session: int = 32
    public_ws_url: str | None = None
    region: str = "us-east-1"
    failed_joins_per_connection: int = 5
    failed_joins_per_ip: int = 30
    failed_join_window_seconds: int = 600
    session_ttl_seconds: int = 24 * 3600
    connection_ttl_seconds: int = 24 * 3600
    message_ttl_seconds: int = 3600


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        return default
    return value if value > 0 else default


def _cache_mode(raw: str | None) -> CacheMode:
    value = (raw or "").strip().lower()
    for mode in CACHE_MODES:
        if value == mode:
            return mode
    return "undelivered"


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``env`` (default ``os.environ``); bad numbers fall back to defaults."""
    env = os.environ if env is None else env
    return Settings(
        connections_table=env.get("CONNECTIONS_TABLE", ""),
        sessions_table=env.get("SESSIONS_TABLE", ""),
        messages_table=env.get("MESSAGES_TABLE", ""),
        cache_mode=_cache_mode(env.get("MESSAGE_CACHE_MODE")),
        cache_size=_positive_int(env, "MESSAGE_CACHE_SIZE", 200),
        max_webs_per_session=_positive_int(env, "MAX_WEBS_PER_SESSION", 32),
        public_ws_url=env.get("PUBLIC_WS_URL") or None,
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        failed_joins_per_connection=_positive_int(env, "FAILED_JOINS_PER_CONNECTION", 5),
        failed_joins_per_ip=_positive_int(env, "FAILED_JOINS_PER_IP", 30),
        failed_join_window_seconds=_positive_int(env, "FAILED_JOIN_WINDOW_SECONDS", 600),
    )
