"""A synthesized copy of the templates, and one invoke session shared by a module."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from local_gateway.invoke import InvokeSession

REPO_ROOT = Path(__file__).resolve().parents[2]
EVENTS_DIR = REPO_ROOT / "events"


@pytest.fixture(scope="session")
def template_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``build/``-like: the templates as `make synth` writes them, beside a link to
    ``src/`` so their ``CodeUri: ../src/...`` resolves; the real build/ is untouched."""
    root = tmp_path_factory.mktemp("synth")
    (root / "src").symlink_to(REPO_ROOT / "src", target_is_directory=True)
    subprocess.run(
        [sys.executable, "scripts/synth.py", "--out-dir", str(root / "build")],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    )
    return root / "build"


@pytest.fixture(scope="module")
def invoke_session(template_dir: Path) -> Iterator[InvokeSession]:
    with InvokeSession(template_dir) as session:
        yield session
