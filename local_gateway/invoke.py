"""Invoke one function by logical id with one event, without Docker (``make invoke``).

The function runs in the gateway's worker runner, like ``make local`` runs it:
API-stack functions in a ``Sandbox`` (an embedded DynamoDB with the template's
tables and a recording Management API); edge functions from a copy of their package
with an ``edge_config.json`` naming a local identity provider (what the build's
``EDGE_CONFIG_FILE`` does for a deployment). For a fixture of ``events/``, the
invocations it takes for granted (``Fixture.given``) run first through the same
handlers, so e.g. the join event finds its session with a CLI in it.

``InvokeSession`` keeps all of that up for several invocations (the tests);
``main`` is ``scripts/invoke.py``."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import shutil
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local_gateway import fixtures
from local_gateway.policy import AuthorizerOutputError, evaluate_authorizer_output
from local_gateway.runner import Endpoints, FunctionRunner, Invocation
from local_gateway.sandbox import Sandbox
from local_gateway.standins import IdentityProviderStandIn, ManagementCall
from local_gateway.template import FunctionSpec, TemplateError, read_functions

TEMPLATE_FILES = {fixtures.API_TEMPLATE: "api.yaml", fixtures.WEB_TEMPLATE: "web.yaml"}
EDGE_CONFIG_FILE = "edge_config.json"
EXIT_FAILED = 1
EXIT_USAGE = 2


class InvokeError(Exception):
    """The invocation cannot be run as asked; the message says why and what to do."""


class SeedingError(InvokeError):
    """An invocation the fixture takes for granted failed, so the event would not
    make sense (the handlers, not the request, are at fault)."""


@dataclass
class InvokeResult:
    """What one invocation did: the handler's return value (or error), its log
    lines, the Management API calls it made and its duration."""

    function: str
    handler: str
    template: str
    invocation: Invocation
    calls: list[ManagementCall] = field(default_factory=list)
    seeded: list[str] = field(default_factory=list)
    event: Any = None

    @property
    def ok(self) -> bool:
        return self.invocation.ok

    @property
    def result(self) -> Any:
        return self.invocation.result

    @property
    def logs(self) -> list[str]:
        return self.invocation.logs

    @property
    def posts(self) -> list[ManagementCall]:
        return [call for call in self.calls if call.method == "POST"]

    def authorizer_effect(self, method_arn: str) -> str | None:
        """``Allow``/``Deny`` when the result is an authorizer's answer."""
        try:
            decision = evaluate_authorizer_output(self.result, method_arn)
        except (AuthorizerOutputError, TypeError, KeyError):
            return None
        return "Allow" if decision.allowed else "Deny"

    def as_dict(self) -> dict[str, Any]:
        invocation = self.invocation
        return {
            "function": self.function,
            "handler": self.handler,
            "template": self.template,
            "outcome": invocation.outcome,
            "result": invocation.result,
            "error": invocation.error,
            "logs": invocation.logs,
            "calls": [call.as_dict() for call in self.calls],
            "durationMs": invocation.duration_ms,
            "coldStart": invocation.cold_start,
            "initMs": invocation.init_ms,
            "seeded": self.seeded,
        }


def locate_function(logical_id: str, template_dir: Path) -> tuple[str, FunctionSpec]:
    """Which template (``api`` or ``web``) defines ``logical_id``, and the function."""
    known: list[str] = []
    for kind, file_name in TEMPLATE_FILES.items():
        functions = read_functions(template_dir / file_name)
        if logical_id in functions:
            return kind, functions[logical_id]
        known += sorted(functions)
    raise InvokeError(f"unknown function {logical_id!r}; the templates define: {', '.join(known)}")


