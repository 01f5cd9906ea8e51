"""Reads of temporary assistance: the bands as guidance, the lists of cases, items and prompts, one case, and the
household's economic verification."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.utils import timezone

from minsheng.assistance.means.models import Assessment, EconomicStatus
from minsheng.assistance.rules.selectors import MissingParameter, parameter_for
from minsheng.assistance.temporary.models import OPEN_STATUSES, TEMPORARY_ITEMS, AssessmentPrompt, Status, TemporaryAid
from minsheng.core.keyset import COUNT_CAP, Key, capped_count
from minsheng.intake.models import ItemCase
from minsheng.people.models import Household, Person

if TYPE_CHECKING:
    from minsheng.accounts.models import User


@dataclass(frozen=True)
class Band:
    """One 临时救助 band as guidance: amounts from ``from_fen`` (exclusive) up to ``to_fen``."""

    label: str
    months: int
    from_fen: int
    to_fen: int


def bands_for(*, area_code: str, on: dt.date) -> list[Band]:
    """The bands of ``linshi.bands`` in money: multiples of the 低保 standard (``dibao.standard``) of the area.

    Guidance only: an empty list when either rule has no value for the area on the date.
    """
    try:
        standard = int(parameter_for("dibao.standard", area_code=area_code, on=on).value)
        rows = parameter_for("linshi.bands", area_code=area_code, on=on).value
    except MissingParameter:
        return []
    bands, lower = [], 0
    for row in sorted(rows, key=lambda r: int(r["up_to_months_of_standard"])):
        months = int(row["up_to_months_of_standard"])
        bands.append(Band(label=str(row.get("label", "")), months=months, from_fen=lower, to_fen=months * standard))
        lower = months * standard
    return bands


def band_of(bands: list[Band], amount_fen: int) -> Band | None:
    """The band an amount falls into (None above the highest band)."""
    return next((b for b in bands if amount_fen <= b.to_fen), None)


def papers_overdue(aid: TemporaryAid, today: dt.date) -> bool:
    """Paid first and the papers are still missing after their due date (on the due date itself: not yet)."""
    return aid.status == Status.PAID_FIRST and aid.papers_due is not None and today > aid.papers_due


def temporary_aid_list(
    *, user: User, status: str = "", overdue: bool = False, today: dt.date | None = None
) -> QuerySet[TemporaryAid]:
    """Cases in the user's areas, newest first; ``overdue`` keeps those whose papers are late."""
    rows = TemporaryAid.objects.restrict(user, "view").select_related(
        "person", "item_case__application", "paid_by", "decided_by"
    )
    if status in Status.values:
        rows = rows.filter(status=status)
    if overdue:
        rows = rows.filter(status=Status.PAID_FIRST, papers_due__lt=today or timezone.localdate())
    return rows


# The list shows every open case (paid first, with the county, in verification), and the closed ones (completed,
# refused) recorded this many days back unless the user chooses an earlier day: closed cases pile up every year.
LIST_WINDOW_DAYS = 90
# Newest first: the (area, time) index for the window, the (status, area, papers due) one for the open cases and the
# overdue ones (docs/architecture.md, "Lists").
AID_KEYS = (Key("created_at", descending=True), Key("id", descending=True))
# The overdue warning reads at most this many cases and one more ("more than …").
OVERDUE_COUNT_CAP = COUNT_CAP


def temporary_aid_page_rows(
    *, user: User, closed_since: dt.datetime, status: str = "", overdue: bool = False, today: dt.date | None = None
) -> QuerySet[TemporaryAid]:
    """The list's rows: those of the filters, the closed ones only when recorded since ``closed_since``."""
    rows = temporary_aid_list(user=user, status=status, overdue=overdue, today=today)
    if not overdue and status not in OPEN_STATUSES:
        rows = rows.filter(Q(status__in=sorted(OPEN_STATUSES)) | Q(created_at__gte=closed_since))
    return rows


def overdue_count(*, user: User, today: dt.date) -> tuple[int, bool]:
    """Cases paid first whose papers are late, counted from at most ``OVERDUE_COUNT_CAP + 1`` of them through the
    (status, area, papers due) index: (count, whether there are more than the cap)."""
    return capped_count(temporary_aid_list(user=user, overdue=True, today=today), OVERDUE_COUNT_CAP)


