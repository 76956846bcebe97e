"""The API stack template honours docs/ARCHITECTURE.md and the IaC issue's claims."""

from __future__ import annotations

import pytest

from templates.api import DYNAMODB_ACCESS, MANAGE_CONNECTIONS_METHODS
from tests.templates.queries import (
    as_list,
    parameter_default,
    props,
    resources_of_type,
    role_of,
    role_statements,
)

FUNCTIONS = {
    "ConnectFunction": "connect.handler",
    "DisconnectFunction": "disconnect.handler",
    "MessageFunction": "message.handler",
    "AuthorizerFunction": "authorizer.handler",
}
RELAY_FUNCTIONS = ("ConnectFunction", "DisconnectFunction", "MessageFunction")
ROUTES = {
    # route id: (route key, integration id, function id)
    "ConnectRoute": ("$connect", "ConnectIntegration", "ConnectFunction"),
    "DisconnectRoute": ("$disconnect", "DisconnectIntegration", "DisconnectFunction"),
    "DefaultRoute": ("$default", "DefaultIntegration", "MessageFunction"),
}
INTRINSICS_THE_GATEWAY_RESOLVES = {"Ref", "Fn::Sub", "Fn::GetAtt", "Fn::Join"}


def _invocation_uri(function_id: str) -> dict:
    return {
        "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/"
        f"functions/${{{function_id}.Arn}}/invocations"
    }


def test_websocket_api_selects_routes_by_body_action(api):
    api_props = props(api, "WebSocketApi")
    assert api["Resources"]["WebSocketApi"]["Type"] == "AWS::ApiGatewayV2::Api"
    assert api_props["ProtocolType"] == "WEBSOCKET"
    assert api_props["RouteSelectionExpression"] == "$request.body.action"


@pytest.mark.parametrize("route_id", ROUTES)
def test_route_targets_its_integration(api, route_id):
    route_key, integration_id, _ = ROUTES[route_id]
    route = props(api, route_id)
    assert route["RouteKey"] == route_key
    assert route["Target"] == {"Fn::Sub": f"integrations/${{{integration_id}}}"}


@pytest.mark.parametrize("route_id", ROUTES)
def test_integration_proxies_to_its_function(api, route_id):
    _, integration_id, function_id = ROUTES[route_id]
    integration = props(api, integration_id)
    assert integration["IntegrationType"] == "AWS_PROXY"
    assert integration["IntegrationUri"] == _invocation_uri(function_id)


def test_only_the_connect_route_is_authorized(api):
    assert props(api, "ConnectRoute")["AuthorizationType"] == "CUSTOM"
    assert props(api, "ConnectRoute")["AuthorizerId"] == {"Ref": "ConnectAuthorizer"}
    for route_id in ("DisconnectRoute", "DefaultRoute"):
        assert props(api, route_id)["AuthorizationType"] == "NONE"


def test_connect_authorizer_is_request_type_without_identity_source(api):
    authorizer = props(api, "ConnectAuthorizer")
    assert authorizer["AuthorizerType"] == "REQUEST"
    assert "IdentitySource" not in authorizer
    assert authorizer["AuthorizerUri"] == _invocation_uri("AuthorizerFunction")


@pytest.mark.parametrize(("function_id", "handler"), FUNCTIONS.items())
def test_function_follows_the_code_contract(api, function_id, handler):
    function = api["Resources"][function_id]
    assert function["Type"] == "AWS::Serverless::Function"
    assert function["Properties"]["Handler"] == handler
    assert function["Properties"]["CodeUri"] == "../src/handlers"
    assert function["Metadata"] == {"BuildMethod": "makefile"}


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_function_runs_python313_on_arm64_with_its_own_size(api, function_id):
    function = props(api, function_id)
    assert function["Runtime"] == "python3.13"
    assert function["Architectures"] == ["arm64"]
    assert isinstance(function["MemorySize"], int)
    assert "Timeout" in function


def test_template_uses_no_globals(api):
    assert "Globals" not in api


def test_message_function_timeout_defaults_to_30_seconds(api):
    timeout = props(api, "MessageFunction")["Timeout"]
    assert int(parameter_default(api, timeout)) == 30


@pytest.mark.parametrize("function_id", RELAY_FUNCTIONS)
def test_relay_function_environment_names_tables_and_settings(api, function_id):
    variables = props(api, function_id)["Environment"]["Variables"]
    assert variables["CONNECTIONS_TABLE"] == {"Ref": "ConnectionsTable"}
    assert variables["SESSIONS_TABLE"] == {"Ref": "SessionsTable"}
    assert variables["MESSAGES_TABLE"] == {"Ref": "MessagesTable"}
    assert variables["MESSAGE_CACHE_MODE"] == {"Ref": "MessageCacheMode"}
    assert "MESSAGE_CACHE_SIZE" in variables
    assert "MAX_WEBS_PER_SESSION" in variables
    assert variables["COGNITO_USER_POOL_ID"] == {"Ref": "UserPool"}


