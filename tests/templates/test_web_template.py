"""The web stack template: private bucket, OAC, CloudFront, Lambda@Edge wiring."""

from __future__ import annotations

import pytest

from tests.templates.queries import as_list, props, resources_of_type, statements

EDGE_FUNCTIONS = {
    "ViewerRequestFunction": "viewer_request.handler",
    "AuthCallbackFunction": "callback.handler",
}


def _distribution(web: dict) -> dict:
    return props(web, "WebDistribution")["DistributionConfig"]


def _bucket_statement(web: dict, sid: str) -> dict:
    document = props(web, "WebBucketPolicy")["PolicyDocument"]
    return next(s for s in statements(document) if s.get("Sid") == sid)


def test_bucket_blocks_all_public_access(web):
    block = props(web, "WebBucket")["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }


def test_bucket_encrypts_objects_at_rest(web):
    rules = props(web, "WebBucket")["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rules[0]["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")


def test_bucket_policy_denies_requests_without_tls(web):
    deny = _bucket_statement(web, "DenyInsecureTransport")
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": False}}
    assert {"Fn::GetAtt": ["WebBucket", "Arn"]} in deny["Resource"]
    assert {"Fn::Sub": "${WebBucket.Arn}/*"} in deny["Resource"]


def test_bucket_policy_lets_only_this_distribution_read_objects(web):
    allow = _bucket_statement(web, "AllowCloudFrontRead")
    assert allow["Effect"] == "Allow"
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == ["s3:GetObject"]
    assert allow["Resource"] == [{"Fn::Sub": "${WebBucket.Arn}/*"}]
    assert allow["Condition"] == {
        "StringEquals": {
            "AWS:SourceArn": {
                "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:"
                "distribution/${WebDistribution}"
            }
        }
    }


def test_distribution_reaches_the_bucket_through_origin_access_control(web):
    (origin,) = _distribution(web)["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": ["WebBucket", "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["WebOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    control = props(web, "WebOriginAccessControl")["OriginAccessControlConfig"]
    assert control["OriginAccessControlOriginType"] == "s3"
    assert control["SigningBehavior"] == "always"
    assert control["SigningProtocol"] == "sigv4"


def test_no_legacy_origin_access_identity(web):
    assert not resources_of_type(web, "AWS::CloudFront::CloudFrontOriginAccessIdentity")


def test_distribution_serves_index_over_https_with_http3_and_compression(web):
    config = _distribution(web)
    assert config["DefaultRootObject"] == "index.html"
    assert config["HttpVersion"] == "http2and3"
    behavior = config["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["Compress"] is True
    assert config["PriceClass"] == {"Ref": "PriceClass"}


def test_missing_paths_fall_back_to_index_html(web):
    responses = {r["ErrorCode"]: r for r in _distribution(web)["CustomErrorResponses"]}
    assert set(responses) == {403, 404}
    for response in responses.values():
        assert response["ResponseCode"] == 200
        assert response["ResponsePagePath"] == "/index.html"


def _security_headers(web: dict) -> dict:
    return props(web, "SecurityHeadersPolicy")["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"
    ]


def test_every_behaviour_sends_the_security_headers_policy(web):
    config = _distribution(web)
    behaviours = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]["Fn::If"][1]]
    for behaviour in behaviours:
        assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"}


def test_security_headers_set_hsts_nosniff_frame_deny_and_referrer_policy(web):
    headers = _security_headers(web)
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"


def _connect_src(web: dict) -> list:
    csp = _security_headers(web)["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    return next(part for part in csp["Fn::Join"][1] if "connect-src" in repr(part))["Fn::Join"][1]


def test_content_security_policy_allows_the_user_pool_region_api(web):
    (sign_in,) = [part for part in _connect_src(web) if "cognito-idp" in repr(part)]
    assert sign_in["Fn::If"][0] == "HasUserPoolId"
    assert "${PoolRegion}" in sign_in["Fn::If"][1]["Fn::Sub"][0]


def test_content_security_policy_allows_the_websocket_url_parameter(web):
    csp = _security_headers(web)["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    connect_src = next(part for part in csp["Fn::Join"][1] if "connect-src" in repr(part))
    assert {"Fn::If": ["HasWebSocketUrl", {"Fn::Sub": " ${WebSocketUrl}"}, ""]} in (
        connect_src["Fn::Join"][1]
    )
    assert web["Conditions"]["HasWebSocketUrl"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "WebSocketUrl"}, ""]}]
    }


@pytest.mark.parametrize(("function_id", "handler"), EDGE_FUNCTIONS.items())
def test_edge_function_fits_lambda_at_edge_limits(web, function_id, handler):
    function = web["Resources"][function_id]
    properties = function["Properties"]
    assert properties["Handler"] == handler
    assert properties["CodeUri"] == "../src/edge_auth"
    assert function["Metadata"] == {"BuildMethod": "makefile"}
    assert properties["Runtime"] == "python3.13"
    assert properties["Architectures"] == ["x86_64"]
    assert properties["MemorySize"] == 128
    assert properties["Timeout"] == 5
    assert "Environment" not in properties


@pytest.mark.parametrize("function_id", EDGE_FUNCTIONS)
def test_edge_function_publishes_a_version_through_an_alias(web, function_id):
    assert props(web, function_id)["AutoPublishAlias"] == "live"


def test_viewer_request_function_version_guards_the_default_behaviour(web):
    associations = _distribution(web)["DefaultCacheBehavior"]["LambdaFunctionAssociations"]
    condition, enabled, disabled = associations["Fn::If"]
    assert condition == "AuthEnabled"
    assert enabled == [
        {
            "EventType": "viewer-request",
            "LambdaFunctionARN": {"Ref": "ViewerRequestFunction.Version"},
        }
    ]
    assert disabled == {"Ref": "AWS::NoValue"}


def test_callback_function_version_serves_the_auth_callback_path(web):
    condition, enabled, disabled = _distribution(web)["CacheBehaviors"]["Fn::If"]
    assert condition == "AuthEnabled"
    assert disabled == {"Ref": "AWS::NoValue"}
    (behaviour,) = enabled
    assert behaviour["PathPattern"] == "/auth/callback"
    assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behaviour["LambdaFunctionAssociations"] == [
        {
            "EventType": "viewer-request",
            "LambdaFunctionARN": {"Ref": "AuthCallbackFunction.Version"},
        }
    ]


def test_enable_auth_parameter_drives_the_auth_condition(web):
    assert web["Parameters"]["EnableAuth"]["AllowedValues"] == ["true", "false"]
    assert web["Conditions"]["AuthEnabled"] == {"Fn::Equals": [{"Ref": "EnableAuth"}, "true"]}


def test_edge_role_is_trusted_by_lambda_and_edgelambda(web):
    roles = {props(web, f)["Role"]["Fn::GetAtt"][0] for f in EDGE_FUNCTIONS}
    assert roles == {"EdgeFunctionRole"}
    trust = props(web, "EdgeFunctionRole")["AssumeRolePolicyDocument"]["Statement"]
    principals = {service for s in trust for service in as_list(s["Principal"]["Service"])}
    assert principals == {"lambda.amazonaws.com", "edgelambda.amazonaws.com"}


def test_edge_role_writes_only_to_its_functions_log_groups_in_any_region(web):
    policy = props(web, "EdgeFunctionLogPolicy")
    assert policy["Roles"] == [{"Ref": "EdgeFunctionRole"}]
    resources = [r["Fn::Sub"] for s in statements(policy["PolicyDocument"]) for r in s["Resource"]]
    for function_id in EDGE_FUNCTIONS:
        assert any(f"/aws/lambda/us-east-1.${{{function_id}}}" in r for r in resources)
    for resource in resources:
        assert resource.startswith("arn:${AWS::Partition}:logs:*:${AWS::AccountId}:log-group:")


def test_template_refuses_regions_other_than_us_east_1(web):
    (assertion,) = web["Rules"]["DeployInUsEast1"]["Assertions"]
    assert assertion["Assert"] == {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}


def test_api_stack_outputs_arrive_as_parameters(web):
    for name in ("UserPoolId", "UserPoolClientId", "CognitoDomain", "WebSocketUrl"):
        assert web["Parameters"][name]["Description"]


def test_all_outputs_are_present(web):
    assert {"WebUrl", "WebBucketName", "DistributionId", "CognitoCallbackUrl"} <= set(
        web["Outputs"]
    )


def test_callback_url_output_is_the_distribution_auth_callback(web):
    assert web["Outputs"]["CognitoCallbackUrl"]["Value"] == {
        "Fn::Sub": "https://${WebDistribution.DomainName}/auth/callback"
    }
