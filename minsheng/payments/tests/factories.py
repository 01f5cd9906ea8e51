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
