"""Benefits straight through the models, in the reference village, for the payroll tests and the permission matrix."""

from __future__ import annotations

import datetime as dt
from typing import Any

from minsheng.areas.models import Division
from minsheng.assistance.benefits.models import Benefit, BenefitChange
from minsheng.core.crypto import mask_bank_account
from minsheng.people.models import Membership
from minsheng.testing import make_household, make_person

ACCOUNT = "6228480012345678901"


def payee(area: Division, name: str, *, account: str = ACCOUNT, **fields: Any) -> Any:
    """A person with a bank account (``account=""``: none)."""
    return make_person(
        area,
        name,
        bank_name="江苏农商银行" if account else "",
        bank_account=account,
        bank_account_masked=mask_bank_account(account) if account else "",
        **fields,
    )


def enrol(
    person: Any,
    programme: str = "dibao",
    monthly_fen: int = 156_000,
    *,
    first_month: dt.date = dt.date(2026, 1, 1),
    area: Division | None = None,
    **fields: Any,
) -> Benefit:
    """A running benefit with its enrolment in the history, as ``benefit_enrol`` leaves it."""
    area = area or person.hukou_area
    membership = Membership.objects.unscoped().filter(person=person).select_related("household").first()
    household = membership.household if membership is not None else make_household(area, person)
    benefit = Benefit.objects.create(
        programme=programme,
        household=household,
        payee=person,
        area_code=area.code,
        monthly_fen=monthly_fen,
        first_month=first_month,
        review_months=12,
        next_review_on=dt.date(first_month.year + 1, first_month.month, 1),
        **fields,
    )
    BenefitChange.objects.create(
        benefit=benefit, kind=BenefitChange.Kind.ENROL, effective_month=first_month, new_fen=monthly_fen, reason="批准"
    )
    return benefit


def approval(batch: Any, opinion: str = "经审核，同意发放。") -> dict[str, Any]:
    """What an approver gives ``payroll_approve`` besides the batch: an opinion and the figures read from it."""
    return {"opinion": opinion, "confirmed_count": batch.payable_count, "confirmed_fen": batch.payable_fen}


def stored_totals(batch: Any) -> dict[str, Any]:
    """The figures the batch keeps of its lines (``services.TOTALS_FIELDS``), as its row holds them now."""
    from minsheng.payments.models import PayrollBatch
    from minsheng.payments.services import TOTALS_FIELDS

    # unscoped: the test reads the batch's row
    return dict(PayrollBatch.objects.unscoped().filter(pk=batch.pk).values(*TOTALS_FIELDS).get())


def line_totals(batch: Any) -> dict[str, Any]:
    """The same figures counted here, line by line in Python, from the batch's lines as they are: what the stored
    ones must equal."""
    from minsheng.payments.models import PaymentLine

    # unscoped: the test reads every line of the batch
    lines = list(PaymentLine.objects.unscoped().filter(batch=batch).values_list("status", "hold_reason", "amount_fen"))
    figures: dict[str, Any] = {"line_count": len(lines), "total_fen": sum(fen for _s, _r, fen in lines)}
    for status in PaymentLine.Status.values:
        amounts = [fen for s, _r, fen in lines if s == status]
        figures[f"{status}_count"], figures[f"{status}_fen"] = len(amounts), sum(amounts)
    held = [(reason, fen) for s, reason, fen in lines if s == PaymentLine.Status.HELD]
    figures["held_by_reason"] = {
        reason: {"count": sum(1 for r, _f in held if r == reason), "fen": sum(f for r, f in held if r == reason)}
        for reason in sorted({r for r, _f in held})
    }
    return figures
