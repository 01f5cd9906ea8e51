"""The demo city's payroll history through the real payroll path: every month from the start of the last complete
half-year (``core.months.last_complete_half``: the half the demo is calibrated on) to the current month, so that the
dashboard's default period (the year to date) shows money paid on a fresh demo.

For every month, county and monthly programme with benefits in the county, the county's demo payment officer
generates the batch (``payroll_generate``), the county's demo approver approves it (``payroll_approve``), the officer
exports the payment file (``payment_file_export``), a simulated bank answers it — nearly every line paid, a seeded
``FAILURE_RATE`` failed with a bank's reason — and the officer imports that return file (``bank_return_import``).
The next month's generation re-issues the failed lines, as it does in production; lines failed in the current month
wait for next month's payroll.

Before the first month the payees get bank accounts (the people demo gives one to about 60% of adults only), except
a seeded ``NO_ACCOUNT_SHARE`` of them, whose lines the payroll holds back (``no_account``) every month. After each
month a payee whose line failed has a new account registered (the village worker records it when the bank's answer
comes back), so the re-issue goes to the new account.

Nothing here writes a payment line or a status itself: the counts are whatever the services did. The batches'
prepared, approved and created times are set to the month they pay (the services stamp them with the present), so
the batch list reads like a history (the current month's keep the present). Skipped when any payroll batch exists.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Count, Model, Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from minsheng.accounts.models import RoleAssignment, User
from minsheng.accounts.roles import Role
from minsheng.areas.models import Division
from minsheng.assistance.benefits.models import Benefit
from minsheng.assistance.programmes import MONTHLY_PROGRAMMES
from minsheng.core.crypto import encrypt_many, mask_bank_account
from minsheng.core.months import demo_history_months
from minsheng.payments.bankfiles import bank_return_import, payment_file_export
from minsheng.payments.models import PaymentLine, PayrollBatch
from minsheng.payments.services import payroll_approve, payroll_generate
from minsheng.people.demo import BANKS
from minsheng.people.models import Person

CITY_PREFIX = "3213"
# Of all payees, this share has no bank account on record (held back every month).
NO_ACCOUNT_SHARE = 0.003
# Of the lines sent to the bank (re-issues excepted), this share comes back failed.
FAILURE_RATE = 0.0015
FAILURE_REASONS = ("账户已销户", "户名不符", "账户冻结", "账户不存在", "账户已挂失")
# The programmes in the order the batches of a county are run.


@dataclass
class PayrollHistoryCounts:
    batches: int = 0
    lines: int = 0
    paid: int = 0
    failed: int = 0
    reissued: int = 0
    held: int = 0
    paid_fen: int = 0
    accounts_added: int = 0
    payees_without_account: int = 0
    # programme → (payees paid for the last month, persons their benefits cover, fen paid over the history)
    by_programme: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    seconds: float = 0.0
    months: tuple[dt.date, dt.date] | None = None  # the first and the last month paid


@dataclass(frozen=True)
class Officers:
    """The county's two demo accounts of the history: who prepares and who approves (maker-checker)."""

    prepare: User
    approve: User


def _account(username: str, display_name: str, role: str, county: Division) -> User:
    """A history account: active (the services check its scope) but without a usable password, so nobody logs in
    with it; the demo's login accounts come from ``demo_setup``."""
    user, created = User.objects.get_or_create(
        username=username, defaults={"display_name": display_name, "home_area": county, "is_active": True}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    RoleAssignment.objects.get_or_create(user=user, role=role, division=county, department=None)
    return User.objects.get(pk=user.pk)  # fresh: the assignments are cached on the instance


def history_officers(county: Division) -> Officers:
    code = county.code[:6]
    return Officers(
        prepare=_account(f"payroll-{code}", f"{county.name}发放专员（演示历史）", Role.COUNTY_PAYMENT_OFFICER, county),
        approve=_account(f"approver-{code}", f"{county.name}审核确认（演示历史）", Role.COUNTY_APPROVER, county),
    )


def _set_accounts(rows: list[tuple[int, str, str]]) -> None:
    """(person id, bank, account number) → the person's account, encrypted with its masked copy as the people services
    store it: one prepared statement for all rows."""
    tokens = encrypt_many(number for _pk, _bank, number in rows)
    person = connection.ops.quote_name(Person._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {person} SET bank_name = %s, bank_account = %s, bank_account_masked = %s WHERE id = %s",
            [
                (bank, token, mask_bank_account(number), pk)
                for (pk, bank, number), token in zip(rows, tokens, strict=True)
            ],
        )


def _new_account(seed: int, person_id: int, attempt: int) -> tuple[int, str, str]:
    rng = random.Random(f"{seed}:account:{person_id}:{attempt}")
    return person_id, rng.choice(BANKS), f"62{rng.randint(10**16, 10**17 - 1)}"


def payees_accounts(*, seed: int) -> tuple[int, int]:
    """Give every payee of a benefit an account, except ``round(NO_ACCOUNT_SHARE × payees)`` of those without one,
    chosen by ``seed``. Returns (accounts added, payees left without)."""
    # unscoped: demo city built by the system: every payee of a benefit gets a bank account
    payees = Person.objects.unscoped().filter(pk__in=Benefit.objects.unscoped().values("payee_id"))
    total = payees.count()
    lacking = sorted(
        payees.filter(Q(bank_account_masked="") | Q(bank_account__isnull=True)).values_list("pk", flat=True)
    )
    keep_without = set(
        random.Random(f"{seed}:no-account").sample(lacking, min(len(lacking), round(NO_ACCOUNT_SHARE * total)))
    )
    rows = [_new_account(seed, pk, 0) for pk in lacking if pk not in keep_without]
    _set_accounts(rows)
    return len(rows), len(keep_without)


BankDecision = Callable[[list[str]], str]


def bank_decision(*, seed: int, county: str, programme: str, period: dt.date) -> BankDecision:
    """How the simulated bank answers a row of one payment file: "" (paid) or its reason for failing. A seeded
    ``FAILURE_RATE`` of the month's own lines fail; a re-issue (its month is earlier) is paid."""
    rng = random.Random(f"{seed}:bank:{county}:{programme}:{period:%Y-%m}")
    month = f"{period:%Y-%m}"

    def decide(row: list[str]) -> str:
        if row[5] == month and rng.random() < FAILURE_RATE:
            return rng.choice(FAILURE_REASONS)
        return ""

    return decide


def _bank_answer(payment_file: bytes, decide: BankDecision) -> tuple[bytes, list[str]]:
    """The bank's return file for a payment file (layout in docs/payments.md) and the references it failed."""
    rows = list(csv.reader(io.StringIO(payment_file.decode("utf-8-sig"))))[1:]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["reference", "result", "failure_reason"])
    failed = []
    for row in rows:
        reason = decide(row)
        writer.writerow([row[0], "failed" if reason else "paid", reason])
        if reason:
            failed.append(row[0])
    return out.getvalue().encode("utf-8-sig"), failed


