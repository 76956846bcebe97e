"""The outputs table the old CDK app printed, and its JSON copy in build/."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from deployer.settings import Target

# In the order the old README listed them.
SUMMARY = ("WebSocketUrl", "WebUrl", "UserPoolId", "UserPoolClientId", "WebBucketName")


def merged(outputs: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """Both stacks' outputs in one mapping (their names do not overlap)."""
    return {name: value for stack in outputs.values() for name, value in stack.items()}


def format_table(values: Mapping[str, str]) -> str:
    rows = [(name, values.get(name, "(not deployed)")) for name in SUMMARY]
    width = max(len(name) for name, _ in rows)
    lines = [f"{'Output'.ljust(width)}  Value", f"{'-' * width}  {'-' * 5}"]
    lines += [f"{name.ljust(width)}  {value}" for name, value in rows]
    return "\n".join(lines)


def write_outputs(path: Path, target: Target, outputs: Mapping[str, Mapping[str, str]]) -> None:
    document = {
        "stage": target.stage,
        "stacks": {
            spec.name: {"region": spec.region, "outputs": dict(outputs[spec.key])}
            for spec in target.stacks
            if spec.key in outputs
        },
        "outputs": merged(outputs),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
