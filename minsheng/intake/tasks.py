from __future__ import annotations

from celery import shared_task

from minsheng.intake.notifications import deadlines_sweep


@shared_task(name="intake.sweep_deadlines")
def sweep_deadlines() -> dict[str, int]:
    """Run daily (celery beat or cron): due-soon and overdue notices, escalation. Safe to repeat."""
    return deadlines_sweep()
