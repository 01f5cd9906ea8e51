"""Celery tasks of elderly care. Each is safe to repeat: the target list is derived again, orders and findings are
written once (unique constraints), compliance is recomputed from the visits."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="eldercare.nightly")
def nightly() -> dict[str, int]:
    """Every night: the target list and plans brought up to date, this month's orders (a person who came onto the
    list gets their lines), last and this month's compliance, the month's death check."""
    from minsheng.eldercare.services import nightly as run

    return run()


@shared_task(name="eldercare.liveness_open")
def liveness_open() -> int:
    """On 1 January: the year's 尊老金 liveness checks."""
    from django.utils import timezone

    from minsheng.eldercare.services import liveness_open as run

    return run(year=timezone.localdate().year)
