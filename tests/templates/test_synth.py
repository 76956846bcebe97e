"""`make synth` output: deterministic bytes, plain YAML the local gateway can load."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from scripts.synth import synth

ROOT = Path(__file__).resolve().parents[2]


def _synth_in_fresh_process(out_dir: Path, hash_seed: str) -> dict[str, bytes]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    command = [sys.executable, "scripts/synth.py", "--out-dir", str(out_dir)]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return {path.name: path.read_bytes() for path in sorted(out_dir.iterdir())}


def test_synth_writes_both_templates(tmp_path):
    written = synth(tmp_path)
    assert sorted(path.name for path in written) == ["api.yaml", "web.yaml"]


def test_two_synth_runs_give_identical_bytes(tmp_path):
    first = _synth_in_fresh_process(tmp_path / "first", hash_seed="1")
    second = _synth_in_fresh_process(tmp_path / "second", hash_seed="2")
    assert set(first) == {"api.yaml", "web.yaml"}
    assert first == second


def test_synth_output_loads_with_a_plain_yaml_loader(tmp_path):
    for path in synth(tmp_path):
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))  # no !Ref short forms
        assert "Resources" in loaded


def test_synth_output_puts_each_resource_type_before_its_properties(tmp_path):
    for path in synth(tmp_path):
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert list(loaded)[0] == "AWSTemplateFormatVersion"
        for resource in loaded["Resources"].values():
            keys = list(resource)
            assert keys[0] == "Type"
            assert keys[-1] == "Properties" or "Properties" not in keys
