"""Celery tasks of the payroll. Each is idempotent: workers acknowledge late, so a task may run twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import Task, shared_task

from minsheng.core.jobs import job_finish, job_run, redelivered


@shared_task(bind=True, name="payments.generate_payroll")
def generate_payroll(
    self: Task[Any, Any], county_code: str, programme: str, period_iso: str, actor_id: int, job_id: int | None = None
) -> dict[str, int]:
    """Prepare the county's payroll of ``programme`` for the month starting ``period_iso`` as the user ``actor_id``
    (who must hold the preparing permission in that county; ``payroll_generate`` checks it). With ``job_id`` (a
    ``PayrollJob`` asked for on a page) the core runner claims the job and the job shows the progress: running, then
    done with the batch's figures or failed with the reason; a job claimed by another delivery, done, or given up is
    left alone (a redelivery after its worker died takes it over).

    Idempotent, so a retry completes the batch or does nothing:

    - ``payroll_generate`` writes the whole batch in **one transaction** (lines, re-issues, holds, totals, the batch
      row and its audit event) while holding the batch row's lock. A worker killed in the middle never commits: the
      database rolls the transaction back when its connection goes, so no half batch is ever visible. Celery runs
      with acks late and reject on worker loss (``settings.py``), so the message is delivered again and the retry
      generates the batch from the start.
    - Every line is inserted with ``ON CONFLICT DO NOTHING`` against "one live line per benefit and month", so a
      task that runs again after a success adds no line; on a draft it only brings amounts, accounts and holds up
      to date. The only step outside that transaction, stopping ended tapers, is itself idempotent.
    - A batch approved meanwhile is frozen: the retry then does nothing and returns the batch's figures.

    Returns the batch's id and counts.
    """
    from django.conf import settings
    from django.utils import translation

    # Refusals are kept on the job for the pages, which speak the interface language whoever ran the task.
    with translation.override(settings.LANGUAGE_CODE):
        if job_id is None:
            return _generate(county_code, programme, period_iso, actor_id)
        return _generate_for_job(county_code, programme, period_iso, actor_id, job_id, redelivered(self))


def _generate_for_job(
    county_code: str, programme: str, period_iso: str, actor_id: int, job_id: int, again: bool
) -> dict[str, int]:
    from minsheng.payments.jobs import PAYROLL_FAILED
    from minsheng.payments.models import PayrollJob

    def work(job: PayrollJob) -> None:
        result = _generate(county_code, programme, period_iso, actor_id)
        job_finish(job, batch_id=result["batch"], result=result)

    job = job_run(PayrollJob, job_id, work, fallback=PAYROLL_FAILED, redelivered=again)
    return dict(job.result or {})


def _generate(county_code: str, programme: str, period_iso: str, actor_id: int) -> dict[str, int]:
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError

    from minsheng.areas.models import Division
    from minsheng.payments.models import PayrollBatch
    from minsheng.payments.services import payroll_generate

    period = dt.date.fromisoformat(period_iso)
    actor = get_user_model().objects.get(pk=actor_id)
    # A system job addressed by code; the actor's right to prepare there is checked by the service.
    county = Division.objects.all().get(code=county_code)
    try:
        batch = payroll_generate(actor=actor, county=county, programme=programme, period=period)
    except ValidationError:
        # Approved meanwhile (a retry after the approval): nothing to do. Any other refusal is raised again.
        # unscoped: system job: the county's batch by key; the actor's right was checked by the service
        batch_or_none = (
            PayrollBatch.objects.unscoped()
            .filter(area_code=county_code, programme=programme, period=period)
            .exclude(status=PayrollBatch.Status.DRAFT)
            .first()
        )
        if batch_or_none is None:
            raise
        batch = batch_or_none
    return {
        "batch": batch.pk,
        "lines": batch.line_count,
        "total_fen": batch.total_fen,
        "held": batch.held_count,
        "held_fen": batch.held_fen,
    }
