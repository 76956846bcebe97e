"""Reading CloudFormation: a stack's status and outputs, and which statuses
block a deploy."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from deployer.aws import AwsClients, error_code, explain_client_error
from deployer.errors import DeployError
from deployer.settings import StackSpec

# A stack in one of these takes a new change set.
READY_STATUSES = frozenset(
    {
        "CREATE_COMPLETE",
        "UPDATE_COMPLETE",
        "UPDATE_ROLLBACK_COMPLETE",
        "IMPORT_COMPLETE",
        "IMPORT_ROLLBACK_COMPLETE",
        # Left by `make diff` on a stack that did not exist yet: only a change set.
        "REVIEW_IN_PROGRESS",
    }
)
# Status → what to tell the user before refusing to touch the stack.
BLOCKING_STATUSES = {
    "ROLLBACK_COMPLETE": "Its first create failed and it cannot be updated. Delete it "
    "(`make destroy`, or `aws cloudformation delete-stack --stack-name {name} --region "
    "{region}`), read the failure in the console's Events tab, then deploy again.",
    "ROLLBACK_FAILED": "Delete it (`aws cloudformation delete-stack --stack-name {name} "
    "--region {region}`), then deploy again.",
    "DELETE_FAILED": "A previous delete did not finish. Run `make destroy` again (it "
    "retries the Lambda@Edge replica delay), then deploy.",
    "UPDATE_ROLLBACK_FAILED": "Run `aws cloudformation continue-update-rollback "
    "--stack-name {name} --region {region}`, then deploy again.",
    "IMPORT_ROLLBACK_FAILED": "Fix it in the CloudFormation console, then deploy again.",
}


def describe_stack(clients: AwsClients, stack: StackSpec) -> dict[str, Any] | None:
    cfn = clients.client("cloudformation", stack.region)
    try:
        stacks = cfn.describe_stacks(StackName=stack.name)["Stacks"]
    except ClientError as exc:
        if error_code(exc) == "ValidationError" and "does not exist" in str(exc):
            return None
        raise explain_client_error(exc, f"reading stack {stack.name} in {stack.region}") from exc
    return stacks[0] if stacks else None


def stack_outputs(clients: AwsClients, stack: StackSpec) -> dict[str, str] | None:
    """``{OutputKey: OutputValue}``, or None when the stack does not exist."""
    description = describe_stack(clients, stack)
    if description is None:
        return None
    return outputs_of(description)


def outputs_of(description: dict[str, Any]) -> dict[str, str]:
    """A DescribeStacks entry's outputs as ``{OutputKey: OutputValue}``."""
    return {o["OutputKey"]: o["OutputValue"] for o in description.get("Outputs", [])}


def require_outputs(clients: AwsClients, stack: StackSpec, hint: str) -> dict[str, str]:
    outputs = stack_outputs(clients, stack)
    if outputs is None:
        raise DeployError(f"Stack {stack.name} does not exist in {stack.region}.", hint)
    return outputs


def check_deployable(status: str | None, stack: StackSpec) -> None:
    """Refuse statuses that a ``sam deploy`` would fail on, with the way out."""
    if status is None or status in READY_STATUSES:
        return
    if status in BLOCKING_STATUSES:
        advice = BLOCKING_STATUSES[status].format(name=stack.name, region=stack.region)
        raise DeployError(f"Stack {stack.name} in {stack.region} is {status}.", advice)
    if status.endswith("_IN_PROGRESS"):
        raise DeployError(
            f"Stack {stack.name} in {stack.region} is busy ({status}).",
            "Wait for that operation to finish (`make list` shows the status), then retry.",
        )
    raise DeployError(f"Stack {stack.name} in {stack.region} is {status}.")
