"""The local gateway as its own process, with the hooks the measurements need.

Handler workers get ``worker_site`` on their PYTHONPATH (so ``bench.aws_calls``
counts their botocore calls or injects faults when asked), and every invocation
line the gateway logs is parsed for its route and duration.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bench.aws_calls import CALLS_FILE_ENV, FAULTS_ENV

REPO_ROOT = Path(__file__).resolve().parents[1]
WORKER_SITE = Path(__file__).resolve().parent / "worker_site"
TEMPLATE = REPO_ROOT / "build" / "api.yaml"
LISTENING_PREFIX = "Listening on "
STARTUP_TIMEOUT_S = 60.0
_INVOCATION = re.compile(r"route=(\S+) .*?duration_ms=([0-9.]+) outcome=(\S+)")


@dataclass
class GatewayProcess:
    ws_url: str
    process: subprocess.Popen[str]
    durations_ms: dict[str, list[float]] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)

    def record(self, line: str) -> None:
        match = _INVOCATION.search(line)
        if match:
            route, duration, outcome = match.groups()
            self.durations_ms.setdefault(route, []).append(float(duration))
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        elif len(self.lines) < 2000:
            self.lines.append(line.rstrip())

    def reset_records(self) -> None:
        self.durations_ms = {}
        self.outcomes = {}


def worker_environment(
    calls_file: Path | None = None, faults: str | None = None, extra: Mapping[str, str] = {}
) -> dict[str, str]:
    """Function environment overrides: the hook on the path, and what it should do."""
    env = {"PYTHONPATH": f"{WORKER_SITE}:{REPO_ROOT}", **extra}
    if calls_file is not None:
        env[CALLS_FILE_ENV] = str(calls_file)
    if faults:
        env[FAULTS_ENV] = faults
    return env


@contextlib.contextmanager
def local_gateway(
    dynamodb_endpoint: str | None,
    function_env: Mapping[str, str],
    workers: int = 2,
    template: Path = TEMPLATE,
    extra_args: tuple[str, ...] = (),
) -> Iterator[GatewayProcess]:
    """Start ``python -m local_gateway`` on a free port; yields once it listens."""
    args = [
        sys.executable,
        "-m",
        "local_gateway",
        "--template",
        str(template),
        "--port",
        "0",
        "--workers",
        str(workers),
        *extra_args,
    ]
    if dynamodb_endpoint:
        args += ["--dynamodb-endpoint", dynamodb_endpoint]
    for key, value in function_env.items():
        args += ["--env", f"{key}={value}"]
    process = subprocess.Popen(
        args,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    gateway = GatewayProcess(ws_url="", process=process)
    ready = threading.Event()

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(LISTENING_PREFIX):
                gateway.ws_url = line[len(LISTENING_PREFIX) :].strip()
                ready.set()
            gateway.record(line)
        ready.set()

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not ready.wait(0.1):
            if time.monotonic() > deadline:
                raise TimeoutError("the local gateway did not start listening")
        if not gateway.ws_url:
            output = "\n".join(gateway.lines[-30:])
            raise RuntimeError(f"the local gateway exited early:\n{output}")
        yield gateway
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=5)
