"""Run functions like Lambda: each function gets warm worker processes, each worker
runs one event at a time, several workers run side by side, and a worker that
passes the function's Timeout is killed and replaced.

``FunctionRunner.invoke(logical_id, event)`` is the whole interface; ``invoke_once``
runs a single event standalone (for ``make invoke``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local_gateway.events import new_request_id
from local_gateway.processes import child_preexec
from local_gateway.template import FunctionSpec

WORKER_SCRIPT = Path(__file__).with_name("worker.py")
INIT_TIMEOUT_S = 10.0
_STREAM_LIMIT = 32 * 1024 * 1024
_HOST_ENV_KEPT = ("PATH", "LANG", "LC_ALL", "SYSTEMROOT", "PYTHONDONTWRITEBYTECODE")

log = logging.getLogger("local_gateway.runner")


@dataclass(frozen=True)
class Endpoints:
    """Where the functions find AWS locally."""

    dynamodb: str
    management_api: str
    public_ws_url: str | None = None
    region: str = "us-east-1"


@dataclass
class Invocation:
    """What one invocation did: outcome is ok, error, timeout or crash."""

    function: str
    request_id: str
    outcome: str
    result: Any = None
    error: dict[str, Any] | None = None
    logs: list[str] = field(default_factory=list)
    duration_ms: float = 0.0
    cold_start: bool = False
    init_ms: float | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def lambda_environment(
    spec: FunctionSpec,
    endpoints: Endpoints,
    overrides: Mapping[str, str] | None = None,
    host_env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The worker's environment: what Lambda sets, the template's variables, the
    local endpoints and fake credentials, then the user's overrides on top."""
    host_env = os.environ if host_env is None else host_env
    env = {key: host_env[key] for key in _HOST_ENV_KEPT if key in host_env}
    env.update(
        {
            "AWS_REGION": endpoints.region,
            "AWS_DEFAULT_REGION": endpoints.region,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_SESSION_TOKEN": "local",
            "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.function_name}",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "LAMBDA_TASK_ROOT": str(spec.code_dir),
            "TZ": ":UTC",
        }
    )
    env.update(spec.environment)
    env["AWS_ENDPOINT_URL_DYNAMODB"] = endpoints.dynamodb
    env["AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"] = endpoints.management_api
    if endpoints.public_ws_url:
        env["PUBLIC_WS_URL"] = endpoints.public_ws_url
    env.update(overrides or {})
    return env


