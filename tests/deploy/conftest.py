"""Fixtures for the deploy tests.

AWS control planes (CloudFormation, S3, CloudFront, Cognito admin, STS) cannot
run on this machine, so these tests use moto's in-process `mock_aws` for them.
`sam` is never executed: a recording runner stands in for it, and for an
executed `sam deploy` it creates or updates the stack in moto with the outputs
the real templates declare, backed by a real (moto) user pool, bucket and
distribution so the later steps have something to work on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from deployer.aws import AwsClients
from deployer.sam import Command
from deployer.settings import WEB_REGION
from templates.api import build_api_template

REGION = "eu-west-1"
STAGE = "dev"
API_STACK = "AlwaysCoderApiStack-dev"
WEB_STACK = "AlwaysCoderWebStack-dev"


@pytest.fixture
def aws() -> Iterator[AwsClients]:
    with mock_aws():
        yield AwsClients(boto3.session.Session())


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository root with synthesized templates (their content is sam's business)."""
    (tmp_path / "build").mkdir()
    for name in ("api", "web"):
        (tmp_path / "build" / f"{name}.yaml").write_text("Resources: {}\n")
    return tmp_path


def option_values(argv: tuple[str, ...], option: str) -> list[str]:
    """The values after ``option`` up to the next ``--flag``."""
    if option not in argv:
        return []
    values = []
    for item in argv[argv.index(option) + 1 :]:
        if item.startswith("--"):
            break
        values.append(item)
    return values


class FakeSam:
    """Records commands; an executed deploy stands up the stack in moto."""

    def __init__(self, exit_codes: dict[str, int] | None = None) -> None:
        self.commands: list[Command] = []
        self.exit_codes = exit_codes or {}
        self.edge_configs: list[dict[str, str]] = []

    def __call__(self, command: Command) -> int:
        self.commands.append(command)
        argv = command.argv
        verb = argv[1]
        if verb == "build" and "EDGE_CONFIG_FILE" in command.env:
            self.edge_configs.append(json.loads(Path(command.env["EDGE_CONFIG_FILE"]).read_text()))
        stack = (option_values(argv, "--stack-name") or [""])[0]
        code = self.exit_codes.get(f"{verb} {stack}".strip(), 0)
        if code == 0 and verb == "deploy" and "--no-execute-changeset" not in argv:
            region = option_values(argv, "--region")[0]
            overrides = dict(p.split("=", 1) for p in option_values(argv, "--parameter-overrides"))
            self._deploy(stack, region, overrides)
        return code

    def lines(self) -> list[list[str]]:
        return [list(c.argv[1:]) for c in self.commands]

    def _deploy(self, stack: str, region: str, parameters: dict[str, str]) -> None:
        cfn = boto3.client("cloudformation", region_name=region)
        exists = stack in {s["StackName"] for s in cfn.describe_stacks()["Stacks"]}
        if exists:
            outputs = {
                o["OutputKey"]: o["OutputValue"]
                for o in cfn.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]
            }
        elif stack.startswith("AlwaysCoderApiStack"):
            outputs = make_api_resources(region)
        else:
            outputs = make_web_resources()
        body = json.dumps(
            {
                "Parameters": {name: {"Type": "String"} for name in parameters},
                "Resources": {"Marker": {"Type": "AWS::SNS::Topic"}},
                "Outputs": {name: {"Value": value} for name, value in outputs.items()},
            }
        )
        params = [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()]
        if exists:
            try:
                cfn.update_stack(StackName=stack, TemplateBody=body, Parameters=params)
            except ClientError as error:  # what --no-fail-on-empty-changeset tolerates
                if "No updates" not in str(error):
                    raise
        else:
            cfn.create_stack(StackName=stack, TemplateBody=body, Parameters=params)


def template_app_client() -> dict:
    """The app client exactly as templates/api.py declares it, parameters at their defaults."""
    template = build_api_template().to_dict()
    properties = dict(template["Resources"]["UserPoolClient"]["Properties"])
    for name, value in list(properties.items()):
        if isinstance(value, dict) and set(value) == {"Ref"}:
            default = template["Parameters"].get(value["Ref"], {}).get("Default")
            if default is None:
                del properties[name]  # a resource (the pool): supplied by the caller
            else:
                properties[name] = default.split(",")
        elif isinstance(value, dict):
            del properties[name]  # Fn::Sub names: any name will do here
    return properties


def make_api_resources(region: str) -> dict[str, str]:
    idp = boto3.client("cognito-idp", region_name=region)
    pool_id = idp.create_user_pool(PoolName="always-coder")["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="always-coder-web", **template_app_client()
    )["UserPoolClient"]
    return {
        "WebSocketUrl": f"wss://abc123.execute-api.{region}.amazonaws.com/prod",
        "WebSocketApiId": "abc123",
        "UserPoolId": pool_id,
        "UserPoolClientId": client["ClientId"],
        "UserPoolDomain": f"always-coder-test.auth.{region}.amazoncognito.com",
        "CognitoHostedUIUrl": f"https://always-coder-test.auth.{region}.amazoncognito.com",
    }


def make_web_resources() -> dict[str, str]:
    bucket = "always-coder-web-test"
    boto3.client("s3", region_name=WEB_REGION).create_bucket(Bucket=bucket)
    distribution = make_distribution(bucket)
    domain = distribution["DomainName"]
    return {
        "WebUrl": f"https://{domain}",
        "WebBucketName": bucket,
        "DistributionId": distribution["Id"],
        "CognitoCallbackUrl": f"https://{domain}/auth/callback",
    }


def make_distribution(bucket: str) -> dict[str, str]:
    cloudfront = boto3.client("cloudfront", region_name=WEB_REGION)
    config = {
        "CallerReference": bucket,
        "Comment": "",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "web",
                    "DomainName": f"{bucket}.s3.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            ],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "web",
            "ViewerProtocolPolicy": "redirect-to-https",
            "MinTTL": 0,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
        },
    }
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]


@pytest.fixture
def sam() -> FakeSam:
    return FakeSam()
