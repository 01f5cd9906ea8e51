"""The funeral lists read one page: cases, price filings, price reports and settlements newest first by a cursor,
what is done (reviewed filings, answered reports, paid settlements, the cases) of the window only, a query count flat
in the number of rows, and (on PostgreSQL) plans that range over the area prefix in the lists' indexes
(docs/architecture.md, "Lists")."""

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
from minsheng.core.months import add_months
from minsheng.funeral.models import Complaint, FuneralCase, PriceFiling, Settlement
from minsheng.funeral.module import STAFF
from minsheng.funeral.services import complaint_submit
from minsheng.funeral.tests.factories import case, filing, own_facility, settlement
from minsheng.testing import Personas, area_read, copies, elsewhere, index_plan, list_query

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")


def _cases(p: Personas, n: int, vary: Any = None) -> FuneralCase:
    """One case at the staff persona's funeral home through the service, and ``n - 1`` copies of it."""
    first = case(p)

    def each(k: int, row: FuneralCase) -> None:
        row.number, row.id_index = f"F{k:08d}", f"copy{k:08d}"
        if vary is not None:
            vary(k, row)

    copies(first, n - 1, each)
    return first


def _answered(row: Complaint, p: Personas, at: dt.datetime) -> None:
    row.submitted_at, row.status, row.answer = at, Complaint.Status.ANSWERED, "已核实并责令退还多收费用"
    row.answered_at, row.answered_by_id = at + dt.timedelta(days=1), p[Role.COUNTY_APPROVER].pk


def _complaints(p: Personas, n: int, vary: Any = None) -> Complaint:
    first = complaint_submit(
        facility=own_facility(p),
        kind="above_filed",
        text="告别厅收费高于公示价格",
        contact_name="王女士",
        contact_phone="13812345678",
    )

    def each(k: int, row: Complaint) -> None:
        row.receipt_number = f"C{k:08d}"
        if vary is not None:
            vary(k, row)

    copies(first, n - 1, each)
    return first


def _returned(row: PriceFiling, p: Personas, at: dt.datetime) -> None:
    row.submitted_at, row.status, row.review_note = at, PriceFiling.Status.RETURNED, "价格依据不足"
    row.reviewed_at, row.reviewed_by_id = at + dt.timedelta(days=1), p[Role.COUNTY_APPROVER].pk


def _filings(p: Personas, n: int, vary: Any = None) -> PriceFiling:
    """One filing waiting for review through the service, and ``n - 1`` returned copies (one waits at a time)."""
    first = filing(p)
    now = timezone.now()
    copies(first, n - 1, vary or (lambda k, row: _returned(row, p, now - dt.timedelta(minutes=k + 1))))
    return first


def _client(p: Personas, role: str) -> Client:
    client = Client()
    client.force_login(p[role])
    return client


LISTS: dict[str, tuple[str, Any, type[Any], str]] = {
    # list: who reads it, how its rows are made, their model, their table
    "funeral:case_list": (STAFF, _cases, FuneralCase, "funeral_funeralcase"),
    "funeral:filing_list": (STAFF, _filings, PriceFiling, "funeral_pricefiling"),
    "funeral:complaint_list": (Role.COUNTY_APPROVER, _complaints, Complaint, "funeral_complaint"),
}
# The page's queries, whatever the number of rows: session, user, roles, the page, its capped count, the menu badges.
QUERIES = {"funeral:case_list": 6, "funeral:filing_list": 6, "funeral:complaint_list": 6}
ORDER = {"funeral:case_list": "-registered_at", "funeral:filing_list": "-submitted_at"}


@pytest.mark.parametrize("rows", [5, 60])
@pytest.mark.parametrize("url", list(LISTS))
def test_a_funeral_list_costs_the_same_queries_for_5_rows_as_for_60(
    personas: Personas, django_assert_num_queries: Any, url: str, rows: int
) -> None:
    role, make, model, _table = LISTS[url]
    make(personas, rows)
    client = _client(personas, role)
    client.get(reverse(url))
    with django_assert_num_queries(QUERIES[url]):
        response = client.get(reverse(url))
    page = response.context["page"]
    assert (response.status_code, len(page.rows), page.count, page.has_next) == (200, min(rows, 50), rows, rows > 50)
    rest = client.get(reverse(url), {"cursor": page.next_cursor}) if rows > 50 else None
    shown = [r.pk for r in page.rows] + ([r.pk for r in rest.context["page"].rows] if rest else [])
    order = ORDER.get(url, "-submitted_at")
    assert shown == list(model.objects.unscoped().order_by(order, "-id").values_list("pk", flat=True))