def _county_programmes() -> list[tuple[Division, list[str]]]:
    """Each county of the city with the monthly programmes that have benefits in it."""
    # unscoped: demo city built by the system: the counties and programmes with benefits
    pairs = set(
        Benefit.objects.unscoped()
        .annotate(county=Substr("area_code", 1, 6))
        .values_list("county", "programme")
        .distinct()
    )
    counties = Division.objects.all().filter(level=Division.Level.COUNTY, code__startswith=CITY_PREFIX)
    return [
        (county, [p for p in MONTHLY_PROGRAMMES if (county.code[:6], p) in pairs])
        for county in counties.order_by("code")
        if any(county.code[:6] == c for c, _p in pairs)
    ]


def _backdate(period: dt.date, today: dt.date) -> None:
    """The month's batches were prepared and approved around the 20th of the month they pay; the current month's keep
    the present (the services' own stamps)."""
    if period.replace(day=20) > today:
        return
    prepared = timezone.make_aware(dt.datetime.combine(period.replace(day=18), dt.time(10)))
    approved = timezone.make_aware(dt.datetime.combine(period.replace(day=20), dt.time(15)))
    # unscoped: demo city built by the system: the history's batches get their past dates
    PayrollBatch.objects.unscoped().filter(period=period).update(
        created_at=prepared, prepared_at=prepared, approved_at=approved
    )


def _month(
    *, seed: int, period: dt.date, plan: list[tuple[Division, list[str]]], officers: dict[str, Officers]
) -> list[str]:
    """Run the month's payroll of every county and programme; returns the references the bank failed."""
    failed: list[str] = []
    for county, programmes in plan:
        people = officers[county.code]
        for programme in programmes:
            batch = payroll_generate(actor=people.prepare, county=county, programme=programme, period=period)
            batch = payroll_approve(
                actor=people.approve,
                batch=batch,
                opinion="经审核，同意发放。",
                confirmed_count=batch.payable_count,
                confirmed_fen=batch.payable_fen,
            )
            payment_file = payment_file_export(actor=people.prepare, batch=batch, fmt="csv")
            decide = bank_decision(seed=seed, county=county.code, programme=programme, period=period)
            answer, refused = _bank_answer(payment_file.content, decide)
            bank_return_import(
                actor=people.prepare,
                batch=batch,
                filename=f"return-{county.code}-{programme}-{period:%Y-%m}.csv",
                content=answer,
            )
            failed.extend(refused)
    return failed


def _new_accounts_after_failure(seed: int, references: list[str], attempt: int) -> None:
    """The payees of failed lines register a new account before the next month's payroll."""
    # unscoped: demo city built by the system: the payees of the failed lines
    payees = sorted(
        set(
            PaymentLine.objects.unscoped()
            .filter(pk__in=[int(r) for r in references])
            .values_list("payee_id", flat=True)
        )
    )
    _set_accounts([_new_account(seed, pk, attempt) for pk in payees])


