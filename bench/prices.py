"""AWS prices read from the project's facts file at run time, so no figure is typed by hand.

The facts file has a markdown table under "## Prices for the cost model" whose rows
name an item and a price such as ``$0.20 per million`` or
``$0.0000166667 per GB-s (x86_64), $0.0000133334 (arm64)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

PRICES_HEADING = "## Prices for the cost model"
DEFAULT_FACTS_PATH = Path(__file__).resolve().parents[2] / "shared" / "AWS_FACTS.md"

_DOLLARS = re.compile(r"\$([0-9]+(?:\.[0-9]+)?)(?:\s*per[^,($]*)?(?:\s*\(([^)]*)\))?")


@dataclass(frozen=True)
class Prices:
    """Unit prices in US dollars per single unit (not per million)."""

    websocket_message: float
    lambda_request: float
    lambda_gb_second_arm64: float
    lambda_gb_second_x86_64: float
    dynamodb_wru: float
    dynamodb_rru: float


class PricesNotFoundError(ValueError):
    """The facts file lacks the table or one of the rows the model needs."""


def price_table_rows(markdown: str) -> dict[str, str]:
    """The ``item -> price`` cells of the table under the prices heading."""
    start = markdown.find(PRICES_HEADING)
    if start < 0:
        raise PricesNotFoundError(f"no {PRICES_HEADING!r} section")
    rows: dict[str, str] = {}
    for line in markdown[start:].splitlines()[1:]:
        if line.startswith("## "):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 2 or set(cells[1]) <= set("-: ") or cells[0] == "item":
            continue
        rows[cells[0]] = cells[1]
    return rows


def unit_price(cell: str, variant: str | None = None) -> float:
    """Dollars per unit from a price cell; ``per million`` prices are divided out.

    ``variant`` picks the amount followed by that parenthesised label (``arm64``).
    """
    per_million = "per million" in cell
    for match in _DOLLARS.finditer(cell):
        label = match.group(2)
        if variant is None or (label is not None and variant in label):
            amount = float(match.group(1))
            return amount / 1_000_000 if per_million else amount
    raise PricesNotFoundError(f"no price for {variant!r} in {cell!r}")


def _row(rows: dict[str, str], *words: str) -> str:
    for item, cell in rows.items():
        if all(word.lower() in item.lower() for word in words):
            return cell
    raise PricesNotFoundError(f"no price row naming {' '.join(words)!r}")


def parse_prices(markdown: str) -> Prices:
    rows = price_table_rows(markdown)
    duration = _row(rows, "Lambda duration")
    return Prices(
        websocket_message=unit_price(_row(rows, "WebSocket messages")),
        lambda_request=unit_price(_row(rows, "Lambda requests")),
        lambda_gb_second_arm64=unit_price(duration, "arm64"),
        lambda_gb_second_x86_64=unit_price(duration, "x86_64"),
        dynamodb_wru=unit_price(_row(rows, "DynamoDB", "writes")),
        dynamodb_rru=unit_price(_row(rows, "DynamoDB", "reads")),
    )


def load_prices(path: Path = DEFAULT_FACTS_PATH) -> Prices:
    return parse_prices(path.read_text(encoding="utf-8"))
