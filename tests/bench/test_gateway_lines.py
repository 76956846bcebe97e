"""Invocation durations read back from the local gateway's log lines."""

from bench.gateway_process import invocation_durations, worker_environment

LINES = [
    "2026-11-25 20:33:28,284 INFO route=$default connection=abc= function=MessageFunction "
    "duration_ms=5.2 outcome=ok",
    "2026-11-25 20:33:28,290 INFO route=$connect connection=abc= function=ConnectFunction "
    "duration_ms=60.3 outcome=ok status=200 cold_start=true init_ms=40.0",
    '2026-11-25 20:33:28,291 INFO [MessageFunction] {"route":"$default","durationMs":4.0}',
    "2026-11-25 20:33:28,295 INFO route=$default connection=def= function=MessageFunction "
    "duration_ms=7.5 outcome=error (Runtime.ExitError: boom)",
]


def test_durations_of_one_route_are_read_in_order() -> None:
    assert invocation_durations(LINES, "$default") == [5.2, 7.5]


def test_handler_log_lines_are_not_mistaken_for_invocations() -> None:
    assert invocation_durations(LINES[2:3], "$default") == []


def test_workers_get_the_hook_folder_first_on_their_path() -> None:
    path = worker_environment()["PYTHONPATH"].split(":")
    assert path[0].endswith("worker_site")


def test_fault_plan_and_calls_file_reach_the_workers_environment() -> None:
    env = worker_environment(faults="kind=500,rate=1", extra={"MESSAGE_CACHE_MODE": "off"})
    assert env["BENCH_DYNAMODB_FAULTS"] == "kind=500,rate=1"
    assert env["MESSAGE_CACHE_MODE"] == "off"
