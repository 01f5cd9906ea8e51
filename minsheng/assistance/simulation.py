"""Policy simulation runs: started from the page, computed by a Celery task, progress county by county."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from celery import shared_task
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from minsheng.areas.codes import level_of, prefix_of
from minsheng.assistance.means import simulate
from minsheng.assistance.models import Simulation
from minsheng.audit.services import audit_record
from minsheng.core.scoping import require_scope

# The standard may not be set outside this range by mistake (a typo of a digit); fen per person per month.
STANDARD_RANGE_FEN = (10_000, 1_000_000)


@transaction.atomic
def simulation_start(*, actor: Any, area_code: str, from_month: dt.date, standard_fen: int) -> Simulation:
    require_scope(actor, "assistance.simulate_assessment", area_code)
    if from_month.day != 1:
        raise ValidationError({"from_month": _("Choose the first day of a month.")})
    low, high = STANDARD_RANGE_FEN
    if not low <= standard_fen <= high:
        raise ValidationError(
            {
                "standard": _("Enter a standard between ¥%(low)s and ¥%(high)s.")
                % {"low": low // 100, "high": high // 100}
            }
        )
    simulation = Simulation.objects.create(
        area_code=area_code,
        from_month=from_month,
        standard_fen=standard_fen,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="assistance.simulation_start",
        obj=simulation,
        area_code=area_code,
        after={"from_month": from_month, "standard_fen": standard_fen},
    )
    transaction.on_commit(lambda: run_simulation.delay(simulation.pk))
    return simulation


def prefix_of_area(area_code: str) -> str:
    """The code without its trailing zero levels: 321302000000 → 321302 (a county), 321300000000 → 3213."""
    return prefix_of(area_code, level_of(area_code))


def simulation_run(simulation_id: int) -> Simulation:
    simulation = Simulation.objects.unscoped().get(pk=simulation_id)
    if simulation.status == Simulation.Status.DONE:
        return simulation
    Simulation.objects.unscoped().filter(pk=simulation.pk).update(status=Simulation.Status.RUNNING, parts_done=0)
    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        Simulation.objects.unscoped().filter(pk=simulation.pk).update(parts_done=done, parts_total=total)

    try:
        outcome = simulate(
            area_prefix=prefix_of_area(simulation.area_code),
            on=simulation.from_month,
            standard_fen=simulation.standard_fen,
            progress=progress,
        )
    except Exception as exc:  # the page must say it failed rather than spin forever
        Simulation.objects.unscoped().filter(pk=simulation.pk).update(status=Simulation.Status.FAILED, error=str(exc))
        raise
    Simulation.objects.unscoped().filter(pk=simulation.pk).update(
        status=Simulation.Status.DONE, result=outcome.as_dict(), seconds=round(time.perf_counter() - started, 3)
    )
    simulation.refresh_from_db()
    return simulation


@shared_task(acks_late=True, name="assistance.run_simulation")
def run_simulation(simulation_id: int) -> str:
    """Idempotent: a finished run is left alone; a crashed one runs again from the start."""
    return simulation_run(simulation_id).status
