"""Read the WebSocket API out of a SAM template: routes, the functions behind them,
the `$connect` authorizer, the stage and the tables. The template is the source
of truth; nothing here knows the project's handler names."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local_gateway.cfn_yaml import load_template
from local_gateway.intrinsics import LocalNames, Resolver, UnresolvableError

FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
DEFAULT_TIMEOUT_S = 3
DEFAULT_MEMORY_MB = 128
_SUB_NAME = re.compile(r"\$\{([^}!][^}]*)\}")


class TemplateError(ValueError):
    """The template does not describe a WebSocket API the gateway can run."""


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    function_name: str
    handler: str
    code_dir: Path
    timeout_s: float
    memory_mb: int
    runtime: str
    environment: dict[str, str]


@dataclass(frozen=True)
class TableSpec:
    logical_id: str
    table_name: str
    properties: dict[str, Any]


@dataclass(frozen=True)
class ApiSpec:
    api_id: str
    stage: str
    route_selection_expression: str
    routes: dict[str, FunctionSpec]
    two_way_routes: frozenset[str]
    authorizer: FunctionSpec | None
    functions: dict[str, FunctionSpec]
    tables: list[TableSpec] = field(default_factory=list)
    region: str = "us-east-1"
    account_id: str = "123456789012"

    def function(self, logical_id: str) -> FunctionSpec:
        try:
            return self.functions[logical_id]
        except KeyError:
            known = ", ".join(sorted(self.functions))
            raise TemplateError(f"no function {logical_id!r} in the template ({known})") from None


def read_api(
    template_path: str | Path,
    names: LocalNames | None = None,
) -> ApiSpec:
    """Load ``template_path`` and describe its WebSocket API with every value resolved."""
    path = _template_file(template_path)
    document = load_template(path)
    names = names or LocalNames()
    resolver = Resolver(document, names)
    resources: Mapping[str, Any] = document["Resources"]
    try:
        return _read_api(document, resources, resolver, names, path.resolve().parent)
    except UnresolvableError as error:
        raise TemplateError(f"{path}: {error}") from error


def read_functions(
    template_path: str | Path, names: LocalNames | None = None
) -> dict[str, FunctionSpec]:
    """Every function of a SAM template (any kind of stack), values resolved locally."""
    path = _template_file(template_path)
    document = load_template(path)
    resolver = Resolver(document, names or LocalNames())
    try:
        return _functions(document, resolver, path.resolve().parent)
    except UnresolvableError as error:
        raise TemplateError(f"{path}: {error}") from error


def _template_file(template_path: str | Path) -> Path:
    path = Path(template_path)
    if not path.is_file():
        raise TemplateError(f"template {path} not found (run `make synth` first?)")
    return path


def _functions(
    document: Mapping[str, Any], resolver: Resolver, template_dir: Path
) -> dict[str, FunctionSpec]:
    globals_ = (document.get("Globals") or {}).get("Function") or {}
    return {
        logical_id: _function_spec(logical_id, resource, globals_, resolver, template_dir)
        for logical_id, resource in (document.get("Resources") or {}).items()
        if resource.get("Type") in FUNCTION_TYPES
    }


def _read_api(
    document: Mapping[str, Any],
    resources: Mapping[str, Any],
    resolver: Resolver,
    names: LocalNames,
    template_dir: Path,
) -> ApiSpec:
    api_id = _websocket_api(resources)
    api_props = resources[api_id].get("Properties", {})
    functions = _functions(document, resolver, template_dir)
    routes: dict[str, FunctionSpec] = {}
    route_ids: dict[str, str] = {}
    authorizer: FunctionSpec | None = None
    for logical_id, props in _resources_of(resources, "AWS::ApiGatewayV2::Route", api_id):
        route_key = resolver.resolve(props["RouteKey"])
        integration_id = _single_reference(
            props.get("Target"), resources, {"AWS::ApiGatewayV2::Integration"}
        )
        integration = resources[integration_id].get("Properties", {})
        function_id = _single_reference(
            integration.get("IntegrationUri"), resources, set(FUNCTION_TYPES)
        )
        routes[route_key] = functions[function_id]
        route_ids[logical_id] = route_key
        if route_key == "$connect" and props.get("AuthorizerId") is not None:
            authorizer_id = _single_reference(
                props["AuthorizerId"], resources, {"AWS::ApiGatewayV2::Authorizer"}
            )
            authorizer = _authorizer_function(resources[authorizer_id], resources, functions)
    two_way = frozenset(
        route_ids[_single_reference(props.get("RouteId"), resources, {"AWS::ApiGatewayV2::Route"})]
        for _, props in _resources_of(resources, "AWS::ApiGatewayV2::RouteResponse", api_id)
    )
    tables = [
        TableSpec(
            logical_id, resolver.ref(logical_id), resolver.resolve(resource.get("Properties", {}))
        )
        for logical_id, resource in resources.items()
        if resource.get("Type") == "AWS::DynamoDB::Table"
    ]
    return ApiSpec(
        api_id=names.api_id,
        stage=_stage_name(resources, api_id, resolver),
        route_selection_expression=resolver.resolve(
            api_props.get("RouteSelectionExpression", "$request.body.action")
        ),
        routes=routes,
        two_way_routes=two_way,
        authorizer=authorizer,
        functions=functions,
        tables=tables,
        region=names.region,
        account_id=names.account_id,
    )


def _websocket_api(resources: Mapping[str, Any]) -> str:
    apis = [
        logical_id
        for logical_id, resource in resources.items()
        if resource.get("Type") == "AWS::ApiGatewayV2::Api"
        and (resource.get("Properties") or {}).get("ProtocolType") == "WEBSOCKET"
    ]
    if not apis:
        raise TemplateError("no AWS::ApiGatewayV2::Api with ProtocolType WEBSOCKET")
    return sorted(apis)[0]


def _resources_of(
    resources: Mapping[str, Any], kind: str, api_id: str
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    for logical_id, resource in resources.items():
        props = resource.get("Properties") or {}
        if resource.get("Type") == kind and api_id in _references(props.get("ApiId")):
            yield logical_id, props


def _stage_name(resources: Mapping[str, Any], api_id: str, resolver: Resolver) -> str:
    for _, props in _resources_of(resources, "AWS::ApiGatewayV2::Stage", api_id):
        return str(resolver.resolve(props["StageName"]))
    raise TemplateError(f"no AWS::ApiGatewayV2::Stage for {api_id}")


def _authorizer_function(
    authorizer: Mapping[str, Any],
    resources: Mapping[str, Any],
    functions: Mapping[str, FunctionSpec],
) -> FunctionSpec:
    props = authorizer.get("Properties") or {}
    if props.get("AuthorizerType") != "REQUEST":
        raise TemplateError(
            f"only REQUEST authorizers run locally, not {props.get('AuthorizerType')}"
        )
    function_id = _single_reference(props.get("AuthorizerUri"), resources, set(FUNCTION_TYPES))
    return functions[function_id]


def _function_spec(
    logical_id: str,
    resource: Mapping[str, Any],
    globals_: Mapping[str, Any],
    resolver: Resolver,
    template_dir: Path,
) -> FunctionSpec:
    props = {**globals_, **(resource.get("Properties") or {})}
    global_env = ((globals_.get("Environment") or {}).get("Variables")) or {}
    own_env = (((resource.get("Properties") or {}).get("Environment") or {}).get("Variables")) or {}
    environment = resolver.resolve({**global_env, **own_env})
    code_uri = props.get("CodeUri")
    if not isinstance(code_uri, str):
        raise TemplateError(f"{logical_id}: only a local CodeUri directory runs locally")
    code_dir = (template_dir / code_uri).resolve()
    if not code_dir.is_dir():
        raise TemplateError(
            f"{logical_id}: CodeUri {code_uri} resolves to {code_dir}, not a directory"
        )
    if "Handler" not in props:
        raise TemplateError(f"{logical_id}: no Handler")
    return FunctionSpec(
        logical_id=logical_id,
        function_name=str(resolver.ref(logical_id)),
        handler=str(resolver.resolve(props["Handler"])),
        code_dir=code_dir,
        timeout_s=float(resolver.resolve(props.get("Timeout", DEFAULT_TIMEOUT_S))),
        memory_mb=int(resolver.resolve(props.get("MemorySize", DEFAULT_MEMORY_MB))),
        runtime=str(resolver.resolve(props.get("Runtime", "python3.13"))),
        environment={key: _env_string(value) for key, value in environment.items()},
    )


def _env_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _references(value: Any) -> set[str]:
    """Every logical id an expression names through Ref, Fn::GetAtt or Fn::Sub."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= _references(item)
    elif isinstance(value, dict):
        for key, argument in value.items():
            if key == "Ref" and isinstance(argument, str):
                found.add(argument)
            elif key == "Fn::GetAtt":
                target = argument.split(".", 1)[0] if isinstance(argument, str) else argument[0]
                found.add(target)
            elif key == "Fn::Sub":
                text = argument[0] if isinstance(argument, list) else argument
                found |= {name.split(".", 1)[0] for name in _sub_names(text)}
                if isinstance(argument, list):
                    found |= _references(argument[1])
            else:
                found |= _references(argument)
    return found


def _sub_names(text: str) -> list[str]:
    return _SUB_NAME.findall(text)


def _single_reference(value: Any, resources: Mapping[str, Any], kinds: set[str]) -> str:
    matches = sorted(
        name for name in _references(value) if resources.get(name, {}).get("Type") in kinds
    )
    if len(matches) != 1:
        raise TemplateError(f"expected one {'/'.join(sorted(kinds))} in {value!r}, found {matches}")
    return matches[0]
