"""Background work of the registry. Runs on a Celery worker, or in-process when no broker is configured."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task

from minsheng.core.jobs import redelivered
from minsheng.people.imports import import_run


@shared_task(bind=True, acks_late=True, name="people.import_run")
def run_import(self: Task[Any, Any], job_id: int) -> str:
    """Idempotent: a job claimed already is left alone; one whose worker died is run again from the start."""
    return import_run(job_id, redelivered=redelivered(self)).status
