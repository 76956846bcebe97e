"""Stopping the gateway leaves no process behind."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from pathlib import Path

from websockets.asyncio.client import connect

from local_gateway.testing import RunningGateway, running_gateway


def descendants(pid: int) -> set[int]:
    """Every live process below ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found: set[int] = set()
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.add(child)
            pending.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def warm_up(gateway: RunningGateway) -> None:
    """Make the gateway start workers for every route."""

    async def run() -> None:
        async with connect(gateway.ws_url) as socket:
            await socket.send(json.dumps({"do": "echo"}))
            await asyncio.wait_for(socket.recv(), 15)

    asyncio.run(run())
    gateway.wait_for_output("route=$disconnect", 15)


def wait_until_gone(pids: set[int], timeout: float = 10) -> set[int]:
    deadline = time.monotonic() + timeout
    while (left := {pid for pid in pids if alive(pid)}) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left


def test_ctrl_c_stops_the_gateway_and_every_child_process(toy_template: Path) -> None:
    with running_gateway(toy_template) as gateway:
        warm_up(gateway)
        children = descendants(gateway.process.pid)
        gateway.process.send_signal(signal.SIGINT)
        assert gateway.process.wait(20) == 0
    assert len(children) >= 4  # moto and a worker for each of the four functions
    assert wait_until_gone(children) == set()


def test_killed_gateway_leaves_no_child_process(toy_template: Path) -> None:
    with running_gateway(toy_template) as gateway:
        warm_up(gateway)
        children = descendants(gateway.process.pid)
        os.kill(gateway.process.pid, signal.SIGKILL)
        gateway.process.wait(20)
    assert wait_until_gone(children) == set()
