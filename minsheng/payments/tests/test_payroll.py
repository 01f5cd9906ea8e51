"""The payroll: one line per running benefit and month, holds with reasons, maker-checker, exactly once.

Every benefit below lives in the reference village of 宿城区; the payroll of February 2026 is generated unless a test
says otherwise.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections

from minsheng.accounts.models import RoleAssignment, User
from minsheng.accounts.roles import Role
from minsheng.assistance.benefits.models import Benefit, BenefitChange
from minsheng.audit.models import AuditEvent
from minsheng.core.crypto import decrypt, is_token
from minsheng.payments import services as svc
from minsheng.payments.models import PaymentLine, PayrollBatch
from minsheng.payments.tests.factories import approval, enrol, payee
from minsheng.testing import Personas, build_personas, make_user

pytestmark = pytest.mark.django_db

FEB = dt.date(2026, 2, 1)
MAR = dt.date(2026, 3, 1)


def generate(p: Personas, programme: str = "dibao", period: dt.date = FEB) -> PayrollBatch:
    officer = p[Role.COUNTY_PAYMENT_OFFICER]
    return svc.payroll_generate(actor=officer, county=p.county, programme=programme, period=period)


def rows(batch: PayrollBatch) -> list[tuple[str, str, int, str, str]]:
    lines = PaymentLine.objects.unscoped().filter(batch=batch).select_related("payee").order_by("id")
    return [(line.payee.name, f"{line.period:%Y-%m}", line.amount_fen, line.status, line.hold_reason) for line in lines]


def totals(batch: PayrollBatch) -> tuple[int, int, int, int]:
    batch.refresh_from_db()
    return batch.line_count, batch.total_fen, batch.held_count, batch.held_fen


def test_each_benefit_paying_in_the_month_gets_one_line_with_that_months_amount(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    reduced = enrol(payee(p.village, "张二"), monthly_fen=150_000)
    # Reduced from March: the benefit already shows the new amount, February still pays the old one.
    Benefit.objects.unscoped().filter(pk=reduced.pk).update(monthly_fen=100_000)
    BenefitChange.objects.create(
        benefit=reduced, kind="reduce", effective_month=MAR, old_fen=150_000, new_fen=100_000, reason="拒绝就业"
    )
    enrol(payee(p.village, "张三"), monthly_fen=88_000, status="stopped", stopped_from=FEB)
    enrol(payee(p.village, "张四"), monthly_fen=66_000, status="stopped", stopped_from=MAR)  # stops after February
    enrol(payee(p.village, "张五"), monthly_fen=70_000, first_month=MAR)
    enrol(payee(p.village, "张六"), monthly_fen=50_000, status="tapering", taper_until=FEB)
    ended = enrol(payee(p.village, "张九"), monthly_fen=40_000, status="tapering", taper_until=dt.date(2026, 1, 1))
    enrol(payee(p.village, "张七"), "tekun", 120_000)
    enrol(payee(p.other_village, "李八"), monthly_fen=99_000)  # 沭阳县

    batch = generate(p)

    assert (batch.area_code, batch.programme, batch.period, batch.status) == ("321302000000", "dibao", FEB, "draft")
    assert batch.prepared_by == p[Role.COUNTY_PAYMENT_OFFICER]
    assert rows(batch) == [
        ("张一", "2026-02", 156_000, "pending", ""),
        ("张二", "2026-02", 150_000, "pending", ""),
        ("张四", "2026-02", 66_000, "pending", ""),
        ("张六", "2026-02", 50_000, "pending", ""),
    ]
    assert totals(batch) == (4, 422_000, 0, 0)
    # The taper that ended with January is stopped from February by the same run (benefits_end_tapers).
    stopped = Benefit.objects.unscoped().get(pk=ended.pk)
    assert (stopped.status, stopped.stopped_from) == ("stopped", FEB)
    event = AuditEvent.objects.unscoped().get(action="payments.payroll_generated")
    assert event.area_code == "321302000000" and event.after is not None
    assert (event.after["added"], event.after["total_fen"]) == (4, 422_000)


def test_the_account_is_copied_encrypted_with_its_masked_copy(personas: Personas) -> None:
    enrol(payee(personas.village, "张一"))
    batch = generate(personas)
    line = PaymentLine.objects.unscoped().get(batch=batch)
    assert (line.bank_name, line.bank_account, line.bank_account_masked) == (
        "江苏农商银行",
        "6228480012345678901",
        "**** **** **** 8901",
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT bank_account FROM payments_paymentline WHERE id = %s", [line.pk])
        stored = cursor.fetchone()[0]
    assert is_token(stored) and decrypt(stored) == "6228480012345678901"


def test_generating_twice_adds_nothing(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    enrol(payee(p.village, "张二"), monthly_fen=88_000)
    first = generate(p)
    ids = list(PaymentLine.objects.unscoped().order_by("id").values_list("id", flat=True))
    second = generate(p)
    assert second.pk == first.pk
    assert list(PaymentLine.objects.unscoped().order_by("id").values_list("id", flat=True)) == ids
    assert PayrollBatch.objects.unscoped().count() == 1
    assert totals(second) == (2, 244_000, 0, 0)
    events = AuditEvent.objects.unscoped().filter(action="payments.payroll_generated").order_by("id")
    assert [e.after["added"] for e in events if e.after is not None] == [2, 0]


def test_generating_a_draft_again_follows_the_benefits_and_releases_fixed_holds(personas: Personas) -> None:
    p = personas
    no_account = payee(p.village, "张一", account="")
    enrol(no_account, monthly_fen=156_000)
    stopped = enrol(payee(p.village, "张二"), monthly_fen=88_000)
    batch = generate(p)
    assert rows(batch) == [
        ("张一", "2026-02", 156_000, "held", "no_account"),
        ("张二", "2026-02", 88_000, "pending", ""),
    ]
    type(no_account).objects.unscoped().filter(pk=no_account.pk).update(
        bank_account="6214830000001111", bank_account_masked="**** **** **** 1111"
    )
    Benefit.objects.unscoped().filter(pk=stopped.pk).update(status="stopped", stopped_from=FEB)
    batch = generate(p)
    assert rows(batch) == [("张一", "2026-02", 156_000, "pending", "")]
    assert totals(batch) == (1, 156_000, 0, 0)
    assert PaymentLine.objects.unscoped().get(batch=batch).bank_account == "6214830000001111"


# --- Holds ---------------------------------------------------------------------------------------------------------


def test_a_payee_deceased_or_moved_away_before_the_month_is_held_back(personas: Personas) -> None:
    """Issue 6: "deceased (death date before the period)": who dies during February is paid for February."""
    p = personas
    enrol(payee(p.village, "张一", status="deceased", status_date=dt.date(2026, 1, 31)))
    enrol(payee(p.village, "张二", status="deceased", status_date=dt.date(2026, 2, 1)))
    enrol(payee(p.village, "张三", status="moved_away", status_date=dt.date(2026, 1, 10)))
    enrol(payee(p.village, "张四", status="moved_away", status_date=dt.date(2026, 2, 27)))
    batch = generate(p)
    assert rows(batch) == [
        ("张一", "2026-02", 156_000, "held", "deceased"),
        ("张二", "2026-02", 156_000, "pending", ""),
        ("张三", "2026-02", 156_000, "held", "moved_away"),
        ("张四", "2026-02", 156_000, "pending", ""),
    ]
    held = PaymentLine.objects.unscoped().filter(status="held").select_related("payee")
    texts = {line.payee.name: line.hold_text for line in held}
    # Stored in Chinese (the msgids are translated in the .po catalogue).
    assert texts == {"张一": svc.hold_texts()["deceased"], "张三": svc.hold_texts()["moved_away"]}
    assert totals(batch) == (4, 624_000, 2, 312_000)


def test_the_disability_living_allowance_is_held_while_tekun_pays_the_same_person(personas: Personas) -> None:
    p = personas
    both = payee(p.village, "张一")
    enrol(both, "tekun", 120_000)
    enrol(both, "disability_living", 9_000)
    enrol(payee(p.village, "张二"), "disability_living", 9_000)
    enrol(payee(p.village, "张三"), "tekun", 120_000, status="stopped", stopped_from=FEB)
    formerly = type(both).objects.unscoped().get(name="张三")
    enrol(formerly, "disability_living", 9_000)
    allowance = generate(p, "disability_living")
    assert rows(allowance) == [
        ("张一", "2026-02", 9_000, "held", "duplicate"),
        ("张二", "2026-02", 9_000, "pending", ""),
        ("张三", "2026-02", 9_000, "pending", ""),
    ]
    line = PaymentLine.objects.unscoped().get(batch=allowance, hold_reason="duplicate")
    assert line.hold_text == svc.hold_texts()["duplicate"]
    assert totals(allowance) == (3, 27_000, 1, 9_000)
    # The 特困 payroll pays 特困 in full.
    assert rows(generate(p, "tekun")) == [("张一", "2026-02", 120_000, "pending", "")]


def test_a_payee_without_a_valid_account_is_held_back(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一", account=""))
    enrol(payee(p.village, "张二", account="1234"))  # masked all stars: 4 digits cannot be an account
    enrol(payee(p.village, "张三"))
    batch = generate(p)
    assert rows(batch) == [
        ("张一", "2026-02", 156_000, "held", "no_account"),
        ("张二", "2026-02", 156_000, "held", "no_account"),
        ("张三", "2026-02", 156_000, "pending", ""),
    ]
    assert {line.hold_text for line in PaymentLine.objects.unscoped().filter(status="held")} == {
        svc.hold_texts()["no_account"]
    }


def test_the_first_reason_found_is_the_one_recorded(personas: Personas) -> None:
    enrol(payee(personas.village, "张一", account="", status="deceased", status_date=dt.date(2026, 1, 5)))
    assert rows(generate(personas)) == [("张一", "2026-02", 156_000, "held", "deceased")]


# --- Re-issue --------------------------------------------------------------------------------------------------


def test_a_failed_line_is_reissued_once_in_the_next_batch(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"), monthly_fen=156_000)
    january = generate(p, period=dt.date(2026, 1, 1))
    failed = PaymentLine.objects.unscoped().get(batch=january)
    PaymentLine.objects.unscoped().filter(pk=failed.pk).update(status="failed", failure_reason="账户已销户")
    february = generate(p)
    assert rows(february) == [("张一", "2026-02", 156_000, "pending", ""), ("张一", "2026-01", 156_000, "pending", "")]
    reissue = PaymentLine.objects.unscoped().get(batch=february, period=dt.date(2026, 1, 1))
    assert reissue.reissue_of_id == failed.pk
    assert totals(generate(p)) == (2, 312_000, 0, 0)
    # The re-issue fails as well: it is not re-issued again.
    PaymentLine.objects.unscoped().filter(pk=reissue.pk).update(status="failed")
    assert rows(generate(p, period=MAR)) == [("张一", "2026-03", 156_000, "pending", "")]


def test_the_database_refuses_a_second_live_line_for_a_benefit_and_month(personas: Personas) -> None:
    from django.db import IntegrityError, transaction

    enrol(payee(personas.village, "张一"))
    batch = generate(personas)
    line = PaymentLine.objects.unscoped().get(batch=batch)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(
            batch=batch, benefit=line.benefit, payee=line.payee, area_code=line.area_code, period=FEB, amount_fen=1
        )


def test_the_database_refuses_a_second_reissue_of_a_failed_line(personas: Personas) -> None:
    from django.db import IntegrityError, transaction

    enrol(payee(personas.village, "张一"))
    batch = generate(personas)
    failed = PaymentLine.objects.unscoped().get(batch=batch)
    PaymentLine.objects.unscoped().filter(pk=failed.pk).update(status="failed", failure_reason="账户已销户")
    fields = {"batch": batch, "benefit": failed.benefit, "payee": failed.payee, "area_code": failed.area_code}
    PaymentLine.objects.create(**fields, period=FEB, amount_fen=1, reissue_of=failed)
    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentLine.objects.create(**fields, period=FEB, amount_fen=1, reissue_of=failed, status="failed")
    assert PaymentLine.objects.unscoped().filter(reissue_of=failed).count() == 1


def test_a_benefit_moved_to_another_county_is_not_paid_there_for_a_month_already_paid(personas: Personas) -> None:
    p = personas
    moved = enrol(payee(p.village, "张一"))
    generate(p)
    Benefit.objects.unscoped().filter(pk=moved.pk).update(area_code=p.other_village.code)
    other = svc.payroll_generate(
        actor=p.outsider(Role.COUNTY_PAYMENT_OFFICER), county=p.other_county, programme="dibao", period=FEB
    )
    assert rows(other) == []
    assert rows(
        svc.payroll_generate(
            actor=p.outsider(Role.COUNTY_PAYMENT_OFFICER), county=p.other_county, programme="dibao", period=MAR
        )
    ) == [("张一", "2026-03", 156_000, "pending", "")]


# --- Maker-checker ------------------------------------------------------------------------------------------------


def test_the_officer_prepares_and_a_different_user_approves(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"))
    with pytest.raises(PermissionDenied):
        svc.payroll_generate(actor=p[Role.COUNTY_APPROVER], county=p.county, programme="dibao", period=FEB)
    with pytest.raises(PermissionDenied):
        svc.payroll_generate(
            actor=p.outsider(Role.COUNTY_PAYMENT_OFFICER), county=p.county, programme="dibao", period=FEB
        )
    assert not PayrollBatch.objects.unscoped().exists()
    batch = generate(p)
    with pytest.raises(PermissionDenied):
        svc.payroll_approve(actor=p[Role.COUNTY_PAYMENT_OFFICER], batch=batch, **approval(batch))
    with pytest.raises(PermissionDenied):
        svc.payroll_approve(actor=p.outsider(Role.COUNTY_APPROVER), batch=batch, **approval(batch))
    approved = svc.payroll_approve(actor=p[Role.COUNTY_APPROVER], batch=batch, **approval(batch))
    assert (approved.status, approved.approved_by) == ("approved", p[Role.COUNTY_APPROVER])
    event = AuditEvent.objects.unscoped().get(action="payments.payroll_approved")
    assert event.before is not None and event.after is not None
    assert (event.before["status"], event.after["status"], event.area_code) == ("draft", "approved", "321302000000")


def test_who_prepared_the_batch_cannot_approve_it_even_holding_both_roles(personas: Personas) -> None:
    p = personas
    both = make_user("both_roles", Role.COUNTY_PAYMENT_OFFICER, p.county)
    RoleAssignment.objects.create(user=both, role=Role.COUNTY_APPROVER, division=p.county)
    enrol(payee(p.village, "张一"))
    batch = svc.payroll_generate(actor=both, county=p.county, programme="dibao", period=FEB)
    with pytest.raises(PermissionDenied, match="编制人以外"):
        svc.payroll_approve(actor=both, batch=batch, **approval(batch))
    assert PayrollBatch.objects.unscoped().get().status == "draft"


def test_approval_freezes_the_batch(personas: Personas) -> None:
    p = personas
    enrol(payee(p.village, "张一"))
    batch = generate(p)
    svc.payroll_approve(actor=p[Role.COUNTY_APPROVER], batch=batch, **approval(batch))
    enrol(payee(p.village, "张二"))
    with pytest.raises(ValidationError, match="不能再更改"):
        generate(p)
    second_approver = make_user("approver_2", Role.COUNTY_APPROVER, p.county)
    with pytest.raises(ValidationError, match="已审核"):
        svc.payroll_approve(actor=second_approver, batch=batch, **approval(batch))
    assert rows(batch) == [("张一", "2026-02", 156_000, "pending", "")]
    assert totals(batch) == (1, 156_000, 0, 0)


def test_a_batch_is_for_a_county_a_month_and_a_monthly_programme(personas: Personas) -> None:
    p = personas
    officer = p[Role.COUNTY_PAYMENT_OFFICER]
    with pytest.raises(ValidationError):
        svc.payroll_generate(actor=officer, county=p.township, programme="dibao", period=FEB)
    with pytest.raises(ValidationError):
        svc.payroll_generate(actor=officer, county=p.county, programme="dibao", period=dt.date(2026, 2, 2))
    with pytest.raises(ValidationError):
        svc.payroll_generate(actor=officer, county=p.county, programme="temporary", period=FEB)
    assert not PayrollBatch.objects.unscoped().exists()


# --- Concurrency on PostgreSQL --------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a server database with real row locks")
def test_simultaneous_generations_and_approvals_on_postgresql_pay_each_benefit_once() -> None:
    p = build_personas()
    for index in range(20):
        enrol(payee(p.village, f"张{index}"), monthly_fen=100_000 + index)
    officers = [p[Role.COUNTY_PAYMENT_OFFICER]] + [
        make_user(f"officer_{n}", Role.COUNTY_PAYMENT_OFFICER, p.county) for n in range(3)
    ]
    barrier = threading.Barrier(len(officers))
    errors: list[BaseException] = []

    def run(actor: User) -> None:
        try:
            barrier.wait()
            svc.payroll_generate(actor=actor, county=p.county, programme="dibao", period=FEB)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(officer,)) for officer in officers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    batch = PayrollBatch.objects.unscoped().get()
    assert PaymentLine.objects.unscoped().count() == 20
    assert totals(batch) == (20, 2_000_190, 0, 0)

    approvers = [p[Role.COUNTY_APPROVER], make_user("approver_2", Role.COUNTY_APPROVER, p.county)]
    approvals = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(actor: User) -> None:
        try:
            stale = PayrollBatch.objects.unscoped().get(pk=batch.pk)
            approvals.wait()
            svc.payroll_approve(actor=actor, batch=stale, **approval(stale))
            outcomes.append("approved")
        except ValidationError:
            outcomes.append("error")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(user,)) for user in approvers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["approved", "error"]
    assert AuditEvent.objects.unscoped().filter(action="payments.payroll_approved").count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_the_skip_of_months_paid_already_is_a_probe_per_benefit_whatever_the_statistics(
    personas: Personas, monkeypatch: Any
) -> None:
    """With statistics that do not know the month's lines yet, an anti-join compared every benefit with every line
    of the month (750 s for the demo city's second month). The plan must probe the unique index per benefit."""
    p = personas
    enrol(payee(p.village, "张一"))
    generate(p)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE payments_paymentline")  # statistics that say "no line for March"
    captured: list[tuple[str, list[Any]]] = []

    class Capture:
        rowcount = 0

        def __enter__(self) -> Capture:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def execute(self, sql: str, params: list[Any]) -> None:
            captured.append((sql, params))

    batch = PayrollBatch.objects.unscoped().get()
    batch.period = MAR
    monkeypatch.setattr(connection, "cursor", lambda: Capture())
    svc._insert_lines(batch, p.county.code[:6])
    monkeypatch.undo()
    sql, params = captured[0]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # Not pulled up into a join: the check runs as a subplan, for each benefit, on that benefit's lines.
    assert "Anti Join" not in plan
    assert "SubPlan" in plan and "payments_paymentline e" in plan
