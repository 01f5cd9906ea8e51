"""The children's lists read one page: the open cases by the next visit due, the mandatory reports (open ones by
deadline, closed ones of the window), the places by area and the projects of the window, by a cursor; a query count
flat in the number of rows; the children list's audit records each page's rows; and (on PostgreSQL) plans that
range over the area prefix in the lists' indexes (docs/architecture.md, "Lists")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from minsheng.audit.models import AuditEvent
from minsheng.children import services
from minsheng.children.models import CarePlace, CareProject, Child, MandatoryReport
from minsheng.children.module import COUNTY_STAFF, DIRECTOR, SUPERVISOR
from minsheng.children.tests.factories import child_case
from minsheng.testing import Personas, area_read, copies, elsewhere, index_plan, list_query

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")


def _children(p: Personas, n: int, vary: Any = None) -> Child:
    """One open case in the reference village through the factory, and ``n - 1`` copies (each of its own child)."""
    first = child_case(p)
    persons = copies(first.person, n - 1, lambda k, person: setattr(person, "id_index", f"child{k:08d}"))

    def each(k: int, row: Child) -> None:
        row.person_id = persons[k].pk
        if vary is not None:
            vary(k, row)

    copies(first, n - 1, each)
    return first


def _due(k: int, row: Child) -> None:
    """A third of the cases without a visit date (listed last), the others due a day apart."""
    row.next_visit_due = None if k % 3 == 0 else timezone.localdate() + dt.timedelta(days=k % 40)


def _reports(p: Personas, n: int, vary: Any = None) -> MandatoryReport:
    """One open report filed by the director through the service, and ``n - 1`` copies changed by ``vary``."""
    now = timezone.now()
    report = services.report_file(
        actor=p[DIRECTOR], child_id=child_case(p).pk, kind="neglect", description="长期无人照料", at=now
    )

    def each(k: int, row: MandatoryReport) -> None:
        row.reported_at = now - dt.timedelta(hours=k + 1)
        row.deadline_at = row.reported_at + dt.timedelta(hours=24)
        if vary is not None:
            vary(k, row)

    copies(report, n - 1, each)
    return report


def _closed(row: MandatoryReport, p: Personas, at: dt.datetime) -> None:
    row.reported_at, row.deadline_at = at, at + dt.timedelta(hours=24)
    row.status, row.review_note, row.reviewed_by_id = MandatoryReport.Status.CLOSED, "已处理", p[SUPERVISOR].pk
    row.closed_at = at + dt.timedelta(hours=2)


def _places(p: Personas, n: int, vary: Any = None) -> CarePlace:
    first = services.place_add(
        actor=p[COUNTY_STAFF], kind="home", name="儿童之家", area_code=p.village.code, opened_on=timezone.localdate()
    )

    def each(k: int, row: CarePlace) -> None:
        row.name = f"儿童之家{k:04d}"
        if vary is not None:
            vary(k, row)

    copies(first, n - 1, each)
    return first


def _projects(p: Personas, n: int, vary: Any = None) -> CareProject:
    today = timezone.localdate()
    first = services.project_add(
        actor=p[SUPERVISOR],
        name="爱心暑托班",
        area_code=p.village.code[:9] + "000",
        capacity=30,
        starts_on=today,
        ends_on=today + dt.timedelta(days=40),
    )

    def each(k: int, row: CareProject) -> None:
        row.name, row.starts_on = f"暑托班{k:04d}", today - dt.timedelta(days=k % 30)
        if vary is not None:
            vary(k, row)

    copies(first, n - 1, each)
    return first


def _client(p: Personas, role: str) -> Client:
    client = Client()
    client.force_login(p[role])
    return client


def _order(model: type[Any], url: str) -> list[int]:
    """Every row's id in the list's order (the test sees every row: the personas read the reference area)."""
    rows = model.objects.unscoped().all()
    if url == "children:child_list":
        return [c.pk for c in sorted(rows, key=lambda c: (c.next_visit_due is None, c.next_visit_due, c.pk))]
    order = {
        "children:report_list": ("deadline_at", "id"),
        "children:place_list": ("area_code", "name", "id"),
        "children:project_list": ("-starts_on", "-id"),
    }[url]
    return list(rows.order_by(*order).values_list("pk", flat=True))


LISTS: dict[str, tuple[str, Any, type[Any], Any]] = {
    # list: who reads it, how its rows are made, their model, how each copy differs
    "children:child_list": (DIRECTOR, _children, Child, _due),
    "children:report_list": (SUPERVISOR, _reports, MandatoryReport, None),
    "children:place_list": (COUNTY_STAFF, _places, CarePlace, None),
    "children:project_list": (SUPERVISOR, _projects, CareProject, None),
}
# The page's queries, whatever the number of rows: session, user, roles, the page, its capped count, the menu badge;
# the children list also writes its audit event.
QUERIES = {
    "children:child_list": 7,
    "children:report_list": 6,
    "children:place_list": 6,
    "children:project_list": 6,
}


@pytest.mark.parametrize("rows", [5, 60])
@pytest.mark.parametrize("url", list(LISTS))
def test_a_childrens_list_costs_the_same_queries_for_5_rows_as_for_60(
    personas: Personas, django_assert_num_queries: Any, url: str, rows: int
) -> None:
    role, make, model, vary = LISTS[url]
    make(personas, rows, vary)
    client = _client(personas, role)
    client.get(reverse(url))
    with django_assert_num_queries(QUERIES[url]):
        response = client.get(reverse(url))
    page = response.context["page"]
    assert (response.status_code, len(page.rows), page.count, page.has_next) == (200, min(rows, 50), rows, rows > 50)
    rest = client.get(reverse(url), {"cursor": page.next_cursor}).context["page"] if rows > 50 else None
    shown = [r.pk for r in page.rows] + ([r.pk for r in rest.rows] if rest else [])
    assert shown == _order(model, url)
    assert rest is None or (len(rest.rows), rest.has_next, rest.has_previous) == (10, False, True)


def test_the_children_list_audits_the_rows_of_each_page(personas: Personas) -> None:
    _children(personas, 60, _due)
    client = _client(personas, DIRECTOR)
    first = client.get(reverse("children:child_list"), {"colour": ""}).context["page"]
    client.get(reverse("children:child_list"), {"cursor": first.next_cursor})
    events = AuditEvent.objects.unscoped().filter(action="personal_data.listed", object_type="children.child")
    query = {"due": "", "colour": "", "stage": ""}
    assert [e.after for e in events.order_by("id")] == [
        {"count": 50, "persons": 50, "query": {**query, "later_page": False}},
        {"count": 10, "persons": 10, "query": {**query, "later_page": True}},
    ]
    forged = client.get(reverse("children:child_list"), {"cursor": first.next_cursor[:-2]})
    assert (forged.status_code, "页面链接无效" in forged.content.decode()) == (400, True)
    assert events.count() == 2  # a refused page lists nothing


def test_closed_reports_and_ended_projects_before_the_window_are_listed_when_the_user_goes_back(
    personas: Personas,
) -> None:
    long_ago = timezone.now() - dt.timedelta(days=200)
    _reports(personas, 3, lambda k, row: _closed(row, personas, long_ago - dt.timedelta(hours=k)))
    old = timezone.localdate() - dt.timedelta(days=200)
    _projects(personas, 3, lambda k, row: setattr_all(row, starts_on=old, ends_on=old + dt.timedelta(days=30)))
    since = {"since": (timezone.localdate() - dt.timedelta(days=201)).isoformat()}
    client = _client(personas, SUPERVISOR)
    reports = reverse("children:report_list")
    assert client.get(reports).context["page"].count == 1  # by default the open one
    closed = client.get(reports, {"status": "closed"})
    assert (closed.context["page"].count, "默认最近 90 天" in closed.content.decode()) == (0, True)
    assert client.get(reports, {"status": "all"}).context["page"].count == 1
    assert client.get(reports, {"status": "all", **since}).context["page"].count == 3
    assert client.get(reports, {"status": "closed", **since}).context["page"].count == 2
    projects = reverse("children:project_list")
    response = client.get(projects)
    assert (response.context["page"].count, "默认最近 90 天" in response.content.decode()) == (1, True)
    assert client.get(projects, since).context["page"].count == 3
    for url in (reports, projects):
        bad = client.get(url, {"since": "2026-02-30", "status": "all"})
        assert (bad.status_code, "起始日期" in bad.content.decode()) == (400, True), url
    # A cursor of the open reports is not one of all the reports (each order signs with its own salt).
    _reports(personas, 51)
    cursor = client.get(reports).context["page"].next_cursor
    assert (
        client.get(reports, {"cursor": cursor}).status_code,
        client.get(reports, {"status": "all", "cursor": cursor}).status_code,
    ) == (200, 400)


def setattr_all(row: Any, **values: Any) -> None:
    for name, value in values.items():
        setattr(row, name, value)


def _history(p: Personas, url: str, n: int) -> None:
    """The county's rows of past years and the rest of the city's, beside the few the list shows."""
    _role, make, _model, _vary = LISTS[url]
    now, today = timezone.now(), timezone.localdate()

    def vary(k: int, row: Any) -> None:
        if url == "children:child_list":
            row.status, row.closed_on, row.next_visit_due = Child.Status.CLOSED, today - dt.timedelta(days=k), None
        elif url == "children:report_list":
            _closed(row, p, now - dt.timedelta(days=400 + k % 700))
        elif url == "children:project_list":
            row.starts_on = today - dt.timedelta(days=400 + k % 700)
            row.ends_on = row.starts_on + dt.timedelta(days=30)
        if k >= 500:
            row.area_code = elsewhere(k)
            if url == "children:child_list" and k % 3 == 0:  # the city's open cases
                row.status, row.closed_on, row.next_visit_due = Child.Status.OPEN, None, today

    make(p, n, vary)


PLANS = {
    "children:child_list": {"children_child_open_area"},
    "children:report_list": {"children_report_open_area", "children_report_area_time"},
    "children:project_list": {"children_project_area_end"},
}


@on_postgresql
@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("children:child_list", {}),
        ("children:report_list", {}),
        ("children:report_list", {"status": "all"}),
        ("children:project_list", {}),
    ],
)
def test_a_childrens_list_reads_its_area_through_its_indexes(
    personas: Personas, url: str, params: dict[str, str]
) -> None:
    _history(personas, url, 3500)
    table = LISTS[url][2]._meta.db_table
    with CaptureQueriesContext(connection) as captured:
        assert _client(personas, COUNTY_STAFF).get(reverse(url), params).status_code == 200
    plan = index_plan(list_query(captured.captured_queries, table), table)
    used = area_read(plan, table)
    assert used <= PLANS[url], plan
    assert params or url != "children:report_list" or used == {"children_report_open_area"}, plan


@on_postgresql
def test_the_places_list_reads_its_area_through_the_area_index(personas: Personas) -> None:
    """A reference table of a few hundred rows a city: the area's prefix index (``db_index``) bounds it, no index of
    its own."""
    _places(personas, 3000, lambda k, row: setattr(row, "area_code", elsewhere(k) if k >= 50 else row.area_code))
    with CaptureQueriesContext(connection) as captured:
        assert _client(personas, COUNTY_STAFF).get(reverse("children:place_list")).status_code == 200
    plan = index_plan(list_query(captured.captured_queries, "children_careplace"), "children_careplace")
    assert {i.endswith("_like") for i in area_read(plan, "children_careplace")} == {True}, plan
