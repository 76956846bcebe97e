"""Decide what an authorizer's answer means, like API Gateway does: the policy must
Allow ``execute-api:Invoke`` on the route's method ARN, an explicit Deny wins,
and the context may hold only strings, numbers and booleans."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class AuthorizerOutputError(ValueError):
    """The authorizer answered something API Gateway would reject (it returns 500)."""


@dataclass(frozen=True)
class AuthDecision:
    allowed: bool
    principal_id: str | None = None
    context: dict[str, Any] = field(default_factory=dict)


def arn_pattern_matches(pattern: str, arn: str) -> bool:
    """IAM-style match: ``*`` spans any characters, ``?`` exactly one."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, arn) is not None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _action_covers_invoke(action: str) -> bool:
    return arn_pattern_matches(action.lower(), "execute-api:invoke")


def _statement_applies(statement: Mapping[str, Any], method_arn: str) -> bool:
    actions = _as_list(statement.get("Action", []))
    resources = _as_list(statement.get("Resource", []))
    return any(_action_covers_invoke(str(a)) for a in actions) and any(
        arn_pattern_matches(str(r), method_arn) for r in resources
    )


def evaluate_authorizer_output(output: Any, method_arn: str) -> AuthDecision:
    """Turn a REQUEST authorizer's return value into Allow or Deny."""
    if not isinstance(output, Mapping):
        raise AuthorizerOutputError("authorizer returned no object")
    document = output.get("policyDocument")
    if not isinstance(document, Mapping) or "Statement" not in document:
        raise AuthorizerOutputError("authorizer output has no policyDocument.Statement")
    if "principalId" not in output:
        raise AuthorizerOutputError("authorizer output has no principalId")
    context = output.get("context") or {}
    if not isinstance(context, Mapping):
        raise AuthorizerOutputError("authorizer context is not an object")
    for key, value in context.items():
        if isinstance(value, (dict, list)) or value is None:
            raise AuthorizerOutputError(
                f"authorizer context value {key!r} is not a string, number or boolean"
            )
    statements = [s for s in _as_list(document["Statement"]) if isinstance(s, Mapping)]
    applying = [s for s in statements if _statement_applies(s, method_arn)]
    effects = {str(s.get("Effect", "")).lower() for s in applying}
    allowed = "allow" in effects and "deny" not in effects
    return AuthDecision(
        allowed=allowed, principal_id=str(output["principalId"]), context=dict(context)
    )


def event_authorizer_context(decision: AuthDecision, latency_ms: int) -> dict[str, Any]:
    """``requestContext.authorizer`` of later events: the context plus what API Gateway adds."""
    return {
        **decision.context,
        "principalId": decision.principal_id,
        "integrationLatency": latency_ms,
    }
