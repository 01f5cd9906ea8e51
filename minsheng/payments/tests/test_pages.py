"""The payroll pages: the county's batches, a batch with its held lines, prepare, prepare again and approve."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from minsheng.accounts.roles import Role
from minsheng.payments import services as svc
from minsheng.payments.models import PaymentLine, PayrollBatch
from minsheng.payments.tests.factories import enrol, payee
from minsheng.testing import Personas

pytestmark = pytest.mark.django_db

FEB = dt.date(2026, 2, 1)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_officer_prepares_from_the_list_and_sees_the_held_lines(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    enrol(payee(p.village, "张二", account=""), monthly_fen=88_000)
    officer = _client(p[Role.COUNTY_PAYMENT_OFFICER])
    listing = officer.get(reverse("payments:batch_list"))
    assert listing.status_code == 200
    assert listing.context["form"].fields["county"].choices == [(p.county.code, p.county.name)]

    response = officer.post(
        reverse("payments:batch_prepare"),
        {"prepare-county": p.county.code, "prepare-programme": "dibao", "prepare-period": "2026-02"},
    )
    batch = PayrollBatch.objects.unscoped().get()
    assert response.status_code == 302 and response["Location"] == reverse("payments:batch_detail", args=[batch.pk])
    assert (batch.period, batch.line_count, batch.total_fen, batch.held_count, batch.held_fen) == (
        FEB,
        2,
        244_000,
        1,
        88_000,
    )

    page = officer.get(reverse("payments:batch_detail", args=[batch.pk]))
    assert page.status_code == 200
    assert [line.payee.name for line in page.context["held"]] == ["张二"]
    assert page.context["by_reason"] == [
        {"hold_reason": "no_account", "count": 1, "fen": 88_000, "label": PaymentLine.HoldReason.NO_ACCOUNT.label}
    ]
    html = page.content.decode()
    assert 'id="batch-regenerate"' in html and 'id="batch-approve"' not in html
    assert svc.hold_texts()["no_account"] in html
    assert "6228480012345678901" not in html and "**** **** **** 8901" in html
    assert [b.pk for b in officer.get(reverse("payments:batch_list")).context["page"]] == [batch.pk]
    assert list(_client(p.outsider(Role.COUNTY_APPROVER)).get(reverse("payments:batch_list")).context["page"]) == []


def test_the_approver_approves_and_the_batch_cannot_be_prepared_again(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    batch = svc.payroll_generate(actor=p[Role.COUNTY_PAYMENT_OFFICER], county=p.county, programme="dibao", period=FEB)
    approver = _client(p[Role.COUNTY_APPROVER])
    page = approver.get(reverse("payments:batch_detail", args=[batch.pk]))
    assert 'id="batch-approve"' in page.content.decode()
    assert approver.post(reverse("payments:batch_approve", args=[batch.pk])).status_code == 302
    assert PayrollBatch.objects.unscoped().get().status == "approved"

    officer = _client(p[Role.COUNTY_PAYMENT_OFFICER])
    response = officer.post(reverse("payments:batch_regenerate", args=[batch.pk]), follow=True)
    with translation.override("zh-hans"):  # the pages speak Chinese whatever the browser says
        refused = translation.gettext("This payroll is approved already and can no longer change.")
    assert [str(m) for m in response.context["messages"]] == [refused]
    assert 'id="batch-regenerate"' not in response.content.decode()
    assert PaymentLine.objects.unscoped().count() == 1


def test_the_batch_page_offers_only_what_the_user_may_do_in_that_county(personas: Personas) -> None:
    """A user who approves in another county and prepares in this one sees "Prepare again", not "Approve"."""
    from minsheng.accounts.models import RoleAssignment
    from minsheng.testing import make_user

    p = personas
    enrol(payee(p.village, "张一"))
    batch = svc.payroll_generate(actor=p[Role.COUNTY_PAYMENT_OFFICER], county=p.county, programme="dibao", period=FEB)
    both = make_user("officer_here_approver_there", Role.COUNTY_PAYMENT_OFFICER, p.county)
    RoleAssignment.objects.create(user=both, role=Role.COUNTY_APPROVER, division=p.other_county)
    html = _client(both).get(reverse("payments:batch_detail", kwargs={"pk": batch.pk})).content.decode()
    assert 'id="batch-regenerate"' in html
    assert 'id="batch-approve"' not in html
    approver_html = _client(p[Role.COUNTY_APPROVER]).get(reverse("payments:batch_detail", kwargs={"pk": batch.pk}))
    assert 'id="batch-approve"' in approver_html.content.decode()
