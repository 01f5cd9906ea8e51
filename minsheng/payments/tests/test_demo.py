"""The demo's payroll history through the real payroll path: January to June 2023 on a caseload built by hand, and
the demo city's own caseload from the last complete half-year to the present.

宿城区 pays 低保 to 张一 (fails at the bank in February), 张二, 张三 (from April), 张四 (dies on 10 March) and to two
payees registered without an account, of whom the demo leaves one without; 沭阳县 pays 特困 to 李一.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minsheng.assistance.benefits.models import Benefit
from minsheng.core.months import demo_history_months
from minsheng.payments import demo
from minsheng.payments.models import PaymentLine, PayrollBatch
from minsheng.payments.services import hold_texts
from minsheng.payments.tests.factories import enrol, line_totals, payee, stored_totals
from minsheng.people.models import Person
from minsheng.testing import Personas

pytestmark = pytest.mark.django_db

MONTHS = [dt.date(2023, m, 1) for m in range(1, 7)]
JAN, FEB, MAR, APR = MONTHS[:4]
JAN_26 = dt.date(2026, 1, 1)


@pytest.fixture
def caseload(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> dict[str, Benefit]:
    p = personas
    # Of 7 payees, round(7 × 0.15) = 1 of the two without an account is left without.
    monkeypatch.setattr(demo, "NO_ACCOUNT_SHARE", 0.15)

    def decision(*, seed: int, county: str, programme: str, period: dt.date) -> demo.BankDecision:
        return lambda row: "账户已销户" if (row[1], row[5], period) == ("张一", "2023-02", FEB) else ""

    monkeypatch.setattr(demo, "bank_decision", decision)
    return {
        "张一": enrol(payee(p.village, "张一"), monthly_fen=156_000, first_month=dt.date(2022, 6, 1)),
        "张二": enrol(payee(p.village, "张二"), monthly_fen=88_000, first_month=JAN, covered=3),
        "张三": enrol(payee(p.village, "张三"), monthly_fen=70_000, first_month=APR),
        "张四": enrol(
            payee(p.village, "张四", status="deceased", status_date=dt.date(2023, 3, 10)),
            monthly_fen=50_000,
            first_month=JAN,
        ),
        "王一": enrol(payee(p.village, "王一", account=""), monthly_fen=40_000, first_month=JAN),
        "王二": enrol(payee(p.village, "王二", account=""), monthly_fen=30_000, first_month=JAN),
        "李一": enrol(payee(p.other_village, "李一"), "tekun", monthly_fen=120_000, first_month=JAN),
    }


def lines_of(benefit: Benefit) -> list[tuple[str, str, str, int, str]]:
    """(batch month, month paid, status, amount, reason) of the benefit's lines, in order."""
    rows = (
        PaymentLine.objects.unscoped().filter(benefit=benefit).select_related("batch").order_by("batch__period", "id")
    )
    return [
        (f"{r.batch.period:%Y-%m}", f"{r.period:%Y-%m}", r.status, r.amount_fen, r.hold_reason or r.failure_reason)
        for r in rows
    ]


def paid_every_month(amount: int, months: list[dt.date] = MONTHS) -> list[tuple[str, str, str, int, str]]:
    return [(f"{m:%Y-%m}", f"{m:%Y-%m}", "paid", amount, "") for m in months]


