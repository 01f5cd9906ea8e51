"""Background jobs: one abstract model and one runner for every batch the platform runs on a worker (an import, a
policy simulation, a payroll preparation, and each later batch).

A page creates the job row (``queued``) and queues a task with its id. The task calls :func:`job_run`, which

- **claims** the job: ``queued`` → ``running`` by one ``UPDATE … WHERE status = 'queued'``; only the call that changed
  the row runs the work, so a message delivered twice, or a job queued twice, runs once. A message the broker hands
  out again because its worker died (``redelivered``) takes over the job it left ``running`` (the work must be
  idempotent, as the three are);
- lets the work report **progress** (``done`` of ``total``) with :func:`job_progress`, written at once outside the
  work's transactions so that the page polling the job sees it;
- records a **failure** with a sentence for the user (a refusal's own words, else a plain sentence naming the kind of
  error; the details go to the log) and raises again, so that Celery records it too;
- lets a failed job be **retried** (:func:`job_retry`): it is queued again and its next claim is one more attempt.

The pages show a job with the component ``components/job_progress.html``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext_lazy, pgettext_lazy

logger = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
OPEN = (QUEUED, RUNNING)


class Job(models.Model):
    """What every job row carries: its status, its progress, why it failed, how often it was started, when and by
    whom. A concrete job adds its own inputs and results, and may name its statuses in its own words (a job model
    overrides ``Status`` and ``status`` with the same four values, and may add final ones, as an import's
    ``rejected``)."""

    class Status(models.TextChoices):
        QUEUED = QUEUED, gettext_lazy("Queued")
        RUNNING = RUNNING, pgettext_lazy("job", "Running")
        DONE = DONE, gettext_lazy("Done")
        FAILED = FAILED, gettext_lazy("Failed")

    OPEN: ClassVar[tuple[str, ...]] = OPEN

    status = models.CharField(gettext_lazy("status"), max_length=10, choices=Status.choices, default=QUEUED)
    progress_done = models.PositiveIntegerField(gettext_lazy("work done"), default=0)
    progress_total = models.PositiveIntegerField(gettext_lazy("work in all"), default=0)
    error = models.TextField(gettext_lazy("error"), blank=True, default="")
    attempts = models.PositiveSmallIntegerField(gettext_lazy("attempts"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def percent(self) -> int:
        return int(100 * self.progress_done / self.progress_total) if self.progress_total else 0


J = TypeVar("J", bound=Job)


def _rows(model: type[J]) -> models.QuerySet[J]:
    manager = model._default_manager
    # unscoped: a worker addresses its own job by id; the job was checked against the user's scope when asked for.
    return manager.unscoped() if hasattr(manager, "unscoped") else manager.all()


def job_claim(model: type[J], pk: int, *, redelivered: bool = False) -> J | None:
    """Take the queued job for this worker: running, one more attempt. None when another call took it first, or it
    is no longer open. ``redelivered`` (the broker's word for a message whose worker died) also takes over a running
    job, which that worker can no longer finish."""
    now = timezone.now()
    rows = _rows(model).filter(pk=pk, status__in=OPEN if redelivered else (QUEUED,))
    claimed = rows.update(
        status=RUNNING,
        attempts=F("attempts") + 1,
        claimed_at=now,
        started_at=Coalesce(F("started_at"), now),
        progress_done=0,
        error="",
    )
    return _rows(model).get(pk=pk) if claimed else None


def job_progress(job: Job, done: int, total: int | None = None, **fields: Any) -> None:
    """Record how far the job is (and any of its own fields), at once and outside the work's transaction."""
    changes: dict[str, Any] = {"progress_done": done, **fields}
    if total is not None:
        changes["progress_total"] = total
    _rows(type(job)).filter(pk=job.pk).update(**changes)
    for name, value in changes.items():
        setattr(job, name, value)


def job_finish(job: Job, *, status: str = DONE, **fields: Any) -> None:
    """The job ended (done, or a final status of the job's own such as an import's ``rejected``)."""
    job_progress(job, job.progress_done, status=status, finished_at=timezone.now(), **fields)


def failure_message(exc: BaseException, *, fallback: str | StrPromise) -> str:
    """What the user reads about a failure, in the interface language: a refusal's own words, else ``fallback``
    with ``%(kind)s`` the kind of error (the details are logged)."""
    with translation.override(settings.LANGUAGE_CODE):
        if isinstance(exc, (ValidationError, PermissionDenied)):
            return " ".join(str(m) for m in getattr(exc, "messages", [str(exc)]))
        logger.error("job failed", exc_info=exc)
        return str(fallback) % {"kind": type(exc).__name__}


def job_fail(model: type[Job], pk: int, exc: BaseException, *, fallback: str | StrPromise) -> None:
    """Record that the job failed, with :func:`failure_message`."""
    text = failure_message(exc, fallback=fallback)
    _rows(model).filter(pk=pk).update(status=FAILED, error=text, finished_at=timezone.now())


def job_retry(model: type[J], pk: int) -> J | None:
    """Queue a failed job again (its error cleared); its next claim is one more attempt. None when it had not
    failed."""
    retried = _rows(model).filter(pk=pk, status=FAILED).update(status=QUEUED, error="", finished_at=None)
    return _rows(model).get(pk=pk) if retried else None


def job_run(
    model: type[J], pk: int, work: Callable[[J], None], *, fallback: str | StrPromise, redelivered: bool = False
) -> J:
    """Claim the job and run ``work`` on it; ``work`` reports progress and finishes the job (else it is marked done
    when ``work`` returns). A failure is recorded (:func:`job_fail`) and raised again. A job this call could not
    claim is returned as it is."""
    job = job_claim(model, pk, redelivered=redelivered)
    if job is None:
        return _rows(model).get(pk=pk)
    try:
        work(job)
    except Exception as exc:
        job_fail(model, pk, exc, fallback=fallback)
        raise
    if job.status == RUNNING:
        job_finish(job)
    return job


def redelivered(task: Any) -> bool:
    """Whether the broker hands this task's message out again because the worker that had it died (Redis and
    RabbitMQ both say so)."""
    info = getattr(getattr(task, "request", None), "delivery_info", None) or {}
    return bool(info.get("redelivered"))
