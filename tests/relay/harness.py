"""Drive the real handler functions in-process with API-Gateway-shaped events,
and read what they posted from the Management API stand-in."""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import connect
import disconnect
import message
from nacl.public import Box

from local_gateway.standins import RecordingManagementApi
from relay_client.crypto import KeyPair, open_envelope, seal

STAGE = "prod"
API_ID = "relayapi01"
DOMAIN = "relayapi01.execute-api.us-east-1.amazonaws.com"
DEFAULT_IP = "198.51.100.7"

_ids = itertools.count(1)


def new_connection_id() -> str:
    # Shaped like API Gateway's ids (base64-ish, often ending in "=").
    return f"C{next(_ids):04d}{uuid.uuid4().hex[:8]}="


def ws_event(
    route_key: str,
    connection_id: str,
    *,
    body: str | None = None,
    user_id: str | None = None,
    source_ip: str = DEFAULT_IP,
) -> dict[str, Any]:
    if user_id:
        authorizer = {
            "principalId": user_id,
            "userId": user_id,
            "email": f"{user_id}@example.test",
            "isAuthenticated": "true",
        }
    else:
        authorizer = {"principalId": "anonymous", "isAuthenticated": "false"}
    event_type = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route_key, "MESSAGE")
    event: dict[str, Any] = {
        "requestContext": {
            "routeKey": route_key,
            "eventType": event_type,
            "connectionId": connection_id,
            "stage": STAGE,
            "apiId": API_ID,
            "domainName": DOMAIN,
            "requestId": uuid.uuid4().hex,
            "connectedAt": 1_764_000_000_000,
            "identity": {"sourceIp": source_ip},
            "authorizer": authorizer,
        },
        "isBase64Encoded": False,
    }
    if body is not None:
        event["body"] = body
    return event


@dataclass
class Socket:
    """One client socket as the handlers see it."""

    api: RecordingManagementApi
    user_id: str | None = None
    source_ip: str = DEFAULT_IP
    connection_id: str = field(default_factory=new_connection_id)
    keys: KeyPair = field(default_factory=KeyPair)
    _seen: int = 0

    def open(self) -> Socket:
        response = connect.handler(self._event("$connect"), None)
        assert response == {"statusCode": 200}
        self.api.open_socket(self.connection_id)  # reachable once $connect accepted it
        return self

    def send(self, frame: dict[str, Any] | str) -> dict[str, Any]:
        body = frame if isinstance(frame, str) else json.dumps(frame)
        return message.handler(self._event("$default", body), None)

    def close(self) -> dict[str, Any]:
        return disconnect.handler(self._event("$disconnect"), None)

    def _event(self, route: str, body: str | None = None) -> dict[str, Any]:
        return ws_event(
            route, self.connection_id, body=body, user_id=self.user_id, source_ip=self.source_ip
        )

    @property
    def public_key(self) -> str:
        return self.keys.public_b64

    def received(self) -> list[dict[str, Any]]:
        return self.api.frames(self.connection_id)

    def new_frames(self) -> list[dict[str, Any]]:
        frames = self.received()
        fresh, self._seen = frames[self._seen :], len(frames)
        return fresh

    def types(self) -> list[str]:
        return [f.get("type", "envelope") for f in self.new_frames()]

    def last(self) -> dict[str, Any]:
        frames = self.received()
        assert frames, f"{self.connection_id} received nothing"
        return frames[-1]

    # ---- protocol helpers ---------------------------------------------------

    def create(self, session_id: str) -> dict[str, Any]:
        self.send({"type": "session:create", "sessionId": session_id, "publicKey": self.public_key})
        return self.last()

    def reconnect(self, session_id: str) -> dict[str, Any]:
        self.send(
            {"type": "session:reconnect", "sessionId": session_id, "publicKey": self.public_key}
        )
        return self.last()

    def join(self, session_id: str) -> dict[str, Any]:
        self.send({"type": "session:join", "sessionId": session_id, "publicKey": self.public_key})
        return self.last()

    def box_with(self, their_public_b64: str) -> Box:
        return self.keys.box_with(their_public_b64)

    def send_sealed(
        self, session_id: str, their_public_b64: str, msg_type: str, payload: Any, seq: int
    ) -> str:
        envelope = seal(self.box_with(their_public_b64), session_id, msg_type, payload, seq)
        raw = json.dumps(envelope)
        self.send(raw)
        return raw

    def open_sealed(self, their_public_b64: str, envelope: dict[str, Any]) -> dict[str, Any]:
        return open_envelope(self.box_with(their_public_b64), envelope)


def session_with_webs(
    open_socket: Callable[..., Socket], session_id: str, webs: int
) -> tuple[Socket, list[Socket]]:
    """A CLI that created ``session_id`` and ``webs`` joined webs, inboxes read."""
    cli = open_socket()
    cli.create(session_id)
    members = [open_socket() for _ in range(webs)]
    for web in members:
        web.join(session_id)
        web.new_frames()
    cli.new_frames()
    return cli, members
