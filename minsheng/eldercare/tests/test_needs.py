"""The page of the care needs no provider covers: the user's areas only, filtered by month and status, a bad filter
is a 400 in Chinese, and its queries do not grow with the rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.eldercare.models import UncoveredNeed
from minsheng.testing import Personas

pytestmark = pytest.mark.django_db
MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)


def _need(area: str, service: str, month: dt.date, elders: int, **fields: Any) -> UncoveredNeed:
    return UncoveredNeed.objects.create(area_code=area, service=service, month=month, elders=elders, **fields)


def _rows(client: Client, query: str = "") -> list[tuple[str, str, int]]:
    response = client.get(reverse("eldercare:need_list") + query)
    assert response.status_code == 200
    return [(n.area_code, n.service, n.elders) for n in response.context["page"]]


def test_the_needs_page_shows_the_users_areas_by_month_and_status(personas: Personas) -> None:
    _need(personas.village.code, "bathing", MARCH, 12)
    _need(
        personas.village.code,
        "meal",
        APRIL,
        3,
        status="done",
        outcome="已送餐",
        hours_tenths=45,
        done_at=dt.datetime(2026, 4, 20, tzinfo=dt.UTC),
    )
    _need(personas.other_village.code, "bathing", APRIL, 7)
    client = Client()
    client.force_login(personas[Role.TOWNSHIP_REVIEWER])
    assert _rows(client) == [(personas.village.code, "meal", 3), (personas.village.code, "bathing", 12)]
    assert _rows(client, "?month=2026-03") == [(personas.village.code, "bathing", 12)]
    assert _rows(client, "?status=done") == [(personas.village.code, "meal", 3)]
    page = client.get(reverse("eldercare:need_list")).content.decode()
    assert "助浴" in page and "已送餐" in page and "4.5" in page
    bad = client.get(reverse("eldercare:need_list") + "?month=2026-13")
    assert bad.status_code == 400
    assert "请按 YYYY-MM 格式填写月份。" in bad.content.decode()
    assert client.get(reverse("eldercare:need_list") + "?status=closed").status_code == 400
    # The compliance page links to the needs of its month.
    compliance = client.get(reverse("eldercare:compliance") + "?month=2026-03").content.decode()
    assert f'href="{reverse("eldercare:need_list")}?month=2026-03"' in compliance


def test_the_needs_page_reads_the_same_queries_for_5_and_50_rows(personas: Personas) -> None:
    client = Client()
    client.force_login(personas[Role.COUNTY_APPROVER])
    url = reverse("eldercare:need_list")
    client.get(url)  # the session's first reads

    def fill(start: int, count: int) -> int:
        for n in range(start, start + count):
            _need(personas.village.code, "bathing", dt.date(2020 + n // 12, n % 12 + 1, 1), n)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert len(response.context["page"]) == start + count
        return len(queries.captured_queries)

    assert fill(0, 5) == fill(5, 45)
