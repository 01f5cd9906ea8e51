"""``manage.py exchange_monthly_check [--month YYYY-MM]``: the monthly bulk verification (月度核对) of the given month
(default: this month), run here; safe to repeat (cron or Celery beat)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from minsheng.core.months import month_of, parse_month
from minsheng.exchange.services import monthly_check_start


class Command(BaseCommand):
    help = "Run the monthly bulk verification against the department feeds received since the last one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="YYYY-MM (default: this month)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            month = parse_month(options["month"]) if options["month"] else month_of(timezone.localdate())
        except ValueError:
            raise CommandError("--month is YYYY-MM") from None
        check = monthly_check_start(actor=None, month=month)
        self.stdout.write(
            f"{check.month:%Y-%m}: {check.status}, {check.findings} findings on {check.households} households, "
            f"{check.reviews} reviews brought forward"
        )
