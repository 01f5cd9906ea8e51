"""The exchange's lists read one page: the verifications, the feeds (newest first, the window), a feed's records to
check (by row, of up to two million), the findings (one check, area by area) and the monthly checks (the latest month
first): a query count flat in the number of rows, and (on PostgreSQL) plans that range over the area prefix in their
indexes, or read the months from the latest through theirs (docs/architecture.md, "Lists")."""

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
from minsheng.exchange.models import Feed, FeedRecord, Finding, MonthlyCheck, Verification
from minsheng.exchange.services import monthly_check_start
from minsheng.exchange.tests.factories import authorise, death_feed, family, id_number, upload_contributions
from minsheng.exchange.verification import verification_request
from minsheng.testing import Personas, area_read, copies, elsewhere, index_plan, list_query

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")


def _verifications(p: Personas, n: int, status: str = Verification.Status.SUBMITTED) -> Verification:
    """``n`` requests of one household of the reference village: one through the service, the others copied."""
    household, head, spouse, _child = family(p)
    authorise(p, household, [head, spouse])
    first = verification_request(actor=p[Role.TOWNSHIP_WINDOW], household=household, purpose="dibao")
    fields = [f.attname for f in Verification._meta.concrete_fields if f.attname not in {"id", "recheck_of_id"}]
    copies = []
    for k in range(1, n):
        row = Verification(**{name: getattr(first, name) for name in fields})
        row.number = f"{first.number[:16]}L{k:04d}"
        row.status = status
        row.requested_at = first.requested_at - dt.timedelta(minutes=k)
        copies.append(row)
    Verification.objects.bulk_create(copies)
    return first


def _client(p: Personas) -> Client:
    client = Client()
    client.force_login(p[Role.TOWNSHIP_WINDOW])
    return client


@pytest.mark.parametrize("rows", [5, 50])
def test_the_verification_list_costs_the_same_queries_for_5_requests_as_for_50(
    personas: Personas, django_assert_num_queries: Any, rows: int
) -> None:
    _verifications(personas, rows)
    client = _client(personas)
    client.get(reverse("exchange:verification_list"))
    with django_assert_num_queries(9):  # with the menu badge of open volunteer tasks
        response = client.get(reverse("exchange:verification_list"))
    page = response.context["page"]
    assert (response.status_code, len(page.rows), page.count) == (200, min(rows, 50), rows)


def test_reported_requests_older_than_the_window_are_listed_when_the_user_goes_back(personas: Personas) -> None:
    first = _verifications(personas, 3, status=Verification.Status.REPORTED)
    old = timezone.now() - dt.timedelta(days=200)
    # unscoped: test set-up moves one reported request out of the window
    Verification.objects.unscoped().exclude(pk=first.pk).filter(number__endswith="L0001").update(requested_at=old)
    client = _client(personas)
    assert client.get(reverse("exchange:verification_list")).context["page"].count == 2  # the open one and one
    since = (timezone.localdate() - dt.timedelta(days=365)).isoformat()
    assert client.get(reverse("exchange:verification_list"), {"since": since}).context["page"].count == 3
    assert client.get(reverse("exchange:verification_list"), {"cursor": "forged"}).status_code == 400


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_the_verification_list_reads_its_area_through_its_indexes(personas: Personas) -> None:
    first = _verifications(personas, 5)
    old = timezone.now() - dt.timedelta(days=400)

    def reported(k: int, row: Verification) -> None:  # the village's reported requests of past years
        row.number, row.status, row.requested_at = f"H{k:08d}", Verification.Status.REPORTED, old

    def others(k: int, row: Verification) -> None:  # requests of another county
        row.number, row.area_code = f"E{k:08d}", elsewhere(k)

    copies(first, 500, reported)
    copies(first, 3000, others)
    with CaptureQueriesContext(connection) as captured:
        assert _client(personas).get(reverse("exchange:verification_list")).status_code == 200
    plan = index_plan(list_query(captured.captured_queries, "exchange_verification"), "exchange_verification")
    area_read(plan, "exchange_verification")  # the area is a range of the index read, in every index read


# --- The feeds, a feed's records, the findings ---------------------------------------------------------------------


def _set(instance: Any, **values: Any) -> None:
    for name, value in values.items():
        setattr(instance, name, value)


def _city(p: Personas) -> Client:
    client = Client()
    client.force_login(p[Role.CITY_ADMIN])
    return client


