"""The 低保 / 特困 procedure on a one-window item case (DOMAIN §1.2, §2): one service per step.

受理 (``ACCEPTED``, opened when the item case is accepted) → 入户调查 (two staff) → 核对 (request, then result:
eligible → 初审; points to clarify → investigate again; ineligible → the applicant is told and the case may be
refused, or re-examined on new evidence) → 初审 (runs the means test and proposes) → 公示 for
``PUBLICITY_DAYS`` days with objections → 民主评议 or re-investigation when objected → 审核确认 by the county (or the
township where approval is devolved) → enrolment through ``benefits.benefit_enrol``, or refusal with written reasons.

Every transition locks the case row (``select_for_update``), re-reads its stage inside the lock and raises a
``ValidationError`` when the case is not where the step expects it: two users approving at once produce one
benefit and one error. Who may take each step is checked here against the case's area (``scope_allows``), so a
view only parses input and calls one function.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accounts.models import User
from minsheng.accounts.roles import Role
from minsheng.assistance.benefits.models import Benefit
from minsheng.assistance.benefits.services import benefit_enrol
from minsheng.assistance.means.services import assessment_run
from minsheng.assistance.procedure.models import (
    APPROVE,
    CLOSED_STAGES,
    INVESTIGATE,
    INVESTIGATOR_PERMISSION,
    OPEN_STAGES,
    PROCEDURE_ITEMS,
    REFUSAL_NOTICE_WORKING_DAYS,
    REVIEW,
    VIEW,
    Objection,
    ProgrammeCase,
    Stage,
)
from minsheng.assistance.procedure.selectors import (
    accepted_on,
    county_level,
    county_visit_required,
    investigation_due,
    involved_user_ids,
    may_decide,
    procedure_runs,
    programme_result,
    publicity_end_for,
)
from minsheng.assistance.programmes import Programme
from minsheng.assistance.rules.selectors import MissingParameter, parameter_for
from minsheng.audit.services import audit_record
from minsheng.catalog.models import Item
from minsheng.core.scoping import scope_allows
from minsheng.core.templatetags.money import yuan
from minsheng.intake.models import Notification
from minsheng.intake.notifications import StaffDirectory, notify
from minsheng.people.models import Household, Membership
from minsheng.workdays.services import Calendar

# --- Opening (the hook called by the one window) -------------------------------------------------------------


def programme_cases_open(item_cases: Iterable[Any], *, actor: User | None = None) -> list[ProgrammeCase]:
    """Open the procedure of every accepted 低保 / 特困 item case that has none yet (called at 受理).

    The procedure works on the applicant's household; an applicant with no registered household gets none (the
    department decides such an item from its inbox, as before). A household has one open procedure per programme (a
    database constraint): while one runs, another application for the household is refused with a ValidationError
    naming the running one, and the caller's whole transaction (the application, the materials) is undone.
    """
    opened = []
    for item_case in item_cases:
        programme = PROCEDURE_ITEMS.get(item_case.item.number)
        if programme is None or item_case.status != "accepted" or procedure_runs(item_case):
            continue
        applicant = item_case.application.person
        # unscoped: the applicant's current household, inside the window's own transaction
        membership = (
            Membership.objects.unscoped()
            .filter(person=applicant, left_on__isnull=True)
            .select_related("household")
            .order_by("-joined_on", "-id")
            .first()
        )
        if membership is None:
            continue
        household = membership.household
        if (running := _open_case(household, programme)) is not None:
            raise _already_open(household, programme, running)
        try:
            with transaction.atomic():
                case = ProgrammeCase.objects.create(
                    case=item_case,
                    programme=programme,
                    household=household,
                    applicant=applicant,
                    area_code=item_case.area_code,
                    approval_devolved=item_case.item.deciding_level == Item.Level.TOWNSHIP,
                    created_at=timezone.now(),
                )
        except IntegrityError:  # another window opened one at the same moment (the partial unique constraint)
            raise _already_open(household, programme, _open_case(household, programme)) from None
        audit_record(
            actor=actor,
            action="assistance.programme_case_opened",
            obj=case,
            area_code=case.area_code,
            after={
                "programme": programme,
                "household": membership.household.number,
                "item_case": item_case.pk,
                "approval_devolved": case.approval_devolved,
            },
        )
        opened.append(case)
    return opened


def _open_case(household: Household, programme: str) -> ProgrammeCase | None:
    """The household's open case of the programme (a system read inside the window's transaction)."""
    # unscoped: uniqueness check: the household's open case of the programme, whoever may see it
    return (
        ProgrammeCase.objects.unscoped()
        .filter(household=household, programme=programme)
        .exclude(stage__in=CLOSED_STAGES)
        .select_related("case__application")
        .first()
    )


def _already_open(household: Household, programme: str, running: ProgrammeCase | None) -> ValidationError:
    return ValidationError(
        _(
            "The household %(household)s has an open %(programme)s application already (receipt %(receipt)s); "
            "another is accepted only after it is decided."
        )
        % {
            "household": household.number,
            "programme": Programme(programme).label,
            "receipt": running.case.application.receipt_number if running is not None else "—",
        }
    )


# --- Transitions -----------------------------------------------------------------------------------------------


def _require(actor: User, permission: str, case: ProgrammeCase) -> None:
    if not scope_allows(actor, permission, case.area_code):
        raise PermissionDenied(_("You may not take this step on this case."))


def _county_clock(case: ProgrammeCase) -> None:
    """The file reaches the approving level today: it decides within ``procedure.county_days`` working days."""
    today = timezone.localdate()
    try:
        days = int(parameter_for("procedure.county_days", area_code=case.area_code, on=today).value)
    except MissingParameter:
        raise ValidationError(
            _("No value of the rule %(key)s applies here; a city administrator enters it (rules page).")
            % {"key": "procedure.county_days"}
        ) from None
    case.county_received_on = today
    case.county_due = Calendar().add_working_days(today, days)


def _lock(case: ProgrammeCase, *stages: str) -> ProgrammeCase:
    """The case row, locked, if it is at one of ``stages``; else a clear error (somebody else moved it)."""
    # unscoped: the caller checked the actor on the case's area; the row is re-read under lock
    locked = ProgrammeCase.objects.unscoped().select_for_update(of=("self",)).select_related("case").get(pk=case.pk)
    if locked.stage not in stages:
        raise ValidationError(
            _("This step is not possible now: the case is at “%(stage)s”. Reload the page to see what changed.")
            % {"stage": Stage(locked.stage).label}
        )
    return locked


def _reason(text: str, field: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: message})
    return text


def _record(actor: User, action: str, case: ProgrammeCase, before: str, reason: str = "", **after: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=case,
        area_code=case.area_code,
        before={"stage": before},
        after={"stage": case.stage, **after},
        reason=reason,
    )


@transaction.atomic
def programme_case_flag_relative(*, actor: User, case: ProgrammeCase, note: str) -> ProgrammeCase:
    """单独登记备案: a member is a close relative (近亲属) of case staff or of a village committee member. The flag
    cannot be removed; it makes the county's own visit a condition of approval."""
    _require(actor, INVESTIGATE, case)
    note = _reason(note, "note", _("Say whose relative the member is."))
    locked = _lock(case, *OPEN_STAGES)
    if locked.staff_relative:
        raise ValidationError(_("The case is registered as a relative of staff already."))
    locked.staff_relative = True
    locked.staff_relative_note = note[:200]
    locked.save(update_fields=["staff_relative", "staff_relative_note"])
    _record(actor, "assistance.programme_case_relative_flagged", locked, locked.stage, reason=note)
    return locked


