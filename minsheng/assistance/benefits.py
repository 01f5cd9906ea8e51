"""Enrolment (保障对象): a decision becomes a benefit the payroll pays every month, from the month after it.

``benefit_enrol`` is the one way a benefit starts. A database constraint allows one running benefit per programme
and payee, so a double click or a retried request cannot enrol anybody twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from minsheng.assistance.facts import RuleBook
from minsheng.assistance.models import AssessmentResult, Benefit, BenefitChange, Programme, ProgrammeCase
from minsheng.audit.services import audit_record
from minsheng.people.models import Household, Person

ALLOWANCE_REVIEW_MONTHS = 12  # allowances are re-checked yearly with the certificate / age / liveness checks


def first_day_of_next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def add_months(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def review_months_for(result: AssessmentResult, area_code: str, on: dt.date) -> int:
    """How often the benefit is reviewed: by the household's review class for 低保 (DOMAIN §1.4), yearly for 特困."""
    rules = RuleBook(on).for_area(area_code)
    if result.programme == Programme.DIBAO:
        return rules.review_months.get(result.review_class or "A", rules.review_months.get("A", 12))
    if result.programme == Programme.TEKUN:
        return rules.tekun_review_months
    return ALLOWANCE_REVIEW_MONTHS


@transaction.atomic
def benefit_enrol(
    *,
    actor: Any,
    result: AssessmentResult,
    household: Household,
    payee: Person,
    decided_on: dt.date,
    programme_case: ProgrammeCase | None = None,
    item_case: Any = None,
    reason: str = "",
) -> Benefit:
    """Start paying an eligible result from the month after the decision."""
    if not result.eligible:
        raise ValidationError(_("Only an eligible result can be enrolled."))
    first_month = first_day_of_next_month(decided_on)
    months = review_months_for(result, household.area_id, decided_on)
    try:
        with transaction.atomic():
            benefit = Benefit.objects.create(
                programme=result.programme,
                household=household,
                payee=payee,
                area_code=household.area_id,
                category=result.category,
                covered=result.covered or 1,
                monthly_fen=result.monthly_fen,
                first_month=first_month,
                review_months=months,
                next_review_on=add_months(first_month, months),
                programme_case=programme_case,
                item_case=item_case,
                assessment_result=result,
            )
    except IntegrityError:
        raise ValidationError(
            _("%(name)s already receives %(programme)s.")
            % {"name": payee.name, "programme": Programme(result.programme).label}
        ) from None
    BenefitChange.objects.create(
        benefit=benefit,
        kind=BenefitChange.Kind.ENROL,
        effective_month=first_month,
        new_fen=benefit.monthly_fen,
        reason=reason or _("Approved."),
        assessment_id=result.assessment_id,
        actor=actor,
    )
    audit_record(
        actor=actor,
        action="assistance.benefit_enrol",
        obj=benefit,
        area_code=benefit.area_code,
        after={
            "programme": benefit.programme,
            "payee": payee.pk,
            "monthly_fen": benefit.monthly_fen,
            "first_month": first_month,
            "review_months": months,
        },
        reason=reason,
    )
    return benefit
