"""The API stack: WebSocket API, four Lambda functions, three DynamoDB tables, Cognito.

`build_api_template()` is the only public entry point; each `_add_*` helper adds one concern.
Logical ids, handler strings and environment names follow docs/ARCHITECTURE.md (the local
gateway and the deployer read them).
"""

from __future__ import annotations

from dataclasses import dataclass

from awacs import dynamodb, execute_api
from awacs import logs as logs_actions
from awacs.aws import Allow, PolicyDocument, Statement
from troposphere import (
    AWS_NO_VALUE,
    Equals,
    GetAtt,
    If,
    Join,
    Not,
    Output,
    Parameter,
    Ref,
    Select,
    Split,
    Sub,
    Template,
    apigateway,
    apigatewayv2,
    awslambda,
    cognito,
    iam,
    logs,
    serverless,
)
from troposphere import (
    dynamodb as ddb,
)

from templates.common import (
    MAKEFILE_BUILD,
    PYTHON_RUNTIME,
    SAM_TRANSFORM,
    function_log_group,
    log_retention_parameter,
    retention_ref,
    trust_policy,
)

LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"  # lets DeletionPolicy take a parameter
HANDLERS_CODE_URI = "../src/handlers"  # relative to build/, where synth writes the template
RELAY_FUNCTIONS = ("ConnectFunction", "DisconnectFunction", "MessageFunction")

# Which DynamoDB actions each function may call, per table or index. The key is a table's
# logical id, or "<table logical id>/index/<index name>" for a GSI. Adjust here only.
DYNAMODB_ACCESS: dict[str, dict[str, tuple[str, ...]]] = {
    "ConnectFunction": {
        "ConnectionsTable": ("PutItem",),
    },
    "DisconnectFunction": {
        "ConnectionsTable": ("DeleteItem",),
        "SessionsTable": ("UpdateItem",),
    },
    "MessageFunction": {
        "ConnectionsTable": ("GetItem", "UpdateItem", "DeleteItem"),
        "ConnectionsTable/index/sessionId-index": ("Query",),
        "SessionsTable": ("GetItem", "PutItem", "UpdateItem", "DeleteItem"),
        "SessionsTable/index/userId-index": ("Query",),
        "MessagesTable": ("PutItem", "DeleteItem", "Query", "BatchWriteItem"),
    },
    "AuthorizerFunction": {},
}  # fmt: skip

# HTTP methods each function may use on the API Gateway management API (@connections).
MANAGE_CONNECTIONS_METHODS: dict[str, tuple[str, ...]] = {
    "DisconnectFunction": ("POST",),
    "MessageFunction": ("POST", "DELETE"),
}


@dataclass(frozen=True)
class FunctionSpec:
    """One API-stack function: its logical id, handler, size and route."""

    logical_id: str
    handler: str
    memory_mb: int
    timeout: int | Ref
    description: str


@dataclass(frozen=True)
class TableSpec:
    logical_id: str
    hash_key: tuple[str, str]
    range_key: tuple[str, str] | None
    indexes: tuple[tuple[str, tuple[str, str], tuple[str, str] | None], ...]
    description: str


TABLES = (
    TableSpec(
        "ConnectionsTable",
        ("connectionId", "S"),
        None,
        (("sessionId-index", ("sessionId", "S"), None),),
        "One item per open WebSocket connection",
    ),
    TableSpec(
        "SessionsTable",
        ("sessionId", "S"),
        None,
        (("userId-index", ("userId", "S"), ("createdAt", "N")),),
        "One item per relay session",
    ),
    TableSpec(
        "MessagesTable",
        ("sessionId", "S"),
        ("seq", "N"),
        (),
        "Cached encrypted envelopes per session",
    ),
)