def _counts(counts: PayrollHistoryCounts, months: list[dt.date]) -> None:
    # unscoped: demo city built by the system: the lines of the payroll history, counted
    lines = PaymentLine.objects.unscoped().filter(batch__period__in=months)
    totals = lines.aggregate(
        lines=Count("id"),
        paid=Count("id", filter=Q(status=PaymentLine.Status.PAID)),
        failed=Count("id", filter=Q(status=PaymentLine.Status.FAILED)),
        held=Count("id", filter=Q(status=PaymentLine.Status.HELD)),
        reissued=Count("id", filter=Q(reissue_of__isnull=False)),
        paid_fen=Sum("amount_fen", filter=Q(status=PaymentLine.Status.PAID)),
    )
    counts.lines = totals["lines"] or 0
    counts.paid = totals["paid"] or 0
    counts.failed = totals["failed"] or 0
    counts.held = totals["held"] or 0
    counts.reissued = totals["reissued"] or 0
    counts.paid_fen = totals["paid_fen"] or 0
    # unscoped: demo city built by the system: the batches of the payroll history, counted
    counts.batches = PayrollBatch.objects.unscoped().filter(period__in=months).count()
    paid = lines.filter(status=PaymentLine.Status.PAID)
    fen = dict(paid.values("batch__programme").annotate(f=Sum("amount_fen")).values_list("batch__programme", "f"))
    last = {
        programme: (payees, covered)
        for programme, payees, covered in paid.filter(period=months[-1], reissue_of__isnull=True)
        .values("batch__programme")
        .annotate(n=Count("payee_id", distinct=True), c=Sum("benefit__covered"))
        .values_list("batch__programme", "n", "c")
    }
    counts.by_programme = {p: (*last.get(p, (0, 0)), fen[p]) for p in MONTHLY_PROGRAMMES if p in fen}


def _analyze(*models: type[Model]) -> None:
    """PostgreSQL plans the payroll's SQL on table statistics; the demo has just filled these tables (and each month
    adds lines), before autovacuum has looked at them."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def demo_payroll_history(
    *,
    seed: int,
    today: dt.date | None = None,
    months: list[dt.date] | None = None,
    progress: Callable[[str], None] | None = None,
) -> PayrollHistoryCounts:
    """Pay every month of ``months`` (by default ``demo_history_months(today)``) for the demo city through the
    payroll services; nothing when any batch exists."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    months = months or demo_history_months(today)
    counts = PayrollHistoryCounts(months=(months[0], months[-1]))
    # unscoped: demo city built by the system: any batch anywhere means the history is there already
    if PayrollBatch.objects.unscoped().exists():
        return counts
    plan = _county_programmes()
    if not plan:
        return counts
    with transaction.atomic():
        counts.accounts_added, counts.payees_without_account = payees_accounts(seed=seed)
        officers = {county.code: history_officers(county) for county, _programmes in plan}
    _analyze(Person, Benefit)
    for attempt, period in enumerate(months, start=1):
        _analyze(PaymentLine, PayrollBatch)
        # One transaction per month: the services' own transactions become savepoints, so SQLite commits once.
        with transaction.atomic():
            failed = _month(seed=seed, period=period, plan=plan, officers=officers)
            _new_accounts_after_failure(seed, failed, attempt)
            _backdate(period, today)
        if progress:
            # unscoped: demo city built by the system: the month's lines, for the progress line
            month = PaymentLine.objects.unscoped().filter(batch__period=period)
            done = month.aggregate(
                paid=Count("id", filter=Q(status=PaymentLine.Status.PAID)),
                reissued=Count("id", filter=Q(reissue_of__isnull=False)),
                held=Count("id", filter=Q(status=PaymentLine.Status.HELD)),
                fen=Sum("amount_fen", filter=Q(status=PaymentLine.Status.PAID)),
            )
            progress(
                f"payroll {period:%Y-%m}: {done['paid']:,} lines paid (¥{(done['fen'] or 0) // 100:,}), "
                f"{len(failed)} failed, {done['reissued']} re-issued, {done['held']} held back "
                f"({time.perf_counter() - started:.1f}s)"
            )
    _counts(counts, months)
    counts.seconds = time.perf_counter() - started
    return counts


def demo_step(scale: float, seed: int, say: Callable[[str], None]) -> str | None:
    """The payroll's part of ``manage.py demo_city``: the months to the present paid through the real path."""
    payroll = demo_payroll_history(seed=seed, progress=lambda text: say(f"  {text}"))
    if not payroll.batches or payroll.months is None:
        return None
    first, last = payroll.months
    lines = [
        f"payroll {first:%Y-%m} to {last:%Y-%m}: {payroll.batches} batches, {payroll.paid:,} lines paid, "
        f"{payroll.failed} failed, {payroll.reissued} re-issued, {payroll.held} held back "
        f"({payroll.payees_without_account} payees without an account); "
        f"¥{payroll.paid_fen / 100:,.2f} paid in {payroll.seconds:.1f}s"
    ]
    for programme, (payees, persons, fen) in payroll.by_programme.items():
        lines.append(
            f"  {programme}: {payees:,} payees ({persons:,} persons covered) paid for {last:%Y-%m}, "
            f"¥{fen / 100:,.2f} in all"
        )
    return "\n".join(lines)
