"""From a `$connect` REQUEST-authorizer event to API Gateway's answer.

Rules: a valid token → Allow as that user; no `token` parameter → Allow as
anonymous only when anonymous access is on; a token that is present but
invalid (empty included) → Deny, never a fall-back to anonymous. Every
refusal writes one log line with its reason; the token is never logged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from authz.config import AuthConfig, ConfigError, config_from_env
from authz.errors import TokenRejected
from authz.jwks import JwksCache
from authz.policy import (
    ANONYMOUS_PRINCIPAL,
    anonymous_context,
    authenticated_context,
    policy_response,
    stage_resource_arn,
)
from authz.tokens import KeySource, verify_token

logger = logging.getLogger("authorizer")
logger.setLevel(logging.INFO)


@dataclass(frozen=True)
class Decision:
    allow: bool
    reason: str
    principal_id: str = ANONYMOUS_PRINCIPAL
    context: dict[str, str] = field(default_factory=dict)


def token_from_event(event: Mapping[str, Any]) -> str | None:
    """The `token` query parameter; None when absent, "" when present but empty."""
    params = event.get("queryStringParameters")
    if isinstance(params, Mapping) and "token" in params:
        value = params["token"]
        return value if isinstance(value, str) else ""
    multi = event.get("multiValueQueryStringParameters")
    if isinstance(multi, Mapping) and "token" in multi:
        values = multi["token"]
        if isinstance(values, list) and values and isinstance(values[-1], str):
            return values[-1]
        return ""
    return None


def decide(token: str | None, config: AuthConfig, keys: KeySource) -> Decision:
    if token is None:
        if config.allow_anonymous:
            return Decision(True, "anonymous", context=anonymous_context())
        return Decision(False, "no token and anonymous access is off")
    if not token:
        return Decision(False, "empty token")
    if not config.can_verify:
        return Decision(False, "token given but AUTH_ISSUER/AUTH_AUDIENCE are not set")
    try:
        identity = verify_token(token, config, keys)
    except TokenRejected as exc:
        return Decision(False, exc.reason)
    return Decision(
        True,
        f"valid {identity.token_use} token",
        principal_id=identity.user_id,
        context=authenticated_context(identity.user_id, identity.email),
    )


_caches: dict[str, JwksCache] = {}


def jwks_cache_for(url: str) -> JwksCache:
    """One cache per JWKS URL, kept for the life of the container."""
    if url not in _caches:
        _caches[url] = JwksCache(url)
    return _caches[url]


def authorize_event(
    event: Any, config: AuthConfig | None = None, keys: KeySource | None = None
) -> dict[str, Any]:
    """The authorizer's response for any event; never raises."""
    try:
        return _authorize(event, config, keys)
    except Exception as exc:  # the last line of defence: refuse, log, never crash
        logger.warning(_log_line(event, False, f"internal error ({type(exc).__name__})"))
        return policy_response(ANONYMOUS_PRINCIPAL, "Deny", "*")


def _authorize(event: Any, config: AuthConfig | None, keys: KeySource | None) -> dict[str, Any]:
    if not isinstance(event, Mapping):
        event = {}
    resource = stage_resource_arn(event)
    try:
        config = config or config_from_env()
    except ConfigError as exc:
        decision = Decision(False, f"bad configuration: {exc}")
    else:
        if resource is None:
            decision = Decision(False, "event names no API and stage")
        else:
            decision = decide(
                token_from_event(event), config, keys or jwks_cache_for(config.jwks_url)
            )
    if decision.allow:
        logger.info(_log_line(event, True, decision.reason, decision.principal_id))
        return policy_response(decision.principal_id, "Allow", resource or "*", decision.context)
    logger.warning(_log_line(event, False, decision.reason))
    return policy_response(ANONYMOUS_PRINCIPAL, "Deny", resource or "*")


def _log_line(event: Any, allowed: bool, reason: str, principal_id: str | None = None) -> str:
    context = event.get("requestContext") if isinstance(event, Mapping) else None
    connection_id = context.get("connectionId") if isinstance(context, Mapping) else None
    line: dict[str, Any] = {
        "route": "$connect",
        "connectionId": connection_id if isinstance(connection_id, str) else None,
        "outcome": "allow" if allowed else "deny",
        "reason": reason,
    }
    if principal_id is not None:
        line["principalId"] = principal_id
    return json.dumps(line)
