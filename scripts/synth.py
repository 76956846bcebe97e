"""Write build/api.yaml and build/web.yaml from the troposphere builders in templates/."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from templates.api import build_api_template  # noqa: E402
from templates.common import render_yaml  # noqa: E402
from templates.web import build_web_template  # noqa: E402

OUTPUTS = {
    "api.yaml": build_api_template,
    "web.yaml": build_web_template,
}


def synth(out_dir: Path) -> list[Path]:
    """Render every template into out_dir; rewrite a file only when its bytes change."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in OUTPUTS.items():
        path = out_dir / name
        text = render_yaml(build())
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out-dir", type=Path, default=ROOT / "build", help="default: build/")
    args = parser.parse_args(argv)
    for path in synth(args.out_dir):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
