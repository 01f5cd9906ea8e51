"""The needs other modules raise, turned into tasks (the events this module subscribes to). Every source is one task
(``Task`` is unique on its source app, kind and id), so a repeated event never doubles a task.

- ``monitoring.visit_referred`` (payload: the ``monitoring.Alert`` whose visit ended in "refer", after the visit's
  outcome is saved): a task in the warning's village, its source ``("monitoring", "alert", <id>)``.
- ``assistance.referral_made`` (payload: the ``assistance.Referral`` of a temporary-assistance case, 先内部后外部): a
  task in the case's area, its source ``("assistance", "referral", <id>)``; a referral to another government
  programme is not a task for volunteers and is left alone.
- ``eldercare.uncovered_needs`` (payload: ``eldercare.services.UncoveredNeeds``, published by ``orders_generate``:
  the month's open needs no provider's contract covers, counted per village and service): one task per village,
  service and month, raised in bulk (``services.tasks_raise``), its source ``("eldercare", "uncovered",
  "<village>:<service>:<YYYY-MM>")``, titled with the service and the count ("助浴：12位老人本月无服务商") — no
  person is named.
- ``children.referral_made`` (payload: ``children.services.ReferralMade``, when a child is referred to a social
  organisation): a task in the child's village, its source ``("children", "referral", <id>)``, titled with the
  organisation's name only ("儿童个案转介：<organisation>"); nothing of the child (name, ID, reason) reaches the task:
  the organisation contacts the village's children's director.

The task's outcome goes back through ``volunteers.task_done`` (``services.TaskDone``: the source, the task, the
outcome, the hours and the number of volunteers, the actor, and ``report``, the outcome as the case records it), to
which each raising module subscribes: assistance (the referral's outcome), eldercare (the need's outcome and hours),
children (the referral's outcome, accepted implicitly when still pending). Monitoring only publishes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from minsheng.volunteers.services import Need, task_raise, tasks_raise

if TYPE_CHECKING:
    from minsheng.children.services import ReferralMade
    from minsheng.eldercare.services import UncoveredNeeds

VISIT_REFERRED = "monitoring.visit_referred"
REFERRAL_MADE = "assistance.referral_made"
UNCOVERED_NEEDS = "eldercare.uncovered_needs"
CHILD_REFERRED = "children.referral_made"


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


def _from_uncovered_needs(payload: UncoveredNeeds) -> None:
    detail = _(
        "The care plans of these old people name this service, but no provider's contract covers it in %(month)s. "
        "A volunteer team or a social organisation of the area can serve them; the village's worker gives the names "
        "and addresses to whoever takes the task."
    ) % {"month": f"{payload.month:%Y-%m}"}
    tasks_raise(
        [
            Need(
                source=("eldercare", "uncovered", row.key),
                area_code=row.area_code,
                title=_("%(service)s: %(count)d old people without a provider this month")
                % {"service": row.service_label, "count": row.elders},
                detail=detail,
            )
            for row in payload.needs
        ]
    )


def _from_child_referral(payload: ReferralMade) -> None:
    task_raise(
        source=("children", "referral", str(payload.referral_id)),
        area_code=payload.area_code,
        title=_("Child case referral: %(organisation)s") % {"organisation": payload.to_name},
        detail=_("The organisation contacts the village's children's director for the case."),
    )


SUBSCRIBERS: dict[str, tuple[Callable[[Any], None], ...]] = {
    VISIT_REFERRED: (_from_visit,),
    REFERRAL_MADE: (_from_referral,),
    UNCOVERED_NEEDS: (_from_uncovered_needs,),
    CHILD_REFERRED: (_from_child_referral,),
}
