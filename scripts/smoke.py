"""End-to-end check of a WebSocket URL: `make smoke URL=wss://... [TOKEN=...]`.

Creates a session as a CLI, joins as a web, exchanges encrypted messages both
ways, prints one verdict line with round-trip p50/p95, exits 0 (pass) or 1."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deployer.smoke import run_smoke, url_problem  # noqa: E402


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url", nargs="?", default="", help="the WebSocketUrl output")
    parser.add_argument("--token", help="a Cognito id/access token, when anonymous is off")
    parser.add_argument("--round-trips", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per step")
    args = parser.parse_args(argv)
    problem = url_problem(args.url) if args.url else "no URL given: make smoke URL=wss://..."
    if problem or args.round_trips < 1:
        print(f"FAIL: {problem or '--round-trips must be at least 1'}")
        return 1
    result = asyncio.run(run_smoke(args.url, args.token, args.round_trips, args.timeout))
    print(result.verdict)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
