from __future__ import annotations

from celery import shared_task

from minsheng.intake.notifications import deadlines_sweep
from minsheng.intake.services import materials_remind


@shared_task(name="intake.sweep_deadlines")
def sweep_deadlines() -> dict[str, int]:
    """Run daily (celery beat or cron): due-soon and overdue notices, escalation. Safe to repeat."""
    return deadlines_sweep()


@shared_task(name="intake.remind_materials")
def remind_materials() -> int:
    """Run daily: items waiting for materials for the set number of working days remind the window and the
    applicant, once a pause."""
    return materials_remind()