def test_relay_functions_leave_public_ws_url_to_the_event(api):
    for function_id in RELAY_FUNCTIONS:
        assert "PUBLIC_WS_URL" not in props(api, function_id)["Environment"]["Variables"]


def test_message_cache_mode_allows_only_the_known_modes(api):
    parameter = api["Parameters"]["MessageCacheMode"]
    assert sorted(parameter["AllowedValues"]) == ["all", "off", "undelivered"]
    assert parameter["Default"] == "undelivered"


def test_authorizer_environment_names_the_cognito_issuer_and_client(api):
    variables = props(api, "AuthorizerFunction")["Environment"]["Variables"]
    assert variables["AUTH_ISSUER"] == {
        "Fn::Sub": "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"
    }
    assert variables["AUTH_AUDIENCE"] == {"Ref": "UserPoolClient"}
    assert variables["ALLOW_ANONYMOUS"] == {"Ref": "AllowAnonymous"}
    assert variables["COGNITO_USER_POOL_ID"] == {"Ref": "UserPool"}


def test_allow_anonymous_defaults_to_lowercase_true(api):
    parameter = api["Parameters"]["AllowAnonymous"]
    assert parameter["Default"] == "true"
    assert sorted(parameter["AllowedValues"]) == ["false", "true"]


def test_environment_values_use_only_intrinsics_the_local_gateway_resolves(api):
    for function_id in FUNCTIONS:
        for value in props(api, function_id)["Environment"]["Variables"].values():
            if isinstance(value, dict):
                assert set(value) <= INTRINSICS_THE_GATEWAY_RESOLVES, value
            else:
                assert isinstance(value, str)


def test_every_function_has_its_own_role(api):
    roles = [role_of(api, function_id) for function_id in FUNCTIONS]
    assert len(set(roles)) == len(FUNCTIONS)


def test_function_roles_trust_only_lambda(api):
    for function_id in FUNCTIONS:
        trust = props(api, role_of(api, function_id))["AssumeRolePolicyDocument"]
        principals = [s["Principal"]["Service"] for s in trust["Statement"]]
        assert principals == [["lambda.amazonaws.com"]]


def _dynamodb_grants(api: dict, function_id: str) -> dict[str, set[str]]:
    """Resource (as a comparable string) → DynamoDB actions the function's role allows."""
    grants: dict[str, set[str]] = {}
    for statement in role_statements(api, role_of(api, function_id)):
        actions = {a for a in as_list(statement["Action"]) if a.startswith("dynamodb:")}
        if actions:
            for resource in as_list(statement["Resource"]):
                grants.setdefault(repr(resource), set()).update(actions)
    return grants


def _expected_resource(target: str) -> str:
    table_id, _, index_path = target.partition("/")
    if index_path:
        return repr({"Fn::Sub": f"${{{table_id}.Arn}}/{index_path}"})
    return repr({"Fn::GetAtt": [table_id, "Arn"]})


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_function_gets_exactly_the_dynamodb_actions_of_the_access_map(api, function_id):
    expected = {
        _expected_resource(target): {f"dynamodb:{action}" for action in actions}
        for target, actions in DYNAMODB_ACCESS[function_id].items()
    }
    assert _dynamodb_grants(api, function_id) == expected


def test_authorizer_has_no_dynamodb_access(api):
    assert _dynamodb_grants(api, "AuthorizerFunction") == {}


def test_access_map_indexes_exist_on_their_tables(api):
    for grants in DYNAMODB_ACCESS.values():
        for target in grants:
            table_id, _, index_path = target.partition("/index/")
            if index_path:
                index_names = [
                    index["IndexName"] for index in props(api, table_id)["GlobalSecondaryIndexes"]
                ]
                assert index_path in index_names


def _manage_connections_resources(api: dict, function_id: str) -> list:
    found = []
    for statement in role_statements(api, role_of(api, function_id)):
        if "execute-api:ManageConnections" in as_list(statement["Action"]):
            found += as_list(statement["Resource"])
    return found


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_manage_connections_is_scoped_to_this_api_stage_and_method(api, function_id):
    expected = [
        {
            "Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:"
            f"${{WebSocketApi}}/${{StageName}}/{method}/@connections/*"
        }
        for method in MANAGE_CONNECTIONS_METHODS.get(function_id, ())
    ]
    assert _manage_connections_resources(api, function_id) == expected


