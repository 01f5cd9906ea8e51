"""The temporary-assistance list and the assessment prompts read one page: the cases newest first by a cursor, the
closed cases of the window only, an overdue count read from at most its cap; the open prompts all, the oldest first,
those closed of the window; a query count flat in the number of rows, and (on PostgreSQL) plans that range over the
area prefix in the lists' indexes (docs/architecture.md, "Lists")."""

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
from minsheng.assistance.temporary import selectors
from minsheng.assistance.temporary.models import AssessmentPrompt, TemporaryAid
from minsheng.assistance.temporary.services import temporary_aid_open
from minsheng.intake.models import Application, ItemCase
from minsheng.testing import (
    Personas,
    area_read,
    copies,
    elsewhere,
    index_plan,
    list_query,
    make_household,
    make_person,
)

pytestmark = pytest.mark.django_db

Status = TemporaryAid.Status
TABLE = "assistance_temporaryaid"
CASE_FIELDS = [f.attname for f in ItemCase._meta.concrete_fields if f.attname not in {"id", "application_id"}]


def _aids(p: Personas, n: int, tag: str, vary: Any = None) -> TemporaryAid:
    """One case paid first in the reference village through the service, and ``n - 1`` copies of it (each with its
    own application and item case), changed by ``vary(k, aid)``."""
    first = temporary_aid_open(
        actor=p[Role.TOWNSHIP_WINDOW],
        person=make_person(p.village, "张伟"),
        kind="urgent",
        event="家中失火，衣物被褥烧毁",
        requested_fen=80_000,
    )
    case = first.item_case
    applications = copies(case.application, n - 1, lambda k, a: setattr(a, "receipt_number", f"T{tag}{k:07d}"))
    cases = ItemCase.objects.bulk_create(
        ItemCase(**{**{f: getattr(case, f) for f in CASE_FIELDS}, "application_id": a.pk}) for a in applications
    )

    def each(k: int, aid: TemporaryAid) -> None:
        aid.item_case_id = cases[k].pk
        if vary is not None:
            vary(k, aid)

    copies(first, n - 1, each)
    return first


def _late(k: int, aid: TemporaryAid) -> None:
    aid.papers_due = timezone.localdate() - dt.timedelta(days=3)


def _client(p: Personas, role: Role = Role.TOWNSHIP_WINDOW) -> Client:
    client = Client()
    client.force_login(p[role])
    return client


# session, user, roles, the page, its capped count, the overdue count, the items waiting, the menu badges
QUERIES = 9


@pytest.mark.parametrize("rows", [5, 60])
def test_the_temporary_list_costs_the_same_queries_for_5_cases_as_for_60(
    personas: Personas, django_assert_num_queries: Any, rows: int
) -> None:
    first = _aids(personas, rows, "Q", _late)
    client = _client(personas)
    client.get(reverse("assistance:temporary_list"))
    with django_assert_num_queries(QUERIES):
        response = client.get(reverse("assistance:temporary_list"))
    page, context = response.context["page"], response.context
    assert (response.status_code, len(page.rows), page.count, page.has_next) == (200, min(rows, 50), rows, rows > 50)
    assert (context["overdue_count"], context["overdue_capped"]) == (rows - 1, False)  # the copies' papers are late
    everything = sorted(TemporaryAid.objects.unscoped().values_list("created_at", "pk"), reverse=True)
    rest = client.get(reverse("assistance:temporary_list"), {"cursor": page.next_cursor}) if rows > 50 else None
    shown = [a.pk for a in page.rows] + ([a.pk for a in rest.context["page"].rows] if rest else [])
    assert shown == [pk for _at, pk in everything] and first.pk in shown


