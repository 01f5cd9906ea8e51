"""The organisations list reads one page: by area and name with a cursor, a capped count, a query count flat in the
number of organisations, and (on PostgreSQL) a plan that reads the reader's two prefix ranges (domicile or
registrar) through their indexes, never the whole registry (docs/architecture.md, "Lists")."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.core import keyset
from minsheng.social.models import CharityProject, Donation, Organisation, SocialWorker, Station
from minsheng.social.tests.factories import centre, code, organisation, project, worker
from minsheng.testing import Personas, area_read, copies, elsewhere, index_plan, list_query

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


# --- The centres and stations, the social workers, the charity projects and the public registry ----------------


def _stations(p: Personas, n: int, vary: Any = None) -> Station:
    """The reference village's centre, and ``n - 1`` copies (one open centre an area: each of a community of its
    own)."""
    first = centre(p)

    def each(k: int, row: Station) -> None:
        row.name, row.area_code = f"社区服务中心{k:04d}", p.township.code[:9] + f"{k + 500:03d}"
        if vary is not None:
            vary(k, row)

    copies(first, n - 1, each)
    return first


def _workers(p: Personas, n: int, vary: Any = None) -> SocialWorker:
    first = worker(p)

    def each(k: int, row: SocialWorker) -> None:
        row.name, row.certificate_number = f"社工{k:05d}", f"S2019T{k:06d}"
        if vary is not None:
            vary(k, row)

    copies(first, n - 1, each)
    return first


def _projects(p: Personas, n: int, vary: Any = None) -> CharityProject:
    """An open-ended project of the reference village, and ``n - 1`` copies started a day apart."""
    first = project(p)

    def each(k: int, row: CharityProject) -> None:
        row.name, row.starts_on = f"微心愿{k:04d}", first.starts_on - dt.timedelta(days=k % 40)
        if vary is not None:
            vary(k, row)

    copies(first, n - 1, each)
    return first


def _registry(p: Personas, n: int, vary: Any = None) -> Organisation:
    return _organisations(p, n, vary)


SOCIAL_LISTS: dict[str, tuple[str | None, Any, type[Any], tuple[str, ...], int]] = {
    # list: who reads it (None: anyone, without an account), how its rows are made, their model, its order, and its
    # queries whatever the number of rows (signed in: session, user, roles, the page, its capped count, the menu
    # badge; anonymous: the page and its count)
    "social:station_list": (Role.COUNTY_APPROVER, _stations, Station, ("area_code", "kind", "id"), 6),
    "social:worker_list": (Role.COUNTY_APPROVER, _workers, SocialWorker, ("area_code", "name", "id"), 6),
    "social:project_list": (Role.COUNTY_APPROVER, _projects, CharityProject, ("-starts_on", "-id"), 6),
    "social:public_list": (None, _registry, Organisation, ("area_code", "name", "id"), 2),
}


@pytest.mark.parametrize("rows", [5, 60])
@pytest.mark.parametrize("url", list(SOCIAL_LISTS))
def test_a_social_list_costs_the_same_queries_for_5_rows_as_for_60(
    personas: Personas, django_assert_num_queries: Any, url: str, rows: int
) -> None:
    role, make, model, order, queries = SOCIAL_LISTS[url]
    make(personas, rows)
    # unscoped: every row, in the list's order, to compare with the pages (the county reads them all)
    expected = list(model.objects.unscoped().order_by(*order).values_list("pk", flat=True))
    assert len(expected) == rows
    client = _client(personas, role) if role else Client()
    client.get(reverse(url))
    with django_assert_num_queries(queries):
        response = client.get(reverse(url))
    page = response.context["page"]
    assert (response.status_code, len(page.rows), page.count, page.has_next) == (200, min(rows, 50), rows, rows > 50)
    assert f"共 {rows} 条" in response.content.decode()
    rest = client.get(reverse(url), {"cursor": page.next_cursor}).context["page"] if rows > 50 else None
    shown = [r.pk for r in page.rows] + ([r.pk for r in rest.rows] if rest else [])
    assert shown == expected
    assert rest is None or (len(rest.rows), rest.has_next, rest.has_previous) == (10, False, True)


def test_the_counts_on_a_page_are_its_rows_own(personas: Personas) -> None:
    """The staff of each station and the gifts to each project are counted for the page's rows (subqueries)."""
    station, first = _stations(personas, 3), _workers(personas, 3)
    # unscoped: the test's workers given to the centre, one of them having left
    SocialWorker.objects.unscoped().update(station=station)
    SocialWorker.objects.unscoped().filter(pk=first.pk).update(active=False)
    client = _client(personas, Role.COUNTY_APPROVER)
    rows = client.get(reverse("social:station_list")).context["page"].rows
    assert [(s.pk, s.staff) for s in rows][:1] == [(station.pk, 2)] and {s.staff for s in rows[1:]} == {0}
    gift = _projects(personas, 2)
    for amount in (1000, 2500):
        Donation.objects.create(
            project=gift,
            area_code=gift.area_code,
            donor="爱心人士",
            kind="money",
            amount_fen=amount,
            received_on=dt.date(2026, 1, 1),
            recorded_by=personas[Role.COUNTY_APPROVER],
        )
    projects = {p.pk: (p.gifts, p.given_fen) for p in client.get(reverse("social:project_list")).context["page"]}
    assert sorted(projects.values(), key=str) == sorted([(2, 3500), (0, None)], key=str)


