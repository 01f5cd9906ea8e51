#!/usr/bin/env python3
"""After a merge that conflicts in the catalogue: the .po of BASE (the first parent), then the entries each of the
other revisions added (by context and message), appended as text; no line of BASE moves.

Usage: .venv/bin/python scripts/po_merge.py BASE REV... (in the repository root), then `manage.py compilemessages`.
"""

import subprocess
import sys
from pathlib import Path

import polib

PO = "minsheng/locale/zh_Hans/LC_MESSAGES/django.po"


def text_at(rev: str) -> str:
    return subprocess.run(["git", "show", f"{rev}:{PO}"], capture_output=True, text=True, check=True).stdout


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'


base_text = text_at(sys.argv[1])
have = {(e.msgctxt, e.msgid) for e in polib.pofile(base_text)}
blocks = []
for rev in sys.argv[2:]:
    for e in polib.pofile(text_at(rev)):
        key = (e.msgctxt, e.msgid)
        if key in have or e.obsolete:
            continue
        have.add(key)
        lines = []
        if e.msgctxt:
            lines.append(f"msgctxt {quote(e.msgctxt)}")
        lines.append(f"msgid {quote(e.msgid)}")
        if e.msgid_plural:
            lines.append(f"msgid_plural {quote(e.msgid_plural)}")
            for i in sorted(e.msgstr_plural):
                lines.append(f"msgstr[{i}] {quote(e.msgstr_plural[i])}")
        else:
            lines.append(f"msgstr {quote(e.msgstr)}")
        blocks.append("\n".join(lines))
Path(PO).write_text(base_text.rstrip("\n") + "\n\n" + "\n\n".join(blocks) + "\n", encoding="utf-8")
print(f"appended {len(blocks)}")