def test_closed_cases_older_than_the_window_are_listed_when_the_user_goes_back(personas: Personas) -> None:
    old = timezone.now() - dt.timedelta(days=200)

    def closed_long_ago(k: int, aid: TemporaryAid) -> None:
        aid.status, aid.created_at = (Status.COMPLETED, Status.REFUSED)[k % 2], old

    first = _aids(personas, 3, "W", closed_long_ago)
    client = _client(personas)
    response = client.get(reverse("assistance:temporary_list"))
    assert [a.pk for a in response.context["page"].rows] == [first.pk]  # the open one; the closed two are too old
    assert "默认最近 90 天" in response.content.decode()
    since = (timezone.localdate() - dt.timedelta(days=201)).isoformat()
    assert client.get(reverse("assistance:temporary_list"), {"since": since}).context["page"].count == 3
    completed = client.get(reverse("assistance:temporary_list"), {"status": "completed", "since": since})
    assert completed.context["page"].count == 1
    bad = client.get(reverse("assistance:temporary_list"), {"since": "2026-02-30"})
    assert (bad.status_code, "起始日期" in bad.content.decode()) == (400, True)
    forged = client.get(reverse("assistance:temporary_list"), {"cursor": "forged"})
    assert (forged.status_code, "页面链接无效" in forged.content.decode()) == (400, True)


def test_the_overdue_count_stops_at_its_cap(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selectors, "OVERDUE_COUNT_CAP", 3)
    _aids(personas, 6, "C", _late)
    response = _client(personas).get(reverse("assistance:temporary_list"))
    assert (response.context["overdue_count"], response.context["overdue_capped"]) == (3, True)
    assert "先行救助后手续逾期的案件：超过 3 件。" in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
@pytest.mark.parametrize("role", [Role.TOWNSHIP_WINDOW, Role.COUNTY_APPROVER])
def test_the_temporary_list_and_its_overdue_count_read_the_area_through_their_indexes(
    personas: Personas, role: Role
) -> None:
    old = timezone.now() - dt.timedelta(days=700)

    def history(k: int, aid: TemporaryAid) -> None:  # the village's closed cases of years ago, the rest of the city's
        aid.status, aid.created_at = Status.COMPLETED, old + dt.timedelta(hours=k)
        if k >= 500:
            aid.area_code = elsewhere(k)
            aid.status = (Status.COMPLETED, Status.PAID_FIRST)[k % 2]
            aid.papers_due = timezone.localdate() - dt.timedelta(days=k % 30)

    _aids(personas, 3501, "P", history)
    client = _client(personas, role)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("assistance:temporary_list")).status_code == 200
    plan = index_plan(list_query(captured.captured_queries, TABLE), TABLE)
    assert area_read(plan, TABLE) <= {"temporary_area_time", "temporary_status_area_due"}, plan
    overdue = f'"{TABLE}"."papers_due" <'
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"] and overdue in q["sql"]]
    assert len(counts) == 1 and "LIMIT 1001" in counts[0], counts
    count_plan = index_plan(counts[0], TABLE)
    assert area_read(count_plan, TABLE) == {"temporary_status_area_due"}, count_plan
    assert Application.objects.unscoped().count() == 3501


# --- The assessment prompts ---------------------------------------------------------------------------------------


def _prompts(p: Personas, n: int, vary: Any = None) -> AssessmentPrompt:
    """``n`` open prompts of the reference village, an hour apart, the oldest first: each of its own case (``_aids``),
    written straight (as the payment would) and changed by ``vary(k, prompt)``."""
    _aids(p, n, "A")
    aids = list(TemporaryAid.objects.unscoped().order_by("id").values_list("pk", flat=True))
    household = make_household(p.village, make_person(p.village, "吴海燕"))
    start = timezone.now() - dt.timedelta(days=20)
    # unscoped: test set-up writes the prompts directly
    first = AssessmentPrompt.objects.unscoped().create(
        household=household, temporary_aid_id=aids[0], area_code=p.village.code, created_at=start
    )

    def each(k: int, row: AssessmentPrompt) -> None:
        row.temporary_aid_id, row.created_at = aids[k + 1], start + dt.timedelta(hours=k + 1)
        if vary is not None:
            vary(k, row)

    copies(first, n - 1, each)
    return first


def _closed(row: AssessmentPrompt, p: Personas, at: dt.datetime) -> None:
    row.closed_at, row.closed_by_id, row.outcome = at, p[Role.TOWNSHIP_WINDOW].pk, "已评估，纳入边缘监测"


