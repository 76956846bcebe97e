"""Start the whole local gateway as a subprocess for tests, smoke runs and benchmarks.

    with running_gateway("build/api.yaml", idle_timeout=5) as gw:
        ... connect to gw.ws_url ...

It picks free ports, waits for the ``Listening on`` line, keeps every output
line (``gw.lines()``, ``gw.wait_for_output("timed out")``), and on exit stops the
gateway with SIGINT (SIGKILL if it does not stop), so no process is left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from local_gateway.cli import LISTENING_PREFIX, MANAGEMENT_PREFIX

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE = REPO_ROOT / "build" / "api.yaml"


class GatewayFailedToStart(RuntimeError):
    pass


@dataclass
class RunningGateway:
    process: subprocess.Popen[str]
    ws_url: str = ""
    management_url: str = ""
    dynamodb_endpoint: str = ""
    _lines: list[str] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _reading: bool = True

    @property
    def port(self) -> int:
        return int(self.ws_url.split(":")[2].split("/")[0])

    @property
    def stage(self) -> str:
        return self.ws_url.rsplit("/", 1)[1]

    def lines(self) -> list[str]:
        with self._changed:
            return list(self._lines)

    def wait_for_output(self, text: str, timeout: float = 30.0, after: int = 0) -> str:
        """The first output line (from line index ``after`` on) containing ``text``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self._lines[after:]:
                    if text in line:
                        return line
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (self.process.poll() is not None and not self._reading):
                    raise TimeoutError(
                        f"gateway never printed {text!r}; last lines:\n"
                        + "\n".join(self._lines[-30:])
                    )
                self._changed.wait(min(remaining, 0.5))

    def _read_output(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self._lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._reading = False
            self._changed.notify_all()


def gateway_command(
    template: str | os.PathLike[str],
    *,
    port: int = 0,
    host: str = "127.0.0.1",
    env: Mapping[str, str] | None = None,
    workers: int | None = None,
    idle_timeout: float | None = None,
    max_age: float | None = None,
    dynamodb_endpoint: str | None = None,
    issuer: str | None = None,
    client_id: str | None = None,
    anonymous: bool = True,
    local_issuer: bool = False,
    extra_args: Sequence[str] = (),
) -> list[str]:
    command = [
        sys.executable,
        "-m",
        "local_gateway",
        "--template",
        str(template),
        "--host",
        host,
        "--port",
        str(port),
    ]
    for key, value in (env or {}).items():
        command += ["--env", f"{key}={value}"]
    optional = {
        "--workers": workers,
        "--idle-timeout": idle_timeout,
        "--max-age": max_age,
        "--dynamodb-endpoint": dynamodb_endpoint,
        "--issuer": issuer,
        "--client-id": client_id,
    }
    for flag, value in optional.items():
        if value is not None:
            command += [flag, str(value)]
    if not anonymous:
        command.append("--no-anonymous")
    if local_issuer:
        command.append("--local-issuer")
    return command + list(extra_args)


@contextmanager
def running_gateway(
    template: str | os.PathLike[str] = DEFAULT_TEMPLATE,
    *,
    startup_timeout: float = 60.0,
    **options: object,
) -> Iterator[RunningGateway]:
    """Run the gateway (options as in ``gateway_command``) for the ``with`` block."""
    command = gateway_command(template, **options)  # type: ignore[arg-type]
    child_env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    child_env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])
    )
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=child_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    gateway = RunningGateway(process)
    reader = threading.Thread(target=gateway._read_output, name="gateway-output", daemon=True)
    reader.start()
    try:
        try:
            listening = gateway.wait_for_output(LISTENING_PREFIX, startup_timeout)
        except TimeoutError as error:
            raise GatewayFailedToStart(str(error)) from None
        gateway.ws_url = listening.split(LISTENING_PREFIX, 1)[1].strip()
        gateway.management_url = (
            gateway.wait_for_output(MANAGEMENT_PREFIX, 1).split(MANAGEMENT_PREFIX, 1)[1].strip()
        )
        gateway.dynamodb_endpoint = (
            gateway.wait_for_output("DynamoDB on ", 1).split("DynamoDB on ", 1)[1].strip()
        )
        yield gateway
    finally:
        stop_gateway(process)
        reader.join(5)


def stop_gateway(process: subprocess.Popen[str], timeout: float = 20.0) -> int:
    """Ctrl-C, then SIGKILL if it has not stopped in ``timeout`` seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode
