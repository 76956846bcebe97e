"""Destroy: empties the web bucket, deletes both stacks, and waits out the
Lambda@Edge replica delay. The replica case needs a CloudFormation that fails a
delete, which moto cannot do, so a small scripted stand-in of that control
plane is used there."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from deployer import commands
from deployer.aws import AwsClients
from deployer.destroy import Destroyer, backoff_delays
from deployer.errors import DeployError
from deployer.settings import Target
from tests.deploy.conftest import API_STACK, REGION, STAGE, WEB_STACK

REPLICA_REASON = (
    'Resource handler returned message: "Lambda was unable to delete '
    "arn:aws:lambda:us-east-1:123456789012:function:ViewerRequest:1 because it is a "
    'replicated function."'
)


def test_destroy_empties_the_bucket_and_deletes_both_stacks(aws, sam, repo, tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("x")
    commands.deploy(
        STAGE, REGION, root=repo, clients=aws, runner=sam, echo=lambda _: None, web_dir=site
    )
    commands.destroy(STAGE, REGION, clients=aws, echo=lambda _: None)
    for region in (REGION, "us-east-1"):
        stacks = boto3.client("cloudformation", region_name=region).describe_stacks()["Stacks"]
        assert [s["StackName"] for s in stacks] == []
    listed = boto3.client("s3", region_name="us-east-1").list_objects_v2(
        Bucket="always-coder-web-test"
    )
    assert listed.get("KeyCount", 0) == 0


def test_destroy_of_a_stage_that_is_not_there_says_so(aws):
    printed: list[str] = []
    commands.destroy(STAGE, REGION, clients=aws, echo=printed.append)
    assert printed == [
        f"{WEB_STACK} (us-east-1): not there, nothing to delete.",
        f"{API_STACK} ({REGION}): not there, nothing to delete.",
    ]


class ReplicaBlockedCloudFormation:
    """Fails the first ``failures`` deletes with the replicated-function reason."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.deletes = 0
        self.status: str | None = "CREATE_COMPLETE"

    def delete_stack(self, StackName: str) -> None:
        self.deletes += 1
        self.status = "DELETE_FAILED" if self.deletes <= self.failures else None

    def describe_stacks(self, StackName: str) -> dict:
        if self.status is None:
            raise ClientError(
                {"Error": {"Code": "ValidationError", "Message": "Stack does not exist"}},
                "DescribeStacks",
            )
        return {"Stacks": [{"StackName": StackName, "StackStatus": self.status, "Outputs": []}]}

    def describe_stack_events(self, StackName: str) -> dict:
        event = {"ResourceStatus": "DELETE_FAILED", "ResourceStatusReason": REPLICA_REASON}
        return {"StackEvents": [event]}


def destroyer_for(cfn: ReplicaBlockedCloudFormation, max_wait: float) -> tuple[Destroyer, list]:
    clients = AwsClients(boto3.session.Session())
    clients._made[("cloudformation", "us-east-1")] = cfn
    slept: list[float] = []
    elapsed = [0.0]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        elapsed[0] += seconds

    destroyer = Destroyer(
        clients,
        echo=lambda _: None,
        sleep=sleep,
        clock=lambda: elapsed[0],
        max_wait_seconds=max_wait,
    )
    return destroyer, slept


def test_replicated_function_failure_is_retried_with_backoff_until_deleted():
    cfn = ReplicaBlockedCloudFormation(failures=3)
    destroyer, slept = destroyer_for(cfn, max_wait=3600)
    destroyer.delete_stack(Target(STAGE, REGION).web)
    delays = backoff_delays()
    assert slept == [next(delays) for _ in range(3)]
    assert cfn.status is None


def test_replicated_function_failure_past_the_wait_limit_says_to_run_again_later():
    cfn = ReplicaBlockedCloudFormation(failures=100)
    destroyer, _ = destroyer_for(cfn, max_wait=300)
    with pytest.raises(DeployError, match="run `make destroy` again later"):
        destroyer.delete_stack(Target(STAGE, REGION).web)


def test_other_delete_failures_are_reported_not_retried():
    cfn = ReplicaBlockedCloudFormation(failures=1)
    cfn.describe_stack_events = lambda StackName: {  # type: ignore[method-assign]
        "StackEvents": [{"ResourceStatus": "DELETE_FAILED", "ResourceStatusReason": "bucket"}]
    }
    destroyer, slept = destroyer_for(cfn, max_wait=3600)
    with pytest.raises(DeployError, match="DELETE_FAILED"):
        destroyer.delete_stack(Target(STAGE, REGION).web)
    assert slept == [] and cfn.deletes == 1
