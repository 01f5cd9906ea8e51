"""The lists of elderly care read one page by a cursor: the care list and a provider worker's lines by area and id,
the facilities and providers by area, the visits to verify, the liveness checks and the death findings (open work,
all of it) and the settlements (those not paid all, paid ones of the window); a query count flat in the number of
rows; and (on PostgreSQL) plans that read the caller's area as a range of the lists' indexes (docs/architecture.md,
"Lists")."""

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
from minsheng.core.months import month_of
from minsheng.eldercare.models import (
    DeathFinding,
    Elder,
    Facility,
    LivenessCheck,
    OrderLine,
    Provider,
    ServiceVisit,
    Settlement,
)
from minsheng.eldercare.module import STAFF
from minsheng.eldercare.tests.factories import facility, own_provider, record, scenario
from minsheng.payments.tests.factories import enrol
from minsheng.testing import Personas, area_read, copies, elsewhere, index_plan, list_query, make_person

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")


def _persons(first: Any, n: int) -> list[Any]:
    return copies(first, n, lambda k, person: setattr(person, "id_index", f"elder{k:08d}"))


def _elders(p: Personas, n: int, vary: Any = None) -> Elder:
    """The scenario's old person on the list, and ``n - 1`` copies (each of a person of their own)."""
    first: Elder = scenario(p)["elder"]
    persons = _persons(first.person, n - 1)

    def each(k: int, row: Elder) -> None:
        row.person_id = persons[k].pk
        if vary is not None:
            vary(k, row)

    copies(first, n - 1, each)
    return first


def _lines(p: Personas, n: int, vary: Any = None) -> OrderLine:
    """The scenario's line of this month (a visit owed, of the staff persona's provider), and ``n - 1`` copies, each
    of an old person of its own."""
    first: OrderLine = scenario(p)["line"]
    persons = _persons(first.elder.person, n - 1)
    elders = copies(first.elder, n - 1, lambda k, row: setattr(row, "person_id", persons[k].pk))

    def each(k: int, row: OrderLine) -> None:
        row.elder_id = elders[k].pk
        if vary is not None:
            vary(k, row)

    copies(first, n - 1, each)
    return first


def _facilities(p: Personas, n: int, vary: Any = None) -> Facility:
    first = facility(p.village)

    def each(k: int, row: Facility) -> None:
        row.name, row.permit_number = f"敬老院{k:05d}", f"苏养备T{k:06d}"
        if vary is not None:
            vary(k, row)

    copies(first, n - 1, each)
    return first


def _providers(p: Personas, n: int, vary: Any = None) -> Provider:
    """The staff persona's provider (registered by the county), and ``n - 1`` copies."""
    first = own_provider(p)

    def each(k: int, row: Provider) -> None:
        row.name, row.credit_code = f"居家养老服务中心{k:05d}", f"52321302MT{k:08d}"
        if vary is not None:
            vary(k, row)

    copies(first, n - 1, each)
    return first


def _visits(p: Personas, n: int, vary: Any = None) -> ServiceVisit:
    """One visit recorded by the staff persona (to verify), and ``n - 1`` copies checked in a minute apart."""
    first = record(p)
    # unscoped: the test's visit left to the township (a flagged one would be; this one passed the checks)
    ServiceVisit.objects.unscoped().filter(pk=first.pk).update(status=ServiceVisit.Status.RECORDED)

    def each(k: int, row: ServiceVisit) -> None:
        row.client_uuid, row.status = uuid.uuid4(), ServiceVisit.Status.RECORDED
        row.checked_in_at = first.checked_in_at - dt.timedelta(minutes=k + 1)
        row.checked_out_at = row.checked_in_at + dt.timedelta(minutes=40)
        if vary is not None:
            vary(k, row)

    copies(first, n - 1, each)
    return first


