"""The benefits list reads one page: newest first by a cursor, stopped benefits of the window only, a query count
flat in the number of benefits, and (on PostgreSQL) a plan that ranges over the area prefix in its indexes
(docs/architecture.md, "Lists")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.assistance.benefits.models import Benefit
from minsheng.assistance.benefits.tests.endpoints import Family
from minsheng.testing import Personas, area_read, copies, elsewhere, index_plan, list_query

pytestmark = pytest.mark.django_db


def _benefits(p: Personas, n: int, *, stopped_from: dt.date | None = None) -> Benefit:
    """One running benefit of the reference village through the services, and ``n - 1`` copies stopped from
    ``stopped_from`` (this month unless given: within the list's window)."""
    first = Family(p).enrol(assessed_on=dt.date(2026, 1, 15), decided_on=dt.date(2026, 1, 20))
    month = stopped_from or timezone.localdate().replace(day=1)

    def stopped(k: int, row: Benefit) -> None:
        row.status, row.stopped_from = Benefit.Status.STOPPED, month

    copies(first, n - 1, stopped)
    return first


def _client(p: Personas, role: Role = Role.COUNTY_APPROVER) -> Client:
    client = Client()
    client.force_login(p[role])
    return client


@pytest.mark.parametrize("rows", [5, 60])
def test_the_benefits_list_costs_the_same_queries_for_5_benefits_as_for_60(
    personas: Personas, django_assert_num_queries: Any, rows: int
) -> None:
    _benefits(personas, rows)
    client = _client(personas)
    client.get(reverse("assistance:benefit_list"))
    with django_assert_num_queries(6):  # session, user, roles, the page, its capped count, the menu badges
        response = client.get(reverse("assistance:benefit_list"))
    page = response.context["page"]
    assert (response.status_code, len(page.rows), page.count, page.has_next) == (200, min(rows, 50), rows, rows > 50)
    rest = client.get(reverse("assistance:benefit_list"), {"cursor": page.next_cursor}) if rows > 50 else None
    assert rest is None or [b.pk for b in rest.context["page"].rows] == sorted(
        set(Benefit.objects.unscoped().values_list("pk", flat=True)) - {b.pk for b in page.rows}, reverse=True
    )


def test_stopped_benefits_older_than_the_window_are_listed_when_the_user_goes_back(personas: Personas) -> None:
    old = (timezone.localdate() - dt.timedelta(days=200)).replace(day=1)
    first = _benefits(personas, 3, stopped_from=old)
    client = _client(personas)
    page = client.get(reverse("assistance:benefit_list")).context["page"]
    assert [b.pk for b in page.rows] == [first.pk]  # the running one; the two stopped long ago are out of the window
    since = (old - dt.timedelta(days=1)).isoformat()
    assert client.get(reverse("assistance:benefit_list"), {"since": since}).context["page"].count == 3
    stopped = client.get(reverse("assistance:benefit_list"), {"status": "stopped", "since": since})
    assert stopped.context["page"].count == 2
    response = client.get(reverse("assistance:benefit_list"), {"since": "2026-02-30"})
    assert response.status_code == 400
    assert client.get(reverse("assistance:benefit_list"), {"cursor": "forged"}).status_code == 400


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
@pytest.mark.parametrize("role", [Role.COUNTY_APPROVER, Role.TOWNSHIP_REVIEWER])
def test_the_benefits_list_reads_its_area_through_its_indexes(personas: Personas, role: Role) -> None:
    first = _benefits(personas, 5)
    old = dt.date(2020, 1, 1)

    def stopped(k: int, row: Benefit) -> None:  # the village's benefits stopped years ago
        row.status, row.stopped_from = Benefit.Status.STOPPED, old

    def others(k: int, row: Benefit) -> None:  # benefits of the rest of the city
        row.status, row.stopped_from, row.area_code = Benefit.Status.STOPPED, old, elsewhere(k)

    copies(first, 500, stopped)
    copies(first, 3000, others)
    client = _client(personas, role)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("assistance:benefit_list")).status_code == 200
    plan = index_plan(list_query(captured.captured_queries, "assistance_benefit"), "assistance_benefit")
    assert area_read(plan, "assistance_benefit") <= {"benefit_area_id", "benefit_id_area"}, plan
