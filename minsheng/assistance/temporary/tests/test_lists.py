"""The temporary-assistance list reads one page: newest first by a cursor, the closed cases of the window only, an
overdue count read from at most its cap, a query count flat in the number of cases, and (on PostgreSQL) plans that
range over the area prefix in the list's indexes (docs/architecture.md, "Lists")."""

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
from minsheng.assistance.temporary import selectors
from minsheng.assistance.temporary.models import TemporaryAid
from minsheng.assistance.temporary.services import temporary_aid_open
from minsheng.intake.models import Application, ItemCase
from minsheng.testing import Personas, area_read, copies, elsewhere, index_plan, list_query, make_person

pytestmark = pytest.mark.django_db

Status = TemporaryAid.Status
TABLE = "assistance_temporaryaid"
CASE_FIELDS = [f.attname for f in ItemCase._meta.concrete_fields if f.attname not in {"id", "application_id"}]


def _aids(p: Personas, n: int, tag: str, vary: Any = None) -> TemporaryAid:
    """One case paid first in the reference village through the service, and ``n - 1`` copies of it (each with its
    own application and item case), changed by ``vary(k, aid)``."""
    first = temporary_aid_open(
        actor=p[Role.TOWNSHIP_WINDOW],
        person=make_person(p.village, "张伟"),
        kind="urgent",
        event="家中失火，衣物被褥烧毁",
        requested_fen=80_000,
    )
    case = first.item_case
    applications = copies(case.application, n - 1, lambda k, a: setattr(a, "receipt_number", f"T{tag}{k:07d}"))
    cases = ItemCase.objects.bulk_create(
        ItemCase(**{**{f: getattr(case, f) for f in CASE_FIELDS}, "application_id": a.pk}) for a in applications
    )

    def each(k: int, aid: TemporaryAid) -> None:
        aid.item_case_id = cases[k].pk
        if vary is not None:
            vary(k, aid)

    copies(first, n - 1, each)
    return first


def _late(k: int, aid: TemporaryAid) -> None:
    aid.papers_due = timezone.localdate() - dt.timedelta(days=3)


def _client(p: Personas, role: Role = Role.TOWNSHIP_WINDOW) -> Client:
    client = Client()
    client.force_login(p[role])
    return client


# session, user, roles, the page, its capped count, the overdue count, the items waiting, the menu badges
QUERIES = 9


@pytest.mark.parametrize("rows", [5, 60])
def test_the_temporary_list_costs_the_same_queries_for_5_cases_as_for_60(
    personas: Personas, django_assert_num_queries: Any, rows: int
) -> None:
    first = _aids(personas, rows, "Q", _late)
    client = _client(personas)
    client.get(reverse("assistance:temporary_list"))
    with django_assert_num_queries(QUERIES):
        response = client.get(reverse("assistance:temporary_list"))
    page, context = response.context["page"], response.context
    assert (response.status_code, len(page.rows), page.count, page.has_next) == (200, min(rows, 50), rows, rows > 50)
    assert (context["overdue_count"], context["overdue_capped"]) == (rows - 1, False)  # the copies' papers are late
    everything = sorted(TemporaryAid.objects.unscoped().values_list("created_at", "pk"), reverse=True)
    rest = client.get(reverse("assistance:temporary_list"), {"cursor": page.next_cursor}) if rows > 50 else None
    shown = [a.pk for a in page.rows] + ([a.pk for a in rest.context["page"].rows] if rest else [])
    assert shown == [pk for _at, pk in everything] and first.pk in shown


def test_closed_cases_older_than_the_window_are_listed_when_the_user_goes_back(personas: Personas) -> None:
    old = timezone.now() - dt.timedelta(days=200)

    def closed_long_ago(k: int, aid: TemporaryAid) -> None:
        aid.status, aid.created_at = (Status.COMPLETED, Status.REFUSED)[k % 2], old

    first = _aids(personas, 3, "W", closed_long_ago)
    client = _client(personas)
    response = client.get(reverse("assistance:temporary_list"))
    assert [a.pk for a in response.context["page"].rows] == [first.pk]  # the open one; the closed two are too old
    assert "默认最近 90 天" in response.content.decode()
    since = (timezone.localdate() - dt.timedelta(days=201)).isoformat()
    assert client.get(reverse("assistance:temporary_list"), {"since": since}).context["page"].count == 3
    completed = client.get(reverse("assistance:temporary_list"), {"status": "completed", "since": since})
    assert completed.context["page"].count == 1
    bad = client.get(reverse("assistance:temporary_list"), {"since": "2026-02-30"})
    assert (bad.status_code, "起始日期" in bad.content.decode()) == (400, True)
    forged = client.get(reverse("assistance:temporary_list"), {"cursor": "forged"})
    assert (forged.status_code, "页面链接无效" in forged.content.decode()) == (400, True)


def test_the_overdue_count_stops_at_its_cap(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selectors, "OVERDUE_COUNT_CAP", 3)
    _aids(personas, 6, "C", _late)
    response = _client(personas).get(reverse("assistance:temporary_list"))
    assert (response.context["overdue_count"], response.context["overdue_capped"]) == (3, True)
    assert "先行救助后手续逾期的案件：超过 3 件。" in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
@pytest.mark.parametrize("role", [Role.TOWNSHIP_WINDOW, Role.COUNTY_APPROVER])
def test_the_temporary_list_and_its_overdue_count_read_the_area_through_their_indexes(
    personas: Personas, role: Role
) -> None:
    old = timezone.now() - dt.timedelta(days=700)

    def history(k: int, aid: TemporaryAid) -> None:  # the village's closed cases of years ago, the rest of the city's
        aid.status, aid.created_at = Status.COMPLETED, old + dt.timedelta(hours=k)
        if k >= 500:
            aid.area_code = elsewhere(k)
            aid.status = (Status.COMPLETED, Status.PAID_FIRST)[k % 2]
            aid.papers_due = timezone.localdate() - dt.timedelta(days=k % 30)

    _aids(personas, 3501, "P", history)
    client = _client(personas, role)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("assistance:temporary_list")).status_code == 200
    plan = index_plan(list_query(captured.captured_queries, TABLE), TABLE)
    assert area_read(plan, TABLE) <= {"temporary_area_time", "temporary_status_area_due"}, plan
    overdue = f'"{TABLE}"."papers_due" <'
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"] and overdue in q["sql"]]
    assert len(counts) == 1 and "LIMIT 1001" in counts[0], counts
    count_plan = index_plan(counts[0], TABLE)
    assert area_read(count_plan, TABLE) == {"temporary_status_area_due"}, count_plan
    assert Application.objects.unscoped().count() == 3501
