"""Builders for every server-to-client frame. Fields are flat (no ``payload``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def encode(frame: Mapping[str, Any]) -> bytes:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message}


def session_created(session_id: str, ws_endpoint: str) -> dict[str, Any]:
    return {"type": "session:created", "sessionId": session_id, "wsEndpoint": ws_endpoint}


def session_reconnected(session_id: str, ws_endpoint: str) -> dict[str, Any]:
    return {"type": "session:reconnected", "sessionId": session_id, "wsEndpoint": ws_endpoint}


def session_joined(session_id: str, cli_public_key: str, cli_disconnected: bool) -> dict[str, Any]:
    frame: dict[str, Any] = {
        "type": "session:joined",
        "sessionId": session_id,
        "cliPublicKey": cli_public_key,
    }
    if cli_disconnected:
        frame["cliDisconnected"] = True
    return frame


def web_connected(public_key: str, connection_id: str) -> dict[str, Any]:
    return {"type": "web:connected", "publicKey": public_key, "connectionId": connection_id}


def web_disconnected(connection_id: str) -> dict[str, Any]:
    return {"type": "web:disconnected", "connectionId": connection_id}


def cli_disconnected() -> dict[str, Any]:
    return {"type": "cli:disconnected"}


def cli_reconnected(cli_public_key: str) -> dict[str, Any]:
    return {"type": "cli:reconnected", "cliPublicKey": cli_public_key}


def pong(now_ms: int) -> dict[str, Any]:
    return {"type": "pong", "timestamp": now_ms}


def session_list_response(sessions: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "session:list:response", "sessions": sessions}


def session_info_response(session: dict[str, Any] | None) -> dict[str, Any]:
    return {"type": "session:info:response", "session": session}


def session_delete_response(
    session_id: str, success: bool, message: str | None = None
) -> dict[str, Any]:
    frame: dict[str, Any] = {
        "type": "session:delete:response",
        "sessionId": session_id,
        "success": success,
    }
    if message is not None:
        frame["message"] = message
    return frame
