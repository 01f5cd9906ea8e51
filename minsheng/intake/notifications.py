"""Who hears about a case, and the daily sweep of deadlines (due soon, overdue, escalation)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accounts.models import RoleAssignment, User
from minsheng.accounts.roles import Role
from minsheng.core.scoping import scope_prefix
from minsheng.intake.models import ItemCase, Notification
from minsheng.workdays.services import Calendar

# Who supervises a case decided at a level: the county approvers above a township, the city above a county.
SUPERVISOR_ROLE = {"township": Role.COUNTY_APPROVER, "county": Role.CITY_ADMIN, "city": Role.CITY_ADMIN}


def _assignees(role: str, code: str, *, department_id: int | None = None) -> list[User]:
    assignments = RoleAssignment.objects.filter(role=role, user__is_active=True).select_related("division", "user")
    if department_id is not None:
        assignments = assignments.filter(department_id=department_id)
    return [a.user for a in assignments if code.startswith(scope_prefix(a.division_id, a.division.level))]


def handlers_of(case: ItemCase) -> list[User]:
    return _assignees(Role.DEPARTMENT_HANDLER, case.area_code, department_id=case.department_id)


def supervisors_of(case: ItemCase) -> list[User]:
    level = "township" if case.handling_area_code[6:9] != "000" else "county"
    return _assignees(SUPERVISOR_ROLE[level], case.area_code)


def notify(users: Iterable[User], *, kind: str, case: ItemCase, text: str) -> int:
    """One notice per user, kind and case, however often it is asked for."""
    notices = [
        Notification(recipient=u, kind=kind, case=case, text=text[:300]) for u in {u.pk: u for u in users}.values()
    ]
    Notification.objects.bulk_create(notices, ignore_conflicts=True)
    return len(notices)


def _label(case: ItemCase) -> str:
    return f"{case.application.receipt_number} {case.item.name}"


def deadlines_sweep(*, today: dt.date | None = None) -> dict[str, int]:
    """Notify handlers of items due soon or overdue, and escalate overdue items to the level above. Idempotent."""
    today = today or timezone.localdate()
    calendar = Calendar()
    # A system job: the sweep reads every open case of the city.
    open_cases = (
        ItemCase.objects.unscoped()
        .filter(status=ItemCase.Status.ACCEPTED, deadline__isnull=False)
        .filter(Q(deadline__lt=today) | Q(deadline__lte=calendar.add_working_days(today, 3)))
        .select_related("item", "application")
    )
    counts = {"due_soon": 0, "overdue": 0, "escalated": 0}
    for case in open_cases.iterator(chunk_size=500):
        timing = case.timing(today, calendar)
        if timing == "due_soon":
            text = _("Due on %(date)s: %(case)s") % {"date": case.deadline, "case": _label(case)}
            counts["due_soon"] += notify(handlers_of(case), kind=Notification.Kind.DUE_SOON, case=case, text=text)
        elif timing == "overdue":
            text = _("Overdue since %(date)s: %(case)s") % {"date": case.deadline, "case": _label(case)}
            counts["overdue"] += notify(handlers_of(case), kind=Notification.Kind.OVERDUE, case=case, text=text)
            counts["escalated"] += notify(
                supervisors_of(case),
                kind=Notification.Kind.ESCALATED,
                case=case,
                text=_("Escalated: %(text)s") % {"text": text},
            )
    return counts
