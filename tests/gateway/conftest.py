"""Fixtures for the gateway tests: the toy template on disk, and a running gateway."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from local_gateway.testing import RunningGateway, running_gateway
from tests.gateway.toy import write_toy_api


@pytest.fixture(scope="module")
def toy_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_toy_api(tmp_path_factory.mktemp("toy"))


@pytest.fixture(scope="module")
def toy_gateway(toy_template: Path) -> Iterator[RunningGateway]:
    """One gateway for a module's tests; the toy handlers keep no shared state."""
    with running_gateway(toy_template, idle_timeout=60) as gateway:
        yield gateway
