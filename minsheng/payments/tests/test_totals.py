"""The figures a batch keeps of its lines — counts and fen per status, the held lines per reason — stored by every
path that changes its lines (``services.batch_totals_store``) and filled for existing batches by migration 0008:
after each, they are exactly what the lines add up to (``factories.line_totals``, counted line by line).

Every benefit lives in the reference village of 宿城区 unless a test says otherwise.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from minsheng.accounts.roles import Role
from minsheng.assistance.benefits.models import Benefit
from minsheng.audit.models import AuditEvent
from minsheng.payments import bankfiles
from minsheng.payments import services as svc
from minsheng.payments.models import PaymentLine, PayrollBatch
from minsheng.payments.tests.factories import approval, enrol, line_totals, payee, stored_totals
from minsheng.people.models import Person
from minsheng.testing import Personas

pytestmark = pytest.mark.django_db

JAN = dt.date(2026, 1, 1)
FEB = dt.date(2026, 2, 1)
MAR = dt.date(2026, 3, 1)
MIGRATION = "0008_batch_totals_per_status"


def totals(
    *,
    pending: tuple[int, int] = (0, 0),
    held: tuple[int, int] = (0, 0),
    paid: tuple[int, int] = (0, 0),
    failed: tuple[int, int] = (0, 0),
    by_reason: dict[str, tuple[int, int]] | None = None,
) -> dict[str, Any]:
    """The stored figures expected: (count, fen) per status; all lines are their sum."""
    statuses = {"pending": pending, "held": held, "paid": paid, "failed": failed}
    figures: dict[str, Any] = {
        "line_count": sum(count for count, _fen in statuses.values()),
        "total_fen": sum(fen for _count, fen in statuses.values()),
    }
    for status, (count, fen) in statuses.items():
        figures[f"{status}_count"], figures[f"{status}_fen"] = count, fen
    figures["held_by_reason"] = {r: {"count": c, "fen": f} for r, (c, f) in (by_reason or {}).items()}
    return figures


def generate(p: Personas, period: dt.date = FEB, programme: str = "dibao") -> PayrollBatch:
    return svc.payroll_generate(
        actor=p[Role.COUNTY_PAYMENT_OFFICER], county=p.county, programme=programme, period=period
    )


def sent(p: Personas, period: dt.date = FEB) -> PayrollBatch:
    """The month's batch generated, approved and its payment file sent to the bank."""
    batch = generate(p, period)
    batch = svc.payroll_approve(actor=p[Role.COUNTY_APPROVER], batch=batch, **approval(batch))
    bankfiles.payment_file_export(actor=p[Role.COUNTY_PAYMENT_OFFICER], batch=batch)
    return batch


def answer(p: Personas, batch: PayrollBatch, *rows: tuple[str, str, str]) -> bankfiles.ReturnResult:
    """The bank's return file naming lines by their payee: (name, paid/failed, reason)."""
    # unscoped: the test names the batch's lines by payee
    ids = dict(PaymentLine.objects.unscoped().filter(batch=batch).values_list("payee__name", "id"))
    content = "reference,result,failure_reason\n" + "".join(f"{ids[n]},{r},{why}\n" for n, r, why in rows)
    return bankfiles.bank_return_import(
        actor=p[Role.COUNTY_PAYMENT_OFFICER], batch=batch, filename="return.csv", content=content.encode()
    )