@transaction.atomic
def programme_case_investigate(
    *,
    actor: User,
    case: ProgrammeCase,
    investigated_on: dt.date,
    investigator_1: User,
    investigator_2: User,
    findings: str,
) -> ProgrammeCase:
    """入户调查 by two different staff who may work in the case's area; the case goes on to 核对."""
    _require(actor, INVESTIGATE, case)
    findings = _reason(findings, "findings", _("Write down what the home visit found."))
    if investigator_1.pk == investigator_2.pk:
        raise ValidationError({"investigator_2": _("The home investigation needs two different staff members.")})
    for field, person in (("investigator_1", investigator_1), ("investigator_2", investigator_2)):
        if not scope_allows(person, INVESTIGATOR_PERMISSION, case.area_code):
            raise ValidationError({field: _("%(name)s does not work in this area.") % {"name": person}})
    locked = _lock(case, Stage.ACCEPTED, Stage.INVESTIGATION)
    today = timezone.localdate()
    if investigated_on > today:
        raise ValidationError({"investigated_on": _("The date of the visit cannot be in the future.")})
    if investigated_on < accepted_on(locked):
        raise ValidationError({"investigated_on": _("The visit cannot be before the application was accepted.")})
    before = locked.stage
    locked.investigated_on = investigated_on
    locked.investigator_1 = investigator_1
    locked.investigator_2 = investigator_2
    locked.investigation_findings = findings
    # A new round of 核对 follows every investigation.
    locked.verification_requested_at = None
    locked.verification_result = ProgrammeCase.VerificationResult.PENDING
    locked.verification_note = ""
    locked.verification_returned_at = None
    locked.stage = Stage.VERIFICATION
    locked.save()
    _record(
        actor,
        "assistance.programme_case_investigated",
        locked,
        before,
        reason=findings,
        investigated_on=investigated_on,
        investigators=[investigator_1.pk, investigator_2.pk],
        late=investigated_on > investigation_due(locked),
    )
    return locked


