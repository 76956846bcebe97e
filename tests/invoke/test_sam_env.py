"""`sam local invoke --env-vars events/env.json` as SAM CLI itself resolves it.

Docker is not available here, so the container never starts; this runs SAM CLI's
own environment resolution (its ``LocalLambdaRunner``, the code ``sam local
invoke`` calls before starting the container) on the synthesized template."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider

from local_gateway import fixtures
from tests.invoke.conftest import EVENTS_DIR

ENV_FILE = EVENTS_DIR / fixtures.ENV_FILE


def sam_environment(template: Path, logical_id: str, env_values: dict) -> dict[str, str]:
    stacks, _ = SamLocalStackProvider.get_stacks(str(template))
    runner = LocalLambdaRunner(
        local_runtime=None,  # type: ignore[arg-type] - never started: no container here
        function_provider=SamFunctionProvider(stacks),
        cwd=str(template.parent),
        real_path=str(template.parent),
        aws_region="us-east-1",
        env_vars_values=env_values,
    )
    return runner._make_env_vars(runner.get_function(logical_id)).resolve()


@pytest.mark.parametrize("logical_id", sorted(json.loads(ENV_FILE.read_text())))
def test_sam_gives_each_function_the_values_of_the_env_file(
    template_dir: Path, logical_id: str
) -> None:
    env_values = json.loads(ENV_FILE.read_text())
    resolved = sam_environment(template_dir / "api.yaml", logical_id, env_values)
    wanted = env_values[logical_id]
    assert {key: resolved.get(key) for key in wanted} == wanted
