"""The payroll task: run eagerly (no broker in tests), twice, with the same outcome."""

from __future__ import annotations

import datetime as dt

import pytest

from minsheng.accounts.roles import Role
from minsheng.core.testing import Personas
from minsheng.payments import tasks
from minsheng.payments.models import PaymentLine, PayrollBatch
from minsheng.payments.services import payroll_approve
from minsheng.payments.tests.factories import enrol, payee

pytestmark = pytest.mark.django_db

FEB = dt.date(2026, 2, 1)


def run(p: Personas) -> dict[str, int]:
    officer = p[Role.COUNTY_PAYMENT_OFFICER]
    result = tasks.generate_payroll.delay(p.county.code, "dibao", "2026-02-01", officer.pk)
    return dict(result.get())


def test_the_task_generates_the_batch_and_a_second_run_adds_nothing(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    enrol(payee(p.village, "张二"), monthly_fen=88_000)
    enrol(payee(p.village, "张三", account=""), monthly_fen=50_000)
    first = run(p)
    ids = list(PaymentLine.objects.unscoped().order_by("id").values_list("id", flat=True))
    second = run(p)
    batch = PayrollBatch.objects.unscoped().get()
    expected = {"batch": batch.pk, "lines": 3, "total_fen": 294_000, "held": 1, "held_fen": 50_000}
    assert first == second == expected
    assert list(PaymentLine.objects.unscoped().order_by("id").values_list("id", flat=True)) == ids
    assert PaymentLine.objects.unscoped().filter(status="pending").count() == 2
    assert PaymentLine.objects.unscoped().filter(status="held", hold_reason="no_account").count() == 1


def test_a_retry_after_the_approval_does_nothing(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    run(p)
    payroll_approve(actor=p[Role.COUNTY_APPROVER], batch=PayrollBatch.objects.unscoped().get())
    enrol(payee(p.village, "张二"), monthly_fen=88_000)  # would be a new line if the retry generated again
    again = run(p)
    assert (again["lines"], again["total_fen"], again["held"]) == (1, 156_000, 0)
    assert PaymentLine.objects.unscoped().count() == 1
    assert PayrollBatch.objects.unscoped().get().status == "approved"


def test_an_actor_without_the_right_is_refused(personas: Personas) -> None:
    from django.core.exceptions import PermissionDenied

    p = personas
    enrol(payee(p.village, "张一"))
    with pytest.raises(PermissionDenied):
        tasks.generate_payroll.delay(p.county.code, "dibao", "2026-02-01", p[Role.COUNTY_APPROVER].pk).get()
    assert not PaymentLine.objects.unscoped().exists()