def test_what_is_done_before_the_window_is_listed_when_the_user_goes_back(personas: Personas) -> None:
    long_ago = timezone.now() - dt.timedelta(days=200)
    since = {"since": (timezone.localdate() - dt.timedelta(days=201)).isoformat()}
    _cases(personas, 3, lambda k, row: setattr(row, "registered_at", long_ago))
    _complaints(personas, 3, lambda k, row: _answered(row, personas, long_ago))
    _filings(personas, 3, lambda k, row: _returned(row, personas, long_ago))
    for url, role, shown in [
        ("funeral:case_list", STAFF, "默认最近 90 天"),
        ("funeral:filing_list", STAFF, "待审核的价格备案全部列出"),
        ("funeral:complaint_list", Role.COUNTY_APPROVER, "待答复的价格举报全部列出"),
    ]:
        client = _client(personas, role)
        response = client.get(reverse(url))
        # The recent case; the filing waiting for review; the report waiting for an answer.
        assert (response.context["page"].count, shown in response.content.decode()) == (1, True), url
        assert client.get(reverse(url), since).context["page"].count == 3, url
        bad = client.get(reverse(url), {"since": "2026-02-30"})
        assert (bad.status_code, "起始日期" in bad.content.decode()) == (400, True), url
    forged = _client(personas, STAFF).get(reverse("funeral:case_list"), {"cursor": "eyJkIjoibiJ9:forged:sig"})
    assert (forged.status_code, "页面链接无效" in forged.content.decode()) == (400, True)
    returned = _client(personas, STAFF).get(reverse("funeral:filing_list"), {"status": "returned", **since})
    assert returned.context["page"].count == 2


def _pending_elsewhere(p: Personas, n: int) -> None:
    """Facilities of the rest of the city, each with its filing waiting for review (one a facility at a time)."""
    first = own_facility(p)
    places = copies(first, n, lambda k, f: setattr_all(f, area_code=elsewhere(k), name=f"殡仪馆{k}"))
    pending = PriceFiling.objects.unscoped().get(status=PriceFiling.Status.SUBMITTED)
    copies(pending, n, lambda k, f: setattr_all(f, facility_id=places[k].pk, area_code=places[k].area_code))


def setattr_all(row: Any, **values: Any) -> None:
    for name, value in values.items():
        setattr(row, name, value)


# The county reads every list (its staff, its approver); the city's whole range is read for the cases (the list the
# city reads most: deaths of the whole city). Filings and reports are a few a facility a year: the city's read of
# them is not bounded by an index in time order (docs/architecture.md, "Lists").
PLAN_CASES = [*((url, Role.COUNTY_APPROVER) for url in LISTS), ("funeral:case_list", Role.CITY_ADMIN)]


@on_postgresql
@pytest.mark.parametrize(("url", "role"), PLAN_CASES)
def test_a_funeral_list_reads_its_area_through_its_indexes(personas: Personas, url: str, role: str) -> None:
    _role, make, _model, table = LISTS[url]
    now = timezone.now()

    def history(k: int, row: Any) -> None:  # the county's rows of years past, the rest of the city's
        old = now - dt.timedelta(days=400 + k % 700)
        if url == "funeral:case_list":
            row.number, row.id_index, row.registered_at = f"F{k:08d}", f"copy{k:08d}", old
        elif url == "funeral:complaint_list":
            row.receipt_number = f"C{k:08d}"
            _answered(row, personas, old)
        else:
            _returned(row, personas, old)
        if k >= 500:
            row.area_code = elsewhere(k)
            if url == "funeral:complaint_list" and k % 10 == 0:  # the city's reports waiting for an answer
                row.status, row.answer, row.answered_at, row.answered_by_id = Complaint.Status.OPEN, "", None, None

    make(personas, 3500, history)
    if url == "funeral:filing_list":
        _pending_elsewhere(personas, 300)
    with CaptureQueriesContext(connection) as captured:
        assert _client(personas, role).get(reverse(url)).status_code == 200
    plan = index_plan(list_query(captured.captured_queries, table), table)
    expected = {
        "funeral:case_list": {"funeral_case_area_time"},
        "funeral:filing_list": {"funeral_filing_status_area", "funeral_filing_area_time"},
        "funeral:complaint_list": {"funeral_complaint_open_area", "funeral_complaint_area_time"},
    }
    assert area_read(plan, table) <= expected[url], plan