def _feeds(p: Personas, n: int, *, days_ago: int = 0) -> Feed:
    """``n`` feeds of the city: one through the service (one record, unmatched), the others copied, a minute apart,
    ``days_ago`` back."""
    first = death_feed(p, rows=((id_number(901), "查无此人", "2026-11-02"),))
    now = timezone.now() - dt.timedelta(days=days_ago)
    Feed.objects.unscoped().filter(pk=first.pk).update(received_at=now)
    first.refresh_from_db()

    def vary(k: int, row: Feed) -> None:
        row.batch, row.digest, row.received_at = (
            f"L{days_ago}-{k}",
            f"{days_ago}-{k}",
            now - dt.timedelta(minutes=k + 1),
        )

    copies(first, n - 1, vary)
    return first


def _records(feed: Feed, n: int, *, matched_every: int = 0) -> None:
    """``n`` more records of ``feed`` after its first (unmatched) one; with ``matched_every``, every such one is
    matched (the partial index leaves it out)."""
    # unscoped: the test copies the feed's own record
    first = FeedRecord.objects.unscoped().get(feed=feed)

    def vary(k: int, row: FeedRecord) -> None:
        row.row = first.row + k + 1
        if matched_every and k % matched_every:
            row.match = FeedRecord.Match.MATCHED

    copies(first, n, vary)


@pytest.mark.parametrize("rows", [5, 60])
def test_the_feeds_list_costs_the_same_queries_for_5_feeds_as_for_60(
    personas: Personas, django_assert_num_queries: Any, rows: int
) -> None:
    _feeds(personas, rows)
    client = _city(personas)
    client.get(reverse("exchange:feed_list"))
    with django_assert_num_queries(6):  # session, user, roles, the page, its capped count, the menu badges
        response = client.get(reverse("exchange:feed_list"))
    page = response.context["page"]
    assert (response.status_code, len(page.rows), page.count, page.has_next) == (200, min(rows, 50), rows, rows > 50)
    # unscoped: the test reads every feed
    newest = list(Feed.objects.unscoped().order_by("-received_at", "-id").values_list("pk", flat=True))
    assert [f.pk for f in page.rows] == newest[:50]
    if rows > 50:
        rest = client.get(reverse("exchange:feed_list"), {"cursor": page.next_cursor}).context["page"]
        assert [f.pk for f in rest.rows] == newest[50:]


def test_feeds_older_than_the_window_are_listed_when_the_user_goes_back(personas: Personas) -> None:
    _feeds(personas, 2, days_ago=200)
    client = _city(personas)
    response = client.get(reverse("exchange:feed_list"))
    assert (response.status_code, response.context["page"].count) == (200, 0)
    since = (timezone.localdate() - dt.timedelta(days=201)).isoformat()
    assert client.get(reverse("exchange:feed_list"), {"since": since}).context["page"].count == 2
    bad = client.get(reverse("exchange:feed_list"), {"since": "2026-13-01"})
    assert (bad.status_code, bad.context["page"]) == (400, None)
    assert "输入一个有效的日期" in bad.content.decode()
    forged = client.get(reverse("exchange:feed_list"), {"cursor": "forged"})
    assert forged.status_code == 400 and "页面链接无效" in forged.content.decode()


@pytest.mark.parametrize("rows", [5, 150])
def test_a_feeds_records_cost_the_same_queries_for_5_records_as_for_150(
    personas: Personas, django_assert_num_queries: Any, rows: int
) -> None:
    feed = _feeds(personas, 1)
    _records(feed, rows - 1)
    client = _city(personas)
    url = reverse("exchange:feed_detail", args=[feed.pk])
    client.get(url)
    # session, user, roles, the feed, the page, its capped count, the audit row, the menu badges
    with django_assert_num_queries(8):
        response = client.get(url)
    page = response.context["page"]
    assert (response.status_code, len(page.rows), page.count) == (200, min(rows, 100), rows)
    assert [r.row for r in page.rows] == list(range(2, min(rows, 100) + 2))  # the file's header is row 1
    if rows > 100:
        rest = client.get(url, {"cursor": page.next_cursor}).context["page"]
        assert [r.row for r in rest.rows] == list(range(102, rows + 2))
    assert client.get(url, {"cursor": "forged"}).status_code == 400