def test_only_the_message_function_may_delete_connections(api):
    deleters = [
        function_id
        for function_id in FUNCTIONS
        if any(
            "/DELETE/@connections/*" in resource["Fn::Sub"]
            for resource in _manage_connections_resources(api, function_id)
        )
    ]
    assert deleters == ["MessageFunction"]


def test_disconnect_and_message_may_post_to_connections(api):
    for function_id in ("DisconnectFunction", "MessageFunction"):
        assert any(
            "/POST/@connections/*" in resource["Fn::Sub"]
            for resource in _manage_connections_resources(api, function_id)
        )


@pytest.mark.parametrize("function_id", FUNCTIONS)
def test_function_writes_only_to_its_own_log_group(api, function_id):
    log_statements = [
        s
        for s in role_statements(api, role_of(api, function_id))
        if any(a.startswith("logs:") for a in as_list(s["Action"]))
    ]
    assert log_statements
    for statement in log_statements:
        assert as_list(statement["Resource"]) == [{"Fn::GetAtt": [f"{function_id}LogGroup", "Arn"]}]
        assert "logs:CreateLogGroup" not in as_list(statement["Action"])


@pytest.mark.parametrize(("route_id", "route"), ROUTES.items())
def test_route_function_permission_is_limited_to_its_route_on_this_api(api, route_id, route):
    route_key, _, function_id = route
    permission = props(api, f"{function_id}ApiPermission")
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["FunctionName"] == {"Fn::GetAtt": [function_id, "Arn"]}
    assert permission["SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:"
        f"${{WebSocketApi}}/*/{route_key}"
    }


def test_authorizer_permission_is_limited_to_the_connect_authorizer(api):
    permission = props(api, "AuthorizerFunctionApiPermission")
    assert permission["FunctionName"] == {"Fn::GetAtt": ["AuthorizerFunction", "Arn"]}
    assert permission["SourceArn"]["Fn::Sub"].endswith(
        ":${WebSocketApi}/authorizers/${ConnectAuthorizer}"
    )


def test_every_lambda_permission_has_a_source_arn(api):
    permissions = resources_of_type(api, "AWS::Lambda::Permission")
    assert len(permissions) == len(FUNCTIONS)
    for permission in permissions.values():
        assert "${WebSocketApi}" in permission["Properties"]["SourceArn"]["Fn::Sub"]


def test_stage_defaults_to_prod_and_deploys_automatically(api):
    stage = props(api, "WebSocketStage")
    assert stage["StageName"] == {"Ref": "StageName"}
    assert api["Parameters"]["StageName"]["Default"] == "prod"
    assert stage["AutoDeploy"] is True
    assert stage["ApiId"] == {"Ref": "WebSocketApi"}


def test_stage_throttles_default_routes_from_parameters(api):
    settings = props(api, "WebSocketStage")["DefaultRouteSettings"]
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ThrottlingBurstLimit"}
    assert settings["ThrottlingRateLimit"] == {"Ref": "ThrottlingRateLimit"}


