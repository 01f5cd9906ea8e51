"""The approving level's 10 working days once the file reaches it, warned and escalated like the window's items,
and the procedure's overall 30 / 45 working days shown on the case (DOMAIN §1.2, issue 15 point 12)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.assistance.procedure import selectors
from minsheng.assistance.procedure.services import county_review_sweep
from minsheng.assistance.procedure.tests.test_procedure import MONDAY, Clock, case_at
from minsheng.intake.models import Notification
from minsheng.testing import Personas
from minsheng.workdays.services import Calendar

pytestmark = pytest.mark.django_db
# 10 working days after Monday 2 March 2026: 3, 4, 5, 6, 9, 10, 11, 12, 13, 16 March.
DUE = dt.date(2026, 3, 16)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def test_the_approving_level_has_ten_working_days_then_it_is_warned_and_escalated(
    personas: Personas, clock: Clock
) -> None:
    clock.set(MONDAY)
    case = case_at(personas, "county_review")
    assert (case.county_received_on, case.county_due) == (MONDAY, DUE)
    approver, city = personas[Role.COUNTY_APPROVER], personas[Role.CITY_ADMIN]

    def notices(kind: str) -> list[int]:
        return sorted(Notification.objects.filter(case=case.case, kind=kind).values_list("recipient_id", flat=True))

    clock.set(dt.date(2026, 3, 10))  # 16 March is 4 working days away: nothing yet
    county_review_sweep()
    assert notices(Notification.Kind.DUE_SOON) == []
    clock.set(dt.date(2026, 3, 11))  # 3 working days away: due soon
    county_review_sweep()
    assert notices(Notification.Kind.DUE_SOON) == [approver.pk]
    clock.set(DUE)  # on the day: not overdue
    county_review_sweep()
    assert notices(Notification.Kind.OVERDUE) == []
    assert "county_overdue" not in selectors.flags(case, DUE, Calendar())
    clock.set(DUE + dt.timedelta(days=1))
    for _ in range(2):  # a second run writes nothing new
        county_review_sweep()
    assert notices(Notification.Kind.OVERDUE) == [approver.pk]
    assert notices(Notification.Kind.ESCALATED) == [city.pk]
    assert "county_overdue" in selectors.flags(case, DUE + dt.timedelta(days=1), Calendar())


def test_the_case_shows_the_overall_limit_and_the_approving_levels(personas: Personas, clock: Clock) -> None:
    clock.set(MONDAY)
    case = case_at(personas, "county_review")
    accepted = selectors.accepted_on(case)
    calendar = Calendar()
    normal, extended = calendar.add_working_days(accepted, 30), calendar.add_working_days(accepted, 45)
    assert selectors.overall_limits(case, calendar) == (30, normal, 45, extended)
    client = Client()
    client.force_login(personas[Role.COUNTY_APPROVER])
    page = client.get(reverse("assistance:programme_case", args=[case.pk])).content.decode()
    assert f"自受理起 30 个工作日：{normal:%Y-%m-%d} 前（特殊情况 45 个工作日：{extended:%Y-%m-%d} 前）" in page
    assert f"{MONDAY:%Y-%m-%d} 收到材料；{DUE:%Y-%m-%d} 前作出决定" in page
