"""Create the audit table's month partitions ahead (PostgreSQL; nothing to do on SQLite). Safe to repeat."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from minsheng.audit.partitions import attached, partitioned, partitions_ensure


class Command(BaseCommand):
    help = (
        "Create the audit log's monthly partitions from this month to AUDIT_PARTITION_MONTHS_AHEAD ahead, and one for "
        "every month the default partition holds rows of (moving them there)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--months-ahead", type=int, default=None, choices=range(0, 25), metavar="0-24")

    def handle(self, *args: Any, **options: Any) -> None:
        if not partitioned():
            self.stdout.write("the audit table is not partitioned here (SQLite): nothing to do")
            return
        ahead = options["months_ahead"]
        created = partitions_ensure(months_ahead=settings.AUDIT_PARTITION_MONTHS_AHEAD if ahead is None else ahead)
        months = sorted(m for m in attached().values() if m is not None)
        self.stdout.write(
            f"created {len(created)} partition(s){': ' + ', '.join(created) if created else ''}; "
            f"{len(months)} month partitions ({months[0]:%Y-%m} to {months[-1]:%Y-%m}) and the default"
            if months
            else f"created {len(created)} partition(s)"
        )
