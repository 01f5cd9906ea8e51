"""The programmes' due work on a worker's to-do list: procedure steps waiting for the user, benefit reviews due,
temporary-assistance papers to complete and cases for the county to decide. Each kind is one restricted query for
its rows and one for its count."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from minsheng.assistance.benefits.models import Benefit
from minsheng.assistance.procedure.models import APPROVE, ProgrammeCase, Stage
from minsheng.assistance.temporary.models import TemporaryAid
from minsheng.core.crypto import mask_name
from minsheng.core.modules import DueItem, DuePosition, count_due, due_rows
from minsheng.core.scoping import LEVEL_DIGITS

if TYPE_CHECKING:
    from minsheng.accounts.models import User

# Who moves a case on at each stage: the investigators, the township's reviewer, the approving level.
INVESTIGATOR_STAGES = (Stage.ACCEPTED, Stage.INVESTIGATION, Stage.VERIFICATION)
REVIEWER_STAGES = (Stage.INITIAL_REVIEW, Stage.PUBLICITY, Stage.DEMOCRATIC_REVIEW)


def _steps(user: User) -> QuerySet[ProgrammeCase]:
    investigate = ProgrammeCase.objects.restrict(user, "investigate").filter(stage__in=INVESTIGATOR_STAGES)
    review = ProgrammeCase.objects.restrict(user, "review").filter(stage__in=REVIEWER_STAGES)
    approve = ProgrammeCase.objects.restrict(user, "approve").filter(stage=Stage.COUNTY_REVIEW)
    if not any(len(scope.prefix) <= LEVEL_DIGITS["county"] for scope in user.scopes_for(APPROVE)):
        approve = approve.filter(approval_devolved=True)  # a township approves only where approval is devolved
    mine = Q(pk__in=investigate.values("pk")) | Q(pk__in=review.values("pk")) | Q(pk__in=approve.values("pk"))
    return ProgrammeCase.objects.restrict(user, "view").filter(mine)


def steps_due(user: User, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    """低保 / 特困 cases whose next step is this user's, by the item's deadline (none: last)."""
    cases = _steps(user).select_related("case", "case__application", "applicant")
    return [
        DueItem(
            kind="procedure_step",
            title=f"{case.get_programme_display()}: {case.get_stage_display()}",
            url=reverse("assistance:programme_case", args=[case.pk]),
            area_code=case.area_code,
            deadline=case.case.deadline,
            subject=f"{case.case.application.receipt_number} {mask_name(case.applicant.name)}",
            overdue=case.case.deadline is not None and case.case.deadline < today,
            position=position,
        )
        for case, position in due_rows(cases, "case__deadline", after, limit, nullable=True)
    ]


def steps_count(user: User, today: dt.date) -> int:
    return count_due(_steps(user))


def _reviews(user: User, today: dt.date) -> QuerySet[Benefit]:
    return Benefit.objects.restrict(user, "change").filter(status=Benefit.Status.ACTIVE, next_review_on__lte=today)


def reviews_due(user: User, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    """Running benefits whose periodic review has come, oldest first."""
    benefits = (
        _reviews(user, today)
        .select_related("payee")
        .only("pk", "programme", "area_code", "next_review_on", "payee__name")
    )
    return [
        DueItem(
            kind="benefit_review",
            title=_("Review: %(programme)s") % {"programme": b.get_programme_display()},
            url=reverse("assistance:benefit_detail", args=[b.pk]),
            area_code=b.area_code,
            deadline=b.next_review_on,
            subject=mask_name(b.payee.name),
            overdue=b.next_review_on < today,
            position=position,
        )
        for b, position in due_rows(benefits, "next_review_on", after, limit)
    ]


def reviews_count(user: User, today: dt.date) -> int:
    return count_due(_reviews(user, today))


def _papers(user: User) -> QuerySet[TemporaryAid]:
    return TemporaryAid.objects.restrict(user, "change").filter(
        status=TemporaryAid.Status.PAID_FIRST, papers_completed_at__isnull=True
    )


def _temporary_row(
    aid: TemporaryAid, kind: str, title: str, deadline: dt.date | None, today: dt.date, position: DuePosition
) -> DueItem:
    return DueItem(
        kind=kind,
        title=title,
        url=reverse("assistance:temporary_detail", args=[aid.pk]),
        area_code=aid.area_code,
        deadline=deadline,
        subject=mask_name(aid.person.name),
        overdue=deadline is not None and deadline < today,
        position=position,
    )


def papers_due(user: User, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    """Temporary assistance paid first whose papers are still to complete, by their deadline."""
    aids = due_rows(_papers(user).select_related("person"), "papers_due", after, limit, nullable=True)
    title = _("Complete the papers of temporary assistance paid first")
    return [_temporary_row(aid, "temporary_papers", title, aid.papers_due, today, at) for aid, at in aids]


def papers_count(user: User, today: dt.date) -> int:
    return count_due(_papers(user))


def _to_decide(user: User) -> QuerySet[TemporaryAid]:
    return TemporaryAid.objects.restrict(user, "decide").filter(status=TemporaryAid.Status.WITH_COUNTY)


def temporary_decisions_due(user: User, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    """Temporary assistance above the township's cap, for the county to decide, by the item's deadline."""
    rows = _to_decide(user).select_related("person", "item_case")
    aids = due_rows(rows, "item_case__deadline", after, limit, nullable=True)
    title = _("Decide temporary assistance above the township's cap")
    return [_temporary_row(aid, "temporary_decide", title, aid.item_case.deadline, today, at) for aid, at in aids]


def temporary_decisions_count(user: User, today: dt.date) -> int:
    return count_due(_to_decide(user))
