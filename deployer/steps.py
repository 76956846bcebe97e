"""The steps a deploy is made of. Each is data that can describe itself (the dry
run prints these) and run itself against a Context (the executor does that)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from deployer import cognito, edge_config, publish
from deployer.aws import AwsClients
from deployer.errors import DeployError
from deployer.outputs import format_table, merged, write_outputs
from deployer.sam import Command, CommandRunner, build_command, deploy_command
from deployer.settings import StackSpec, Target
from deployer.stacks import require_outputs, stack_outputs


@dataclass(frozen=True)
class OutputRef:
    """A stack output that is only known once an earlier step has read it."""

    stack: str
    name: str

    def __str__(self) -> str:
        return f"<{self.stack}:{self.name}>"


ParameterValue = str | OutputRef


@dataclass
class Context:
    target: Target
    clients: AwsClients
    runner: CommandRunner
    echo: Callable[[str], None] = print
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    def resolve(self, value: ParameterValue) -> str:
        if isinstance(value, str):
            return value
        try:
            return self.outputs[value.stack][value.name]
        except KeyError:
            raise DeployError(
                f"The {value.stack} stack has no output {value.name!r}.",
                "Synthesize and deploy that stack again (`make deploy`); its template "
                "may predate this output.",
            ) from None


def run_sam(ctx: Context, command: Command, what: str) -> None:
    ctx.echo(f"$ {command}")
    code = ctx.runner(command)
    if code != 0:
        raise DeployError(
            f"{what} failed (sam exited with {code}).",
            "Read sam's output above. For a deploy, the stack's Events in the "
            "CloudFormation console name the resource that failed.",
        )


@dataclass(frozen=True)
class SamBuild:
    stack: StackSpec
    env: Mapping[str, str] = field(default_factory=dict)

    def command(self) -> Command:
        return build_command(self.stack, self.env)

    def describe(self) -> str:
        return f"build {self.stack.name}: {self.command()}"

    def run(self, ctx: Context) -> None:
        run_sam(ctx, self.command(), f"Building {self.stack.name}")


@dataclass(frozen=True)
class SamDeploy:
    stack: StackSpec
    stage: str
    parameters: Mapping[str, ParameterValue] = field(default_factory=dict)
    execute: bool = True

    def command(self, resolve: Callable[[ParameterValue], str] = str) -> Command:
        values = {name: resolve(value) for name, value in self.parameters.items()}
        return deploy_command(self.stack, self.stage, values, execute=self.execute)

    def describe(self) -> str:
        verb = "deploy" if self.execute else "preview a change set for"
        return f"{verb} {self.stack.name} in {self.stack.region}: {self.command()}"

    def run(self, ctx: Context) -> None:
        run_sam(ctx, self.command(ctx.resolve), f"Deploying {self.stack.name}")


@dataclass(frozen=True)
class ReadOutputs:
    stack: StackSpec
    required: bool = True

    def describe(self) -> str:
        return f"read the outputs of {self.stack.name} ({self.stack.region})"

    def run(self, ctx: Context) -> None:
        if self.required:
            hint = "Deploy it first: `make deploy` (or `make deploy-api` for the API)."
            ctx.outputs[self.stack.key] = require_outputs(ctx.clients, self.stack, hint)
            return
        found = stack_outputs(ctx.clients, self.stack)
        if found is not None:
            ctx.outputs[self.stack.key] = found


@dataclass(frozen=True)
class BakeEdgeConfig:
    path: Path

    def describe(self) -> str:
        return f"write the edge configuration from the API outputs to {self.path}"

    def run(self, ctx: Context) -> None:
        values = edge_config.from_api_outputs(ctx.outputs["api"], ctx.target.region)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(values, indent=2, sort_keys=True) + "\n")


@dataclass(frozen=True)
class AddCognitoUrls:
    def describe(self) -> str:
        return "add the web's /auth/callback and logout URLs to the Cognito app client"

    def run(self, ctx: Context) -> None:
        api, web = ctx.outputs.get("api"), ctx.outputs.get("web")
        if not api or not web:
            ctx.echo("  (skipped: both stacks must exist)")
            return
        changed = cognito.add_web_urls(
            ctx.clients,
            ctx.target.region,
            api["UserPoolId"],
            api["UserPoolClientId"],
            web["WebUrl"],
        )
        ctx.echo("  added" if changed else "  already present")


@dataclass(frozen=True)
class PublishWeb:
    directory: Path

    def describe(self) -> str:
        return f"publish {self.directory} to the web bucket and invalidate CloudFront"

    def run(self, ctx: Context) -> None:
        web = ctx.outputs["web"]
        result = publish.publish(
            ctx.clients,
            ctx.target.web.region,
            self.directory,
            web["WebBucketName"],
            web.get("DistributionId"),
        )
        plan = result.plan
        ctx.echo(
            f"  {len(plan.uploads)} uploaded, {len(plan.deletes)} deleted, "
            f"{plan.unchanged} unchanged; invalidation: {result.invalidation_id or 'none needed'}"
        )


@dataclass(frozen=True)
class ReportOutputs:
    path: Path

    def describe(self) -> str:
        return f"print the outputs and write them to {self.path}"

    def run(self, ctx: Context) -> None:
        write_outputs(self.path, ctx.target, ctx.outputs)
        ctx.echo("\n" + format_table(merged(ctx.outputs)))


Step = (
    SamBuild
    | SamDeploy
    | ReadOutputs
    | BakeEdgeConfig
    | AddCognitoUrls
    | PublishWeb
    | ReportOutputs
)
