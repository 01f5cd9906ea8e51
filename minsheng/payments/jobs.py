"""Payroll jobs: a preparation asked for on a page, run by the Celery task ``payments.generate_payroll`` when a broker
is configured (``CELERY_BROKER_URL``) and in the web process when not. The job row carries what the pages show:
queued, running, done with the batch's figures, or failed with the reason in Chinese.

The job is bookkeeping around ``payroll_generate``, which stays the one place that writes a batch (in one
transaction, idempotent). The job only keeps a double click from queueing the same work twice: one open job per
county, programme and month (a partial unique constraint), and a second request is shown the open one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import TYPE_CHECKING

from celery import current_app
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.areas.models import Division
from minsheng.core.jobs import job_fail
from minsheng.core.scoping import require_scope, scope_allows
from minsheng.payments.models import PayrollBatch, PayrollJob
from minsheng.payments.services import PREPARE, require_period

if TYPE_CHECKING:
    from minsheng.accounts.models import User

VIEW = "payments.view_payrollbatch"

# An open job older than this is taken as lost (its worker and its message gone), so that it cannot block the month
# for ever: the next request marks it failed and starts a new one. Far above a city's generation (seconds) and above
# Redis's default visibility timeout (one hour), after which a killed worker's message is delivered again.
ABANDONED_AFTER = dt.timedelta(hours=2)

PAYROLL_FAILED = gettext_lazy(
    "The payroll could not be prepared because of an error on the server (%(kind)s). Try again later."
)


def runs_in_process() -> bool:
    """No broker configured: tasks run in the calling process (``CELERY_TASK_ALWAYS_EAGER`` follows the broker)."""
    return bool(current_app.conf.task_always_eager)


def payroll_job_start(*, actor: User, county: Division, programme: str, period: dt.date) -> tuple[PayrollJob, bool]:
    """Ask for the county's payroll of ``programme`` for the month starting ``period`` to be prepared.

    Returns the job and whether it is new. When a job for the same county, programme and month is queued or
    running, that job is returned and nothing is queued. A new job is queued after the commit (with a broker) or run
    here before returning (without one); a refusal of the generation is then on the job (``failed``, ``error``).
    """
    require_scope(actor, PREPARE, county.code, message=_("You may not prepare the payroll of this county."))
    require_period(period)  # a month that has not begun is refused here, not queued to fail on a worker
    # unscoped: the batch read by its key for a user who may prepare in its county (checked above)
    frozen = (
        PayrollBatch.objects.unscoped()
        .filter(area_code=county.code, programme=programme, period=period)
        .exclude(status=PayrollBatch.Status.DRAFT)
    )
    if frozen.exists():
        raise ValidationError(_("This payroll is approved already and can no longer change."))
    key = {"area_code": county.code, "programme": programme, "period": period}
    # unscoped: jobs read by key for the same user; the county was checked above
    jobs = PayrollJob.objects.unscoped()
    with transaction.atomic():
        jobs.filter(**key, status__in=PayrollJob.OPEN, created_at__lt=timezone.now() - ABANDONED_AFTER).update(
            status=PayrollJob.Status.FAILED,
            error=_("No worker finished this preparation; it was given up. Prepare the payroll again."),
            finished_at=timezone.now(),
        )
        try:
            with transaction.atomic():
                job = jobs.create(**key, created_by=actor)
        except IntegrityError:  # a job of the same month is open: show that one
            open_job = jobs.filter(**key, status__in=PayrollJob.OPEN).first()
            if open_job is not None:
                return open_job, False
            try:  # it finished in between: this request is a new one
                with transaction.atomic():
                    job = jobs.create(**key, created_by=actor)
            except IntegrityError:  # and a third request opened one meanwhile: show that one
                return jobs.get(**key, status__in=PayrollJob.OPEN), False
        if not runs_in_process():
            args = (county.code, programme, period.isoformat(), actor.pk)
            transaction.on_commit(lambda: _enqueue(args, job.pk))
    if runs_in_process():
        _run_here(county.code, programme, period, actor.pk, job)
    else:
        job.refresh_from_db()  # failed if it could not be queued
    return job, True


def _enqueue(args: tuple[str, str, str, int], job_id: int) -> None:
    from minsheng.payments.tasks import generate_payroll

    try:
        generate_payroll.apply_async(args, {"job_id": job_id})
    except Exception as exc:  # the broker cannot be reached (after Celery's own retries): say so rather than wait
        job_fail(PayrollJob, job_id, exc, fallback=PAYROLL_FAILED)


def _run_here(county_code: str, programme: str, period: dt.date, actor_id: int, job: PayrollJob) -> None:
    from minsheng.payments.tasks import generate_payroll

    with contextlib.suppress(ValidationError, PermissionDenied):  # the refusal is on the job, for the page
        generate_payroll(county_code, programme, period.isoformat(), actor_id, job_id=job.pk)
    job.refresh_from_db()


def job_get(*, user: User, pk: int) -> PayrollJob | None:
    """A job in the user's payroll areas (jobs are seen with the batches' permission), or None."""
    # unscoped: read by id, then checked against the user's payroll scope before it is returned
    job = PayrollJob.objects.unscoped().select_related("batch", "created_by").filter(pk=pk).first()
    if job is None or not scope_allows(user, VIEW, job.area_code):
        return None
    return job


def job_latest(*, user: User, batch: PayrollBatch) -> PayrollJob | None:
    """The newest job of the batch's county, programme and month, when the user may see the batch (the caller read it
    through the door)."""
    if not scope_allows(user, VIEW, batch.area_code):
        return None
    # unscoped: same county as the batch the user may see (checked above)
    return (
        PayrollJob.objects.unscoped()
        .filter(area_code=batch.area_code, programme=batch.programme, period=batch.period)
        .order_by("-created_at", "-id")
        .first()
    )
