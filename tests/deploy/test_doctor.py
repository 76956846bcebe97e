"""`make doctor` against moto's STS and CloudFormation (control planes), and the
venv's real SAM CLI."""

from __future__ import annotations

import json
import sys

import boto3

from deployer.doctor import SAM_MANAGED_STACK, check_python, check_sam, passed, run_doctor
from tests.deploy.conftest import REGION


def by_name(checks):
    return {c.name: c for c in checks}


def test_ready_account_passes_every_required_check(aws):
    checks = run_doctor(REGION, clients=aws)
    assert passed(checks), "\n".join(c.line() for c in checks)


def test_missing_sam_bucket_is_a_warning_that_explains_the_first_deploy_creates_it(aws):
    checks = by_name(run_doctor(REGION, clients=aws))
    bucket = checks[f"SAM artifact bucket in {REGION}"]
    assert (bucket.ok, bucket.required) == (False, False)
    assert "the first `make deploy` creates it" in bucket.fix


def test_existing_sam_bucket_stack_is_reported(aws):
    body = json.dumps({"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}})
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName=SAM_MANAGED_STACK, TemplateBody=body
    )
    assert by_name(run_doctor(REGION, clients=aws))[f"SAM artifact bucket in {REGION}"].ok


def test_region_typo_fails_and_stops_before_aws_checks(aws):
    checks = run_doctor("eu-wset-1", clients=aws)
    assert [c.name for c in checks][-1] == "Region"
    assert "Did you mean eu-west-1" in checks[-1].fix
    assert not passed(checks)


def test_old_python_is_reported_with_the_fix():
    check = check_python((3, 10, 4))
    assert not check.ok and "3.11" in check.fix


def test_sam_cli_that_does_not_run_says_to_make_venv(tmp_path):
    check = check_sam(str(tmp_path / "sam"))
    assert not check.ok and "make venv" in check.fix


def test_the_venv_sam_cli_is_found():
    assert check_sam().ok, sys.executable
