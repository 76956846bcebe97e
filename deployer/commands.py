"""The deploy command's subcommands, composed from the planner, executor,
preflight and destroyer. Scripts call these; tests call them with fakes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from deployer.aws import AwsClients, caller_identity
from deployer.destroy import Destroyer, project_stacks
from deployer.executor import execute, print_plan
from deployer.planner import plan_deploy, plan_diff
from deployer.preflight import preflight
from deployer.publish import PublishResult, publish, scan_directory
from deployer.sam import CommandRunner, run_subprocess
from deployer.settings import (
    ROOT,
    WEB_REGION,
    Target,
    make_target,
    validate_region,
    validate_stage,
)
from deployer.stacks import require_outputs
from deployer.steps import Context


def deploy(
    stage: str,
    region: str,
    *,
    only: str | None = None,
    web_dir: Path | None = None,
    root: Path = ROOT,
    clients: AwsClients | None = None,
    runner: CommandRunner = run_subprocess,
    echo: Callable[[str], None] = print,
) -> Context:
    target = make_target(stage, region, root)
    clients = clients or AwsClients()
    situation = preflight(clients, target, only, web_dir)
    echo(f"Deploying stage {target.stage} as {situation.identity_arn} ({situation.account}).")
    steps = plan_deploy(target, situation, only=only, web_dir=web_dir)
    print_plan(steps, echo)
    ctx = Context(target, clients, runner, echo)
    execute(steps, ctx)
    return ctx


def diff(
    stage: str,
    region: str,
    *,
    root: Path = ROOT,
    clients: AwsClients | None = None,
    runner: CommandRunner = run_subprocess,
    echo: Callable[[str], None] = print,
) -> Context:
    target = make_target(stage, region, root)
    clients = clients or AwsClients()
    situation = preflight(clients, target, None, None)
    steps = plan_diff(target, situation)
    echo("What `make deploy` would do:")
    print_plan(plan_deploy(target, situation), echo)
    echo("\nPreviewing change sets (created, not executed):")
    ctx = Context(target, clients, runner, echo)
    execute(steps, ctx)
    if not situation.exists("api"):
        echo(
            f"\n{target.web.name}: its change set needs the API stack's outputs; "
            "it can be previewed once the API stack exists."
        )
    return ctx


def list_stacks(
    region: str, *, clients: AwsClients | None = None, echo: Callable[[str], None] = print
) -> None:
    clients = clients or AwsClients()
    caller_identity(clients, validate_region(region))
    rows = project_stacks(clients, region)
    if not rows:
        echo("No Always Coder stacks found.")
        return
    width = max(len(r.name) for r in rows)
    for row in rows:
        echo(f"{row.name.ljust(width)}  {row.region:<14}  {row.status:<24}  {row.updated}")


def publish_site(
    directory: Path,
    stage: str,
    *,
    bucket: str | None = None,
    distribution_id: str | None = None,
    clients: AwsClients | None = None,
    echo: Callable[[str], None] = print,
) -> PublishResult:
    """Publishes to the bucket given, or to the stage's web stack's bucket."""
    scan_directory(directory)  # a missing folder is refused before any AWS call
    target = Target(validate_stage(stage), WEB_REGION)
    clients = clients or AwsClients()
    caller_identity(clients, WEB_REGION)
    if bucket is None:
        web = require_outputs(
            clients, target.web, "Deploy it first (`make deploy`), or pass --bucket."
        )
        bucket, distribution_id = web["WebBucketName"], distribution_id or web["DistributionId"]
    result = publish(clients, WEB_REGION, directory, bucket, distribution_id)
    plan = result.plan
    echo(
        f"s3://{bucket}: {len(plan.uploads)} uploaded, {len(plan.deletes)} deleted, "
        f"{plan.unchanged} unchanged."
    )
    if result.invalidation_id:
        echo(f"CloudFront invalidation {result.invalidation_id} on {distribution_id}.")
    elif not distribution_id:
        echo("No distribution id given: CloudFront was not invalidated.")
    return result


def destroy(
    stage: str,
    region: str,
    *,
    clients: AwsClients | None = None,
    echo: Callable[[str], None] = print,
    max_wait_seconds: float = 4 * 3600,
) -> None:
    target = make_target(stage, region)
    destroyer = Destroyer(clients or AwsClients(), echo, max_wait_seconds=max_wait_seconds)
    destroyer.destroy(target)
