"""The to-do list reads one page: each kind's provider reads the rows after its position (``core.modules.due_rows``),
the desk merges the sorted, limited lists; the query count is flat in the number of rows due and (on PostgreSQL) the
largest kind, the warnings to visit, ranges over the area prefix in its (status, area, deadline, id) index."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.core.modules import FROM_START_ROWS, DueItem, DuePosition, from_start
from minsheng.desk.selectors import PAGE_SIZE
from minsheng.monitoring.models import Alert
from minsheng.monitoring.tests.factories import open_alert
from minsheng.testing import Personas, area_read, copies, elsewhere, index_plan, list_query

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counts() -> None:
    cache.clear()


def _alerts(p: Personas, n: int, *, ties: int = 1) -> Alert:
    """``n`` open warnings of the reference village to visit, ``ties`` of them on each deadline: one written by the
    factory, the others copied (a period each)."""
    first = open_alert(p)

    def vary(k: int, row: Alert) -> None:
        row.period = first.period - dt.timedelta(days=31 * (k + 1))
        row.due_on = first.due_on + dt.timedelta(days=(k + 1) // ties)

    copies(first, n - 1, vary)
    return first


def _client(p: Personas) -> Client:
    client = Client()
    client.force_login(p[Role.VILLAGE_WORKER])
    return client


@pytest.mark.parametrize("rows", [5, 50])
def test_the_to_do_list_costs_the_same_queries_for_5_warnings_as_for_50(
    personas: Personas, django_assert_num_queries: Any, rows: int
) -> None:
    _alerts(personas, rows)
    client = _client(personas)
    first = client.get(reverse("desk:todo")).context["due"]
    with django_assert_num_queries(15):  # the kinds' counts and rows, the notices, session and menu badges
        response = client.get(reverse("desk:todo"), {"cursor": first.next_cursor} if first.next_cursor else {})
    due = response.context["due"]
    shown = min(rows, PAGE_SIZE) if rows <= PAGE_SIZE else min(rows - PAGE_SIZE, PAGE_SIZE)
    assert (response.status_code, due.total, len(due.rows)) == (200, rows, shown)


def test_the_pages_of_the_to_do_list_show_every_item_once_by_deadline(personas: Personas) -> None:
    from minsheng.intake.tests.endpoints import _waiting_case

    _alerts(personas, 2 * PAGE_SIZE + 7, ties=4)  # four warnings on each deadline: a page ends among equals
    _waiting_case(personas)  # another kind: materials awaited
    client = _client(personas)
    seen: list[DueItem] = []
    params: dict[str, str] = {}
    for _page in range(5):
        due = client.get(reverse("desk:todo"), params).context["due"]
        seen.extend(due.rows)
        if not due.has_next:
            break
        params = {"cursor": due.next_cursor}
    assert (len(seen), due.total) == (2 * PAGE_SIZE + 8, 2 * PAGE_SIZE + 8)
    assert len({item.url for item in seen}) == len(seen)  # none twice, none left out
    assert {item.kind for item in seen} == {"warning_visit", "intake_materials"}
    deadlines = [(item.deadline is None, item.deadline or dt.date.max) for item in seen]
    assert deadlines == sorted(deadlines)
    page = client.get(reverse("desk:todo"), {"cursor": params["cursor"]})
    html = page.content.decode()
    assert 'id="due-pages"' in html and 'class="page-link"' not in html  # the last page: no next link
    assert client.get(reverse("desk:todo"), {"cursor": params["cursor"][:-3] + "xyz"}).status_code == 400


def test_a_provider_without_positions_is_paged_from_its_first_rows() -> None:
    today = dt.date(2026, 3, 2)
    calls: list[int] = []

    def legacy(user: Any, on: dt.date, limit: int) -> list[DueItem]:
        calls.append(limit)
        return [DueItem("old", f"#{k}", f"/old/{k}/", "321302", on + dt.timedelta(days=k % 3)) for k in range(7)]

    provider = from_start(legacy)
    first = provider(None, today, 4, None)
    assert [i.title for i in first] == ["#0", "#3", "#6", "#1"]  # by deadline, in the provider's order within one
    rest = provider(None, today, 4, first[-1].position)
    assert [i.title for i in rest] == ["#4", "#2", "#5"]
    assert [i.position for i in rest] == [DuePosition(None, 5), DuePosition(None, 6), DuePosition(None, 7)]
    assert calls == [FROM_START_ROWS, FROM_START_ROWS]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_the_warnings_to_visit_are_read_through_their_index_after_the_cursor(personas: Personas) -> None:
    first = _alerts(personas, PAGE_SIZE + 5)
    old = timezone.localdate() - dt.timedelta(days=400)

    def handled(k: int, row: Alert) -> None:  # the village's handled warnings of past years
        row.period, row.raised_on, row.status = old - dt.timedelta(days=1000 + k), old, Alert.Status.DONE

    def others(k: int, row: Alert) -> None:  # open warnings of the rest of the city
        row.period, row.area_code = old - dt.timedelta(days=2000 + k), elsewhere(k)

    copies(first, 500, handled)
    copies(first, 3000, others)
    client = _client(personas)
    cursor = client.get(reverse("desk:todo")).context["due"].next_cursor
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("desk:todo"), {"cursor": cursor}).status_code == 200
    sql = list_query(captured.captured_queries, "monitoring_alert")
    assert '"monitoring_alert"."due_on" >' in sql  # the page starts after the cursor
    plan = index_plan(sql, "monitoring_alert")
    assert area_read(plan, "monitoring_alert") == {"monitoring_alert_due"}


def test_the_counts_read_at_most_the_cap_and_say_99_plus(personas: Personas) -> None:
    from minsheng.core.modules import DUE_COUNT_CAP

    _alerts(personas, DUE_COUNT_CAP + 21)
    client = _client(personas)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("desk:todo"))
    due = response.context["due"]
    assert [(work.key, n, text) for work, n, text in due.badges if n] == [
        ("warning_visit", DUE_COUNT_CAP + 1, f"{DUE_COUNT_CAP}+")
    ]
    assert (due.total, due.count_capped, len(due.rows)) == (DUE_COUNT_CAP, True, PAGE_SIZE)
    html = response.content.decode()
    assert f">{DUE_COUNT_CAP}+</span>" in html and f"共 {DUE_COUNT_CAP} 条以上" in html
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"] and "monitoring_alert" in q["sql"]]
    # The list's count, and the menu's badge of warnings to visit, each stop at the cap; the header's badge takes the
    # list's counts instead of reading them again.
    assert len(counts) == 2 and all(f"LIMIT {DUE_COUNT_CAP + 1}" in sql for sql in counts)
    home = client.get(reverse("home")).content.decode()
    assert 'id="todo-count">99+<' in home
