"""Reads of enrolment: the benefits lists, reviews due, benefits whose household changed, and the rule by which a
benefit pays in a month (the payroll's and the statistics' one rule)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from minsheng.assistance.benefits.models import Benefit, BenefitChange
from minsheng.assistance.means.models import EconomicStatus
from minsheng.core.keyset import Key
from minsheng.people.models import Membership

if TYPE_CHECKING:
    from minsheng.accounts.models import User


def pays_in_sql(alias: str, month: str = "%s") -> str:
    """SQL: the benefit row ``alias`` pays for ``month`` (an SQL expression; by default a query parameter, then
    given three times): its first month reached, not stopped by then, not past its last taper month. The one rule
    the payroll pays by and the statistics count by."""
    return (
        f"{alias}.first_month <= {month} AND ({alias}.stopped_from IS NULL OR {alias}.stopped_from > {month}) "
        f"AND ({alias}.taper_until IS NULL OR {alias}.taper_until >= {month})"
    )


# Lists show masked copies only: the encrypted columns of the payee are never loaded.
_PAYEE_SECRETS = ("payee__id_number", "payee__phone", "payee__bank_account")


def benefit_list(
    *, user: User, programme: str = "", status: str = "", review_due: bool = False, today: dt.date | None = None
) -> QuerySet[Benefit]:
    benefits = Benefit.objects.restrict(user, "view").select_related("payee", "household").defer(*_PAYEE_SECRETS)
    if programme:
        benefits = benefits.filter(programme=programme)
    if status:
        benefits = benefits.filter(status=status)
    if review_due:
        benefits = benefits.filter(status=Benefit.Status.ACTIVE, next_review_on__lte=today or timezone.localdate())
    return benefits.order_by("area_code", "programme", "id")


# Stopped benefits (their history grows every month) are listed back this many days unless the user chooses an
# earlier day; running, tapering and suspended ones are all listed.
LIST_WINDOW_DAYS = 90
# Newest first: the (area, id) index for a village's or township's range, the (id, area) one read backwards for a
# wide scope (docs/architecture.md, "Lists").
BENEFIT_KEYS = (Key("id", descending=True),)


def benefit_page_rows(
    *, user: User, stopped_since: dt.date, programme: str = "", status: str = "", review_due: bool = False
) -> QuerySet[Benefit]:
    """The benefits list's rows: those of the filters, the stopped ones only when they stopped paying from the month
    of ``stopped_since`` on."""
    benefits = benefit_list(user=user, programme=programme, status=status, review_due=review_due)
    if status in {"", Benefit.Status.STOPPED}:
        month = stopped_since.replace(day=1)
        benefits = benefits.filter(~Q(status=Benefit.Status.STOPPED) | Q(stopped_from__gte=month))
    return benefits


def reviews_due(*, user: User, today: dt.date | None = None) -> QuerySet[Benefit]:
    """Running benefits whose review date has come (tapering benefits end by themselves and are not reviewed)."""
    return benefit_list(user=user, review_due=True, today=today).order_by("next_review_on", "id")


def household_changed(*, user: User) -> QuerySet[Benefit]:
    """Active benefits whose household changed after the assessment the benefit rests on: a member joined or left
    after the assessment's date, or a newer economic status was recorded. Candidates for ``benefit_recompute``."""
    assessed_on = OuterRef("assessment_result__assessment__on")
    # unscoped: subquery of the household's own members; the outer benefit query is restricted
    members = Membership.objects.unscoped().filter(household=OuterRef("household"))
    # unscoped: subquery of the household's own statuses; the outer benefit query is restricted
    newer_status = EconomicStatus.objects.unscoped().filter(
        household=OuterRef("household"),
        version__gt=OuterRef("assessment_result__assessment__economic_status__version"),
    )
    return (
        benefit_list(user=user, status=Benefit.Status.ACTIVE)
        .filter(assessment_result__isnull=False)
        .filter(
            Exists(members.filter(joined_on__gt=assessed_on))
            | Exists(members.filter(left_on__gt=assessed_on))
            | Exists(newer_status)
        )
        .select_related("assessment_result__assessment")
    )


def amount_for_month(benefit: Benefit, changes: list[BenefitChange], month: dt.date) -> int:
    """What the benefit pays for ``month`` by its history: the latest amount in force that month, 0 before the
    first month, from the month it stops and after the last taper month."""
    if month < benefit.first_month or (benefit.stopped_from is not None and month >= benefit.stopped_from):
        return 0
    if benefit.taper_until is not None and month > benefit.taper_until:
        return 0
    amount = 0
    for change in sorted(changes, key=lambda c: (c.effective_month, c.created_at, c.pk)):
        if change.effective_month <= month and change.new_fen is not None:
            amount = change.new_fen
    return amount