def _findings(p: Personas, n: int, *, month: dt.date = dt.date(2026, 1, 1), area_code: str = "") -> MonthlyCheck:
    """The monthly check of ``month`` (through the service: the first one finds the household of the reference
    village) with ``n`` findings: those it found and copies of the first finding, each on a record of its own, in
    ``area_code``."""
    if not MonthlyCheck.objects.exists():
        _, head, _, _ = family(p)
        from minsheng.payments.tests.factories import enrol

        enrol(head, "dibao", 156_000, first_month=dt.date(2026, 6, 1))
        upload_contributions(p, [(head, "5000")], batch="RS-lists")
    check = monthly_check_start(actor=None, month=month)
    # unscoped: the test copies the first finding and its record
    finding = Finding.objects.unscoped().order_by("pk").first()
    assert finding is not None
    more = n - Finding.objects.unscoped().filter(check_run=check).count()
    records = copies(finding.record, more, lambda k, r: setattr(r, "row", 10_000 * check.pk + k + 2))

    def vary(k: int, row: Finding) -> None:
        row.check_run_id, row.record_id = check.pk, records[k].pk
        row.area_code = area_code or row.area_code

    copies(finding, more, vary)
    return check


@pytest.mark.parametrize("rows", [5, 150])
def test_the_findings_list_costs_the_same_queries_for_5_findings_as_for_150(
    personas: Personas, django_assert_num_queries: Any, rows: int
) -> None:
    _findings(personas, rows)
    client = Client()
    client.force_login(personas[Role.COUNTY_APPROVER])
    client.get(reverse("exchange:finding_list"))
    with django_assert_num_queries(7):  # session, user, roles, the check, the page, its count, the menu badges
        response = client.get(reverse("exchange:finding_list"))
    page = response.context["page"]
    assert (response.status_code, len(page.rows), page.count) == (200, min(rows, 100), rows)
    # unscoped: the test reads every finding
    in_order = list(Finding.objects.unscoped().order_by("area_code", "id").values_list("pk", flat=True))
    assert [f.pk for f in page.rows] == in_order[:100]
    if rows > 100:
        rest = client.get(reverse("exchange:finding_list"), {"cursor": page.next_cursor}).context["page"]
        assert [f.pk for f in rest.rows] == in_order[100:]


def test_the_findings_list_shows_the_latest_check_unless_the_user_chooses_a_month(personas: Personas) -> None:
    january = _findings(personas, 3)
    february = _findings(personas, 2, month=dt.date(2026, 2, 1))
    client = Client()
    client.force_login(personas[Role.COUNTY_APPROVER])
    latest = client.get(reverse("exchange:finding_list"))
    assert (latest.context["check"], latest.context["page"].count) == (february, 2)
    assert "2026-02" in latest.content.decode()
    chosen = client.get(reverse("exchange:finding_list"), {"month": "2026-01"})
    assert (chosen.context["check"], chosen.context["page"].count) == (january, 3)
    none = client.get(reverse("exchange:finding_list"), {"month": "2025-12"})
    assert (none.status_code, none.context["check"], none.context["page"]) == (200, None, None)
    bad = client.get(reverse("exchange:finding_list"), {"month": "2026-14"})
    assert (bad.status_code, bad.context["page"]) == (400, None)
    assert "请输入月份" in bad.content.decode() or "2026-07" in bad.content.decode()
    assert client.get(reverse("exchange:finding_list"), {"cursor": "forged"}).status_code == 400


@on_postgresql
def test_the_feeds_list_reads_the_window_through_its_time_index(personas: Personas) -> None:
    first = _feeds(personas, 5)
    old = timezone.now() - dt.timedelta(days=400)
    copies(  # years of feeds, of the city and of the rest of the province
        first,
        3000,
        lambda k, f: _set(
            f,
            batch=f"H{k}",
            digest=f"h{k}",
            received_at=old - dt.timedelta(hours=k),
            area_code=f.area_code if k % 2 else "320100000000",
        ),
    )
    with CaptureQueriesContext(connection) as captured:
        assert _city(personas).get(reverse("exchange:feed_list")).status_code == 200
    plan = index_plan(list_query(captured.captured_queries, "exchange_feed"), "exchange_feed")
    assert area_read(plan, "exchange_feed") == {"exchange_feed_time_area"}, plan