def build_api_template() -> Template:
    """The complete API stack (SAM template) as a troposphere Template."""
    template = Template(
        Description="Always Coder API: WebSocket relay on Lambda and DynamoDB, Cognito users"
    )
    template.set_version("2010-09-09")
    template.set_transform([LANGUAGE_EXTENSIONS, SAM_TRANSFORM])
    _add_parameters(template)
    _add_conditions(template)
    _add_tables(template)
    _add_cognito(template)
    _add_websocket_api(template)
    for spec in _function_specs():
        _add_function(template, spec)
    _add_routes(template)
    _add_stage(template)
    _add_outputs(template)
    return template


def _function_specs() -> tuple[FunctionSpec, ...]:
    return (
        FunctionSpec("ConnectFunction", "connect.handler", 256, 10, "WebSocket $connect"),
        FunctionSpec("DisconnectFunction", "disconnect.handler", 256, 15, "WebSocket $disconnect"),
        FunctionSpec(
            "MessageFunction", "message.handler", 512, Ref("MessageTimeout"), "WebSocket $default"
        ),
        FunctionSpec("AuthorizerFunction", "authorizer.handler", 256, 10, "$connect authorizer"),
    )


def _add_parameters(template: Template) -> None:
    params = {
        "StageName": {
            "Type": "String",
            "Default": "prod",
            "AllowedPattern": "^[A-Za-z0-9_-]{1,128}$",
            "Description": "WebSocket API stage name (the last part of WebSocketUrl)",
        },
        "AllowAnonymous": {
            "Type": "String",
            "Default": "true",
            "AllowedValues": ["true", "false"],
            "Description": "Let clients connect without a Cognito token (the web client does)",
        },
        "MessageCacheMode": {
            "Type": "String",
            "Default": "undelivered",
            "AllowedValues": ["undelivered", "all", "off"],
            "Description": "Which envelopes the relay keeps for late joiners",
        },
        "MessageCacheSize": {
            "Type": "Number",
            "Default": "200",
            "MinValue": "1",
            "MaxValue": "10000",
            "Description": "Envelopes kept per session",
        },
        "MaxWebsPerSession": {
            "Type": "Number",
            "Default": "32",
            "MinValue": "1",
            "MaxValue": "1000",
            "Description": "Web clients allowed in one session",
        },
        "MessageTimeout": {
            "Type": "Number",
            "Default": "30",
            "MinValue": "3",
            "MaxValue": "900",
            "Description": "Seconds the $default (message) function may run",
        },
        "LogRetentionDays": log_retention_parameter(),
        "ThrottlingBurstLimit": {
            "Type": "Number",
            "Default": "500",
            "MinValue": "0",
            "Description": "Stage default route burst limit (requests)",
        },
        "ThrottlingRateLimit": {
            "Type": "Number",
            "Default": "1000",
            "MinValue": "0",
            "Description": "Stage default route steady rate limit (requests per second)",
        },
        "EnablePointInTimeRecovery": {
            "Type": "String",
            "Default": "false",
            "AllowedValues": ["true", "false"],
            "Description": "Point-in-time recovery for the tables (data is short-lived)",
        },
        "TableDeletionPolicy": {
            "Type": "String",
            "Default": "Delete",
            "AllowedValues": ["Delete", "Retain"],
            "Description": "What happens to the tables when the stack deletes or replaces them",
        },
        "CallbackUrls": {
            "Type": "CommaDelimitedList",
            "Default": "http://localhost:3000/auth/callback",
            "Description": "OAuth callback URLs of the app client (add the web stack's "
            "CognitoCallbackUrl here)",
        },
        "LogoutUrls": {
            "Type": "CommaDelimitedList",
            "Default": "http://localhost:3000/",
            "Description": "OAuth sign-out URLs of the app client",
        },
        "CognitoDomainPrefix": {
            "Type": "String",
            "Default": "",
            "AllowedPattern": "^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)?$",
            "Description": "Hosted UI domain prefix; empty derives "
            "always-coder-<account id>-<stack id part>",
        },
        "SetApiGatewayAccountLogRole": {
            "Type": "String",
            "Default": "true",
            "AllowedValues": ["true", "false"],
            "Description": "Set the account's API Gateway CloudWatch role (needed once per "
            "account and region for access logs); false if one is already set",
        },
    }
    for name, props in params.items():
        template.add_parameter(Parameter(name, **props))


