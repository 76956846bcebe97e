"""The planner is pure: what the steps are for each request, with no AWS."""

from __future__ import annotations

from pathlib import Path

from deployer.executor import describe_plan
from deployer.planner import (
    LOCAL_CALLBACK_URL,
    LOCAL_LOGOUT_URL,
    api_url_parameters,
    plan_deploy,
    plan_diff,
    web_parameters,
)
from deployer.preflight import Situation
from deployer.settings import Target
from deployer.steps import AddCognitoUrls, OutputRef, PublishWeb, ReadOutputs, SamBuild, SamDeploy
from templates.api import build_api_template
from templates.web import build_web_template

TARGET = Target("dev", "eu-west-1", Path("/repo"))
WEB_URL = "https://d111.cloudfront.net"


def situation(api: dict | None = None, web: dict | None = None) -> Situation:
    return Situation("123456789012", "arn:aws:iam::123456789012:user/dev", {"api": api, "web": web})


def deployed_web() -> dict:
    return {
        "StackStatus": "CREATE_COMPLETE",
        "Outputs": [{"OutputKey": "WebUrl", "OutputValue": WEB_URL}],
    }


def test_printed_plan_shows_api_outputs_as_placeholders_for_the_web_deploy():
    lines = describe_plan(plan_deploy(TARGET, situation()))
    web_deploy = next(line for line in lines if "deploy AlwaysCoderWebStack-dev" in line)
    assert "UserPoolId=<api:UserPoolId>" in web_deploy
    assert "WebSocketUrl=<api:WebSocketUrl>" in web_deploy


def test_plan_orders_api_before_web_and_cognito_after_both():
    kinds = [type(step) for step in plan_deploy(TARGET, situation(), web_dir=Path("site"))]
    assert kinds.index(AddCognitoUrls) > max(i for i, k in enumerate(kinds) if k is SamDeploy)
    assert kinds[-2] is PublishWeb


def test_only_web_plan_reads_the_api_outputs_instead_of_deploying_it():
    steps = plan_deploy(TARGET, situation(api={"StackStatus": "CREATE_COMPLETE"}), only="web")
    assert [s.stack.key for s in steps if isinstance(s, SamBuild | SamDeploy)] == ["web", "web"]
    assert ReadOutputs(TARGET.api) in steps


def test_diff_plan_never_executes_a_change_set():
    steps = plan_diff(TARGET, situation(api={"StackStatus": "CREATE_COMPLETE"}))
    deploys = [s for s in steps if isinstance(s, SamDeploy)]
    assert [d.stack.key for d in deploys] == ["api", "web"]
    assert not any(d.execute for d in deploys)


def test_api_url_parameters_keep_custom_urls_and_add_the_web_ones():
    existing = {"CallbackUrls": "https://app.example.com/cb", "LogoutUrls": ""}
    web = {"WebUrl": WEB_URL}
    assert api_url_parameters(existing, web) == {
        "CallbackUrls": f"https://app.example.com/cb,{WEB_URL}/auth/callback",
        "LogoutUrls": f"http://localhost:3000/,{WEB_URL}/",
    }


def test_api_url_parameters_are_left_alone_before_the_web_exists():
    assert api_url_parameters({"CallbackUrls": "x"}, {}) == {}


def test_first_deploy_passes_no_url_parameters_to_the_api():
    api_deploy = next(s for s in plan_deploy(TARGET, situation()) if isinstance(s, SamDeploy))
    assert api_deploy.parameters == {}


def test_redeploy_passes_the_web_urls_to_the_api():
    api_deploy = next(
        s for s in plan_deploy(TARGET, situation(web=deployed_web())) if isinstance(s, SamDeploy)
    )
    assert api_deploy.parameters["CallbackUrls"].endswith(f"{WEB_URL}/auth/callback")


def test_local_urls_kept_by_the_planner_are_the_api_templates_defaults():
    parameters = build_api_template().to_dict()["Parameters"]
    assert (
        parameters["CallbackUrls"]["Default"],
        parameters["LogoutUrls"]["Default"],
    ) == (LOCAL_CALLBACK_URL, LOCAL_LOGOUT_URL)


def test_web_parameters_fed_by_the_deploy_are_declared_by_the_web_template():
    declared = build_web_template().to_dict()["Parameters"]
    assert set(web_parameters()) <= set(declared)


def test_api_outputs_the_deploy_reads_are_declared_by_the_api_template():
    declared = build_api_template().to_dict()["Outputs"]
    read = {ref.name for ref in web_parameters().values() if isinstance(ref, OutputRef)}
    read |= {"UserPoolId", "UserPoolClientId", "UserPoolDomain", "WebSocketUrl"}
    assert read <= set(declared)


def test_web_outputs_the_deploy_reads_are_declared_by_the_web_template():
    declared = build_web_template().to_dict()["Outputs"]
    assert {"WebUrl", "WebBucketName", "DistributionId"} <= set(declared)
