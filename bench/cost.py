"""The price of relaying envelopes, from unit prices and counted calls (pure).

Everything here is arithmetic on inputs: prices come from ``prices.py`` (the facts
file), calls and durations from measurement. The same model prices the old server's
call pattern so the two figures are comparable.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from bench.prices import Prices

WEBSOCKET_METERING_BYTES = 32 * 1024
WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4 * 1024
ENVELOPES_PER_QUOTE = 1_000_000
# Key and bookkeeping attributes the old server stored beside each cached envelope
# (sessionId, timestamp, ttl, type): enough to push a 1 KB envelope over one WRU.
OLD_MESSAGE_ITEM_OVERHEAD_BYTES = 96

READ_OPERATIONS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
WRITE_OPERATIONS = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
)
TRANSACTIONAL_OPERATIONS = frozenset({"TransactGetItems", "TransactWriteItems"})


@dataclass(frozen=True)
class DynamoCall:
    """One DynamoDB call as seen by the client: what it touched, and how much."""

    operation: str
    items: int = 1
    item_bytes: int = 0
    consistent_read: bool = False


@dataclass(frozen=True)
class RequestUnits:
    read: float
    write: float


@dataclass(frozen=True)
class Workload:
    """What one relayed envelope costs in metered things (per envelope, averaged)."""

    websocket_messages: float
    lambda_invocations: float
    lambda_duration_ms: float
    lambda_memory_mb: int
    architecture: str
    read_units: float
    write_units: float


@dataclass(frozen=True)
class CostBreakdown:
    websocket: float
    lambda_requests: float
    lambda_duration: float
    dynamodb_reads: float
    dynamodb_writes: float

    @property
    def total(self) -> float:
        return (
            self.websocket
            + self.lambda_requests
            + self.lambda_duration
            + self.dynamodb_reads
            + self.dynamodb_writes
        )

    def as_dict(self) -> dict[str, float]:
        return {**asdict(self), "total": self.total}


def websocket_messages_for(frame_bytes: int) -> int:
    """API Gateway meters each message in 32 KB steps; an empty frame still counts."""
    return max(1, math.ceil(frame_bytes / WEBSOCKET_METERING_BYTES))


def request_units(call: DynamoCall) -> RequestUnits:
    """On-demand units one call consumes, by DynamoDB's sizing rules."""
    items = max(1, call.items)
    factor = 2.0 if call.operation in TRANSACTIONAL_OPERATIONS else 1.0
    if call.operation in READ_OPERATIONS:
        per_item_bytes = call.item_bytes / items
        units_each = max(1, math.ceil(per_item_bytes / READ_UNIT_BYTES))
        if call.operation == "Query" or call.operation == "Scan":
            # A query is sized on the total it returns, not item by item.
            units = max(1, math.ceil(call.item_bytes / READ_UNIT_BYTES))
        else:
            units = units_each * items
        consistency = 1.0 if call.consistent_read or factor == 2.0 else 0.5
        return RequestUnits(read=units * consistency * factor, write=0.0)
    if call.operation in WRITE_OPERATIONS:
        per_item_bytes = call.item_bytes / items
        units = max(1, math.ceil(per_item_bytes / WRITE_UNIT_BYTES)) * items
        return RequestUnits(read=0.0, write=units * factor)
    return RequestUnits(read=0.0, write=0.0)


def total_request_units(calls: Iterable[DynamoCall]) -> RequestUnits:
    read = write = 0.0
    for call in calls:
        units = request_units(call)
        read += units.read
        write += units.write
    return RequestUnits(read=read, write=write)


def lambda_gb_second_price(prices: Prices, architecture: str) -> float:
    if architecture == "arm64":
        return prices.lambda_gb_second_arm64
    if architecture == "x86_64":
        return prices.lambda_gb_second_x86_64
    raise ValueError(f"unknown Lambda architecture {architecture!r}")


def cost_per_envelope(workload: Workload, prices: Prices) -> CostBreakdown:
    # Lambda bills duration in whole milliseconds per invocation.
    billed_ms = math.ceil(workload.lambda_duration_ms) if workload.lambda_duration_ms > 0 else 0
    gb_seconds = billed_ms / 1000 * workload.lambda_memory_mb / 1024
    return CostBreakdown(
        websocket=workload.websocket_messages * prices.websocket_message,
        lambda_requests=workload.lambda_invocations * prices.lambda_request,
        lambda_duration=workload.lambda_invocations
        * gb_seconds
        * lambda_gb_second_price(prices, workload.architecture),
        dynamodb_reads=workload.read_units * prices.dynamodb_rru,
        dynamodb_writes=workload.write_units * prices.dynamodb_wru,
    )


def cost_per_million(workload: Workload, prices: Prices) -> CostBreakdown:
    each = cost_per_envelope(workload, prices)
    return CostBreakdown(
        **{key: value * ENVELOPES_PER_QUOTE for key, value in asdict(each).items()}
    )


def old_server_calls(envelope_bytes: int) -> list[DynamoCall]:
    """The old relay, per envelope: read the sender's connection, read the session,
    write the envelope into the message table (eventually consistent reads of small
    items, one after another)."""
    return [
        DynamoCall("GetItem", item_bytes=512),
        DynamoCall("GetItem", item_bytes=1024),
        DynamoCall("PutItem", item_bytes=envelope_bytes + OLD_MESSAGE_ITEM_OVERHEAD_BYTES),
    ]


def relay_workload(
    *,
    envelope_bytes: int,
    recipients: int,
    calls: Iterable[DynamoCall],
    envelopes: int,
    duration_ms: float,
    memory_mb: int,
    architecture: str,
) -> Workload:
    """Per envelope, averaged over ``envelopes`` relayed ones that made ``calls``:
    one frame in, ``recipients`` posts out, one ``$default`` invocation of
    ``duration_ms``."""
    if envelopes < 1:
        raise ValueError("envelopes must be at least 1")
    units = total_request_units(calls)
    frames = websocket_messages_for(envelope_bytes)
    return Workload(
        websocket_messages=frames * (1 + recipients),
        lambda_invocations=1.0,
        lambda_duration_ms=duration_ms,
        lambda_memory_mb=memory_mb,
        architecture=architecture,
        read_units=units.read / envelopes,
        write_units=units.write / envelopes,
    )


def old_server_duration_ms(
    *, measured_ms: float, measured_calls: float, old_calls: float, call_ms: float
) -> float:
    """The old handler's duration: the measured one, plus (or minus) one call's latency
    for every AWS call the old pattern makes beyond it, since it made them one after another."""
    return max(0.0, measured_ms + (old_calls - measured_calls) * call_ms)


def old_server_workload(
    *,
    envelope_bytes: int,
    recipients: int,
    duration_ms: float,
    memory_mb: int,
    architecture: str,
) -> Workload:
    """The old call pattern through the same model: two reads, one write, the posts."""
    return relay_workload(
        envelope_bytes=envelope_bytes,
        recipients=recipients,
        calls=old_server_calls(envelope_bytes),
        envelopes=1,
        duration_ms=duration_ms,
        memory_mb=memory_mb,
        architecture=architecture,
    )


def old_server_aws_calls(recipients: int) -> int:
    """AWS calls per envelope in the old pattern: its DynamoDB calls and one post each."""
    return len(old_server_calls(0)) + recipients
