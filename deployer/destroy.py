"""Deleting both stacks of a stage, and listing the project's stacks.

Lambda@Edge replicas outlive the distribution by up to a few hours, and until
they are gone CloudFormation cannot delete the functions ("replicated
function"). Destroy explains that and retries with backoff instead of leaving
a half-deleted stack behind."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from deployer.aws import AwsClients, caller_identity, explain_client_error
from deployer.errors import DeployError
from deployer.publish import empty_bucket
from deployer.settings import API_STACK_PREFIX, WEB_REGION, WEB_STACK_PREFIX, StackSpec, Target
from deployer.stacks import describe_stack, outputs_of

REPLICA_MARKER = "replicated function"
POLL_SECONDS = 10.0


def backoff_delays(first: float = 60.0, cap: float = 900.0) -> Iterator[float]:
    delay = first
    while True:
        yield delay
        delay = min(delay * 2, cap)


def is_replica_delay(events: Iterable[dict[str, Any]]) -> bool:
    """True when the failed delete was blocked by Lambda@Edge replicas."""
    return any(
        e.get("ResourceStatus") == "DELETE_FAILED"
        and REPLICA_MARKER in e.get("ResourceStatusReason", "")
        for e in events
    )


@dataclass
class Destroyer:
    clients: AwsClients
    echo: Callable[[str], None] = print
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    max_wait_seconds: float = 4 * 3600

    def destroy(self, target: Target) -> None:
        caller_identity(self.clients, target.region)
        self.delete_web(target.web)
        self.delete_stack(target.api)

    def delete_web(self, stack: StackSpec) -> None:
        description = describe_stack(self.clients, stack)
        if description is None:
            self.echo(f"{stack.name} ({stack.region}): not there, nothing to delete.")
            return
        bucket = outputs_of(description).get("WebBucketName")
        if bucket:
            try:
                removed = empty_bucket(self.clients, stack.region, bucket)
            except ClientError as exc:
                raise explain_client_error(exc, f"emptying bucket {bucket}") from exc
            self.echo(f"Emptied bucket {bucket} ({removed} objects).")
        self.delete_stack(stack)

    def delete_stack(self, stack: StackSpec) -> None:
        if describe_stack(self.clients, stack) is None:
            self.echo(f"{stack.name} ({stack.region}): not there, nothing to delete.")
            return
        cfn = self.clients.client("cloudformation", stack.region)
        deadline = self.clock() + self.max_wait_seconds
        delays = backoff_delays()
        while True:
            self.echo(f"Deleting {stack.name} in {stack.region} ...")
            self._call(cfn.delete_stack, stack, StackName=stack.name)
            status = self.wait_while_deleting(stack)
            if status is None:
                self.echo(f"{stack.name}: deleted.")
                return
            events = self._call(cfn.describe_stack_events, stack, StackName=stack.name)
            if not is_replica_delay(events["StackEvents"]):
                raise DeployError(
                    f"Deleting {stack.name} ended as {status}.",
                    "See the stack's Events in the CloudFormation console for the resource "
                    "that failed, fix it, then run `make destroy` again.",
                )
            delay = next(delays)
            if self.clock() + delay > deadline:
                raise DeployError(
                    f"{stack.name} still cannot be deleted: CloudFront has not yet removed "
                    "the Lambda@Edge replicas.",
                    "This is AWS's delay, not an error: run `make destroy` again later "
                    "(replicas usually go within a few hours). Nothing else was left behind.",
                )
            self.echo(
                "  CloudFront is still removing the Lambda@Edge replicas (this can take "
                f"hours after the distribution is gone). Retrying in {delay:.0f} s."
            )
            self.sleep(delay)

    def wait_while_deleting(self, stack: StackSpec) -> str | None:
        """Polls until the delete ends: None once the stack is gone, else its status."""
        while True:
            description = describe_stack(self.clients, stack)
            if description is None or description["StackStatus"] == "DELETE_COMPLETE":
                return None
            if description["StackStatus"] != "DELETE_IN_PROGRESS":
                return str(description["StackStatus"])
            self.sleep(POLL_SECONDS)

    @staticmethod
    def _call(method: Callable[..., Any], stack: StackSpec, **kwargs: Any) -> Any:
        try:
            return method(**kwargs)
        except ClientError as exc:
            raise explain_client_error(exc, f"deleting {stack.name}") from exc


@dataclass(frozen=True)
class StackRow:
    name: str
    region: str
    status: str
    updated: str


def project_stacks(clients: AwsClients, region: str) -> list[StackRow]:
    """Every stack of this project (any stage) in the API region and us-east-1."""
    rows = []
    for where in dict.fromkeys((region, WEB_REGION)):
        cfn = clients.client("cloudformation", where)
        try:
            for page in cfn.get_paginator("describe_stacks").paginate():
                for s in page["Stacks"]:
                    if s["StackName"].startswith((API_STACK_PREFIX, WEB_STACK_PREFIX)):
                        when = s.get("LastUpdatedTime") or s["CreationTime"]
                        rows.append(StackRow(s["StackName"], where, s["StackStatus"], str(when)))
        except ClientError as exc:
            raise explain_client_error(exc, f"listing stacks in {where}") from exc
    return sorted(rows, key=lambda r: (r.name, r.region))