@transaction.atomic
def programme_case_verification_request(*, actor: User, case: ProgrammeCase) -> ProgrammeCase:
    """核对: the request to the county's verification centre is recorded (the centre itself comes later)."""
    _require(actor, INVESTIGATE, case)
    locked = _lock(case, Stage.VERIFICATION)
    if locked.verification_requested_at is not None:
        raise ValidationError(_("The verification is requested already."))
    locked.verification_requested_at = timezone.now()
    locked.save(update_fields=["verification_requested_at"])
    _record(actor, "assistance.programme_case_verification_requested", locked, locked.stage)
    return locked


@transaction.atomic
def programme_case_verification_result(*, actor: User, case: ProgrammeCase, result: str, report: str) -> ProgrammeCase:
    """The verification result with its report: eligible → 初审; points to clarify → investigate again;
    ineligible → the applicant is told, and the case is refused or re-examined on new evidence."""
    _require(actor, INVESTIGATE, case)
    results = ProgrammeCase.VerificationResult
    if result not in {results.ELIGIBLE, results.INELIGIBLE, results.QUERIES}:
        raise ValidationError({"result": _("Choose the result of the verification.")})
    report = _reason(report, "report", _("Write down what the verification report says."))
    locked = _lock(case, Stage.VERIFICATION)
    if locked.verification_requested_at is None:
        raise ValidationError(_("Record the request for verification first."))
    if locked.verification_result:
        raise ValidationError(_("The verification result is recorded already."))
    before = locked.stage
    locked.verification_result = result
    locked.verification_note = report
    locked.verification_returned_at = timezone.now()
    if result == results.ELIGIBLE:
        locked.stage = Stage.INITIAL_REVIEW
    elif result == results.QUERIES:
        locked.stage = Stage.INVESTIGATION
    locked.save()
    _record(actor, "assistance.programme_case_verification_returned", locked, before, reason=report, result=result)
    return locked


