"""The API Gateway WebSocket event, parsed once into a typed object."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Caller:
    """Who opened the socket, from the $connect authorizer's context."""

    user_id: str | None = None
    email: str | None = None

    @property
    def authenticated(self) -> bool:
        return bool(self.user_id)


@dataclass(frozen=True)
class WebSocketEvent:
    connection_id: str
    route_key: str
    stage: str
    api_id: str
    domain_name: str
    source_ip: str | None
    caller: Caller
    body: str | None
    """The frame's text; ``None`` when absent or not valid UTF-8."""


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def parse_caller(authorizer: Mapping[str, Any]) -> Caller:
    """Authenticated only when ``isAuthenticated == "true"`` and ``userId`` is non-empty."""
    user_id = _text(authorizer.get("userId"))
    if authorizer.get("isAuthenticated") != "true" or not user_id:
        return Caller()
    return Caller(user_id=user_id, email=_text(authorizer.get("email")) or None)


def _is_utf8_text(text: str) -> bool:
    """False for a str holding lone surrogates: no UTF-8 frame carries one, and
    relaying it (encoding it back to bytes) would fail."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _body(event: Mapping[str, Any]) -> str | None:
    body = event.get("body")
    if not isinstance(body, str):
        return None
    if not event.get("isBase64Encoded"):
        return body if _is_utf8_text(body) else None
    try:
        return base64.b64decode(body, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def parse_event(event: Any) -> WebSocketEvent:
    """Never raises: missing parts become empty strings / ``None``."""
    event = _mapping(event)
    context = _mapping(event.get("requestContext"))
    identity = _mapping(context.get("identity"))
    return WebSocketEvent(
        connection_id=_text(context.get("connectionId")),
        route_key=_text(context.get("routeKey")),
        stage=_text(context.get("stage")),
        api_id=_text(context.get("apiId")),
        domain_name=_text(context.get("domainName")),
        source_ip=_text(identity.get("sourceIp")) or None,
        caller=parse_caller(_mapping(context.get("authorizer"))),
        body=_body(event),
    )
