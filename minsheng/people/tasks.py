"""Background work of the registry. Runs on a Celery worker, or in-process when no broker is configured."""

from __future__ import annotations

from celery import shared_task

from minsheng.people.imports import import_run


@shared_task(acks_late=True, name="people.import_run")
def run_import(job_id: int) -> str:
    """Idempotent: a job that finished is left alone; one that crashed is run again from the start."""
    return import_run(job_id).status