def _settlements(p: Personas, n: int, vary: Any = None) -> Settlement:
    """A draft settlement of this month for the staff persona's provider, and ``n - 1`` of the months before."""
    this_month = month_of(timezone.localdate())
    first = Settlement.objects.unscoped().create(
        provider=own_provider(p), area_code=p.county.code, month=this_month, visit_count=3, total_fen=15000
    )

    def each(k: int, row: Settlement) -> None:
        row.month = _months_back(this_month, k + 1)
        if vary is not None:
            vary(k, row)

    copies(first, n - 1, each)
    return first


def _paid(p: Personas, row: Settlement) -> None:
    now = timezone.now()
    row.status, row.prepared_by_id = Settlement.Status.PAID, p[Role.COUNTY_PAYMENT_OFFICER].pk
    row.approved_by_id, row.approved_at = p[Role.COUNTY_APPROVER].pk, now
    row.paid_by_id, row.paid_at = p[Role.COUNTY_PAYMENT_OFFICER].pk, now


def _months_back(month: dt.date, k: int) -> dt.date:
    index = month.year * 12 + month.month - 1 - k
    return dt.date(index // 12, index % 12 + 1, 1)


def _liveness(p: Personas, n: int, vary: Any = None) -> LivenessCheck:
    """A check due of a 尊老金 of the reference village, and ``n - 1`` copies (of other years of the benefit: its
    one check a year; each due a day earlier, over 40 days)."""
    person = make_person(p.village, "百岁", birth="1925-01-01")
    benefit = enrol(person, "elderly", 30_000, area=p.village)
    year = timezone.localdate().year
    first = LivenessCheck.objects.unscoped().create(
        benefit=benefit, person=person, area_code=p.village.code, year=year, due_on=dt.date(year, 6, 30)
    )

    def each(k: int, row: LivenessCheck) -> None:
        row.year, row.due_on = year + k + 1, first.due_on - dt.timedelta(days=k % 40)
        if vary is not None:
            vary(k, row)

    copies(first, n - 1, each)
    return first


def _deaths(p: Personas, n: int, vary: Any = None) -> DeathFinding:
    """An open finding of a 尊老金 of the reference village, and ``n - 1`` copies (each of a person of its own)."""
    person = make_person(p.village, "故老", birth="1930-01-01")
    benefit = enrol(person, "elderly", 30_000, area=p.village)
    month = month_of(timezone.localdate())
    first = DeathFinding.objects.unscoped().create(
        benefit=benefit, person=person, area_code=p.village.code, died_on=timezone.localdate(), record_id=1, month=month
    )
    persons = _persons(person, n - 1)

    def each(k: int, row: DeathFinding) -> None:
        row.person_id, row.month = persons[k].pk, _months_back(month, k % 12)
        if vary is not None:
            vary(k, row)

    copies(first, n - 1, each)
    return first


LISTS: dict[str, tuple[str, Any, type[Any], tuple[str, ...]]] = {
    # list: who reads it, how its rows are made, their model, its order
    "eldercare:elder_list": (Role.COUNTY_APPROVER, _elders, Elder, ("area_code", "id")),
    "eldercare:my_visits": (STAFF, _lines, OrderLine, ("area_code", "id")),
    "eldercare:facility_list": (Role.COUNTY_APPROVER, _facilities, Facility, ("area_code", "kind", "id")),
    "eldercare:provider_list": (Role.COUNTY_APPROVER, _providers, Provider, ("area_code", "name", "id")),
    "eldercare:verify_list": (Role.TOWNSHIP_REVIEWER, _visits, ServiceVisit, ("checked_in_at", "id")),
    "eldercare:settlement_list": (Role.COUNTY_PAYMENT_OFFICER, _settlements, Settlement, ("-month", "-id")),
    "eldercare:liveness_list": (Role.COUNTY_APPROVER, _liveness, LivenessCheck, ("due_on", "id")),
    "eldercare:death_list": (Role.COUNTY_APPROVER, _deaths, DeathFinding, ("month", "id")),
}
# The page's queries, whatever the number of rows: session, user, roles, the page, its capped count, the menu badge;
# the township reviewer's menu has two more (its warnings badge, the roles that bring it).
QUERIES = {**dict.fromkeys(LISTS, 6), "eldercare:verify_list": 8}


def _client(p: Personas, role: str) -> Client:
    client = Client()
    client.force_login(p[role])
    return client


@pytest.mark.parametrize("rows", [5, 60])
@pytest.mark.parametrize("url", list(LISTS))
def test_an_elderly_care_list_costs_the_same_queries_for_5_rows_as_for_60(
    personas: Personas, django_assert_num_queries: Any, url: str, rows: int
) -> None:
    role, make, model, order = LISTS[url]
    make(personas, rows)
    # unscoped: every row, in the list's order, to compare with the pages (the personas read the reference county)
    expected = list(model.objects.unscoped().order_by(*order).values_list("pk", flat=True))
    assert len(expected) == rows
    client = _client(personas, role)
    client.get(reverse(url))
    with django_assert_num_queries(QUERIES[url]):
        response = client.get(reverse(url))
    page = response.context["page"]
    assert (response.status_code, len(page.rows), page.count, page.has_next) == (200, min(rows, 50), rows, rows > 50)
    assert f"共 {rows} 条" in response.content.decode()
    rest = client.get(reverse(url), {"cursor": page.next_cursor}).context["page"] if rows > 50 else None
    shown = [r.pk for r in page.rows] + ([r.pk for r in rest.rows] if rest else [])
    assert shown == expected
    assert rest is None or (len(rest.rows), rest.has_next, rest.has_previous) == (10, False, True)
    if rest is not None:
        back = client.get(reverse(url), {"cursor": rest.previous_cursor}).context["page"]
        assert [r.pk for r in back.rows] == expected[:50]


def test_the_worker_list_keeps_its_element_ids_and_a_forged_cursor_is_refused(personas: Personas) -> None:
    line = _lines(personas, 60)
    client = _client(personas, STAFF)
    response = client.get(reverse("eldercare:my_visits"))
    html = response.content.decode()
    assert ('id="visit-lines"' in html, reverse("eldercare:visit_new", args=[line.pk]) in html) == (True, True)
    assert "?cursor=" in html
    forged = client.get(reverse("eldercare:my_visits"), {"cursor": response.context["page"].next_cursor[:-2]})
    assert (forged.status_code, "页面链接无效" in forged.content.decode()) == (400, True)
    # A cursor of the worker's lines is not one of the care list (each list signs with its own salt).
    cursor = response.context["page"].next_cursor
    assert (
        _client(personas, Role.COUNTY_APPROVER).get(reverse("eldercare:elder_list"), {"cursor": cursor}).status_code
        == 400
    )


def test_paid_settlements_before_the_window_are_listed_when_the_user_goes_back(personas: Personas) -> None:
    def paid(k: int, row: Settlement) -> None:
        if k >= 2:
            _paid(personas, row)

    # this month's (a draft), two months before it (drafts), then paid ones of the 9 months before those
    _settlements(personas, 12, paid)
    client = _client(personas, Role.COUNTY_PAYMENT_OFFICER)
    url = reverse("eldercare:settlement_list")
    response = client.get(url)
    window = month_of(timezone.localdate() - dt.timedelta(days=90))
    # unscoped: the settlements the default window lists: not paid, or paid of the months from the window's on
    listed = Settlement.objects.unscoped().exclude(status=Settlement.Status.PAID, month__lt=window)
    assert response.context["page"].count == listed.count() < 12
    day = (timezone.localdate() - dt.timedelta(days=90)).isoformat()
    assert f"已支付的列出自 {day} 所在月份起的（默认最近 90 天）" in response.content.decode()
    since = {"since": _months_back(month_of(timezone.localdate()), 12).isoformat()}
    assert client.get(url, since).context["page"].count == 12
    bad = client.get(url, {"since": "2026-02-30"})
    assert bad.status_code == 400


def _history(p: Personas, url: str, n: int) -> None:
    """The county's rows beside the rest of the city's (and, where history grows, the county's of past years)."""
    _role, make, _model, _order = LISTS[url]
    today = timezone.localdate()

    def vary(k: int, row: Any) -> None:
        if url == "eldercare:elder_list":
            row.active = k % 5 != 0  # some have left the list
        elif url == "eldercare:my_visits":
            row.delivered = row.owed if k % 4 == 0 else 0  # some delivered
        elif url == "eldercare:verify_list":
            row.status = ServiceVisit.Status.VERIFIED if k % 10 else ServiceVisit.Status.RECORDED
        elif url == "eldercare:settlement_list":
            _paid(p, row)
            row.month = _months_back(month_of(today), 4 + k)
        elif url == "eldercare:liveness_list":
            row.status = LivenessCheck.Status.DUE if k % 10 == 0 else "done"
            row.due_on = today - dt.timedelta(days=k % 700)
        elif url == "eldercare:death_list":
            row.status = DeathFinding.Status.OPEN if k % 10 == 0 else DeathFinding.Status.DISMISSED
        if k >= 300:
            row.area_code = elsewhere(k) if url != "eldercare:provider_list" else elsewhere(k)[:6] + "000000"

    make(p, n, vary)


def _area_range(plan: str, table: str, index: str, prefix: str) -> None:
    """The plan reads ``table`` through ``index`` with the caller's area as a range of it (the "C" collation: plain
    ``>=`` / ``<`` bounds), in the list's order (no sort), and scans nothing whole."""
    assert f"Seq Scan on {table}" not in plan and "Sort" not in plan, plan
    lines = plan.splitlines()
    reads = [n for n, line in enumerate(lines) if f"on {table}" in line and "Index" in line]
    assert reads and all(f"using {index} on" in lines[n] for n in reads), plan
    for n in reads:
        condition = next(c for c in lines[n + 1 : n + 3] if "Index Cond" in c)
        assert f"((area_code)::text >= '{prefix}'::text)" in condition and "((area_code)::text < '" in condition, plan


@on_postgresql
@pytest.mark.parametrize(
    ("url", "role", "index", "prefix"),
    [
        ("eldercare:elder_list", Role.VILLAGE_WORKER, "eldercare_elder_list", "village"),
        ("eldercare:elder_list", Role.COUNTY_APPROVER, "eldercare_elder_list", "321302"),
        ("eldercare:elder_list", Role.CITY_ADMIN, "eldercare_elder_list", "3213"),
        ("eldercare:my_visits", STAFF, "eldercare_line_owed", "321302"),
    ],
)
def test_the_care_list_and_the_worker_list_read_their_area_in_order_through_their_index(
    personas: Personas, url: str, role: str, index: str, prefix: str
) -> None:
    _history(personas, url, 4000)
    table = LISTS[url][2]._meta.db_table
    with CaptureQueriesContext(connection) as captured:
        assert _client(personas, role).get(reverse(url)).status_code == 200
    plan = index_plan(list_query(captured.captured_queries, table), table)
    _area_range(plan, table, index, personas.village.code if prefix == "village" else prefix)


PLANS = {
    "eldercare:facility_list": {"eldercare_facility_list"},
    "eldercare:provider_list": {"eldercare_provider_list"},
    "eldercare:verify_list": {"eldercare_visit_to_verify"},
    "eldercare:settlement_list": {"eldercare_settle_area_month"},
    "eldercare:liveness_list": {"eldercare_liveness_open"},
    "eldercare:death_list": {"eldercare_death_open_area"},
}


@on_postgresql
@pytest.mark.parametrize("url", list(PLANS))
def test_an_elderly_care_list_reads_its_area_through_its_index(personas: Personas, url: str) -> None:
    _history(personas, url, 3000)
    role, _make, model, _order = LISTS[url]
    table = model._meta.db_table
    with CaptureQueriesContext(connection) as captured:
        assert _client(personas, role).get(reverse(url)).status_code == 200
    # the page's query (the facilities list counts each facility's residents in a subquery: its SQL has a COUNT)
    sql = next(q["sql"] for q in captured.captured_queries if f'FROM "{table}"' in q["sql"] and "LIMIT 51" in q["sql"])
    plan = index_plan(sql, table)
    assert area_read(plan, table) <= PLANS[url], plan
