from __future__ import annotations

from celery import shared_task

from minsheng.assistance.temporary.services import papers_overdue_sweep


@shared_task(name="assistance.sweep_temporary_papers")
def sweep_temporary_papers() -> int:
    """Run daily (celery beat or cron): warn of temporary assistance paid first whose papers are late. Safe to
    repeat: a notice is written once."""
    return papers_overdue_sweep()


@shared_task(name="assistance.sweep_county_review")
def sweep_county_review() -> dict[str, int]:
    """Run daily: warn of files at the approving level due soon or overdue, and escalate overdue ones."""
    from minsheng.assistance.procedure.services import county_review_sweep

    return county_review_sweep()


@shared_task(name="assistance.end_tapers")
def end_tapers() -> int:
    """Run daily: stop the benefits whose taper (渐退) has run out. Idempotent."""
    from django.utils import timezone

    from minsheng.assistance.benefits.services import benefits_end_tapers

    return benefits_end_tapers(timezone.localdate())
