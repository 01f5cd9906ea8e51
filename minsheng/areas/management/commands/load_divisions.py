from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from minsheng.areas.services import divisions_load_bundled


class Command(BaseCommand):
    help = "Load the division files shipped with Minsheng (Jiangsu cities, Suqian in full). Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        for result in divisions_load_bundled():
            self.stdout.write(f"{result.rows} rows: {result.created} new, {result.unchanged} unchanged")
