"""The ``events/`` fixtures: one event per route and trigger, built with the same
functions the local gateway uses (``local_gateway.events``, ``edge_events``), with
fixed ids, times and keys so regenerating them gives the same bytes.

Each fixture also says which function it is for and what must already be true
for it to make sense (``given``: earlier invocations, e.g. the CLI's
``session:create`` before a web's ``session:join``), and which sockets are open
while it runs (``live``). ``local_gateway.invoke`` plays ``given`` through the
real handlers before the event itself, so the seed data is the handlers' own."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nacl.public import Box, PrivateKey

from local_gateway import edge_events
from local_gateway.events import (
    ApiContext,
    ConnectionInfo,
    authorizer_event,
    connect_event,
    disconnect_event,
    message_event,
)
from local_gateway.template import FunctionSpec

API_TEMPLATE = "api"
WEB_TEMPLATE = "web"
ENV_FILE = "env.json"
EDGE_CONFIG_FILE = "edge_config.json"
SUPPORT_FILES = (ENV_FILE, EDGE_CONFIG_FILE)

# 2026-11-25T09:30:00Z: every fixture happens on this morning.
EPOCH_MS = 1_795_599_000_000
REGION = "us-east-1"
API = ApiContext(
    api_id="a1b2c3d4e5",
    stage="prod",
    domain_name=f"a1b2c3d4e5.execute-api.{REGION}.amazonaws.com",
    region=REGION,
    account_id="123456789012",
)

# The identity provider the fixtures' token claims to come from (the template's
# local names for the user pool and its app client).
USER_POOL_ID = f"{REGION}_LocalUserPool"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{USER_POOL_ID}"
CLIENT_ID = "localuserpoolclient"
HOSTED_UI = f"https://always-coder-local.auth.{REGION}.amazoncognito.com"
TOKEN_KID = "fixture-key-1"
ALICE_SUB = "8f1c2a0e-4b7d-4c47-9a52-2f1f5d6c7e01"
ALICE_EMAIL = "alice@example.com"

# Connection ids have API Gateway's shape: 15 characters and "=".
CLI = "cliConnect00001="
CLI_AGAIN = "cliConnect00002="
WEB = "webConnect00001="
ALICE_CLI = "aliceCli0000001="
ALICE_WEB = "aliceWeb0000001="
SESSION_ID = "K7Q2ZP"
ALICE_SESSION_ID = "ALCE42"
CLI_IP = "198.51.100.10"
WEB_IP = "203.0.113.25"
CLI_AGENT = "always-coder-cli/1.4.0 node/22.11.0"
WEB_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) Safari/604.1"

# Local stand-ins the environment file points SAM's containers at.
DOCKER_HOST = "host.docker.internal"
DOCKER_DYNAMODB = f"http://{DOCKER_HOST}:8000"
DOCKER_MANAGEMENT_API = f"http://{DOCKER_HOST}:8001/{API.stage}"
DOCKER_JWKS = f"http://{DOCKER_HOST}:8002/.well-known/jwks.json"


def _digest(label: str, size: int = 32) -> bytes:
    """Fixed bytes for ``label``: fixtures need stable values, never secrets."""
    out = b""
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(f"always-coder fixture {label} {counter}".encode()).digest()
        counter += 1
    return out[:size]


def fixed_id(label: str) -> str:
    """An API Gateway-shaped id (15 base64 characters and ``=``) for ``label``."""
    return base64.b64encode(_digest(label, 11)).decode("ascii")


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _compact(document: Any) -> str:
    """JSON as browsers and Node send it (``JSON.stringify``: no spaces)."""
    return json.dumps(document, separators=(",", ":"))


def fixture_private_key(role: str) -> PrivateKey:
    return PrivateKey(_digest(f"{role} key"))


def public_key_b64(role: str) -> str:
    return base64.b64encode(bytes(fixture_private_key(role).public_key)).decode("ascii")


def envelope_frame(session_id: str, seq: int, text: str) -> str:
    """A CLI→web envelope with real XSalsa20-Poly1305 ciphertext (fixed nonce)."""
    box = Box(fixture_private_key("cli"), fixture_private_key("web").public_key)
    nonce = _digest(f"nonce {session_id} {seq}", Box.NONCE_SIZE)
    plaintext = _compact({"type": "terminal:output", "payload": text, "seq": seq}).encode()
    sealed = box.encrypt(plaintext, nonce)
    return _compact(
        {
            "version": 1,
            "sessionId": session_id,
            "nonce": base64.b64encode(nonce).decode("ascii"),
            "ciphertext": base64.b64encode(sealed.ciphertext).decode("ascii"),
            "timestamp": EPOCH_MS + 5_000 + seq,
        }
    )


def example_token() -> str:
    """A Cognito-shaped id token for Alice signed by no key anyone holds: the
    authorizer must refuse it (bad signature). ``$connect`` events carry it as the
    query parameter an authorizer already accepted."""
    now_s = EPOCH_MS // 1000
    header = {"alg": "RS256", "kid": TOKEN_KID, "typ": "JWT"}
    claims = {
        "sub": ALICE_SUB,
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "token_use": "id",
        "email": ALICE_EMAIL,
        "email_verified": True,
        "auth_time": now_s,
        "iat": now_s,
        "exp": now_s + 3600,
        "jti": "0b6c5f3e-6d1a-4f7b-9c1e-3a2b1c0d9e8f",
    }
    signing_input = f"{_b64url(_compact(header).encode())}.{_b64url(_compact(claims).encode())}"
    return f"{signing_input}.{_b64url(_digest('forged signature', 256))}"


def _headers(connection_id: str, source_ip: str, user_agent: str) -> list[tuple[str, str]]:
    return [
        ("Host", API.domain_name),
        ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"),
        ("Sec-WebSocket-Key", base64.b64encode(_digest(f"ws key {connection_id}", 16)).decode()),
        ("Sec-WebSocket-Version", "13"),
        ("User-Agent", user_agent),
        (
            "X-Amzn-Trace-Id",
            f"Root=1-{EPOCH_MS // 1000:08x}-{_digest(f'trace {connection_id}', 12).hex()}",
        ),
        ("X-Forwarded-For", source_ip),
        ("X-Forwarded-Port", "443"),
        ("X-Forwarded-Proto", "https"),
    ]


def _authenticated(user_id: str, email: str) -> dict[str, Any]:
    """``requestContext.authorizer`` after an Allow: the authorizer's context
    plus what API Gateway adds."""
    return {
        "userId": user_id,
        "email": email,
        "isAuthenticated": "true",
        "principalId": user_id,
        "integrationLatency": 212,
    }


ANONYMOUS_CONTEXT: dict[str, Any] = {
    "isAuthenticated": "false",
    "principalId": "anonymous",
    "integrationLatency": 3,
}


@dataclass(frozen=True)
class Peer:
    """One socket of the fixtures' world."""

    connection_id: str
    source_ip: str
    user_agent: str
    authorizer: Mapping[str, Any]
    query: Sequence[tuple[str, str]] = ()
    connected_offset_ms: int = 0

    def info(self, with_authorizer: bool = True) -> ConnectionInfo:
        return ConnectionInfo(
            connection_id=self.connection_id,
            connected_at=EPOCH_MS + self.connected_offset_ms,
            source_ip=self.source_ip,
            headers=_headers(self.connection_id, self.source_ip, self.user_agent),
            query=self.query,
            user_agent=self.user_agent,
            authorizer=self.authorizer if with_authorizer else None,
        )


