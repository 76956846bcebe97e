"""Test doubles that are real things: RSA keys, signed tokens, and loopback
HTTP servers for the JWKS and for Cognito's token endpoint."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey

    @classmethod
    def generate(cls, kid: str) -> SigningKey:
        return cls(kid, rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def jwk(self) -> dict[str, Any]:
        entry = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**entry, "kid": self.kid, "alg": "RS256", "use": "sig"}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@dataclass
class TokenFactory:
    """Mints Cognito-shaped tokens; every claim can be overridden or removed
    (pass None to drop it)."""

    issuer: str
    client_id: str
    key: SigningKey
    sub: str = field(default_factory=lambda: str(uuid.uuid4()))
    email: str = "alice@example.com"

    def claims(self, token_use: str = "id", **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": self.sub,
            "iss": self.issuer,
            "token_use": token_use,
            "auth_time": now,
            "iat": now,
            "exp": now + 3600,
            "jti": str(uuid.uuid4()),
        }
        if token_use == "id":
            claims.update(aud=self.client_id, email=self.email, email_verified=True)
        else:
            claims.update(client_id=self.client_id, scope="openid email", username="alice")
        claims.update(overrides)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, token_use: str = "id", key: SigningKey | None = None, **overrides: Any) -> str:
        key = key or self.key
        return jwt.encode(
            self.claims(token_use, **overrides),
            key.private,
            algorithm="RS256",
            headers={"kid": key.kid},
        )

    def unsigned(self, **overrides: Any) -> str:
        header = {"alg": "none", "typ": "JWT", "kid": self.key.kid}
        payload = self.claims(**overrides)
        return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}."

    def hs256_with_public_key(self) -> str:
        """The classic key-confusion forgery: HMAC keyed with the public key."""
        header = {"alg": "HS256", "typ": "JWT", "kid": self.key.kid}
        signing_input = (
            f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(self.claims()).encode())}"
        )
        mac = hmac.new(self.key.public_pem(), signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{b64url(mac)}"


def tamper_payload(token: str, **changes: Any) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    return f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"


def flip_signature_bit(token: str, bit: int = 0) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[len(raw) // 2] ^= 1 << bit
    return f"{header}.{payload}.{b64url(bytes(raw))}"


class LoopbackServer:
    """A ThreadingHTTPServer on 127.0.0.1:0 whose requests go to `respond`."""

    def __init__(self, respond: Callable[[BaseHTTPRequestHandler, bytes], None]) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.requests.append((self.command, self.path, b""))
                respond(self, b"")

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.requests.append((self.command, self.path, body))
                respond(self, body)

            def log_message(self, *args: Any) -> None:
                pass

        self.requests: list[tuple[str, str, bytes]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # A short poll interval so shutdown() (once per test) returns quickly.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def send_json(handler: BaseHTTPRequestHandler, status: int, document: Any) -> None:
    body = json.dumps(document).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    # A client that gave up (the timeout tests) leaves nothing to deliver to.
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        handler.wfile.write(body)


class JwksServer:
    """Publishes `{url}/pool/.well-known/jwks.json`; keys, delay and failure
    can be changed while it runs."""

    def __init__(self, keys: list[SigningKey]) -> None:
        self.keys = list(keys)
        self.delay_s = 0.0
        self.status = 200
        self._http = LoopbackServer(self._respond)

    @property
    def issuer(self) -> str:
        return f"{self._http.url}/pool"

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/.well-known/jwks.json"

    @property
    def fetch_count(self) -> int:
        return sum(1 for _, path, _ in self._http.requests if path.endswith("jwks.json"))

    def _respond(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        if self.delay_s:
            time.sleep(self.delay_s)
        if not handler.path.endswith("/.well-known/jwks.json"):
            send_json(handler, 404, {"message": "not found"})
            return
        send_json(handler, self.status, {"keys": [k.jwk() for k in self.keys]})

    def stop(self) -> None:
        self._http.stop()


class TokenEndpoint:
    """A stand-in for Cognito's `/oauth2/token`: answers with `reply` (status, document)."""

    def __init__(self) -> None:
        self.reply: tuple[int, Any] = (400, {"error": "invalid_grant"})
        self._http = LoopbackServer(self._respond)

    @property
    def url(self) -> str:
        return self._http.url

    @property
    def token_requests(self) -> list[dict[str, list[str]]]:
        return [
            parse_qs(body.decode())
            for method, path, body in self._http.requests
            if method == "POST" and path == "/oauth2/token"
        ]

    def _respond(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        if handler.path != "/oauth2/token":
            send_json(handler, 404, {"error": "not_found"})
            return
        status, document = self.reply
        send_json(handler, status, document)

    def stop(self) -> None:
        self._http.stop()


def closed_port_url() -> str:
    """A loopback URL nobody listens on (bound then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/pool/.well-known/jwks.json"
