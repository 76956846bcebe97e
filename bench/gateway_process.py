"""What the measurements need from the local gateway (run with
``local_gateway.testing.running_gateway``): the hook on the workers' path, and
the duration of each invocation, read from the lines the gateway logs.

Handler workers get ``worker_site`` on their PYTHONPATH, so ``bench.aws_calls``
counts their botocore calls or injects faults when the variables below ask it to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from bench.aws_calls import CALLS_FILE_ENV, FAULTS_ENV

REPO_ROOT = Path(__file__).resolve().parents[1]
WORKER_SITE = Path(__file__).resolve().parent / "worker_site"
TEMPLATE = REPO_ROOT / "build" / "api.yaml"
_INVOCATION = re.compile(r"route=(\S+) .*?duration_ms=([0-9.]+) ")


def worker_environment(
    calls_file: Path | None = None,
    faults: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Function environment overrides: the hook on the path, and what it should do."""
    env = {"PYTHONPATH": f"{WORKER_SITE}:{REPO_ROOT}", **(extra or {})}
    if calls_file is not None:
        env[CALLS_FILE_ENV] = str(calls_file)
    if faults:
        env[FAULTS_ENV] = faults
    return env


def invocation_durations(lines: Iterable[str], route: str) -> list[float]:
    """Milliseconds of each invocation of ``route`` in the gateway's log lines."""
    durations = []
    for line in lines:
        match = _INVOCATION.search(line)
        if match and match.group(1) == route:
            durations.append(float(match.group(2)))
    return durations
