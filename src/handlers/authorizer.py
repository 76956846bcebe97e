"""`$connect` REQUEST authorizer: checks the `token` query parameter (a
Cognito or other OIDC JWT) and answers Allow/Deny with the caller's identity.
Settings: AUTH_ISSUER, AUTH_AUDIENCE, ALLOW_ANONYMOUS, optional AUTH_JWKS_URL."""

from __future__ import annotations

from typing import Any

from authz.authorize import authorize_event


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return authorize_event(event)
