"""The verification list reads one page: a query count flat in the number of requests, and (on PostgreSQL) a plan
that ranges over the area prefix in its indexes (docs/architecture.md, "Lists")."""

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
from minsheng.exchange.models import Verification
from minsheng.exchange.tests.factories import authorise, family
from minsheng.exchange.verification import verification_request
from minsheng.testing import Personas, area_read, copies, elsewhere, index_plan, list_query

pytestmark = pytest.mark.django_db


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
    with django_assert_num_queries(12):  # with the menu badge of open volunteer tasks
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