def test_generation_stores_the_counts_and_fen_per_status_and_hold_reason(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    enrol(payee(p.village, "张二", account=""), monthly_fen=88_000)
    enrol(payee(p.village, "张三", account=""), monthly_fen=70_000)
    enrol(payee(p.village, "张四", status="deceased", status_date=dt.date(2026, 1, 20)), monthly_fen=50_000)
    enrol(payee(p.village, "张五", status="moved_away", status_date=dt.date(2026, 1, 5)), monthly_fen=40_000)

    batch = generate(p)

    expected = totals(
        pending=(1, 156_000),
        held=(4, 248_000),
        by_reason={"deceased": (1, 50_000), "moved_away": (1, 40_000), "no_account": (2, 158_000)},
    )
    assert stored_totals(batch) == line_totals(batch) == expected
    # The instance returned carries them too (the job's result and the API answer read it).
    assert {name: getattr(batch, name) for name in svc.TOTALS_FIELDS} == expected
    event = AuditEvent.objects.unscoped().get(action="payments.payroll_generated")
    assert event.after is not None
    assert event.after["held"] == {"deceased": 1, "moved_away": 1, "duplicate": 0, "no_account": 2}


def test_the_return_file_moves_the_figures_from_pending_to_paid_and_failed(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    enrol(payee(p.village, "张二"), monthly_fen=88_050)
    enrol(payee(p.village, "张三", account=""), monthly_fen=70_000)
    enrol(payee(p.village, "张四"), monthly_fen=66_000)
    batch = sent(p)
    held = {"no_account": (1, 70_000)}
    assert stored_totals(batch) == totals(pending=(3, 310_050), held=(1, 70_000), by_reason=held)

    first = answer(p, batch, ("张一", "paid", ""), ("张二", "failed", "账户已销户"))

    assert (first.paid, first.failed, first.reconciled) == (1, 1, False)
    after_first = totals(pending=(1, 66_000), held=(1, 70_000), paid=(1, 156_000), failed=(1, 88_050), by_reason=held)
    assert stored_totals(batch) == line_totals(batch) == after_first

    second = answer(p, batch, ("张一", "paid", ""), ("张四", "paid", ""))

    assert (second.paid, second.unchanged, second.reconciled) == (1, 1, True)
    reconciled = totals(held=(1, 70_000), paid=(2, 222_000), failed=(1, 88_050), by_reason=held)
    assert stored_totals(batch) == line_totals(batch) == reconciled
    batch.refresh_from_db()
    assert batch.status == PayrollBatch.Status.RECONCILED

    # The next month re-issues 张二's failed February line in its own batch; this one keeps its figures.
    march = generate(p, MAR)
    assert stored_totals(march) == line_totals(march) == totals(pending=(4, 398_100), held=(1, 70_000), by_reason=held)
    assert stored_totals(batch) == reconciled


def test_a_draft_generated_again_stores_the_figures_of_its_new_holds_amounts_and_lines(personas: Personas) -> None:
    p = personas
    no_account = payee(p.village, "张一", account="")
    enrol(no_account, monthly_fen=156_000)
    dies = payee(p.village, "张二")
    enrol(dies, monthly_fen=88_000)
    stops = enrol(payee(p.village, "张三"), monthly_fen=70_000)
    batch = generate(p)
    assert stored_totals(batch) == totals(
        pending=(2, 158_000), held=(1, 156_000), by_reason={"no_account": (1, 156_000)}
    )
    # 张一 registers an account (released), 张二 is registered deceased in January (held), 张三's benefit stops,
    # 张四 is enrolled (added).
    Person.objects.unscoped().filter(pk=no_account.pk).update(
        bank_account="6214830000001111", bank_account_masked="**** **** **** 1111"
    )
    Person.objects.unscoped().filter(pk=dies.pk).update(status="deceased", status_date=dt.date(2026, 1, 9))
    Benefit.objects.unscoped().filter(pk=stops.pk).update(status="stopped", stopped_from=FEB)
    enrol(payee(p.village, "张四"), monthly_fen=50_000)

    batch = generate(p)

    expected = totals(pending=(2, 206_000), held=(1, 88_000), by_reason={"deceased": (1, 88_000)})
    assert stored_totals(batch) == line_totals(batch) == expected


def test_the_migration_fills_the_figures_of_every_batch_from_its_lines(personas: Personas) -> None:
    """Migration 0008 on batches written before it: their figures zeroed (as the new columns start), one batch
    with lines of every status, one of another county, one without lines (and a figure it must not keep)."""
    p = personas
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    enrol(payee(p.village, "张二"), monthly_fen=88_050)
    enrol(payee(p.village, "张三", account=""), monthly_fen=70_000)
    enrol(payee(p.village, "张四"), monthly_fen=66_000)
    enrol(payee(p.other_village, "李一"), monthly_fen=99_000)
    batch = sent(p)
    answer(p, batch, ("张一", "paid", ""), ("张二", "failed", "账户冻结"))
    other = svc.payroll_generate(
        actor=p.outsider(Role.COUNTY_PAYMENT_OFFICER), county=p.other_county, programme="dibao", period=FEB
    )
    empty = PayrollBatch.objects.create(area_code=p.county.code, programme="tekun", period=FEB)
    # unscoped: the test zeroes every batch's figures, as the migration finds them
    figures = {name: 0 for name in svc.TOTALS_FIELDS if name != "held_by_reason"}
    PayrollBatch.objects.unscoped().update(**figures, held_by_reason={})
    PayrollBatch.objects.unscoped().filter(pk=empty.pk).update(line_count=3, held_by_reason={"deceased": {}})

    migration = importlib.import_module(f"minsheng.payments.migrations.{MIGRATION}")
    apps = MigrationLoader(connection).project_state(("payments", MIGRATION)).apps
    migration.fill_totals(apps, None)

    held = {"no_account": (1, 70_000)}
    assert stored_totals(batch) == line_totals(batch)
    assert stored_totals(batch) == totals(
        pending=(1, 66_000), held=(1, 70_000), paid=(1, 156_000), failed=(1, 88_050), by_reason=held
    )
    assert stored_totals(other) == line_totals(other) == totals(pending=(1, 99_000))
    assert stored_totals(empty) == line_totals(empty) == totals()
