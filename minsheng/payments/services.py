"""The monthly payroll: generate a county's batch by set-based SQL, hold rows back with reasons, approve it.

Generation (``payroll_generate``) is a handful of statements whatever the size of the county:

1. ``INSERT … SELECT`` one line per benefit of the county and programme that pays for the month, with the amount in
   force that month by the benefit's history (the same rule as ``assistance.benefits.amount_for_month``) and the
   payee's bank account copied as it is stored (the encrypted token; tokens are not bound to a row);
2. ``INSERT … SELECT`` the re-issue of each line of an earlier batch the bank returned as failed (once);
3. in a draft that is generated again: drop lines whose benefit no longer pays, bring amounts and accounts up to date
   and release the holds, so that every check below runs again on today's facts;
4. one ``UPDATE`` per hold-back reason, each touching only lines still pending, so the first reason found wins;
5. one aggregate for the batch's counts and totals.

Both inserts end in ``ON CONFLICT DO NOTHING`` (PostgreSQL and SQLite alike) against the partial unique constraint
"one live line per benefit and month", so a second run, a retried task or a concurrent worker adds nothing. The
batch row is locked for the whole generation and approval, and each checks the status inside the lock: an approved
batch is frozen.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minsheng.areas.models import Division
from minsheng.assistance.benefits import benefits_end_tapers, first_day_of_next_month
from minsheng.assistance.models import Benefit, BenefitChange, Programme
from minsheng.audit.services import audit_record
from minsheng.core.scoping import scope_allows
from minsheng.payments.models import PaymentLine, PayrollBatch
from minsheng.people.models import Person

PREPARE = "payments.add_payrollbatch"
APPROVE = "payments.approve_payrollbatch"

# Benefits that must not be paid together to the same person (DOMAIN §2, §6.1): the first is held back while the
# second pays for the same month.
DUPLICATES: tuple[tuple[str, str], ...] = ((Programme.DISABILITY_LIVING, Programme.TEKUN),)


def hold_texts() -> dict[str, str]:
    """The Chinese reason stored on each held line (the payment file and the reconciliation read it)."""
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


def _pays_in(alias: str) -> str:
    """SQL: the benefit ``alias`` pays for the month given as the next three parameters (first month, not stopped
    before it, not past its last taper month)."""
    return (
        f"{alias}.first_month <= %s AND ({alias}.stopped_from IS NULL OR {alias}.stopped_from > %s) "
        f"AND ({alias}.taper_until IS NULL OR {alias}.taper_until >= %s)"
    )


def _amount_in(alias: str) -> str:
    """SQL: what the benefit ``alias`` pays for the month given as the next parameter: the newest amount in force
    by its history (``amount_for_month``), or its current amount when it has no history."""
    return (
        f"COALESCE((SELECT c.new_fen FROM {_q(BenefitChange)} c WHERE c.benefit_id = {alias}.id "
        "AND c.new_fen IS NOT NULL AND c.effective_month <= %s "
        f"ORDER BY c.effective_month DESC, c.created_at DESC, c.id DESC LIMIT 1), {alias}.monthly_fen)"
    )


def _month_end(period: dt.date) -> dt.date:
    return first_day_of_next_month(period) - dt.timedelta(days=1)


def _require_county(county: Division) -> None:
    if county.level != Division.Level.COUNTY:
        raise ValidationError({"county": _("A payroll is prepared for a county.")})


def _require_period(period: dt.date) -> None:
    if period.day != 1:
        raise ValidationError({"period": _("The month paid is given by its first day.")})


def _batch_for(*, county: Division, programme: str, period: dt.date) -> PayrollBatch:
    """The county's batch for the month, created on first use; locked for the rest of the transaction."""
    # The actor's right to prepare in the county was checked by the caller: the batch is read without a user.
    batches = PayrollBatch.objects.unscoped()
    try:
        with transaction.atomic():
            batches.get_or_create(area_code=county.code, programme=programme, period=period)
    except IntegrityError:
        pass  # created meanwhile by a concurrent run; the lock below waits for it
    return batches.select_for_update().get(area_code=county.code, programme=programme, period=period)