@on_postgresql
def test_a_feeds_records_are_read_from_the_cursor_through_the_partial_index(personas: Personas) -> None:
    feed = _feeds(personas, 1)
    _records(feed, 4000, matched_every=20)  # most records matched: not in the partial index
    # Another feed's records to check, as many.
    other = copies(feed, 1, lambda k, f: _set(f, batch="other", digest="other"))[0]
    # unscoped: the test copies the feed's own record
    record = FeedRecord.objects.unscoped().get(feed=feed, row=2)
    copies(record, 2000, lambda k, r: _set(r, feed_id=other.pk, row=k + 2))
    client = _city(personas)
    url = reverse("exchange:feed_detail", args=[feed.pk])
    first = client.get(url).context["page"]
    assert first.count == 201  # its first record and every twentieth copy
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, {"cursor": first.next_cursor}).status_code == 200
    plan = index_plan(list_query(captured.captured_queries, "exchange_feedrecord"), "exchange_feedrecord")
    assert area_read(plan, "exchange_feedrecord") == {"exchange_record_problem"}, plan
    assert '"row" >' in plan or "(row >" in plan, plan  # the page starts at its cursor in the index


@on_postgresql
@pytest.mark.parametrize("role", [Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER])
def test_the_findings_list_reads_one_check_of_its_area_through_its_index(personas: Personas, role: Role) -> None:
    _findings(personas, 5)
    for k, month in enumerate((dt.date(2025, 10, 1), dt.date(2025, 11, 1), dt.date(2025, 12, 1))):
        _findings(personas, 1000, month=month, area_code=elsewhere(k))  # earlier checks, of the rest of the city
    latest = _findings(personas, 1000, month=dt.date(2026, 2, 1), area_code=elsewhere(7))
    client = Client()
    client.force_login(personas[role])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("exchange:finding_list"), {"month": "2026-01"})
    assert (response.status_code, response.context["page"].count) == (200, 5)
    assert latest.pk != response.context["check"].pk
    plan = index_plan(list_query(captured.captured_queries, "exchange_finding"), "exchange_finding")
    assert "exchange_finding_check_area" in area_read(plan, "exchange_finding"), plan


# --- The monthly checks ---------------------------------------------------------------------------------------------


def _checks(n: int) -> MonthlyCheck:
    """``n`` monthly checks done, one a month back from January 2026 (written straight: the list is the point)."""
    first = MonthlyCheck.objects.create(month=dt.date(2026, 1, 1), status=MonthlyCheck.Status.DONE, findings=3)
    copies(first, n - 1, lambda k, row: _set(row, month=add_months(first.month, -(k + 1)), findings=k))
    return first


@pytest.mark.parametrize("rows", [5, 30])
def test_the_monthly_checks_cost_the_same_queries_for_5_months_as_for_30(
    personas: Personas, django_assert_num_queries: Any, rows: int
) -> None:
    _checks(rows)
    client = _city(personas)
    url = reverse("exchange:check_list")
    client.get(url)
    with django_assert_num_queries(6):  # session, user, roles, the page, its count, the menu badges
        response = client.get(url)
    page = response.context["page"]
    assert (response.status_code, len(page.rows), page.count, page.has_next) == (200, min(rows, 24), rows, rows > 24)
    rest = client.get(url, {"cursor": page.next_cursor}).context["page"] if rows > 24 else None
    shown = [c.month for c in page.rows] + ([c.month for c in rest.rows] if rest else [])
    assert shown == [add_months(dt.date(2026, 1, 1), -k) for k in range(rows)]  # the latest first, each once
    assert rest is None or (rest.has_next, rest.has_previous) == (False, True)
    forged = client.get(url, {"cursor": "eyJkIjoibiJ9:forged:sig"})
    assert (forged.status_code, "页面链接无效" in forged.content.decode()) == (400, True)


@on_postgresql
def test_the_monthly_checks_are_read_from_the_latest_month_through_its_index(personas: Personas) -> None:
    _checks(600)
    with CaptureQueriesContext(connection) as captured:
        assert _city(personas).get(reverse("exchange:check_list")).status_code == 200
    plan = index_plan(list_query(captured.captured_queries, "exchange_monthlycheck"), "exchange_monthlycheck")
    assert "Seq Scan" not in plan, plan
    assert "Index Scan Backward using exchange_monthlycheck_month_key on exchange_monthlycheck" in plan, plan
