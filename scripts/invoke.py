"""Invoke one function locally without Docker (make invoke FN=... EVENT=events/...)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from local_gateway.invoke import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
