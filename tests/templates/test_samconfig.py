"""samconfig.toml lets `sam deploy --guided --config-env api|web` find the right stack."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def config() -> dict:
    with (ROOT / "samconfig.toml").open("rb") as file:
        return tomllib.load(file)


@pytest.mark.parametrize(
    ("env", "stack_name"), [("api", "AlwaysCoderApiStack"), ("web", "AlwaysCoderWebStack")]
)
def test_config_env_builds_and_deploys_its_stack(config, env, stack_name):
    section = config[env]
    assert section["global"]["parameters"]["stack_name"] == stack_name
    assert section["build"]["parameters"]["template_file"] == f"build/{env}.yaml"
    assert section["build"]["parameters"]["build_dir"] == f".aws-sam/{env}"
    deploy = section["deploy"]["parameters"]
    assert deploy["template_file"] == f".aws-sam/{env}/template.yaml"
    assert deploy["resolve_s3"] is True
    assert "CAPABILITY_IAM" in deploy["capabilities"].split()


def test_api_deploy_allows_the_language_extensions_transform(config):
    capabilities = config["api"]["deploy"]["parameters"]["capabilities"].split()
    assert "CAPABILITY_AUTO_EXPAND" in capabilities


def test_web_stack_is_pinned_to_us_east_1(config):
    assert config["web"]["global"]["parameters"]["region"] == "us-east-1"


def test_api_stack_region_is_left_to_the_user(config):
    assert "region" not in config["api"]["global"]["parameters"]
