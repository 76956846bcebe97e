"""Loopback HTTP stand-ins for what a function talks to besides DynamoDB: a
Management API (``@connections``) that records every call and answers like API
Gateway for the sockets it was told are open, and an identity provider (a JWKS
and Cognito's ``/oauth2/token``). ``make invoke``, the sandbox and the relay
tests use them."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from local_gateway.loopback import LoopbackHttp, Reply
from local_gateway.management import (
    MAX_POST_BYTES,
    HttpReply,
    connection_id_from_path,
    error_reply,
    gone,
    wire_reply,
)


def _json_reply(status: int, document: Any) -> Reply:
    return status, {"Content-Type": "application/json"}, json.dumps(document).encode()


@dataclass(frozen=True)
class ManagementCall:
    """One call a function made to the Management API, and API Gateway's answer."""

    method: str
    connection_id: str
    status: int
    body: bytes = b""
    path: str = ""

    @property
    def data(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def frame(self) -> Any:
        """The posted frame parsed as JSON (``None`` if it is not JSON)."""
        try:
            return json.loads(self.data)
        except ValueError:
            return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "connectionId": self.connection_id,
            "status": self.status,
            "data": self.data,
        }


class RecordingManagementApi:
    """``@connections`` for sockets that exist only by name: a post to an open
    one is delivered (200), to any other gone (410), as API Gateway answers.
    A DELETE closes the socket. Every call is recorded, in order. For tests, a
    socket can also vanish (``mark_gone``), fail (``mark_failing``) or require
    concurrent posts (``hold_together``)."""

    def __init__(self, stage: str, open_ids: Iterable[str] = ()) -> None:
        self.stage = stage
        self._lock = threading.Lock()
        self._open = set(open_ids)
        self._failing: set[str] = set()
        self._together: tuple[set[str], threading.Barrier] | None = None
        self._calls: list[ManagementCall] = []
        self._delivered: dict[str, list[bytes]] = defaultdict(list)
        self._http = LoopbackHttp(self._respond, name="recording-management-api")

    @property
    def url(self) -> str:
        return self._http.url

    @property
    def endpoint(self) -> str:
        """What ``AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI`` should be."""
        return f"{self.url}/{self.stage}"

    def start(self) -> RecordingManagementApi:
        self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()

    # ---- what is open ------------------------------------------------------

    def reset(self, open_ids: Iterable[str] = ()) -> None:
        """From now on exactly these sockets are open, none fails; the record starts empty."""
        with self._lock:
            self._open = set(open_ids)
            self._failing.clear()
            self._together = None
            self._calls.clear()
            self._delivered.clear()

    def open_socket(self, connection_id: str) -> None:
        with self._lock:
            self._open.add(connection_id)

    def mark_gone(self, connection_id: str) -> None:
        """The socket vanished without a ``$disconnect``: calls for it get 410."""
        with self._lock:
            self._open.discard(connection_id)

    def mark_failing(self, connection_id: str) -> None:
        """Every request for this id answers 500 (after boto3's retries: a failure)."""
        with self._lock:
            self._failing.add(connection_id)

    def hold_together(self, connection_ids: set[str], timeout: float = 5.0) -> None:
        """Posts to these ids wait for one another: they all succeed only if they
        arrive concurrently (a sequential sender breaks the barrier and gets 500s)."""
        with self._lock:
            self._together = (
                set(connection_ids),
                threading.Barrier(len(connection_ids), timeout=timeout),
            )

    # ---- the record --------------------------------------------------------

    @property
    def calls(self) -> list[ManagementCall]:
        with self._lock:
            return list(self._calls)

    @property
    def paths(self) -> list[str]:
        """The request path of every recorded call, as sent (stage prefix, %-escapes)."""
        return [call.path for call in self.calls]

    def raw_posts(self, connection_id: str) -> list[bytes]:
        """The bodies delivered to this socket, in order."""
        with self._lock:
            return list(self._delivered.get(connection_id, []))

    def frames(self, connection_id: str) -> list[dict[str, Any]]:
        return [json.loads(body) for body in self.raw_posts(connection_id)]

    def was_closed(self, connection_id: str) -> bool:
        return any(
            call.method == "DELETE" and call.connection_id == connection_id and call.status == 204
            for call in self.calls
        )

    # ---- the wire ----------------------------------------------------------

    def _respond(self, method: str, path: str, body: bytes) -> Reply:
        connection_id = connection_id_from_path(path, self.stage)
        if connection_id is None:
            return wire_reply(error_reply(404, "NotFoundException", f"no such resource {path}"))
        concurrent = method != "POST" or self._arrived_together(connection_id)
        with self._lock:
            reply = self._answer(method, connection_id, body, concurrent)
            if reply.status == 204:
                self._open.discard(connection_id)
            if method == "POST" and reply.status == 200:
                self._delivered[connection_id].append(body)
            self._calls.append(ManagementCall(method, connection_id, reply.status, body, path))
        return wire_reply(reply)

    def _arrived_together(self, connection_id: str) -> bool:
        together = self._together
        if together is None or connection_id not in together[0]:
            return True
        try:
            together[1].wait()
        except threading.BrokenBarrierError:
            return False
        return True

    def _answer(self, method: str, connection_id: str, body: bytes, concurrent: bool) -> HttpReply:
        if not concurrent:
            return error_reply(500, "InternalServerErrorException", "posts were not concurrent")
        if connection_id in self._failing:
            return error_reply(500, "InternalServerErrorException", "Internal server error")
        if connection_id not in self._open:
            return gone(connection_id)
        if method == "POST":
            if len(body) > MAX_POST_BYTES:
                return error_reply(413, "PayloadTooLargeException", "Message too long (max 128 KB)")
            return HttpReply(200)
        if method == "GET":
            now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            document = {"connectedAt": now, "identity": {"sourceIp": "127.0.0.1"}}
            return HttpReply(200, json.dumps({**document, "lastActiveAt": now}).encode())
        if method == "DELETE":
            return HttpReply(204)
        return error_reply(405, "MethodNotAllowed", f"{method} is not supported on @connections")