def _add_conditions(template: Template) -> None:
    template.add_condition("HasCognitoDomainPrefix", Not(Equals(Ref("CognitoDomainPrefix"), "")))
    template.add_condition("PointInTimeRecovery", Equals(Ref("EnablePointInTimeRecovery"), "true"))
    template.add_condition(
        "SetApiGatewayLogRole", Equals(Ref("SetApiGatewayAccountLogRole"), "true")
    )


def _add_tables(template: Template) -> None:
    for spec in TABLES:
        template.add_resource(_table(spec))


def _table(spec: TableSpec) -> ddb.Table:
    attributes = {spec.hash_key}
    key_schema = [ddb.KeySchema(AttributeName=spec.hash_key[0], KeyType="HASH")]
    if spec.range_key:
        attributes.add(spec.range_key)
        key_schema.append(ddb.KeySchema(AttributeName=spec.range_key[0], KeyType="RANGE"))
    indexes = []
    for index_name, index_hash, index_range in spec.indexes:
        attributes.add(index_hash)
        index_keys = [ddb.KeySchema(AttributeName=index_hash[0], KeyType="HASH")]
        if index_range:
            attributes.add(index_range)
            index_keys.append(ddb.KeySchema(AttributeName=index_range[0], KeyType="RANGE"))
        indexes.append(
            ddb.GlobalSecondaryIndex(
                IndexName=index_name,
                KeySchema=index_keys,
                Projection=ddb.Projection(ProjectionType="ALL"),
            )
        )
    table = ddb.Table(
        spec.logical_id,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            ddb.AttributeDefinition(AttributeName=name, AttributeType=kind)
            for name, kind in sorted(attributes)
        ],
        KeySchema=key_schema,
        TimeToLiveSpecification=ddb.TimeToLiveSpecification(AttributeName="ttl", Enabled=True),
        SSESpecification=ddb.SSESpecification(SSEEnabled=True),
        PointInTimeRecoverySpecification=ddb.PointInTimeRecoverySpecification(
            PointInTimeRecoveryEnabled=If("PointInTimeRecovery", True, False)
        ),
    )
    if indexes:
        table.GlobalSecondaryIndexes = indexes
    # Plain CloudFormation takes only literals here; AWS::LanguageExtensions resolves the Ref.
    table.DeletionPolicy = Ref("TableDeletionPolicy")
    table.UpdateReplacePolicy = Ref("TableDeletionPolicy")
    return table


def _add_cognito(template: Template) -> None:
    template.add_resource(
        cognito.UserPool(
            "UserPool",
            UserPoolName=Sub("${AWS::StackName}-users"),
            UsernameAttributes=["email"],
            AutoVerifiedAttributes=["email"],
            UsernameConfiguration=cognito.UsernameConfiguration(CaseSensitive=False),
            Schema=[cognito.SchemaAttribute(Name="email", Required=True, Mutable=True)],
            Policies=cognito.Policies(
                PasswordPolicy=cognito.PasswordPolicy(
                    MinimumLength=12,
                    RequireLowercase=True,
                    RequireUppercase=True,
                    RequireNumbers=True,
                    RequireSymbols=False,
                    TemporaryPasswordValidityDays=7,
                )
            ),
            AccountRecoverySetting=cognito.AccountRecoverySetting(
                RecoveryMechanisms=[cognito.RecoveryOption(Name="verified_email", Priority=1)]
            ),
            AdminCreateUserConfig=cognito.AdminCreateUserConfig(AllowAdminCreateUserOnly=False),
        )
    )
    template.add_resource(
        cognito.UserPoolClient(
            "UserPoolClient",
            ClientName=Sub("${AWS::StackName}-web"),
            UserPoolId=Ref("UserPool"),
            GenerateSecret=False,
            ExplicitAuthFlows=[
                "ALLOW_USER_SRP_AUTH",
                "ALLOW_USER_PASSWORD_AUTH",
                "ALLOW_REFRESH_TOKEN_AUTH",
            ],
            AllowedOAuthFlowsUserPoolClient=True,
            AllowedOAuthFlows=["code"],
            AllowedOAuthScopes=["openid", "email", "profile"],
            CallbackURLs=Ref("CallbackUrls"),
            LogoutURLs=Ref("LogoutUrls"),
            SupportedIdentityProviders=["COGNITO"],
            PreventUserExistenceErrors="ENABLED",
            EnableTokenRevocation=True,
        )
    )
    # Cognito prefixes must be lowercase, and stack names may not be; the stack id's UUID is.
    stack_uuid_head = Select(0, Split("-", Select(2, Split("/", Ref("AWS::StackId")))))
    derived_prefix = Join("-", ["always-coder", Ref("AWS::AccountId"), stack_uuid_head])
    template.add_resource(
        cognito.UserPoolDomain(
            "UserPoolDomain",
            UserPoolId=Ref("UserPool"),
            Domain=If("HasCognitoDomainPrefix", Ref("CognitoDomainPrefix"), derived_prefix),
        )
    )


