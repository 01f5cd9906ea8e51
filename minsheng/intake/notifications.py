"""Who hears about a case, and the daily sweep of deadlines (due soon, overdue, escalation)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accounts.models import RoleAssignment, User
from minsheng.accounts.roles import Role
from minsheng.areas.codes import level_of
from minsheng.core.scoping import scope_prefix
from minsheng.intake.models import ItemCase, Notification
from minsheng.workdays.services import Calendar

# Who supervises a case decided at a level: the county approvers above a township, the city above a county.
SUPERVISOR_ROLE = {"township": Role.COUNTY_APPROVER, "county": Role.CITY_ADMIN, "city": Role.CITY_ADMIN}


class StaffDirectory:
    """Who holds the roles that hear about cases, read once (one query) and matched by area in memory.

    The sweep asks it for every open case; reading role assignments per case would be one query per case.
    """

    def __init__(self) -> None:
        roles = {Role.DEPARTMENT_HANDLER, *SUPERVISOR_ROLE.values()}
        self._assignments = [
            (a.role, scope_prefix(a.division_id, a.division.level), a.department_id, a.user)
            for a in RoleAssignment.objects.filter(role__in=roles, user__is_active=True).select_related(
                "division", "user"
            )
        ]

    def _matching(self, role: str, code: str, department_id: int | None = None) -> list[User]:
        return [
            user
            for assigned_role, prefix, department, user in self._assignments
            if assigned_role == role
            and code.startswith(prefix)
            and (department_id is None or department == department_id)
        ]

    def holders_of(self, role: str, area_code: str) -> list[User]:
        """Active holders of ``role`` (a supervisor role) whose area contains ``area_code``."""
        return self._matching(role, area_code)

    def handlers_of(self, case: ItemCase) -> list[User]:
        return self._matching(Role.DEPARTMENT_HANDLER, case.area_code, case.department_id)

    def supervisors_of(self, case: ItemCase) -> list[User]:
        return self._matching(SUPERVISOR_ROLE[level_of(case.handling_area_code)], case.area_code)


# The window of an applicant's area: the village station and the township window (who hear of online applications).
WINDOW_ROLES = {"village": Role.VILLAGE_WORKER, "township": Role.TOWNSHIP_WINDOW}


def window_staff(area_code: str) -> list[User]:
    """The active window staff of the village ``area_code`` and of its township."""
    divisions = {level: scope_prefix(area_code, level).ljust(12, "0") for level in WINDOW_ROLES}
    query = Q()
    for level, role in WINDOW_ROLES.items():
        query |= Q(role=role, division_id=divisions[level])
    assignments = RoleAssignment.objects.filter(query, user__is_active=True).select_related("user")
    return list({a.user_id: a.user for a in assignments}.values())


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
    """Notify handlers of items due soon or overdue, and escalate overdue items to the level above.

    Idempotent: notices that exist already are not written or counted again. A fixed number of queries
    whatever the number of cases: the staff directory once, the cases and the existing notices in chunks.
    """
    today = today or timezone.localdate()
    calendar = Calendar()
    directory = StaffDirectory()
    # unscoped: system job: the deadline sweep reads every open case of the city
    open_cases = (
        ItemCase.objects.unscoped()
        .filter(status=ItemCase.Status.ACCEPTED, deadline__isnull=False)
        .filter(Q(deadline__lt=today) | Q(deadline__lte=calendar.add_working_days(today, 3)))
        .select_related("item", "application")
    )
    counts = {"due_soon": 0, "overdue": 0, "escalated": 0}
    chunk: list[ItemCase] = []
    for case in open_cases.iterator(chunk_size=500):
        chunk.append(case)
        if len(chunk) == 500:
            _sweep_chunk(chunk, today, calendar, directory, counts)
            chunk = []
    _sweep_chunk(chunk, today, calendar, directory, counts)
    return counts


def _sweep_chunk(
    cases: list[ItemCase], today: dt.date, calendar: Calendar, directory: StaffDirectory, counts: dict[str, int]
) -> None:
    existing = set(Notification.objects.filter(case__in=cases).values_list("recipient_id", "case_id", "kind"))
    new: list[Notification] = []

    def add(users: list[User], kind: str, case: ItemCase, text: str, counter: str) -> None:
        for user in {u.pk: u for u in users}.values():
            if (user.pk, case.pk, kind) not in existing:
                existing.add((user.pk, case.pk, kind))
                new.append(Notification(recipient=user, kind=kind, case=case, text=text[:300]))
                counts[counter] += 1

    for case in cases:
        timing = case.timing(today, calendar)
        if timing == "due_soon":
            text = _("Due on %(date)s: %(case)s") % {"date": case.deadline, "case": _label(case)}
            add(directory.handlers_of(case), Notification.Kind.DUE_SOON, case, text, "due_soon")
        elif timing == "overdue":
            text = _("Overdue since %(date)s: %(case)s") % {"date": case.deadline, "case": _label(case)}
            add(directory.handlers_of(case), Notification.Kind.OVERDUE, case, text, "overdue")
            escalated = _("Escalated: %(text)s") % {"text": text}
            add(directory.supervisors_of(case), Notification.Kind.ESCALATED, case, escalated, "escalated")
    Notification.objects.bulk_create(new, ignore_conflicts=True)
