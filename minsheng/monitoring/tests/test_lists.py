"""The warnings list and the low-income population read one page: a query count flat in the number of rows, the next
page by a cursor, and (on PostgreSQL) plans that range over the area prefix in the lists' indexes: (status, area,
deadline) for the warnings, the partial (area, id) indexes of the population and of each group, read in the list's
order (docs/architecture.md, "Lists")."""

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
from minsheng.monitoring.models import Alert, MonitoredHousehold
from minsheng.monitoring.tests.factories import open_alert
from minsheng.testing import (
    Personas,
    area_read,
    copies,
    elsewhere,
    index_plan,
    list_query,
    make_household,
    make_person,
)

pytestmark = pytest.mark.django_db


def _alerts(p: Personas, n: int) -> Alert:
    """``n`` open warnings of the reference village: one written by the factory, the others copied (a period each)."""
    first = open_alert(p)
    copies = []
    for k in range(1, n):
        row = Alert(**{f.attname: getattr(first, f.attname) for f in Alert._meta.concrete_fields if f.attname != "id"})
        row.period = first.period - dt.timedelta(days=31 * k)
        row.due_on = first.due_on + dt.timedelta(days=k)
        copies.append(row)
    Alert.objects.bulk_create(copies)
    return first


def _client(p: Personas) -> Client:
    client = Client()
    client.force_login(p[Role.VILLAGE_WORKER])
    return client


@pytest.mark.parametrize("rows", [5, 50])
def test_the_warnings_list_costs_the_same_queries_for_5_warnings_as_for_50(
    personas: Personas, django_assert_num_queries: Any, rows: int
) -> None:
    _alerts(personas, rows)
    client = _client(personas)
    client.get(reverse("monitoring:alert_list"))
    with django_assert_num_queries(10):  # with the menu badge of open volunteer tasks
        response = client.get(reverse("monitoring:alert_list"))
    page = response.context["page"]
    assert (response.status_code, len(page.rows), page.count) == (200, min(rows, 50), rows)


def test_the_warnings_list_pages_by_cursor_and_keeps_handled_ones_of_its_window(personas: Personas) -> None:
    first = _alerts(personas, 3)
    old = timezone.localdate() - dt.timedelta(days=200)
    # unscoped: test set-up hands a warning over to history
    Alert.objects.unscoped().filter(pk=first.pk).update(status=Alert.Status.DONE, raised_on=old)
    client = _client(personas)
    assert client.get(reverse("monitoring:alert_list")).context["page"].count == 2
    since = (old - dt.timedelta(days=1)).isoformat()
    assert client.get(reverse("monitoring:alert_list"), {"since": since}).context["page"].count == 3
    assert client.get(reverse("monitoring:alert_list"), {"since": "2026-13-01"}).status_code == 400
    assert client.get(reverse("monitoring:alert_list"), {"cursor": "x:y:z"}).status_code == 400


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_the_warnings_list_reads_its_area_through_its_index(personas: Personas) -> None:
    first = _alerts(personas, 5)
    old = timezone.localdate() - dt.timedelta(days=400)

    def handled(k: int, row: Alert) -> None:  # the village's handled warnings of past years
        row.period, row.raised_on, row.status = old - dt.timedelta(days=k), old, Alert.Status.DONE

    def others(k: int, row: Alert) -> None:  # open warnings of another county
        row.period, row.area_code = old - dt.timedelta(days=2000 + k), elsewhere(k)

    copies(first, 500, handled)
    copies(first, 3000, others)
    with CaptureQueriesContext(connection) as captured:
        assert _client(personas).get(reverse("monitoring:alert_list")).status_code == 200
    plan = index_plan(list_query(captured.captured_queries, "monitoring_alert"), "monitoring_alert")
    area_read(plan, "monitoring_alert")  # the area is a range of the index read, in every index read


# --- The low-income population ------------------------------------------------------------------------------------


def _population(p: Personas, n: int, vary: Any = None) -> MonitoredHousehold:
    """``n`` households of the low-income population in the reference village (低保), ``vary(k, row)`` changing each
    but the first: one household through the registry's factory, the others copies of it."""
    first_household = make_household(p.village, make_person(p.village, "周建国", birth="1958-06-01"))
    households = copies(first_household, n - 1, lambda k, h: setattr(h, "number", f"{p.village.code}P{k:07d}"))
    today = timezone.localdate()
    # unscoped: test set-up writes the population directly, as the daily refresh would
    first = MonitoredHousehold.objects.unscoped().create(
        household=first_household, area_code=p.village.code, groups=["dibao"], since=today, updated_on=today
    )

    def each(k: int, row: MonitoredHousehold) -> None:
        row.household_id = households[k].pk
        if vary is not None:
            vary(k, row)

    copies(first, n - 1, each)
    return first


def _county_client(p: Personas) -> Client:
    client = Client()
    client.force_login(p[Role.COUNTY_APPROVER])
    return client


