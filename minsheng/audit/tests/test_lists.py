"""The auditor's list reads one page of its window: newest first by a cursor, a window of 90 days by default and of a
year at most (a bad one is a 400 in Chinese), a query count flat in the number of events, and (on PostgreSQL) a plan
that reads the caller's area through its index in the window's months only: the other partitions pruned
(docs/architecture.md, "Lists"; docs/modules/audit.md)."""

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
from minsheng.audit import partitions
from minsheng.audit.models import AuditEvent
from minsheng.core.months import add_months, month_of
from minsheng.testing import Personas, area_read, elsewhere, index_plan, list_query

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")


def _events(p: Personas, n: int, *, at: dt.datetime | None = None, area_code: str = "", step: int = 1) -> None:
    """``n`` events of the reference village (or ``area_code``), ``step`` minutes apart back from ``at``."""
    start = at or timezone.now()
    AuditEvent.objects.bulk_create(
        AuditEvent(
            actor_username="admin",
            action="people.person_changed",
            object_type="people.person",
            object_id=str(k),
            object_repr=f"张{k}",
            area_code=area_code or p.village.code,
            occurred_at=start - dt.timedelta(minutes=step * k),
        )
        for k in range(n)
    )


def _auditor(p: Personas) -> Client:
    client = Client()
    client.force_login(p[Role.AUDITOR])
    return client


@pytest.mark.parametrize("rows", [5, 60])
def test_the_auditors_list_costs_the_same_queries_for_5_events_as_for_60(
    personas: Personas, django_assert_num_queries: Any, rows: int
) -> None:
    _events(personas, rows)
    client = _auditor(personas)
    client.get(reverse("audit:event_list"))
    # The events the auditor may see, before the page is read (the test's and what the first request recorded).
    seen = AuditEvent.objects.restrict(personas[Role.AUDITOR], "view")
    newest = list(seen.order_by("-occurred_at", "-id").values_list("pk", flat=True))
    # session, user, roles, the page, its capped count, the objects' words, the menu badges
    with django_assert_num_queries(7):
        response = client.get(reverse("audit:event_list"))
    page = response.context["page"]
    assert rows < len(newest) <= rows + 3
    assert (response.status_code, len(page.rows), page.count, page.has_next) == (
        200,
        min(len(newest), 50),
        len(newest),
        len(newest) > 50,
    )
    assert [e.pk for e in page.rows] == newest[:50]
    if rows > 50:
        rest = client.get(reverse("audit:event_list"), {"cursor": page.next_cursor}).context["page"]
        assert [e.pk for e in rest.rows] == newest[50:]


def test_the_window_is_90_days_by_default_a_year_at_most_and_bad_ones_are_400(personas: Personas) -> None:
    _events(personas, 3)
    _events(personas, 2, at=timezone.now() - dt.timedelta(days=120))
    client = _auditor(personas)
    response = client.get(reverse("audit:event_list"))
    assert (response.status_code, response.context["page"].count) == (200, 4)  # and the auditor's sign-in
    today = timezone.localdate()
    start = (today - dt.timedelta(days=90)).isoformat()
    assert f"{start} 至 {today.isoformat()}" in response.content.decode()
    earlier = (today - dt.timedelta(days=200)).isoformat()
    assert client.get(reverse("audit:event_list"), {"date_from": earlier}).context["page"].count == 6
    only_old = {"date_from": earlier, "date_to": (today - dt.timedelta(days=100)).isoformat()}
    assert client.get(reverse("audit:event_list"), only_old).context["page"].count == 2
    too_long = client.get(reverse("audit:event_list"), {"date_from": "2024-01-01", "date_to": "2025-06-30"})
    assert (too_long.status_code, too_long.context["page"]) == (400, None)
    assert "每次最多查询 366 天" in too_long.content.decode()
    backwards = client.get(reverse("audit:event_list"), {"date_from": "2026-06-02", "date_to": "2026-06-01"})
    assert backwards.status_code == 400 and "开始日期晚于结束日期" in backwards.content.decode()
    forged = client.get(reverse("audit:event_list"), {"cursor": "forged"})
    assert forged.status_code == 400 and "页面链接无效" in forged.content.decode()


@on_postgresql
def test_the_auditors_list_reads_the_windows_months_of_its_area_through_its_index(personas: Personas) -> None:
    this_month = month_of(timezone.localdate())
    # A year of history, a month a partition, in the area and in the rest of the province.
    for back in range(12):
        at = dt.datetime.combine(
            add_months(this_month, -back).replace(day=10), dt.time(9), tzinfo=timezone.get_default_timezone()
        )
        # This month fewer than a page and none ahead of now (the window runs to the end of today, and the 10th
        # may be today): the first page ends in an earlier month on any day.
        n, when, step = (100, at, 60) if back else (5, None, 1)
        _events(personas, n, at=when, step=step)
        for k in range(5):
            _events(personas, n, at=when, area_code=elsewhere(k + back), step=step)
    partitions.partitions_ensure(months_ahead=3)  # the rows the default partition caught move into their months
    _events(personas, 5)
    client = _auditor(personas)
    first = client.get(reverse("audit:event_list")).context["page"]
    window = {add_months(this_month, -back) for back in range(4)}  # 90 days back: this month and three before
    start = month_of(timezone.localdate() - dt.timedelta(days=90))
    window = {m for m in window if m >= start}
    last_shown = month_of(timezone.localtime(first.rows[-1].occurred_at).date())
    assert last_shown < this_month  # the next page starts in an earlier month
    for query, months in (({}, window), ({"cursor": first.next_cursor}, {m for m in window if m <= last_shown})):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("audit:event_list"), query).status_code == 200
        plan = index_plan(list_query(captured.captured_queries, "audit_auditevent"), "audit_auditevent")
        read = {name for name in partitions.attached() if f" on {name} " in plan}
        # Only the window's months are read (from the cursor's month on a later page): the older ones, the months
        # ahead and the default partition are pruned.
        assert read == {partitions.partition_name(m) for m in months}, plan
        for partition in read:  # each through its copy of an index with the area, the area a range of it
            used = area_read(plan, partition)
            assert all("occurred_at_id_area_code" in i or "area_code_occurred_at" in i for i in used), plan