def test_six_months_are_generated_approved_paid_and_reconciled_per_county_and_programme(
    caseload: dict[str, Benefit], personas: Personas
) -> None:
    counts = demo.demo_payroll_history(seed=1, months=MONTHS)

    batches = PayrollBatch.objects.unscoped().order_by("area_code", "programme", "period")
    assert [(b.area_code, b.programme, b.period, b.status) for b in batches] == [
        *[("321302000000", "dibao", m, "reconciled") for m in MONTHS],
        *[(personas.other_county.code, "tekun", m, "reconciled") for m in MONTHS],
    ]
    for batch in batches:
        # Maker-checker: the county's demo payment officer prepared, its demo approver approved.
        assert batch.prepared_by is not None and batch.approved_by is not None
        assert (batch.prepared_by.username, batch.approved_by.username) == (
            f"payroll-{batch.area_code[:6]}",
            f"approver-{batch.area_code[:6]}",
        )
        assert batch.prepared_at is not None and batch.approved_at is not None
        assert (timezone.localdate(batch.prepared_at), timezone.localdate(batch.approved_at)) == (
            batch.period.replace(day=18),
            batch.period.replace(day=20),
        )
        lines = PaymentLine.objects.unscoped().filter(batch=batch)
        assert batch.line_count == lines.count()
        assert batch.total_fen == sum(lines.values_list("amount_fen", flat=True))
        assert batch.held_fen == sum(lines.filter(status="held").values_list("amount_fen", flat=True))
        # Every figure the batch keeps, after its generation and its bank's answer, is what its lines add up to.
        assert stored_totals(batch) == line_totals(batch)

    one = caseload["张一"]
    assert (
        lines_of(one)
        == [
            ("2023-01", "2023-01", "paid", 156_000, ""),
            ("2023-02", "2023-02", "failed", 156_000, "账户已销户"),
            ("2023-03", "2023-03", "paid", 156_000, ""),
            ("2023-03", "2023-02", "paid", 156_000, ""),  # the re-issue of February, once
            *paid_every_month(156_000, MONTHS[3:]),
        ]
    )
    failed = PaymentLine.objects.unscoped().get(benefit=one, status="failed")
    reissue = PaymentLine.objects.unscoped().get(reissue_of=failed)
    # After the failure a new account was registered, and the re-issue went to it.
    assert reissue.bank_account != failed.bank_account
    assert reissue.bank_account == Person.objects.unscoped().get(pk=one.payee_id).bank_account

    assert lines_of(caseload["张二"]) == paid_every_month(88_000)
    assert lines_of(caseload["张三"]) == paid_every_month(70_000, MONTHS[3:])
    assert lines_of(caseload["李一"]) == paid_every_month(120_000)
    # Dead on 10 March: paid for March, held from April.
    assert lines_of(caseload["张四"]) == [
        *paid_every_month(50_000, MONTHS[:3]),
        *[(f"{m:%Y-%m}", f"{m:%Y-%m}", "held", 50_000, "deceased") for m in MONTHS[3:]],
    ]
    # Of the two without an account one got one and is paid; the other is held every month, with the reason.
    without = [n for n in ("王一", "王二") if not Person.objects.unscoped().get(pk=caseload[n].payee_id).bank_account]
    assert len(without) == 1
    name = without[0]
    other = "王二" if name == "王一" else "王一"
    amount = {"王一": 40_000, "王二": 30_000}
    assert lines_of(caseload[name]) == [
        (f"{m:%Y-%m}", f"{m:%Y-%m}", "held", amount[name], "no_account") for m in MONTHS
    ]
    assert {line.hold_text for line in PaymentLine.objects.unscoped().filter(benefit=caseload[name])} == {
        hold_texts()["no_account"]
    }
    assert lines_of(caseload[other]) == paid_every_month(amount[other])
    # 宿城区's February: 张一 failed at the bank, the others paid, one held without an account.
    february = PayrollBatch.objects.unscoped().get(area_code="321302000000", period=FEB)
    assert {k: v for k, v in stored_totals(february).items() if v} == {
        "line_count": 5,
        "total_fen": 156_000 + 88_000 + 50_000 + 40_000 + 30_000,
        "paid_count": 3,
        "paid_fen": 88_000 + 50_000 + amount[other],
        "failed_count": 1,
        "failed_fen": 156_000,
        "held_count": 1,
        "held_fen": amount[name],
        "held_by_reason": {"no_account": {"count": 1, "fen": amount[name]}},
    }

    paid_fen = 6 * 156_000 + 6 * 88_000 + 3 * 70_000 + 3 * 50_000 + 6 * amount[other] + 6 * 120_000
    assert (counts.batches, counts.paid, counts.failed, counts.reissued, counts.held) == (12, 30, 1, 1, 9)
    assert (counts.accounts_added, counts.payees_without_account) == (1, 1)
    assert (
        counts.paid_fen
        == paid_fen
        == sum(PaymentLine.objects.unscoped().filter(status="paid").values_list("amount_fen", flat=True))
    )
    assert counts.by_programme == {
        # Paid for June: 张一, 张二 (a household of 3), 张三 and the one with an account.
        "dibao": (4, 6, paid_fen - 6 * 120_000),
        "tekun": (1, 1, 6 * 120_000),
    }


def test_each_benefit_is_paid_once_per_month(caseload: dict[str, Benefit]) -> None:
    demo.demo_payroll_history(seed=1, months=MONTHS)
    paid = PaymentLine.objects.unscoped().filter(status="paid").values_list("benefit_id", "period")
    assert len(paid) == len(set(paid))


