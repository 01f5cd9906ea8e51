"""The warnings list reads one page: a query count flat in the number of warnings, and (on PostgreSQL) a plan that
ranges over the area prefix in the (status, area, deadline) index (docs/architecture.md, "Lists")."""

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
from minsheng.monitoring.models import Alert
from minsheng.monitoring.tests.factories import open_alert
from minsheng.testing import Personas, area_read, copies, elsewhere, index_plan, list_query

pytestmark = pytest.mark.django_db


def _alerts(p: Personas, n: int) -> Alert:
    """``n`` open warnings of the reference village: one written by the factory, the others copied (a period each)."""
    first = open_alert(p)
    copies = []
    for k in range(1, n):
        row = Alert(**{f.attname: getattr(first, f.attname) for f in Alert._meta.concrete_fields if f.attname != "id"})
        row.period = first.period - dt.timedelta(days=31 * k)
        row.due_on = first.due_on + dt.timedelta(days=k)
        copies.append(row)
    Alert.objects.bulk_create(copies)
    return first


def _client(p: Personas) -> Client:
    client = Client()
    client.force_login(p[Role.VILLAGE_WORKER])
    return client


@pytest.mark.parametrize("rows", [5, 50])
def test_the_warnings_list_costs_the_same_queries_for_5_warnings_as_for_50(
    personas: Personas, django_assert_num_queries: Any, rows: int
) -> None:
    _alerts(personas, rows)
    client = _client(personas)
    client.get(reverse("monitoring:alert_list"))
    with django_assert_num_queries(10):  # with the menu badge of open volunteer tasks
        response = client.get(reverse("monitoring:alert_list"))
    page = response.context["page"]
    assert (response.status_code, len(page.rows), page.count) == (200, min(rows, 50), rows)


def test_the_warnings_list_pages_by_cursor_and_keeps_handled_ones_of_its_window(personas: Personas) -> None:
    first = _alerts(personas, 3)
    old = timezone.localdate() - dt.timedelta(days=200)
    # unscoped: test set-up hands a warning over to history
    Alert.objects.unscoped().filter(pk=first.pk).update(status=Alert.Status.DONE, raised_on=old)
    client = _client(personas)
    assert client.get(reverse("monitoring:alert_list")).context["page"].count == 2
    since = (old - dt.timedelta(days=1)).isoformat()
    assert client.get(reverse("monitoring:alert_list"), {"since": since}).context["page"].count == 3
    assert client.get(reverse("monitoring:alert_list"), {"since": "2026-13-01"}).status_code == 400
    assert client.get(reverse("monitoring:alert_list"), {"cursor": "x:y:z"}).status_code == 400


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_the_warnings_list_reads_its_area_through_its_index(personas: Personas) -> None:
    first = _alerts(personas, 5)
    old = timezone.localdate() - dt.timedelta(days=400)

    def handled(k: int, row: Alert) -> None:  # the village's handled warnings of past years
        row.period, row.raised_on, row.status = old - dt.timedelta(days=k), old, Alert.Status.DONE

    def others(k: int, row: Alert) -> None:  # open warnings of another county
        row.period, row.area_code = old - dt.timedelta(days=2000 + k), elsewhere(k)

    copies(first, 500, handled)
    copies(first, 3000, others)
    with CaptureQueriesContext(connection) as captured:
        assert _client(personas).get(reverse("monitoring:alert_list")).status_code == 200
    plan = index_plan(list_query(captured.captured_queries, "monitoring_alert"), "monitoring_alert")
    area_read(plan, "monitoring_alert")  # the area is a range of the index read, in every index read