def test_ended_projects_before_the_window_are_listed_when_the_user_goes_back(personas: Personas) -> None:
    old = timezone.localdate() - dt.timedelta(days=200)
    _projects(
        personas,
        4,
        lambda k, row: setattr_all(row, starts_on=old - dt.timedelta(days=30), ends_on=old) if k < 2 else None,
    )
    client = _client(personas, Role.COUNTY_APPROVER)
    url = reverse("social:project_list")
    response = client.get(url)
    assert (response.context["page"].count, "默认最近 90 天" in response.content.decode()) == (2, True)
    since = {"since": (old - dt.timedelta(days=1)).isoformat()}
    assert client.get(url, since).context["page"].count == 4
    bad = client.get(url, {"since": "2026-02-30"})
    assert (bad.status_code, "起始日期" in bad.content.decode()) == (400, True)


def test_the_public_registry_pages_without_an_account_and_keeps_its_filter(personas: Personas) -> None:
    _organisations(personas, 120, lambda k, row: setattr(row, "service_field", "culture" if k % 2 else "elderly"))
    client, url = Client(), reverse("social:public_list")
    first = client.get(url, {"service_field": "elderly"})
    page = first.context["page"]
    assert (first.status_code, page.count, page.has_next) == (200, 61, True)
    assert "?service_field=elderly&amp;cursor=" in first.content.decode()
    rest = client.get(url, {"service_field": "elderly", "cursor": page.next_cursor}).context["page"]
    # unscoped: the registered elderly-care organisations in the list's order, to compare with the pages
    elderly = Organisation.objects.unscoped().filter(service_field="elderly").order_by("area_code", "name", "id")
    assert [o.pk for o in page.rows] + [o.pk for o in rest.rows] == list(elderly.values_list("pk", flat=True))
    # A cursor of the organisations list (signed in) is not one of the public registry.
    inside = _client(personas).get(reverse("social:organisation_list")).context["page"].next_cursor
    assert client.get(url, {"cursor": inside}).status_code == 400


def setattr_all(row: Any, **values: Any) -> None:
    for name, value in values.items():
        setattr(row, name, value)


SOCIAL_PLANS = {
    "social:station_list": {"social_station_list"},
    "social:worker_list": {"social_worker_area_name"},
    "social:project_list": {"social_project_area_end"},
}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
@pytest.mark.parametrize("url", list(SOCIAL_PLANS))
def test_a_social_list_reads_the_countys_range_through_its_index(personas: Personas, url: str) -> None:
    role, make, model, _order, _queries = SOCIAL_LISTS[url]
    today = timezone.localdate()

    def history(k: int, row: Any) -> None:  # the rest of the city's; the projects of past years
        if k >= 300:
            row.area_code = elsewhere(k)
            if url == "social:station_list":  # one open centre an area: the city's older ones closed
                row.closed_on = today - dt.timedelta(days=k)
        if url == "social:project_list":
            row.starts_on = today - dt.timedelta(days=400 + k % 700)
            row.ends_on = row.starts_on + dt.timedelta(days=30)

    make(personas, 3000, history)
    table = model._meta.db_table
    with CaptureQueriesContext(connection) as captured:
        assert _client(personas, role or Role.COUNTY_APPROVER).get(reverse(url)).status_code == 200
    sql = next(q["sql"] for q in captured.captured_queries if f'FROM "{table}"' in q["sql"] and "LIMIT 51" in q["sql"])
    plan = index_plan(sql, table)
    assert area_read(plan, table) <= SOCIAL_PLANS[url], plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_the_public_registry_searched_by_area_reads_its_ranges(personas: Personas) -> None:
    """Without an account there is no scope: a search by area reads that area's two ranges (domicile, registrar)."""

    def registry(k: int, row: Organisation) -> None:
        if k >= 300:
            row.area_code, row.registrar_code = elsewhere(k), elsewhere(k)[:6] + "000000"

    _organisations(personas, 4000, registry)
    with CaptureQueriesContext(connection) as captured:
        response = Client().get(reverse("social:public_list"), {"area": "321302"})
    assert (response.status_code, response.context["page"].count) == (200, 301)  # the first and 300 copies
    plan = index_plan(list_query(captured.captured_queries, TABLE), TABLE)
    assert _ranges(plan) <= {"social_org_area_name", "social_org_registrar_prefix"}, plan
