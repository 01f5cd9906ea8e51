"""Reads of children in difficulty, every one through the door: a child's file is seen by the child's director, the
township's supervisor and the county's named staff only (the roles that hold ``children.view_child``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from minsheng.accounts.models import RoleAssignment, User
from minsheng.areas.models import Division
from minsheng.children.models import CarePlace, CareProject, Child, MandatoryReport
from minsheng.core.keyset import Key
from minsheng.core.modules import DueItem, DuePosition, count_due, due_rows

DIRECTOR, SUPERVISOR = "child_director", "child_supervisor"
PAGE_MAX = 50


# The lists (docs/architecture.md, "Lists"). Open cases and reports are listed whole (open work), closed reports and
# the projects that ended back ``LIST_WINDOW_DAYS`` days unless the user chooses an earlier day.
LIST_WINDOW_DAYS = 90
# The soonest visit due first (a case without a date last), through the (status, area, next visit) index.
CHILD_KEYS = (Key("next_visit_due", nullable=True), Key("id"))
# Open reports: the soonest deadline first, through (status, area, deadline); closed ones (and all): the latest
# report first, through (area, reported at).
REPORT_OPEN_KEYS = (Key("deadline_at"), Key("id"))
REPORT_KEYS = (Key("reported_at", descending=True), Key("id", descending=True))
# Places by area and name: a reference table of a few hundred rows a city, read through the area's prefix index.
PLACE_KEYS = (Key("area_code"), Key("name"), Key("id"))
# Projects, the latest start first; those ending in the window through (area, ends on).
PROJECT_KEYS = (Key("starts_on", descending=True), Key("id", descending=True))


def child_list(*, user: User, due: str = "", colour: str = "", stage: str = "") -> QuerySet[Child]:
    """The open cases the user may see, soonest visit due first (bounded by the page: the index on status, area
    prefix and due date serves it)."""
    rows = Child.objects.restrict(user, "view").filter(status=Child.Status.OPEN)
    if due == "overdue":
        rows = rows.filter(next_visit_due__lt=timezone.localdate())
    if colour:
        rows = rows.filter(colour=colour)
    if stage:
        rows = rows.filter(stage=stage)
    return rows.select_related("person").order_by(*(key.order() for key in CHILD_KEYS))


def child_get(*, user: User, pk: int, action: str = "view") -> Child:
    return get_object_or_404(
        Child.objects.restrict(user, action).select_related("person", "guardian", "person__residence_area"), pk=pk
    )


def child_file(child: Child) -> dict[str, Any]:
    """What the file page shows of a case read through the door (its parts through the case)."""
    plan = child.plans.filter(closed_on__isnull=True).first()
    return {
        "assessments": list(child.assessments.select_related("assessed_by")[:10]),
        "visits": list(child.visits.all()[:10]),
        "plan": plan,
        "services": list(plan.services.all()) if plan else [],
        "referrals": list(child.referrals.all()[:20]),
        "reports": list(child.reports.all()[:20]),
        "enrolments": list(child.enrolments.select_related("project")[:20]),
    }


def report_list(
    *, user: User, status: str = "open", closed_since: dt.datetime | None = None
) -> QuerySet[MandatoryReport]:
    """Reports in the user's areas, of ``status`` if it names one (else all); with ``closed_since`` the closed ones
    are those reported since then, the open ones all. Ordered by ``report_keys(status)``."""
    rows = MandatoryReport.objects.restrict(user, "view")
    if status in MandatoryReport.Status.values:
        rows = rows.filter(status=status)
    if closed_since is not None and status != MandatoryReport.Status.OPEN:
        rows = rows.filter(Q(status=MandatoryReport.Status.OPEN) | Q(reported_at__gte=closed_since))
    return rows.select_related("child__person").order_by(*(key.order() for key in report_keys(status)))


def report_keys(status: str) -> tuple[Key, ...]:
    return REPORT_OPEN_KEYS if status == MandatoryReport.Status.OPEN else REPORT_KEYS


def report_get(*, user: User, pk: int) -> MandatoryReport:
    return get_object_or_404(MandatoryReport.objects.restrict(user, "view").select_related("child__person"), pk=pk)


def place_list(*, user: User, kind: str = "") -> QuerySet[CarePlace]:
    rows = CarePlace.objects.restrict(user, "view")
    return (rows.filter(kind=kind) if kind else rows).order_by(*(key.order() for key in PLACE_KEYS))


def project_list(*, user: User, ending_since: dt.date | None = None) -> QuerySet[CareProject]:
    """Projects in the user's areas, the latest start first; with ``ending_since``, those ending on that day or
    later (running, to come, or ended in the window)."""
    rows = CareProject.objects.restrict(user, "view").select_related("place")
    if ending_since is not None:
        rows = rows.filter(ends_on__gte=ending_since)
    return rows.order_by(*(key.order() for key in PROJECT_KEYS))


def project_get(*, user: User, pk: int) -> CareProject:
    return get_object_or_404(CareProject.objects.restrict(user, "view"), pk=pk)


# --- The workforce ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Post:
    """A township (its supervisors) or a village (its directors): the names of the staff assigned, empty = a gap."""

    code: str
    name: str
    staff: tuple[str, ...]


@dataclass(frozen=True)
class Coverage:
    townships: list[Post]
    villages_total: int
    villages_with_director: int
    village_gaps: list[Post]

    @property
    def townships_with_supervisor(self) -> int:
        return sum(1 for t in self.townships if t.staff)


def _holders(role: str, codes: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    rows = RoleAssignment.objects.filter(role=role, division__code__in=codes, user__is_active=True)
    for code, name in rows.values_list("division__code", "user__display_name").order_by("division__code", "user_id"):
        found.setdefault(code, []).append(name)
    return found


def workforce(*, user: User, gap_limit: int = 200) -> Coverage:
    """Supervisors per township and directors per village in the user's areas: gaps listed (bounded), coverage
    counted. Divisions are public reference data; the staff names are the workforce's, shown to those who manage it."""
    divisions = Division.objects.within(user, "children.view_workforce")
    townships = list(divisions.filter(level="township").order_by("code").values_list("code", "name"))
    supervisors = _holders(SUPERVISOR, [c for c, _n in townships])
    village_codes = divisions.filter(level="village")
    directed = set(
        RoleAssignment.objects.filter(role=DIRECTOR, division__in=village_codes, user__is_active=True).values_list(
            "division__code", flat=True
        )
    )
    gaps = [
        Post(code, name, ())
        for code, name in village_codes.exclude(code__in=directed)
        .order_by("code")
        .values_list("code", "name")[:gap_limit]
    ]
    return Coverage(
        townships=[Post(code, name, tuple(supervisors.get(code, ()))) for code, name in townships],
        villages_total=village_codes.count(),
        villages_with_director=len(directed),
        village_gaps=gaps,
    )


