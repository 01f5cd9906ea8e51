"""The relief lists read one page: stays, patrols and the public announcements newest first by a cursor, the stays
that ended and the patrols of the window only (the announcements: those shown now), a query count flat in the number
of rows, and (on PostgreSQL) plans that range over the area prefix in the lists' indexes, or read the announcements
shown through their partial index (docs/architecture.md, "Lists")."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.relief.models import Admission, Patrol, Tracing
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


# --- The public announcements --------------------------------------------------------------------------------------


def _announcements(p: Personas, n: int, vary: Any = None) -> Tracing:
    """``n`` announcements shown now, a minute apart: one stay admitted through the service with its tracing
    published (written straight: the photo is not the point here), and ``n - 1`` copies of both."""
    first = admit(p).tracing
    now = timezone.now()
    # unscoped: test set-up publishes the announcement directly
    Tracing.objects.unscoped().filter(pk=first.pk).update(published_at=now, public_description="男，约50岁")
    first.refresh_from_db()
    stays = copies(first.admission, n - 1, lambda k, stay: setattr(stay, "number", f"RA{k:07d}"))

    def each(k: int, row: Tracing) -> None:
        row.admission_id, row.public_id = stays[k].pk, uuid.uuid4()
        row.published_at = now - dt.timedelta(minutes=k + 1)
        if vary is not None:
            vary(k, row)

    copies(first, n - 1, each)
    return first


@pytest.mark.parametrize("rows", [5, 30])
def test_the_public_announcements_cost_the_same_queries_for_5_as_for_30(
    personas: Personas, django_assert_num_queries: Any, rows: int
) -> None:
    _announcements(personas, rows)
    client = Client()  # nobody signed in
    url = reverse("relief:public_announcements")
    with django_assert_num_queries(2):  # the page (with each one's station) and its capped count
        response = client.get(url)
    page = response.context["page"]
    assert (response.status_code, len(page.rows), page.count, page.has_next) == (200, min(rows, 24), rows, rows > 24)
    rest = client.get(url, {"cursor": page.next_cursor}).context["page"] if rows > 24 else None
    shown = [t.public_id for t in page.rows] + ([t.public_id for t in rest.rows] if rest else [])
    # unscoped: every announcement, the latest first, to compare with the pages
    expected = Tracing.objects.unscoped().order_by("-published_at", "-id").values_list("public_id", flat=True)
    assert shown == list(expected)
    assert rest is None or (len(rest.rows), rest.has_next, rest.has_previous) == (6, False, True)


def test_the_public_announcements_list_only_those_shown_and_refuse_a_bad_cursor(personas: Personas) -> None:
    def some_taken_down(k: int, row: Tracing) -> None:
        if k % 2:
            row.taken_down_at = timezone.now()

    _announcements(personas, 30, some_taken_down)
    client = Client()
    url = reverse("relief:public_announcements")
    page = client.get(url).context["page"]
    assert (page.count, page.has_next) == (16, False)  # the first and the 15 copies not taken down
    forged = client.get(url, {"cursor": "eyJkIjoibiJ9:forged:sig"})
    assert (forged.status_code, "页面链接无效" in forged.content.decode()) == (400, True)


@on_postgresql
def test_the_public_announcements_read_those_shown_through_their_index(personas: Personas) -> None:
    """Years of tracings, most of them ended and their announcements taken down, beside the few shown now."""
    old = timezone.now() - dt.timedelta(days=400)

    def history(k: int, row: Tracing) -> None:
        if k >= 40:
            row.status, row.closed_at = Tracing.Status.REUNITED, old + dt.timedelta(days=k % 300)
            row.published_at, row.taken_down_at = old, row.closed_at
            row.area_code = elsewhere(k)

    _announcements(personas, 3500, history)
    with CaptureQueriesContext(connection) as captured:
        assert Client().get(reverse("relief:public_announcements")).status_code == 200
    plan = index_plan(list_query(captured.captured_queries, "relief_tracing"), "relief_tracing")
    # Only the partial index of those shown is read (in order, or as a bitmap of its few entries): never the tracings
    # that ended.
    reads = [line for line in plan.splitlines() if "relief_tracing " in f"{line} " and "Scan" in line]
    assert reads and all("relief_tracing_shown_at" in line or "Bitmap Heap Scan" in line for line in reads), plan
    assert "Seq Scan on relief_tracing" not in plan and "relief_tracing_shown_at" in plan, plan