def temporary_aid_get(*, user: User, pk: int, action: str = "view") -> TemporaryAid:
    """One case the user may ``action``; a case outside the user's areas is 404 (``Http404``)."""
    return get_object_or_404(
        TemporaryAid.objects.restrict(user, action).select_related(
            "person", "household", "item_case__application", "item_case__item", "paid_by", "decided_by", "created_by"
        ),
        pk=pk,
    )


def items_waiting(*, user: User) -> QuerySet[ItemCase]:
    """临时救助 items taken at a window (or online) for which no temporary-assistance case is open yet."""
    return (
        ItemCase.objects.restrict(user, "view")
        .filter(
            item__number__in=list(TEMPORARY_ITEMS),
            temporary_aid__isnull=True,
            status__in=[ItemCase.Status.ACCEPTED, ItemCase.Status.WAITING_MATERIALS],
        )
        .select_related("item", "application", "application__person")
        .order_by("application__submitted_at", "id")
    )


# The open prompts (work to do) all, the oldest first, through the partial (area, prompted at) index of the open
# ones; the closed ones of the window, the latest closed first, through (area, closed at).
PROMPT_OPEN_KEYS = (Key("created_at"), Key("id"))
PROMPT_CLOSED_KEYS = (Key("closed_at", descending=True), Key("id", descending=True))


def prompts_list(*, user: User, closed_since: dt.datetime | None = None) -> QuerySet[AssessmentPrompt]:
    """The open prompts of the user's areas, the oldest first; with ``closed_since``, instead those closed since
    then, the latest closed first."""
    rows = AssessmentPrompt.objects.restrict(user, "view").select_related(
        "household", "temporary_aid", "temporary_aid__person", "assessment", "closed_by"
    )
    if closed_since is None:
        return rows.filter(closed_at__isnull=True).order_by(*(key.order() for key in PROMPT_OPEN_KEYS))
    return rows.filter(closed_at__gte=closed_since).order_by(*(key.order() for key in PROMPT_CLOSED_KEYS))


def verification_of(aid: TemporaryAid) -> tuple[EconomicStatus, Assessment] | None:
    """The household's latest economic status and the latest means test run on it, when both exist."""
    if aid.household_id is None:
        return None
    # unscoped: the household's own records, for a case already loaded through the door
    status = EconomicStatus.objects.unscoped().filter(household_id=aid.household_id).order_by("-version").first()
    if status is None:
        return None
    # unscoped: the latest means test of that household's status, for the same case
    assessment = Assessment.objects.unscoped().filter(economic_status=status).order_by("-created_at", "-id").first()
    return (status, assessment) if assessment is not None else None


def assessments_for_prompt(*, user: User, prompt: AssessmentPrompt) -> QuerySet[Assessment]:
    """Means tests of the prompt's household the user may see, newest first (to link one when closing)."""
    return (
        Assessment.objects.restrict(user, "view")
        .filter(household_id=prompt.household_id)
        .order_by("-created_at", "-id")
    )


def current_household(person: Person) -> Household | None:
    """The household the person belongs to now (through the person, already loaded through the door)."""
    membership = person.memberships.filter(left_on__isnull=True).select_related("household").first()
    return membership.household if membership is not None else None


@dataclass(frozen=True)
class YearTotals:
    """What temporary assistance brought one person in a calendar year: payments, cash and goods (fen)."""

    year: int
    payments: int
    cash_fen: int
    goods_fen: int


def year_totals(person_id: int, year: int, *, excluding: int | None = None) -> YearTotals:
    """The person's temporary assistance paid (or given in goods) in ``year`` (read for a person already loaded
    through the door), leaving out case ``excluding``."""
    # unscoped: the person's own cases, counted against the yearly limit wherever they were paid
    rows = TemporaryAid.objects.unscoped().filter(person_id=person_id, paid_at__year=year)
    if excluding is not None:
        rows = rows.exclude(pk=excluding)
    figures = rows.aggregate(n=Count("id"), cash=Sum("paid_fen"), goods=Sum("goods_value_fen"))
    return YearTotals(year, figures["n"], figures["cash"] or 0, figures["goods"] or 0)


def persons_of(household: Household | None, on: dt.date) -> int:
    """Members living together in the household on ``on`` (1 for a person without a household)."""
    if household is None:
        return 1
    count = (
        household.memberships.filter(living_together=True, joined_on__lte=on)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=on))
        .count()
    )
    return max(count, 1)
