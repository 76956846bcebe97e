"""`make doctor`: checks what a deploy needs and says exactly what is missing."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

from botocore.exceptions import ClientError

from deployer.aws import AwsClients, caller_identity, explain_client_error
from deployer.errors import DeployError
from deployer.sam import sam_executable
from deployer.settings import WEB_REGION, StackSpec, Target, validate_region
from deployer.stacks import check_deployable, describe_stack

MIN_PYTHON = (3, 11)
SAM_MANAGED_STACK = "aws-sam-cli-managed-default"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True  # a failed optional check is a warning

    def line(self) -> str:
        mark = "ok  " if self.ok else ("FAIL" if self.required else "warn")
        text = f"[{mark}] {self.name}: {self.detail}"
        return f"{text}\n       -> {self.fix}" if self.fix and not self.ok else text


def from_error(name: str, error: DeployError) -> Check:
    return Check(name, False, error.problem, error.hint)


def check_python(version: tuple[int, ...] = tuple(sys.version_info[:3])) -> Check:
    shown = ".".join(map(str, version))
    if version[:2] >= MIN_PYTHON:
        return Check("Python", True, shown)
    return Check(
        "Python",
        False,
        f"{shown} is too old",
        "Install Python 3.11 or newer and run `make venv PYTHON=python3.11`.",
    )


def check_sam(executable: str | None = None) -> Check:
    executable = executable or sam_executable()
    try:
        done = subprocess.run(
            [executable, "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return Check("SAM CLI", False, f"{executable} did not run: {error}", "Run `make venv`.")
    if done.returncode != 0:
        return Check("SAM CLI", False, done.stderr.strip()[:200], "Run `make venv`.")
    return Check("SAM CLI", True, f"{done.stdout.strip()} ({executable})")


def check_region(region: str) -> Check:
    try:
        validate_region(region)
    except DeployError as error:
        return from_error("Region", error)
    return Check("Region", True, f"{region} (API stack); {WEB_REGION} (web stack, Lambda@Edge)")


def check_credentials(clients: AwsClients, region: str) -> Check:
    try:
        identity = caller_identity(clients, region)
    except DeployError as error:
        return from_error("Credentials", error)
    return Check("Credentials", True, f"{identity['Arn']} (account {identity['Account']})")


def check_sam_bucket(clients: AwsClients, region: str) -> Check:
    """SAM's counterpart of CDK bootstrap: its managed artifact bucket stack."""
    name = f"SAM artifact bucket in {region}"
    try:
        found = describe_stack(clients, StackSpec("sam", SAM_MANAGED_STACK, region))
    except DeployError as error:
        return from_error(name, error)
    if found is None:
        return Check(
            name,
            False,
            f"stack {SAM_MANAGED_STACK} not there yet",
            "Nothing to do: the first `make deploy` creates it (--resolve-s3); that needs "
            "cloudformation:CreateStack and s3:CreateBucket.",
            required=False,
        )
    return Check(name, True, f"{SAM_MANAGED_STACK} is {found['StackStatus']}")


def check_stack(clients: AwsClients, stack: StackSpec) -> Check:
    name = f"Stack {stack.name} ({stack.region})"
    try:
        found = describe_stack(clients, stack)
        status = None if found is None else str(found["StackStatus"])
        check_deployable(status, stack)
    except DeployError as error:
        return from_error(name, error)
    return Check(name, True, status or "not deployed yet")


def check_can_list_stacks(clients: AwsClients, region: str) -> Check:
    name = f"CloudFormation access in {region}"
    try:
        clients.client("cloudformation", region).describe_stacks()
    except ClientError as error:
        return from_error(name, explain_client_error(error, "listing stacks"))
    return Check(name, True, "can read stacks")


def run_doctor(
    region: str, stage: str = "dev", clients: AwsClients | None = None, sam: str | None = None
) -> list[Check]:
    checks = [check_python(), check_sam(sam), check_region(region)]
    if not checks[-1].ok:
        return checks
    clients = clients or AwsClients()
    checks.append(check_credentials(clients, region))
    if not checks[-1].ok:
        return checks
    for where in dict.fromkeys((region, WEB_REGION)):
        checks.append(check_can_list_stacks(clients, where))
        checks.append(check_sam_bucket(clients, where))
    target = Target(stage, region)
    checks += [check_stack(clients, stack) for stack in target.stacks]
    return checks


def passed(checks: list[Check]) -> bool:
    return all(c.ok or not c.required for c in checks)
