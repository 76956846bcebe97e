"""Cold start: how long each handler module takes to import in a fresh interpreter
(against ``import boto3`` alone), and how big each built package is zipped."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from bench.stats import median

REPO_ROOT = Path(__file__).resolve().parents[1]
HANDLERS_DIR = REPO_ROOT / "src" / "handlers"
HANDLER_MODULES = ("connect", "disconnect", "message", "authorizer")
BUILD_DIRS = {"api": REPO_ROOT / ".aws-sam" / "api", "web": REPO_ROOT / ".aws-sam" / "web"}
# Import must not need AWS; these only satisfy handlers that read env at import time.
IMPORT_ENV = {
    "CONNECTIONS_TABLE": "connections",
    "SESSIONS_TABLE": "sessions",
    "MESSAGES_TABLE": "messages",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AUTH_ISSUER": "https://issuer.invalid",
    "AUTH_AUDIENCE": "audience",
    "ALLOW_ANONYMOUS": "true",
    "PYTHONDONTWRITEBYTECODE": "1",
}
_TIMER = "import time,sys;t=time.perf_counter();import {module};print(time.perf_counter()-t)"
# A handler that defers boto3 to its first call pays for it in its first invocation.
_TIMER_WITH_BOTO3 = (
    "import time,sys;t=time.perf_counter();import {module};import boto3;"
    "print(time.perf_counter()-t)"
)


def import_seconds(module: str, cwd: Path, with_boto3: bool = False) -> float:
    """Seconds to import ``module`` (and then boto3) in a fresh interpreter (startup excluded)."""
    timer = _TIMER_WITH_BOTO3 if with_boto3 else _TIMER
    result = subprocess.run(
        [sys.executable, "-c", timer.format(module=module)],
        cwd=cwd,
        env={**os.environ, **IMPORT_ENV, "PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"import {module} failed: {result.stderr.strip()[-500:]}")
    return float(result.stdout.strip().splitlines()[-1])


def median_import_ms(
    module: str, runs: int, cwd: Path = HANDLERS_DIR, with_boto3: bool = False
) -> float:
    samples = [import_seconds(module, cwd, with_boto3) for _ in range(runs)]
    return round(median(samples) * 1000, 1)


def measure_imports(runs: int) -> dict[str, object]:
    """Median import time per handler module, and of boto3 alone, in ms."""
    figures: dict[str, object] = {"runs": runs, "boto3_ms": median_import_ms("boto3", runs)}
    modules: dict[str, object] = {}
    for module in HANDLER_MODULES:
        if not (HANDLERS_DIR / f"{module}.py").exists():
            modules[module] = {"skipped": f"src/handlers/{module}.py not present"}
            continue
        try:
            modules[module] = {
                "import_ms": median_import_ms(module, runs),
                "with_boto3_ms": median_import_ms(module, runs, with_boto3=True),
            }
        except RuntimeError as error:
            modules[module] = {"error": str(error)}
    figures["modules"] = modules
    return figures


def zipped_bytes(directory: Path) -> int:
    """Size of ``directory`` as a deflated zip, built in memory like a deployment package."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(directory.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(directory).as_posix())
    return buffer.tell()


SAM_BUILD_TIMEOUT_S = 420


def build_packages_if_missing(build_dirs: dict[str, Path] = BUILD_DIRS) -> str | None:
    """Run ``scripts/sam_build.py`` when a stack has not been built; a note on failure."""
    if all(root.is_dir() for root in build_dirs.values()):
        return None
    try:
        result = subprocess.run(
            [sys.executable, "scripts/sam_build.py"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=SAM_BUILD_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"sam build took over {SAM_BUILD_TIMEOUT_S} s; package sizes skipped"
    if result.returncode != 0:
        return f"sam build failed: {(result.stderr or result.stdout).strip()[-300:]}"
    return "built by this run (scripts/sam_build.py)"


def measure_packages(build_dirs: dict[str, Path] = BUILD_DIRS) -> dict[str, object]:
    """Zipped size of every function directory of each built stack."""
    figures: dict[str, object] = {}
    for stack, root in build_dirs.items():
        if not root.is_dir():
            figures[stack] = {"skipped": f"{root.relative_to(REPO_ROOT)} not built (make build)"}
            continue
        figures[stack] = {
            child.name: {"zipped_bytes": zipped_bytes(child)}
            for child in sorted(root.iterdir())
            if child.is_dir()
        }
    return figures
