"""Resolving intrinsic functions to local values."""

from __future__ import annotations

from typing import Any

import pytest

from local_gateway.intrinsics import LocalNames, Resolver, UnresolvableError, physical_name

NAMES = LocalNames(region="eu-west-1", account_id="111122223333", stack_name="stack")
TEMPLATE: dict[str, Any] = {
    "Parameters": {"Stage": {"Type": "String", "Default": "prod"}, "NoDefault": {"Type": "String"}},
    "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}},
    "Resources": {
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        "Named": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {"TableName": {"Fn::Sub": "${Stage}-named"}},
        },
        "Fn": {"Type": "AWS::Serverless::Function", "Properties": {}},
    },
}


def resolve(value: Any, names: LocalNames = NAMES) -> Any:
    return Resolver(TEMPLATE, names).resolve(value)


def test_ref_to_a_table_is_its_local_name() -> None:
    assert resolve({"Ref": "Table"}) == physical_name("stack", "Table")


def test_ref_to_a_named_table_is_its_resolved_table_name() -> None:
    assert resolve({"Ref": "Named"}) == "prod-named"


def test_ref_to_a_parameter_is_its_default() -> None:
    assert resolve({"Ref": "Stage"}) == "prod"


def test_parameter_override_wins_over_the_default() -> None:
    names = LocalNames(parameters={"Stage": "dev"})
    assert resolve({"Ref": "Stage"}, names) == "dev"


def test_pseudo_parameters_have_the_local_region_and_account() -> None:
    assert resolve({"Fn::Sub": "${AWS::Region}/${AWS::AccountId}"}) == "eu-west-1/111122223333"


def test_sub_resolves_attributes_and_keeps_escaped_literals() -> None:
    value = resolve({"Fn::Sub": "${Fn.Arn} ${!Literal}"})
    function_arn = f"arn:aws:lambda:eu-west-1:111122223333:function:{physical_name('stack', 'Fn')}"
    assert value == f"{function_arn} ${{Literal}}"


def test_sub_with_a_variable_map_uses_the_map() -> None:
    assert resolve({"Fn::Sub": ["${X}-${Stage}", {"X": {"Ref": "Stage"}}]}) == "prod-prod"


def test_get_att_table_arn() -> None:
    table = physical_name("stack", "Table")
    assert (
        resolve({"Fn::GetAtt": ["Table", "Arn"]})
        == f"arn:aws:dynamodb:eu-west-1:111122223333:table/{table}"
    )


def test_join_select_and_split() -> None:
    value = {"Fn::Join": ["-", [{"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}, "z"]]}
    assert resolve(value) == "b-z"


def test_if_follows_its_condition() -> None:
    assert resolve({"Fn::If": ["IsProd", "yes", "no"]}) == "yes"


def test_no_value_drops_the_key() -> None:
    assert resolve({"A": {"Ref": "AWS::NoValue"}, "B": "b"}) == {"B": "b"}


def test_ref_to_an_unknown_name_is_an_error() -> None:
    with pytest.raises(UnresolvableError, match="Missing"):
        resolve({"Ref": "Missing"})


def test_ref_to_a_parameter_without_default_is_an_error() -> None:
    with pytest.raises(UnresolvableError, match="NoDefault"):
        resolve({"Ref": "NoDefault"})


def test_import_value_is_an_error_not_a_placeholder() -> None:
    with pytest.raises(UnresolvableError, match="ImportValue"):
        resolve({"Fn::ImportValue": "Elsewhere"})
