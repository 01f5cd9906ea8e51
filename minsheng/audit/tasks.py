"""Celery task of the audit log: its month partitions created ahead (idempotent; see ``partitions.py``)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings


@shared_task(name="audit.partitions")
def ensure_partitions() -> list[str]:
    """Create the coming months' partitions (and any month the default partition caught)."""
    from minsheng.audit.partitions import partitions_ensure

    return partitions_ensure(months_ahead=settings.AUDIT_PARTITION_MONTHS_AHEAD)
