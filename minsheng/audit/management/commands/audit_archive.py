"""Archive the audit log's month partitions older than the retention: detach, dump to a file, drop (PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from minsheng.audit.partitions import partitioned, partitions_archive


class Command(BaseCommand):
    help = (
        "Detach every month partition of the audit log older than AUDIT_RETENTION_MONTHS, write its rows to "
        "AUDIT_ARCHIVE_DIR (gzipped CSV and a JSON manifest with the count and SHA-256), check the file, drop it. "
        "Run as the table's owner (the application's user may not detach or drop)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--retention-months", type=int, default=None, choices=range(6, 601), metavar="6-600")
        parser.add_argument("--to", type=Path, default=None, help="directory of the archive files")
        parser.add_argument("--dry-run", action="store_true", help="list what would be archived, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if not partitioned():
            self.stdout.write("the audit table is not partitioned here (SQLite): nothing to archive")
            return
        retention = options["retention_months"] or settings.AUDIT_RETENTION_MONTHS
        directory = options["to"] or Path(settings.AUDIT_ARCHIVE_DIR)
        done = partitions_archive(retention_months=retention, directory=directory, dry_run=options["dry_run"])
        for item in done:
            where = f" → {item.path} (sha256 {item.sha256})" if item.path else " (dry run)"
            self.stdout.write(f"{item.name}: {item.month:%Y-%m}, {item.rows:,} rows{where}")
        self.stdout.write(f"{len(done)} partition(s) {'to archive' if options['dry_run'] else 'archived'}")