def _insert_lines(batch: PayrollBatch, prefix: str) -> int:
    period = _date(batch.period)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    sql = f"""
        INSERT INTO {_q(PaymentLine)} (batch_id, benefit_id, payee_id, area_code, period, amount_fen, bank_name,
            bank_account, bank_account_masked, status, hold_reason, hold_text, failure_reason, reissue_of_id,
            created_at)
        SELECT %s, s.id, s.payee_id, s.area_code, %s, s.amount_fen, s.bank_name, s.bank_account,
            s.bank_account_masked, 'pending', '', '', '', NULL, %s
        FROM (
            SELECT b.id, b.payee_id, b.area_code, {_amount_in("b")} AS amount_fen,
                p.bank_name, p.bank_account, p.bank_account_masked
            FROM {_q(Benefit)} b JOIN {_q(Person)} p ON p.id = b.payee_id
            WHERE b.programme = %s AND b.area_code LIKE %s AND {_pays_in("b")}
        ) s
        WHERE s.amount_fen > 0
        ON CONFLICT DO NOTHING
    """
    params = [batch.pk, period, now, period, batch.programme, prefix + "%", period, period, period]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _insert_reissues(batch: PayrollBatch) -> int:
    """A line of an earlier batch of the same county and programme that the bank returned as failed is paid again,
    once, to the payee's account on record now. A failed re-issue is not re-issued again: it needs a person."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    line, batches = _q(PaymentLine), _q(PayrollBatch)
    sql = f"""
        INSERT INTO {line} (batch_id, benefit_id, payee_id, area_code, period, amount_fen, bank_name, bank_account,
            bank_account_masked, status, hold_reason, hold_text, failure_reason, reissue_of_id, created_at)
        SELECT %s, f.benefit_id, f.payee_id, f.area_code, f.period, f.amount_fen, p.bank_name, p.bank_account,
            p.bank_account_masked, 'pending', '', '', '', f.id, %s
        FROM {line} f
            JOIN {batches} fb ON fb.id = f.batch_id
            JOIN {_q(Person)} p ON p.id = f.payee_id
        WHERE f.status = 'failed' AND f.reissue_of_id IS NULL
            AND fb.area_code = %s AND fb.programme = %s AND fb.period < %s
            AND NOT EXISTS (SELECT 1 FROM {line} r WHERE r.reissue_of_id = f.id)
        ON CONFLICT DO NOTHING
    """
    params = [batch.pk, now, batch.area_code, batch.programme, _date(batch.period)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _refresh_draft(batch: PayrollBatch, prefix: str) -> None:
    """A draft generated again: lines of benefits that no longer pay go, amounts and accounts follow the benefit and
    the registry, and every hold is released so that the checks run again."""
    period = _date(batch.period)
    line = _q(PaymentLine)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            DELETE FROM {line} WHERE batch_id = %s AND reissue_of_id IS NULL AND NOT EXISTS (
                SELECT 1 FROM {_q(Benefit)} b WHERE b.id = {line}.benefit_id AND b.programme = %s
                AND b.area_code LIKE %s AND {_pays_in("b")} AND {_amount_in("b")} > 0)
            """,
            [batch.pk, batch.programme, prefix + "%", period, period, period, period],
        )
        cursor.execute(
            f"""
            UPDATE {line} SET
                amount_fen = (SELECT {_amount_in("b")} FROM {_q(Benefit)} b WHERE b.id = {line}.benefit_id),
                status = 'pending', hold_reason = '', hold_text = ''
            WHERE batch_id = %s AND reissue_of_id IS NULL
            """,
            [period, batch.pk],
        )
        cursor.execute(
            f"UPDATE {line} SET status = 'pending', hold_reason = '', hold_text = '' "
            "WHERE batch_id = %s AND reissue_of_id IS NOT NULL",
            [batch.pk],
        )
        person = _q(Person)
        cursor.execute(
            f"""
            UPDATE {line} SET
                bank_name = (SELECT p.bank_name FROM {person} p WHERE p.id = {line}.payee_id),
                bank_account = (SELECT p.bank_account FROM {person} p WHERE p.id = {line}.payee_id),
                bank_account_masked = (SELECT p.bank_account_masked FROM {person} p WHERE p.id = {line}.payee_id)
            WHERE batch_id = %s
            """,
            [batch.pk],
        )


