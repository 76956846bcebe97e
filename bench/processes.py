"""Servers the benchmark runs as their own processes (so they never share the
client's interpreter): moto's DynamoDB server and the floor forwarders."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
STARTUP_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listened on port {port} within {timeout_s} s")


@contextlib.contextmanager
def running(
    args: list[str], port: int, env: dict[str, str] | None = None, quiet: bool = False
) -> Iterator[None]:
    """Run ``args`` until the block ends; wait until it listens on ``port``.

    ``quiet`` drops its stderr too (moto logs a line per request)."""
    stderr = subprocess.DEVNULL if quiet else None
    process = subprocess.Popen(
        args,
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
    try:
        wait_for_port(port, process, STARTUP_TIMEOUT_S)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """moto's DynamoDB API over HTTP on a free loopback port; yields its URL."""
    port = free_port()
    args = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with running(args, port, quiet=True):
        yield f"http://127.0.0.1:{port}"
