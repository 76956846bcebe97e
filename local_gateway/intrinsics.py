"""Resolve CloudFormation intrinsic functions to the values they have locally.

``Ref`` to a table gives the local table name, ``Ref`` to a parameter its default
(or an override), pseudo parameters get fixed local values, and ``Fn::GetAtt``
builds the ARN the resource would have. Anything not resolvable raises
``UnresolvableError`` naming the expression, never a silent placeholder."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LOCAL_ACCOUNT_ID = "123456789012"
NO_VALUE = object()

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class UnresolvableError(ValueError):
    pass


@dataclass(frozen=True)
class LocalNames:
    """What each resource is called locally: the values ``Ref`` and ``Fn::GetAtt`` give."""

    region: str = "us-east-1"
    account_id: str = LOCAL_ACCOUNT_ID
    stack_name: str = "always-coder-local"
    api_id: str = "local"
    parameters: Mapping[str, Any] = field(default_factory=dict)
    physical_ids: Mapping[str, str] = field(default_factory=dict)


def physical_name(stack_name: str, logical_id: str) -> str:
    """CloudFormation names unnamed resources ``{stack}-{LogicalId}-{suffix}``; here no suffix."""
    return f"{stack_name}-{logical_id}"


class Resolver:
    def __init__(self, template: Mapping[str, Any], names: LocalNames) -> None:
        self._resources: Mapping[str, Any] = template.get("Resources", {})
        self._conditions: Mapping[str, Any] = template.get("Conditions", {}) or {}
        self._names = names
        self._parameters = _parameter_values(template, names.parameters)

    def resolve(self, value: Any) -> Any:
        """Resolve every intrinsic inside ``value`` (recursively)."""
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            function = _FUNCTIONS.get(key)
            if function is not None:
                return function(self, argument)
        resolved = {key: self.resolve(item) for key, item in value.items()}
        return {key: item for key, item in resolved.items() if item is not NO_VALUE}

    def ref(self, name: str) -> Any:
        pseudo = self._pseudo_parameter(name)
        if pseudo is not None:
            return pseudo
        if name in self._parameters:
            return self._parameters[name]
        if name in self._resources:
            return self._resource_ref(name)
        raise UnresolvableError(f"Ref to unknown name {name!r}")

    def get_att(self, logical_id: str, attribute: str) -> str:
        resource = self._resources.get(logical_id)
        if resource is None:
            raise UnresolvableError(f"Fn::GetAtt on unknown resource {logical_id!r}")
        kind = resource.get("Type", "")
        name = self._resource_ref(logical_id)
        region, account = self._names.region, self._names.account_id
        if kind == "AWS::DynamoDB::Table":
            table_arn = f"arn:aws:dynamodb:{region}:{account}:table/{name}"
            if attribute == "Arn":
                return table_arn
            if attribute == "StreamArn":
                return f"{table_arn}/stream/local"
        if kind in ("AWS::Serverless::Function", "AWS::Lambda::Function") and attribute == "Arn":
            return f"arn:aws:lambda:{region}:{account}:function:{name}"
        if kind == "AWS::IAM::Role" and attribute == "Arn":
            return f"arn:aws:iam::{account}:role/{name}"
        if kind == "AWS::ApiGatewayV2::Api" and attribute == "ApiEndpoint":
            return f"wss://{self._names.api_id}.execute-api.{region}.amazonaws.com"
        if kind == "AWS::ApiGatewayV2::Api" and attribute == "ApiId":
            return self._names.api_id
        if kind == "AWS::Cognito::UserPool" and attribute == "ProviderURL":
            return f"https://cognito-idp.{region}.amazonaws.com/{name}"
        if kind == "AWS::Cognito::UserPool" and attribute == "Arn":
            return f"arn:aws:cognito-idp:{region}:{account}:userpool/{name}"
        if kind == "AWS::Logs::LogGroup" and attribute == "Arn":
            return f"arn:aws:logs:{region}:{account}:log-group:{name}:*"
        raise UnresolvableError(f"Fn::GetAtt {logical_id}.{attribute} ({kind}) has no local value")

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            raise UnresolvableError(f"unknown condition {name!r}")
        return bool(self.resolve(self._conditions[name]))

    def _pseudo_parameter(self, name: str) -> str | None:
        return {
            "AWS::Region": self._names.region,
            "AWS::AccountId": self._names.account_id,
            "AWS::StackName": self._names.stack_name,
            "AWS::StackId": (
                f"arn:aws:cloudformation:{self._names.region}:{self._names.account_id}"
                f":stack/{self._names.stack_name}/local"
            ),
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }.get(name)

    def _resource_ref(self, logical_id: str) -> str:
        if logical_id in self._names.physical_ids:
            return self._names.physical_ids[logical_id]
        resource = self._resources[logical_id]
        kind = resource.get("Type")
        if kind == "AWS::ApiGatewayV2::Api":
            return self._names.api_id
        if kind == "AWS::Cognito::UserPool":
            return f"{self._names.region}_Local{logical_id}"
        if kind == "AWS::Cognito::UserPoolClient":
            return f"local{logical_id.lower()}"
        explicit = _explicit_name(resource)
        if explicit is not None:
            return str(self.resolve(explicit))
        return physical_name(self._names.stack_name, logical_id)


_NAME_PROPERTY = {
    "AWS::DynamoDB::Table": "TableName",
    "AWS::Serverless::Function": "FunctionName",
    "AWS::Lambda::Function": "FunctionName",
    "AWS::IAM::Role": "RoleName",
    "AWS::Logs::LogGroup": "LogGroupName",
}


def _explicit_name(resource: Mapping[str, Any]) -> Any:
    prop = _NAME_PROPERTY.get(resource.get("Type", ""))
    return (resource.get("Properties") or {}).get(prop) if prop else None


def _parameter_values(template: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, spec in (template.get("Parameters") or {}).items():
        if name in overrides:
            values[name] = overrides[name]
        elif "Default" in spec:
            values[name] = spec["Default"]
    unknown = set(overrides) - set(values)
    if unknown:
        raise UnresolvableError(f"parameter overrides for unknown parameters: {sorted(unknown)}")
    return values


def _sub(resolver: Resolver, argument: Any) -> str:
    if isinstance(argument, list):
        text, variables = argument[0], resolver.resolve(argument[1])
    else:
        text, variables = argument, {}

    def replace(match: re.Match[str]) -> str:
        expression = match.group(1)
        if expression.startswith("!"):
            return "${" + expression[1:] + "}"
        if expression in variables:
            return str(variables[expression])
        if "." in expression and not expression.startswith("AWS::"):
            logical_id, _, attribute = expression.partition(".")
            return resolver.get_att(logical_id, attribute)
        return str(resolver.ref(expression))

    return _SUB_VARIABLE.sub(replace, text)


def _get_att(resolver: Resolver, argument: Any) -> str:
    if isinstance(argument, str):
        argument = argument.split(".", 1)
    logical_id, attribute = resolver.resolve(argument)
    return resolver.get_att(logical_id, attribute)


def _join(resolver: Resolver, argument: Any) -> str:
    delimiter, items = argument
    return delimiter.join(str(item) for item in resolver.resolve(items))


def _select(resolver: Resolver, argument: Any) -> Any:
    index, items = resolver.resolve(argument)
    return items[int(index)]


def _split(resolver: Resolver, argument: Any) -> list[str]:
    delimiter, text = resolver.resolve(argument)
    return text.split(delimiter)


def _if(resolver: Resolver, argument: Any) -> Any:
    name, when_true, when_false = argument
    return resolver.resolve(when_true if resolver.condition(name) else when_false)


def _equals(resolver: Resolver, argument: Any) -> bool:
    left, right = resolver.resolve(argument)
    return left == right


def _ref(resolver: Resolver, argument: Any) -> Any:
    if argument == "AWS::NoValue":
        return NO_VALUE
    return resolver.ref(resolver.resolve(argument))


def _unsupported(name: str) -> Any:
    def fail(_resolver: Resolver, argument: Any) -> Any:
        raise UnresolvableError(f"{name} {argument!r} cannot be resolved locally")

    return fail


_FUNCTIONS: dict[str, Any] = {
    "Ref": _ref,
    "Fn::Sub": _sub,
    "Fn::GetAtt": _get_att,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::Not": lambda r, a: not r.resolve(a)[0],
    "Fn::And": lambda r, a: all(r.resolve(a)),
    "Fn::Or": lambda r, a: any(r.resolve(a)),
    "Condition": lambda r, a: r.condition(a),
    "Fn::ImportValue": _unsupported("Fn::ImportValue"),
    "Fn::GetAZs": lambda r, a: [f"{r._names.region}a", f"{r._names.region}b"],
}
