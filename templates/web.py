"""The web stack (us-east-1): private S3 bucket behind CloudFront, Lambda@Edge sign-in.

`build_web_template()` is the only public entry point; each `_add_*` helper adds one concern.
The edge functions read no environment: their settings are baked into the package at build
time (`src/edge_auth/edge_config.json`, see docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from awacs import logs as logs_actions
from awacs import s3 as s3_actions
from awacs.aws import Allow, Bool, Condition, Deny, Principal, Statement, StringEquals
from awacs.aws import PolicyDocument as AwacsPolicyDocument
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
    iam,
    s3,
    serverless,
)
from troposphere import (
    cloudfront as cf,
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

EDGE_CODE_URI = "../src/edge_auth"  # relative to build/, where synth writes the template
EDGE_ALIAS = "live"
EDGE_MEMORY_MB = 128  # viewer-request triggers allow at most 128 MB and 5 s
EDGE_TIMEOUT_S = 5
# Lambda@Edge writes to "/aws/lambda/us-east-1.<name>" in the region nearest each viewer.
EDGE_LOG_PREFIX = "/aws/lambda/us-east-1."
EDGE_FUNCTIONS = (
    # logical id, handler, description
    ("ViewerRequestFunction", "viewer_request.handler", "Viewer sign-in check"),
    ("AuthCallbackFunction", "callback.handler", "OAuth code exchange at /auth/callback"),
)
CALLBACK_PATH = "/auth/callback"
ORIGIN_ID = "WebBucketOrigin"
# AWS managed cache policies (ids are fixed by AWS).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
HSTS_MAX_AGE_S = 63072000  # two years


def build_web_template() -> Template:
    """The complete web stack (SAM template, deploy in us-east-1) as a troposphere Template."""
    template = Template(
        Description="Always Coder web: private S3 site behind CloudFront with Lambda@Edge sign-in"
    )
    template.set_version("2010-09-09")
    template.set_transform(SAM_TRANSFORM)
    _add_parameters(template)
    _add_conditions(template)
    _add_region_rule(template)
    _add_bucket(template)
    _add_edge_functions(template)
    _add_security_headers(template)
    _add_distribution(template)
    _add_bucket_policy(template)
    _add_outputs(template)
    return template


def _add_parameters(template: Template) -> None:
    params = {
        "EnableAuth": {
            "Type": "String",
            "Default": "true",
            "AllowedValues": ["true", "false"],
            "Description": "Require Cognito sign-in at the edge (false removes the Lambda@Edge "
            "associations)",
        },
        "UserPoolId": {
            "Type": "String",
            "Default": "",
            "AllowedPattern": "^([a-z0-9-]+_[A-Za-z0-9]+)?$",
            "Description": "The API stack's UserPoolId output",
        },
        "UserPoolClientId": {
            "Type": "String",
            "Default": "",
            "Description": "The API stack's UserPoolClientId output (recorded with the "
            "stack; the edge reads it from the baked-in edge_config.json)",
        },
        "CognitoDomain": {
            "Type": "String",
            "Default": "",
            "AllowedPattern": "^([a-z0-9.-]+)?$",
            "Description": "The API stack's UserPoolDomain output (host name, no scheme)",
        },
        "WebSocketUrl": {
            "Type": "String",
            "Default": "",
            "AllowedPattern": "^(wss://[A-Za-z0-9.:/_-]+)?$",
            "Description": "The API stack's WebSocketUrl output (allowed by the page's CSP)",
        },
        "PriceClass": {
            "Type": "String",
            "Default": "PriceClass_100",
            "AllowedValues": ["PriceClass_100", "PriceClass_200", "PriceClass_All"],
            "Description": "CloudFront edge locations to use (100 is cheapest)",
        },
        "LogRetentionDays": log_retention_parameter(),
    }
    for name, props in params.items():
        template.add_parameter(Parameter(name, **props))


def _add_conditions(template: Template) -> None:
    template.add_condition("AuthEnabled", Equals(Ref("EnableAuth"), "true"))
    template.add_condition("HasWebSocketUrl", Not(Equals(Ref("WebSocketUrl"), "")))
    template.add_condition("HasCognitoDomain", Not(Equals(Ref("CognitoDomain"), "")))
    template.add_condition("HasUserPoolId", Not(Equals(Ref("UserPoolId"), "")))


def _add_region_rule(template: Template) -> None:
    template.add_rule(
        "DeployInUsEast1",
        {
            "Assertions": [
                {
                    "Assert": Equals(Ref("AWS::Region"), "us-east-1"),
                    "AssertDescription": "Lambda@Edge functions must be created in us-east-1",
                }
            ]
        },
    )


def _add_bucket(template: Template) -> None:
    template.add_resource(
        s3.Bucket(
            "WebBucket",
            BucketEncryption=s3.BucketEncryption(
                ServerSideEncryptionConfiguration=[
                    s3.ServerSideEncryptionRule(
                        ServerSideEncryptionByDefault=s3.ServerSideEncryptionByDefault(
                            SSEAlgorithm="AES256"
                        )
                    )
                ]
            ),
            PublicAccessBlockConfiguration=s3.PublicAccessBlockConfiguration(
                BlockPublicAcls=True,
                BlockPublicPolicy=True,
                IgnorePublicAcls=True,
                RestrictPublicBuckets=True,
            ),
            OwnershipControls=s3.OwnershipControls(
                Rules=[s3.OwnershipControlsRule(ObjectOwnership="BucketOwnerEnforced")]
            ),
        )
    )


def _add_bucket_policy(template: Template) -> None:
    bucket_arn = GetAtt("WebBucket", "Arn")
    objects_arn = Sub("${WebBucket.Arn}/*")
    distribution_arn = Sub(
        "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${WebDistribution}"
    )
    document = AwacsPolicyDocument(
        Version="2012-10-17",
        Statement=[
            Statement(
                Sid="DenyInsecureTransport",
                Effect=Deny,
                Principal=Principal("*"),
                Action=[s3_actions.Action("*")],
                Resource=[bucket_arn, objects_arn],
                Condition=Condition(Bool("aws:SecureTransport", False)),
            ),
            Statement(
                Sid="AllowCloudFrontRead",
                Effect=Allow,
                Principal=Principal("Service", "cloudfront.amazonaws.com"),
                Action=[s3_actions.GetObject],
                Resource=[objects_arn],
                Condition=Condition(StringEquals("AWS:SourceArn", distribution_arn)),
            ),
        ],
    )
    template.add_resource(
        s3.BucketPolicy("WebBucketPolicy", Bucket=Ref("WebBucket"), PolicyDocument=document)
    )


def _add_edge_functions(template: Template) -> None:
    template.add_resource(
        iam.Role(
            "EdgeFunctionRole",
            Description=Sub("${AWS::StackName} Lambda@Edge functions"),
            AssumeRolePolicyDocument=trust_policy(
                "lambda.amazonaws.com", "edgelambda.amazonaws.com"
            ),
        )
    )
    log_resources = []
    for function_id, handler, description in EDGE_FUNCTIONS:
        template.add_resource(
            serverless.Function(
                function_id,
                Description=description,
                CodeUri=EDGE_CODE_URI,
                Handler=handler,
                Runtime=PYTHON_RUNTIME,
                Architectures=["x86_64"],
                MemorySize=EDGE_MEMORY_MB,
                Timeout=EDGE_TIMEOUT_S,
                AutoPublishAlias=EDGE_ALIAS,
                Role=GetAtt("EdgeFunctionRole", "Arn"),
                Metadata=MAKEFILE_BUILD,
            )
        )
        function_log_group(template, function_id, retention_ref(), name_prefix=EDGE_LOG_PREFIX)
        # Replicas log in whichever region serves the viewer, so the region is a wildcard.
        group_arn = (
            "arn:${AWS::Partition}:logs:*:${AWS::AccountId}:log-group:"
            f"{EDGE_LOG_PREFIX}${{{function_id}}}"
        )
        log_resources += [Sub(group_arn), Sub(group_arn + ":*")]
    # A separate policy because the log groups' names need the functions, which need the role.
    template.add_resource(
        iam.PolicyType(
            "EdgeFunctionLogPolicy",
            Roles=[Ref("EdgeFunctionRole")],
            PolicyName="WriteOwnLogs",
            PolicyDocument=AwacsPolicyDocument(
                Version="2012-10-17",
                Statement=[
                    Statement(
                        Effect=Allow,
                        Action=[
                            logs_actions.CreateLogGroup,
                            logs_actions.CreateLogStream,
                            logs_actions.PutLogEvents,
                        ],
                        Resource=log_resources,
                    )
                ],
            ),
        )
    )


def _content_security_policy() -> Join:
    connect_sources = Join(
        "",
        [
            "connect-src 'self'",
            If("HasWebSocketUrl", Sub(" ${WebSocketUrl}"), ""),
            If("HasCognitoDomain", Sub(" https://${CognitoDomain}"), ""),
            # Sign-in API calls (SRP, refresh) go to the pool's region: "<region>_<id>".
            If(
                "HasUserPoolId",
                Sub(
                    " https://cognito-idp.${PoolRegion}.amazonaws.com",
                    PoolRegion=Select(0, Split("_", Ref("UserPoolId"))),
                ),
                "",
            ),
        ],
    )
    return Join(
        "; ",
        [
            "default-src 'self'",
            connect_sources,
            "img-src 'self' data:",
            "style-src 'self' 'unsafe-inline'",
            "script-src 'self'",
            "font-src 'self' data:",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
        ],
    )


def _add_security_headers(template: Template) -> None:
    template.add_resource(
        cf.ResponseHeadersPolicy(
            "SecurityHeadersPolicy",
            ResponseHeadersPolicyConfig=cf.ResponseHeadersPolicyConfig(
                Name=Sub("${AWS::StackName}-security-headers"),
                Comment="HSTS, nosniff, no framing, referrer policy and CSP",
                SecurityHeadersConfig=cf.SecurityHeadersConfig(
                    StrictTransportSecurity=cf.StrictTransportSecurity(
                        AccessControlMaxAgeSec=HSTS_MAX_AGE_S,
                        IncludeSubdomains=True,
                        Preload=True,
                        Override=True,
                    ),
                    ContentTypeOptions=cf.ContentTypeOptions(Override=True),
                    FrameOptions=cf.FrameOptions(FrameOption="DENY", Override=True),
                    ReferrerPolicy=cf.ReferrerPolicy(
                        ReferrerPolicy="strict-origin-when-cross-origin", Override=True
                    ),
                    ContentSecurityPolicy=cf.ContentSecurityPolicy(
                        ContentSecurityPolicy=_content_security_policy(), Override=True
                    ),
                ),
            ),
        )
    )


def _edge_association(function_id: str) -> cf.LambdaFunctionAssociation:
    return cf.LambdaFunctionAssociation(
        EventType="viewer-request",
        LambdaFunctionARN=Ref(f"{function_id}.Version"),  # SAM: the published version's ARN
    )


def _add_distribution(template: Template) -> None:
    template.add_resource(
        cf.OriginAccessControl(
            "WebOriginAccessControl",
            OriginAccessControlConfig=cf.OriginAccessControlConfig(
                Name=Sub("${AWS::StackName}-web"),
                Description="CloudFront signs its requests to the web bucket",
                OriginAccessControlOriginType="s3",
                SigningBehavior="always",
                SigningProtocol="sigv4",
            ),
        )
    )
    default_behavior = cf.DefaultCacheBehavior(
        TargetOriginId=ORIGIN_ID,
        ViewerProtocolPolicy="redirect-to-https",
        AllowedMethods=["GET", "HEAD", "OPTIONS"],
        CachedMethods=["GET", "HEAD"],
        Compress=True,
        CachePolicyId=CACHING_OPTIMIZED,
        ResponseHeadersPolicyId=Ref("SecurityHeadersPolicy"),
        LambdaFunctionAssociations=If(
            "AuthEnabled", [_edge_association("ViewerRequestFunction")], Ref(AWS_NO_VALUE)
        ),
    )
    callback_behavior = cf.CacheBehavior(
        PathPattern=CALLBACK_PATH,
        TargetOriginId=ORIGIN_ID,
        ViewerProtocolPolicy="redirect-to-https",
        AllowedMethods=["GET", "HEAD"],
        Compress=True,
        CachePolicyId=CACHING_DISABLED,
        ResponseHeadersPolicyId=Ref("SecurityHeadersPolicy"),
        LambdaFunctionAssociations=[_edge_association("AuthCallbackFunction")],
    )
    template.add_resource(
        cf.Distribution(
            "WebDistribution",
            DistributionConfig=cf.DistributionConfig(
                Enabled=True,
                Comment=Sub("${AWS::StackName} web client"),
                DefaultRootObject="index.html",
                HttpVersion="http2and3",
                IPV6Enabled=True,
                PriceClass=Ref("PriceClass"),
                Origins=[
                    cf.Origin(
                        Id=ORIGIN_ID,
                        DomainName=GetAtt("WebBucket", "RegionalDomainName"),
                        # Empty identity: access goes through the origin access control.
                        S3OriginConfig=cf.S3OriginConfig(OriginAccessIdentity=""),
                        OriginAccessControlId=GetAtt("WebOriginAccessControl", "Id"),
                    )
                ],
                DefaultCacheBehavior=default_behavior,
                CacheBehaviors=If("AuthEnabled", [callback_behavior], Ref(AWS_NO_VALUE)),
                # A single-page app: unknown paths (S3 answers 403 without ListBucket) get it.
                CustomErrorResponses=[
                    cf.CustomErrorResponse(
                        ErrorCode=code,
                        ResponseCode=200,
                        ResponsePagePath="/index.html",
                        ErrorCachingMinTTL=10,
                    )
                    for code in (403, 404)
                ],
                ViewerCertificate=cf.ViewerCertificate(CloudFrontDefaultCertificate=True),
            ),
        )
    )


def _add_outputs(template: Template) -> None:
    outputs = {
        "WebUrl": (Sub("https://${WebDistribution.DomainName}"), "The web client's URL"),
        "WebBucketName": (Ref("WebBucket"), "Bucket to publish the web client into"),
        "DistributionId": (Ref("WebDistribution"), "CloudFront distribution (invalidations)"),
        "CognitoCallbackUrl": (
            Sub(f"https://${{WebDistribution.DomainName}}{CALLBACK_PATH}"),
            "Add to the API stack's CallbackUrls parameter",
        ),
    }
    for name, (value, description) in outputs.items():
        template.add_output(Output(name, Value=value, Description=description))