PEERS = {
    CLI: Peer(CLI, CLI_IP, CLI_AGENT, ANONYMOUS_CONTEXT),
    CLI_AGAIN: Peer(CLI_AGAIN, CLI_IP, CLI_AGENT, ANONYMOUS_CONTEXT, connected_offset_ms=60_000),
    WEB: Peer(WEB, WEB_IP, WEB_AGENT, ANONYMOUS_CONTEXT, connected_offset_ms=2_000),
    ALICE_CLI: Peer(
        ALICE_CLI,
        CLI_IP,
        CLI_AGENT,
        _authenticated(ALICE_SUB, ALICE_EMAIL),
        query=(("token", example_token()),),
    ),
    ALICE_WEB: Peer(
        ALICE_WEB,
        WEB_IP,
        WEB_AGENT,
        _authenticated(ALICE_SUB, ALICE_EMAIL),
        query=(("token", example_token()),),
        connected_offset_ms=2_000,
    ),
}


@dataclass(frozen=True)
class Step:
    """One invocation: a function and its event."""

    function: str
    event: dict[str, Any]

    @property
    def connection_id(self) -> str | None:
        context = self.event.get("requestContext") or {}
        return context.get("connectionId")


@dataclass(frozen=True)
class Fixture:
    name: str
    template: str
    function: str
    event: dict[str, Any]
    summary: str
    given: tuple[Step, ...] = ()
    live: frozenset[str] = field(default_factory=frozenset)

    @property
    def file_name(self) -> str:
        return f"{self.name}.json"


