"""The programmes in a person's file (一人一档) and in the audit log: the means tests of the person's households, the
低保 / 特困 procedures, benefits with their history and temporary assistance; how the auditor reads these objects and
which of them concern a person."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from minsheng.assistance.benefits.models import Benefit
from minsheng.assistance.means.models import Assessment
from minsheng.assistance.procedure.models import ProgrammeCase
from minsheng.assistance.programmes import Programme
from minsheng.assistance.temporary.models import TemporaryAid
from minsheng.core.crypto import mask_name
from minsheng.core.numbers import ids_of
from minsheng.people.selectors import person_memberships

SHOWN = 20


def _households(person: Any) -> list[int]:
    """The households the person belongs or belonged to (a file shows their programmes too), from the registry's
    one read of the person's memberships that the file's parts share."""
    return [m.household_id for m in person_memberships(person)]


def assessments_section(user: Any, person: Any) -> dict[str, Any] | None:
    if not user.has_perm("assistance.view_assessment"):
        return None
    assessments = list(
        Assessment.objects.restrict(user, "view")
        .filter(household_id__in=_households(person))
        .select_related("household")
        .order_by("-created_at", "-id")[:SHOWN]
    )
    return {"assessments": assessments} if assessments else None


def cases_section(user: Any, person: Any) -> dict[str, Any] | None:
    """The 低保 / 特困 procedures of the person or their households, with the stage and the decision notice."""
    if not user.has_perm("assistance.view_programmecase"):
        return None
    cases = list(
        ProgrammeCase.objects.restrict(user, "view")
        .filter(Q(applicant=person) | Q(household_id__in=_households(person)))
        .select_related("household", "applicant", "case__application")
        .order_by("-created_at", "-id")[:SHOWN]
    )
    return {"cases": cases} if cases else None


def benefits_section(user: Any, person: Any) -> dict[str, Any] | None:
    """The benefits paid to the person or their households, each with its history (enrolment, changes, stop)."""
    if not user.has_perm("assistance.view_benefit"):
        return None
    benefits = list(
        Benefit.objects.restrict(user, "view")
        .filter(Q(payee=person) | Q(household_id__in=_households(person)))
        .select_related("household", "payee")
        .prefetch_related("changes")  # through the benefits, loaded through the door (oldest first)
        .order_by("-first_month", "-id")[:SHOWN]
    )
    return {"benefits": benefits} if benefits else None


def temporary_section(user: Any, person: Any) -> dict[str, Any] | None:
    if not user.has_perm("assistance.view_temporaryaid"):
        return None
    aids = list(
        TemporaryAid.objects.restrict(user, "view")
        .filter(person=person)
        .select_related("item_case__application")
        .order_by("-created_at", "-id")[:SHOWN]
    )
    return {"aids": aids} if aids else None


# --- The audit log --------------------------------------------------------------------------------------------


def _programme(code: str) -> str:
    return str(Programme(code).label) if code in Programme.values else code


def describe_cases(ids: Sequence[str]) -> Mapping[str, str]:
    """``assistance.programmecase``: programme, receipt number, stage and the applicant's masked name."""
    # unscoped: words for events the auditor may already see (the events are filtered by scope).
    rows = ProgrammeCase.objects.unscoped().filter(pk__in=ids_of(ids)).select_related("applicant", "case__application")
    return {
        str(c.pk): f"{_programme(c.programme)} · {c.case.application.receipt_number} · {c.get_stage_display()} · "
        f"{mask_name(c.applicant.name)}"
        for c in rows
    }


def describe_benefits(ids: Sequence[str]) -> Mapping[str, str]:
    """``assistance.benefit``: programme, household number and the payee's masked name."""
    # unscoped: words for events the auditor may already see (the events are filtered by scope).
    rows = Benefit.objects.unscoped().filter(pk__in=ids_of(ids)).select_related("payee", "household")
    return {
        str(b.pk): _("%(programme)s · household %(household)s · %(name)s")
        % {"programme": _programme(b.programme), "household": b.household.number, "name": mask_name(b.payee.name)}
        for b in rows
    }


def describe_temporary(ids: Sequence[str]) -> Mapping[str, str]:
    """``assistance.temporaryaid``: the kind, receipt number and the applicant's masked name."""
    # unscoped: words for events the auditor may already see (the events are filtered by scope).
    rows = TemporaryAid.objects.unscoped().filter(pk__in=ids_of(ids)).select_related("person", "item_case__application")
    return {
        str(t.pk): f"{t.get_kind_display()} · {t.item_case.application.receipt_number} · {mask_name(t.person.name)}"
        for t in rows
    }


def describe_assessments(ids: Sequence[str]) -> Mapping[str, str]:
    """``assistance.assessment``: the household's number and the date assessed."""
    # unscoped: words for events the auditor may already see (the events are filtered by scope).
    rows = Assessment.objects.unscoped().filter(pk__in=ids_of(ids)).select_related("household")
    return {
        str(a.pk): _("Means test · household %(household)s · as of %(on)s")
        % {"household": a.household.number, "on": f"{a.on:%Y-%m-%d}"}
        for a in rows
    }


def person_objects(person: Any) -> Iterable[tuple[str, str]]:
    """The programmes' objects about a person: their cases, benefits, temporary assistance and assessments (of
    the person or of their households)."""
    households = _households(person)
    mine = Q(household_id__in=households)
    # unscoped: the auditor's search lists events, which are themselves filtered by the auditor's scope.
    cases = ProgrammeCase.objects.unscoped().filter(Q(applicant=person) | mine).values_list("pk", flat=True)
    yield from (("assistance.programmecase", str(pk)) for pk in cases)
    # unscoped: the auditor's search lists events, which are themselves filtered by the auditor's scope.
    benefits = Benefit.objects.unscoped().filter(Q(payee=person) | mine).values_list("pk", flat=True)
    yield from (("assistance.benefit", str(pk)) for pk in benefits)
    # unscoped: the auditor's search lists events, which are themselves filtered by the auditor's scope.
    aids = TemporaryAid.objects.unscoped().filter(person=person).values_list("pk", flat=True)
    yield from (("assistance.temporaryaid", str(pk)) for pk in aids)
    # unscoped: the auditor's search lists events, which are themselves filtered by the auditor's scope.
    assessments = Assessment.objects.unscoped().filter(mine).values_list("pk", flat=True)
    yield from (("assistance.assessment", str(pk)) for pk in assessments)
