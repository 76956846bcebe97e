"""One warm Lambda execution environment: a process that imports one handler and
runs one event at a time, like Lambda's Python runtime.

Standard library only, and run as a script so the handler's code directory is
the first entry of ``sys.path`` (as ``/var/task`` is in Lambda). The gateway
writes one JSON request per line on stdin and reads one JSON reply per line
from the original stdout; whatever the handler prints goes to stderr (or, during
an invocation, into that invocation's log lines).

Usage: python worker.py CODE_DIR MODULE.FUNCTION
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import os
import sys
import time
import traceback
from typing import Any, TextIO

LAMBDA_LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s"


class LambdaContext:
    """The attributes and method of Lambda's context object that handlers use."""

    def __init__(self, request_id: str, timeout_ms: int) -> None:
        self.aws_request_id = request_id
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local")
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.invoked_function_arn = (
            f"arn:aws:lambda:{os.environ.get('AWS_REGION', 'us-east-1')}:123456789012"
            f":function:{self.function_name}"
        )
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class _RequestIdFilter(logging.Filter):
    request_id = ""

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = self.request_id
        return True


class _LineCapture(io.TextIOBase):
    """A text stream that collects complete lines (print() output) into a list."""

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines
        self._partial = ""

    def write(self, text: str) -> int:
        self._partial += text
        *complete, self._partial = self._partial.split("\n")
        self._lines.extend(complete)
        return len(text)

    def flush_partial(self) -> None:
        if self._partial:
            self._lines.append(self._partial)
            self._partial = ""


def _load_handler(spec: str) -> Any:
    module_name, _, function_name = spec.rpartition(".")
    module = importlib.import_module(module_name)
    return getattr(module, function_name)


def _error(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_exception(exc)[1:],
    }


def _invoke(
    handler: Any, request: dict[str, Any], capture: logging.Handler, ids: _RequestIdFilter
) -> dict[str, Any]:
    lines: list[str] = []
    stream = _LineCapture(lines)
    capture.setStream(stream)  # type: ignore[attr-defined]
    ids.request_id = request["requestId"]
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = stream
    started = time.perf_counter()
    try:
        result = handler(
            request["event"], LambdaContext(request["requestId"], request["timeoutMs"])
        )
        reply: dict[str, Any] = {"ok": True, "result": _json_ready(result)}
    except _NotJson as exc:
        reply = {"ok": False, "error": _error(exc, "Runtime.MarshalError")}
    except Exception as exc:  # noqa: BLE001 - the handler's failure is the reply
        reply = {"ok": False, "error": _error(exc)}
    finally:
        duration_ms = (time.perf_counter() - started) * 1000
        sys.stdout, sys.stderr = saved
        stream.flush_partial()
    reply["durationMs"] = round(duration_ms, 3)
    reply["logs"] = lines
    return reply


class _NotJson(TypeError):
    pass


def _json_ready(result: Any) -> Any:
    """Lambda serialises the return value with json; one that cannot be is an error."""
    try:
        json.dumps(result)
    except (TypeError, ValueError) as exc:
        raise _NotJson(f"Unable to marshal response: {exc}") from exc
    return result


def _send(channel: TextIO, message: dict[str, Any]) -> None:
    channel.write(json.dumps(message, default=str) + "\n")
    channel.flush()


def main(argv: list[str]) -> int:
    code_dir, handler_spec = argv[1], argv[2]
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    sys.path[0] = code_dir
    os.chdir(code_dir)

    ids = _RequestIdFilter()
    capture = logging.StreamHandler(sys.stderr)
    capture.setFormatter(logging.Formatter(LAMBDA_LOG_FORMAT, datefmt="%Y-%m-%dT%H:%M:%S"))
    capture.formatter.converter = time.gmtime  # type: ignore[union-attr]
    capture.addFilter(ids)
    logging.getLogger().addHandler(capture)

    started = time.perf_counter()
    try:
        handler = _load_handler(handler_spec)
        init_error = None
    except Exception as exc:  # noqa: BLE001 - reported to the gateway, like Runtime.ImportModuleError
        handler = None
        init_error = _error(exc, "Runtime.ImportModuleError")
    _send(
        channel,
        {
            "ready": True,
            "initMs": round((time.perf_counter() - started) * 1000, 3),
            "error": init_error,
        },
    )

    for line in sys.stdin:
        request = json.loads(line)
        if handler is None:
            reply = {"ok": False, "error": init_error, "durationMs": 0.0, "logs": []}
        else:
            reply = _invoke(handler, request, capture, ids)
        capture.setStream(sys.stderr)
        _send(channel, reply)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
