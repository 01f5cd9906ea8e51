"""The payroll's lists read one page: the batches newest month first by a cursor (reconciled ones of the window
only), a batch's lines by a cursor in the order they were prepared (a county's batch holds tens of thousands), a
query count flat in the number of rows, and (on PostgreSQL) plans that range over the area prefix in their indexes
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

from minsheng.accounts.models import User
from minsheng.accounts.roles import Role
from minsheng.assistance.programmes import Programme
from minsheng.core.months import add_months
from minsheng.payments import services as svc
from minsheng.payments.models import PaymentLine, PayrollBatch
from minsheng.payments.tests.factories import enrol, payee
from minsheng.testing import Personas, area_read, copies, elsewhere, index_plan, list_query

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")

FEB = dt.date(2026, 2, 1)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _batch(p: Personas) -> PayrollBatch:
    """The county's 低保 payroll of February through the service: one line paid to 张一, one held (no account)."""
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    enrol(payee(p.village, "张二", account=""), monthly_fen=88_000)
    return svc.payroll_generate(actor=p[Role.COUNTY_PAYMENT_OFFICER], county=p.county, programme="dibao", period=FEB)


def _month(k: int) -> dt.date:
    """The ``k``-th month back from January 2026 (distinct months for copies of one benefit's line)."""
    return add_months(dt.date(2026, 1, 1), -k)


def _reconciled(
    p: Personas,
    batch: PayrollBatch,
    n: int,
    *,
    since: dt.date | None = None,
    elsewhere_too: bool = False,
    status: str = PayrollBatch.Status.RECONCILED,
) -> list[PayrollBatch]:
    """``n`` reconciled (or ``status``) 特困 copies of ``batch``, one a month back from ``since`` (January 2026 unless
    given); with ``elsewhere_too``, of the other counties of the city."""
    approver = p[Role.COUNTY_APPROVER]
    first = since or dt.date(2026, 1, 1)

    def vary(k: int, row: PayrollBatch) -> None:
        row.period, row.programme = add_months(first, -k), Programme.TEKUN  # not the 低保 batch's months
        row.status, row.approved_by, row.approved_at = status, approver, timezone.now()
        if elsewhere_too:
            row.area_code = elsewhere(k)[:6] + "000000"

    return list(copies(batch, n, vary))


def _lines(batch: PayrollBatch, n: int) -> None:
    """``n`` more lines in ``batch``: copies of its first, each for another month (one live line per benefit and
    month); the batch's figures stored again, as every writer of lines does."""
    # unscoped: the test copies the batch's own line
    first = PaymentLine.objects.unscoped().filter(batch=batch, status=PaymentLine.Status.PENDING).get()
    copies(first, n, lambda k, row: setattr(row, "period", _month(k)))
    svc.batch_totals_store(batch)


@pytest.mark.parametrize("rows", [5, 60])
def test_the_batches_list_costs_the_same_queries_for_5_batches_as_for_60(
    personas: Personas, django_assert_num_queries: Any, rows: int
) -> None:
    batch = _batch(personas)
    # Sent to the bank, not reconciled yet (all listed, whatever their month), as many as the test asks.
    _reconciled(personas, batch, rows - 1, status=PayrollBatch.Status.EXPORTED)
    client = _client(personas[Role.COUNTY_APPROVER])
    client.get(reverse("payments:batch_list"))
    with django_assert_num_queries(6):  # session, user, roles, the page, its capped count, the menu badges
        response = client.get(reverse("payments:batch_list"))
    page = response.context["page"]
    assert (response.status_code, len(page.rows), page.count, page.has_next) == (200, min(rows, 50), rows, rows > 50)
    shown = [b.pk for b in page.rows]
    # unscoped: the test reads every batch
    newest_first = list(PayrollBatch.objects.unscoped().order_by("-period", "-id").values_list("pk", flat=True))
    assert shown == newest_first[:50]
    if rows > 50:
        rest = client.get(reverse("payments:batch_list"), {"cursor": page.next_cursor}).context["page"]
        assert [b.pk for b in rest.rows] == newest_first[50:]


def test_reconciled_batches_older_than_the_window_are_listed_when_the_user_goes_back(personas: Personas) -> None:
    batch = _batch(personas)  # a draft of February 2026: listed whatever its month
    old = (timezone.localdate() - dt.timedelta(days=200)).replace(day=1)
    _reconciled(personas, batch, 2, since=old)
    client = _client(personas[Role.COUNTY_APPROVER])
    response = client.get(reverse("payments:batch_list"))
    assert [b.pk for b in response.context["page"].rows] == [batch.pk]
    assert "reconciled" not in response.content.decode().split('id="batch-table"')[1]
    since = (old - dt.timedelta(days=40)).isoformat()
    assert client.get(reverse("payments:batch_list"), {"since": since}).context["page"].count == 3
    bad = client.get(reverse("payments:batch_list"), {"since": "2026-02-30"})
    assert bad.status_code == 400
    assert "输入一个有效的日期" in bad.content.decode()
    forged = client.get(reverse("payments:batch_list"), {"cursor": "forged"})
    assert forged.status_code == 400
    assert "页面链接无效" in forged.content.decode()


