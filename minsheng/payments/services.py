"""The monthly payroll: generate a county's batch by set-based SQL, hold rows back with reasons, approve it.

Generation (``payroll_generate``) is a handful of statements whatever the size of the county:

1. ``INSERT … SELECT`` one line per benefit of the county and programme that pays for the month, with the amount in
   force that month by the benefit's history (the same rule as ``assistance.benefits.selectors.amount_for_month``)
   and the payee's bank account copied as it is stored (the encrypted token; tokens are not bound to a row);
2. ``INSERT … SELECT`` the re-issue of each line of an earlier batch the bank returned as failed (once);
3. in a draft that is generated again: drop lines whose benefit no longer pays, bring amounts and accounts up to date
   and release the holds, so that every check below runs again on today's facts;
4. one ``UPDATE`` per hold-back reason, each touching only lines still pending, so the first reason found wins;
5. one grouped aggregate for the batch's counts and totals per status and hold reason, stored on the batch
   (``batch_totals_store``, which the bank's return file calls too).

Both inserts end in ``ON CONFLICT DO NOTHING`` (PostgreSQL and SQLite alike) against the partial unique constraint
"one live line per benefit and month", so a second run, a retried task or a concurrent worker adds nothing. The
batch row is locked for the whole generation and approval, and each checks the status inside the lock: an approved
batch is frozen.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minsheng.areas.models import Division
from minsheng.assistance.benefits.models import Benefit, BenefitChange
from minsheng.assistance.benefits.selectors import pays_in_sql
from minsheng.assistance.benefits.services import benefits_end_tapers
from minsheng.assistance.programmes import MONTHLY_PROGRAMMES, Programme
from minsheng.audit.services import audit_record
from minsheng.core.limits import REASON_MAX, require_length
from minsheng.core.months import EARLIEST_MONTH, month_of
from minsheng.core.scoping import scope_allows
from minsheng.core.templatetags.money import yuan
from minsheng.payments.models import PaymentLine, PayrollBatch
from minsheng.people.models import Person

if TYPE_CHECKING:
    from minsheng.accounts.models import User

PREPARE = "payments.add_payrollbatch"
APPROVE = "payments.approve_payrollbatch"

# Benefits that must not be paid together to the same person (DOMAIN §2, §6.1): the first is held back while the
# second pays for the same month.
DUPLICATES: tuple[tuple[str, str], ...] = ((Programme.DISABILITY_LIVING, Programme.TEKUN),)


@functools.cache  # always the same Chinese texts; a page of held lines asks once per line
def hold_texts() -> dict[str, str]:
    """The Chinese text of each hold reason, shown with a held line (``PaymentLine.hold_text``)."""
    with translation.override("zh-hans"):
        return {
            PaymentLine.HoldReason.DECEASED: _("The payee is registered as deceased before this month."),
            PaymentLine.HoldReason.MOVED_AWAY: _("The payee is registered as moved away before this month."),
            PaymentLine.HoldReason.DUPLICATE: _(
                "The payee receives 特困 support for the same month; the disability living allowance is not paid "
                "on top of it."
            ),
            PaymentLine.HoldReason.NO_ACCOUNT: _("The payee has no valid bank account on record."),
        }


def _q(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _date(day: dt.date) -> Any:
    return connection.ops.adapt_datefield_value(day)


def _amount_in(alias: str) -> str:
    """SQL: what the benefit ``alias`` pays for the month given as the next parameter: the newest amount in force
    by its history (``amount_for_month``), or its current amount when it has no history."""
    return (
        f"COALESCE((SELECT c.new_fen FROM {_q(BenefitChange)} c WHERE c.benefit_id = {alias}.id "
        "AND c.new_fen IS NOT NULL AND c.effective_month <= %s "
        f"ORDER BY c.effective_month DESC, c.created_at DESC, c.id DESC LIMIT 1), {alias}.monthly_fen)"
    )


def _probe_each() -> str:
    """SQL that keeps a PostgreSQL ``EXISTS`` subquery a probe per outer row (``OFFSET 0`` stops the planner from
    turning it into a join); SQLite runs it per row anyway and has no ``OFFSET`` without ``LIMIT``."""
    return " OFFSET 0" if connection.vendor == "postgresql" else ""


def _require_county(county: Division) -> None:
    if county.level != Division.Level.COUNTY:
        raise ValidationError({"county": _("A payroll is prepared for a county.")})


def require_period(period: dt.date, *, today: dt.date | None = None) -> None:
    """A payroll pays for the current month or an earlier one, never before ``months.EARLIEST_MONTH``: a month that
    has not begun (2030-01, 9999-12) cannot be prepared or approved."""
    if period.day != 1:
        raise ValidationError({"period": _("The month paid is given by its first day.")})
    current = month_of(today or timezone.localdate())
    if period > current:
        raise ValidationError(
            {
                "period": _("A payroll is prepared for the current month or an earlier one; %(month)s has not begun.")
                % {"month": f"{period:%Y-%m}"}
            }
        )
    if period < EARLIEST_MONTH:
        raise ValidationError(
            {"period": _("A payroll month starts from %(first)s.") % {"first": f"{EARLIEST_MONTH:%Y-%m}"}}
        )


def _batch_for(*, county: Division, programme: str, period: dt.date) -> PayrollBatch:
    """The county's batch for the month, created on first use; locked for the rest of the transaction."""
    # unscoped: the caller checked the actor's right to prepare in the county; the batch is read by key
    batches = PayrollBatch.objects.unscoped()
    try:
        with transaction.atomic():
            batches.get_or_create(area_code=county.code, programme=programme, period=period)
    except IntegrityError:
        pass  # created meanwhile by a concurrent run; the lock below waits for it
    return batches.select_for_update().get(area_code=county.code, programme=programme, period=period)


