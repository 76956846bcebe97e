"""The web stack's real `sam build` (standard-library edge code, so it runs
offline here) packages the edge configuration the deploy baked."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from deployer.executor import execute
from deployer.planner import EDGE_CONFIG_ENV
from deployer.sam import run_subprocess, sam_environment, sam_executable
from deployer.settings import ROOT, Target
from deployer.steps import BakeEdgeConfig, Context, SamBuild
from scripts.synth import synth

API_OUTPUTS = {
    "UserPoolId": "eu-west-1_Example",
    "UserPoolClientId": "exampleclientid",
    "UserPoolDomain": "always-coder-example.auth.eu-west-1.amazoncognito.com",
}


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """build/web.yaml next to a link to the real src/, as in the repository."""
    synth(tmp_path / "build")
    (tmp_path / "src").symlink_to(ROOT / "src")
    return tmp_path


@pytest.mark.skipif(shutil.which(sam_executable()) is None, reason="SAM CLI not installed")
def test_real_web_build_packages_the_baked_edge_config(repo_copy):
    target = Target("dev", "eu-west-1", repo_copy)
    ctx = Context(target, clients=None, runner=run_subprocess, echo=lambda _: None)  # type: ignore[arg-type]
    ctx.outputs["api"] = dict(API_OUTPUTS)
    execute(
        [
            BakeEdgeConfig(target.edge_config_file),
            SamBuild(target.web, {EDGE_CONFIG_ENV: str(target.edge_config_file)}),
        ],
        ctx,
    )
    baked = json.loads(target.edge_config_file.read_text())
    for function in ("ViewerRequestFunction", "AuthCallbackFunction"):
        packaged = target.web.build_dir / function / "edge_config.json"
        assert json.loads(packaged.read_text()) == baked


def test_sam_runs_with_this_venvs_python_first_on_path_and_without_telemetry() -> None:
    env = sam_environment({"PATH": "/usr/bin", "HOME": "/home/someone"})
    venv_bin = str(Path(sys.executable).parent)
    assert env == {
        "PATH": os.pathsep.join([venv_bin, "/usr/bin"]),
        "HOME": "/home/someone",
        "PYTHON": sys.executable,
        "SAM_CLI_TELEMETRY": "0",
    }
