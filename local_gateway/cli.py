"""``scripts/local.py`` / ``python -m local_gateway``: run the backend on this machine."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from local_gateway.app import GatewayOptions, LocalGateway
from local_gateway.gateway import Limits
from local_gateway.template import TemplateError

LISTENING_PREFIX = "Listening on "
MANAGEMENT_PREFIX = "Management API on "


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="local.py",
        description="Run the WebSocket API of a SAM template locally, with its real handlers.",
    )
    parser.add_argument(
        "--template",
        type=Path,
        default=Path("build/api.yaml"),
        help="SAM template (default build/api.yaml)",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=8080, help="WebSocket port; 0 picks a free one (default 8080)"
    )
    parser.add_argument(
        "--dynamodb-endpoint",
        metavar="URL",
        help="use this DynamoDB endpoint instead of an embedded moto server",
    )
    parser.add_argument(
        "--issuer", metavar="URL", help="OIDC issuer the authorizer trusts (AUTH_ISSUER)"
    )
    parser.add_argument(
        "--client-id", metavar="ID", help="token audience / app client id (AUTH_AUDIENCE)"
    )
    parser.add_argument(
        "--no-anonymous", action="store_true", help="refuse connections without a token"
    )
    parser.add_argument(
        "--local-issuer", action="store_true", help="start a local token issuer and trust it"
    )
    parser.add_argument(
        "--workers", type=int, default=2, help="worker processes per function (default 2)"
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=600.0,
        metavar="S",
        help="close idle sockets after S seconds (default 600)",
    )
    parser.add_argument(
        "--max-age",
        type=float,
        default=7200.0,
        metavar="S",
        help="close sockets older than S seconds (default 7200)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a function environment variable (repeatable)",
    )
    parser.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a template parameter (repeatable)",
    )
    parser.add_argument(
        "--region", default="us-east-1", help="region the functions see (default us-east-1)"
    )
    parser.add_argument("--verbose", action="store_true", help="debug logging")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.idle_timeout <= 0 or args.max_age <= 0:
        parser.error("--idle-timeout and --max-age must be positive")
    try:
        args.env_overrides = _pairs(args.env, "--env")
        args.parameter_overrides = _pairs(args.parameter, "--parameter")
    except ValueError as error:
        parser.error(str(error))
    return args


def _pairs(items: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ValueError(f"{option} wants KEY=VALUE, got {item!r}")
        pairs[key] = value
    return pairs


def auth_environment(issuer: str | None, client_id: str | None, anonymous: bool) -> dict[str, str]:
    """The authorizer's settings as environment variables for the functions."""
    env = {"ALLOW_ANONYMOUS": "true" if anonymous else "false"}
    if issuer is not None:
        env["AUTH_ISSUER"] = issuer
    if client_id is not None:
        env["AUTH_AUDIENCE"] = client_id
    return env


async def run(args: argparse.Namespace) -> int:
    issuer: Any = None
    issuer_url, client_id = args.issuer, args.client_id
    if args.local_issuer:
        from local_gateway.issuer import LocalIssuer

        # Loopback only: anyone who can reach the issuer can mint tokens.
        issuer = LocalIssuer("127.0.0.1", port=0, client_id=client_id or "local-client")
        issuer.start()
        issuer_url, client_id = issuer.issuer_url, issuer.client_id
    env = {**auth_environment(issuer_url, client_id, not args.no_anonymous), **args.env_overrides}
    options = GatewayOptions(
        template=args.template,
        host=args.host,
        port=args.port,
        dynamodb_endpoint=args.dynamodb_endpoint,
        workers=args.workers,
        limits=Limits(idle_timeout_s=args.idle_timeout, max_age_s=args.max_age),
        env_overrides=env,
        parameter_overrides=args.parameter_overrides,
        region=args.region,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    gateway = LocalGateway(options)
    try:
        await gateway.start()
        api = gateway.api
        routes = ", ".join(
            f"{key} → {spec.logical_id} ({spec.handler})"
            for key, spec in sorted(api.routes.items())
        )
        print(f"Routes: {routes}", flush=True)
        if api.authorizer is not None:
            print(f"Authorizer: {api.authorizer.logical_id} ({api.authorizer.handler})", flush=True)
        print(f"DynamoDB on {gateway.dynamodb_endpoint}", flush=True)
        if issuer is not None:
            print(issuer.howto(gateway.ws_url), flush=True)
        print(f"{MANAGEMENT_PREFIX}{gateway.management_url}/{api.stage}", flush=True)
        print(f"{LISTENING_PREFIX}{gateway.ws_url}", flush=True)
        await stop.wait()
        print("Stopping…", flush=True)
    finally:
        await gateway.stop()
        if issuer is not None:
            issuer.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        stream=sys.stdout,
    )
    for noisy in ("botocore", "boto3", "urllib3", "websockets"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return asyncio.run(run(args))
    except TemplateError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