@dataclass(frozen=True)
class _HoldSQL:
    """The reason to hold back a line of a batch paid to the payee ``p`` (a person row): ``reason`` is an SQL
    expression, '' when the line may be paid, reading the rows of ``join`` (placed after the join of ``p``)."""

    reason: str
    reason_params: list[Any]
    join: str
    join_params: list[Any]


def _hold_reason(batch: PayrollBatch) -> _HoldSQL:
    """The reasons in order, the first found wins: deceased, moved away (each dated before the month paid), a
    duplicate benefit, no usable account. Generation writes the reason with each line, so a line is written once; a
    draft generated again recomputes it the same way.

    The duplicate check is a join with the payees of the benefit that excludes this one (a hash of some thousands
    of rows, built once) rather than a probe per line."""
    start = _date(batch.period)
    cases = [
        "WHEN p.status = %s AND p.status_date < %s THEN %s",
        "WHEN p.status = %s AND p.status_date < %s THEN %s",
    ]
    params: list[Any] = [
        Person.Status.DECEASED.value,
        start,
        PaymentLine.HoldReason.DECEASED.value,
        Person.Status.MOVED_AWAY.value,
        start,
        PaymentLine.HoldReason.MOVED_AWAY.value,
    ]
    excluding = [str(paid) for held, paid in DUPLICATES if batch.programme == held]
    join, join_params = "", []
    if excluding:
        marks = ", ".join("%s" for _ in excluding)
        join = (
            f"LEFT JOIN (SELECT DISTINCT t.payee_id FROM {_q(Benefit)} t WHERE t.programme IN ({marks}) "
            f"AND {pays_in_sql('t')}) dup ON dup.payee_id = p.id"
        )
        join_params = [*excluding, start, start, start]
        cases.append("WHEN dup.payee_id IS NOT NULL THEN %s")
        params.append(PaymentLine.HoldReason.DUPLICATE.value)
    # The account is encrypted, so the database cannot read the number; the people services store only numbers of
    # 12 to 30 digits with their masked copy (last 4 digits), so a missing token, a value that is not a token, or a
    # missing or all-star masked copy means there is no usable account.
    cases.append(
        "WHEN p.bank_account IS NULL OR p.bank_account NOT LIKE %s OR p.bank_account_masked IS NULL "
        "OR p.bank_account_masked = '' OR p.bank_account_masked LIKE %s THEN %s"
    )
    params += ["1$%", "%****", PaymentLine.HoldReason.NO_ACCOUNT.value]
    return _HoldSQL("CASE " + " ".join(cases) + " ELSE '' END", params, join, join_params)


def _hold_columns(reason: str) -> tuple[str, str]:
    """SQL for the status and hold reason of a line whose reason (SQL ``reason``) is known."""
    return f"CASE WHEN {reason} = '' THEN 'pending' ELSE 'held' END", reason


_LINE_COLUMNS = (
    "batch_id, benefit_id, payee_id, area_code, period, amount_fen, bank_name, bank_account, bank_account_masked, "
    "status, hold_reason, failure_reason, reissue_of_id, created_at"
)


