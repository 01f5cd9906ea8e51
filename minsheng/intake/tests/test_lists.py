"""The one window's lists read one page, whatever the rows before it: a query count flat in the number of rows,
and (on PostgreSQL) a plan that ranges over the area prefix in the list's index (docs/architecture.md, "Lists")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.models import User
from minsheng.accounts.roles import Role
from minsheng.catalog.models import Item
from minsheng.intake.models import Application, Consultation, ItemCase
from minsheng.intake.services import ItemRequest, application_submit
from minsheng.testing import Personas, area_read, copies, elsewhere, index_plan, list_query, make_person

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _cases(
    p: Personas,
    n: int,
    *,
    status: str = ItemCase.Status.ACCEPTED,
    deadline: dt.date | None = None,
    area_code: str = "",
    days_ago: int = 0,
) -> None:
    """``n`` applications of one education item each (in the reference village unless ``area_code``), submitted (and,
    if decided, decided) ``days_ago``: one through the service, the others copied from it row by row (the lists read
    rows, not how they were made)."""
    item = Item.objects.get(number=30)
    first = application_submit(
        actor=p[Role.VILLAGE_WORKER],
        person=make_person(p.village, "郑敏"),
        requests=[ItemRequest(item=item, materials_provided=tuple(item.materials))],
        on_behalf=True,
    )
    case = first.cases.get()
    when = timezone.now() - dt.timedelta(days=days_ago)
    decided_at = when if status in {"granted", "refused"} else None
    area = area_code or first.area_code
    Application.objects.unscoped().filter(pk=first.pk).update(area_code=area, submitted_at=when)
    ItemCase.objects.unscoped().filter(pk=case.pk).update(
        status=status, deadline=deadline or case.deadline, decided_at=decided_at, area_code=area
    )
    first.refresh_from_db()
    case.refresh_from_db()
    applications = copies(
        first, n - 1, lambda k, a: setattr(a, "receipt_number", f"L{area[-4:]}{days_ago:03d}{n:04d}{k:05d}")
    )
    ItemCase.objects.bulk_create(
        ItemCase(**{**{f: getattr(case, f) for f in CASE_FIELDS}, "application_id": a.pk}) for a in applications
    )


CASE_FIELDS = [f.attname for f in ItemCase._meta.concrete_fields if f.attname not in {"id", "application_id"}]


def _consultations(p: Personas, n: int, *, area_code: str = "", days_ago: int = 0) -> None:
    now = timezone.now() - dt.timedelta(days=days_ago)
    Consultation.objects.bulk_create(
        Consultation(
            area_code=area_code or p.village.code,
            channel="village",
            topic=f"问题{k}",
            outcome="answered",
            recorded_by=p[Role.VILLAGE_WORKER],
            recorded_at=now - dt.timedelta(minutes=k),
        )
        for k in range(n)
    )


def _history(p: Personas) -> None:
    """What years of the platform put beside a list's few rows: the area's decided history, and the work of the rest
    of the city (spread over its villages)."""
    _cases(p, 500, status=ItemCase.Status.GRANTED, days_ago=200)
    _consultations(p, 500, days_ago=200)
    first = Application.objects.unscoped().order_by("pk").first()
    assert first is not None
    case = first.cases.get()
    now = timezone.now()

    def spread(k: int, a: Application) -> None:  # over the year and the villages
        setattr_all(
            a, receipt_number=f"E{k:07d}", area_code=elsewhere(k), submitted_at=now - dt.timedelta(days=k % 365)
        )

    applications = copies(first, 3000, spread)
    ItemCase.objects.bulk_create(
        ItemCase(
            **{
                **{f: getattr(case, f) for f in CASE_FIELDS},
                "application_id": a.pk,
                "area_code": a.area_code,
                # Most of it decided long ago, as the platform's history is.
                **({} if k % 3 == 0 else {"status": "granted", "decided_at": a.submitted_at}),
            }
        )
        for k, a in enumerate(applications)
    )
    consultation = Consultation.objects.unscoped().order_by("pk").first()
    copies(
        consultation,
        3000,
        lambda k, c: setattr_all(c, area_code=elsewhere(k), recorded_at=now - dt.timedelta(days=k % 365)),
    )


def setattr_all(row: Any, **values: Any) -> None:
    for name, value in values.items():
        setattr(row, name, value)


LISTS: dict[str, tuple[Role, str, dict[str, str], str]] = {
    # list: who reads it, its URL, its filter, the table of its rows
    "inbox": (Role.DEPARTMENT_HANDLER, "intake:inbox", {}, "intake_itemcase"),
    "inbox, decided": (Role.DEPARTMENT_HANDLER, "intake:inbox", {"show": "decided"}, "intake_itemcase"),
    "overdue": (Role.DEPARTMENT_HANDLER, "intake:overdue", {}, "intake_itemcase"),
    "applications": (Role.VILLAGE_WORKER, "intake:application_list", {}, "intake_application"),
    "consultations": (Role.VILLAGE_WORKER, "intake:consultations", {}, "intake_consultation"),
}
# The page's queries, whatever the number of rows (the session and user, the roles, the capped count, the rows and
# what they carry).
# The page frame counts the open volunteer tasks for the menu badge of those who take them (village workers).
QUERIES = {"inbox": 9, "inbox, decided": 6, "overdue": 6, "applications": 11, "consultations": 13}
INDEXES = {
    "inbox": "itemcase_status_area_deadline",
    "inbox, decided": "itemcase_status_area_deadline",
    "overdue": "itemcase_status_area_deadline",
    "applications": "application_area_time",
    "consultations": "consultation_area_time",
}


def _rows(p: Personas, name: str, n: int) -> None:
    if name == "consultations":
        _consultations(p, n)
    elif name == "inbox, decided":
        _cases(p, n, status=ItemCase.Status.GRANTED)
    elif name == "overdue":
        _cases(p, n, deadline=timezone.localdate() - dt.timedelta(days=3))
    else:
        _cases(p, n)


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("name", list(LISTS))
def test_a_list_page_costs_the_same_queries_for_5_rows_as_for_50(
    personas: Personas, django_assert_num_queries: Any, name: str, rows: int
) -> None:
    role, url, query, _table = LISTS[name]
    _rows(personas, name, rows)
    client = _client(personas[role])
    client.get(reverse(url), query)  # the session and caches settle
    with django_assert_num_queries(QUERIES[name]):
        response = client.get(reverse(url), query)
    assert response.status_code == 200
    page = response.context["page"]
    assert (len(page.rows), page.count) == (min(rows, page.size), rows)


@on_postgresql
@pytest.mark.parametrize("name", list(LISTS))
def test_a_list_reads_its_area_through_its_index(personas: Personas, name: str) -> None:
    role, url, query, table = LISTS[name]
    _rows(personas, name, 5)
    _history(personas)
    client = _client(personas[role])
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse(url), query).status_code == 200
    plan = index_plan(list_query(captured.captured_queries, table), table)
    # Read through an index with the caller's area as a range of it: nothing of other areas, no scan of the table.
    used = area_read(plan, table)
    if name in {"inbox", "overdue"}:  # open work: the (status, area, …) index, whatever the area's history
        assert INDEXES[name] in used, plan


def test_a_changed_cursor_is_a_400_in_chinese(personas: Personas) -> None:
    _cases(personas, 3)
    client = _client(personas[Role.DEPARTMENT_HANDLER])
    response = client.get(reverse("intake:inbox"), {"cursor": "eyJkIjoibiJ9:forged:signature"})
    assert response.status_code == 400
    assert "页面链接无效" in response.content.decode()
    # A cursor of another list is refused too (each list signs with its own salt).
    _consultations(personas, 40)
    consultations = _client(personas[Role.VILLAGE_WORKER]).get(reverse("intake:consultations"))
    assert client.get(reverse("intake:inbox"), {"cursor": consultations.context["page"].next_cursor}).status_code == 400


def test_the_decided_items_are_those_of_the_window_unless_the_user_goes_further_back(personas: Personas) -> None:
    _cases(personas, 3, status=ItemCase.Status.GRANTED)
    old = timezone.now() - dt.timedelta(days=120)
    ItemCase.objects.unscoped().filter(pk=ItemCase.objects.unscoped().order_by("pk")[0].pk).update(decided_at=old)
    client = _client(personas[Role.DEPARTMENT_HANDLER])
    assert client.get(reverse("intake:inbox"), {"show": "decided"}).context["page"].count == 2
    since = (timezone.localdate() - dt.timedelta(days=200)).isoformat()
    assert client.get(reverse("intake:inbox"), {"show": "decided", "since": since}).context["page"].count == 3
    assert client.get(reverse("intake:inbox"), {"show": "decided", "since": "2026-02-30"}).status_code == 400


@on_postgresql
def test_a_county_reads_its_consultations_in_time_order_and_stops_at_the_page(personas: Personas) -> None:
    """A county's area range holds every year of its villages: through (area, time) it read them all and sorted the
    window (3,014 buffer pages against a township's 1,459). Through (time, id, area) it reads the window backwards,
    the area checked in the index, and stops after the page: no sort, and the next page starts at its cursor."""
    from minsheng.areas.models import Division

    villages = list(Division.objects.filter(level="village", code__startswith="321302").values_list("code", flat=True))
    now = timezone.now()
    _consultations(personas, 1)
    consultation = Consultation.objects.unscoped().get()
    copies(  # two years of the county's villages, and as much of the rest of the city
        consultation,
        6000,
        lambda k, c: setattr_all(
            c,
            area_code=villages[k % len(villages)] if k % 2 else elsewhere(k),
            recorded_at=now - dt.timedelta(hours=3 * k),
        ),
    )
    client = _client(personas[Role.COUNTY_APPROVER])
    first = client.get(reverse("intake:consultations"))
    assert (first.status_code, len(first.context["page"].rows)) == (200, first.context["page"].size)
    for query in ({}, {"cursor": first.context["page"].next_cursor}):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("intake:consultations"), query).status_code == 200
        plan = index_plan(list_query(captured.captured_queries, "intake_consultation"), "intake_consultation")
        assert area_read(plan, "intake_consultation") == {"consultation_time_area"}
        assert "Index Scan Backward using consultation_time_area" in plan and "Sort" not in plan, plan
    assert "(recorded_at <=" in plan, plan  # the cursor's page starts at the cursor in the index


@on_postgresql
def test_the_to_do_finds_its_page_of_awaited_items_on_the_table_alone_through_its_index(personas: Personas) -> None:
    """The to-do list's items waiting for materials: the page's ids are read from the item cases alone (the
    (status, area, …) index, a range of the area), then those rows with what they show. With the four joins in the
    same query PostgreSQL joined every waiting item of a county before sorting (3,280 buffer pages at 10 M
    residents; 554 in two steps)."""

    _cases(personas, 30, status=ItemCase.Status.WAITING_MATERIALS)
    _cases(personas, 300, status=ItemCase.Status.WAITING_MATERIALS, area_code=elsewhere(1))
    _history(personas)
    client = _client(personas[Role.COUNTY_APPROVER])
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("desk:todo"), {"kind": "intake_materials"})
    assert page.status_code == 200 and len(page.context["due"].rows) == 25
    sql = next(
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT "intake_itemcase"."id", "intake_itemcase"."waiting_since" FROM')
    )
    assert " JOIN " not in sql  # the page's ids: the table alone
    assert "itemcase_status_area_deadline" in area_read(index_plan(sql, "intake_itemcase"), "intake_itemcase")


@on_postgresql
def test_the_departments_to_do_reads_its_page_in_deadline_order_from_its_index(personas: Personas) -> None:
    """Items to receive: the department's open items in deadline order straight from a partial index (no sort of
    the county's backlog), whatever the rest of the city holds."""
    _cases(personas, 30)
    _cases(personas, 300, area_code=elsewhere(1), status=ItemCase.Status.GRANTED)
    _history(personas)
    client = _client(personas[Role.DEPARTMENT_HANDLER])
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("desk:todo"), {"kind": "intake_receive"})
    assert page.status_code == 200 and len(page.context["due"].rows) == 25
    sql = next(
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith('SELECT "intake_itemcase"."id", "intake_itemcase"."deadline" FROM')
    )
    plan = index_plan(sql, "intake_itemcase")
    assert "itemcase_to_receive" in plan and "Sort" not in plan, plan
