"""The printed table and ``build/bench.json`` (pure formatting, one writer)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.stats import ratio


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _times(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}x" if value < 1 else f"{value:.1f}x"


def figures(results: dict[str, Any]) -> list[tuple[str, float, float, float]]:
    """(figure, relay, bare floor, one-GetItem floor) for every latency and throughput figure."""
    latency = results["latency"]
    relay, floor, floor_db = latency["relay"], latency["floor"], latency["floor_db"]
    table = []
    for webs_key in sorted(relay, key=lambda k: int(k.split("_")[0])):
        for direction in ("cli_to_web", "web_to_cli"):
            for stat in ("p50_ms", "p99_ms"):
                table.append(
                    (
                        f"{direction} {webs_key.replace('_', ' ')} {stat}",
                        relay[webs_key][direction][stat],
                        floor[webs_key][direction][stat],
                        floor_db[webs_key][direction][stat],
                    )
                )
    throughput = results["throughput"]
    table.append(
        (
            f"throughput {throughput['relay']['sessions']} sessions per_s",
            throughput["relay"]["throughput_per_s"],
            throughput["floor"]["throughput_per_s"],
            throughput["floor_db"]["throughput_per_s"],
        )
    )
    return table


def ratios(results: dict[str, Any]) -> dict[str, dict[str, float | None]]:
    """Each figure as a multiple of each floor."""
    return {
        name: {"vs_floor": ratio(relay, floor), "vs_floor_db": ratio(relay, floor_db)}
        for name, relay, floor, floor_db in figures(results)
    }


def rows(results: dict[str, Any]) -> list[tuple[str, ...]]:
    return [
        (
            name,
            _fmt(relay),
            _fmt(floor),
            _fmt(floor_db),
            _times(ratio(relay, floor)),
            _times(ratio(relay, floor_db)),
        )
        for name, relay, floor, floor_db in figures(results)
    ]


def render_table(results: dict[str, Any]) -> str:
    header = ("figure", "relay", "floor", "floor+GetItem", "/floor", "/floor+GetItem")
    body = rows(results)
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(header))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in body]
    lines.append("")
    summary = results["summary"]
    ratios = summary["ratios"]
    lines.append(
        f"p50 {summary['p50_ms']} ms = {ratios['p50_vs_floor']}x floor, "
        f"{ratios['p50_vs_floor_db']}x floor+GetItem; throughput "
        f"{ratios['throughput_vs_floor']}x floor, {ratios['throughput_vs_floor_db']}x floor+GetItem"
    )
    relay_throughput = results["throughput"]["relay"]
    lines.append(
        f"Out of order under load (window {results['plan']['window']} per sender): "
        f"{relay_throughput['out_of_order']} of {relay_throughput['delivered']} deliveries "
        "arrived after a later envelope of the same sender"
    )
    lines.append("")
    lines.append("AWS calls per relayed envelope (inside the handler workers):")
    for mode, per_webs in results["calls"].items():
        for webs_key, directions in per_webs.items():
            for direction, figures in directions.items():
                ops = ", ".join(f"{op} {n:g}" for op, n in figures["by_operation"].items())
                lines.append(f"  {mode:<11} {webs_key:<6} {direction:<10} {ops}")
    lines.append("")
    cost = results["cost"]
    lines.append(
        f"Modeled price of 1M relayed {cost['envelope_bytes']} B envelopes (1 web): "
        f"${summary['usd_per_million']:.2f} (old pattern ${summary['old_usd_per_million']:.2f})"
    )
    for name in ("new", "old"):
        parts = ", ".join(f"{k} {v:.4f}" for k, v in cost[name]["usd_per_million"].items())
        lines.append(f"  {name}: {parts}")
    lines.append("")
    cold = results["cold_start"]
    imports = ", ".join(
        f"{module} {figures['import_ms']} (+boto3 {figures['with_boto3_ms']})"
        if "import_ms" in figures
        else f"{module} {figures.get('skipped', figures.get('error'))}"
        for module, figures in cold["imports"]["modules"].items()
    )
    lines.append(
        f"Import ms (median of {cold['imports']['runs']}): boto3 alone "
        f"{cold['imports']['boto3_ms']}; {imports}"
    )
    if cold.get("build_note"):
        lines.append(f"Packages: {cold['build_note']}")
    for stack, functions in cold["packages"].items():
        if "skipped" in functions:
            lines.append(f"Package sizes ({stack}): {functions['skipped']}")
        else:
            sizes = ", ".join(
                f"{fn} {f['zipped_bytes'] / 1024:.0f} KB" for fn, f in functions.items()
            )
            lines.append(f"Zipped packages ({stack}): {sizes}")
    return "\n".join(lines)


def write_json(results: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, sort_keys=False) + "\n", encoding="utf-8")
