"""The response API Gateway expects from a REQUEST authorizer, with the
policy scoped to this API and stage."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

ANONYMOUS_PRINCIPAL = "anonymous"


def stage_resource_arn(event: Mapping[str, Any]) -> str | None:
    """`arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/*`, from the
    event's `methodArn`, else from `requestContext` (apiId, stage) and the
    function's region. None when neither names an API and stage."""
    method_arn = event.get("methodArn")
    if isinstance(method_arn, str):
        prefix, _, path = method_arn.partition("/")
        parts = prefix.split(":")
        stage = path.split("/", 1)[0]
        if len(parts) == 6 and parts[:3] == ["arn", "aws", "execute-api"] and parts[5] and stage:
            return f"{prefix}/{stage}/*"
    context = event.get("requestContext")
    if isinstance(context, Mapping):
        api_id, stage = context.get("apiId"), context.get("stage")
        region = os.environ.get("AWS_REGION", "*")
        account = context.get("accountId") or "*"
        if isinstance(api_id, str) and api_id and isinstance(stage, str) and stage:
            return f"arn:aws:execute-api:{region}:{account}:{api_id}/{stage}/*"
    return None


def policy_response(
    principal_id: str, effect: str, resource: str, context: Mapping[str, str] | None = None
) -> dict[str, Any]:
    response: dict[str, Any] = {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
    }
    if context is not None:
        response["context"] = dict(context)
    return response


def authenticated_context(user_id: str, email: str) -> dict[str, str]:
    return {"userId": user_id, "email": email, "isAuthenticated": "true"}


def anonymous_context() -> dict[str, str]:
    return {"isAuthenticated": "false"}
