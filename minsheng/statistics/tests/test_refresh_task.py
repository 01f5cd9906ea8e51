"""Nothing heavy in a request (issue 22): the dashboard reads the last complete summary and says how old it is; the
task ``statistics.refresh`` brings it up to date (beat every minute, and queued after a change that can move a
figure), never two at once."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.audit.services import audit_record
from minsheng.intake.services import case_decide
from minsheng.statistics import refresh, selectors, tasks
from minsheng.statistics.models import RefreshState
from minsheng.statistics.selectors import Period
from minsheng.statistics.tests import records
from minsheng.testing import Personas

pytestmark = pytest.mark.django_db


def _decided(board: selectors.Dashboard) -> Any:
    return next(f.value for f in board.figures if f.key == "items_decided")


def _period() -> Period:
    return Period(records.PERIOD_START, refresh.months_held()[1])


def test_the_dashboard_never_refreshes_and_the_task_does(personas: Personas) -> None:
    p = personas
    r = records.build(p)
    refresh.cells_rebuild()
    state = RefreshState.objects.get()
    decided = _decided(selectors.dashboard(user=p[Role.CITY_ADMIN], area_code=None, period=_period()))
    case_decide(actor=p[Role.DEPARTMENT_HANDLER], case=r.cases["open"], granted=True, reason="符合条件")

    client = Client()
    client.force_login(p[Role.CITY_ADMIN])
    with (
        mock.patch.object(refresh, "cells_refresh", side_effect=AssertionError("refreshed in a request")),
        mock.patch.object(refresh, "cells_rebuild", side_effect=AssertionError("rebuilt in a request")),
        CaptureQueriesContext(connection) as queries,
    ):
        response = client.get(reverse("statistics:dashboard"))
    assert response.status_code == 200
    # The page reads the state row (not locked) and the cells; never the audit log, never the lock.
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "audit_auditevent" not in sql and "FOR UPDATE" not in sql
    moment = timezone.localtime(state.refreshed_at).strftime("%Y-%m-%d %H:%M")
    assert f"数据更新于 {moment}（" in response.content.decode()
    # The summary as it stood: the decision is not in it yet.
    assert _decided(selectors.dashboard(user=p[Role.CITY_ADMIN], area_code=None, period=_period())) == decided
    assert RefreshState.objects.get().refreshed_at == state.refreshed_at

    assert tasks.refresh_cells() == {"busy": 0, "rebuilt": 0, "events": 1, "areas": 1}
    board = selectors.dashboard(user=p[Role.CITY_ADMIN], area_code=None, period=_period())
    assert _decided(board) == decided + 1
    assert board.as_of is not None and state.refreshed_at is not None and board.as_of > state.refreshed_at
    assert tasks.refresh_cells() == {"busy": 0, "rebuilt": 0, "events": 0, "areas": 0}  # applied once


def test_a_summary_never_built_is_said_so_and_the_first_task_builds_it(personas: Personas) -> None:
    client = Client()
    client.force_login(personas[Role.CITY_ADMIN])
    html = client.get(reverse("statistics:dashboard")).content.decode()
    assert "统计数据尚未生成" in html and "数据更新于" not in html
    assert tasks.refresh_cells()["rebuilt"] == 1
    assert RefreshState.objects.get().built_at is not None


def test_a_change_that_moves_a_figure_queues_one_refresh_after_its_commit(
    personas: Personas, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    p = personas
    r = records.build(p)
    refresh.cells_rebuild()
    settings.STATISTICS_REFRESH_AFTER_CHANGE = True
    settings.STATISTICS_REFRESH_DELAY_SECONDS = 10
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a broker: the task is sent, not run here
    cache.delete(tasks.QUEUED_KEY)
    with (
        mock.patch.object(tasks.refresh_cells, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        case_decide(actor=p[Role.DEPARTMENT_HANDLER], case=r.cases["open"], granted=True, reason="符合条件")
        audit_record(actor=p[Role.CITY_ADMIN], action="intake.case_decided", area_code=p.village.code)
    # Two changes within the delay: one refresh, sent to run ten seconds later (taking both at once).
    assert send.call_args_list == [mock.call(countdown=10)]
    cache.delete(tasks.QUEUED_KEY)


def test_without_a_broker_the_refresh_runs_at_the_commit(
    personas: Personas, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    p = personas
    r = records.build(p)
    refresh.cells_rebuild()
    before = RefreshState.objects.get().refreshed_at
    settings.STATISTICS_REFRESH_AFTER_CHANGE = True
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        case_decide(actor=p[Role.DEPARTMENT_HANDLER], case=r.cases["open"], granted=True, reason="符合条件")
    assert tasks.refresh_cells.delay in callbacks
    after = RefreshState.objects.get().refreshed_at
    assert before is not None and after is not None and after > before


def test_a_paused_build_queues_nothing(personas: Personas, settings: Any) -> None:
    settings.STATISTICS_REFRESH_AFTER_CHANGE = True
    with mock.patch("minsheng.statistics.tasks.transaction.on_commit") as on_commit:
        with tasks.refresh_paused():
            audit_record(actor=personas[Role.CITY_ADMIN], action="intake.case_decided", area_code=personas.village.code)
        assert on_commit.call_count == 0
        audit_record(actor=personas[Role.CITY_ADMIN], action="intake.case_decided", area_code=personas.village.code)
        assert on_commit.call_count == 1


def test_views_and_other_changes_queue_nothing(personas: Personas, settings: Any) -> None:
    settings.STATISTICS_REFRESH_AFTER_CHANGE = True
    with mock.patch.object(tasks, "refresh_soon") as soon:
        audit_record(
            actor=personas[Role.CITY_ADMIN],
            action="accounts.user_created",
            obj=personas[Role.VILLAGE_WORKER],
            area_code=personas.village.code,
        )
        audit_record(
            actor=personas[Role.CITY_ADMIN],
            action="intake.case_decided",
            kind="view",
            area_code=personas.village.code,
        )
        audit_record(actor=personas[Role.CITY_ADMIN], action="intake.case_decided", area_code=personas.village.code)
    assert soon.call_count == 1  # the last one only


def test_the_months_held_still_follow_the_calendar() -> None:
    assert refresh.months_held(dt.date(2026, 12, 5)) == (dt.date(2022, 1, 1), dt.date(2026, 12, 1))
