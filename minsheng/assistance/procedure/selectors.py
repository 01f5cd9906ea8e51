"""Reads of the 低保 / 特困 procedure: the list of cases, the dates and warnings of a case, who took part in it, who
may decide it, the means-test result it rests on and its history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from minsheng.accounts.models import RoleAssignment, User
from minsheng.accounts.roles import roles_granting
from minsheng.areas.models import Division
from minsheng.assistance.means.models import AssessmentResult
from minsheng.assistance.means.selectors import result_for
from minsheng.assistance.procedure.models import (
    APPROVE,
    INVESTIGATION_START_WORKING_DAYS,
    INVESTIGATOR_PERMISSION,
    OPEN_STAGES,
    PUBLICITY_DAYS,
    ProgrammeCase,
    Stage,
)
from minsheng.assistance.rules.selectors import MissingParameter, parameter_for
from minsheng.assistance.temporary.models import TemporaryAid
from minsheng.audit.models import AuditEvent
from minsheng.core.keyset import Key
from minsheng.core.modules import audit_action_labels
from minsheng.core.scoping import LEVEL_DIGITS, scope_allows
from minsheng.workdays.services import Calendar


# Readable names of this module's audit actions, for the case history.
def history_labels() -> dict[str, Any]:
    return {
        code: label for code, label in audit_action_labels().items() if code.startswith("assistance.programme_case_")
    }


def procedure_runs(item_case: Any) -> bool:
    """Whether the item case is decided by its procedure — 低保 / 特困 or temporary assistance — (then the
    department inbox must not decide it)."""
    # unscoped: an existence check only: whether a procedure decides this item case
    return (
        ProgrammeCase.objects.unscoped().filter(case_id=item_case.pk).exists()
        or TemporaryAid.objects.unscoped().filter(item_case_id=item_case.pk).exists()
    )


def accepted_on(case: ProgrammeCase) -> dt.date:
    """The day of 受理."""
    return timezone.localtime(case.created_at).date()


def investigation_due(case: ProgrammeCase, calendar: Calendar | None = None) -> dt.date:
    """The last day the home investigation may start (3 working days after 受理)."""
    return (calendar or Calendar()).add_working_days(accepted_on(case), INVESTIGATION_START_WORKING_DAYS)


def publicity_end_for(start: dt.date) -> dt.date:
    return start + dt.timedelta(days=PUBLICITY_DAYS - 1)


def flags(case: ProgrammeCase, today: dt.date, calendar: Calendar) -> list[str]:
    """What the lists and the case page warn about: investigation_overdue, investigation_late (started after the
    limit), publicity_running, publicity_over, overdue (the item's overall time limit passed)."""
    result = []
    due = investigation_due(case, calendar)
    if case.stage == Stage.ACCEPTED and today > due:
        result.append("investigation_overdue")
    if case.investigated_on and case.investigated_on > due:
        result.append("investigation_late")
    if case.stage == Stage.PUBLICITY and case.publicity_end:
        result.append("publicity_over" if today > case.publicity_end else "publicity_running")
    deadline = case.case.deadline
    if case.stage in OPEN_STAGES and deadline is not None and today > deadline:
        result.append("overdue")
    if case.stage == Stage.COUNTY_REVIEW and case.county_due is not None and today > case.county_due:
        result.append("county_overdue")
    return result


def overall_limits(case: ProgrammeCase, calendar: Calendar | None = None) -> tuple[int, dt.date, int, dt.date] | None:
    """The procedure's overall limit from 受理 (``procedure.overall_days``): working days and the day it ends, then
    the same in special cases; None where the rule has no value."""
    accepted = accepted_on(case)
    try:
        value = parameter_for("procedure.overall_days", area_code=case.area_code, on=accepted).value
    except MissingParameter:
        return None
    calendar = calendar or Calendar()
    normal, extended = int(value["normal"]), int(value["extended"])
    return normal, calendar.add_working_days(accepted, normal), extended, calendar.add_working_days(accepted, extended)


def investigation_overdue_cutoff(today: dt.date, calendar: Calendar) -> dt.date:
    """The latest 受理 day whose investigation is overdue today (for filtering lists in the database)."""
    day = today
    while calendar.add_working_days(day, INVESTIGATION_START_WORKING_DAYS) >= today:
        day -= dt.timedelta(days=1)
    return day


# The case list shows every open case, and the decided ones created this many days back unless the user chooses an
# earlier day (decided cases pile up every month).
LIST_WINDOW_DAYS = 90
CASE_KEYS = (Key("created_at", descending=True), Key("id", descending=True))


def programme_case_list(
    *, user: User, stage: str = "", flag: str = "", decided_since: dt.datetime | None = None
) -> QuerySet[ProgrammeCase]:
    """The programme cases in the user's areas, newest first; ``flag`` is "investigation_overdue" or "overdue".

    With ``decided_since`` (the list page), the decided cases are those created since then; open ones all."""
    cases = ProgrammeCase.objects.restrict(user, "view").select_related("applicant", "household", "case__application")
    if stage:
        cases = cases.filter(stage=stage)
    if decided_since is not None:
        cases = cases.filter(Q(stage__in=sorted(OPEN_STAGES)) | Q(created_at__gte=decided_since))
    today = timezone.localdate()
    if flag == "investigation_overdue":
        cutoff = investigation_overdue_cutoff(today, Calendar())
        cases = cases.filter(stage=Stage.ACCEPTED, created_at__date__lte=cutoff)
    elif flag == "overdue":
        cases = cases.filter(stage__in=OPEN_STAGES, case__deadline__lt=today)
    return cases.order_by("-created_at", "-id")


def involved_user_ids(case: ProgrammeCase) -> set[int]:
    """Everybody who investigated or made the initial review of the case, in any round (maker-checker)."""
    ids = {case.investigator_1_id, case.investigator_2_id, case.initial_opinion_by_id}
    # unscoped: the case's own history, after the caller's check on the case
    events = AuditEvent.objects.unscoped().filter(
        object_type=ProgrammeCase._meta.label_lower,
        object_id=str(case.pk),
        action__in=["assistance.programme_case_investigated", "assistance.programme_case_initial_review"],
    )
    for event in events:
        after = event.after or {}
        ids.update(after.get("investigators", []))
        if event.action == "assistance.programme_case_initial_review":
            ids.add(event.actor_id)
    return {i for i in ids if i is not None}


def county_visit_required(case: ProgrammeCase) -> bool:
    """The county visits itself for relatives of staff and for cases objected to during the 公示 (DOMAIN §1.2)."""
    return case.staff_relative or case.objections.exists()


def county_level(case: ProgrammeCase) -> str:
    """The 12-digit code of the case's county: only a grant there is a county-level grant."""
    return case.area_code[: LEVEL_DIGITS["county"]].ljust(12, "0")


def may_decide(actor: User, case: ProgrammeCase) -> bool:
    """The approving level: the county, or the township reviewer where approval is devolved."""
    if scope_allows(actor, APPROVE, county_level(case)):
        return True
    return case.approval_devolved and scope_allows(actor, APPROVE, case.area_code)


def investigator_candidates(case: ProgrammeCase) -> QuerySet[User]:
    """Active staff holding the investigator permission in an area containing the case."""
    roles = roles_granting(INVESTIGATOR_PERMISSION)
    codes = {case.area_code[:digits].ljust(12, "0") for digits in LEVEL_DIGITS.values()}
    user_ids = RoleAssignment.objects.filter(role__in=roles, division_id__in=codes).values("user_id")
    return User.objects.filter(pk__in=user_ids, is_active=True).order_by("username")


def programme_result(case: ProgrammeCase, assessment: Any = None) -> AssessmentResult | None:
    """The assessment's result for the case: the household's 低保 (or the applicant's own 单人保), the applicant's
    特困."""
    assessment = assessment or case.assessment
    if assessment is None:
        return None
    return result_for(assessment, case.programme, case.applicant)


def proposal(case: ProgrammeCase) -> str:
    """ "approve" or "refuse" once the initial review is made: only a proposal to approve is publicly posted."""
    if case.initial_opinion_at is None or case.stage in {Stage.INITIAL_REVIEW, Stage.INVESTIGATION}:
        return ""
    return "approve" if case.stage == Stage.PUBLICITY or case.publicity_start else "refuse"


def history(case: ProgrammeCase) -> list[AuditEvent]:
    """The case's steps, oldest first (read after the caller loaded the case through the door)."""
    # unscoped: the case's own steps, read after the caller loaded the case through the door
    return list(
        AuditEvent.objects.unscoped()
        .filter(object_type=ProgrammeCase._meta.label_lower, object_id=str(case.pk))
        .filter(Q(action__startswith="assistance.programme_case_"))
        .order_by("occurred_at", "id")
    )


def publicity_areas(*, user: Any) -> list[Any]:
    """The villages with a case of the user's areas in public notice now, each with its 公示 list to print."""
    codes = (
        ProgrammeCase.objects.restrict(user, "view")
        .filter(stage=Stage.PUBLICITY)
        .values_list("household__area_id", flat=True)
        .distinct()
    )
    return list(Division.objects.all().filter(code__in=list(codes)).order_by("code"))
