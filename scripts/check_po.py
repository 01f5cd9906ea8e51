#!/usr/bin/env python3
"""Check the zh-Hans catalogue after ``makemessages`` (run by ``make messages``): the ``.po`` file is the one source
of the Chinese text, so every entry must carry its translation there. Lists the entries still empty or fuzzy (fill
them in the ``.po`` itself) and exits non-zero when there are any. Needs ``polib`` (dev only).
"""

from __future__ import annotations

import sys
from pathlib import Path

import polib


def main(path: Path) -> int:
    po = polib.pofile(str(path))
    po.metadata["Language"] = "zh_Hans"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    # The extraction time changes on every run and would make every two branches' catalogues conflict.
    po.metadata.pop("POT-Creation-Date", None)
    po.save(str(path))
    missing = [entry for entry in po if not entry.obsolete and (not entry.msgstr or "fuzzy" in entry.flags)]
    for entry in missing:
        where = f" [{entry.msgctxt}]" if entry.msgctxt else ""
        print(f"untranslated{where}: {entry.msgid!r} ({', '.join(f for f, _ in entry.occurrences)})", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "minsheng/locale/zh_Hans/LC_MESSAGES/django.po")))
