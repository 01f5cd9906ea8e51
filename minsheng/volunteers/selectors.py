"""Reads of the volunteers' module, every one through the scoping door (``restrict``).

Search never counts: a page is the rows of one index walk (name, pinyin, ID's blind index, team or area) cut at the
page size plus one, so it stays fast over 1.5 million volunteers.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from minsheng.accounts.models import User
from minsheng.core.crypto import blind_index
from minsheng.core.modules import count_due
from minsheng.people.idnumbers import InvalidIdNumber, normalize_for_index
from minsheng.people.names import query_pinyin
from minsheng.social.models import Organisation
from minsheng.volunteers.models import (
    Activity,
    Certificate,
    Membership,
    MonthlyHours,
    ServiceRecord,
    Task,
    Team,
    Volunteer,
)

PAGE = 50
TEAM_MAX = 5000  # members of one team read for a search (a team of the demo has about 200)
_ID_LIKE = re.compile(r"^[0-9]{15}$|^[0-9]{17}[0-9Xx]$")
_IDEOGRAPH = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003fffd\u3007]")


@dataclass(frozen=True)
class VolunteerQuery:
    """A search: a name (characters or pinyin) or an ID number, a team, an area code prefix, and the page (from 1;
    bounded by the view)."""

    text: str = ""
    team: int | None = None
    area: str = ""
    page: int = 1


def volunteer_search(*, user: User, query: VolunteerQuery, limit: int = PAGE) -> list[Volunteer]:
    """The page's volunteers the user may see, in the order of the index the query walks: up to ``limit`` plus one
    (the one more says there is a next page; nothing is counted)."""
    volunteers = Volunteer.objects.restrict(user, "view").only(
        "id", "name", "id_masked", "area_code", "gender", "birth_date", "hours_tenths", "star", "phone_masked"
    )
    text = "".join(query.text.split())
    order: tuple[str, ...] = ("area_code", "id")
    if text and _ID_LIKE.match(text):
        try:
            volunteers = volunteers.filter(id_index=blind_index(normalize_for_index(text)))
        except InvalidIdNumber:
            return []
    elif text and _IDEOGRAPH.search(text):
        volunteers = volunteers.filter(name__startswith=text)
        order = ("name", "id")
    elif text:
        sound = query_pinyin(text)
        if not sound:
            return []
        volunteers = volunteers.filter(name_pinyin__startswith=sound)
        order = ("name_pinyin", "id")
    if query.team is not None:
        # A team has hundreds of members: their ids first (the membership's team index), then those rows by name —
        # not a join the planner may walk along the whole table's id order.
        members = Membership.objects.filter(team_id=query.team).values_list("volunteer_id", flat=True)
        volunteers = volunteers.filter(pk__in=list(members[:TEAM_MAX]))
        order = ("name", "id")
    if query.area:
        volunteers = volunteers.filter(area_code__startswith=query.area)
    start = (max(query.page, 1) - 1) * limit
    return list(volunteers.order_by(*order)[start : start + limit + 1])


def volunteer_get(*, user: User, pk: int) -> Volunteer:
    return get_object_or_404(Volunteer.objects.restrict(user, "view"), pk=pk)


def volunteer_records(volunteer: Volunteer, limit: int = 100) -> list[ServiceRecord]:
    """The volunteer's latest records (the volunteer was read through the door)."""
    return list(volunteer.records.select_related("activity", "task").order_by("-served_on", "-id")[:limit])


def team_list(*, user: User, area: str = "") -> QuerySet[Team]:
    teams = Team.objects.restrict(user, "view")
    if area:
        teams = teams.filter(area_code__startswith=area)
    return teams.annotate(members=Count("memberships")).order_by("area_code", "name")


def team_get(*, user: User, pk: int, action: str = "view") -> Team:
    return get_object_or_404(Team.objects.restrict(user, action), pk=pk)


def team_members(team: Team, limit: int = 500) -> list[Volunteer]:
    ids = team.memberships.values_list("volunteer_id", flat=True)
    # unscoped: the members of a team the user opened through the door; masked numbers only are shown
    return list(Volunteer.objects.unscoped().filter(pk__in=ids).order_by("name", "id")[:limit])


def team_activities(team: Team, limit: int = 50) -> list[Activity]:
    return list(team.activities.annotate(served=Count("records")).order_by("-held_on", "-id")[:limit])


def activity_get(*, user: User, pk: int, action: str = "view") -> Activity:
    return get_object_or_404(Activity.objects.restrict(user, action).select_related("team"), pk=pk)


def task_board(*, user: User, status: str = "") -> QuerySet[Task]:
    tasks = Task.objects.restrict(user, "view").select_related("team", "organisation")
    if status:
        tasks = tasks.filter(status=status)
    return tasks.order_by("status", "raised_at", "id")


def task_get(*, user: User, pk: int, action: str = "view") -> Task:
    return get_object_or_404(Task.objects.restrict(user, action).select_related("team", "organisation"), pk=pk)


def organisation_get(*, pk: int) -> Organisation:
    """A social organisation chosen to take a task (``services.task_take`` checks its status and area)."""
    # unscoped: an organisation's name, status and area are public registry facts
    return get_object_or_404(Organisation.objects.unscoped(), pk=pk)


def teams_for_task(*, user: User, task: Task) -> list[Team]:
    """The teams the user may act for whose area contains the task's (only they may take it)."""
    teams = Team.objects.restrict(user, "change")
    return [t for t in teams.order_by("area_code", "name")[:200] if _serves(t, task)]


def _serves(team: Team, task: Task) -> bool:
    from minsheng.volunteers.services import team_prefix

    return task.area_code.startswith(team_prefix(team))


def certificate_get(*, user: User, pk: int) -> Certificate:
    return get_object_or_404(Certificate.objects.restrict(user, "view").select_related("volunteer"), pk=pk)


def hours_by_area_month(*, area: str, first: dt.date, last: dt.date, digits: int = 6) -> list[tuple[str, dt.date, int]]:
    """Hours (tenths) per area (its first ``digits`` digits: 6 county, 9 township) and month, from the monthly
    totals: aggregate figures, not personal data."""
    from django.db.models.functions import Substr

    rows = (
        MonthlyHours.objects.filter(area_code__startswith=area, month__gte=first, month__lte=last)
        .annotate(part=Substr("area_code", 1, digits))
        .values_list("part", "month")
        .annotate(total=Sum("hours_tenths"))
        .order_by("part", "month")
    )
    return [(part, month, int(total)) for part, month, total in rows]


def open_tasks_count(user: User) -> int:
    """The open and taken tasks of the user's areas, up to the badge's cap."""
    tasks = Task.objects.restrict(user, "change").filter(Q(status=Task.Status.OPEN) | Q(status=Task.Status.TAKEN))
    return count_due(tasks)
