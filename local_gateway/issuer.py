"""A small OIDC-style token issuer on loopback, so the authenticated flow can be
tried on one machine (`make local AUTH=1`).

It publishes `{issuer}/.well-known/jwks.json` (and a minimal
`/.well-known/openid-configuration`) and mints Cognito-shaped RS256 id and
access tokens: `GET {issuer}/token?user=alice` answers with a bare token, so
`TOKEN=$(curl -s '{issuer}/token?user=alice')` works. Optional query
parameters: `email`, `use` (`id` | `access`), `ttl` (seconds).

Anyone who can reach it can mint tokens: it is meant for loopback only.

    issuer = LocalIssuer(client_id="local-client")
    issuer.start()
    token = issuer.mint("alice")
    ...
    issuer.stop()
"""

from __future__ import annotations

import ipaddress
import json
import re
import secrets
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

USER_NAME = re.compile(r"^[A-Za-z0-9._@+-]{1,64}$")
MAX_TTL_S = 24 * 3600
TOKEN_USES = ("id", "access")
_SUB_NAMESPACE = uuid.UUID("6f1c2a0e-4b7d-4c47-9a52-2f1f5d6c7e01")


class IssuerRequestError(ValueError):
    """A /token request that cannot be honoured; the message is shown to the caller."""


def subject_for(user: str) -> str:
    """A stable `sub` per user name, so sessions survive an issuer restart."""
    return str(uuid.uuid5(_SUB_NAMESPACE, user))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class LocalIssuer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, client_id: str = "local-client"):
        self.host = host
        self.client_id = client_id
        self._requested_port = port
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._kid = secrets.token_hex(8)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def issuer_url(self) -> str:
        if self._server is None:
            raise RuntimeError("LocalIssuer.start() has not been called")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._server.server_address[1]}"

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer_url}/.well-known/jwks.json"

    def jwks(self) -> dict[str, Any]:
        entry = RSAAlgorithm.to_jwk(self._key.public_key(), as_dict=True)
        return {"keys": [{**entry, "kid": self._kid, "alg": "RS256", "use": "sig"}]}

    def mint(
        self, user: str, email: str | None = None, token_use: str = "id", ttl_s: int = 3600
    ) -> str:
        """A signed token for `user` shaped like Cognito's id or access token."""
        if not USER_NAME.match(user):
            raise IssuerRequestError("user must be 1-64 characters of letters, digits, ._@+-")
        if token_use not in TOKEN_USES:
            raise IssuerRequestError("token use must be 'id' or 'access'")
        if not 1 <= ttl_s <= MAX_TTL_S:
            raise IssuerRequestError(f"ttl must be between 1 and {MAX_TTL_S} seconds")
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": subject_for(user),
            "iss": self.issuer_url,
            "token_use": token_use,
            "auth_time": now,
            "iat": now,
            "exp": now + ttl_s,
            "jti": str(uuid.uuid4()),
            "origin_jti": str(uuid.uuid4()),
            "event_id": str(uuid.uuid4()),
        }
        if token_use == "id":
            claims.update(
                aud=self.client_id,
                email=email or f"{user}@example.test",
                email_verified=True,
                **{"cognito:username": user},
            )
        else:
            claims.update(client_id=self.client_id, scope="openid email profile", username=user)
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self._kid})

    def start(self) -> None:
        if self._server is not None:
            return
        self._server = ThreadingHTTPServer((self.host, self._requested_port), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="local-issuer",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._server = None
        self._thread = None

    def howto(self, ws_url: str | None = None) -> str:
        """What to print so a person can get a token and connect with it."""
        target = ws_url or "<the 'Listening on' URL>"
        lines = [
            f"Local issuer on {self.issuer_url} (client id {self.client_id!r})",
            f"  JWKS:   {self.jwks_url}",
            f"  Token:  TOKEN=$(curl -s '{self.issuer_url}/token?user=alice')",
            "          (options: &email=alice@example.com &use=access &ttl=600)",
            f"  Connect: {target}?token=$TOKEN",
        ]
        if not _is_loopback(self.host):
            lines.append(
                "  WARNING: the issuer is reachable beyond loopback; anyone can mint tokens."
            )
        return "\n".join(lines)

    def __enter__(self) -> LocalIssuer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def token_request(issuer: LocalIssuer, query: str) -> str:
    """The token for a `/token` query string, or IssuerRequestError."""
    params = {k: v[-1] for k, v in parse_qs(query).items()}
    if "user" not in params:
        raise IssuerRequestError("add ?user=NAME")
    try:
        ttl_s = int(params.get("ttl", "3600"))
    except ValueError as exc:
        raise IssuerRequestError("ttl must be a number of seconds") from exc
    return issuer.mint(
        params["user"], email=params.get("email"), token_use=params.get("use", "id"), ttl_s=ttl_s
    )


def _handler_for(issuer: LocalIssuer) -> type[BaseHTTPRequestHandler]:
    class IssuerHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            url = urlsplit(self.path)
            if url.path == "/.well-known/jwks.json":
                self._send(200, "application/json", json.dumps(issuer.jwks()))
            elif url.path == "/.well-known/openid-configuration":
                self._send(200, "application/json", json.dumps(_discovery(issuer)))
            elif url.path == "/token":
                try:
                    self._send(200, "text/plain", token_request(issuer, url.query) + "\n")
                except IssuerRequestError as exc:
                    self._send(400, "text/plain", f"error: {exc}\n")
            else:
                self._send(404, "text/plain", "not found: try /token?user=alice\n")

        def _send(self, status: int, content_type: str, text: str) -> None:
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # tokens appear in responses, never in the gateway's output

    return IssuerHandler


def _discovery(issuer: LocalIssuer) -> dict[str, Any]:
    return {
        "issuer": issuer.issuer_url,
        "jwks_uri": issuer.jwks_url,
        "id_token_signing_alg_values_supported": ["RS256"],
        "subject_types_supported": ["public"],
        "response_types_supported": ["token"],
    }
