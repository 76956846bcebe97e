"""The cost model: prices parsed from the facts file, units by DynamoDB's sizing rules."""

from __future__ import annotations

import math

import pytest

from bench.cost import (
    DynamoCall,
    Workload,
    cost_per_envelope,
    cost_per_million,
    old_server_aws_calls,
    old_server_duration_ms,
    old_server_workload,
    relay_workload,
    request_units,
    total_request_units,
    websocket_messages_for,
)
from bench.prices import (
    DEFAULT_FACTS_PATH,
    Prices,
    PricesNotFoundError,
    parse_prices,
    unit_price,
)

SAMPLE_FACTS = """
# facts
## Prices for the cost model (us-east-1)
| item | price |
|---|---|
| WebSocket messages (in or out, metered per 32 KB) | $3.00 per million (first billion) |
| Lambda requests | $0.40 per million |
| Lambda duration | $0.0002 per GB-s (x86_64), $0.0001 (arm64) |
| DynamoDB on-demand writes | $5.00 per million write request units |
| DynamoDB on-demand reads | $2.00 per million read request units |

## Next section
| Lambda requests | $99 per million |
"""


@pytest.fixture
def prices() -> Prices:
    return parse_prices(SAMPLE_FACTS)


def test_real_facts_file_yields_every_price() -> None:
    if not DEFAULT_FACTS_PATH.exists():
        pytest.skip("facts file not beside this clone")
    parsed = parse_prices(DEFAULT_FACTS_PATH.read_text())
    assert all(value > 0 for value in vars(parsed).values())


def test_per_million_prices_become_unit_prices(prices: Prices) -> None:
    assert prices.lambda_request == pytest.approx(0.40 / 1_000_000)
    assert prices.websocket_message == pytest.approx(3.00 / 1_000_000)


def test_rows_after_the_price_section_are_ignored(prices: Prices) -> None:
    assert prices.lambda_request != pytest.approx(99 / 1_000_000)


def test_duration_price_is_picked_by_architecture(prices: Prices) -> None:
    assert prices.lambda_gb_second_arm64 == pytest.approx(0.0001)
    assert prices.lambda_gb_second_x86_64 == pytest.approx(0.0002)


def test_missing_price_row_is_a_clear_error() -> None:
    without_reads = "\n".join(
        line for line in SAMPLE_FACTS.splitlines() if "on-demand reads" not in line
    )
    with pytest.raises(PricesNotFoundError, match="reads"):
        parse_prices(without_reads)


def test_missing_price_section_is_a_clear_error() -> None:
    with pytest.raises(PricesNotFoundError, match="Prices for the cost model"):
        parse_prices("# nothing here\n")


def test_unknown_variant_is_a_clear_error() -> None:
    with pytest.raises(PricesNotFoundError, match="mips"):
        unit_price("$1 per GB-s (arm64)", "mips")


def test_small_frame_is_one_websocket_message() -> None:
    assert websocket_messages_for(1024) == 1


def test_frame_over_32kb_is_metered_as_two_messages() -> None:
    assert websocket_messages_for(32 * 1024 + 1) == 2


def test_eventually_consistent_small_read_is_half_a_unit() -> None:
    assert request_units(DynamoCall("GetItem", item_bytes=300)).read == 0.5


def test_consistent_read_is_one_unit_per_4kb_rounded_up() -> None:
    call = DynamoCall("GetItem", item_bytes=4 * 1024 + 1, consistent_read=True)
    assert request_units(call).read == 2


def test_query_is_sized_on_the_total_it_returns() -> None:
    call = DynamoCall("Query", items=8, item_bytes=8 * 500, consistent_read=True)
    assert request_units(call).read == math.ceil(8 * 500 / 4096)


def test_write_is_one_unit_per_kb_rounded_up() -> None:
    assert request_units(DynamoCall("PutItem", item_bytes=1025)).write == 2


def test_transactional_write_costs_double() -> None:
    plain = request_units(DynamoCall("UpdateItem", item_bytes=200)).write
    transactional = request_units(DynamoCall("TransactWriteItems", items=1, item_bytes=200)).write
    assert transactional == 2 * plain


def test_non_data_calls_cost_no_units() -> None:
    assert request_units(DynamoCall("DescribeTable")) == total_request_units([])


def test_lambda_duration_is_billed_in_whole_milliseconds(prices: Prices) -> None:
    def duration_cost(ms: float) -> float:
        workload = Workload(0, 1, ms, 1024, "arm64", 0, 0)
        return cost_per_envelope(workload, prices).lambda_duration

    assert duration_cost(1.2) == duration_cost(2.0)
    assert duration_cost(2.0) == pytest.approx(2 / 1000 * prices.lambda_gb_second_arm64)


def test_per_million_is_a_million_envelopes(prices: Prices) -> None:
    workload = Workload(2, 1, 3.0, 512, "arm64", 0.5, 1)
    each = cost_per_envelope(workload, prices).total
    assert cost_per_million(workload, prices).total == pytest.approx(each * 1_000_000)


def test_old_pattern_is_two_half_unit_reads_and_a_two_unit_write() -> None:
    workload = old_server_workload(
        envelope_bytes=1024, recipients=1, duration_ms=5.0, memory_mb=256, architecture="arm64"
    )
    assert (workload.read_units, workload.write_units) == (1.0, 2.0)


def test_old_pattern_makes_three_calls_and_one_post_per_recipient() -> None:
    assert old_server_aws_calls(recipients=3) == 3 + 3


def test_old_duration_adds_a_call_latency_per_extra_call() -> None:
    duration = old_server_duration_ms(measured_ms=6.0, measured_calls=2, old_calls=4, call_ms=1.5)
    assert duration == 6.0 + 2 * 1.5


def test_old_duration_never_goes_below_zero() -> None:
    duration = old_server_duration_ms(measured_ms=1.0, measured_calls=9, old_calls=1, call_ms=1.0)
    assert duration == 0.0


def test_measured_calls_are_averaged_over_the_envelopes_relayed() -> None:
    calls = [DynamoCall("GetItem", consistent_read=True)] * 10
    workload = relay_workload(
        envelope_bytes=1024,
        recipients=1,
        calls=calls,
        envelopes=10,
        duration_ms=3.0,
        memory_mb=256,
        architecture="arm64",
    )
    assert workload.read_units == 1.0


def test_fewer_units_than_the_old_pattern_cost_less(prices: Prices) -> None:
    new = relay_workload(
        envelope_bytes=1024,
        recipients=1,
        calls=[DynamoCall("GetItem")],
        envelopes=1,
        duration_ms=5.0,
        memory_mb=256,
        architecture="arm64",
    )
    old = old_server_workload(
        envelope_bytes=1024, recipients=1, duration_ms=5.0, memory_mb=256, architecture="arm64"
    )
    assert cost_per_million(new, prices).total < cost_per_million(old, prices).total


def test_unknown_architecture_is_refused(prices: Prices) -> None:
    with pytest.raises(ValueError, match="sparc"):
        cost_per_envelope(Workload(1, 1, 1.0, 128, "sparc", 0, 0), prices)