def _add_websocket_api(template: Template) -> None:
    template.add_resource(
        apigatewayv2.Api(
            "WebSocketApi",
            Name=Sub("${AWS::StackName}-relay"),
            Description="Always Coder relay between CLI and web clients",
            ProtocolType="WEBSOCKET",
            RouteSelectionExpression="$request.body.action",
        )
    )
    template.add_resource(
        apigatewayv2.Authorizer(
            "ConnectAuthorizer",
            ApiId=Ref("WebSocketApi"),
            Name="ConnectAuthorizer",
            AuthorizerType="REQUEST",
            # No IdentitySource on purpose: with one, API Gateway rejects token-less
            # clients before the authorizer runs, and anonymous clients must reach it.
            AuthorizerUri=_invocation_uri("AuthorizerFunction"),
        )
    )
    template.add_resource(
        awslambda.Permission(
            "AuthorizerFunctionApiPermission",
            Action="lambda:InvokeFunction",
            FunctionName=GetAtt("AuthorizerFunction", "Arn"),
            Principal="apigateway.amazonaws.com",
            SourceArn=Sub(
                "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:"
                "${WebSocketApi}/authorizers/${ConnectAuthorizer}"
            ),
        )
    )


def _invocation_uri(function_id: str) -> Sub:
    return Sub(
        "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
        f"${{{function_id}.Arn}}/invocations"
    )


def _environment(function_id: str) -> dict[str, object]:
    if function_id == "AuthorizerFunction":
        return {
            "AUTH_ISSUER": Sub("https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"),
            "AUTH_AUDIENCE": Ref("UserPoolClient"),
            "ALLOW_ANONYMOUS": Ref("AllowAnonymous"),
            "COGNITO_USER_POOL_ID": Ref("UserPool"),
        }
    return {
        "CONNECTIONS_TABLE": Ref("ConnectionsTable"),
        "SESSIONS_TABLE": Ref("SessionsTable"),
        "MESSAGES_TABLE": Ref("MessagesTable"),
        "MESSAGE_CACHE_MODE": Ref("MessageCacheMode"),
        "MESSAGE_CACHE_SIZE": Ref("MessageCacheSize"),
        "MAX_WEBS_PER_SESSION": Ref("MaxWebsPerSession"),
        "COGNITO_USER_POOL_ID": Ref("UserPool"),
    }


