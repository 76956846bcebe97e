"""Counting and disturbing AWS calls from inside a process, via botocore events.

``install()`` makes every botocore client created afterwards
- append one JSON line per API call to ``BENCH_AWS_CALLS_FILE`` (service, operation,
  items touched, item bytes, consistency, status), and
- answer a fraction of DynamoDB attempts with an injected error before they leave
  the process (``BENCH_DYNAMODB_FAULTS``, e.g. ``kind=throttle,rate=0.2``, or
  ``@/path/to/file`` holding such a plan, re-read on every attempt so a test can
  switch faults on and off while the workers run), so botocore's own retry logic,
  and then the handler, deal with it.

The handler workers of the local gateway load this through ``worker_site/sitecustomize.py``
when those variables are set; nothing here is imported otherwise.
"""

from __future__ import annotations

import json
import os
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bench.item_size import item_bytes

CALLS_FILE_ENV = "BENCH_AWS_CALLS_FILE"
FAULTS_ENV = "BENCH_DYNAMODB_FAULTS"
_DYNAMODB_ERRORS = {
    "throttle": (400, "ProvisionedThroughputExceededException"),
    "500": (500, "InternalServerError"),
}
_write_lock = threading.Lock()
_installed = False


@dataclass(frozen=True)
class FaultPlan:
    kind: str
    rate: float
    operations: frozenset[str] = frozenset()
    seed: int | None = None

    def applies_to(self, operation: str) -> bool:
        return not self.operations or operation in self.operations


def parse_fault_plan(text: str) -> FaultPlan:
    """``kind=throttle|500,rate=0.2[,operations=GetItem|PutItem][,seed=1]``."""
    fields = dict(part.split("=", 1) for part in text.split(",") if part)
    kind = fields.get("kind", "throttle")
    if kind not in _DYNAMODB_ERRORS:
        raise ValueError(f"unknown fault kind {kind!r} (use {', '.join(_DYNAMODB_ERRORS)})")
    rate = float(fields.get("rate", "0"))
    if not 0 <= rate <= 1:
        raise ValueError("fault rate must be between 0 and 1")
    operations = frozenset(op for op in fields.get("operations", "").split("|") if op)
    seed = int(fields["seed"]) if "seed" in fields else None
    return FaultPlan(kind=kind, rate=rate, operations=operations, seed=seed)


def summarize_dynamodb_request(operation: str, request: Mapping[str, Any]) -> dict[str, Any]:
    """What a DynamoDB request touches, from its low-level JSON body."""
    if operation == "PutItem":
        return {"items": 1, "item_bytes": item_bytes(request.get("Item", {}))}
    if operation in ("UpdateItem", "DeleteItem"):
        values = request.get("ExpressionAttributeValues", {})
        return {"items": 1, "item_bytes": item_bytes({**request.get("Key", {}), **values})}
    if operation == "TransactWriteItems":
        entries = request.get("TransactItems", [])
        size = 0
        for entry in entries:
            for action in entry.values():
                size += item_bytes(action.get("Item", action.get("Key", {})))
        return {"items": len(entries), "item_bytes": size}
    if operation == "BatchWriteItem":
        writes = [w for ws in request.get("RequestItems", {}).values() for w in ws]
        size = sum(
            item_bytes(
                w.get("PutRequest", {}).get("Item", w.get("DeleteRequest", {}).get("Key", {}))
            )
            for w in writes
        )
        return {"items": len(writes), "item_bytes": size}
    return {"consistent_read": bool(request.get("ConsistentRead", False))}


def summarize_dynamodb_response(operation: str, response: Mapping[str, Any]) -> dict[str, Any]:
    """What a DynamoDB read returned (items and their bytes)."""
    if operation == "GetItem":
        item = response.get("Item")
        return {"items": 1 if item else 0, "item_bytes": item_bytes(item or {})}
    if operation in ("Query", "Scan"):
        items = response.get("Items", [])
        return {"items": len(items), "item_bytes": sum(item_bytes(i) for i in items)}
    if operation == "BatchGetItem":
        items = [i for table in response.get("Responses", {}).values() for i in table]
        return {"items": len(items), "item_bytes": sum(item_bytes(i) for i in items)}
    if operation == "TransactGetItems":
        items = [r.get("Item", {}) for r in response.get("Responses", [])]
        return {"items": len(items), "item_bytes": sum(item_bytes(i) for i in items)}
    return {}