@pytest.mark.parametrize("rows", [5, 150])
def test_a_batchs_lines_cost_the_same_queries_for_5_lines_as_for_150(
    personas: Personas, django_assert_num_queries: Any, rows: int
) -> None:
    batch = _batch(personas)
    _lines(batch, rows - 2)
    client = _client(personas[Role.COUNTY_APPROVER])
    url = reverse("payments:batch_detail", args=[batch.pk])
    client.get(url)
    # session, user, roles, the batch (with its figures), the latest job, the months unpaid before, the page of lines,
    # its capped count, the menu badges
    with django_assert_num_queries(10) as captured:
        response = client.get(url)
    # The lines are read a page at a time, never summed: the reconciliation and the held lines by reason are the
    # figures stored on the batch.
    reads = [q["sql"] for q in captured.captured_queries if "payments_paymentline" in q["sql"]]
    assert len(reads) == 2 and all("LIMIT" in sql and "GROUP BY" not in sql and "SUM(" not in sql for sql in reads)
    assert response.context["report"]["total"] == {"count": rows, "fen": 156_000 * (rows - 1) + 88_000}
    assert response.context["report"]["pending"] == {"count": rows - 1, "fen": 156_000 * (rows - 1)}
    lines = response.context["lines"]
    assert (response.status_code, len(lines.rows), lines.count, lines.has_next) == (
        200,
        min(rows, 100),
        rows,
        rows > 100,
    )
    # unscoped: the test reads every line
    in_order = list(PaymentLine.objects.unscoped().order_by("id").values_list("pk", flat=True))
    assert [line.pk for line in lines.rows] == in_order[:100]
    if rows > 100:
        rest = client.get(url, {"cursor": lines.next_cursor}).context["lines"]
        assert [line.pk for line in rest.rows] == in_order[100:]
        back = client.get(url, {"cursor": rest.previous_cursor}).context["lines"]
        assert [line.pk for line in back.rows] == in_order[:100]


def test_a_batchs_lines_of_one_status_and_bad_filters(personas: Personas) -> None:
    batch = _batch(personas)
    _lines(batch, 3)
    client = _client(personas[Role.COUNTY_PAYMENT_OFFICER])
    url = reverse("payments:batch_detail", args=[batch.pk])
    held = client.get(url, {"status": "held"}).context["lines"]
    assert ([line.payee.name for line in held.rows], held.count) == (["张二"], 1)
    assert client.get(url, {"status": "pending"}).context["lines"].count == 4
    bad = client.get(url, {"status": "lost"})
    assert (bad.status_code, bad.context["lines"]) == (400, None)
    assert "选择一个有效的选项" in bad.content.decode()
    # A cursor of the batches list is refused by the lines (each list signs with its own salt).
    _reconciled(personas, batch, 60, status=PayrollBatch.Status.EXPORTED)
    other = client.get(reverse("payments:batch_list")).context["page"].next_cursor
    assert client.get(url, {"cursor": other}).status_code == 400


@on_postgresql
def test_the_batches_list_reads_its_county_through_its_index(personas: Personas) -> None:
    batch = _batch(personas)
    _reconciled(personas, batch, 300)  # the county's payrolls of the years before
    _reconciled(personas, batch, 3000, elsewhere_too=True)  # and the rest of the city's
    client = _client(personas[Role.COUNTY_APPROVER])
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("payments:batch_list")).status_code == 200
    plan = index_plan(list_query(captured.captured_queries, "payments_payrollbatch"), "payments_payrollbatch")
    # The county's range of its index: nothing of the other counties, no scan of the table.
    assert area_read(plan, "payments_payrollbatch") == {"payroll_batch_area_period"}, plan


@on_postgresql
@pytest.mark.parametrize("status", ["", "held"])
def test_a_batchs_lines_are_read_from_the_cursor_through_the_batch_index(personas: Personas, status: str) -> None:
    batch = _batch(personas)
    _lines(batch, 400)
    other = [b.pk for b in _reconciled(personas, batch, 10, elsewhere_too=True)]
    # unscoped: the test copies a line into the other counties' batches
    line = PaymentLine.objects.unscoped().filter(batch=batch).first()
    assert line is not None

    def spread(k: int, row: PaymentLine) -> None:
        row.batch_id, row.area_code, row.period = other[k % len(other)], elsewhere(k), _month(k + 500)

    copies(line, 3000, spread)
    client = _client(personas[Role.COUNTY_APPROVER])
    url = reverse("payments:batch_detail", args=[batch.pk])
    first = client.get(url, {"status": status} if status else {}).context["lines"]
    query = {"status": status} if status else {"cursor": first.next_cursor}
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, query).status_code == 200
    plan = index_plan(list_query(captured.captured_queries, "payments_paymentline"), "payments_paymentline")
    assert area_read(plan, "payments_paymentline") == {"payment_batch_line"}, plan
    if status:  # the status is checked in the index, not on the rows read
        assert "status)::text = 'held'" in plan.split("Index Cond")[1].split("\n")[0], plan
    else:  # the next page starts at its cursor in the index
        assert "(id >" in plan.split("Index Cond")[1].split("\n")[0], plan
