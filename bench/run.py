"""One benchmark run: floors, relay latency and throughput, AWS calls, cost, cold start.

Everything is measured in this run on this machine; the only typed-in inputs are
the plan's sizes below.
"""

from __future__ import annotations

import asyncio
import platform
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench.call_counts import count_calls, dynamodb_calls
from bench.cold_start import build_packages_if_missing, measure_imports, measure_packages
from bench.cost import (
    cost_per_million,
    old_server_aws_calls,
    old_server_duration_ms,
    old_server_workload,
    relay_workload,
)
from bench.floors import floor_server
from bench.gateway_process import TEMPLATE, invocation_durations, worker_environment
from bench.latency import LatencyPlan, measure_round_trips
from bench.prices import DEFAULT_FACTS_PATH, load_prices
from bench.processes import moto_server
from bench.report import ratios
from bench.sessions import Connector, FloorConnector, RelayConnector
from bench.stats import median, ratio
from bench.throughput import ThroughputPlan, measure_throughput
from local_gateway.testing import running_gateway

CACHE_MODES = ("undelivered", "all", "off")
MESSAGE_FUNCTION = "MessageFunction"


@dataclass(frozen=True)
class BenchPlan:
    samples: int = 300
    warmup: int = 20
    latency_webs: tuple[int, ...] = (1, 10)
    sessions: int = 50
    throughput_s: float = 10.0
    window: int = 4
    frame_bytes: int = 1024
    call_webs: tuple[int, ...] = (1, 3)
    call_envelopes: int = 50
    import_runs: int = 5
    workers: int = 4


QUICK_PLAN = BenchPlan(
    samples=40, warmup=5, sessions=10, throughput_s=3.0, call_envelopes=10, import_runs=2
)


async def latency_and_throughput(
    connector: Connector, plan: BenchPlan, phase_done: Callable[[str], None] = lambda _: None
) -> dict[str, Any]:
    """Round trips with each number of webs, then throughput; ``phase_done`` is told
    the name of each phase as it ends."""
    latency = {}
    for webs in plan.latency_webs:
        latency_plan = LatencyPlan(webs, plan.samples, plan.warmup, plan.frame_bytes)
        latency[_webs_key(webs)] = await measure_round_trips(connector, latency_plan)
        phase_done(_webs_key(webs))
    throughput = await measure_throughput(
        connector, ThroughputPlan(plan.sessions, plan.throughput_s, plan.window, plan.frame_bytes)
    )
    phase_done("throughput")
    return {"latency": latency, "throughput": throughput}


def duration_summary(durations: list[float]) -> dict[str, float]:
    if not durations:
        return {"invocations": 0, "mean": 0.0, "median": 0.0}
    return {
        "invocations": len(durations),
        "mean": round(sum(durations) / len(durations), 3),
        "median": round(median(durations), 3),
    }


def function_settings(template: Path, logical_id: str) -> tuple[int, str]:
    """Memory (MB) and architecture of a function, as the template declares them."""
    from local_gateway.cfn_yaml import load_template

    properties = load_template(template)["Resources"][logical_id]["Properties"]
    architectures = properties.get("Architectures", ["x86_64"])
    return int(properties.get("MemorySize", 128)), str(architectures[0])


def _webs_key(webs: int) -> str:
    return f"{webs}_web" if webs == 1 else f"{webs}_webs"


def measure_calls(dynamodb: str, plan: BenchPlan, work_dir: Path, template: Path) -> dict[str, Any]:
    calls: dict[str, Any] = {}
    for mode in CACHE_MODES:
        calls_file = work_dir / f"calls-{mode}.jsonl"
        env = worker_environment(calls_file, extra={"MESSAGE_CACHE_MODE": mode})
        with running_gateway(
            template, env=env, workers=plan.workers, dynamodb_endpoint=dynamodb
        ) as gateway:
            connector = RelayConnector(gateway.ws_url)
            calls[mode] = {
                _webs_key(webs): asyncio.run(
                    count_calls(connector, calls_file, webs, plan.call_envelopes, plan.frame_bytes)
                )
                for webs in plan.call_webs
            }
    return calls


