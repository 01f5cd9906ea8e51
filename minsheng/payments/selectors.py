"""Reads of the payroll, always through the scoping door."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from minsheng.areas.models import Division
from minsheng.assistance.benefits.models import Benefit
from minsheng.core.keyset import Key
from minsheng.core.modules import DueItem, DuePosition, count_due, due_rows
from minsheng.core.months import add_months, months_between
from minsheng.payments.models import PaymentLine, PayrollBatch
from minsheng.payments.services import PREPARE

if TYPE_CHECKING:
    from minsheng.accounts.models import User

# Lines never load the encrypted account: lists show the masked copy.
_SECRETS = ("bank_account", "payee__id_number", "payee__phone", "payee__bank_account")


def batch_list(*, user: User) -> QuerySet[PayrollBatch]:
    return PayrollBatch.objects.restrict(user, "view").select_related("prepared_by", "approved_by")


# Reconciled batches (one more per county, programme and month) are listed back this many days unless the user
# chooses an earlier day; drafts and batches not yet reconciled are all listed (docs/architecture.md, "Lists").
LIST_WINDOW_DAYS = 90
# Newest month first, through the (area, month, id) index: a county's batches are one area code.
BATCH_KEYS = (Key("period", descending=True), Key("id", descending=True))
# A batch's lines in the order they were prepared, through the (batch, id, area, status) index.
LINE_KEYS = (Key("id"),)


def batch_page_rows(*, user: User, reconciled_since: dt.date) -> QuerySet[PayrollBatch]:
    """The batches list's rows: every batch not reconciled yet, and the reconciled ones paying a month from the month
    of ``reconciled_since`` on."""
    month = reconciled_since.replace(day=1)
    return batch_list(user=user).filter(~Q(status=PayrollBatch.Status.RECONCILED) | Q(period__gte=month))


def batch_get(*, user: User, pk: int, action: str = "view") -> PayrollBatch:
    """A batch in the user's areas for ``action``; 404 otherwise."""
    return get_object_or_404(PayrollBatch.objects.restrict(user, action), pk=pk)


def batch_lines(*, user: User, batch: PayrollBatch, status: str = "") -> QuerySet[PaymentLine]:
    lines = PaymentLine.objects.restrict(user, "view").filter(batch=batch).select_related("payee").defer(*_SECRETS)
    if status:
        lines = lines.filter(status=status)
    return lines.order_by("id")


def batch_held_by_reason(*, batch: PayrollBatch) -> list[dict[str, Any]]:
    """Held lines counted and summed per reason, for the batch page: the figures stored on the batch
    (``services.batch_totals_store``), in the order of the reason codes."""
    return [
        {"hold_reason": reason, "count": figures["count"], "fen": figures["fen"]}
        for reason, figures in sorted(batch.held_by_reason.items())
    ]


def counties_to_prepare(*, user: User) -> list[Division]:
    """The counties in which the user may prepare a payroll."""
    prefixes = [scope.prefix for scope in user.scopes_for(PREPARE)]
    if not prefixes:
        return []
    # Reference data read for the user's own scopes: only counties under a prefix the user holds are listed.
    counties = Division.objects.all().filter(level=Division.Level.COUNTY).order_by("code")
    return [c for c in counties if any(c.code.startswith(prefix) for prefix in prefixes)]


def batch_reconciliation(*, batch: PayrollBatch) -> dict[str, dict[str, int]]:
    """Counts and totals (fen) of the batch's lines per status: paid, failed, held, pending, and all of them; the
    figures stored on the batch (``services.batch_totals_store``), not a sum of its lines. They count every line of
    the batch, as the door showed them before: a batch is read only where its county is (``batch_get``), and all its
    lines lie in that county."""
    report = {
        status: {"count": getattr(batch, f"{status}_count"), "fen": getattr(batch, f"{status}_fen")}
        for status in PaymentLine.Status.values
    }
    report["total"] = {"count": batch.line_count, "fen": batch.total_fen}
    return report


