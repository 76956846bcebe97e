"""Everything checked before a deploy changes anything: local files first,
then the credentials, then the stacks' states."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deployer.aws import AwsClients, caller_identity
from deployer.errors import DeployError
from deployer.settings import Target
from deployer.stacks import check_deployable, describe_stack, outputs_of

ONLY_CHOICES = ("api", "web")


@dataclass(frozen=True)
class Situation:
    """What the preflight found; the planner decides from it."""

    account: str
    identity_arn: str
    stacks: dict[str, dict[str, Any] | None]  # stack key → DescribeStacks entry, or None

    def exists(self, key: str) -> bool:
        return self.stacks.get(key) is not None

    def status(self, key: str) -> str | None:
        found = self.stacks.get(key)
        return None if found is None else str(found["StackStatus"])

    def outputs(self, key: str) -> dict[str, str]:
        return outputs_of(self.stacks.get(key) or {})

    def parameters(self, key: str) -> dict[str, str]:
        found = self.stacks.get(key) or {}
        return {p["ParameterKey"]: p.get("ParameterValue", "") for p in found.get("Parameters", [])}


def check_local_files(target: Target, only: str | None, web_dir: Path | None) -> None:
    if web_dir is not None and only == "api":
        raise DeployError(
            "A web directory was given with --only api, which does not publish the web.",
            "Use `make deploy` or `make deploy-web` with WEB_DIR, or `make publish`.",
        )
    if web_dir is not None and not web_dir.is_dir():
        raise DeployError(
            f"Web directory {web_dir} does not exist.",
            "Build the web app first and pass its output folder (WEB_DIR=path/to/out), "
            "or leave WEB_DIR out to deploy without publishing.",
        )
    for stack in target.stacks:
        if only in (None, stack.key) and not stack.template.exists():
            raise DeployError(
                f"{stack.template} is missing.", "Run `make synth` (make deploy does it)."
            )


def stacks_to_deploy(target: Target, only: str | None) -> list[str]:
    return [s.key for s in target.stacks if only in (None, s.key)]


def preflight(
    clients: AwsClients, target: Target, only: str | None, web_dir: Path | None
) -> Situation:
    check_local_files(target, only, web_dir)
    identity = caller_identity(clients, target.region)
    situation = Situation(
        identity["Account"],
        identity["Arn"],
        {stack.key: describe_stack(clients, stack) for stack in target.stacks},
    )
    for stack in target.stacks:
        if stack.key in stacks_to_deploy(target, only):
            check_deployable(situation.status(stack.key), stack)
    if only == "web" and not situation.exists("api"):
        raise DeployError(
            f"The web stack needs the API stack's outputs, and {target.api.name} does not "
            f"exist in {target.region}.",
            "Deploy everything with `make deploy`, or the API first with `make deploy-api`.",
        )
    return situation
