"""Pieces both stacks share: Lambda defaults, trust policies, log groups, YAML rendering."""

from __future__ import annotations

import yaml
from awacs.aws import Allow, Policy, PolicyDocument, Principal, Statement
from awacs.sts import AssumeRole
from troposphere import AWSHelperFn, Ref, Sub, Template, logs

PYTHON_RUNTIME = "python3.13"
SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
MAKEFILE_BUILD = {"BuildMethod": "makefile"}

# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = [
    "1", "3", "5", "7", "14", "30", "60", "90", "120", "150", "180",
    "365", "400", "545", "731", "1096", "1827", "2192", "2557", "2922", "3288", "3653",
]  # fmt: skip


def trust_policy(*services: str) -> Policy:
    """An assume-role policy letting the given AWS service principals use a role."""
    return PolicyDocument(
        Version="2012-10-17",
        Statement=[
            Statement(
                Effect=Allow,
                Principal=Principal("Service", sorted(services)),
                Action=[AssumeRole],
            )
        ],
    )


def function_log_group(
    template: Template,
    function_id: str,
    retention: AWSHelperFn,
    name_prefix: str = "/aws/lambda/",
) -> logs.LogGroup:
    """Add `<function_id>LogGroup`, the log group Lambda writes to for that function."""
    return template.add_resource(
        logs.LogGroup(
            f"{function_id}LogGroup",
            LogGroupName=Sub(f"{name_prefix}${{{function_id}}}"),
            RetentionInDays=retention,
        )
    )


def log_retention_parameter() -> dict[str, object]:
    """Keyword arguments for a `LogRetentionDays` parameter."""
    return {
        "Type": "Number",
        "Default": "30",
        "AllowedValues": LOG_RETENTION_DAYS,
        "Description": "Days CloudWatch Logs keeps the functions' and the API's logs",
    }


def retention_ref() -> Ref:
    return Ref("LogRetentionDays")


# Top-level sections and resource keys in reading order (unknown keys keep their place last).
SECTION_ORDER = (
    "AWSTemplateFormatVersion",
    "Transform",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Conditions",
    "Mappings",
    "Resources",
    "Outputs",
)
# Resource keys in reading order: what it is first, its properties last.
RESOURCE_KEY_ORDER = (
    "Type",
    "Condition",
    "DependsOn",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "Metadata",
    "Properties",
)


def ordered(mapping: dict, order: tuple[str, ...]) -> dict:
    """The mapping with the keys named in order first, in that order; the rest after."""
    known = [key for key in order if key in mapping]
    rest = [key for key in mapping if key not in order]
    return {key: mapping[key] for key in known + rest}


def render_yaml(template: Template) -> str:
    """The template as block-style YAML with long-form intrinsics, stable across runs."""
    data = ordered(template.to_dict(), SECTION_ORDER)
    data["Resources"] = {
        logical_id: ordered(resource, RESOURCE_KEY_ORDER)
        for logical_id, resource in data["Resources"].items()
    }
    return yaml.safe_dump(
        data,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
        width=100,
    )
