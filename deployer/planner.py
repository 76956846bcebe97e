"""Turns what the user asked for into the list of steps (pure: no AWS here)."""

from __future__ import annotations

from pathlib import Path

from deployer.cognito import web_auth_urls, with_added
from deployer.preflight import Situation
from deployer.settings import Target
from deployer.steps import (
    AddCognitoUrls,
    BakeEdgeConfig,
    OutputRef,
    ParameterValue,
    PublishWeb,
    ReadOutputs,
    ReportOutputs,
    SamBuild,
    SamDeploy,
    Step,
)

EDGE_CONFIG_ENV = "EDGE_CONFIG_FILE"
# The API template's defaults, kept when the web URLs are added.
LOCAL_CALLBACK_URL = "http://localhost:3000/auth/callback"
LOCAL_LOGOUT_URL = "http://localhost:3000/"


def web_parameters() -> dict[str, ParameterValue]:
    """The web template's parameters, fed from the API stack's outputs."""
    return {
        "UserPoolId": OutputRef("api", "UserPoolId"),
        "UserPoolClientId": OutputRef("api", "UserPoolClientId"),
        "CognitoDomain": OutputRef("api", "UserPoolDomain"),
        "WebSocketUrl": OutputRef("api", "WebSocketUrl"),
    }


def api_url_parameters(
    existing: dict[str, str], web_outputs: dict[str, str]
) -> dict[str, ParameterValue]:
    """Keeps the web's callback and logout URLs in the API stack's own parameters
    once the web exists, so a later update of the app client cannot drop them.
    URLs already in the parameters (e.g. localhost) stay."""
    web_url = web_outputs.get("WebUrl")
    if not web_url:
        return {}
    callback, logout = web_auth_urls(web_url)
    return {
        name: ",".join(with_added(split_list(existing.get(name, "")) or [default], url))
        for name, url, default in (
            ("CallbackUrls", callback, LOCAL_CALLBACK_URL),
            ("LogoutUrls", logout, LOCAL_LOGOUT_URL),
        )
    }


def split_list(value: str) -> list[str]:
    return [item for item in value.split(",") if item]


def api_steps(target: Target, situation: Situation, *, execute: bool = True) -> list[Step]:
    parameters = api_url_parameters(situation.parameters("api"), situation.outputs("web"))
    return [SamBuild(target.api), SamDeploy(target.api, target.stage, parameters, execute)]


def web_steps(target: Target, *, execute: bool = True) -> list[Step]:
    """Bake the edge configuration from the API outputs, then build and deploy the web."""
    edge_env = {EDGE_CONFIG_ENV: str(target.edge_config_file)}
    return [
        BakeEdgeConfig(target.edge_config_file),
        SamBuild(target.web, edge_env),
        SamDeploy(target.web, target.stage, web_parameters(), execute),
    ]


def plan_deploy(
    target: Target,
    situation: Situation,
    *,
    only: str | None = None,
    web_dir: Path | None = None,
) -> list[Step]:
    steps: list[Step] = []
    if only in (None, "api"):
        steps += api_steps(target, situation)
    steps.append(ReadOutputs(target.api))
    if only in (None, "web"):
        steps += web_steps(target)
    steps += [ReadOutputs(target.web, required=only != "api"), AddCognitoUrls()]
    if web_dir is not None:
        steps.append(PublishWeb(web_dir))
    steps.append(ReportOutputs(target.outputs_file))
    return steps


def plan_diff(target: Target, situation: Situation) -> list[Step]:
    """Change sets created but not executed. The web's needs the API's outputs,
    so it is previewed only once the API stack exists."""
    steps = api_steps(target, situation, execute=False)
    if situation.exists("api"):
        steps += [ReadOutputs(target.api), *web_steps(target, execute=False)]
    return steps
