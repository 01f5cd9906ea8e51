"""Celery tasks of the statistics. Both are idempotent (they recompute from the records), so a retry is harmless.

For ``celery -A minsheng beat``: ``statistics.refresh`` every few minutes keeps the summary table fresh between
dashboard views (the dashboard refreshes what is stale itself before reading), and ``statistics.rebuild`` once a
night puts right anything written without an audit event.
"""

from __future__ import annotations

from celery import shared_task


@shared_task(name="statistics.refresh")
def refresh_cells() -> dict[str, int]:
    """Apply the changes audited since the last refresh (a full rebuild when a new month began)."""
    from minsheng.statistics.refresh import cells_refresh

    result = cells_refresh()
    return {"rebuilt": int(result.rebuilt), "events": result.events, "areas": len(result.areas)}


@shared_task(name="statistics.rebuild")
def rebuild_cells() -> dict[str, int]:
    """Recompute the whole summary table from the records."""
    from minsheng.statistics.models import Cell
    from minsheng.statistics.refresh import cells_rebuild

    cells_rebuild()
    return {"cells": Cell.objects.count()}
