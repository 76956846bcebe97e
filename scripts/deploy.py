"""Deploy, preview, list and destroy the stacks: `make deploy|diff|list|destroy`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deployer import commands  # noqa: E402
from deployer.errors import DeployError  # noqa: E402
from deployer.settings import make_target  # noqa: E402


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("deploy", "build and deploy the API stack, then the web stack (us-east-1)"),
        ("diff", "create change sets without executing them"),
        ("list", "list this project's stacks and their status"),
        ("destroy", "delete both stacks of a stage"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--stage", default="dev", help="part of the stack names (default dev)")
        cmd.add_argument("--region", default="", help="the API stack's region")
    deploy = sub.choices["deploy"]
    deploy.add_argument("--only", choices=("api", "web"), help="deploy just one stack")
    deploy.add_argument("--web-dir", type=Path, help="a built static site to publish")
    destroy = sub.choices["destroy"]
    destroy.add_argument(
        "--max-wait-minutes", type=float, default=240, help="how long to retry (default 240)"
    )
    destroy.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    return parser.parse_args(argv)


def confirm_destroy(stage: str, yes: bool) -> None:
    """Deleting a stage deletes its tables and web bucket: ask first."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise DeployError(
            f"Refusing to destroy stage {stage!r} without confirmation.",
            "Run it in a terminal, or pass --yes (make destroy YES=1).",
        )
    answer = input(
        f"Delete both stacks of stage {stage!r}, their tables and bucket? Type the stage name: "
    )
    if answer.strip() != stage:
        raise DeployError("Not confirmed; nothing was deleted.")


def main(argv: list[str]) -> int:
    args = parse(argv)
    try:
        if args.command == "deploy":
            commands.deploy(args.stage, args.region, only=args.only, web_dir=args.web_dir)
        elif args.command == "diff":
            commands.diff(args.stage, args.region)
        elif args.command == "list":
            commands.list_stacks(args.region)
        else:
            make_target(args.stage, args.region)  # bad input is refused before asking
            confirm_destroy(args.stage, args.yes)
            commands.destroy(args.stage, args.region, max_wait_seconds=args.max_wait_minutes * 60)
    except DeployError as error:
        print(f"\nerror: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
