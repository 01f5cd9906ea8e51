from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from minsheng.assistance.temporary.services import papers_overdue_sweep


class Command(BaseCommand):
    help = "Warn of temporary assistance paid first whose papers are overdue (run daily; idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=dt.date.fromisoformat, help="Sweep as of this date (YYYY-MM-DD).")

    def handle(self, *args: Any, **options: Any) -> None:
        written = papers_overdue_sweep(today=options["today"])
        self.stdout.write(f"notices: {written}")
