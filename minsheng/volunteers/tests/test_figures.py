"""The volunteers' figures in the statistics: exact cells per village and month (volunteers, teams, hours, needs
raised and met with the time to meet them) and the county approver's dashboard cards."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.core.months import month_of
from minsheng.statistics import refresh, selectors
from minsheng.statistics.models import Cell
from minsheng.statistics.selectors import Period
from minsheng.testing import Personas
from minsheng.volunteers import services
from minsheng.volunteers.models import Task, Volunteer
from minsheng.volunteers.tests.factories import activity, team, volunteer

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
THIS_MONTH = month_of(TODAY)


def test_volunteers_hours_and_needs_are_counted_per_village_and_month(personas: Personas) -> None:
    p = personas
    actor = p[Role.TOWNSHIP_WINDOW]
    refresh.cells_rebuild()
    a, b = volunteer(p, "张伟"), volunteer(p, "李娜")
    Volunteer.objects.unscoped().filter(pk=a.pk).update(hours_tenths=1200, star=1)
    t = team(p)
    for v in (a, b):
        services.team_join(actor=actor, team=t, volunteer=v)
    served_on = TODAY - dt.timedelta(days=1) if TODAY.day > 1 else TODAY
    services.service_record(
        actor=actor,
        activity=activity(p, t, held_on=served_on),
        served=[services.Served(a, 30, "陪伴"), services.Served(b, 25, "打扫")],
    )
    done = services.task_raise(source=("tests", "need", "1"), area_code=p.village.code, title="助餐")
    services.task_raise(source=("tests", "need", "2"), area_code=p.village.code, title="陪诊")
    services.task_take(actor=actor, task=done, team=t)
    services.task_complete(actor=actor, task=done, served_on=TODAY, outcome="已送餐", served=[])
    # Raised 30 hours before it was done.
    Task.objects.unscoped().filter(pk=done.pk).update(raised_at=F("done_at") - dt.timedelta(hours=30))
    refresh.cells_rebuild()
    rows = Cell.objects.filter(level=12, area=int(p.village.code), month=THIS_MONTH)
    found = {
        (c.indicator, c.dimension): (c.value, c.value2) for c in rows if c.indicator.startswith(("volunteer", "tasks"))
    }
    month = month_of(served_on)
    hours = Cell.objects.get(level=12, area=int(p.village.code), month=month, indicator="volunteer_hours")
    assert (hours.value, hours.value2) == (55, 2)
    assert found[("volunteers_registered", "")] == (2, 1)
    assert found[("volunteer_teams", "")] == (1, 0)
    assert found[("tasks_raised", "tests")] == (2, 1)
    assert found[("tasks_done", "tests")] == (1, 30)
    board = selectors.dashboard(user=p[Role.COUNTY_APPROVER], area_code=None, period=Period(month, THIS_MONTH))
    cards = {f.key: f.value for f in board.figures}
    assert (cards["volunteers"], cards["volunteer_teams"], cards["needs_met"]) == (2, 1, 1)
    assert cards["volunteer_hours"] == 6  # 5.5 hours, rounded half up