def _hold(batch: PayrollBatch, reason: str, text: str, condition: str, params: list[Any]) -> int:
    line = _q(PaymentLine)
    sql = (
        f"UPDATE {line} SET status = 'held', hold_reason = %s, hold_text = %s "
        f"WHERE batch_id = %s AND status = 'pending' AND {condition}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [reason, text, batch.pk, *params])
        return max(cursor.rowcount, 0)


def _apply_holds(batch: PayrollBatch) -> dict[str, int]:
    """Hold lines back, one statement per reason, in this order: deceased, moved away, duplicate, no account."""
    texts = hold_texts()
    line, person = _q(PaymentLine), _q(Person)
    # Issue 6: held when the death (or move) is dated before the period; a person who dies during the month is
    # paid that month, and nothing from the next.
    start = _date(batch.period)
    held: dict[str, int] = {}
    for reason, status in (
        (PaymentLine.HoldReason.DECEASED, Person.Status.DECEASED),
        (PaymentLine.HoldReason.MOVED_AWAY, Person.Status.MOVED_AWAY),
    ):
        held[reason] = _hold(
            batch,
            reason,
            texts[reason],
            f"EXISTS (SELECT 1 FROM {person} p WHERE p.id = {line}.payee_id AND p.status = %s AND p.status_date < %s)",
            [status.value, start],
        )
    period = _date(batch.period)
    held[PaymentLine.HoldReason.DUPLICATE] = 0
    for held_programme, paid_programme in DUPLICATES:
        if batch.programme != held_programme:
            continue
        held[PaymentLine.HoldReason.DUPLICATE] += _hold(
            batch,
            PaymentLine.HoldReason.DUPLICATE,
            texts[PaymentLine.HoldReason.DUPLICATE],
            f"EXISTS (SELECT 1 FROM {_q(Benefit)} t WHERE t.payee_id = {line}.payee_id AND t.programme = %s "
            f"AND {_pays_in('t')})",
            [str(paid_programme), period, period, period],
        )
    # The account is encrypted, so the database cannot read the number; the people services store only numbers of
    # 12 to 30 digits with their masked copy (last 4 digits), so a missing token, a value that is not a token, or a
    # missing or all-star masked copy means there is no usable account.
    held[PaymentLine.HoldReason.NO_ACCOUNT] = _hold(
        batch,
        PaymentLine.HoldReason.NO_ACCOUNT,
        texts[PaymentLine.HoldReason.NO_ACCOUNT],
        "(bank_account IS NULL OR bank_account NOT LIKE %s OR bank_account_masked IS NULL "
        "OR bank_account_masked = '' OR bank_account_masked LIKE %s)",
        ["1$%", "%****"],
    )
    return held


def _totals(batch: PayrollBatch) -> None:
    # The batch is locked and its lines are read for it alone.
    totals = (
        PaymentLine.objects.unscoped()
        .filter(batch=batch)
        .aggregate(
            lines=Count("id"),
            total=Sum("amount_fen"),
            held=Count("id", filter=Q(status=PaymentLine.Status.HELD)),
            held_fen=Sum("amount_fen", filter=Q(status=PaymentLine.Status.HELD)),
        )
    )
    batch.line_count = totals["lines"] or 0
    batch.total_fen = totals["total"] or 0
    batch.held_count = totals["held"] or 0
    batch.held_fen = totals["held_fen"] or 0


def _snapshot(batch: PayrollBatch) -> dict[str, Any]:
    return {
        "status": batch.status,
        "line_count": batch.line_count,
        "total_fen": batch.total_fen,
        "held_count": batch.held_count,
        "held_fen": batch.held_fen,
    }


def payroll_generate(*, actor: Any, county: Division, programme: str, period: dt.date) -> PayrollBatch:
    """Prepare (or prepare again) the county's payroll of ``programme`` for the month starting ``period``.

    Idempotent: a second run adds no line; in a draft it brings amounts, accounts and holds up to date. An approved
    batch is frozen and cannot be generated again. Ended tapers are stopped first (``benefits_end_tapers``), as the
    benefits' history requires; the SQL itself never pays past a taper's last month either way.
    """
    _require_county(county)
    _require_period(period)
    if programme not in Programme.values or programme == Programme.TEMPORARY:
        raise ValidationError({"programme": _("Choose a programme paid every month.")})
    if not scope_allows(actor, PREPARE, county.code):
        raise PermissionDenied(_("You may not prepare the payroll of this county."))
    # Each ended taper is stopped in its own short transaction, before the batch is locked, so that payrolls of
    # different counties do not wait for each other on the same benefits.
    benefits_end_tapers(period)
    return _generate(actor=actor, county=county, programme=programme, period=period)


@transaction.atomic
def _generate(*, actor: Any, county: Division, programme: str, period: dt.date) -> PayrollBatch:
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
    held = _apply_holds(batch)
    _totals(batch)
    batch.prepared_by = actor
    batch.prepared_at = timezone.now()
    batch.save()
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
def payroll_approve(*, actor: Any, batch: PayrollBatch) -> PayrollBatch:
    """The checker approves a draft prepared by somebody else; from now on the batch cannot change."""
    if not scope_allows(actor, APPROVE, batch.area_code):
        raise PermissionDenied(_("You may not approve the payroll of this county."))
    # Locked and re-read: two approvers at once, or an approval during a generation, wait for each other.
    locked = PayrollBatch.objects.unscoped().select_for_update().get(pk=batch.pk)
    if locked.status != PayrollBatch.Status.DRAFT:
        raise ValidationError(_("This payroll is approved already."))
    if locked.prepared_at is None:
        raise ValidationError(_("This payroll has not been prepared yet."))
    if locked.prepared_by_id == getattr(actor, "pk", None):
        raise PermissionDenied(_("The payroll must be approved by somebody other than who prepared it."))
    before = _snapshot(locked)
    locked.status = PayrollBatch.Status.APPROVED
    locked.approved_by = actor
    locked.approved_at = timezone.now()
    locked.save(update_fields=["status", "approved_by", "approved_at"])
    audit_record(
        actor=actor,
        action="payments.payroll_approved",
        obj=locked,
        area_code=locked.area_code,
        before=before,
        after=_snapshot(locked),
    )
    return locked
