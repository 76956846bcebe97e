"""Publish a built static site: `make publish WEB_DIR=dist [STAGE=dev]`.

Uploads changed files with their Content-Type and Cache-Control, deletes objects
no longer in the site, and invalidates the changed paths in CloudFront. The
bucket and distribution come from the stage's web stack unless given."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from deployer import commands  # noqa: E402
from deployer.errors import DeployError  # noqa: E402


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path, nargs="?", help="the built site (has index.html)")
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--bucket", help="publish here instead of the web stack's bucket")
    parser.add_argument("--distribution-id", help="invalidate this distribution")
    args = parser.parse_args(argv)
    try:
        if args.directory is None:
            raise DeployError("No site folder given.", "make publish WEB_DIR=path/to/out")
        commands.publish_site(
            args.directory, args.stage, bucket=args.bucket, distribution_id=args.distribution_id
        )
    except DeployError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
