"""The app-client update request: every updatable field carried, URLs added once."""

from __future__ import annotations

from deployer.cognito import client_update_request, updatable_client_fields

DESCRIBED = {
    "UserPoolId": "eu-west-1_abc",
    "ClientId": "client1",
    "ClientName": "web",
    "CreationDate": "2026-11-25",
    "LastModifiedDate": "2026-11-25",
    "RefreshTokenValidity": 30,
    "ExplicitAuthFlows": ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    "AllowedOAuthFlows": ["code"],
    "AllowedOAuthScopes": ["openid", "email"],
    "AllowedOAuthFlowsUserPoolClient": True,
    "SupportedIdentityProviders": ["COGNITO"],
    "CallbackURLs": ["http://localhost:3000/auth/callback"],
    "LogoutURLs": ["http://localhost:3000/"],
    "PreventUserExistenceErrors": "ENABLED",
    "EnableTokenRevocation": True,
    "TokenValidityUnits": {"AccessToken": "hours"},
}
CALLBACK = "https://d1.cloudfront.net/auth/callback"
LOGOUT = "https://d1.cloudfront.net/"


def test_update_request_carries_every_updatable_field_it_was_given():
    request = client_update_request(DESCRIBED, CALLBACK, LOGOUT)
    carried = {k for k in DESCRIBED if k in updatable_client_fields() | {"UserPoolId", "ClientId"}}
    assert set(request) == carried
    untouched = carried - {"CallbackURLs", "LogoutURLs"}
    assert {k: request[k] for k in untouched} == {k: DESCRIBED[k] for k in untouched}


def test_update_request_leaves_out_read_only_fields():
    request = client_update_request(DESCRIBED, CALLBACK, LOGOUT)
    assert "CreationDate" not in request and "LastModifiedDate" not in request


def test_update_request_appends_the_web_urls_after_existing_ones():
    request = client_update_request(DESCRIBED, CALLBACK, LOGOUT)
    assert request["CallbackURLs"] == [*DESCRIBED["CallbackURLs"], CALLBACK]
    assert request["LogoutURLs"] == [*DESCRIBED["LogoutURLs"], LOGOUT]


def test_no_update_when_the_urls_are_already_there():
    present = {**DESCRIBED, "CallbackURLs": [CALLBACK], "LogoutURLs": [LOGOUT]}
    assert client_update_request(present, CALLBACK, LOGOUT) is None
