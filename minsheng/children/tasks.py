"""Celery tasks of children in difficulty. Each is safe to repeat: the categories are compared with the data, the due
dates recomputed from the facts, an escalation sent once per due date."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="children.daily")
def daily() -> dict[str, int]:
    """The daily run: the register kept current from the registry and the programmes, then the visits due recomputed
    (the intervals in force today) and the red children past their due date escalated."""
    from django.utils import timezone

    from minsheng.children.categories import categories_refresh
    from minsheng.children.services import visits_due_recompute

    today = timezone.localdate()
    refreshed = categories_refresh(today=today)
    due = visits_due_recompute(today=today)
    return {"opened": refreshed.opened, "changed": refreshed.changed, **due}
