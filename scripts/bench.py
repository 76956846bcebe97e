"""Measure the relay on this machine: ``make bench`` (writes build/bench.json)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.prices import DEFAULT_FACTS_PATH  # noqa: E402
from bench.report import render_table, write_json  # noqa: E402
from bench.run import QUICK_PLAN, BenchPlan, run  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--facts", type=Path, default=DEFAULT_FACTS_PATH, help="AWS_FACTS.md")
    parser.add_argument("--output", type=Path, default=Path("build/bench.json"))
    parser.add_argument(
        "--no-build",
        action="store_true",
        help="do not run scripts/sam_build.py when .aws-sam is missing (sizes are skipped)",
    )
    options = parser.parse_args(argv)
    if not options.facts.is_file():
        parser.error(f"{options.facts} not found (the prices come from it; use --facts)")
    plan = QUICK_PLAN if options.quick else BenchPlan()
    results = run(plan, facts=options.facts, build_packages=not options.no_build)
    print(render_table(results))
    write_json(results, options.output)
    print(f"\nwrote {options.output} in {results['elapsed_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