def model_cost(
    results: dict[str, Any], plan: BenchPlan, template: Path, facts: Path
) -> dict[str, Any]:
    """Price one million envelopes CLI → 1 web, new relay (default cache mode) and old pattern."""
    prices = load_prices(facts)
    memory_mb, architecture = function_settings(template, MESSAGE_FUNCTION)
    measured = results["calls"]["undelivered"]["1_web"]["cli_to_web"]
    # Billed duration: the median $default invocation while relaying one envelope at a
    # time. The median, not the mean: the phase includes each worker's first (cold)
    # invocation, and on a shared machine the mean mostly measures the neighbours.
    duration_ms = results["handler_duration_ms"]["1_web"]["median"]
    # One AWS call's latency on this machine: the GetItem floor minus the bare floor.
    floor_p50 = results["latency"]["floor"]["1_web"]["both"]["p50_ms"]
    floor_db_p50 = results["latency"]["floor_db"]["1_web"]["both"]["p50_ms"]
    call_ms = max(0.0, floor_db_p50 - floor_p50)
    new = relay_workload(
        envelope_bytes=plan.frame_bytes,
        recipients=1,
        calls=dynamodb_calls(measured["records"]),
        envelopes=measured["envelopes"],
        duration_ms=duration_ms,
        memory_mb=memory_mb,
        architecture=architecture,
    )
    old_duration = old_server_duration_ms(
        measured_ms=duration_ms,
        measured_calls=measured["aws_calls_per_relay"],
        old_calls=old_server_aws_calls(recipients=1),
        call_ms=call_ms,
    )
    old = old_server_workload(
        envelope_bytes=plan.frame_bytes,
        recipients=1,
        duration_ms=old_duration,
        memory_mb=memory_mb,
        architecture=architecture,
    )
    return {
        "envelope_bytes": plan.frame_bytes,
        "prices_from": str(facts),
        "prices_per_unit": asdict(prices),
        "lambda": {"memory_mb": memory_mb, "architecture": architecture},
        "call_ms": round(call_ms, 3),
        "new": {
            "workload": asdict(new),
            "usd_per_million": cost_per_million(new, prices).as_dict(),
        },
        "old": {
            "workload": asdict(old),
            "usd_per_million": cost_per_million(old, prices).as_dict(),
        },
    }


def summarize(results: dict[str, Any]) -> dict[str, Any]:
    relay = results["latency"]["relay"]["1_web"]["both"]
    floor = results["latency"]["floor"]["1_web"]["both"]
    floor_db = results["latency"]["floor_db"]["1_web"]["both"]
    throughput = results["throughput"]
    default_calls = results["calls"]["undelivered"]["1_web"]["cli_to_web"]
    return {
        "p50_ms": relay["p50_ms"],
        "p99_ms": relay["p99_ms"],
        "floor_p50_ms": floor["p50_ms"],
        "floor_p99_ms": floor["p99_ms"],
        "floor_db_p50_ms": floor_db["p50_ms"],
        "floor_db_p99_ms": floor_db["p99_ms"],
        "throughput_per_s": throughput["relay"]["throughput_per_s"],
        "floor_throughput_per_s": throughput["floor"]["throughput_per_s"],
        "floor_db_throughput_per_s": throughput["floor_db"]["throughput_per_s"],
        "dynamodb_calls_per_relay": default_calls["dynamodb_calls_per_relay"],
        "usd_per_million": round(results["cost"]["new"]["usd_per_million"]["total"], 4),
        "old_usd_per_million": round(results["cost"]["old"]["usd_per_million"]["total"], 4),
        "ratios": {
            "p50_vs_floor": ratio(relay["p50_ms"], floor["p50_ms"]),
            "p50_vs_floor_db": ratio(relay["p50_ms"], floor_db["p50_ms"]),
            "p99_vs_floor": ratio(relay["p99_ms"], floor["p99_ms"]),
            "p99_vs_floor_db": ratio(relay["p99_ms"], floor_db["p99_ms"]),
            "throughput_vs_floor": ratio(
                throughput["relay"]["throughput_per_s"], throughput["floor"]["throughput_per_s"]
            ),
            "throughput_vs_floor_db": ratio(
                throughput["relay"]["throughput_per_s"], throughput["floor_db"]["throughput_per_s"]
            ),
        },
    }


def run(
    plan: BenchPlan,
    template: Path = TEMPLATE,
    facts: Path = DEFAULT_FACTS_PATH,
    build_packages: bool = True,
) -> dict[str, Any]:
    started = time.monotonic()
    results: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "plan": asdict(plan),
        "latency": {},
        "throughput": {},
    }
    build_note = build_packages_if_missing() if build_packages else None
    results["cold_start"] = {
        "imports": measure_imports(plan.import_runs),
        "packages": measure_packages(),
        "build_note": build_note,
    }
    with moto_server() as dynamodb, tempfile.TemporaryDirectory() as work:
        for name, endpoint in (("floor", None), ("floor_db", dynamodb)):
            with floor_server(endpoint) as url:
                figures = asyncio.run(latency_and_throughput(FloorConnector(url), plan))
            results["latency"][name] = figures["latency"]
            results["throughput"][name] = figures["throughput"]
        durations: dict[str, Any] = {}
        with running_gateway(template, workers=plan.workers, dynamodb_endpoint=dynamodb) as gateway:
            seen = len(gateway.lines())

            def phase_done(phase: str) -> None:
                # Includes each phase's few session handshakes and warm-up envelopes.
                nonlocal seen
                lines = gateway.lines()
                durations[phase] = duration_summary(invocation_durations(lines[seen:], "$default"))
                seen = len(lines)

            figures = asyncio.run(
                latency_and_throughput(RelayConnector(gateway.ws_url), plan, phase_done)
            )
        results["latency"]["relay"] = figures["latency"]
        results["throughput"]["relay"] = figures["throughput"]
        # $default durations per phase, as the gateway measured them around each invocation.
        results["handler_duration_ms"] = durations
        results["calls"] = measure_calls(dynamodb, plan, Path(work), template)
    results["cost"] = model_cost(results, plan, template, facts)
    results["summary"] = summarize(results)
    results["ratios"] = ratios(results)
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    for per_webs in results["calls"].values():
        for directions in per_webs.values():
            for figures in directions.values():
                figures.pop("records", None)
    return {**results["summary"], **results}