@pytest.mark.parametrize("rows", [5, 60])
def test_the_population_list_costs_the_same_queries_for_5_households_as_for_60(
    personas: Personas, django_assert_num_queries: Any, rows: int
) -> None:
    _population(personas, rows)
    client = _county_client(personas)
    url = reverse("monitoring:population")
    client.get(url)
    with django_assert_num_queries(6):  # session, user, roles, the page, its capped count, the menu badge
        response = client.get(url)
    page = response.context["page"]
    assert (response.status_code, len(page.rows), page.count, page.has_next) == (200, min(rows, 50), rows, rows > 50)
    rest = client.get(url, {"cursor": page.next_cursor}) if rows > 50 else None
    shown = [m.pk for m in page.rows] + ([m.pk for m in rest.context["page"].rows] if rest else [])
    # unscoped: the test compares the pages with every row in the list's order
    everything = MonitoredHousehold.objects.unscoped().order_by("area_code", "id").values_list("pk", flat=True)
    assert shown == list(everything)
    assert rest is None or (rest.context["page"].has_next, rest.context["page"].has_previous) == (False, True)


def test_the_population_list_of_a_group_pages_through_that_group_only(personas: Personas) -> None:
    def mixed(k: int, row: MonitoredHousehold) -> None:
        row.groups = ["dibao", "union_hardship"] if k % 2 else ["tekun"]
        row.active = k % 5 != 0

    _population(personas, 130, mixed)
    client = _county_client(personas)
    url = reverse("monitoring:population")
    # unscoped: the rows the test expects, in the list's order
    members = MonitoredHousehold.objects.unscoped().filter(active=True, groups__icontains='"union_hardship"')
    expected = list(members.order_by("area_code", "id").values_list("pk", flat=True))
    first = client.get(url, {"group": "union_hardship"})
    page = first.context["page"]
    assert (page.count, page.has_next, len(expected)) == (51, True, 51)  # 64 odd copies, 13 of them inactive
    assert "?group=union_hardship&amp;cursor=" in first.content.decode()  # the next page's link keeps the group
    rest = client.get(url, {"group": "union_hardship", "cursor": page.next_cursor}).context["page"]
    assert [m.pk for m in page.rows] + [m.pk for m in rest.rows] == expected
    assert client.get(url, {"group": "nobody"}).context["page"].count == 104  # an unknown group: every one active
    forged = client.get(url, {"cursor": page.next_cursor + "x"})
    assert (forged.status_code, "页面链接无效" in forged.content.decode()) == (400, True)
    # A cursor of the warnings list is not one of this list.
    _alerts(personas, 51)
    alerts = _client(personas).get(reverse("monitoring:alert_list")).context["page"]
    assert client.get(url, {"cursor": alerts.next_cursor}).status_code == 400


def _area_range(plan: str, index: str, prefix: str) -> None:
    """The plan reads the population through ``index`` with the caller's area as a range of it (the "C" collation:
    plain ``>=`` / ``<`` bounds), in the list's order (no sort), and scans nothing whole."""
    assert "Seq Scan on monitoring_monitoredhousehold" not in plan and "Sort" not in plan, plan
    lines = plan.splitlines()
    reads = [n for n, line in enumerate(lines) if "on monitoring_monitoredhousehold" in line and "Index" in line]
    assert reads and all(f"using {index} on" in lines[n] for n in reads), plan
    for n in reads:
        condition = next(c for c in lines[n + 1 : n + 3] if "Index Cond" in c)
        assert f"((area_code)::text >= '{prefix}'::text)" in condition and "((area_code)::text < '" in condition, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
@pytest.mark.parametrize("role", [Role.VILLAGE_WORKER, Role.COUNTY_APPROVER, Role.CITY_ADMIN])
@pytest.mark.parametrize("group", ["", "union_hardship"])
def test_the_population_list_reads_its_area_in_order_through_its_index(
    personas: Personas, role: Role, group: str
) -> None:
    def history(k: int, row: MonitoredHousehold) -> None:  # the rest of the city's, those who left, a few 困难职工
        row.area_code = elsewhere(k) if k >= 300 else row.area_code
        row.active = k % 7 != 0
        row.groups = ["dibao", "union_hardship"] if k % 20 == 0 else ["dibao"]

    _population(personas, 4000, history)
    client = Client()
    client.force_login(personas[role])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("monitoring:population"), {"group": group} if group else {})
    assert response.status_code == 200
    table = "monitoring_monitoredhousehold"
    plan = index_plan(list_query(captured.captured_queries, table), table)
    prefix = {Role.VILLAGE_WORKER: personas.village.code, Role.COUNTY_APPROVER: "321302", Role.CITY_ADMIN: "3213"}
    _area_range(plan, "monitoring_pop_union_hardship" if group else "monitoring_population", prefix[role])
