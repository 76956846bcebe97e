"""Route selection: which route key a frame goes to."""

from __future__ import annotations

import json
from collections.abc import Container
from typing import Any

_BODY_PREFIX = "$request.body."


def body_path(expression: str) -> list[str] | None:
    """``$request.body.action`` → ``["action"]``; None for expressions we cannot evaluate."""
    if not expression.startswith(_BODY_PREFIX):
        return None
    return expression[len(_BODY_PREFIX) :].split(".")


def select_route(expression: str, body: str | bytes, routes: Container[str]) -> str:
    """The route key a frame selects; frames that are binary, not JSON objects, or
    name no known route go to ``$default`` (API Gateway's rule)."""
    path = body_path(expression)
    if path is None or isinstance(body, bytes):
        return "$default"
    try:
        value: Any = json.loads(body)
    except ValueError:
        return "$default"
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return "$default"
        value = value[part]
    if isinstance(value, str) and value in routes and not value.startswith("$"):
        return value
    return "$default"