def connect_step(connection_id: str, at_ms: int) -> Step:
    peer = PEERS[connection_id]
    event = connect_event(API, peer.info(), fixed_id(f"request connect {connection_id}"), at_ms)
    return Step("ConnectFunction", event)


def message_step(connection_id: str, body: str, at_ms: int, label: str) -> Step:
    peer = PEERS[connection_id]
    event = message_event(
        API,
        peer.info(),
        "$default",
        body,
        fixed_id(f"request {label}"),
        at_ms,
        fixed_id(f"message {label}"),
    )
    return Step("MessageFunction", event)


def session_create_body(session_id: str = SESSION_ID) -> str:
    return _compact(
        {"type": "session:create", "sessionId": session_id, "publicKey": public_key_b64("cli")}
    )


def session_join_body(session_id: str = SESSION_ID) -> str:
    return _compact(
        {"type": "session:join", "sessionId": session_id, "publicKey": public_key_b64("web")}
    )


def _cli_created() -> tuple[Step, ...]:
    return (
        connect_step(CLI, EPOCH_MS),
        message_step(CLI, session_create_body(), EPOCH_MS + 150, "given create"),
    )


def _web_joined() -> tuple[Step, ...]:
    return (
        *_cli_created(),
        connect_step(WEB, EPOCH_MS + 2_000),
        message_step(WEB, session_join_body(), EPOCH_MS + 2_150, "given join"),
    )


def _alice_created() -> tuple[Step, ...]:
    create = session_create_body(ALICE_SESSION_ID)
    return (
        connect_step(ALICE_CLI, EPOCH_MS),
        message_step(ALICE_CLI, create, EPOCH_MS + 150, "given alice create"),
        connect_step(ALICE_WEB, EPOCH_MS + 2_000),
    )


def _message_fixture(
    name: str,
    sender: str,
    body: str,
    summary: str,
    given: tuple[Step, ...],
    live: Iterable[str],
) -> Fixture:
    step = message_step(sender, body, EPOCH_MS + 10_000, name)
    return Fixture(
        name, API_TEMPLATE, "MessageFunction", step.event, summary, given, frozenset(live)
    )


