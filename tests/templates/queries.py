"""Small read-only queries over a template dict, shared by the template tests."""

from __future__ import annotations

from collections.abc import Iterator


def resources_of_type(template: dict, resource_type: str) -> dict[str, dict]:
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def props(template: dict, logical_id: str) -> dict:
    return template["Resources"][logical_id]["Properties"]


def policy_documents(template: dict) -> Iterator[tuple[str, dict]]:
    """Every IAM-style policy document in the template, with the resource holding it."""
    for logical_id, resource in template["Resources"].items():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            for policy in properties.get("Policies", []):
                yield logical_id, policy["PolicyDocument"]
        elif resource["Type"] in ("AWS::IAM::Policy", "AWS::S3::BucketPolicy"):
            yield logical_id, properties["PolicyDocument"]


def statements(document: dict) -> list[dict]:
    found = document["Statement"]
    return found if isinstance(found, list) else [found]


def as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


def role_statements(template: dict, role_id: str) -> list[dict]:
    """Statements granted to a role: its inline policies and AWS::IAM::Policy resources."""
    found = []
    for policy in props(template, role_id).get("Policies", []):
        found += statements(policy["PolicyDocument"])
    for policy in resources_of_type(template, "AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            found += statements(policy["Properties"]["PolicyDocument"])
    return found


def role_of(template: dict, function_id: str) -> str:
    role = props(template, function_id)["Role"]
    assert role == {"Fn::GetAtt": [role["Fn::GetAtt"][0], "Arn"]}
    return role["Fn::GetAtt"][0]


def parameter_default(template: dict, value: object) -> object:
    """The default of a parameter when value is a Ref to one, else value itself."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return template["Parameters"][value["Ref"]]["Default"]
    return value