@transaction.atomic
def programme_case_initial_review(*, actor: User, case: ProgrammeCase, approve: bool, opinion: str) -> ProgrammeCase:
    """初审 by a township reviewer: the means test runs on the household and is stored with the case.

    A proposal to approve goes to the 公示 and needs an eligible result; a proposal to refuse goes straight to the
    approving level, which refuses in writing (or sends the case back)."""
    _require(actor, REVIEW, case)
    opinion = _reason(opinion, "opinion", _("Write down the initial review opinion."))
    locked = _lock(case, Stage.INITIAL_REVIEW)
    assessment = assessment_run(actor=actor, household=locked.household, on=timezone.localdate())
    result = programme_result(locked, assessment)
    if approve and (result is None or not result.eligible):
        reasons = "；".join(result.refusal_reasons) if result else ""
        raise ValidationError(
            _("The means test does not find the applicant eligible, so approval cannot be proposed. %(reasons)s")
            % {"reasons": reasons}
        )
    before = locked.stage
    locked.assessment = assessment
    locked.initial_opinion = opinion
    locked.initial_opinion_by = actor
    locked.initial_opinion_at = timezone.now()
    locked.publicity_start = None
    locked.publicity_end = None
    locked.stage = Stage.PUBLICITY if approve else Stage.COUNTY_REVIEW
    if locked.stage == Stage.COUNTY_REVIEW:
        _county_clock(locked)
    locked.save()
    _record(
        actor,
        "assistance.programme_case_initial_review",
        locked,
        before,
        reason=opinion,
        proposal="approve" if approve else "refuse",
        assessment=assessment.pk,
        monthly_fen=result.monthly_fen if result else None,
    )
    return locked


@transaction.atomic
def programme_case_publicity_start(*, actor: User, case: ProgrammeCase, start: dt.date) -> ProgrammeCase:
    """公示 in the village for ``PUBLICITY_DAYS`` days from ``start`` (name, household size and amount only)."""
    _require(actor, REVIEW, case)
    locked = _lock(case, Stage.PUBLICITY)
    if locked.publicity_start is not None:
        raise ValidationError(_("The public notice is posted already."))
    assert locked.initial_opinion_at is not None
    if start < timezone.localtime(locked.initial_opinion_at).date():
        raise ValidationError({"start": _("The public notice cannot start before the initial review.")})
    locked.publicity_start = start
    locked.publicity_end = publicity_end_for(start)
    locked.save(update_fields=["publicity_start", "publicity_end"])
    _record(
        actor,
        "assistance.programme_case_publicity_started",
        locked,
        locked.stage,
        start=start,
        end=locked.publicity_end,
    )
    return locked


@transaction.atomic
def programme_case_objection(*, actor: User, case: ProgrammeCase, received_on: dt.date, text: str) -> Objection:
    """An objection received during the 公示."""
    _require(actor, INVESTIGATE, case)
    text = _reason(text, "text", _("Write down the objection."))
    locked = _lock(case, Stage.PUBLICITY)
    if locked.publicity_start is None or locked.publicity_end is None:
        raise ValidationError(_("The public notice has not started."))
    if not locked.publicity_start <= received_on <= min(locked.publicity_end, timezone.localdate()):
        raise ValidationError(
            {"received_on": _("An objection is received during the public notice, and not in the future.")}
        )
    objection = Objection.objects.create(programme_case=locked, received_on=received_on, text=text, recorded_by=actor)
    _record(actor, "assistance.programme_case_objection", locked, locked.stage, reason=text, objection=objection.pk)
    return objection


def _open_objections(case: ProgrammeCase) -> QuerySet[Objection]:
    # unscoped: the open objections of a case the caller loaded through the door
    return Objection.objects.unscoped().filter(programme_case=case, resolved_at__isnull=True)


def _resolve_objections(case: ProgrammeCase, resolution: str) -> int:
    return _open_objections(case).update(resolution=resolution, resolved_at=timezone.now())


