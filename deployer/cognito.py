"""Adding the web distribution's URLs to the Cognito app client without losing
anything else the client has (flows, scopes, token validity, ...)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

import botocore.session
from botocore.exceptions import ClientError

from deployer.aws import AwsClients, explain_client_error

CALLBACK_PATH = "/auth/callback"
# Where Cognito's /logout may send the browser back to: the site itself.
LOGOUT_PATH = "/"


def web_auth_urls(web_url: str) -> tuple[str, str]:
    """The callback and logout URLs for a distribution's base URL."""
    base = web_url.rstrip("/")
    return f"{base}{CALLBACK_PATH}", f"{base}{LOGOUT_PATH}"


@cache
def updatable_client_fields() -> frozenset[str]:
    """Every field UpdateUserPoolClient accepts, read from botocore's model:
    a field it omits is reset to its default, so all of them are carried across."""
    model = botocore.session.get_session().get_service_model("cognito-idp")
    members = model.operation_model("UpdateUserPoolClient").input_shape.members
    return frozenset(members) - {"UserPoolId", "ClientId"}


def with_added(existing: Iterable[str], *new: str) -> list[str]:
    """``existing`` followed by whichever of ``new`` it lacks, order kept."""
    merged = list(existing)
    merged += [url for url in new if url not in merged]
    return merged


def client_update_request(
    described: dict[str, Any], callback_url: str, logout_url: str
) -> dict[str, Any] | None:
    """The UpdateUserPoolClient request that adds the URLs, or None when
    both are already there (re-running the deploy changes nothing)."""
    callbacks = with_added(described.get("CallbackURLs", []), callback_url)
    logouts = with_added(described.get("LogoutURLs", []), logout_url)
    if callbacks == described.get("CallbackURLs") and logouts == described.get("LogoutURLs"):
        return None
    request = {k: v for k, v in described.items() if k in updatable_client_fields()}
    request.update(
        UserPoolId=described["UserPoolId"],
        ClientId=described["ClientId"],
        CallbackURLs=callbacks,
        LogoutURLs=logouts,
    )
    return request


def add_web_urls(
    clients: AwsClients, region: str, user_pool_id: str, client_id: str, web_url: str
) -> bool:
    """Adds the web's callback and logout URLs; returns whether anything changed."""
    idp = clients.client("cognito-idp", region)
    callback_url, logout_url = web_auth_urls(web_url)
    try:
        described = idp.describe_user_pool_client(UserPoolId=user_pool_id, ClientId=client_id)
        request = client_update_request(described["UserPoolClient"], callback_url, logout_url)
        if request is None:
            return False
        idp.update_user_pool_client(**request)
    except ClientError as exc:
        raise explain_client_error(exc, "updating the Cognito app client's URLs") from exc
    return True
