"""Worker processes: results, errors, logs, timeouts, warm reuse."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from local_gateway.runner import Endpoints, FunctionPool, invoke_once, lambda_environment
from local_gateway.template import FunctionSpec

CODE = """
import logging
import os
import time

logging.getLogger().setLevel(logging.INFO)
PID = os.getpid()


def echo(event, context):
    print("printed line")
    logging.info("logged line")
    return {"event": event, "pid": PID, "remaining": context.get_remaining_time_in_millis()}


def fail(event, context):
    raise KeyError("missing")


def slow(event, context):
    time.sleep(event.get("seconds", 60))
    return {"pid": PID}


def env(event, context):
    return dict(os.environ)


def not_json(event, context):
    return object()
"""

ENDPOINTS = Endpoints(
    dynamodb="http://127.0.0.1:1",
    management_api="http://127.0.0.1:2/prod",
    public_ws_url="ws://x/prod",
)


def spec(
    code_dir: Path, handler: str, timeout_s: float = 5.0, env: dict[str, str] | None = None
) -> FunctionSpec:
    return FunctionSpec(
        "Fn",
        "local-Fn",
        handler,
        code_dir,
        timeout_s,
        128,
        "python3.13",
        env or {"FROM_TEMPLATE": "t"},
    )


@pytest.fixture(scope="module")
def code_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("code")
    (directory / "fns.py").write_text(CODE)
    return directory


def test_handler_result_comes_back(code_dir: Path) -> None:
    invocation = invoke_once(spec(code_dir, "fns.echo"), {"n": 1}, ENDPOINTS)
    assert invocation.ok and invocation.result["event"] == {"n": 1}


def test_printed_and_logged_lines_are_captured(code_dir: Path) -> None:
    logs = invoke_once(spec(code_dir, "fns.echo"), {}, ENDPOINTS).logs
    assert "printed line" in logs
    assert any("logged line" in line and line.startswith("[INFO]") for line in logs)


def test_context_reports_remaining_time_within_the_timeout(code_dir: Path) -> None:
    result = invoke_once(spec(code_dir, "fns.echo", timeout_s=5), {}, ENDPOINTS).result
    assert 0 < result["remaining"] <= 5000


def test_exception_becomes_an_error_with_its_type(code_dir: Path) -> None:
    invocation = invoke_once(spec(code_dir, "fns.fail"), {}, ENDPOINTS)
    assert invocation.outcome == "error" and invocation.error["errorType"] == "KeyError"


def test_unserialisable_result_is_a_marshal_error(code_dir: Path) -> None:
    invocation = invoke_once(spec(code_dir, "fns.not_json"), {}, ENDPOINTS)
    assert invocation.error["errorType"] == "Runtime.MarshalError"


def test_missing_module_is_an_import_error(code_dir: Path) -> None:
    invocation = invoke_once(spec(code_dir, "nope.handler"), {}, ENDPOINTS)
    assert invocation.error["errorType"] == "Runtime.ImportModuleError"


def test_first_invocation_is_a_cold_start(code_dir: Path) -> None:
    assert invoke_once(spec(code_dir, "fns.echo"), {}, ENDPOINTS).cold_start


def test_worker_stays_warm_between_events(code_dir: Path) -> None:
    async def run() -> tuple:
        pool = FunctionPool(
            spec(code_dir, "fns.echo"), lambda_environment(spec(code_dir, "fns.echo"), ENDPOINTS), 1
        )
        try:
            first, second = await pool.invoke({}), await pool.invoke({})
        finally:
            await pool.close()
        return first, second

    first, second = asyncio.run(run())
    assert first.result["pid"] == second.result["pid"] and not second.cold_start


def test_concurrent_events_run_in_separate_workers(code_dir: Path) -> None:
    fn = spec(code_dir, "fns.slow")

    async def run() -> set[int]:
        pool = FunctionPool(fn, lambda_environment(fn, ENDPOINTS), 3)
        try:
            results = await asyncio.gather(*(pool.invoke({"seconds": 0.5}) for _ in range(3)))
        finally:
            await pool.close()
        return {r.result["pid"] for r in results}

    assert len(asyncio.run(run())) == 3


def test_worker_past_its_timeout_is_killed_and_replaced(code_dir: Path) -> None:
    fn = spec(code_dir, "fns.slow", timeout_s=1)

    async def run() -> tuple:
        pool = FunctionPool(fn, lambda_environment(fn, ENDPOINTS), 1)
        try:
            hung = await pool.invoke({"seconds": 60})
            after = await pool.invoke({"seconds": 0})
        finally:
            await pool.close()
        return hung, after

    hung, after = asyncio.run(run())
    assert hung.outcome == "timeout" and "timed out" in hung.error["errorMessage"]
    assert after.ok and after.cold_start


def test_environment_has_template_values_endpoints_and_no_host_secrets(code_dir: Path) -> None:
    os.environ["HOST_ONLY_SECRET"] = "x"
    try:
        env = invoke_once(spec(code_dir, "fns.env"), {}, ENDPOINTS, {"OVERRIDE": "o"}).result
    finally:
        del os.environ["HOST_ONLY_SECRET"]
    assert env["FROM_TEMPLATE"] == "t" and env["OVERRIDE"] == "o"
    assert env["AWS_ENDPOINT_URL_DYNAMODB"] == ENDPOINTS.dynamodb
    assert env["AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI"] == ENDPOINTS.management_api
    assert env["PUBLIC_WS_URL"] == "ws://x/prod" and env["AWS_LAMBDA_FUNCTION_NAME"] == "local-Fn"
    assert "HOST_ONLY_SECRET" not in env


def test_override_replaces_a_template_variable(code_dir: Path) -> None:
    env = lambda_environment(
        spec(code_dir, "fns.env", env={"MODE": "a"}), ENDPOINTS, {"MODE": "b"}, {}
    )
    assert env["MODE"] == "b"
