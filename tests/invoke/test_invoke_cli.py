"""scripts/invoke.py (what `make invoke` runs) as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from local_gateway import fixtures
from tests.invoke.conftest import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "invoke.py"


def invoke(template_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args, "--template-dir", str(template_dir)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_join_prints_result_log_lines_posts_and_duration(template_dir: Path) -> None:
    done = invoke(template_dir, "MessageFunction", "events/default_session_join.json")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    web_connected = out.index(f"POST @connections/{fixtures.CLI} -> 200")
    joined = out.index(f"POST @connections/{fixtures.WEB} -> 200")
    assert web_connected < joined
    for part in ('"statusCode": 200', '"outcome":"joined"', "Duration:", "Seeded with 3"):
        assert part in out


def test_json_output_shows_the_authorizers_deny_for_a_forged_token(template_dir: Path) -> None:
    done = invoke(
        template_dir, "AuthorizerFunction", "events/authorizer_forged_token.json", "--json"
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    effects = [s["Effect"] for s in report["result"]["policyDocument"]["Statement"]]
    assert effects == ["Deny"]


def test_unknown_function_exits_non_zero_naming_the_known_ones(template_dir: Path) -> None:
    done = invoke(template_dir, "NoSuchFunction", "events/default_ping.json")
    assert done.returncode == 2
    assert "unknown function 'NoSuchFunction'" in done.stderr
    assert "ViewerRequestFunction" in done.stderr


def test_missing_event_file_exits_non_zero_with_its_path(template_dir: Path) -> None:
    done = invoke(template_dir, "MessageFunction", "events/no_such_event.json")
    assert done.returncode == 2
    assert "events/no_such_event.json not found" in done.stderr


def test_missing_arguments_print_the_usage(template_dir: Path) -> None:
    done = invoke(template_dir)
    assert done.returncode == 2
    assert "make invoke FN=" in done.stderr


def test_authorizer_decision_is_printed_for_anonymous_callers(template_dir: Path) -> None:
    done = invoke(template_dir, "AuthorizerFunction", "events/authorizer_anonymous.json")
    assert done.returncode == 0, done.stderr
    assert "/prod/$connect: Allow" in done.stdout
