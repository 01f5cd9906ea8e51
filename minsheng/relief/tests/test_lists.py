"""The relief lists read one page: stays and patrols newest first by a cursor, the stays that ended and the patrols
of the window only, a query count flat in the number of rows, and (on PostgreSQL) plans that range over the area
prefix in the lists' indexes (docs/architecture.md, "Lists")."""

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
from minsheng.relief.models import Admission, Patrol
from minsheng.relief.module import STAFF
from minsheng.relief.services import patrol_record
from minsheng.relief.tests.factories import admit, station
from minsheng.testing import Personas, area_read, copies, elsewhere, index_plan, list_query

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")


def _stays(p: Personas, n: int, tag: str, vary: Any = None) -> Admission:
    """One stay at the reference station through the service, and ``n - 1`` copies changed by ``vary(k, stay)``."""
    first = admit(p)

    def each(k: int, stay: Admission) -> None:
        stay.number = f"R{tag}{k:07d}"
        if vary is not None:
            vary(k, stay)

    copies(first, n - 1, each)
    return first


def _left(stay: Admission, at: dt.datetime) -> None:
    stay.admitted_at, stay.status, stay.departure = at, Admission.Status.DEPARTED, Admission.Departure.OWN_WILL
    stay.departed_at = at + dt.timedelta(days=1)


def _patrols(p: Personas, n: int, vary: Any = None) -> Patrol:
    first = patrol_record(
        actor=p[STAFF],
        station=station(p),
        kind="patrol",
        on=timezone.localdate(),
        places="宿迁汽车站",
        persons_reached=3,
    )
    copies(first, n - 1, vary or (lambda k, row: None))
    return first


def _client(p: Personas, role: str = STAFF) -> Client:
    client = Client()
    client.force_login(p[role])
    return client


# The page's queries, whatever the number of rows: session, user, roles, the page, its capped count, the menu badges
# (and, on the patrols page, the stations of the record form).
QUERIES = {"relief:admission_list": 6, "relief:patrol_list": 7}


@pytest.mark.parametrize("rows", [5, 60])
@pytest.mark.parametrize("url", list(QUERIES))
def test_a_relief_list_costs_the_same_queries_for_5_rows_as_for_60(
    personas: Personas, django_assert_num_queries: Any, url: str, rows: int
) -> None:
    model = Admission if url == "relief:admission_list" else Patrol
    _stays(personas, rows, "Q") if model is Admission else _patrols(personas, rows)
    client = _client(personas)
    client.get(reverse(url))
    with django_assert_num_queries(QUERIES[url]):
        response = client.get(reverse(url))
    page = response.context["page"]
    assert (response.status_code, len(page.rows), page.count, page.has_next) == (200, min(rows, 50), rows, rows > 50)
    rest = client.get(reverse(url), {"cursor": page.next_cursor}) if rows > 50 else None
    shown = [r.pk for r in page.rows] + ([r.pk for r in rest.context["page"].rows] if rest else [])
    order = ("-admitted_at", "-id") if model is Admission else ("-on", "-id")
    assert shown == list(model.objects.unscoped().order_by(*order).values_list("pk", flat=True))


def test_stays_that_ended_before_the_window_are_listed_when_the_user_goes_back(personas: Personas) -> None:
    long_ago, lately = timezone.now() - dt.timedelta(days=200), timezone.now() - dt.timedelta(days=10)
    first = _stays(personas, 4, "W", lambda k, stay: _left(stay, long_ago if k < 2 else lately))
    client = _client(personas)
    url = reverse("relief:admission_list")
    assert [a.pk for a in client.get(url).context["page"].rows] == [first.pk]  # by default those in the station
    everything = client.get(url, {"status": "all"})
    assert everything.context["page"].count == 2  # the one in the station and the one that ended lately
    assert "默认最近 90 天" in everything.content.decode()
    since = (timezone.localdate() - dt.timedelta(days=201)).isoformat()
    assert client.get(url, {"status": "departed", "since": since}).context["page"].count == 3
    bad = client.get(url, {"since": "2026-13-01"})
    assert (bad.status_code, "起始日期" in bad.content.decode()) == (400, True)
    # A cursor of the patrols list is refused by the stays list (each list signs with its own salt).
    _patrols(personas, 51)
    patrols = client.get(reverse("relief:patrol_list")).context["page"]
    forged = client.get(url, {"cursor": patrols.next_cursor})
    assert (forged.status_code, "页面链接无效" in forged.content.decode()) == (400, True)


def test_patrols_before_the_window_are_listed_when_the_user_goes_back(personas: Personas) -> None:
    old = timezone.localdate() - dt.timedelta(days=120)
    _patrols(personas, 3, lambda k, row: setattr(row, "on", old))
    client = _client(personas, Role.COUNTY_APPROVER)
    url = reverse("relief:patrol_list")
    response = client.get(url)
    assert (response.context["page"].count, response.context["since"]) == (
        1,
        timezone.localdate() - dt.timedelta(days=90),
    )
    assert client.get(url, {"since": old.isoformat()}).context["page"].count == 3
    assert client.get(url, {"since": "yesterday"}).status_code == 400


@on_postgresql
@pytest.mark.parametrize("role", [STAFF, Role.CITY_ADMIN])
@pytest.mark.parametrize("status", ["in_station", "all"])
def test_the_stays_list_reads_its_area_through_its_indexes(personas: Personas, role: str, status: str) -> None:
    now = timezone.now()

    def history(k: int, stay: Admission) -> None:  # the county's stays of years past, the rest of the city's
        _left(stay, now - dt.timedelta(days=400 + k % 700))
        if k >= 500:
            stay.area_code = elsewhere(k)

    _stays(personas, 3500, "P", history)
    with CaptureQueriesContext(connection) as captured:
        assert _client(personas, role).get(reverse("relief:admission_list"), {"status": status}).status_code == 200
    plan = index_plan(list_query(captured.captured_queries, "relief_admission"), "relief_admission")
    used = area_read(plan, "relief_admission")
    assert used <= {"relief_admission_open_area", "relief_admission_area_time"}, plan
    assert status != "in_station" or used == {"relief_admission_open_area"}, plan


@on_postgresql
@pytest.mark.parametrize("role", [STAFF, Role.CITY_ADMIN])
def test_the_patrols_list_reads_its_area_through_its_index(personas: Personas, role: str) -> None:
    today = timezone.localdate()

    def history(k: int, row: Patrol) -> None:
        row.on = today - dt.timedelta(days=k % 1000)
        if k >= 500:
            row.area_code = elsewhere(k)

    _patrols(personas, 3500, history)
    with CaptureQueriesContext(connection) as captured:
        assert _client(personas, role).get(reverse("relief:patrol_list")).status_code == 200
    plan = index_plan(list_query(captured.captured_queries, "relief_patrol"), "relief_patrol")
    assert area_read(plan, "relief_patrol") <= {"relief_patrol_area_on", "relief_patrol_on_area"}, plan
