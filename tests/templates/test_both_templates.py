"""Claims that hold for every generated template: logs, IAM resources, parameters."""

from __future__ import annotations

import pytest

from tests.templates.queries import as_list, policy_documents, resources_of_type, statements

LOG_PREFIX = {"api": "/aws/lambda/", "web": "/aws/lambda/us-east-1."}


@pytest.fixture(params=["api", "web"])
def stack(request, api, web) -> tuple[str, dict]:
    return request.param, {"api": api, "web": web}[request.param]


def test_every_function_has_a_log_group_named_after_it_with_retention(stack):
    name, template = stack
    functions = resources_of_type(template, "AWS::Serverless::Function")
    groups = resources_of_type(template, "AWS::Logs::LogGroup")
    for function_id in functions:
        group = groups[f"{function_id}LogGroup"]["Properties"]
        assert group["LogGroupName"] == {"Fn::Sub": f"{LOG_PREFIX[name]}${{{function_id}}}"}
        assert group["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_log_retention_parameter_allows_only_cloudwatch_periods(stack):
    _, template = stack
    parameter = template["Parameters"]["LogRetentionDays"]
    assert parameter["Default"] in parameter["AllowedValues"]
    assert "30" in parameter["AllowedValues"] and "365" in parameter["AllowedValues"]


def test_no_iam_statement_grants_on_a_wildcard_resource(stack):
    _, template = stack
    checked = 0
    for holder, document in policy_documents(template):
        for statement in statements(document):
            for resource in as_list(statement.get("Resource", [])):
                assert resource != "*", holder
                if isinstance(resource, str):
                    assert resource.startswith("arn:"), holder
                checked += 1
    assert checked > 0


def test_functions_do_not_get_sam_generated_roles(stack):
    _, template = stack
    for function in resources_of_type(template, "AWS::Serverless::Function").values():
        assert "Role" in function["Properties"]
        assert "Policies" not in function["Properties"]


def test_templates_are_sam_templates_in_long_form(stack):
    _, template = stack
    assert template["AWSTemplateFormatVersion"] == "2010-09-09"
    assert "AWS::Serverless-2016-10-31" in as_list(template["Transform"])