@pytest.mark.parametrize("rows", [5, 60])
def test_the_prompts_list_costs_the_same_queries_for_5_prompts_as_for_60(
    personas: Personas, django_assert_num_queries: Any, rows: int
) -> None:
    _prompts(personas, rows)
    client = _client(personas)
    url = reverse("assistance:assessment_prompts")
    client.get(url)
    # session, user, roles, the page, its capped count, the means tests of its households (to close a prompt with),
    # the menu badges
    with django_assert_num_queries(8):
        response = client.get(url)
    page = response.context["page"]
    assert (response.status_code, len(page.rows), page.count, page.has_next) == (200, min(rows, 50), rows, rows > 50)
    assert len(response.context["rows"]) == min(rows, 50)  # each with its form to close it
    rest = client.get(url, {"cursor": page.next_cursor}).context["page"] if rows > 50 else None
    shown = [r.pk for r in page.rows] + ([r.pk for r in rest.rows] if rest else [])
    # unscoped: every prompt, the oldest first, to compare with the pages
    assert shown == list(AssessmentPrompt.objects.unscoped().order_by("created_at", "id").values_list("pk", flat=True))


def test_prompts_closed_before_the_window_are_listed_when_the_user_goes_back(personas: Personas) -> None:
    long_ago, lately = timezone.now() - dt.timedelta(days=200), timezone.now() - dt.timedelta(days=3)

    def closing(k: int, row: AssessmentPrompt) -> None:  # two closed long ago, one lately, 52 open
        if k < 3:
            _closed(row, personas, long_ago + dt.timedelta(hours=k) if k < 2 else lately)

    _prompts(personas, 56, closing)
    client = _client(personas)
    url = reverse("assistance:assessment_prompts")
    open_page = client.get(url).context["page"]
    assert (open_page.count, open_page.has_next) == (53, True)
    assert {r.closed_at for r in open_page.rows} == {None}
    closed = client.get(url, {"closed": "1"})
    assert (closed.context["page"].count, "默认最近 90 天" in closed.content.decode()) == (1, True)
    since = (timezone.localdate() - dt.timedelta(days=201)).isoformat()
    everything = client.get(url, {"closed": "1", "since": since}).context["page"]
    # unscoped: the closed prompts, the latest closed first, to compare with the page
    closed_rows = AssessmentPrompt.objects.unscoped().filter(closed_at__isnull=False).order_by("-closed_at", "-id")
    assert [r.pk for r in everything.rows] == list(closed_rows.values_list("pk", flat=True))
    assert len(everything.rows) == 3
    bad = client.get(url, {"closed": "1", "since": "2026-02-30"})
    assert (bad.status_code, "起始日期" in bad.content.decode()) == (400, True)
    # A cursor of the open prompts is not one of the closed prompts (each order signs with its own salt).
    forged = client.get(url, {"closed": "1", "cursor": open_page.next_cursor})
    assert (forged.status_code, "页面链接无效" in forged.content.decode()) == (400, True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
@pytest.mark.parametrize("role", [Role.TOWNSHIP_WINDOW, Role.COUNTY_APPROVER])
@pytest.mark.parametrize("closed", ["", "1"])
def test_the_prompts_list_reads_its_area_through_its_indexes(personas: Personas, role: Role, closed: str) -> None:
    old = timezone.now() - dt.timedelta(days=700)

    def history(k: int, row: AssessmentPrompt) -> None:  # the village's prompts closed years ago, the city's
        _closed(row, personas, old + dt.timedelta(hours=k))
        if k >= 500:
            row.area_code = elsewhere(k)
            if k % 2:  # the rest of the city's open prompts
                row.closed_at, row.closed_by_id, row.outcome = None, None, ""

    _prompts(personas, 3501, history)
    with CaptureQueriesContext(connection) as captured:
        response = _client(personas, role).get(reverse("assistance:assessment_prompts"), {"closed": closed})
    assert response.status_code == 200
    table = "assistance_assessmentprompt"
    plan = index_plan(list_query(captured.captured_queries, table), table)
    assert area_read(plan, table) == {"temporary_prompt_closed" if closed else "temporary_prompt_open"}, plan
