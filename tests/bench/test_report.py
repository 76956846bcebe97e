"""The table's figures and their ratios to the floors."""

from __future__ import annotations

from typing import Any

from bench.report import figures, ratios


def _direction(p50: float, p99: float) -> dict[str, float]:
    return {"p50_ms": p50, "p99_ms": p99}


def _results(relay_p50: float, floor_p50: float, floor_db_p50: float) -> dict[str, Any]:
    def latency(p50: float) -> dict[str, Any]:
        both = {"cli_to_web": _direction(p50, 2 * p50), "web_to_cli": _direction(p50, 2 * p50)}
        return {"1_web": both, "10_webs": both}

    return {
        "latency": {
            "relay": latency(relay_p50),
            "floor": latency(floor_p50),
            "floor_db": latency(floor_db_p50),
        },
        "throughput": {
            "relay": {"throughput_per_s": 100.0, "sessions": 50},
            "floor": {"throughput_per_s": 1000.0, "sessions": 50},
            "floor_db": {"throughput_per_s": 200.0, "sessions": 50},
        },
    }


def test_every_latency_figure_and_the_throughput_are_listed() -> None:
    names = [name for name, *_ in figures(_results(8.0, 0.5, 4.0))]
    assert len(names) == 2 * 2 * 2 + 1
    assert names[0] == "cli_to_web 1 web p50_ms"
    assert names[-1].startswith("throughput 50 sessions")


def test_one_web_rows_come_before_ten_web_rows() -> None:
    names = [name for name, *_ in figures(_results(8.0, 0.5, 4.0))]
    assert names.index("cli_to_web 10 webs p50_ms") > names.index("web_to_cli 1 web p99_ms")


def test_ratios_divide_the_relay_by_each_floor() -> None:
    by_figure = ratios(_results(8.0, 0.5, 4.0))
    assert by_figure["cli_to_web 1 web p50_ms"] == {"vs_floor": 16.0, "vs_floor_db": 2.0}


def test_throughput_ratio_below_one_means_slower_than_the_floor() -> None:
    by_figure = ratios(_results(8.0, 0.5, 4.0))
    throughput = next(v for k, v in by_figure.items() if k.startswith("throughput"))
    assert throughput == {"vs_floor": 0.1, "vs_floor_db": 0.5}
