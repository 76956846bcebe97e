"""Pure rules: route selection, authorizer policies, management paths."""

from __future__ import annotations

import asyncio

import pytest

from local_gateway.management import ManagementApi, connection_id_from_path
from local_gateway.policy import (
    AuthorizerOutputError,
    arn_pattern_matches,
    evaluate_authorizer_output,
)
from local_gateway.registry import ConnectionRegistry
from local_gateway.routing import select_route

ARN = "arn:aws:execute-api:us-east-1:123456789012:api/prod/$connect"
ROUTES = {"$default", "$connect", "echo"}


def policy(
    effect: str, resource: str = ARN, action: str = "execute-api:Invoke", **extra: object
) -> dict:
    statement = {"Effect": effect, "Action": action, "Resource": resource}
    return {"principalId": "p", "policyDocument": {"Statement": [statement]}, **extra}


def test_frame_naming_a_known_route_selects_it() -> None:
    assert select_route("$request.body.action", '{"action": "echo"}', ROUTES) == "echo"


def test_frame_naming_an_unknown_route_goes_to_default() -> None:
    assert select_route("$request.body.action", '{"action": "nope"}', ROUTES) == "$default"


def test_non_json_frame_goes_to_default() -> None:
    assert select_route("$request.body.action", "not json", ROUTES) == "$default"


def test_binary_frame_goes_to_default() -> None:
    assert select_route("$request.body.action", b'{"action": "echo"}', ROUTES) == "$default"


def test_frame_cannot_select_a_special_route() -> None:
    assert select_route("$request.body.action", '{"action": "$connect"}', ROUTES) == "$default"


def test_allow_policy_on_the_method_arn_allows() -> None:
    assert evaluate_authorizer_output(policy("Allow"), ARN).allowed


def test_deny_policy_denies() -> None:
    assert not evaluate_authorizer_output(policy("Deny"), ARN).allowed


def test_wildcard_resource_covers_the_method_arn() -> None:
    assert evaluate_authorizer_output(policy("Allow", "arn:aws:execute-api:*:*:api/*"), ARN).allowed


def test_allow_on_another_resource_denies() -> None:
    assert not evaluate_authorizer_output(
        policy("Allow", "arn:aws:execute-api:*:*:other/*"), ARN
    ).allowed


def test_explicit_deny_wins_over_allow() -> None:
    output = policy("Allow")
    output["policyDocument"]["Statement"].append({"Effect": "Deny", "Action": "*", "Resource": "*"})
    assert not evaluate_authorizer_output(output, ARN).allowed


def test_context_is_kept_for_later_events() -> None:
    decision = evaluate_authorizer_output(policy("Allow", context={"userId": "u"}), ARN)
    assert decision.context == {"userId": "u"}


def test_output_without_policy_is_an_error() -> None:
    with pytest.raises(AuthorizerOutputError):
        evaluate_authorizer_output({"principalId": "p"}, ARN)


def test_nested_context_value_is_an_error() -> None:
    with pytest.raises(AuthorizerOutputError):
        evaluate_authorizer_output(policy("Allow", context={"a": {"b": 1}}), ARN)


def test_arn_pattern_question_mark_matches_one_character() -> None:
    assert arn_pattern_matches("a?c", "abc") and not arn_pattern_matches("a?c", "abbc")


def test_management_path_with_and_without_stage() -> None:
    assert connection_id_from_path("/@connections/abc%3D", "prod") == "abc="
    assert connection_id_from_path("/prod/@connections/abc%3D", "prod") == "abc="


def test_management_path_with_another_stage_is_not_a_connection() -> None:
    assert connection_id_from_path("/dev/@connections/abc", "prod") is None


def test_post_to_unknown_connection_is_410_gone() -> None:
    api = ManagementApi(ConnectionRegistry(), "prod")
    reply = asyncio.run(api.handle("POST", "/prod/@connections/nobody%3D", b"hi"))
    assert (reply.status, reply.error_type) == (410, "GoneException")


def test_post_over_128_kb_is_413() -> None:
    api = ManagementApi(ConnectionRegistry(), "prod")
    reply = asyncio.run(api.handle("POST", "/@connections/x", b"x" * (128 * 1024 + 1)))
    assert reply.status == 413