@transaction.atomic
def programme_case_publicity_close(*, actor: User, case: ProgrammeCase, democratic_review: bool) -> ProgrammeCase:
    """After the 公示: on to the approving level, or — when objected (or if the township wishes) — to 民主评议.

    An objected case must go to democratic review or back to investigation (``programme_case_reinvestigate``)."""
    _require(actor, REVIEW, case)
    locked = _lock(case, Stage.PUBLICITY)
    today = timezone.localdate()
    if locked.publicity_end is None:
        raise ValidationError(_("The public notice has not started."))
    if today <= locked.publicity_end:
        raise ValidationError(
            _("The public notice runs until %(end)s; the case can go on from the day after.")
            % {"end": locked.publicity_end.isoformat()}
        )
    objected = _open_objections(locked).exists()
    if objected and not democratic_review:
        raise ValidationError(
            _("The case was objected to: hold a democratic review or send it back for investigation.")
        )
    before = locked.stage
    locked.stage = Stage.DEMOCRATIC_REVIEW if democratic_review else Stage.COUNTY_REVIEW
    if locked.stage == Stage.COUNTY_REVIEW:
        _county_clock(locked)
    locked.save(update_fields=["stage", "county_received_on", "county_due"])
    _record(actor, "assistance.programme_case_publicity_closed", locked, before, objected=objected)
    return locked


@transaction.atomic
def programme_case_democratic_review(*, actor: User, case: ProgrammeCase, record: str) -> ProgrammeCase:
    """民主评议: its record answers the objections; the case goes to the approving level."""
    _require(actor, REVIEW, case)
    record = _reason(record, "record", _("Write down the record of the democratic review."))
    locked = _lock(case, Stage.DEMOCRATIC_REVIEW)
    locked.democratic_review_note = record
    locked.stage = Stage.COUNTY_REVIEW
    _county_clock(locked)
    locked.save(update_fields=["democratic_review_note", "stage", "county_received_on", "county_due"])
    resolved = _resolve_objections(locked, _("Democratic review: %(record)s") % {"record": record})
    _record(
        actor,
        "assistance.programme_case_democratic_review",
        locked,
        Stage.DEMOCRATIC_REVIEW,
        reason=record,
        objections_resolved=resolved,
    )
    return locked


# Who may send a case back for investigation, by the stage it is at.
REINVESTIGATE_PERMISSION: dict[str, str] = {
    Stage.VERIFICATION: INVESTIGATE,  # the applicant disputes an ineligible verification with new evidence
    Stage.PUBLICITY: REVIEW,
    Stage.DEMOCRATIC_REVIEW: REVIEW,
    Stage.COUNTY_REVIEW: APPROVE,
}


@transaction.atomic
def programme_case_reinvestigate(*, actor: User, case: ProgrammeCase, reason: str) -> ProgrammeCase:
    """Back to 入户调查: after an objection, a disputed verification, or when the approving level sends it back.
    Open objections are answered by the reason; a new initial review and a new 公示 follow."""
    permission = REINVESTIGATE_PERMISSION.get(case.stage)
    if permission is not None:
        _require(actor, permission, case)
    elif not scope_allows(actor, VIEW, case.area_code):
        raise PermissionDenied(_("You may not take this step on this case."))
    reason = _reason(reason, "reason", _("Say why the case goes back for investigation."))
    locked = _lock(case, *REINVESTIGATE_PERMISSION)
    if locked.stage != case.stage:  # moved since the permission was checked: check again for the new stage
        _require(actor, REINVESTIGATE_PERMISSION[locked.stage], locked)
    if locked.stage == Stage.COUNTY_REVIEW and not may_decide(actor, locked):
        raise PermissionDenied(_("Only the approving level can send the case back from confirmation."))
    if locked.stage == Stage.VERIFICATION and locked.verification_result != ProgrammeCase.VerificationResult.INELIGIBLE:
        raise ValidationError(_("Only a case found ineligible by the verification is re-examined from here."))
    before = locked.stage
    locked.stage = Stage.INVESTIGATION
    locked.publicity_start = None
    locked.publicity_end = None
    locked.save(update_fields=["stage", "publicity_start", "publicity_end"])
    resolved = _resolve_objections(locked, _("Investigated again: %(reason)s") % {"reason": reason})
    _record(
        actor, "assistance.programme_case_reinvestigate", locked, before, reason=reason, objections_resolved=resolved
    )
    return locked