def person_ledger(*, user: User, person: Any) -> QuerySet[PaymentLine]:
    """The payment lines of a person (as payee), newest month first, as far as the user may see them."""
    return (
        PaymentLine.objects.restrict(user, "view")
        .filter(payee=person)
        .select_related("batch")
        .defer(*_SECRETS)
        .order_by("-period", "-id")
    )


# A person's file shows the last five years of months at most.
LEDGER_SHOWN = 60


def person_ledger_section(user: Any, person: Any) -> dict[str, Any] | None:
    """The person's payment lines by month for their file (一人一档), to users who may view payment lines."""
    if not user.has_perm("payments.view_paymentline"):
        return None
    lines = list(person_ledger(user=user, person=person)[:LEDGER_SHOWN])
    return {"lines": lines} if lines else None


# How far back the batch page looks for months of the county and programme not yet sent to the bank.
UNPAID_LOOKBACK_MONTHS = 24


def unpaid_months_before(*, user: User, batch: PayrollBatch) -> list[dict[str, Any]]:
    """The months before ``batch``'s (at most ``UNPAID_LOOKBACK_MONTHS``, and none before the county's first
    payroll of the programme) whose payroll of the same county and programme has not been sent to the bank: no
    batch at all, or one still a draft or only approved. Each as ``{"month": date, "status": "" | status}``."""
    earlier = PayrollBatch.objects.restrict(user, "view").filter(
        area_code=batch.area_code, programme=batch.programme, period__lt=batch.period
    )
    first = earlier.order_by("period").values_list("period", flat=True).first()
    if first is None:
        return []
    start = max(first, add_months(batch.period, -UNPAID_LOOKBACK_MONTHS))
    status_of = dict(earlier.filter(period__gte=start).values_list("period", "status"))
    sent = {PayrollBatch.Status.EXPORTED, PayrollBatch.Status.RECONCILED}
    return [
        {"month": month, "status": status_of.get(month, "")}
        for month in months_between(start, add_months(batch.period, -1))
        if status_of.get(month) not in sent
    ]


def household_paid(household: Any) -> bool:
    """Whether the payroll pays the household: a benefit of it is running (active or tapering), so the next batch
    has a line for it. Asked by the registry before members join or leave (``Module.pays_household``)."""
    # unscoped: the registry's rule: its user may not see benefits, but the rule holds for them too
    return Benefit.objects.unscoped().filter(household=household).exclude(status=Benefit.Status.STOPPED).exists()


def enrolled_households() -> QuerySet[Any]:
    """The households the payroll pays now, as one column ``household_id`` (``Module.enrolled_households``: the
    monthly verification checks these, set-based)."""
    # unscoped: a system reader's subquery over the whole city's benefits (the same rule as household_paid)
    return Benefit.objects.unscoped().exclude(status=Benefit.Status.STOPPED).values("household_id")


# --- Due work -----------------------------------------------------------------------------------------------------


def _to_approve(user: User) -> QuerySet[PayrollBatch]:
    """Prepared drafts the user may approve: never their own (maker-checker)."""
    return (
        PayrollBatch.objects.restrict(user, "approve")
        .filter(status=PayrollBatch.Status.DRAFT, prepared_by__isnull=False)
        .exclude(prepared_by=user)
    )


def batches_due(user: User, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    """Payroll batches prepared and waiting for approval, oldest month first."""
    return [
        DueItem(
            kind="payroll_approve",
            title=_("Approve the payroll: %(programme)s %(month)s")
            % {"programme": batch.get_programme_display(), "month": f"{batch.period:%Y-%m}"},
            url=reverse("payments:batch_detail", args=[batch.pk]),
            area_code=batch.area_code,
            position=position,
        )
        for batch, position in due_rows(_to_approve(user), "period", after, limit)
    ]


def batches_due_count(user: User, today: dt.date) -> int:
    return count_due(_to_approve(user))