# --- The to-do list -----------------------------------------------------------------------------------------------


def _visits_due(user: User, today: dt.date) -> QuerySet[Child]:
    rows = Child.objects.restrict(user, "change").filter(status=Child.Status.OPEN)
    return rows.filter(next_visit_due__lte=today + dt.timedelta(days=7))


def visits_due(user: User, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from minsheng.core.crypto import mask_name

    rows = due_rows(_visits_due(user, today).select_related("person"), "next_visit_due", after, limit)
    return [
        DueItem(
            kind="child_visit",
            title=_("Visit a child (%(colour)s)") % {"colour": c.get_colour_display() or "-"},
            url=reverse("children:child_detail", args=[c.pk]),
            area_code=c.area_code,
            deadline=c.next_visit_due,
            subject=mask_name(c.person.name),
            overdue=bool(c.next_visit_due and c.next_visit_due < today),
            phone_url=reverse("monitoring:visit_kind_phone", args=["children.visit", c.pk]),
            position=position,
        )
        for c, position in rows
    ]


def visits_due_count(user: User, today: dt.date) -> int:
    return count_due(_visits_due(user, today))


def _reports_open(user: User) -> QuerySet[MandatoryReport]:
    return MandatoryReport.objects.restrict(user, "change").filter(status=MandatoryReport.Status.OPEN)


def reports_due(user: User, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.translation import gettext as _

    rows = due_rows(_reports_open(user), "deadline_at", after, limit)
    return [
        DueItem(
            kind="child_report",
            title=_("Mandatory report to review (%(kind)s)") % {"kind": r.get_kind_display()},
            url=reverse("children:report_detail", args=[r.pk]),
            area_code=r.area_code,
            deadline=timezone.localtime(r.deadline_at).date(),
            overdue=r.deadline_at < timezone.now(),
            position=position,
        )
        for r, position in rows
    ]


def reports_due_count(user: User, today: dt.date) -> int:
    return count_due(_reports_open(user))
