from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from minsheng.intake.notifications import deadlines_sweep


class Command(BaseCommand):
    help = "Notify handlers of items due soon or overdue and escalate overdue items (run daily; idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = deadlines_sweep()
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
