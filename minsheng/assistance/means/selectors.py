"""Reads of the household economic status and the means test."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from minsheng.assistance.means.models import LINE_MODELS, Assessment, AssessmentResult, EconomicStatus
from minsheng.assistance.programmes import Programme
from minsheng.people.models import Household, Person

if TYPE_CHECKING:
    from minsheng.accounts.models import User


def status_is_frozen(status: EconomicStatus) -> bool:
    # unscoped: an existence check on a status the caller loaded through the door
    return Assessment.objects.unscoped().filter(economic_status=status).exists()


def result_for(assessment: Assessment, programme: str, person: Person | None = None) -> AssessmentResult | None:
    """The assessment's result for a programme: the household result, or the person's (特困, 单人保, allowances)."""
    # unscoped: the results of an assessment the caller loaded through the door
    results = AssessmentResult.objects.unscoped().filter(assessment=assessment, programme=programme)
    if person is not None:
        own = results.filter(person=person).first()
        if own is not None or programme != Programme.DIBAO:
            return own
    return results.filter(person__isnull=True).first()


def economic_status_current(*, user: User, household: Household) -> EconomicStatus | None:
    """The household's latest economic status the user may see (``None`` when none is recorded)."""
    statuses = EconomicStatus.objects.restrict(user, "view").filter(household=household)
    return statuses.order_by("-version").first()


def status_lines(status: EconomicStatus) -> dict[str, list[Any]]:
    """The lines of a status (loaded through the door) by kind, in the order they were entered."""
    # unscoped: the lines of a status the caller loaded through the door
    return {
        kind: list(model.objects.unscoped().filter(status=status).order_by("id")) for kind, model in LINE_MODELS.items()
    }


def assessment_list(*, user: User, household: Household) -> QuerySet[Assessment]:
    """The means tests of the household the user may see, newest first."""
    return Assessment.objects.restrict(user, "view").filter(household=household)
