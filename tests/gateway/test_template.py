"""Reading the WebSocket API out of a template."""

from __future__ import annotations

from pathlib import Path

import pytest

from local_gateway.template import TemplateError, read_api
from tests.gateway.toy import MESSAGE_TIMEOUT_S, write_toy_api

REAL_TEMPLATE = Path(__file__).resolve().parents[2] / "build" / "api.yaml"


def test_routes_map_to_the_handlers_named_in_the_template(toy_template: Path) -> None:
    api = read_api(toy_template)
    handlers = {route: spec.handler for route, spec in api.routes.items()}
    assert handlers == {
        "$connect": "toy.connect",
        "$disconnect": "toy.disconnect",
        "$default": "toy.message",
    }


def test_renamed_handler_in_the_template_is_the_one_read(tmp_path: Path) -> None:
    api = read_api(write_toy_api(tmp_path, handler="toy.message_renamed"))
    assert api.routes["$default"].handler == "toy.message_renamed"


def test_connect_authorizer_is_the_function_its_uri_names(toy_template: Path) -> None:
    api = read_api(toy_template)
    assert api.authorizer is not None and api.authorizer.logical_id == "AuthFn"


def test_code_uri_is_resolved_relative_to_the_template_directory(toy_template: Path) -> None:
    api = read_api(toy_template)
    assert api.routes["$default"].code_dir == (toy_template.parent.parent / "code").resolve()


def test_function_timeout_comes_from_the_template(toy_template: Path) -> None:
    assert read_api(toy_template).routes["$default"].timeout_s == MESSAGE_TIMEOUT_S


def test_stage_name_comes_from_the_parameter_default(toy_template: Path) -> None:
    assert read_api(toy_template).stage == "toy"


def test_table_ref_in_the_environment_becomes_the_local_table_name(toy_template: Path) -> None:
    api = read_api(toy_template)
    (table,) = api.tables
    assert api.routes["$default"].environment["CONNECTIONS_TABLE"] == table.table_name


def test_table_definition_keeps_its_gsi_and_ttl(toy_template: Path) -> None:
    (table,) = read_api(toy_template).tables
    assert table.properties["GlobalSecondaryIndexes"][0]["IndexName"] == "groupId-index"
    assert table.properties["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}


def test_boolean_environment_values_become_lowercase_strings(toy_template: Path) -> None:
    assert read_api(toy_template).routes["$default"].environment["FLAG"] == "true"


def test_missing_template_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="not found"):
        read_api(tmp_path / "nope.yaml")


def test_template_without_websocket_api_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("Resources:\n  T:\n    Type: AWS::SNS::Topic\n")
    with pytest.raises(TemplateError, match="WEBSOCKET"):
        read_api(path)


def test_code_uri_that_is_not_a_directory_is_a_clear_error(tmp_path: Path) -> None:
    template = write_toy_api(tmp_path)
    template.write_text(template.read_text().replace("../code", "../missing", 1))
    with pytest.raises(TemplateError, match="not a directory"):
        read_api(template)


@pytest.mark.skipif(not REAL_TEMPLATE.exists(), reason="build/api.yaml not synthesized")
def test_real_template_routes_follow_the_architecture_contract() -> None:
    api = read_api(REAL_TEMPLATE)
    functions = {route: spec.logical_id for route, spec in api.routes.items()}
    assert functions == {
        "$connect": "ConnectFunction",
        "$disconnect": "DisconnectFunction",
        "$default": "MessageFunction",
    }
    assert api.authorizer is not None and api.authorizer.logical_id == "AuthorizerFunction"


@pytest.mark.skipif(not REAL_TEMPLATE.exists(), reason="build/api.yaml not synthesized")
def test_real_template_tables_are_the_three_of_the_contract() -> None:
    names = {table.logical_id for table in read_api(REAL_TEMPLATE).tables}
    assert names == {"ConnectionsTable", "SessionsTable", "MessagesTable"}