# --- Settlements ----------------------------------------------------------------------------------------------------


def _settlements(p: Personas, n: int, vary: Any = None) -> Settlement:
    """Last month's settlement of the staff persona's funeral home through the services, and ``n - 1`` copies of it
    for the months before (one a facility a month), changed by ``vary(k, row)``."""
    first = settlement(p)

    def each(k: int, row: Settlement) -> None:
        row.period = add_months(first.period, -(k + 1))
        if vary is not None:
            vary(k, row)

    copies(first, n - 1, each)
    return first


def _paid(row: Settlement, p: Personas) -> None:
    row.status, row.approved_by_id, row.approved_at = Settlement.Status.PAID, p[Role.COUNTY_APPROVER].pk, timezone.now()
    row.paid_by_id, row.paid_at = p[Role.COUNTY_PAYMENT_OFFICER].pk, timezone.now()


@pytest.mark.parametrize("rows", [5, 60])
def test_the_settlements_list_costs_the_same_queries_for_5_settlements_as_for_60(
    personas: Personas, django_assert_num_queries: Any, rows: int
) -> None:
    _settlements(personas, rows)
    client = _client(personas, Role.COUNTY_APPROVER)
    url = reverse("funeral:settlement_list")
    client.get(url)
    with django_assert_num_queries(6):  # as the lists above
        response = client.get(url)
    page = response.context["page"]
    assert (response.status_code, len(page.rows), page.count, page.has_next) == (200, min(rows, 50), rows, rows > 50)
    rest = client.get(url, {"cursor": page.next_cursor}).context["page"] if rows > 50 else None
    shown = [s.pk for s in page.rows] + ([s.pk for s in rest.rows] if rest else [])
    # unscoped: every settlement, the latest month first, to compare with the pages
    assert shown == list(Settlement.objects.unscoped().order_by("-period", "-id").values_list("pk", flat=True))


def test_settlements_paid_before_the_window_are_listed_when_the_user_goes_back(personas: Personas) -> None:
    # Last month's, and those 3 and 4 months back, wait; the one 2 months back and those 5 and more months back are
    # paid (the window's month, 90 days back, is 3 or 4 months back: 2 months back is within it, 5 never).
    _settlements(personas, 12, lambda k, row: _paid(row, personas) if k == 0 or k >= 3 else None)
    client = _client(personas, STAFF)  # the funeral home's own settlements
    url = reverse("funeral:settlement_list")
    response = client.get(url)
    assert [s.status for s in response.context["page"].rows] == ["draft", "paid", "draft", "draft"]
    assert "默认最近 90 天" in response.content.decode()
    since = add_months(timezone.localdate().replace(day=1), -13).isoformat()
    assert client.get(url, {"since": since}).context["page"].count == 12
    bad = client.get(url, {"since": "2026-02-30"})
    assert (bad.status_code, "起始日期" in bad.content.decode()) == (400, True)
    forged = client.get(url, {"cursor": "eyJkIjoibiJ9:forged:sig"})
    assert (forged.status_code, "页面链接无效" in forged.content.decode()) == (400, True)


@on_postgresql
def test_the_settlements_list_reads_its_area_through_its_index(personas: Personas) -> None:
    """Ten years of the county's funeral homes' months, and the rest of the city's."""
    facilities = copies(
        own_facility(personas), 40, lambda k, f: setattr_all(f, area_code=elsewhere(k), name=f"殡仪馆{k}")
    )

    def history(k: int, row: Settlement) -> None:
        row.period = add_months(row.period, -(k % 120) - 1)
        _paid(row, personas)
        if k >= 120:
            place = facilities[k % 40]
            row.facility_id, row.area_code = place.pk, place.area_code
            row.period = add_months(row.period, -(k // 40))

    _settlements(personas, 3500, history)
    with CaptureQueriesContext(connection) as captured:
        assert _client(personas, Role.COUNTY_APPROVER).get(reverse("funeral:settlement_list")).status_code == 200
    plan = index_plan(list_query(captured.captured_queries, "funeral_settlement"), "funeral_settlement")
    assert area_read(plan, "funeral_settlement") == {"funeral_settlement_area_month"}, plan
