"""The `makefile` build targets sam runs, and the size checks of scripts/sam_build.py.

The Makefiles run for real (make, cp, tar) into a temporary ARTIFACTS_DIR; only the
authorizer target is left to `make build`, because it downloads wheels from PyPI.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from scripts.sam_build import EDGE_PACKAGE_LIMIT_BYTES, function_ids, over_limit, zipped_size
from templates.web import build_web_template

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = ROOT / "src" / "handlers"
EDGE = ROOT / "src" / "edge_auth"


def _make(source: Path, target: str, artifacts: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", "-f", str(source / "Makefile"), target],
        cwd=ROOT,
        env={**os.environ, "ARTIFACTS_DIR": str(artifacts), **env},
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize(
    "function_id", ["ConnectFunction", "DisconnectFunction", "MessageFunction"]
)
def test_relay_package_has_the_handler_modules_and_relay_without_caches(tmp_path, function_id):
    result = _make(HANDLERS, f"build-{function_id}", tmp_path)
    assert result.returncode == 0, result.stderr
    expected_modules = sorted(p.name for p in HANDLERS.glob("*.py"))
    assert sorted(p.name for p in tmp_path.glob("*.py")) == expected_modules
    if (HANDLERS / "relay").is_dir():
        assert (tmp_path / "relay" / "__init__.py").is_file()
    assert not list(tmp_path.rglob("__pycache__"))
    assert not (tmp_path / "authz").exists()
    assert not (tmp_path / "requirements.txt").exists()


def test_edge_package_bakes_in_the_file_named_by_edge_config_file(tmp_path):
    config = tmp_path / "my_config.json"
    config.write_text(json.dumps({"userPoolId": "eu-west-1_Example"}), encoding="utf-8")
    artifacts = tmp_path / "out"
    result = _make(EDGE, "build-ViewerRequestFunction", artifacts, EDGE_CONFIG_FILE=str(config))
    assert result.returncode == 0, result.stderr
    assert (artifacts / "edge_config.json").read_bytes() == config.read_bytes()


def test_edge_package_without_override_carries_a_valid_config(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "EDGE_CONFIG_FILE"}
    result = subprocess.run(
        ["make", "-f", str(EDGE / "Makefile"), "build-AuthCallbackFunction"],
        cwd=ROOT,
        env={**env, "ARTIFACTS_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    json.loads((tmp_path / "edge_config.json").read_text(encoding="utf-8"))
    assert sorted(p.name for p in tmp_path.glob("*.py")) == sorted(
        p.name for p in EDGE.glob("*.py")
    )


def test_edge_build_fails_clearly_when_edge_config_file_is_missing(tmp_path):
    missing = tmp_path / "nope.json"
    result = _make(
        EDGE, "build-ViewerRequestFunction", tmp_path / "out", EDGE_CONFIG_FILE=str(missing)
    )
    assert result.returncode != 0
    assert "not found" in result.stderr


def test_edge_package_is_far_below_the_lambda_at_edge_limit(tmp_path):
    result = _make(EDGE, "build-ViewerRequestFunction", tmp_path)
    assert result.returncode == 0, result.stderr
    assert zipped_size(tmp_path) < EDGE_PACKAGE_LIMIT_BYTES


def test_zipped_size_grows_with_incompressible_content(tmp_path):
    (tmp_path / "small.txt").write_bytes(b"x")
    small = zipped_size(tmp_path)
    (tmp_path / "big.bin").write_bytes(os.urandom(4096))
    assert zipped_size(tmp_path) >= small + 4096


def test_over_limit_names_only_the_packages_above_the_limit():
    sizes = {"A": 10, "B": 11, "C": 9}
    assert over_limit(sizes, 10) == ["B"]


def test_over_limit_accepts_everything_without_a_limit():
    assert over_limit({"A": 10**9}, None) == []


def test_function_ids_lists_the_web_stack_edge_functions():
    assert function_ids(build_web_template().to_dict()) == (
        "ViewerRequestFunction",
        "AuthCallbackFunction",
    )
