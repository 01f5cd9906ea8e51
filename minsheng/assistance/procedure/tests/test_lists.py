"""The 低保 / 特困 case list reads one page: a query count flat in the number of cases, and (on PostgreSQL) a plan
that ranges over the area prefix in its indexes (docs/architecture.md, "Lists")."""

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
from minsheng.assistance.benefits.tests.endpoints import Family
from minsheng.assistance.procedure.models import ProgrammeCase
from minsheng.assistance.procedure.tests.endpoints import programme_case
from minsheng.intake.models import Application, ItemCase
from minsheng.testing import Personas, area_read, elsewhere, index_plan, list_query

pytestmark = pytest.mark.django_db


def _cases(p: Personas, n: int, *, area_code: str = "", days_ago: int = 0) -> ProgrammeCase:
    """One open case through the builder, and ``n - 1`` decided (enrolled) ones copied from it, each on an item case
    of its own (the lists read rows, not how they were made)."""
    first: ProgrammeCase = programme_case(
        p, Family(p, names=("陈刚",), wage_fen=0), stage="accepted", on=timezone.localdate()
    )
    item_case = ItemCase.objects.unscoped().select_related("application").get(pk=first.case_id)
    application = item_case.application
    copies = Application.objects.bulk_create(
        Application(
            receipt_number=f"P{area_code[-4:]}{days_ago:03d}{n:04d}{k:05d}",
            area_code=_area(area_code, k) or application.area_code,
            person_id=application.person_id,
            channel=application.channel,
        )
        for k in range(1, n)
    )
    fields = [f.attname for f in ItemCase._meta.concrete_fields if f.attname not in {"id", "application_id"}]
    item_cases = ItemCase.objects.bulk_create(
        ItemCase(application=a, **{name: getattr(item_case, name) for name in fields}) for a in copies
    )
    fields = [f.attname for f in ProgrammeCase._meta.concrete_fields if f.attname not in {"id", "case_id"}]
    rows = []
    for k, case in enumerate(item_cases, start=1):
        row = ProgrammeCase(case=case, **{name: getattr(first, name) for name in fields})
        row.stage = ProgrammeCase.Stage.ENROLLED
        row.created_at = first.created_at - dt.timedelta(days=days_ago, minutes=k)
        row.area_code = _area(area_code, k) or first.area_code
        rows.append(row)
    ProgrammeCase.objects.bulk_create(rows)
    return first


def _area(area_code: str, k: int) -> str:
    return elsewhere(k) if area_code == "elsewhere" else area_code


def _client(p: Personas) -> Client:
    client = Client()
    client.force_login(p[Role.TOWNSHIP_WINDOW])
    return client


@pytest.mark.parametrize("rows", [5, 50])
def test_the_case_list_costs_the_same_queries_for_5_cases_as_for_50(
    personas: Personas, django_assert_num_queries: Any, rows: int
) -> None:
    _cases(personas, rows)
    client = _client(personas)
    client.get(reverse("assistance:programme_cases"))
    with django_assert_num_queries(10):  # the page frame counts the open volunteer tasks for the menu badge
        response = client.get(reverse("assistance:programme_cases"))
    page = response.context["page"]
    assert (response.status_code, len(page.rows), page.count) == (200, min(rows, 50), rows)


def test_decided_cases_older_than_the_window_are_listed_when_the_user_goes_back(personas: Personas) -> None:
    first = _cases(personas, 3)
    old = timezone.now() - dt.timedelta(days=200)
    # unscoped: test set-up moves one decided case out of the window
    copy = ProgrammeCase.objects.unscoped().exclude(pk=first.pk).order_by("pk").first()
    assert copy is not None
    ProgrammeCase.objects.unscoped().filter(pk=copy.pk).update(created_at=old)
    client = _client(personas)
    url = reverse("assistance:programme_cases")
    assert client.get(url).context["page"].count == 2  # the open one and the recent decided one
    since = (timezone.localdate() - dt.timedelta(days=365)).isoformat()
    assert client.get(url, {"since": since}).context["page"].count == 3
    assert client.get(url, {"since": "someday"}).status_code == 400


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_the_case_list_reads_its_area_through_its_indexes(personas: Personas) -> None:
    _cases(personas, 5)
    _cases(personas, 500, days_ago=400)  # the area's decided cases of past years
    _cases(personas, 3000, area_code="elsewhere")  # decided cases of the rest of the city
    with CaptureQueriesContext(connection) as captured:
        assert _client(personas).get(reverse("assistance:programme_cases")).status_code == 200
    table = "assistance_programmecase"
    plan = index_plan(list_query(captured.captured_queries, table), table)
    area_read(plan, "assistance_programmecase")  # the area is a range of the index read, in every index read
