"""The `sam` command lines the deploy runs, built as data, and the runner that
executes them (tests inject their own runner and assert on the lines)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from deployer.settings import ROOT, StackSpec

CAPABILITIES = ("CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND")
PROJECT_TAG = "always-coder"


def sam_executable() -> str:
    """The venv's `sam`, next to this Python, so the pinned SAM CLI is the one used."""
    beside = Path(sys.executable).with_name("sam")
    return str(beside) if beside.exists() else "sam"


@dataclass(frozen=True)
class Command:
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)  # added to the inherited environment

    def __str__(self) -> str:
        prefix = " ".join(f"{k}={v}" for k, v in self.env.items())
        return f"{prefix} {' '.join(self.argv)}".strip()


class CommandRunner(Protocol):
    def __call__(self, command: Command) -> int: ...


def sam_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) as `sam` should see it: no
    telemetry, and this venv first on PATH and as $PYTHON, because the functions'
    makefile builds run pip from $PYTHON."""
    env = dict(os.environ if base is None else base)
    venv_bin = str(Path(sys.executable).parent)
    return {
        **env,
        "SAM_CLI_TELEMETRY": "0",
        "PYTHON": sys.executable,
        "PATH": os.pathsep.join([venv_bin, env.get("PATH", "")]),
    }


def run_subprocess(command: Command) -> int:
    """Runs the command from the repository root with its output streaming through."""
    env = {**sam_environment(), **command.env}
    return subprocess.run(list(command.argv), cwd=ROOT, env=env, check=False).returncode


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def build_command(stack: StackSpec, env: Mapping[str, str] | None = None) -> Command:
    return Command(
        (
            sam_executable(),
            "build",
            "--template-file",
            relative(stack.template),
            "--build-dir",
            relative(stack.build_dir),
        ),
        dict(env or {}),
    )


def deploy_command(
    stack: StackSpec,
    stage: str,
    parameters: Mapping[str, str],
    *,
    execute: bool = True,
) -> Command:
    """`sam deploy` that never prompts, treats "no changes" as success, and
    lets SAM create/reuse its managed artifact bucket (`--resolve-s3`)."""
    argv = [
        sam_executable(),
        "deploy",
        "--template-file",
        relative(stack.built_template),
        "--stack-name",
        stack.name,
        "--region",
        stack.region,
        "--capabilities",
        *CAPABILITIES,
        "--resolve-s3",
        "--s3-prefix",
        stack.name,
        "--no-fail-on-empty-changeset",
        "--no-confirm-changeset",
        "--tags",
        f"project={PROJECT_TAG}",
        f"stage={stage}",
    ]
    if parameters:
        argv += ["--parameter-overrides", *(f"{k}={v}" for k, v in parameters.items())]
    if not execute:
        argv.append("--no-execute-changeset")
    return Command(tuple(argv))