def test_running_the_history_again_adds_nothing(caseload: dict[str, Benefit]) -> None:
    demo.demo_payroll_history(seed=1, months=MONTHS)
    lines = list(PaymentLine.objects.unscoped().order_by("id").values_list("id", "status"))
    again = demo.demo_payroll_history(seed=1, months=MONTHS)
    assert (again.batches, again.paid, again.accounts_added) == (0, 0, 0)
    assert list(PaymentLine.objects.unscoped().order_by("id").values_list("id", "status")) == lines
    assert PayrollBatch.objects.unscoped().count() == 12


def test_the_seeded_bank_fails_only_the_months_own_lines() -> None:
    decide = demo.bank_decision(seed=3, county="321302000000", programme="dibao", period=FEB)
    reissue = ["1", "张一", "6228480012345678901", "", "1560.00", "2023-01", "宿城区"]
    assert all(decide(reissue) == "" for _ in range(5_000))
    own = [*reissue[:5], "2023-02", "宿城区"]
    reasons = [decide(own) for _ in range(100_000)]
    failed = [r for r in reasons if r]
    assert len(failed) == 174  # seeded; FAILURE_RATE (0.15%) of 100,000 is 150 on average
    assert set(failed) == set(demo.FAILURE_REASONS)


def test_the_demo_city_caseload_pays_every_month_to_the_present() -> None:
    """The demo's own caseload, enrolled before the last complete half-year, through the history from that half-year
    to the current month: every benefit paid once a month unless held back, no account missing but the chosen few,
    the batches' totals equal to their lines, the current month's batches stamped with the present."""
    from minsheng.assistance.benefits.demo import ENROLLED_FROM, demo_enrol
    from minsheng.assistance.means.demo import demo_economic_statuses
    from minsheng.people.demo import demo_city

    today = dt.date(2026, 11, 15)
    demo_city(scale=0.002, seed=7, today=today)
    demo_economic_statuses(seed=7, today=today)
    demo_enrol(seed=7, today=today)
    benefits = Benefit.objects.unscoped()
    assert benefits.count() > 200
    months = [dt.date(2026, m, 1) for m in range(1, 12)]  # 2026-01 (the last complete half-year) to 2026-11
    assert demo_history_months(today) == months
    assert {b.first_month for b in benefits} <= {
        dt.date(y, m, 1) for y in range(2019, 2027) for m in range(1, 13) if ENROLLED_FROM <= dt.date(y, m, 1) <= JAN_26
    }
    assert all(b.next_review_on > today for b in benefits)

    counts = demo.demo_payroll_history(seed=7, today=today)
    assert counts.months == (JAN_26, dt.date(2026, 11, 1))

    lines = PaymentLine.objects.unscoped()
    live = [(b, p) for b, p, s in lines.values_list("benefit_id", "period", "status") if s != "failed"]
    # Every benefit has one live line a month: paid, or held back with its reason; a line the bank failed in the last
    # month waits for next month's re-issue.
    waiting = set(lines.filter(status="failed", period=months[-1]).values_list("benefit_id", "period"))
    assert sorted(live) == sorted({(b.pk, m) for b in benefits for m in months} - waiting)
    held = set(lines.filter(status="held").values_list("hold_reason", flat=True))
    assert held <= {"no_account", "duplicate"}
    no_account = set(lines.filter(hold_reason="no_account").values_list("payee_id", flat=True))
    assert (
        len(no_account)
        == counts.payees_without_account
        == round(demo.NO_ACCOUNT_SHARE * len({b.payee_id for b in benefits}))
    )
    assert not lines.filter(status="pending").exists()
    assert counts.failed == lines.filter(status="failed").count()
    # Each failed line but June's own is re-issued once, in the next batch of its county and programme.
    for failed in lines.filter(status="failed").select_related("batch"):
        reissues = lines.filter(reissue_of=failed).select_related("batch")
        if failed.batch.period == months[-1]:
            assert not reissues.exists()
        else:
            (reissue,) = reissues
            assert (reissue.batch.period.month, reissue.status) == (failed.batch.period.month + 1, "paid")
    assert counts.paid_fen == sum(lines.filter(status="paid").values_list("amount_fen", flat=True))
    for batch in PayrollBatch.objects.unscoped():
        assert batch.status == "reconciled"
        assert batch.approved_at is not None
        if batch.period == months[-1]:  # the current month (the 15th, before the 20th): stamped when run
            assert timezone.localdate(batch.approved_at) == timezone.localdate()
        else:
            assert timezone.localdate(batch.approved_at) == batch.period.replace(day=20)
        assert batch.total_fen == sum(lines.filter(batch=batch).values_list("amount_fen", flat=True))
        assert stored_totals(batch) == line_totals(batch)