def read_event(path: Path) -> Any:
    if not path.is_file():
        raise InvokeError(f"event file {path} not found (the fixtures are in events/)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise InvokeError(f"event file {path} is not JSON: {error}") from error


def edge_config(issuer: str, client_id: str) -> dict[str, Any]:
    """The edge's baked settings pointing at the local identity provider (its
    token endpoint doubles as the hosted UI domain)."""
    return {
        "issuer": issuer,
        "clientId": client_id,
        "cognitoDomain": issuer,
        "scopes": ["openid", "email", "profile"],
        "jwksUrl": "",
        "redirectUri": "",
        "publicPaths": ["/favicon.ico", "/robots.txt"],
    }


def package_edge_code(code_dir: Path, target: Path, config: Mapping[str, Any]) -> Path:
    """What the edge build does: the modules plus the ``edge_config.json`` to bake."""
    target.mkdir(parents=True, exist_ok=True)
    for module in sorted(code_dir.glob("*.py")):
        shutil.copy2(module, target / module.name)
    (target / EDGE_CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return target


class InvokeSession:
    """The local stand-ins for everything a function talks to, kept up across
    invocations. DynamoDB's tables are emptied before each invocation."""

    def __init__(self, template_dir: Path = Path("build"), dynamodb_endpoint: str | None = None):
        self.template_dir = template_dir
        self._dynamodb_endpoint = dynamodb_endpoint
        self._sandbox: Sandbox | None = None
        self._loop = asyncio.new_event_loop()
        self._edge_runner: FunctionRunner | None = None
        self._workdir = Path(tempfile.mkdtemp(prefix="invoke-"))
        self.identity = IdentityProviderStandIn(fixtures.TOKEN_KID, fixtures.CLIENT_ID)
        self._started = False

    def __enter__(self) -> InvokeSession:
        self.identity.start()
        self._started = True
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._edge_runner is not None:
            self._loop.run_until_complete(self._edge_runner.close())
            self._edge_runner = None
        self._loop.close()
        if self._sandbox is not None:
            self._sandbox.close()
        if self._started:
            self.identity.stop()
        shutil.rmtree(self._workdir, ignore_errors=True)

    @property
    def dynamodb_endpoint(self) -> str:
        """The DynamoDB the API functions use (started with the first of them)."""
        return self._api_sandbox().dynamodb_endpoint

    def table_name(self, logical_id: str) -> str:
        """The local name of one of the API template's tables."""
        return self._api_sandbox().table_name(logical_id)

    # ---- one invocation ----------------------------------------------------

    def invoke(
        self, logical_id: str, event: Any, fixture: fixtures.Fixture | None = None
    ) -> InvokeResult:
        """Run ``event`` through ``logical_id``; a fixture's ``given`` runs first."""
        kind, spec = locate_function(logical_id, self.template_dir)
        if kind != fixtures.API_TEMPLATE:
            # The hosted UI stand-in has just issued the fixtures' authorization code.
            self.identity.accept_code(fixtures.AUTH_CODE)
            runner = self._web_runner()
            invocation = self._loop.run_until_complete(runner.invoke(logical_id, event))
            return InvokeResult(logical_id, spec.handler, kind, invocation, event=event)
        box = self._api_sandbox()
        box.empty_tables()
        given = fixture.given if fixture else ()
        box.open_sockets({step.connection_id for step in given if step.connection_id})
        seeded = [self._seed(box, number, step) for number, step in enumerate(given, 1)]
        box.open_sockets(fixture.live if fixture else _sender(event))
        invocation = box.invoke(logical_id, event)
        return InvokeResult(logical_id, spec.handler, kind, invocation, box.calls, seeded, event)

    def _seed(self, box: Sandbox, number: int, step: fixtures.Step) -> str:
        invocation = box.invoke(step.function, step.event)
        result = invocation.result if isinstance(invocation.result, dict) else {}
        label = f"{step.function} {_describe(step.event)}"
        if not invocation.ok or result.get("statusCode", 200) >= 400:
            detail = (invocation.error or {}).get("errorMessage") or json.dumps(result)
            tail = "\n".join(invocation.logs[-5:])
            raise SeedingError(f"seeding step {number} ({label}) failed: {detail}\n{tail}")
        return label

    # ---- the stand-ins, started on first use ------------------------------

    def _api_sandbox(self) -> Sandbox:
        if self._sandbox is None:
            overrides = {
                "AUTH_ISSUER": fixtures.ISSUER,
                "AUTH_AUDIENCE": fixtures.CLIENT_ID,
                "AUTH_JWKS_URL": self.identity.jwks_url,
            }
            template = self.template_dir / TEMPLATE_FILES[fixtures.API_TEMPLATE]
            self._sandbox = Sandbox(
                template, env_overrides=overrides, dynamodb_endpoint=self._dynamodb_endpoint
            ).start()
        return self._sandbox

    def _web_runner(self) -> FunctionRunner:
        if self._edge_runner is None:
            functions = read_functions(self.template_dir / TEMPLATE_FILES[fixtures.WEB_TEMPLATE])
            config = edge_config(self.identity.issuer, self.identity.client_id)
            packaged: dict[str, FunctionSpec] = {}
            for logical_id, spec in functions.items():
                code = package_edge_code(spec.code_dir, self._workdir / logical_id, config)
                packaged[logical_id] = dataclasses.replace(spec, code_dir=code)
            # Edge functions call no AWS API; the endpoints only fill the environment.
            endpoints = Endpoints(dynamodb="", management_api="", region="us-east-1")
            self._edge_runner = FunctionRunner(packaged, endpoints, 1)
        return self._edge_runner


def _sender(event: Any) -> set[str]:
    """Without a fixture only the sender's own socket is open."""
    context = event.get("requestContext") if isinstance(event, Mapping) else None
    connection_id = context.get("connectionId") if isinstance(context, Mapping) else None
    return {connection_id} if isinstance(connection_id, str) else set()


def _describe(event: Mapping[str, Any]) -> str:
    context = event.get("requestContext") or {}
    route = context.get("routeKey", "?")
    body = event.get("body")
    kind = ""
    if isinstance(body, str):
        try:
            frame = json.loads(body)
            kind = frame.get("type") or ("envelope" if "ciphertext" in frame else "")
        except (ValueError, AttributeError):
            kind = "frame"
    return f"{route}{' ' + kind if kind else ''} from {context.get('connectionId')}"


def invoke_file(
    logical_id: str,
    event_path: Path,
    template_dir: Path = Path("build"),
    seed: bool = True,
) -> InvokeResult:
    """One invocation in a fresh session (``make invoke``)."""
    event = read_event(event_path)
    fixture = fixtures.fixture_named(event_path.name) if seed else None
    locate_function(logical_id, template_dir)
    with InvokeSession(template_dir) as session:
        return session.invoke(logical_id, event, fixture)


# ---- the command line --------------------------------------------------------


def format_result(result: InvokeResult, event_path: Path) -> str:
    invocation = result.invocation
    lines = [f"{result.function} ({result.handler}) <- {event_path}"]
    if result.seeded:
        lines.append(f"Seeded with {len(result.seeded)} earlier invocations:")
        lines += [f"  {label}" for label in result.seeded]
    if invocation.ok:
        lines.append("Result:")
        lines += _indent(json.dumps(invocation.result, indent=2))
        method_arn = result.event.get("methodArn") if isinstance(result.event, dict) else None
        effect = result.authorizer_effect(method_arn) if isinstance(method_arn, str) else None
        if effect is not None:
            lines.append(f"Authorizer decision for {method_arn}: {effect}")
    else:
        error = invocation.error or {}
        lines.append(f"Failed ({invocation.outcome}): {error.get('errorType')}")
        lines += _indent(str(error.get("errorMessage")))
        lines += _indent("".join(error.get("stackTrace") or []).rstrip())
    lines.append(f"Log lines ({len(invocation.logs)}):")
    lines += _indent("\n".join(invocation.logs)) if invocation.logs else ["  (none)"]
    if result.template == fixtures.API_TEMPLATE:
        lines.append(f"Management API calls ({len(result.calls)}):")
        for call in result.calls:
            data = f"  {call.data}" if call.data else ""
            lines.append(
                f"  {call.method} @connections/{call.connection_id} -> {call.status}{data}"
            )
        if not result.calls:
            lines.append("  (none)")
    cold = (
        f", cold start, init {invocation.init_ms:.1f} ms"
        if invocation.cold_start
        else ", warm (the seeding invocations started the worker)"
    )
    lines.append(f"Duration: {invocation.duration_ms:.1f} ms{cold}")
    return "\n".join(lines)


def _indent(text: str) -> list[str]:
    return [f"  {line}" for line in text.splitlines()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="invoke.py",
        description="Invoke one function of build/api.yaml or build/web.yaml with one event, "
        "without Docker: prints its return value, log lines, Management API calls and duration.",
    )
    parser.add_argument("function", nargs="?", default="", help="logical id, e.g. MessageFunction")
    parser.add_argument(
        "event", nargs="?", default="", help="event file, e.g. events/default_ping.json"
    )
    parser.add_argument("--template-dir", type=Path, default=Path("build"), help="default build/")
    parser.add_argument("--no-seed", action="store_true", help="start from empty tables")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.function or not args.event:
        print(
            "usage: make invoke FN=<LogicalId> EVENT=events/<file>.json"
            "  (e.g. FN=MessageFunction EVENT=events/default_session_join.json)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    event_path = Path(args.event)
    try:
        result = invoke_file(args.function, event_path, args.template_dir, not args.no_seed)
    except SeedingError as error:
        print(f"invoke: {error}", file=sys.stderr)
        return EXIT_FAILED
    except (InvokeError, TemplateError) as error:
        print(f"invoke: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
    else:
        print(format_result(result, event_path))
    return 0 if result.ok else EXIT_FAILED
