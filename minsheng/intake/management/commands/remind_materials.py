from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from minsheng.intake.services import materials_remind


class Command(BaseCommand):
    help = "Remind the window and the applicant of items waiting for materials too long (run daily; once a pause)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"reminded: {materials_remind()}")
