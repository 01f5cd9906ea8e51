"""The organisations list reads one page: by area and name with a cursor, a capped count, a query count flat in the
number of organisations, and (on PostgreSQL) a plan that reads the reader's two prefix ranges (domicile or
registrar) through their indexes, never the whole registry (docs/architecture.md, "Lists")."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.core import keyset
from minsheng.social.models import Organisation
from minsheng.social.tests.factories import code, organisation
from minsheng.testing import Personas, copies, elsewhere, index_plan, list_query

pytestmark = pytest.mark.django_db

TABLE = "social_organisation"


def _organisations(p: Personas, n: int, vary: Any = None) -> Organisation:
    """One organisation of the reference village registered by the county, and ``n - 1`` copies (names and codes of
    their own) changed by ``vary(k, row)``."""
    first = organisation(p)

    def each(k: int, row: Organisation) -> None:
        row.name, row.credit_code = f"协会{k:05d}", code("1", "321302", 100 + k)
        if vary is not None:
            vary(k, row)

    copies(first, n - 1, each)
    return first


def _client(p: Personas, role: str = Role.COUNTY_APPROVER) -> Client:
    client = Client()
    client.force_login(p[role])
    return client


@pytest.mark.parametrize("rows", [5, 60])
def test_the_organisations_list_costs_the_same_queries_for_5_organisations_as_for_60(
    personas: Personas, django_assert_num_queries: Any, rows: int
) -> None:
    _organisations(personas, rows, lambda k, row: setattr(row, "area_code", personas.township.code[:9] + f"{k:03d}"))
    client = _client(personas)
    url = reverse("social:organisation_list")
    client.get(url)
    with django_assert_num_queries(6):  # session, user, roles, the page, its capped count, the menu badge
        response = client.get(url)
    page = response.context["page"]
    assert (response.status_code, len(page.rows), page.count, page.has_next) == (200, min(rows, 50), rows, rows > 50)
    assert f"共 {rows} 条" in response.content.decode()
    rest = client.get(url, {"cursor": page.next_cursor}).context["page"] if rows > 50 else None
    shown = [o.pk for o in page.rows] + ([o.pk for o in rest.rows] if rest else [])
    # unscoped: every organisation, in the list's order, to compare with the pages
    expected = Organisation.objects.unscoped().order_by("area_code", "name", "id").values_list("pk", flat=True)
    assert shown == list(expected)


def test_the_next_page_keeps_the_filter_and_a_large_count_is_capped(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    _organisations(personas, 120, lambda k, row: setattr(row, "service_field", "culture" if k % 2 else "elderly"))
    client = _client(personas)
    url = reverse("social:organisation_list")
    # unscoped: the elderly-care organisations in the list's order, to compare with the pages
    elderly = Organisation.objects.unscoped().filter(service_field="elderly").order_by("area_code", "name", "id")
    first = client.get(url, {"service_field": "elderly"})
    page = first.context["page"]
    assert (page.count, page.has_next) == (61, True)
    assert "?service_field=elderly&amp;cursor=" in first.content.decode()  # the next page's link keeps the filter
    rest = client.get(url, {"service_field": "elderly", "cursor": page.next_cursor}).context["page"]
    assert [o.pk for o in page.rows] + [o.pk for o in rest.rows] == list(elderly.values_list("pk", flat=True))
    forged = client.get(url, {"cursor": "x" * 20})
    assert (forged.status_code, "页面链接无效" in forged.content.decode()) == (400, True)
    # Above the cap the page says "more than" (the count reads at most COUNT_CAP + 1 rows: core/keyset.py).
    monkeypatch.setattr(keyset, "capped_count", lambda rows, cap: (cap, True))
    assert "超过 1000 条" in client.get(url).content.decode()


def _ranges(plan: str) -> set[str]:
    """The indexes through which ``plan`` reads the organisations, each with the reader's area as a prefix range of
    the domicile or of the registrar; fails when the table is read whole or an index read has no such range."""
    assert f"Seq Scan on {TABLE}" not in plan, plan
    lines, found = plan.splitlines(), set()
    for number, line in enumerate(lines):
        match = re.search(
            rf"Index (?:Only )?Scan (?:Backward )?using (\w+) on {TABLE}\b|Bitmap Index Scan on (\w+)", line
        )
        if not match:
            continue
        condition = next((c for c in lines[number + 1 : number + 3] if "Index Cond" in c), "")
        assert re.search(r"\((area_code|registrar_code)\)::text ~>=~ '321302'", condition), plan
        found.add(match.group(1) or match.group(2))
    assert found, plan
    return found


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
@pytest.mark.parametrize("params", [{}, {"service_field": "culture"}, {"status": "all"}])
def test_the_organisations_list_reads_the_readers_two_ranges_through_their_indexes(
    personas: Personas, params: dict[str, str]
) -> None:
    def registry(k: int, row: Organisation) -> None:  # the county's few hundred, the rest of the city's thousands
        if k >= 300:
            row.area_code = elsewhere(k)
            # a few of those the county registered are domiciled elsewhere; the others are the rest of the city's
            row.registrar_code = personas.county.code if k % 50 == 0 else elsewhere(k)[:6] + "000000"
        row.service_field = "culture" if k % 3 else "elderly"

    _organisations(personas, 4000, registry)
    with CaptureQueriesContext(connection) as captured:
        response = _client(personas).get(reverse("social:organisation_list"), params)
    assert response.status_code == 200
    # the county's 301 and the 74 it registered elsewhere; of culture, 200 and 49
    assert response.context["page"].count == (249 if params.get("service_field") else 375)
    plan = index_plan(list_query(captured.captured_queries, TABLE), TABLE)
    used = _ranges(plan)
    assert "social_org_registrar_prefix" in used, plan  # the organisations the county registered elsewhere
    assert used <= {"social_org_area_name", "social_org_field_area_prefix", "social_org_registrar_prefix"}, plan
