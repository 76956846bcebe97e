"""The Lambda@Edge configuration baked from the API stack's outputs (the edge
has no environment variables; `sam build` copies the file named by
EDGE_CONFIG_FILE into the package). Keys as in src/edge_auth/edge_config.py;
the rest (scopes, redirect URI, public paths) keep the edge's defaults."""

from __future__ import annotations

from collections.abc import Mapping

from deployer.errors import DeployError


def cognito_issuer(region: str, user_pool_id: str) -> str:
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


def from_api_outputs(api_outputs: Mapping[str, str], region: str) -> dict[str, str]:
    try:
        user_pool_id = api_outputs["UserPoolId"]
        client_id = api_outputs["UserPoolClientId"]
        domain = api_outputs["UserPoolDomain"]
    except KeyError as missing:
        raise DeployError(
            f"The API stack has no output {missing}; the edge cannot be configured.",
            "Deploy the API stack from the current templates (`make deploy-api`).",
        ) from None
    return {
        "issuer": cognito_issuer(region, user_pool_id),
        "clientId": client_id,
        "cognitoDomain": f"https://{domain}",
    }