def _json_body(body: Any) -> dict[str, Any]:
    if isinstance(body, bytes | bytearray):
        body = body.decode("utf-8", "replace")
    if not body:
        return {}
    try:
        loaded = json.loads(body)
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


class CallRecorder:
    def __init__(self, path: str) -> None:
        self.path = path

    def before_call(
        self, params: Mapping[str, Any], context: dict[str, Any], **kwargs: Any
    ) -> None:
        service, operation = kwargs["event_name"].split(".")[1:3]
        record: dict[str, Any] = {
            "service": service,
            "operation": operation,
            "function": os.environ.get("AWS_LAMBDA_FUNCTION_NAME", ""),
            "pid": os.getpid(),
        }
        if service == "dynamodb":
            record.update(summarize_dynamodb_request(operation, _json_body(params.get("body"))))
        context["bench_record"] = record

    def after_call(self, http_response: Any, context: dict[str, Any], **kwargs: Any) -> None:
        record = context.get("bench_record")
        if record is None:
            return
        record["status"] = getattr(http_response, "status_code", None)
        if record["service"] == "dynamodb" and record["status"] == 200:
            body = _json_body(getattr(http_response, "content", b""))
            record.update(summarize_dynamodb_response(record["operation"], body))
        self.write(record)

    def after_call_error(self, context: dict[str, Any], exception: Exception, **_: Any) -> None:
        record = context.get("bench_record")
        if record is not None:
            record["status"] = type(exception).__name__
            self.write(record)

    def write(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, separators=(",", ":")) + "\n"
        with _write_lock, open(self.path, "a", encoding="utf-8") as stream:
            stream.write(line)


class _RawBody:
    """The minimal raw-stream interface botocore's ``AWSResponse`` reads a body from."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Any:
        yield self.body


class FaultInjector:
    def __init__(self, source: str) -> None:
        self.source = source
        self.random = random.Random()
        self._seeded: int | None = None

    def plan(self) -> FaultPlan | None:
        text = self.source
        if text.startswith("@"):
            try:
                with open(text[1:], encoding="utf-8") as stream:
                    text = stream.read().strip()
            except FileNotFoundError:
                return None
        if not text:
            return None
        plan = parse_fault_plan(text)
        if plan.seed is not None and plan.seed != self._seeded:
            self.random.seed(plan.seed)
            self._seeded = plan.seed
        return plan

    def before_send(self, request: Any, **kwargs: Any) -> Any:
        operation = kwargs["event_name"].split(".")[2]
        plan = self.plan()
        if plan is None or not plan.applies_to(operation) or self.random.random() >= plan.rate:
            return None
        from botocore.awsrequest import AWSResponse

        status, code = _DYNAMODB_ERRORS[plan.kind]
        body = json.dumps(
            {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "injected by bench"}
        ).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "injected"}
        return AWSResponse(request.url, status, headers, _RawBody(body))


def install(calls_file: str | None, faults: str | None) -> None:
    """Hook every botocore client created from now on in this process."""
    global _installed
    if _installed or (calls_file is None and faults is None):
        return
    import botocore.session

    recorder = CallRecorder(calls_file) if calls_file else None
    injector = FaultInjector(faults) if faults else None
    original = botocore.session.Session.create_client

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        attach(client, recorder, injector)
        return client

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
    _installed = True


def attach(client: Any, recorder: CallRecorder | None, injector: FaultInjector | None) -> None:
    events = client.meta.events
    if recorder is not None:
        events.register("before-call", recorder.before_call)
        events.register("after-call", recorder.after_call)
        events.register("after-call-error", recorder.after_call_error)
    if injector is not None and client.meta.service_model.service_name == "dynamodb":
        events.register("before-send.dynamodb", injector.before_send)


def install_from_env(environ: Mapping[str, str] = os.environ) -> None:
    faults = environ.get(FAULTS_ENV)
    install(environ.get(CALLS_FILE_ENV) or None, faults or None)
