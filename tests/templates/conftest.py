"""The generated templates as plain data, exactly as `make synth` writes them."""

from __future__ import annotations

import pytest
import yaml

from templates.api import build_api_template
from templates.common import render_yaml
from templates.web import build_web_template


@pytest.fixture(scope="session")
def api() -> dict:
    return yaml.safe_load(render_yaml(build_api_template()))


@pytest.fixture(scope="session")
def web() -> dict:
    return yaml.safe_load(render_yaml(build_web_template()))
