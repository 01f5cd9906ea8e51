#!/usr/bin/env python3
"""Copy the front-end files Minsheng serves from node_modules (installed by `npm ci`) into its static folder.

The pages load only these copies, served by the application itself: a government network has no internet.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "minsheng" / "core" / "static" / "vendor"

FILES = {
    "bootstrap/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    # The source maps are named at the end of the files; WhiteNoise's manifest storage insists they exist.
    "bootstrap/bootstrap.min.css.map": "bootstrap/dist/css/bootstrap.min.css.map",
    "bootstrap/bootstrap.bundle.min.js": "bootstrap/dist/js/bootstrap.bundle.min.js",
    "bootstrap/bootstrap.bundle.min.js.map": "bootstrap/dist/js/bootstrap.bundle.min.js.map",
    "htmx/htmx.min.js": "htmx.org/dist/htmx.min.js",
    "echarts/echarts.min.js": "echarts/dist/echarts.min.js",
}


def main() -> int:
    modules = ROOT / "node_modules"
    missing = [source for source in FILES.values() if not (modules / source).is_file()]
    if missing:
        print(f"missing in node_modules (run `npm ci`): {', '.join(missing)}", file=sys.stderr)
        return 1
    for target, source in FILES.items():
        destination = TARGET / target
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(modules / source, destination)
    print(f"vendored {len(FILES)} front-end files into {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