def _add_function(template: Template, spec: FunctionSpec) -> None:
    role_id = f"{spec.logical_id}Role"
    role = iam.Role(
        role_id,
        Description=Sub(f"${{AWS::StackName}} {spec.logical_id}"),
        AssumeRolePolicyDocument=trust_policy("lambda.amazonaws.com"),
    )
    data_policies = _data_policies(spec.logical_id)
    if data_policies:
        role.Policies = data_policies
    template.add_resource(role)
    template.add_resource(
        serverless.Function(
            spec.logical_id,
            Description=spec.description,
            CodeUri=HANDLERS_CODE_URI,
            Handler=spec.handler,
            Runtime=PYTHON_RUNTIME,
            Architectures=["arm64"],
            MemorySize=spec.memory_mb,
            Timeout=spec.timeout,
            Role=GetAtt(role_id, "Arn"),
            Environment=serverless.Environment(Variables=_environment(spec.logical_id)),
            Metadata=MAKEFILE_BUILD,
        )
    )
    log_group = function_log_group(template, spec.logical_id, retention_ref())
    # A separate policy because the log group's name needs the function, which needs the role.
    template.add_resource(
        iam.PolicyType(
            f"{spec.logical_id}LogPolicy",
            Roles=[Ref(role_id)],
            PolicyName="WriteOwnLogs",
            PolicyDocument=PolicyDocument(
                Version="2012-10-17",
                Statement=[
                    Statement(
                        Effect=Allow,
                        Action=[logs_actions.CreateLogStream, logs_actions.PutLogEvents],
                        Resource=[GetAtt(log_group.title, "Arn")],
                    )
                ],
            ),
        )
    )


def _data_policies(function_id: str) -> list[iam.Policy]:
    statements = [
        Statement(
            Effect=Allow,
            Action=[dynamodb.Action(name) for name in actions],
            Resource=[_table_resource_arn(target)],
        )
        for target, actions in DYNAMODB_ACCESS.get(function_id, {}).items()
    ]
    methods = MANAGE_CONNECTIONS_METHODS.get(function_id, ())
    if methods:
        statements.append(
            Statement(
                Effect=Allow,
                Action=[execute_api.ManageConnections],
                Resource=[_connections_arn(method) for method in methods],
            )
        )
    if not statements:
        return []
    document = PolicyDocument(Version="2012-10-17", Statement=statements)
    return [iam.Policy(PolicyName="RelayData", PolicyDocument=document)]


def _table_resource_arn(target: str) -> GetAtt | Sub:
    table_id, _, index_path = target.partition("/")
    if not index_path:
        return GetAtt(table_id, "Arn")
    return Sub(f"${{{table_id}.Arn}}/{index_path}")


def _connections_arn(method: str) -> Sub:
    return Sub(
        "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:"
        f"${{WebSocketApi}}/${{StageName}}/{method}/@connections/*"
    )


ROUTES = (
    # route logical id, route key, integration logical id, function logical id
    ("ConnectRoute", "$connect", "ConnectIntegration", "ConnectFunction"),
    ("DisconnectRoute", "$disconnect", "DisconnectIntegration", "DisconnectFunction"),
    ("DefaultRoute", "$default", "DefaultIntegration", "MessageFunction"),
)


def _add_routes(template: Template) -> None:
    for route_id, route_key, integration_id, function_id in ROUTES:
        template.add_resource(
            apigatewayv2.Integration(
                integration_id,
                ApiId=Ref("WebSocketApi"),
                IntegrationType="AWS_PROXY",
                IntegrationUri=_invocation_uri(function_id),
            )
        )
        is_connect = route_key == "$connect"
        template.add_resource(
            apigatewayv2.Route(
                route_id,
                ApiId=Ref("WebSocketApi"),
                RouteKey=route_key,
                OperationName=route_id,
                AuthorizationType="CUSTOM" if is_connect else "NONE",
                AuthorizerId=Ref("ConnectAuthorizer") if is_connect else Ref(AWS_NO_VALUE),
                Target=Sub(f"integrations/${{{integration_id}}}"),
            )
        )
        template.add_resource(
            awslambda.Permission(
                f"{function_id}ApiPermission",
                Action="lambda:InvokeFunction",
                FunctionName=GetAtt(function_id, "Arn"),
                Principal="apigateway.amazonaws.com",
                SourceArn=Sub(
                    "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:"
                    f"${{WebSocketApi}}/*/{route_key}"
                ),
            )
        )


