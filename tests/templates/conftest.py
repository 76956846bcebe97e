"""The generated templates as plain data, exactly as `make synth` writes them."""

from __future__ import annotations

import json

import pytest
import yaml

from templates.api import build_api_template
from templates.common import render_yaml
from templates.web import build_web_template


def plain_data(yaml_text: str) -> dict:
    """Parsed YAML as plain dicts and lists. Importing SAM CLI (as other tests do)
    makes PyYAML's SafeLoader build OrderedDicts process-wide; a JSON round trip
    keeps these tests independent of what was imported before them."""
    return json.loads(json.dumps(yaml.safe_load(yaml_text)))


@pytest.fixture(scope="session")
def api() -> dict:
    return plain_data(render_yaml(build_api_template()))


@pytest.fixture(scope="session")
def web() -> dict:
    return plain_data(render_yaml(build_web_template()))
