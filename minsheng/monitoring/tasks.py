"""Celery tasks of proactive discovery. Each is safe to repeat: a run covers only what came since the last one."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="monitoring.discover")
def discover() -> dict[str, int]:
    """The daily run: new feeds through the rules, object rules, escalation, the 一户一档 (``services.discover``)."""
    from minsheng.monitoring.services import discover as run

    done = run()
    return {"signals": done.signals, "raised": done.raised, "escalated": done.escalated}
