"""Run `sam build` for both stacks and report each function's zipped package size.

build/api.yaml → .aws-sam/api, build/web.yaml → .aws-sam/web. Fails when sam fails or when
a Lambda@Edge package is over the 1 MB viewer-trigger limit.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from deployer.sam import sam_environment, sam_executable  # noqa: E402
from scripts.synth import synth  # noqa: E402
from templates.api import build_api_template  # noqa: E402
from templates.web import build_web_template  # noqa: E402

EDGE_PACKAGE_LIMIT_BYTES = 1024 * 1024  # Lambda@Edge viewer triggers: 1 MB compressed


@dataclass(frozen=True)
class Stack:
    name: str
    template: Path
    build_dir: Path
    function_ids: tuple[str, ...]
    size_limit: int | None  # bytes per zipped function package, None when no extra limit


def function_ids(template_dict: dict) -> tuple[str, ...]:
    """Logical ids of the SAM functions in a template, in template order."""
    return tuple(
        logical_id
        for logical_id, resource in template_dict.get("Resources", {}).items()
        if resource.get("Type") == "AWS::Serverless::Function"
    )


def stacks() -> tuple[Stack, ...]:
    return (
        Stack(
            "api",
            ROOT / "build" / "api.yaml",
            ROOT / ".aws-sam" / "api",
            function_ids(build_api_template().to_dict()),
            None,
        ),
        Stack(
            "web",
            ROOT / "build" / "web.yaml",
            ROOT / ".aws-sam" / "web",
            function_ids(build_web_template().to_dict()),
            EDGE_PACKAGE_LIMIT_BYTES,
        ),
    )


def zipped_size(directory: Path) -> int:
    """Bytes of a deflated zip of every file under directory (what Lambda is given)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(directory).as_posix())
    return len(buffer.getvalue())


def over_limit(sizes: dict[str, int], limit: int | None) -> list[str]:
    """Function ids whose package size exceeds limit (none when there is no limit)."""
    if limit is None:
        return []
    return [function_id for function_id, size in sizes.items() if size > limit]


def _sam_executable() -> str:
    found = shutil.which(sam_executable())
    if not found:
        raise SystemExit("sam (aws-sam-cli) not found: run `make venv` first")
    return found


def _build_environment() -> dict[str, str]:
    env = sam_environment()
    edge_config = env.get("EDGE_CONFIG_FILE")
    if edge_config:
        # sam runs make from a scratch directory, so a relative path would not resolve there.
        env["EDGE_CONFIG_FILE"] = str(Path(edge_config).resolve())
    return env


def build(stack: Stack, sam: str, env: dict[str, str]) -> dict[str, int]:
    command = [
        sam,
        "build",
        "--template",
        str(stack.template.relative_to(ROOT)),
        "--build-dir",
        str(stack.build_dir.relative_to(ROOT)),
    ]
    print("$ sam", " ".join(command[1:]), flush=True)
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return {fid: zipped_size(stack.build_dir / fid) for fid in stack.function_ids}


def main() -> int:
    synth(ROOT / "build")
    sam = _sam_executable()
    env = _build_environment()
    failures = []
    for stack in stacks():
        try:
            sizes = build(stack, sam, env)
        except subprocess.CalledProcessError as error:
            print(f"sam build failed for the {stack.name} stack (exit {error.returncode})")
            return 1
        for function_id, size in sizes.items():
            print(f"{stack.name:4} {function_id:24} {size / 1024:10.1f} KB zipped")
        for function_id in over_limit(sizes, stack.size_limit):
            failures.append(
                f"{function_id} is {sizes[function_id]} bytes zipped; "
                f"Lambda@Edge allows {stack.size_limit}"
            )
    for failure in failures:
        print(f"error: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