def test_stage_access_logs_go_to_a_log_group_with_retention(api):
    access = props(api, "WebSocketStage")["AccessLogSettings"]
    group_id = access["DestinationArn"]["Fn::GetAtt"][0]
    assert api["Resources"][group_id]["Type"] == "AWS::Logs::LogGroup"
    assert props(api, group_id)["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert "$context.connectionId" in access["Format"]


TABLE_KEYS = {
    "ConnectionsTable": [("connectionId", "HASH")],
    "SessionsTable": [("sessionId", "HASH")],
    "MessagesTable": [("sessionId", "HASH"), ("seq", "RANGE")],
}
TABLE_INDEXES = {
    "ConnectionsTable": {"sessionId-index": [("sessionId", "HASH")]},
    "SessionsTable": {"userId-index": [("userId", "HASH"), ("createdAt", "RANGE")]},
    "MessagesTable": {},
}
ATTRIBUTE_TYPES = {
    "connectionId": "S",
    "sessionId": "S",
    "userId": "S",
    "createdAt": "N",
    "seq": "N",
}


def _key_pairs(key_schema: list[dict]) -> list[tuple[str, str]]:
    return [(key["AttributeName"], key["KeyType"]) for key in key_schema]


@pytest.mark.parametrize("table_id", TABLE_KEYS)
def test_table_keys_and_indexes_match_the_contract(api, table_id):
    table = props(api, table_id)
    assert "TableName" not in table
    assert _key_pairs(table["KeySchema"]) == TABLE_KEYS[table_id]
    indexes = {index["IndexName"]: index for index in table.get("GlobalSecondaryIndexes", [])}
    assert {name: _key_pairs(i["KeySchema"]) for name, i in indexes.items()} == (
        TABLE_INDEXES[table_id]
    )
    for index in indexes.values():
        assert index["Projection"] == {"ProjectionType": "ALL"}


@pytest.mark.parametrize("table_id", TABLE_KEYS)
def test_table_declares_exactly_its_key_attributes_with_types(api, table_id):
    used = {name for name, _ in TABLE_KEYS[table_id]}
    for keys in TABLE_INDEXES[table_id].values():
        used |= {name for name, _ in keys}
    declared = {
        a["AttributeName"]: a["AttributeType"] for a in props(api, table_id)["AttributeDefinitions"]
    }
    assert declared == {name: ATTRIBUTE_TYPES[name] for name in used}


@pytest.mark.parametrize("table_id", TABLE_KEYS)
def test_table_is_on_demand_encrypted_and_expires_items_by_ttl(api, table_id):
    table = props(api, table_id)
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert table["SSESpecification"] == {"SSEEnabled": True}


@pytest.mark.parametrize("table_id", TABLE_KEYS)
def test_table_recovery_and_deletion_policy_come_from_parameters(api, table_id):
    resource = api["Resources"][table_id]
    pitr = resource["Properties"]["PointInTimeRecoverySpecification"]
    assert pitr == {"PointInTimeRecoveryEnabled": {"Fn::If": ["PointInTimeRecovery", True, False]}}
    assert api["Conditions"]["PointInTimeRecovery"] == {
        "Fn::Equals": [{"Ref": "EnablePointInTimeRecovery"}, "true"]
    }
    assert resource["DeletionPolicy"] == {"Ref": "TableDeletionPolicy"}
    assert resource["UpdateReplacePolicy"] == {"Ref": "TableDeletionPolicy"}


def test_parameterised_deletion_policy_is_enabled_by_language_extensions(api):
    assert api["Transform"][0] == "AWS::LanguageExtensions"
    assert "AWS::Serverless-2016-10-31" in api["Transform"]


def test_user_pool_signs_in_by_verified_email_with_a_password_policy(api):
    pool = props(api, "UserPool")
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["AutoVerifiedAttributes"] == ["email"]
    password = pool["Policies"]["PasswordPolicy"]
    assert password["MinimumLength"] >= 8
    assert password["RequireLowercase"] and password["RequireNumbers"]


def test_app_client_has_no_secret_and_the_expected_flows(api):
    client = props(api, "UserPoolClient")
    assert client["GenerateSecret"] is False
    assert sorted(client["ExplicitAuthFlows"]) == [
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_USER_SRP_AUTH",
    ]
    assert client["AllowedOAuthFlows"] == ["code"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert sorted(client["AllowedOAuthScopes"]) == ["email", "openid", "profile"]


def test_app_client_urls_come_from_parameters_that_include_localhost(api):
    client = props(api, "UserPoolClient")
    assert client["CallbackURLs"] == {"Ref": "CallbackUrls"}
    assert client["LogoutURLs"] == {"Ref": "LogoutUrls"}
    callback = api["Parameters"]["CallbackUrls"]
    assert callback["Type"] == "CommaDelimitedList"
    assert "http://localhost:3000/auth/callback" in callback["Default"].split(",")


def test_hosted_ui_domain_uses_the_prefix_parameter_or_a_derived_default(api):
    domain = props(api, "UserPoolDomain")["Domain"]["Fn::If"]
    assert domain[0] == "HasCognitoDomainPrefix"
    assert domain[1] == {"Ref": "CognitoDomainPrefix"}
    derived = repr(domain[2])
    assert "AWS::AccountId" in derived and "AWS::StackId" in derived
    assert api["Parameters"]["CognitoDomainPrefix"]["Default"] == ""


def test_every_parameter_has_a_description_and_a_default(api):
    for name, parameter in api["Parameters"].items():
        assert parameter.get("Description"), name
        assert "Default" in parameter, name


API_OUTPUTS = (
    "WebSocketUrl",
    "WebSocketApiId",
    "UserPoolId",
    "UserPoolClientId",
    "UserPoolDomain",
    "CognitoHostedUIUrl",
    "ConnectionsTableName",
    "SessionsTableName",
    "MessagesTableName",
)


def test_all_outputs_are_present(api):
    assert set(API_OUTPUTS) <= set(api["Outputs"])


def test_websocket_url_output_is_the_wss_stage_url(api):
    assert api["Outputs"]["WebSocketUrl"]["Value"] == {
        "Fn::Sub": "wss://${WebSocketApi}.execute-api.${AWS::Region}.amazonaws.com/${StageName}"
    }