class IdentityProviderStandIn:
    """A key pair published as a JWKS (key id ``kid``), and Cognito's token
    endpoint: ``POST /oauth2/token`` exchanges exactly the codes it was told
    about for tokens signed with that key (anything else: ``invalid_grant``)."""

    def __init__(self, kid: str, client_id: str) -> None:
        self.kid = kid
        self.client_id = client_id
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._codes: set[str] = set()
        self.token_requests: list[dict[str, str]] = []
        self._http = LoopbackHttp(self._respond, name="identity-provider")

    @property
    def issuer(self) -> str:
        return self._http.url

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/.well-known/jwks.json"

    def start(self) -> None:
        self._http.start()

    def stop(self) -> None:
        self._http.stop()

    def accept_code(self, code: str) -> None:
        self._codes.add(code)

    def jwks(self) -> dict[str, Any]:
        entry = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        return {"keys": [{**entry, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def mint(self, sub: str, email: str, token_use: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": sub,
            "iss": self.issuer,
            "token_use": token_use,
            "auth_time": now,
            "iat": now,
            "exp": now + 3600,
            "jti": str(uuid.uuid4()),
        }
        if token_use == "id":
            claims.update(aud=self.client_id, email=email, email_verified=True)
        else:
            claims.update(client_id=self.client_id, scope="openid email profile")
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})

    def _respond(self, method: str, path: str, body: bytes) -> Reply:
        if method == "GET" and path == "/.well-known/jwks.json":
            return _json_reply(200, self.jwks())
        if method == "POST" and path == "/oauth2/token":
            form = {key: values[-1] for key, values in parse_qs(body.decode()).items()}
            self.token_requests.append(form)
            if (
                form.get("grant_type") != "authorization_code"
                or form.get("client_id") != self.client_id
                or form.get("code") not in self._codes
            ):
                return _json_reply(400, {"error": "invalid_grant"})
            self._codes.discard(form["code"])
            sub = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.issuer}/alice"))
            return _json_reply(
                200,
                {
                    "id_token": self.mint(sub, "alice@example.com", "id"),
                    "access_token": self.mint(sub, "alice@example.com", "access"),
                    "refresh_token": "local-refresh-token",
                    "expires_in": 3600,
                    "token_type": "Bearer",
                },
            )
        return _json_reply(404, {"error": "not_found"})
