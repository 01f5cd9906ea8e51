"""Celery tasks of the data exchange. Each is idempotent: workers acknowledge late, so a task may run twice."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="exchange.monthly_check")
def monthly_check(check_id: int) -> dict[str, int]:
    """Run the monthly verification ``check_id`` (``monthly.check_run``: a done check is left alone, a check run
    again adds no finding twice). Returns its counts."""
    from minsheng.exchange.models import MonthlyCheck
    from minsheng.exchange.monthly import check_run

    check = check_run(MonthlyCheck.objects.get(pk=check_id))
    return {"findings": check.findings, "households": check.households, "reviews": check.reviews}


@shared_task(name="exchange.monthly_check_this_month")
def monthly_check_this_month() -> dict[str, int]:
    """Celery beat's monthly run: this month's verification (done already: left alone)."""
    from django.utils import timezone

    from minsheng.core.months import month_of
    from minsheng.exchange.services import monthly_check_start

    check = monthly_check_start(actor=None, month=month_of(timezone.localdate()))
    return {"findings": check.findings, "households": check.households, "reviews": check.reviews}
