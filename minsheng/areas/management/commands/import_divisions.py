from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.areas.services import DivisionFileError, divisions_import, read_division_file


class Command(BaseCommand):
    help = "Load divisions from a CSV (code,name,level,parent_code; .csv or .csv.gz). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check and count, write nothing")

    def handle(self, *args: Any, file: Path, dry_run: bool, **options: Any) -> None:
        started = time.perf_counter()
        try:
            result = divisions_import(rows=read_division_file(file), source=str(file), dry_run=dry_run)
        except DivisionFileError as exc:
            raise CommandError(str(exc)) from None
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(result.errors)} bad rows in {file}; nothing was written")
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{file}: {result.rows} rows, {result.created} new, {len(result.renamed)} renamed, "
            f"{result.moved} moved, {result.unchanged} unchanged"
            f"{' (dry run, nothing written)' if dry_run else ''} in {elapsed:.2f}s"
        )
        for code, old, new in result.renamed[:20]:
            self.stdout.write(f"  renamed {code}: {old} -> {new}")
