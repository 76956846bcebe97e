"""Each bad input stops the deploy before anything changes, saying what to do.

The expired-credentials, access-denied and stack-status cases stub the STS and
CloudFormation control planes with botocore's Stubber (moto always accepts)."""

from __future__ import annotations

import subprocess
import sys

import boto3
import pytest
from botocore.stub import Stubber

from deployer import commands
from deployer.aws import AwsClients
from deployer.errors import DeployError
from deployer.settings import ROOT
from tests.deploy.conftest import API_STACK, REGION, STAGE

IDENTITY = {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/dev", "UserId": "X"}


def stubbed(service: str, region: str) -> tuple[object, Stubber]:
    client = boto3.client(service, region_name=region)
    return client, Stubber(client)


def clients_with(**made: object) -> AwsClients:
    clients = AwsClients(boto3.session.Session())
    for key, client in made.items():
        service, _, region = key.partition("__")
        clients._made[(service.replace("_", "-"), region.replace("_", "-"))] = client
    return clients


def deploy(clients: AwsClients, sam, repo, **options):
    commands.deploy(
        STAGE, REGION, root=repo, clients=clients, runner=sam, echo=lambda _: None, **options
    )


@pytest.mark.parametrize("stage", ["", "9lives", "dev_1", "dev stage", "x" * 25, "dév"])
def test_stage_that_is_not_a_stack_name_part_is_refused(sam, repo, stage):
    with pytest.raises(DeployError) as error:
        commands.deploy(stage, REGION, root=repo, runner=sam, echo=lambda _: None)
    assert "letter followed by letters, digits or hyphens" in str(error.value) or "STAGE=" in str(
        error.value
    )
    assert sam.commands == []


def test_region_typo_is_refused_with_a_suggestion(sam, repo):
    with pytest.raises(DeployError, match="Did you mean eu-west-1"):
        commands.deploy(STAGE, "eu-wset-1", root=repo, runner=sam, echo=lambda _: None)
    assert sam.commands == []


def test_missing_region_says_how_to_set_one(sam, repo):
    with pytest.raises(DeployError, match="REGION="):
        commands.deploy(STAGE, "", root=repo, runner=sam, echo=lambda _: None)


def test_no_credentials_are_refused_before_any_change(sam, repo, monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(DeployError, match="aws configure"):
        deploy(AwsClients(boto3.session.Session()), sam, repo)
    assert sam.commands == []


@pytest.mark.parametrize("code", ["ExpiredToken", "InvalidClientTokenId"])
def test_expired_credentials_are_refused_before_any_change(sam, repo, code):
    sts, stub = stubbed("sts", REGION)
    stub.add_client_error("get_caller_identity", service_error_code=code, http_status_code=403)
    with stub, pytest.raises(DeployError, match="expired or invalid"):
        deploy(clients_with(sts__eu_west_1=sts), sam, repo)
    assert sam.commands == []


def test_access_denied_points_at_the_iam_permissions(sam, repo):
    sts, sts_stub = stubbed("sts", REGION)
    sts_stub.add_response("get_caller_identity", IDENTITY)
    cfn, cfn_stub = stubbed("cloudformation", REGION)
    cfn_stub.add_client_error(
        "describe_stacks", service_error_code="AccessDenied", http_status_code=403
    )
    with sts_stub, cfn_stub, pytest.raises(DeployError, match="IAM permissions"):
        deploy(clients_with(sts__eu_west_1=sts, cloudformation__eu_west_1=cfn), sam, repo)
    assert sam.commands == []


def test_missing_web_dir_is_refused_before_any_aws_call(sam, repo, tmp_path):
    # Nothing is mocked here: the check has to come before any AWS call.
    with pytest.raises(DeployError, match="does not exist"):
        deploy(AwsClients(boto3.session.Session()), sam, repo, web_dir=tmp_path / "missing")
    assert sam.commands == []


def test_missing_templates_say_to_synthesize(sam, tmp_path):
    with pytest.raises(DeployError, match="make synth"):
        commands.deploy(STAGE, REGION, root=tmp_path, runner=sam, echo=lambda _: None)
    assert sam.commands == []


def stack_in(status: str) -> dict:
    return {
        "Stacks": [
            {
                "StackName": API_STACK,
                "StackStatus": status,
                "CreationTime": "2026-11-25T00:00:00Z",
            }
        ]
    }


@pytest.mark.parametrize(
    ("status", "advice"),
    [
        ("ROLLBACK_COMPLETE", "Delete it"),
        ("UPDATE_ROLLBACK_FAILED", "continue-update-rollback"),
        ("UPDATE_IN_PROGRESS", "Wait for that operation"),
    ],
)
def test_api_stack_in_a_blocking_state_is_refused(sam, repo, status, advice):
    sts, sts_stub = stubbed("sts", REGION)
    sts_stub.add_response("get_caller_identity", IDENTITY)
    cfn, cfn_stub = stubbed("cloudformation", REGION)
    cfn_stub.add_response("describe_stacks", stack_in(status), {"StackName": API_STACK})
    web_cfn, web_stub = stubbed("cloudformation", "us-east-1")
    web_stub.add_client_error(
        "describe_stacks",
        service_error_code="ValidationError",
        service_message="Stack with id AlwaysCoderWebStack-dev does not exist",
    )
    clients = clients_with(
        sts__eu_west_1=sts, cloudformation__eu_west_1=cfn, cloudformation__us_east_1=web_cfn
    )
    with sts_stub, cfn_stub, web_stub, pytest.raises(DeployError, match=status) as error:
        deploy(clients, sam, repo)
    assert advice in str(error.value)
    assert sam.commands == []


def test_web_dir_with_only_api_is_refused_rather_than_ignored(sam, repo, tmp_path):
    with pytest.raises(DeployError, match="--only api"):
        deploy(AwsClients(boto3.session.Session()), sam, repo, only="api", web_dir=tmp_path)
    assert sam.commands == []


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "deploy.py"), *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def test_deploy_script_prints_the_error_and_what_to_do_and_exits_1():
    result = run_script("deploy", "--stage", "bad_stage", "--region", REGION)
    assert result.returncode == 1
    assert "What to do:" in result.stderr and "Traceback" not in result.stderr


def test_destroy_without_a_terminal_or_yes_deletes_nothing():
    result = run_script("destroy", "--stage", STAGE, "--region", REGION)
    assert result.returncode == 1
    assert "without confirmation" in result.stderr