def api_fixtures() -> list[Fixture]:
    at = EPOCH_MS + 10_000
    forged_peer = PEERS[ALICE_CLI]
    fixtures = [
        Fixture(
            "connect_anonymous",
            API_TEMPLATE,
            "ConnectFunction",
            connect_step(CLI, at).event,
            "$connect of an anonymous CLI (the authorizer allowed it without a token)",
        ),
        Fixture(
            "connect_with_token",
            API_TEMPLATE,
            "ConnectFunction",
            connect_step(ALICE_CLI, at).event,
            "$connect of Alice's CLI with ?token= (authorizer context: her user id)",
        ),
        Fixture(
            "disconnect",
            API_TEMPLATE,
            "DisconnectFunction",
            disconnect_event(
                API, PEERS[WEB].info(), 1001, "Going away", fixed_id("request disconnect"), at
            ),
            "$disconnect of the web in session K7Q2ZP: the CLI hears web:disconnected",
            _web_joined(),
            frozenset({CLI}),
        ),
        Fixture(
            "authorizer_anonymous",
            API_TEMPLATE,
            "AuthorizerFunction",
            authorizer_event(API, PEERS[WEB].info(False), fixed_id("request authz anon"), at),
            "REQUEST authorizer, no token: Allow as anonymous (AllowAnonymous=true)",
        ),
        Fixture(
            "authorizer_forged_token",
            API_TEMPLATE,
            "AuthorizerFunction",
            authorizer_event(API, forged_peer.info(False), fixed_id("request authz forged"), at),
            "REQUEST authorizer, a well-formed token with a bad signature: Deny",
        ),
    ]
    fixtures += [
        _message_fixture(
            "default_session_create",
            CLI,
            session_create_body(),
            "session:create from a connected CLI: session:created",
            (connect_step(CLI, EPOCH_MS),),
            {CLI},
        ),
        _message_fixture(
            "default_session_reconnect",
            CLI_AGAIN,
            _compact(
                {
                    "type": "session:reconnect",
                    "sessionId": SESSION_ID,
                    "publicKey": public_key_b64("cli"),
                }
            ),
            "session:reconnect on a new socket: session:reconnected, the web hears"
            " cli:reconnected, the old socket is closed",
            (*_web_joined(), connect_step(CLI_AGAIN, EPOCH_MS + 60_000)),
            {CLI_AGAIN, WEB},
        ),
        _message_fixture(
            "default_session_join",
            WEB,
            session_join_body(),
            "session:join of a web: web:connected to the CLI, then session:joined",
            (*_cli_created(), connect_step(WEB, EPOCH_MS + 2_000)),
            {CLI, WEB},
        ),
        _message_fixture(
            "default_envelope",
            CLI,
            envelope_frame(SESSION_ID, 1, "$ npm test\r\n"),
            "an encrypted envelope CLI→web: forwarded to the web as received",
            _web_joined(),
            {CLI, WEB},
        ),
        _message_fixture(
            "default_ping",
            WEB,
            _compact({"type": "ping", "timestamp": EPOCH_MS + 9_990}),
            "ping: pong",
            (connect_step(WEB, EPOCH_MS + 2_000),),
            {WEB},
        ),
        _message_fixture(
            "default_state_request",
            WEB,
            _compact({"type": "state:request", "sessionId": SESSION_ID, "sinceSeq": 0}),
            "state:request of a web: the envelope cached while no web was there",
            (
                *_cli_created(),
                message_step(
                    CLI,
                    envelope_frame(SESSION_ID, 1, "built\r\n"),
                    EPOCH_MS + 900,
                    "given cached envelope",
                ),
                connect_step(WEB, EPOCH_MS + 2_000),
                message_step(WEB, session_join_body(), EPOCH_MS + 2_150, "given join"),
            ),
            {CLI, WEB},
        ),
        _message_fixture(
            "default_session_update",
            CLI,
            _compact(
                {
                    "type": "session:update",
                    "instanceId": "i-7f3e2a",
                    "instanceLabel": "laptop",
                    "hostname": "dev-laptop.local",
                    "command": "claude",
                    "commandArgs": ["--continue"],
                    "webUrl": "https://d111111abcdef8.cloudfront.net/join?session=K7Q2ZP",
                }
            ),
            "session:update from the CLI: details stored, no reply",
            _cli_created(),
            {CLI},
        ),
        _message_fixture(
            "default_session_leave",
            WEB,
            _compact({"type": "session:leave"}),
            "session:leave of the web: the CLI hears web:disconnected, no reply",
            _web_joined(),
            {CLI, WEB},
        ),
        _message_fixture(
            "default_session_list_request",
            ALICE_WEB,
            _compact({"type": "session:list:request", "includeInactive": False}),
            "session:list:request of signed-in Alice: her session",
            _alice_created(),
            {ALICE_CLI, ALICE_WEB},
        ),
        _message_fixture(
            "default_session_info_request",
            ALICE_WEB,
            _compact({"type": "session:info:request", "sessionId": ALICE_SESSION_ID}),
            "session:info:request of signed-in Alice about her session",
            _alice_created(),
            {ALICE_CLI, ALICE_WEB},
        ),
        _message_fixture(
            "default_session_delete_request",
            ALICE_WEB,
            _compact({"type": "session:delete:request", "sessionId": ALICE_SESSION_ID}),
            "session:delete:request of the owner: success, its sockets closed",
            (
                *_alice_created(),
                message_step(
                    ALICE_WEB,
                    session_join_body(ALICE_SESSION_ID),
                    EPOCH_MS + 2_150,
                    "given alice join",
                ),
            ),
            {ALICE_CLI, ALICE_WEB},
        ),
        _message_fixture(
            "default_malformed",
            CLI,
            '{"type":"session:create","sessionId":',
            "a frame that is not JSON: error INVALID_MESSAGE",
            (connect_step(CLI, EPOCH_MS),),
            {CLI},
        ),
    ]
    return fixtures


LOGIN_NONCE = _b64url(_digest("login nonce"))
RETURN_PATH = f"/join?session={SESSION_ID}"
AUTH_CODE = "3c6f9a1e-2d4b-4e8a-9f7c-1b2a3c4d5e6f"


def callback_state() -> str:
    """``{nonce}.{base64url(return path)}``, as the viewer function's /login makes it."""
    return f"{LOGIN_NONCE}.{_b64url(RETURN_PATH.encode())}"


