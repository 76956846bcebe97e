"""The deploy flow end to end against moto, with `sam` recorded instead of run."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from deployer import commands
from deployer.aws import AwsClients
from deployer.errors import DeployError
from tests.deploy.conftest import (
    API_STACK,
    REGION,
    STAGE,
    WEB_STACK,
    FakeSam,
    template_app_client,
)


def deploy_flags(stack_name: str) -> list[str]:
    return [
        "--capabilities",
        "CAPABILITY_IAM",
        "CAPABILITY_AUTO_EXPAND",
        "--resolve-s3",
        "--s3-prefix",
        stack_name,
        "--no-fail-on-empty-changeset",
        "--no-confirm-changeset",
        "--tags",
        "project=always-coder",
        "stage=dev",
    ]


def deploy(aws: AwsClients, sam: FakeSam, repo: Path, **options: object) -> list[str]:
    printed: list[str] = []
    commands.deploy(
        STAGE, REGION, root=repo, clients=aws, runner=sam, echo=printed.append, **options
    )
    return printed


def stack(name: str, region: str) -> dict:
    cfn = boto3.client("cloudformation", region_name=region)
    return cfn.describe_stacks(StackName=name)["Stacks"][0]


def outputs_of(name: str, region: str) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in stack(name, region)["Outputs"]}


def app_client(api: dict[str, str]) -> dict:
    idp = boto3.client("cognito-idp", region_name=REGION)
    return idp.describe_user_pool_client(
        UserPoolId=api["UserPoolId"], ClientId=api["UserPoolClientId"]
    )["UserPoolClient"]


def test_first_deploy_runs_exact_sam_lines_api_then_web(aws, sam, repo):
    deploy(aws, sam, repo)
    api = outputs_of(API_STACK, REGION)
    assert sam.lines() == [
        [
            "build",
            "--template-file",
            f"{repo}/build/api.yaml",
            "--build-dir",
            f"{repo}/.aws-sam/api",
        ],
        [
            "deploy",
            "--template-file",
            f"{repo}/.aws-sam/api/template.yaml",
            "--stack-name",
            API_STACK,
            "--region",
            REGION,
            *deploy_flags(API_STACK),
        ],
        [
            "build",
            "--template-file",
            f"{repo}/build/web.yaml",
            "--build-dir",
            f"{repo}/.aws-sam/web",
        ],
        [
            "deploy",
            "--template-file",
            f"{repo}/.aws-sam/web/template.yaml",
            "--stack-name",
            WEB_STACK,
            "--region",
            "us-east-1",
            *deploy_flags(WEB_STACK),
            "--parameter-overrides",
            f"UserPoolId={api['UserPoolId']}",
            f"UserPoolClientId={api['UserPoolClientId']}",
            f"CognitoDomain={api['UserPoolDomain']}",
            f"WebSocketUrl={api['WebSocketUrl']}",
        ],
    ]


def test_sam_runs_the_venv_sam_executable(aws, sam, repo):
    deploy(aws, sam, repo)
    assert {Path(c.argv[0]).name for c in sam.commands} == {"sam"}


def test_web_build_gets_edge_config_baked_from_api_outputs(aws, sam, repo):
    deploy(aws, sam, repo)
    api = outputs_of(API_STACK, REGION)
    web_build = sam.commands[2]
    assert web_build.env == {"EDGE_CONFIG_FILE": str(repo / "build" / "edge_config-dev.json")}
    assert sam.edge_configs == [
        {
            "issuer": f"https://cognito-idp.{REGION}.amazonaws.com/{api['UserPoolId']}",
            "clientId": api["UserPoolClientId"],
            "cognitoDomain": api["CognitoHostedUIUrl"],
        }
    ]


def test_deploy_adds_web_callback_and_logout_urls_keeping_client_flows(aws, sam, repo):
    deploy(aws, sam, repo)
    api, web = outputs_of(API_STACK, REGION), outputs_of(WEB_STACK, "us-east-1")
    declared = template_app_client()
    client = app_client(api)
    assert client["CallbackURLs"] == [*declared["CallbackURLs"], f"{web['WebUrl']}/auth/callback"]
    assert client["LogoutURLs"] == [*declared["LogoutURLs"], f"{web['WebUrl']}/"]
    kept = set(declared) - {"CallbackURLs", "LogoutURLs", "GenerateSecret"}
    assert {k: client[k] for k in kept} == {k: declared[k] for k in kept}


def test_deploy_writes_outputs_file_and_prints_the_outputs_table(aws, sam, repo):
    printed = deploy(aws, sam, repo)
    api, web = outputs_of(API_STACK, REGION), outputs_of(WEB_STACK, "us-east-1")
    written = json.loads((repo / "build" / "outputs-dev.json").read_text())
    assert written["outputs"] == {**api, **web}
    assert written["stacks"][API_STACK] == {"region": REGION, "outputs": api}
    table = printed[-1]
    for name, value in [
        ("WebSocketUrl", api["WebSocketUrl"]),
        ("WebUrl", web["WebUrl"]),
        ("UserPoolId", api["UserPoolId"]),
        ("UserPoolClientId", api["UserPoolClientId"]),
        ("WebBucketName", web["WebBucketName"]),
    ]:
        assert any(line.split() == [name, value] for line in table.splitlines())


def test_redeploy_carries_web_urls_into_api_parameters(aws, sam, repo):
    deploy(aws, sam, repo)
    web_url = outputs_of(WEB_STACK, "us-east-1")["WebUrl"]
    sam.commands.clear()
    deploy(aws, sam, repo)
    api_deploy = list(sam.commands[1].argv)
    overrides = api_deploy[api_deploy.index("--parameter-overrides") + 1 :]
    assert overrides == [
        f"CallbackUrls=http://localhost:3000/auth/callback,{web_url}/auth/callback",
        f"LogoutUrls=http://localhost:3000/,{web_url}/",
    ]


def test_redeploy_leaves_the_app_client_urls_as_they_were(aws, sam, repo):
    deploy(aws, sam, repo)
    before = app_client(outputs_of(API_STACK, REGION))
    deploy(aws, sam, repo)
    after = app_client(outputs_of(API_STACK, REGION))
    assert (after["CallbackURLs"], after["LogoutURLs"]) == (
        before["CallbackURLs"],
        before["LogoutURLs"],
    )


def test_deploy_with_web_dir_publishes_the_site(aws, sam, repo, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<h1>hi</h1>")
    deploy(aws, sam, repo, web_dir=site)
    bucket = outputs_of(WEB_STACK, "us-east-1")["WebBucketName"]
    listed = boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listed["Contents"]] == ["index.html"]


def test_only_api_builds_and_deploys_just_the_api(aws, sam, repo):
    deploy(aws, sam, repo, only="api")
    assert [(c.argv[1], c.argv[3]) for c in sam.commands] == [
        ("build", f"{repo}/build/api.yaml"),
        ("deploy", f"{repo}/.aws-sam/api/template.yaml"),
    ]


def test_only_web_reuses_the_deployed_api_outputs(aws, sam, repo):
    deploy(aws, sam, repo, only="api")
    sam.commands.clear()
    deploy(aws, sam, repo, only="web")
    api = outputs_of(API_STACK, REGION)
    assert [c.argv[1] for c in sam.commands] == ["build", "deploy"]
    assert f"WebSocketUrl={api['WebSocketUrl']}" in sam.commands[1].argv


def test_only_web_without_api_stack_stops_before_any_sam_command(aws, sam, repo):
    with pytest.raises(DeployError, match="make deploy-api"):
        deploy(aws, sam, repo, only="web")
    assert sam.commands == []


def test_failed_api_deploy_stops_before_the_web_stack(aws, repo):
    failing = FakeSam({f"deploy {API_STACK}": 1})
    with pytest.raises(DeployError, match="sam exited with 1"):
        deploy(aws, failing, repo)
    assert [c.argv[1] for c in failing.commands] == ["build", "deploy"]


def test_diff_creates_change_sets_without_executing_them(aws, sam, repo):
    deploy(aws, sam, repo)
    sam.commands.clear()
    commands.diff(STAGE, REGION, root=repo, clients=aws, runner=sam, echo=lambda _: None)
    deploys = [c.argv for c in sam.commands if c.argv[1] == "deploy"]
    assert [argv[argv.index("--stack-name") + 1] for argv in deploys] == [API_STACK, WEB_STACK]
    assert all(argv[-1] == "--no-execute-changeset" for argv in deploys)


def test_diff_of_a_new_stage_previews_only_the_api(aws, sam, repo):
    printed: list[str] = []
    commands.diff(STAGE, REGION, root=repo, clients=aws, runner=sam, echo=printed.append)
    deploys = [c.argv for c in sam.commands if c.argv[1] == "deploy"]
    assert [argv[argv.index("--stack-name") + 1] for argv in deploys] == [API_STACK]
    assert "needs the API stack's outputs" in printed[-1]
    cfn = boto3.client("cloudformation", region_name=REGION)
    assert cfn.describe_stacks()["Stacks"] == []


def test_list_shows_both_stacks_with_their_regions(aws, sam, repo):
    deploy(aws, sam, repo)
    printed: list[str] = []
    commands.list_stacks(REGION, clients=aws, echo=printed.append)
    assert [line.split()[:3] for line in printed] == [
        [API_STACK, REGION, "CREATE_COMPLETE"],
        [WEB_STACK, "us-east-1", "CREATE_COMPLETE"],
    ]


def test_baked_edge_config_is_complete_for_the_edge_functions(aws, sam, repo):
    from edge_config import load_config  # src/edge_auth, the reader the edge itself uses

    deploy(aws, sam, repo)
    assert load_config(str(repo / "build" / "edge_config-dev.json")).is_configured
