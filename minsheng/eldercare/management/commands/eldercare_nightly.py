"""``manage.py eldercare_nightly``: the nightly run of elderly care (for cron, where Celery beat is not used)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from minsheng.eldercare.services import nightly


class Command(BaseCommand):
    help = "Refresh the elderly-care target list, this month's orders, compliance and the death check."

    def handle(self, *args: Any, **options: Any) -> None:
        done = nightly()
        self.stdout.write(", ".join(f"{k} {v:,}" for k, v in done.items()))
