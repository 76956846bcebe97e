"""What a deployment is: a stage, a region, the two stacks and where their files live.

The rules here are pure functions so they can refuse bad input before anything
touches AWS.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import botocore.session

from deployer.errors import DeployError

# Lambda@Edge functions and CloudFront's certificates live in us-east-1 only.
WEB_REGION = "us-east-1"
API_STACK_PREFIX = "AlwaysCoderApiStack"
WEB_STACK_PREFIX = "AlwaysCoderWebStack"
STAGE_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
# Stack names allow 128 characters; the stage also ends up in the Cognito domain
# prefix and bucket names, which are much shorter, so keep it small.
MAX_STAGE_LENGTH = 24

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class StackSpec:
    """One of the two stacks of a stage."""

    key: str  # "api" or "web"
    name: str
    region: str
    root: Path = ROOT

    @property
    def template(self) -> Path:
        return self.root / "build" / f"{self.key}.yaml"

    @property
    def build_dir(self) -> Path:
        return self.root / ".aws-sam" / self.key

    @property
    def built_template(self) -> Path:
        return self.build_dir / "template.yaml"


@dataclass(frozen=True)
class Target:
    """A stage deployed with its API in ``region`` and its web in us-east-1."""

    stage: str
    region: str
    root: Path = ROOT  # the repository: build/ and .aws-sam/ are under it

    @property
    def api(self) -> StackSpec:
        return StackSpec("api", f"{API_STACK_PREFIX}-{self.stage}", self.region, self.root)

    @property
    def web(self) -> StackSpec:
        return StackSpec("web", f"{WEB_STACK_PREFIX}-{self.stage}", WEB_REGION, self.root)

    @property
    def stacks(self) -> tuple[StackSpec, StackSpec]:
        return (self.api, self.web)

    @property
    def edge_config_file(self) -> Path:
        return self.root / "build" / f"edge_config-{self.stage}.json"

    @property
    def outputs_file(self) -> Path:
        return self.root / "build" / f"outputs-{self.stage}.json"


def validate_stage(stage: str) -> str:
    if not stage:
        raise DeployError("No stage given.", "Pass one, e.g. STAGE=dev.")
    if len(stage) > MAX_STAGE_LENGTH or not STAGE_PATTERN.fullmatch(stage):
        raise DeployError(
            f"Stage {stage!r} cannot be part of a stack name.",
            f"Use a letter followed by letters, digits or hyphens, at most "
            f"{MAX_STAGE_LENGTH} characters (e.g. dev, prod, alice-test).",
        )
    return stage


@cache
def known_regions() -> frozenset[str]:
    """Every region botocore knows CloudFormation in, across partitions."""
    session = botocore.session.get_session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("cloudformation", partition_name=partition)
    )


def validate_region(region: str) -> str:
    if not region:
        raise DeployError(
            "No AWS region given.",
            "Pass REGION=eu-west-1 (make) or --region, or set AWS_REGION / `aws configure`.",
        )
    if region not in known_regions():
        close = difflib.get_close_matches(region, sorted(known_regions()), n=1)
        guess = f"Did you mean {close[0]}? " if close else ""
        raise DeployError(
            f"{region!r} is not an AWS region.",
            f"{guess}Regions look like us-east-1 or eu-west-2.",
        )
    return region


def make_target(stage: str, region: str, root: Path = ROOT) -> Target:
    return Target(validate_stage(stage), validate_region(region), root)
