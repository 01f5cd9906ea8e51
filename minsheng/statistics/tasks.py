"""Celery tasks of the statistics. Both are idempotent (they recompute from the records), so a retry is harmless.

The dashboard never refreshes the summary itself: it reads the last complete summary and says when it was brought up
to date. These tasks keep it fresh:

- ``statistics.refresh`` applies what changed. Beat sends it every minute (``CELERY_BEAT_SCHEDULE``), and a change
  that can move a figure queues one after its commit (:func:`refresh_soon`, at most one per
  ``STATISTICS_REFRESH_DELAY_SECONDS`` per process, run that many seconds later so that it takes the changes of those
  seconds at once). Never two at once: a refresh finding the state row locked by another returns at once
  (``SKIP LOCKED``); the one running, or the next, applies the change.
- ``statistics.rebuild`` once a night puts right anything written without an audit event.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

# The cache key that marks a refresh already queued by this process (see refresh_soon).
QUEUED_KEY = "statistics.refresh.queued"

_paused: ContextVar[bool] = ContextVar("statistics_refresh_paused", default=False)


@contextmanager
def refresh_paused() -> Iterator[None]:
    """The changes inside queue no refresh: a bulk build that rebuilds the summary at its end (``demo_city``), where
    a refresh at each step's commit would rebuild it again and again (a bulk load looks like one)."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


@shared_task(name="statistics.refresh")
def refresh_cells() -> dict[str, int]:
    """Apply the changes audited since the last refresh (a full rebuild when it was never built or after a bulk
    load); nothing when another refresh is running."""
    from minsheng.statistics.refresh import cells_refresh

    result = cells_refresh(wait=False)
    return {
        "busy": int(result.busy),
        "rebuilt": int(result.rebuilt),
        "events": result.events,
        "areas": len(result.areas),
    }


@shared_task(name="statistics.rebuild")
def rebuild_cells() -> dict[str, int]:
    """Recompute the whole summary table from the records."""
    from minsheng.statistics.models import Cell
    from minsheng.statistics.refresh import cells_rebuild

    cells_rebuild()
    return {"cells": Cell.objects.count()}


def refresh_soon() -> None:
    """Queue a refresh after the current transaction commits. Without a broker (the embedded default: tasks run in
    the process) it runs at the commit; with one, at most one is queued per ``STATISTICS_REFRESH_DELAY_SECONDS``
    per process, to run that much later."""
    if not settings.STATISTICS_REFRESH_AFTER_CHANGE or _paused.get():
        return
    delay = settings.STATISTICS_REFRESH_DELAY_SECONDS
    if settings.CELERY_TASK_ALWAYS_EAGER:
        transaction.on_commit(refresh_cells.delay)
        return
    if delay == 0 or cache.add(QUEUED_KEY, True, timeout=delay):

        def send() -> Any:
            return refresh_cells.apply_async(countdown=delay)

        transaction.on_commit(send)