def _insert_lines(batch: PayrollBatch, prefix: str) -> int:
    """One ``INSERT … SELECT``: a line per benefit of the county and programme that pays for the month and has no
    live line for it yet, with the amount of the month, the account as stored, and its hold reason.

    Skipping benefits paid already is a probe of the unique index per benefit rather than ``ON CONFLICT DO
    NOTHING``: the batch row is locked, so no other generation writes this batch meanwhile, and the speculative
    insertion ``ON CONFLICT`` makes for every line costs a seventh of the generation (docs/benchmarks.md). The
    unique constraint stays the guarantee: a generation of another county writing the same benefit and month at the
    same moment (a benefit that moved) fails on it and rolls back whole, and its retry skips the line paid there.

    ``OFFSET 0`` (PostgreSQL) keeps the ``NOT EXISTS`` a per-benefit probe of (benefit, period): as an anti-join
    the planner, whose statistics do not yet know the month's lines written by the batches generated just before,
    estimated one line and compared every benefit with every line of the month (quadratic: 750 s for the city's
    second demo month instead of 55 s)."""
    period = _date(batch.period)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    hold = _hold_reason(batch)
    status, held = _hold_columns("s.reason")
    sql = f"""
        INSERT INTO {_q(PaymentLine)} ({_LINE_COLUMNS})
        SELECT %s, s.id, s.payee_id, s.area_code, %s, s.amount_fen, s.bank_name, s.bank_account,
            s.bank_account_masked, {status}, {held}, '', NULL, %s
        FROM (
            SELECT b.id, b.payee_id, b.area_code, {_amount_in("b")} AS amount_fen,
                p.bank_name, p.bank_account, p.bank_account_masked, {hold.reason} AS reason
            FROM {_q(Benefit)} b JOIN {_q(Person)} p ON p.id = b.payee_id {hold.join}
            WHERE b.programme = %s AND b.area_code LIKE %s AND {pays_in_sql("b")}
                AND NOT EXISTS (SELECT 1 FROM {_q(PaymentLine)} e WHERE e.benefit_id = b.id AND e.period = %s
                    AND NOT (e.status = 'failed'){_probe_each()})
        ) s
        WHERE s.amount_fen > 0
    """
    params = [
        batch.pk,
        period,
        now,
        period,
        *hold.reason_params,
        *hold.join_params,
        batch.programme,
        prefix + "%",
        period,
        period,
        period,
        period,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted: int = cursor.rowcount
        return max(inserted, 0)


def _insert_reissues(batch: PayrollBatch) -> int:
    """A line of an earlier batch of the same county and programme that the bank returned as failed is paid again,
    once, to the payee's account on record now. A failed re-issue is not re-issued again: it needs a person."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    line, batches = _q(PaymentLine), _q(PayrollBatch)
    hold = _hold_reason(batch)
    status, held = _hold_columns("s.reason")
    sql = f"""
        INSERT INTO {line} ({_LINE_COLUMNS})
        SELECT %s, s.benefit_id, s.payee_id, s.area_code, s.period, s.amount_fen, s.bank_name, s.bank_account,
            s.bank_account_masked, {status}, {held}, '', s.id, %s
        FROM (
            SELECT f.id, f.benefit_id, f.payee_id, f.area_code, f.period, f.amount_fen, p.bank_name,
                p.bank_account, p.bank_account_masked, {hold.reason} AS reason
            FROM {line} f
                JOIN {batches} fb ON fb.id = f.batch_id
                JOIN {_q(Person)} p ON p.id = f.payee_id {hold.join}
            WHERE f.status = 'failed' AND f.reissue_of_id IS NULL
                AND fb.area_code = %s AND fb.programme = %s AND fb.period < %s
                AND NOT EXISTS (SELECT 1 FROM {line} r WHERE r.reissue_of_id = f.id)
        ) s
        WHERE 1 = 1  -- SQLite needs a WHERE before ON CONFLICT in an INSERT … SELECT to parse it
        ON CONFLICT DO NOTHING
    """
    params = [
        batch.pk,
        now,
        *hold.reason_params,
        *hold.join_params,
        batch.area_code,
        batch.programme,
        _date(batch.period),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted: int = cursor.rowcount
        return max(inserted, 0)


def _refresh_draft(batch: PayrollBatch, prefix: str) -> None:
    """A draft generated again: lines of benefits that no longer pay go; the others take the amount of the month
    (a re-issue keeps the failed line's), the payee's account on record now and their hold reason found again."""
    period = _date(batch.period)
    line = _q(PaymentLine)
    hold = _hold_reason(batch)
    status, held = _hold_columns("r.reason")
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            DELETE FROM {line} WHERE batch_id = %s AND reissue_of_id IS NULL AND NOT EXISTS (
                SELECT 1 FROM {_q(Benefit)} b WHERE b.id = {line}.benefit_id AND b.programme = %s
                AND b.area_code LIKE %s AND {pays_in_sql("b")} AND {_amount_in("b")} > 0)
            """,
            [batch.pk, batch.programme, prefix + "%", period, period, period, period],
        )
        cursor.execute(
            f"""
            UPDATE {line} SET
                amount_fen = CASE WHEN {line}.reissue_of_id IS NULL THEN r.amount_fen ELSE {line}.amount_fen END,
                bank_name = r.bank_name, bank_account = r.bank_account, bank_account_masked = r.bank_account_masked,
                status = {status}, hold_reason = {held}
            FROM (
                SELECT l.id AS line_id, {_amount_in("b")} AS amount_fen, p.bank_name, p.bank_account,
                    p.bank_account_masked, {hold.reason} AS reason
                FROM {line} l
                    JOIN {_q(Benefit)} b ON b.id = l.benefit_id
                    JOIN {_q(Person)} p ON p.id = l.payee_id {hold.join}
                WHERE l.batch_id = %s
            ) r
            WHERE {line}.id = r.line_id
            """,
            [period, *hold.reason_params, *hold.join_params, batch.pk],
        )


# The figures a batch keeps of its lines (``batch_totals_store``): all lines, each status, the held ones by reason.
TOTALS_FIELDS = (
    "line_count",
    "total_fen",
    "pending_count",
    "pending_fen",
    "held_count",
    "held_fen",
    "paid_count",
    "paid_fen",
    "failed_count",
    "failed_fen",
    "held_by_reason",
)


def batch_totals(rows: Iterable[tuple[str, str, int, int | None]]) -> dict[str, Any]:
    """The figures of ``TOTALS_FIELDS`` from a batch's lines counted and summed (fen) per status and hold reason:
    rows of (status, hold reason, count, fen)."""
    figures: dict[str, Any] = {name: 0 for name in TOTALS_FIELDS}
    by_reason: dict[str, dict[str, int]] = {}
    for status, reason, count, fen in rows:
        fen = fen or 0
        figures[f"{status}_count"] += count
        figures[f"{status}_fen"] += fen
        figures["line_count"] += count
        figures["total_fen"] += fen
        if status == PaymentLine.Status.HELD:
            by_reason[reason] = {"count": count, "fen": fen}
    figures["held_by_reason"] = dict(sorted(by_reason.items()))
    return figures


def batch_totals_store(batch: PayrollBatch) -> None:
    """Count and sum the batch's lines per status and hold reason and store the figures on the batch, so that its
    page and the API read them from its row. Every path that changes the batch's lines (generation, the bank's return
    file) calls it after its last change, inside its transaction and with the batch row locked: one query over the
    batch's lines (found by the (batch, id, area, status) index) grouped by status and reason, a few rows, and one
    ``UPDATE`` of the batch."""
    # unscoped: the lines of the batch locked by the caller, counted for it alone
    rows = (
        PaymentLine.objects.unscoped()
        .filter(batch_id=batch.pk)
        .order_by()
        .values_list("status", "hold_reason")
        .annotate(count=Count("id"), fen=Sum("amount_fen"))
    )
    for name, value in batch_totals(rows).items():
        setattr(batch, name, value)
    batch.save(update_fields=TOTALS_FIELDS)


def _held_counts(batch: PayrollBatch) -> dict[str, int]:
    """The lines held back per reason, every reason named (0 when none): the generation's audit event."""
    return {
        str(reason): batch.held_by_reason.get(reason, {}).get("count", 0)
        for reason in PaymentLine.HoldReason.values
        if reason
    }


def _snapshot(batch: PayrollBatch) -> dict[str, Any]:
    return {
        "status": batch.status,
        "line_count": batch.line_count,
        "total_fen": batch.total_fen,
        "held_count": batch.held_count,
        "held_fen": batch.held_fen,
    }


def payroll_generate(*, actor: User, county: Division, programme: str, period: dt.date) -> PayrollBatch:
    """Prepare (or prepare again) the county's payroll of ``programme`` for the month starting ``period``.

    Idempotent: a second run adds no line; in a draft it brings amounts, accounts and holds up to date. An approved
    batch is frozen and cannot be generated again. Ended tapers are stopped first (``benefits_end_tapers``), as the
    benefits' history requires; the SQL itself never pays past a taper's last month either way.
    """
    _require_county(county)
    require_period(period)
    if programme not in MONTHLY_PROGRAMMES:
        raise ValidationError({"programme": _("Choose a programme paid every month.")})
    if not scope_allows(actor, PREPARE, county.code):
        raise PermissionDenied(_("You may not prepare the payroll of this county."))
    # Each ended taper is stopped in its own short transaction, before the batch is locked, so that payrolls of
    # different counties do not wait for each other on the same benefits.
    benefits_end_tapers(period)
    return _generate(actor=actor, county=county, programme=programme, period=period)


@transaction.atomic
def _generate(*, actor: User, county: Division, programme: str, period: dt.date) -> PayrollBatch:
    if connection.vendor == "postgresql":
        # The planner prices the per-line subqueries (amount of the month, duplicate check) high enough to compile
        # them with JIT, which costs more (~0.3 s a batch) than the statement it speeds up; measured in
        # docs/benchmarks.md. For this transaction only.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
    batch = _batch_for(county=county, programme=programme, period=period)
    if batch.status != PayrollBatch.Status.DRAFT:
        raise ValidationError(_("This payroll is approved already and can no longer change."))
    before = _snapshot(batch)
    prefix = county.code[:6]
    regenerated = batch.prepared_at is not None
    if regenerated:
        _refresh_draft(batch, prefix)
    added = _insert_lines(batch, prefix)
    reissued = _insert_reissues(batch)
    batch_totals_store(batch)
    held = _held_counts(batch)
    batch.prepared_by = actor
    batch.prepared_at = timezone.now()
    batch.save(update_fields=["prepared_by", "prepared_at"])
    audit_record(
        actor=actor,
        action="payments.payroll_generated",
        obj=batch,
        area_code=batch.area_code,
        before=before if regenerated else None,
        after={**_snapshot(batch), "added": added, "reissued": reissued, "held": {str(k): v for k, v in held.items()}},
    )
    return batch


@transaction.atomic
def payroll_approve(
    *, actor: User, batch: PayrollBatch, opinion: str, confirmed_count: int, confirmed_fen: int
) -> PayrollBatch:
    """The checker approves a draft prepared by somebody else; from now on the batch cannot change.

    The approver writes an opinion (审核意见, kept with the batch and in the audit event) and confirms the lines
    to be paid and their total as they were shown (``confirmed_count``, ``confirmed_fen``): when the batch was
    prepared again since, the figures differ and nothing is approved."""
    if not scope_allows(actor, APPROVE, batch.area_code):
        raise PermissionDenied(_("You may not approve the payroll of this county."))
    opinion = opinion.strip()
    if not opinion:
        raise ValidationError({"opinion": _("Write the approval opinion.")})
    require_length(opinion=(opinion, REASON_MAX))
    # Locked and re-read: two approvers at once, or an approval during a generation, wait for each other.
    # unscoped: the approver's county right is checked above; the batch is read by id
    locked = PayrollBatch.objects.unscoped().select_for_update().get(pk=batch.pk)
    if locked.status != PayrollBatch.Status.DRAFT:
        raise ValidationError(_("This payroll is approved already."))
    if locked.prepared_at is None:
        raise ValidationError(_("This payroll has not been prepared yet."))
    if locked.prepared_by_id == getattr(actor, "pk", None):
        raise PermissionDenied(_("The payroll must be approved by somebody other than who prepared it."))
    require_period(locked.period)
    if (confirmed_count, confirmed_fen) != (locked.payable_count, locked.payable_fen):
        raise ValidationError(
            _(
                "The payroll changed since it was shown: it now pays %(count)s lines, ¥%(total)s in total. "
                "Check it again before approving."
            )
            % {"count": locked.payable_count, "total": yuan(locked.payable_fen)}
        )
    before = _snapshot(locked)
    locked.status = PayrollBatch.Status.APPROVED
    locked.approved_by = actor
    locked.approved_at = timezone.now()
    locked.approval_opinion = opinion
    locked.save(update_fields=["status", "approved_by", "approved_at", "approval_opinion"])
    audit_record(
        actor=actor,
        action="payments.payroll_approved",
        obj=locked,
        area_code=locked.area_code,
        before=before,
        after={**_snapshot(locked), "opinion": opinion},
        reason=opinion,
    )
    return locked
