"""Loopback HTTP stand-ins for what one function talks to besides DynamoDB, for
``make invoke``: a Management API (``@connections``) that records every call and
answers like API Gateway for a fixed set of open sockets, and an identity
provider (a JWKS and Cognito's ``/oauth2/token``)."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from local_gateway.management import MAX_POST_BYTES, connection_id_from_path

Reply = tuple[int, dict[str, str], bytes]


class _LoopbackHttp:
    """A threaded HTTP server on 127.0.0.1 whose requests go to ``respond``."""

    def __init__(self, respond: Callable[[str, str, bytes], Reply], port: int = 0) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, headers, payload = respond(self.command, self.path, body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = do_PUT = _serve

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def _json_reply(status: int, document: Any, extra: dict[str, str] | None = None) -> Reply:
    headers = {"Content-Type": "application/json", **(extra or {})}
    return status, headers, json.dumps(document).encode()


@dataclass(frozen=True)
class ManagementCall:
    """One call a function made to the Management API, and API Gateway's answer."""

    method: str
    connection_id: str
    status: int
    data: str = ""

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
    A DELETE closes the socket. Every call is recorded, in order."""

    def __init__(self, stage: str) -> None:
        self.stage = stage
        self._lock = threading.Lock()
        self._open: set[str] = set()
        self._calls: list[ManagementCall] = []
        self._http = _LoopbackHttp(self._respond)

    @property
    def endpoint(self) -> str:
        """What ``AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI`` should be."""
        return f"{self._http.url}/{self.stage}"

    def start(self) -> None:
        self._http.start()

    def stop(self) -> None:
        self._http.stop()

    def open_sockets(self, connection_ids: Iterable[str]) -> None:
        """From now on exactly these sockets are open; the record starts empty."""
        with self._lock:
            self._open = set(connection_ids)
            self._calls = []

    @property
    def calls(self) -> list[ManagementCall]:
        with self._lock:
            return list(self._calls)

    def _respond(self, method: str, path: str, body: bytes) -> Reply:
        connection_id = connection_id_from_path(path, self.stage)
        if connection_id is None:
            return _json_reply(404, {"message": f"no such resource {path}"})
        with self._lock:
            is_open = connection_id in self._open
            if method == "POST" and len(body) > MAX_POST_BYTES:
                status = 413
            elif method in ("POST", "GET", "DELETE"):
                status = {"POST": 200, "GET": 200, "DELETE": 204}[method] if is_open else 410
            else:
                status = 405
            if method == "DELETE" and is_open:
                self._open.discard(connection_id)
            self._calls.append(
                ManagementCall(method, connection_id, status, body.decode("utf-8", "replace"))
            )
        if status == 410:
            message = f"connection {connection_id} is gone"
            return _json_reply(410, {"message": message}, {"x-amzn-ErrorType": "GoneException"})
        if status >= 400:
            return _json_reply(status, {"message": f"{method} refused ({status})"})
        if method == "GET":
            return _json_reply(200, {"connectedAt": "2026-11-25T09:30:00Z", "identity": {}})
        return status, {"Content-Type": "application/json"}, b""


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
        self._http = _LoopbackHttp(self._respond)

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