ACCESS_LOG_FORMAT = (
    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
    '"requestTime":"$context.requestTime","routeKey":"$context.routeKey",'
    '"eventType":"$context.eventType","status":"$context.status",'
    '"connectionId":"$context.connectionId","error":"$context.error.message",'
    '"integrationError":"$context.integrationErrorMessage",'
    '"authorizerError":"$context.authorizer.error"}'
)


def _add_stage(template: Template) -> None:
    template.add_resource(
        logs.LogGroup(
            "ApiAccessLogGroup",
            LogGroupName=Sub("/aws/apigateway/${AWS::StackName}/access"),
            RetentionInDays=retention_ref(),
        )
    )
    # API Gateway (REST and WebSocket) writes logs through one role per account and region.
    role = template.add_resource(
        iam.Role(
            "ApiGatewayCloudWatchRole",
            Condition="SetApiGatewayLogRole",
            DeletionPolicy="Retain",  # the account setting outlives this stack
            UpdateReplacePolicy="Retain",
            AssumeRolePolicyDocument=trust_policy("apigateway.amazonaws.com"),
            ManagedPolicyArns=[
                Sub(
                    "arn:${AWS::Partition}:iam::aws:policy/service-role/"
                    "AmazonAPIGatewayPushToCloudWatchLogs"
                )
            ],
        )
    )
    template.add_resource(
        apigateway.Account(
            "ApiGatewayAccount",
            Condition="SetApiGatewayLogRole",
            DeletionPolicy="Retain",
            UpdateReplacePolicy="Retain",
            CloudWatchRoleArn=GetAtt(role.title, "Arn"),
        )
    )
    template.add_resource(
        apigatewayv2.Stage(
            "WebSocketStage",
            ApiId=Ref("WebSocketApi"),
            StageName=Ref("StageName"),
            AutoDeploy=True,
            # Referencing the account setting (when this stack sets it) orders the stage after it.
            Description=If(
                "SetApiGatewayLogRole",
                Sub("Always Coder relay (log role set by ${ApiGatewayAccount})"),
                "Always Coder relay",
            ),
            DefaultRouteSettings=apigatewayv2.RouteSettings(
                ThrottlingBurstLimit=Ref("ThrottlingBurstLimit"),
                ThrottlingRateLimit=Ref("ThrottlingRateLimit"),
            ),
            AccessLogSettings=apigatewayv2.AccessLogSettings(
                DestinationArn=GetAtt("ApiAccessLogGroup", "Arn"),
                Format=ACCESS_LOG_FORMAT,
            ),
        )
    )


def _add_outputs(template: Template) -> None:
    outputs = {
        "WebSocketUrl": (
            Sub("wss://${WebSocketApi}.execute-api.${AWS::Region}.amazonaws.com/${StageName}"),
            "Clients connect here",
        ),
        "WebSocketApiId": (Ref("WebSocketApi"), "The WebSocket API id"),
        "UserPoolId": (Ref("UserPool"), "Cognito user pool id"),
        "UserPoolClientId": (Ref("UserPoolClient"), "Cognito app client id (no secret)"),
        "UserPoolDomain": (
            Sub("${UserPoolDomain}.auth.${AWS::Region}.amazoncognito.com"),
            "Cognito hosted UI domain name",
        ),
        "CognitoHostedUIUrl": (
            Sub("https://${UserPoolDomain}.auth.${AWS::Region}.amazoncognito.com"),
            "Cognito hosted UI base URL",
        ),
        "ConnectionsTableName": (Ref("ConnectionsTable"), "Connections table"),
        "SessionsTableName": (Ref("SessionsTable"), "Sessions table"),
        "MessagesTableName": (Ref("MessagesTable"), "Messages table"),
    }
    for name, (value, description) in outputs.items():
        template.add_output(Output(name, Value=value, Description=description))
