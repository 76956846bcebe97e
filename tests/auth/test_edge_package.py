"""The Lambda@Edge package must run on the bare runtime: standard library only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

EDGE_DIR = Path(__file__).resolve().parents[2] / "src" / "edge_auth"


def imported_top_level_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_edge_modules_import_only_the_standard_library_and_each_other() -> None:
    own = {path.stem for path in EDGE_DIR.glob("*.py")}
    foreign = {
        f"{path.name}: {name}"
        for path in EDGE_DIR.glob("*.py")
        for name in imported_top_level_modules(path)
        if name not in own and name not in sys.stdlib_module_names and name != "__future__"
    }
    assert foreign == set()


def test_edge_helper_modules_are_prefixed_so_they_never_clash_with_the_handlers() -> None:
    entry_points = {"viewer_request", "callback"}
    helpers = {path.stem for path in EDGE_DIR.glob("*.py")} - entry_points
    assert all(name.startswith("edge_") for name in helpers)
