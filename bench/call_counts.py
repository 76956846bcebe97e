"""AWS calls per relayed envelope, by operation, as the handler workers made them.

The workers append one line per call (see ``aws_calls.py``); a measurement empties
the file, relays a known number of envelopes, waits for the file to settle, and
divides.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bench.cost import DynamoCall
from bench.envelopes import ArrivalTracker
from bench.latency import measure_direction
from bench.sessions import Connector

SETTLE_S = 0.3
SETTLE_TIMEOUT_S = 10.0


def read_records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue  # a line cut short by a worker killed mid-write
    return records


def operation_counts(records: Iterable[Mapping[str, Any]]) -> Counter[str]:
    return Counter(f"{r['service']}.{r['operation']}" for r in records)


def per_envelope(counts: Mapping[str, int], envelopes: int) -> dict[str, float]:
    return {op: round(n / envelopes, 3) for op, n in sorted(counts.items())}


def dynamodb_calls(records: Iterable[Mapping[str, Any]]) -> list[DynamoCall]:
    """The DynamoDB calls among ``records``, shaped for the cost model."""
    return [
        DynamoCall(
            operation=r["operation"],
            items=int(r.get("items", 1)),
            item_bytes=int(r.get("item_bytes", 0)),
            consistent_read=bool(r.get("consistent_read", False)),
        )
        for r in records
        if r["service"] == "dynamodb"
    ]


def wait_until_settled(path: Path) -> None:
    """Workers write after their post returns, so give the last lines time to land."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    size = -1
    while time.monotonic() < deadline:
        current = path.stat().st_size if path.exists() else 0
        if current == size:
            return
        size = current
        time.sleep(SETTLE_S)


def made_by(records: Iterable[Mapping[str, Any]], function: str) -> list[dict[str, Any]]:
    """The records of one function (its logical id is part of its local name)."""
    return [dict(r) for r in records if function in str(r.get("function", ""))]


async def count_calls(
    connector: Connector,
    calls_file: Path,
    webs: int,
    envelopes: int,
    frame_bytes: int,
    function: str = "MessageFunction",
) -> dict[str, Any]:
    """Per direction: calls per envelope by operation made by ``function`` (the
    ``$default`` route's; a closing session's ``$disconnect`` calls may overlap),
    and the raw records."""
    session = await connector.open_session(webs)
    tracker = ArrivalTracker()
    session.listen(tracker)
    results: dict[str, Any] = {}
    try:
        for direction in ("cli_to_web", "web_to_cli"):
            await asyncio.to_thread(wait_until_settled, calls_file)
            calls_file.write_text("")
            await measure_direction(session, tracker, direction, envelopes, frame_bytes)
            await asyncio.to_thread(wait_until_settled, calls_file)
            records = made_by(read_records(calls_file), function)
            counts = operation_counts(records)
            dynamodb = sum(n for op, n in counts.items() if op.startswith("dynamodb."))
            results[direction] = {
                "envelopes": envelopes,
                "by_operation": per_envelope(counts, envelopes),
                "dynamodb_calls_per_relay": round(dynamodb / envelopes, 3),
                "aws_calls_per_relay": round(sum(counts.values()) / envelopes, 3),
                "records": records,
            }
    finally:
        await session.close()
    return results