def web_fixtures() -> list[Fixture]:
    build = edge_events.viewer_request_event
    agent = {"user_agent": WEB_AGENT}
    session_query = urllib.parse.urlencode({"session": SESSION_ID})
    return [
        Fixture(
            "edge_protected_page",
            WEB_TEMPLATE,
            "ViewerRequestFunction",
            build("/join", session_query, **agent),
            "a protected page without a session cookie: 302 to /login?state=...",
        ),
        Fixture(
            "edge_login",
            WEB_TEMPLATE,
            "ViewerRequestFunction",
            build("/login", urllib.parse.urlencode({"state": RETURN_PATH}), **agent),
            "/login: 302 to the hosted UI's /oauth2/authorize with a nonce cookie",
        ),
        Fixture(
            "edge_static_asset",
            WEB_TEMPLATE,
            "ViewerRequestFunction",
            build("/assets/index-3f9a1c.js", **agent),
            "a static asset: passed through unchanged",
        ),
        Fixture(
            "edge_auth_callback",
            WEB_TEMPLATE,
            "AuthCallbackFunction",
            build(
                "/auth/callback",
                urllib.parse.urlencode({"code": AUTH_CODE, "state": callback_state()}),
                {"auth_nonce": LOGIN_NONCE},
                **agent,
            ),
            "/auth/callback?code=...&state=...: code exchanged, cookies set, 302 back",
        ),
        Fixture(
            "edge_auth_logout",
            WEB_TEMPLATE,
            "ViewerRequestFunction",
            build("/auth/logout", cookies={"id_token": example_token()}, **agent),
            "/auth/logout: session cookies cleared, 302 to /login",
        ),
    ]


def all_fixtures() -> list[Fixture]:
    return [*api_fixtures(), *web_fixtures()]


def fixture_named(file_name: str) -> Fixture | None:
    """The fixture an event file was generated as (by its file name)."""
    stem = Path(file_name).name.removesuffix(".json")
    return next((fixture for fixture in all_fixtures() if fixture.name == stem), None)


def render(document: Any) -> str:
    """The bytes of a fixture file: stable key order, two-space indent, final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def local_values(environment: Mapping[str, str]) -> dict[str, str]:
    """The authorizer's settings replaced by the fixtures' identity provider; the
    rest (table names, cache settings) as the template resolves them locally.
    The JWKS URL and the endpoint variables are filled in only where the
    template declares them: SAM ignores variables a function does not declare."""
    values = dict(environment)
    overrides = {
        "AUTH_ISSUER": ISSUER,
        "AUTH_AUDIENCE": CLIENT_ID,
        "COGNITO_USER_POOL_ID": USER_POOL_ID,
        "ALLOW_ANONYMOUS": "true",
        "AUTH_JWKS_URL": DOCKER_JWKS,
        "AWS_ENDPOINT_URL_DYNAMODB": DOCKER_DYNAMODB,
        "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI": DOCKER_MANAGEMENT_API,
    }
    values.update({key: value for key, value in overrides.items() if key in values})
    return values


def sam_env_vars(functions: Mapping[str, FunctionSpec]) -> dict[str, dict[str, str]]:
    """``sam local invoke --env-vars``: per function, the variables its template
    declares (SAM overrides only those), with local values."""
    return {
        logical_id: dict(sorted(local_values(spec.environment).items()))
        for logical_id, spec in sorted(functions.items())
        if spec.environment
    }


def sam_edge_config() -> dict[str, Any]:
    """An ``edge_config.json`` naming the fixtures' identity provider, for
    ``EDGE_CONFIG_FILE=$PWD/events/edge_config.json make build`` before
    ``sam local invoke`` of the edge functions (the checked-in defaults leave
    sign-in unset, so protected pages answer 503)."""
    return {
        "_comment": "For sam local invoke of the edge functions; see the README.",
        "issuer": ISSUER,
        "clientId": CLIENT_ID,
        "cognitoDomain": HOSTED_UI,
        "scopes": ["openid", "email", "profile"],
        "publicPaths": ["/favicon.ico", "/robots.txt"],
    }


def generated_files(functions: Mapping[str, FunctionSpec]) -> dict[str, str]:
    """File name → contents of everything in ``events/``."""
    files = {fixture.file_name: render(fixture.event) for fixture in all_fixtures()}
    files[ENV_FILE] = render(sam_env_vars(functions))
    files[EDGE_CONFIG_FILE] = render(sam_edge_config())
    return files


def write_events(directory: Path, functions: Mapping[str, FunctionSpec]) -> list[Path]:
    """Write every fixture into ``directory``, rewriting only files that change."""
    directory.mkdir(parents=True, exist_ok=True)
    files = generated_files(functions)
    written = []
    for name, text in sorted(files.items()):
        path = directory / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
