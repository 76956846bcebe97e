"""`make doctor`: credentials, region, SAM CLI, Python, SAM's artifact bucket and
the stacks' states, each with what to do when it is missing."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deployer.doctor import passed, run_doctor  # noqa: E402
from deployer.errors import DeployError  # noqa: E402
from deployer.settings import validate_stage  # noqa: E402


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--region", default="", help="the API stack's region")
    parser.add_argument("--stage", default="dev")
    args = parser.parse_args(argv)
    try:
        validate_stage(args.stage)
    except DeployError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    checks = run_doctor(args.region, args.stage)
    for check in checks:
        print(check.line())
    ok = passed(checks)
    print("\nReady to deploy." if ok else "\nNot ready: fix the FAIL lines above.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
