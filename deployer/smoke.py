"""The end-to-end smoke check: a CLI creates a session, a web joins it, and
encrypted messages go both ways through any WebSocket URL, deployed or local."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

from relay_client.ws import CliClient, WebClient

MAX_REASON_CHARS = 300


@dataclass(frozen=True)
class SmokeResult:
    ok: bool
    round_trips: int
    latencies_ms: tuple[float, ...]
    failure: str = ""

    @property
    def verdict(self) -> str:
        if not self.ok:
            return f"FAIL after {self.round_trips} round trips: {self.failure}"
        return (
            f"PASS: {self.round_trips} encrypted round trips CLI -> web -> CLI, "
            f"p50 {percentile(self.latencies_ms, 50):.1f} ms, "
            f"p95 {percentile(self.latencies_ms, 95):.1f} ms"
        )


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sample."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a WebSocket API URL, or None when it can."""
    parsed = urlparse(url)
    if parsed.scheme not in ("ws", "wss") or not parsed.netloc:
        return f"{url!r} is not a WebSocket URL (wss://host/stage or ws://127.0.0.1:port/stage)"
    return None


async def run_smoke(
    url: str, token: str | None = None, round_trips: int = 10, timeout: float = 10.0
) -> SmokeResult:
    latencies: list[float] = []
    step = "connecting the CLI"
    cli: CliClient | None = None
    web: WebClient | None = None
    try:
        cli = await CliClient.open(url, token)
        step = "creating a session"
        await cli.create(timeout)
        step = "connecting the web"
        web = await WebClient.open(url, token)
        step = "joining the session"
        reply = await web.join(cli.session_id, timeout)
        if reply.get("type") != "session:joined":
            return SmokeResult(False, 0, (), f"joining the session: got {reply}")
        await cli.expect_web(timeout)
        for number in range(1, round_trips + 1):
            step = f"round trip {number}"
            started = time.perf_counter()
            await cli.send_output(f"smoke output {number}")
            to_web = await web.next_plaintext(timeout)
            await web.send_input(f"smoke input {number}")
            to_cli = await cli.next_plaintext(timeout)
            latencies.append((time.perf_counter() - started) * 1000)
            if (to_web["payload"], to_cli["payload"]) != (
                f"smoke output {number}",
                f"smoke input {number}",
            ):
                return SmokeResult(
                    False, number - 1, tuple(latencies), f"{step}: wrong plaintext came back"
                )
    except (Exception, TimeoutError) as error:  # any failure is the verdict, not a traceback
        reason = f"{step}: {type(error).__name__}: {error}"[:MAX_REASON_CHARS]
        if step == "connecting the CLI" and any(code in str(error) for code in ("401", "403")):
            reason += " (anonymous access is off? pass a token: TOKEN=<id token>)"
        return SmokeResult(False, len(latencies), tuple(latencies), reason)
    finally:
        for client in (web, cli):
            if client is not None:
                await asyncio.wait_for(client.close(), timeout)
    return SmokeResult(True, round_trips, tuple(latencies))