@transaction.atomic
def programme_case_county_visit(*, actor: User, case: ProgrammeCase, visited_on: dt.date, note: str) -> ProgrammeCase:
    """The county's own home visit (required for relatives of staff and objected cases; any case may be sampled)."""
    if not scope_allows(actor, APPROVE, county_level(case)):
        raise PermissionDenied(_("The county's own visit is recorded by the county."))
    note = _reason(note, "note", _("Write down what the county's visit found."))
    locked = _lock(case, Stage.COUNTY_REVIEW)
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": _("The date of the visit cannot be in the future.")})
    locked.county_visit_on = visited_on
    locked.county_visit_by = actor
    locked.county_visit_note = note
    locked.save(update_fields=["county_visit_on", "county_visit_by", "county_visit_note"])
    _record(actor, "assistance.programme_case_county_visit", locked, locked.stage, reason=note, visited_on=visited_on)
    return locked


def _check_decider(actor: User, case: ProgrammeCase) -> None:
    if not may_decide(actor, case):
        raise PermissionDenied(
            _("Only the county confirms this case (approval is not devolved to the township).")
            if not case.approval_devolved
            else _("You may not confirm cases in this area.")
        )
    if actor.pk in involved_user_ids(case):
        raise ValidationError(
            _("You investigated this case or made its initial review; another person must decide it.")
        )


@transaction.atomic
def programme_case_approve(*, actor: User, case: ProgrammeCase, reason: str = "") -> Benefit:
    """审核确认: approve and enrol from the month after the decision, with the amount of the stored assessment."""
    _check_decider(actor, case)
    locked = _lock(case, Stage.COUNTY_REVIEW)
    _check_decider(actor, locked)
    if locked.publicity_end is None:
        raise ValidationError(_("The initial review proposed refusal; send the case back or refuse it."))
    today = timezone.localdate()
    if today <= locked.publicity_end:
        raise ValidationError(_("The public notice is not over."))
    if _open_objections(locked).exists():
        raise ValidationError(_("An objection is not answered yet."))
    if county_visit_required(locked) and locked.county_visit_on is None:
        raise ValidationError(
            _("The county must visit the household itself before approval (relative of staff or objection).")
        )
    result = programme_result(locked)
    if result is None or not result.eligible:
        raise ValidationError(_("The stored means test does not find the applicant eligible."))
    reason = reason.strip() or _("Approved after investigation, verification, initial review and public notice.")
    payee = result.person or locked.applicant
    benefit = benefit_enrol(
        actor=actor,
        result=result,
        household=locked.household,
        payee=payee,
        decided_on=today,
        programme_case=locked,
        item_case=locked.case,
        reason=reason,
    )
    locked.stage = Stage.ENROLLED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_reason = reason
    locked.save(update_fields=["stage", "decided_by", "decided_at", "decision_reason"])
    _close_item_case(actor, locked, granted=True, reason=_grant_text(locked, benefit, reason))
    _record(
        actor,
        "assistance.programme_case_approved",
        locked,
        Stage.COUNTY_REVIEW,
        reason=reason,
        benefit=benefit.pk,
        monthly_fen=benefit.monthly_fen,
        first_month=benefit.first_month,
    )
    return benefit


def _grant_text(case: ProgrammeCase, benefit: Benefit, reason: str) -> str:
    return _("%(reason)s %(programme)s ¥%(amount)s per month from %(month)s.") % {
        "reason": reason,
        "programme": Programme(case.programme).label,
        "amount": yuan(benefit.monthly_fen),
        "month": benefit.first_month.strftime("%Y-%m"),
    }


