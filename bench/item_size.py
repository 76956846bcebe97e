"""DynamoDB's item size rule, on items in the low-level attribute-value format (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_NUMBER_OVERHEAD = 1
_CONTAINER_OVERHEAD = 3


def attribute_value_bytes(value: Mapping[str, Any]) -> int:
    """Bytes DynamoDB counts for one value: strings and binary by length, numbers
    about one byte per two digits, containers a few bytes plus their contents."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return 0
    kind, content = next(iter(value.items()))
    if kind == "S":
        return len(str(content).encode("utf-8"))
    if kind == "N":
        return len(str(content).lstrip("-").replace(".", "")) // 2 + _NUMBER_OVERHEAD
    if kind == "B":
        return len(content) * 3 // 4 if isinstance(content, str) else len(content)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(str(s).encode("utf-8")) for s in content)
    if kind == "NS":
        return sum(attribute_value_bytes({"N": n}) for n in content)
    if kind == "BS":
        return sum(attribute_value_bytes({"B": b}) for b in content)
    if kind == "L":
        return _CONTAINER_OVERHEAD + sum(attribute_value_bytes(v) + 1 for v in content)
    if kind == "M":
        return _CONTAINER_OVERHEAD + sum(
            len(str(name).encode("utf-8")) + attribute_value_bytes(v) + 1
            for name, v in content.items()
        )
    return 0


def item_bytes(item: Mapping[str, Any]) -> int:
    """Attribute names plus values, as DynamoDB sizes an item."""
    return sum(
        len(str(name).encode("utf-8")) + attribute_value_bytes(value)
        for name, value in item.items()
    )
