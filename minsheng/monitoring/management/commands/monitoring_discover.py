from typing import Any

from django.core.management.base import BaseCommand

from minsheng.monitoring.services import discover


class Command(BaseCommand):
    help = "Run proactive discovery now: new feeds through the warning rules, escalation, the low-income population."

    def handle(self, *args: Any, **options: Any) -> None:
        run = discover()
        self.stdout.write(
            f"signals {run.signals:,}, warnings raised {run.raised:,}, escalated {run.escalated:,} ({run.counts})"
        )