class _Worker:
    """One worker process; talks JSON lines over its stdin/stdout."""

    def __init__(self, spec: FunctionSpec, process: asyncio.subprocess.Process) -> None:
        self.spec = spec
        self.process = process
        self.init_ms: float | None = None
        self.init_error: dict[str, Any] | None = None
        self._stderr_task = asyncio.create_task(self._forward_stderr())

    @classmethod
    async def start(cls, spec: FunctionSpec, env: Mapping[str, str]) -> _Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(WORKER_SCRIPT),
            str(spec.code_dir),
            spec.handler,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=dict(env),
            limit=_STREAM_LIMIT,
            start_new_session=True,  # Ctrl-C in the terminal reaches the gateway, which stops us
            preexec_fn=child_preexec(),  # noqa: PLW1509 - only sets the parent-death signal
        )
        worker = cls(spec, process)
        try:
            ready = await worker._read_reply(max(INIT_TIMEOUT_S, spec.timeout_s))
        except BaseException:
            await worker.kill()
            raise
        worker.init_ms = ready.get("initMs")
        worker.init_error = ready.get("error")
        return worker

    async def invoke(self, request: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        await self.process.stdin.drain()
        return await self._read_reply(timeout_s)

    async def _read_reply(self, timeout_s: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout_s)
        if not line:
            code = await self.process.wait()
            raise _WorkerExited(f"worker exited with status {code}")
        return json.loads(line)

    async def _forward_stderr(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            log.info("[%s] %s", self.spec.logical_id, line.decode(errors="replace").rstrip())

    async def kill(self) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(self._stderr_task, 2)

    @property
    def alive(self) -> bool:
        return self.process.returncode is None


class _WorkerExited(RuntimeError):
    pass


class FunctionPool:
    """The workers of one function: up to ``max_workers`` events at once."""

    def __init__(self, spec: FunctionSpec, env: Mapping[str, str], max_workers: int) -> None:
        self.spec = spec
        self.env = dict(env)
        self._slots = asyncio.Semaphore(max_workers)
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()

    async def invoke(self, event: Mapping[str, Any], request_id: str | None = None) -> Invocation:
        request_id = request_id or new_request_id()
        async with self._slots:
            started = time.perf_counter()
            cold = not self._idle
            try:
                worker = (
                    self._idle.pop() if self._idle else await _Worker.start(self.spec, self.env)
                )
            except (TimeoutError, _WorkerExited, OSError) as exc:
                return self._failed(
                    request_id, "crash", f"worker failed to start: {exc}", started, cold
                )
            if cold:
                log.info(
                    "cold start %s (%s) init %.1f ms",
                    self.spec.logical_id,
                    self.spec.handler,
                    worker.init_ms or 0.0,
                )
            self._busy.add(worker)
            try:
                return await self._run(worker, event, request_id, started, cold)
            finally:
                self._busy.discard(worker)

    async def _run(
        self, worker: _Worker, event: Mapping[str, Any], request_id: str, started: float, cold: bool
    ) -> Invocation:
        request = {
            "event": event,
            "requestId": request_id,
            "timeoutMs": int(self.spec.timeout_s * 1000),
        }
        try:
            reply = await worker.invoke(request, self.spec.timeout_s)
        except TimeoutError:
            await worker.kill()
            log.warning(
                "%s request %s timed out after %.2f seconds; worker killed",
                self.spec.logical_id,
                request_id,
                self.spec.timeout_s,
            )
            message = f"Task timed out after {self.spec.timeout_s:.2f} seconds"
            return self._failed(request_id, "timeout", message, started, cold, "Sandbox.Timedout")
        except (_WorkerExited, ConnectionError) as exc:
            await worker.kill()
            return self._failed(request_id, "crash", str(exc), started, cold, "Runtime.ExitError")
        except asyncio.CancelledError:
            await worker.kill()
            raise
        self._idle.append(worker)
        return Invocation(
            function=self.spec.logical_id,
            request_id=request_id,
            outcome="ok" if reply["ok"] else "error",
            result=reply.get("result"),
            error=reply.get("error"),
            logs=reply.get("logs", []),
            duration_ms=reply.get("durationMs", 0.0),
            cold_start=cold,
            init_ms=worker.init_ms if cold else None,
        )

    def _failed(
        self,
        request_id: str,
        outcome: str,
        message: str,
        started: float,
        cold: bool,
        error_type: str = "Runtime.Unknown",
    ) -> Invocation:
        return Invocation(
            function=self.spec.logical_id,
            request_id=request_id,
            outcome=outcome,
            error={"errorMessage": message, "errorType": error_type},
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            cold_start=cold,
        )

    async def close(self) -> None:
        workers = [*self._idle, *self._busy]
        self._idle.clear()
        await asyncio.gather(*(worker.kill() for worker in workers), return_exceptions=True)


class FunctionRunner:
    """Every function of the template, each with its own pool of workers."""

    def __init__(
        self,
        functions: Mapping[str, FunctionSpec],
        endpoints: Endpoints,
        max_workers: int = 2,
        env_overrides: Mapping[str, str] | None = None,
    ) -> None:
        self._pools = {
            logical_id: FunctionPool(
                spec, lambda_environment(spec, endpoints, env_overrides), max_workers
            )
            for logical_id, spec in functions.items()
        }

    async def invoke(
        self, logical_id: str, event: Mapping[str, Any], request_id: str | None = None
    ) -> Invocation:
        return await self._pools[logical_id].invoke(event, request_id)

    async def close(self) -> None:
        await asyncio.gather(*(pool.close() for pool in self._pools.values()))


def invoke_once(
    spec: FunctionSpec,
    event: Mapping[str, Any],
    endpoints: Endpoints,
    env_overrides: Mapping[str, str] | None = None,
) -> Invocation:
    """Run one event in a fresh worker and stop it (cold start included)."""

    async def run() -> Invocation:
        pool = FunctionPool(spec, lambda_environment(spec, endpoints, env_overrides), 1)
        try:
            return await pool.invoke(event)
        finally:
            await pool.close()

    return asyncio.run(run())
