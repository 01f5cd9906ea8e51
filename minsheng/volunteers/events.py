"""The needs other modules raise, turned into tasks (the events this module subscribes to).

- ``monitoring.visit_referred`` (payload: the ``monitoring.Alert`` whose visit ended in "refer", after the visit's
  outcome is saved): a task in the warning's village, its source ``("monitoring", "alert", <id>)``.
- ``assistance.referral_made`` (payload: the ``assistance.Referral`` of a temporary-assistance case, 先内部后外部): a
  task in the case's area, its source ``("assistance", "referral", <id>)``; a referral to another government
  programme is not a task for volunteers and is left alone.

The task's outcome goes back through ``volunteers.task_done`` (``services.TaskDone``), which the raising module
subscribes to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _

from minsheng.volunteers.services import task_raise

VISIT_REFERRED = "monitoring.visit_referred"
REFERRAL_MADE = "assistance.referral_made"


def _from_visit(alert: Any) -> None:
    task_raise(
        source=("monitoring", "alert", str(alert.pk)),
        area_code=alert.area_code,
        title=_("Visit referral: %(to)s") % {"to": alert.referred_to or _("service needed")},
        detail=alert.reason,
    )


def _from_referral(referral: Any) -> None:
    if referral.kind == "department":
        return
    aid = referral.temporary_aid
    task_raise(
        source=("assistance", "referral", str(referral.pk)),
        area_code=aid.area_code,
        title=_("Temporary assistance referred to %(organisation)s") % {"organisation": referral.organisation},
        detail=referral.note,
    )


SUBSCRIBERS: dict[str, tuple[Callable[[Any], None], ...]] = {
    VISIT_REFERRED: (_from_visit,),
    REFERRAL_MADE: (_from_referral,),
}
