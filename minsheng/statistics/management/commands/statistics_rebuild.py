"""Recompute the statistics' summary table from the records (after a bulk load that wrote no audit events)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from minsheng.statistics.models import Cell
from minsheng.statistics.refresh import cells_rebuild


class Command(BaseCommand):
    help = "Recompute every figure of the statistics from the records (all areas, all months held)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        cells_rebuild()
        self.stdout.write(
            f"statistics rebuilt: {Cell.objects.count():,} cells in {time.perf_counter() - started:.1f} s"
        )
