"""Run the whole backend on this machine: `make local` (see `--help`)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from local_gateway.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
