"""Regenerate events/ (the sam local invoke fixtures and env.json) from the
event builders; --check only reports files that differ."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from local_gateway.fixtures import generated_files, write_events  # noqa: E402
from local_gateway.template import TemplateError, read_api  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out-dir", type=Path, default=ROOT / "events", help="default: events/")
    parser.add_argument(
        "--template", type=Path, default=ROOT / "build" / "api.yaml", help="default: build/api.yaml"
    )
    parser.add_argument("--check", action="store_true", help="fail if a file would change")
    args = parser.parse_args(argv)
    try:
        functions = read_api(args.template).functions
    except TemplateError as error:
        print(f"make_events: {error}", file=sys.stderr)
        return 2
    if args.check:
        stale = [
            name
            for name, text in generated_files(functions).items()
            if not (args.out_dir / name).is_file()
            or (args.out_dir / name).read_text(encoding="utf-8") != text
        ]
        for name in stale:
            print(f"out of date: {args.out_dir / name}", file=sys.stderr)
        return 1 if stale else 0
    for path in write_events(args.out_dir, functions):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
