"""The statistics' part of ``manage.py demo_city``: the demo writes in bulk, without audit events, so the summary is
rebuilt from the records at its end rather than left for the dashboard to notice the new rows."""

from __future__ import annotations

import time
from collections.abc import Callable

from minsheng.statistics.models import Cell
from minsheng.statistics.refresh import cells_rebuild


def demo_step(scale: float, seed: int, say: Callable[[str], None]) -> str:
    started = time.perf_counter()
    cells_rebuild()
    return f"statistics: {Cell.objects.count():,} summary cells rebuilt in {time.perf_counter() - started:.1f}s"