@transaction.atomic
def programme_case_refuse(*, actor: User, case: ProgrammeCase, reason: str) -> ProgrammeCase:
    """Refusal with written reasons, due to the applicant within 3 working days. The approving level refuses at
    confirmation; the township ends a case the verification found ineligible."""
    if case.stage == Stage.VERIFICATION:
        _require(actor, REVIEW, case)
    else:
        _check_decider(actor, case)
    reason = _reason(reason, "reason", _("Write the reasons for the refusal; the applicant receives them."))
    locked = _lock(case, Stage.VERIFICATION, Stage.COUNTY_REVIEW)
    if locked.stage == Stage.VERIFICATION:
        _require(actor, REVIEW, locked)
        if locked.verification_result != ProgrammeCase.VerificationResult.INELIGIBLE:
            raise ValidationError(_("Only a case found ineligible by the verification can be refused at this step."))
    else:
        _check_decider(actor, locked)
    today = timezone.localdate()
    before = locked.stage
    locked.stage = Stage.REFUSED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_reason = reason
    locked.refusal_notice_due = Calendar().add_working_days(today, REFUSAL_NOTICE_WORKING_DAYS)
    locked.save(update_fields=["stage", "decided_by", "decided_at", "decision_reason", "refusal_notice_due"])
    _resolve_objections(locked, reason)
    _close_item_case(actor, locked, granted=False, reason=reason)
    _record(
        actor,
        "assistance.programme_case_refused",
        locked,
        before,
        reason=reason,
        refusal_notice_due=locked.refusal_notice_due,
    )
    return locked


def _close_item_case(actor: User, case: ProgrammeCase, *, granted: bool, reason: str) -> None:
    """The one-window item case shows the procedure's decision (and a grant pushes its follow-on items)."""
    from minsheng.intake.services import case_record_decision

    case_record_decision(actor=actor, case=case.case, granted=granted, reason=reason)


# --- The approving level's time limit: due soon, overdue and escalation (like the window's items) ---------------


def county_review_sweep(*, today: dt.date | None = None) -> dict[str, int]:
    """Warn the approving level's approvers of files due within 3 working days or overdue, and escalate overdue
    ones to the city. Run daily; idempotent (one notice per user, item and kind)."""
    today = today or timezone.localdate()
    calendar = Calendar()
    directory = StaffDirectory()
    soon = calendar.add_working_days(today, 3)
    waiting = (  # unscoped: a system job, the sweep reads every file waiting at an approving level in the city
        ProgrammeCase.objects.unscoped()
        .filter(stage=Stage.COUNTY_REVIEW, county_due__isnull=False, county_due__lte=soon)
        .select_related("case__application", "case__item")
    )
    counts = {"due_soon": 0, "overdue": 0, "escalated": 0}
    for case in waiting.iterator(chunk_size=500):
        assert case.county_due is not None
        label = f"{case.case.application.receipt_number} {case.case.item.name}"
        approvers = directory.holders_of(Role.COUNTY_APPROVER, case.area_code)
        if case.county_due >= today:
            text = _("审核确认 due on %(date)s: %(case)s") % {"date": case.county_due, "case": label}
            counts["due_soon"] += notify(approvers, kind=Notification.Kind.DUE_SOON, case=case.case, text=text)
            continue
        text = _("审核确认 overdue since %(date)s: %(case)s") % {"date": case.county_due, "case": label}
        counts["overdue"] += notify(approvers, kind=Notification.Kind.OVERDUE, case=case.case, text=text)
        escalated = _("Escalated: %(text)s") % {"text": text}
        city = directory.holders_of(Role.CITY_ADMIN, case.area_code)
        counts["escalated"] += notify(city, kind=Notification.Kind.ESCALATED, case=case.case, text=escalated)
    return counts
