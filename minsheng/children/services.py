"""Writes of children in difficulty: the case file, assessment, visits, plan, referrals, closure and reopening, the
mandatory report, care places and projects, and the monthly recomputation of the visits due. Each service is atomic,
reaches its case through the door (``lock_in_scope``) and records its audit event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accounts.models import RoleAssignment, User
from minsheng.assistance.rules.models import Parameter
from minsheng.assistance.rules.specs import CHILD_RISK_FACTORS
from minsheng.audit.services import audit_record
from minsheng.children.categories import categories_refresh
from minsheng.children.models import (
    RECORDED_CATEGORIES,
    Assessment,
    Attendance,
    CarePlace,
    CareProject,
    CasePlan,
    CaseVisit,
    Category,
    Child,
    Colour,
    Enrolment,
    MandatoryReport,
    ParentSituation,
    PlanService,
    Referral,
)
from minsheng.children.rules import age_on, colour_for, de_facto_unsupported, rules_for, stage_of
from minsheng.core.limits import LABEL_MAX, NAME_MAX, REASON_MAX, TEXT_MAX, require_length
from minsheng.core.modules import publish
from minsheng.core.scoping import lock_in_scope, require_scope
from minsheng.desk.services import notices_send
from minsheng.people.models import Membership, Person

CHANGE = "children.change_child"
FACTORS = frozenset(code for code, _label in CHILD_RISK_FACTORS)
DIRECTOR, SUPERVISOR, COUNTY_STAFF = "child_director", "child_supervisor", "child_county_staff"


def _case(actor: User, pk: int) -> Child:
    return lock_in_scope(
        Child, pk, actor, "change", message=_("This child's file is outside the villages you look after.")
    )


def _open(child: Child) -> None:
    if child.status != Child.Status.OPEN:
        raise ValidationError(_("This case is closed: reopen it first."))


def restage(child: Child) -> None:
    """Derive the stage from the case's facts and store it (for the lists)."""
    assessments = child.assessments.filter(assessed_on__gte=child.reopened_on or child.opened_on)
    if child.reopened_at is not None:
        assessments = assessments.filter(created_at__gt=child.reopened_at)
    assessed = assessments.exists()
    plan = child.plans.filter(closed_on__isnull=True).first()
    services = plan.services.count() if plan is not None else 0
    child.stage = stage_of(
        closed=child.status == Child.Status.CLOSED, assessed=assessed, plan_open=plan is not None, services=services
    )
    child.save(update_fields=["stage", "updated_at"])


def _audit(actor: User, action: str, child: Child, **fields: Any) -> None:
    audit_record(actor=actor, action=action, obj=child, area_code=child.area_code, **fields)


def _text(label: str, text: str, limit: int, *, required: bool = True) -> str:
    text = (text or "").strip()
    require_length(**{label: (text, limit)})
    if required and not text:
        raise ValidationError({label: [_("This field is required.")]})
    return text


# --- The case file ------------------------------------------------------------------------------------------------


def guardian_choices(child: Child) -> list[Person]:
    """The members of the child's current households, the child left out (read through the child's case)."""
    # unscoped: the households of a child whose case the caller read through the door
    households = Membership.objects.unscoped().filter(person_id=child.person_id, left_on__isnull=True)
    # unscoped: members of the households of a child whose case the caller read through the door
    rows = Membership.objects.unscoped().filter(household__in=households.values("household_id"), left_on__isnull=True)
    return [m.person for m in rows.exclude(person_id=child.person_id).select_related("person").order_by("person_id")]


@transaction.atomic
def child_update(
    *,
    actor: User,
    child_id: int,
    guardian_id: int | None,
    guardian_relation: str,
    school: str,
    health: str,
    disability: str,
    needs: str,
    recorded_categories: Iterable[str],
) -> Child:
    """The director's facts of the case: guardian and family, school, health, disability, needs, and the categories
    the data cannot give (left-behind, lacking guardianship, runaway, other)."""
    child = _case(actor, child_id)
    _open(child)
    before = {"guardian": child.guardian_id, "recorded": child.recorded_categories}
    recorded = sorted(set(recorded_categories))
    if set(recorded) - RECORDED_CATEGORIES:
        raise ValidationError({"recorded_categories": [_("Only the categories the data cannot give are recorded.")]})
    if guardian_id is not None:
        if guardian_id == child.person_id:
            raise ValidationError({"guardian": [_("A child cannot be their own guardian.")]})
        # unscoped: the guardian is checked by id before the link is made; only status and existence are read
        guardian = Person.objects.unscoped().filter(pk=guardian_id).first()
        if guardian is None:
            raise ValidationError({"guardian": [_("No such person in the registry.")]})
        if guardian.status == Person.Status.DECEASED:
            raise ValidationError({"guardian": [_("The guardian has died: choose a living guardian.")]})
        if guardian.pk not in {p.pk for p in guardian_choices(child)}:
            raise ValidationError({"guardian": [_("Choose a member of the child's household.")]})
    child.guardian_id = guardian_id
    child.guardian_relation = _text("guardian_relation", guardian_relation, 40, required=guardian_id is not None)
    child.school = _text("school", school, LABEL_MAX, required=False)
    child.health = _text("health", health, REASON_MAX, required=False)
    child.disability = _text("disability", disability, REASON_MAX, required=False)
    child.needs = _text("needs", needs, TEXT_MAX, required=False)
    child.recorded_categories = recorded
    child.save()
    _audit(actor, "children.file_updated", child, before=before, after={"guardian": guardian_id, "recorded": recorded})
    return child


@transaction.atomic
def child_de_facto_determine(
    *,
    actor: User,
    child_id: int,
    father: str,
    father_evidence: str,
    mother: str,
    mother_evidence: str,
    on: dt.date,
) -> Child:
    """The 事实无人抚养 determination (DOMAIN §6.2) with its evidence for each parent's situation."""
    child = _case(actor, child_id)
    _open(child)
    situations = set(ParentSituation.values)
    if father not in situations or mother not in situations:
        raise ValidationError(_("Choose each parent's situation."))
    father_evidence = _text("father_evidence", father_evidence, REASON_MAX)
    mother_evidence = _text("mother_evidence", mother_evidence, REASON_MAX)
    if not de_facto_unsupported(father, mother):
        raise ValidationError(
            _(
                "These situations do not make the child de facto unsupported: both parents must be unable to raise "
                "the child, or one dead or missing and the other unable."
            )
        )
    child.father_situation, child.father_evidence = father, father_evidence
    child.mother_situation, child.mother_evidence = mother, mother_evidence
    child.de_facto_on = on
    child.save()
    categories_refresh(today=on, person_ids=[child.person_id])
    _audit(actor, "children.de_facto_determined", child, after={"father": father, "mother": mother})
    child.refresh_from_db()
    return child


@transaction.atomic
def child_assess(*, actor: User, child_id: int, factors: Iterable[str], note: str, on: dt.date) -> Assessment:
    """An assessment: the factors found give the colour by the rules in force (data), which sets the next visit."""
    child = _case(actor, child_id)
    _open(child)
    found = sorted(set(factors))
    if set(found) - FACTORS:
        raise ValidationError({"factors": [_("Choose the factors from the list.")]})
    rules = rules_for(child.area_code, on)
    colour = colour_for(found, rules.bands)
    assessment = Assessment.objects.create(
        child=child,
        assessed_on=on,
        factors=found,
        colour=colour,
        rule=rules.risk_rule,
        note=_text("note", note, REASON_MAX, required=False),
        assessed_by=actor,
    )
    before = child.colour
    child.colour = colour
    child.next_visit_due = (child.last_visit_on or on) + dt.timedelta(days=rules.interval(colour))
    child.save()
    restage(child)
    _audit(actor, "children.assessed", child, before={"colour": before}, after={"colour": colour, "factors": found})
    return assessment


@transaction.atomic
def case_visit_record(
    *, actor: User, child_id: int, visited_on: dt.date, note: str = "", visit_id: int | None = None
) -> CaseVisit:
    """A visit of the child: on time when made by the due date; the next one is due by the colour's interval.
    Refused (404 through the door, PermissionDenied here) for a child outside the actor's village."""
    child = _case(actor, child_id)
    _open(child)
    today = timezone.localdate()
    if visited_on > today or visited_on < today - dt.timedelta(days=31):
        raise ValidationError({"visited_on": [_("A visit is recorded within 31 days, never in the future.")]})
    rules = rules_for(child.area_code, visited_on)
    due = child.next_visit_due
    visit = CaseVisit.objects.create(
        child=child,
        visited_on=visited_on,
        colour=child.colour,
        due_on=due,
        on_time=due is None or visited_on <= due,
        note=_text("note", note, REASON_MAX, required=False),
        visit_id=visit_id,
        area_code=child.area_code,
        recorded_by=actor,
    )
    if child.last_visit_on is None or visited_on >= child.last_visit_on:
        child.last_visit_on = visited_on
        child.next_visit_due = visited_on + dt.timedelta(days=rules.interval(child.colour))
        child.escalated_due = None
        child.save()
    _audit(actor, "children.visited", child, after={"on": visited_on.isoformat(), "on_time": visit.on_time})
    return visit


# --- The plan and referrals ---------------------------------------------------------------------------------------


@transaction.atomic
def plan_make(*, actor: User, child_id: int, goal: str, on: dt.date) -> CasePlan:
    child = _case(actor, child_id)
    _open(child)
    if child.plans.filter(closed_on__isnull=True).exists():
        raise ValidationError(_("This child already has an open case plan."))
    plan = CasePlan.objects.create(child=child, goal=_text("goal", goal, REASON_MAX), made_on=on, made_by=actor)
    restage(child)
    _audit(actor, "children.plan_made", child, after={"goal": plan.goal})
    return plan


@transaction.atomic
def plan_service_add(
    *, actor: User, child_id: int, service: str, responsible: str, follow_up_on: dt.date
) -> PlanService:
    child = _case(actor, child_id)
    _open(child)
    plan = child.plans.filter(closed_on__isnull=True).first()
    if plan is None:
        raise ValidationError(_("Make the case plan first."))
    if not plan.made_on <= follow_up_on <= plan.made_on + dt.timedelta(days=366):
        raise ValidationError({"follow_up_on": [_("The follow-up date lies within a year of the plan.")]})
    row = PlanService.objects.create(
        plan=plan,
        service=_text("service", service, LABEL_MAX),
        responsible=_text("responsible", responsible, NAME_MAX),
        follow_up_on=follow_up_on,
    )
    restage(child)
    _audit(actor, "children.service_planned", child, after={"service": row.service, "by": row.responsible})
    return row


@transaction.atomic
def plan_service_done(*, actor: User, child_id: int, service_id: int, on: dt.date) -> PlanService:
    child = _case(actor, child_id)
    _open(child)
    row = PlanService.objects.filter(plan__child=child, pk=service_id, done_on__isnull=True).first()
    if row is None:
        raise ValidationError(_("This service is not open in the child's plan."))
    row.done_on = on
    row.save(update_fields=["done_on"])
    _audit(actor, "children.service_delivered", child, after={"service": row.service, "on": on.isoformat()})
    return row


@transaction.atomic
def referral_make(*, actor: User, child_id: int, to_kind: str, to_name: str, reason: str, on: dt.date) -> Referral:
    child = _case(actor, child_id)
    _open(child)
    if to_kind not in Referral.To.values:
        raise ValidationError({"to_kind": [_("Choose where the child is referred.")]})
    referral = Referral.objects.create(
        child=child,
        to_kind=to_kind,
        to_name=_text("to_name", to_name, LABEL_MAX),
        reason=_text("reason", reason, REASON_MAX),
        referred_on=on,
        referred_by=actor,
    )
    _audit(actor, "children.referred", child, after={"to": referral.to_name, "kind": to_kind})
    if to_kind == Referral.To.ORGANISATION:
        # A social organisation is a need 五社联动 shows the village's teams and organisations; what came of it comes
        # back through REFERRAL_DONE. The payload names no child: a child's file is narrower than a task board.
        publish(
            REFERRAL_MADE, ReferralMade(referral_id=referral.pk, area_code=child.area_code, to_name=referral.to_name)
        )
    return referral


# Events: a child referred to a social organisation (payload: ``ReferralMade``); a task made of it is done
# (minsheng.volunteers' ``volunteers.task_done``, read by the fields it documents).
REFERRAL_MADE = "children.referral_made"
REFERRAL_DONE = "volunteers.task_done"
REFERRAL_SOURCE = ("children", "referral")


@dataclass(frozen=True)
class ReferralMade:
    """Payload of ``children.referral_made``: the referral's id, the child's village and the organisation's name —
    nothing of the child (no name, ID or reason): the organisation contacts the village's children's director."""

    referral_id: int
    area_code: str
    to_name: str


@transaction.atomic
def referral_outcome_from_task(*, actor: User, referral_id: int, report: str, on: dt.date) -> Referral | None:
    """What came of a referral to a social organisation, as 五社联动 reports it (the task done): the referral's outcome
    is recorded (status done, outcome, outcome_on) and audited in the child's village. A referral still waiting for
    an answer is accepted implicitly — the organisation did the work, which is its answer (``answered_on`` is the
    day, the answer note says so). A declined referral, or one whose outcome is recorded already, is left alone
    (None)."""
    # The referral named by the finished task's source (a plain model of the case, read by that id): the task's actor
    # is not the child's director, and nothing of the child is shown to them.
    referral = Referral.objects.select_for_update().select_related("child").filter(pk=referral_id).first()
    if referral is None or referral.status not in (Referral.Status.PENDING, Referral.Status.ACCEPTED):
        return None
    before = {"status": referral.status}
    if referral.status == Referral.Status.PENDING:
        referral.answered_on = on
        referral.answer_note = _("Accepted: the task was taken and done.")
    referral.outcome = report[:REASON_MAX]
    referral.outcome_on = on
    referral.status = Referral.Status.DONE
    referral.save()
    _audit(actor, "children.referral_outcome", referral.child, before=before, after={"outcome": referral.outcome})
    return referral


def referral_done_subscriber(done: Any) -> None:
    """``volunteers.task_done`` for a task raised by a referral to a social organisation."""
    if (done.source_app, done.source_kind) != REFERRAL_SOURCE:
        return
    referral_outcome_from_task(
        actor=done.actor,
        referral_id=int(done.source_id),
        report=done.report,
        on=timezone.localdate(),
    )


@transaction.atomic
def referral_answer(
    *, actor: User, child_id: int, referral_id: int, accepted: bool, note: str, on: dt.date
) -> Referral:
    """The receiving body's answer, recorded by the director: accepted, or declined with its reason."""
    child = _case(actor, child_id)
    referral = Referral.objects.select_for_update().filter(child=child, pk=referral_id).first()
    if referral is None or referral.status != Referral.Status.PENDING:
        raise ValidationError(_("This referral has been answered already."))
    referral.answer_note = _text("note", note, REASON_MAX, required=not accepted)
    referral.status = Referral.Status.ACCEPTED if accepted else Referral.Status.DECLINED
    referral.answered_on = on
    referral.save()
    _audit(actor, "children.referral_answered", child, after={"status": referral.status})
    return referral


@transaction.atomic
def referral_outcome(*, actor: User, child_id: int, referral_id: int, outcome: str, on: dt.date) -> Referral:
    child = _case(actor, child_id)
    referral = Referral.objects.select_for_update().filter(child=child, pk=referral_id).first()
    if referral is None or referral.status != Referral.Status.ACCEPTED:
        raise ValidationError(_("Only an accepted referral has an outcome."))
    referral.outcome = _text("outcome", outcome, REASON_MAX)
    referral.outcome_on = on
    referral.status = Referral.Status.DONE
    referral.save()
    _audit(actor, "children.referral_outcome", child, after={"outcome": referral.outcome})
    return referral


# --- Closure and reopening ----------------------------------------------------------------------------------------

# Adults' services a child of these categories is handed over to at 18 (低保/特困, disability allowances).
HANDOVER_NEEDED = frozenset({Category.POOR_FAMILY, Category.ILL_DISABLED, Category.ORPHAN, Category.DE_FACTO})


@transaction.atomic
def child_close(*, actor: User, child_id: int, closure: str, note: str, handover: str, on: dt.date) -> Child:
    """Close the case: at 18 (with the hand-over to adults' services where the child's categories need one) or when
    the situation ended (with the reasons). Never while a mandatory report is open."""
    child = _case(actor, child_id)
    _open(child)
    if closure not in Child.Closure.values:
        raise ValidationError({"closure": [_("Choose why the case closes.")]})
    if child.reports.filter(status=MandatoryReport.Status.OPEN).exists():
        raise ValidationError(
            _("A mandatory report of this child is open: the supervisor reviews and closes it first.")
        )
    rules = rules_for(child.area_code, on)
    handover = _text("handover", handover, LABEL_MAX, required=False)
    if closure == Child.Closure.ADULT:
        if age_on(child.person.birth_date, on) < rules.adult_age:
            raise ValidationError({"closure": [_("The child is not yet %(age)s.") % {"age": rules.adult_age}]})
        if set(child.categories) & HANDOVER_NEEDED and not handover:
            raise ValidationError({"handover": [_("Name the adults' service the young person is handed over to.")]})
    note = _text("note", note, REASON_MAX, required=closure == Child.Closure.ENDED)
    child.status, child.closed_on, child.closure = Child.Status.CLOSED, on, closure
    child.closure_note, child.handover = note, handover
    child.next_visit_due = None
    child.save()
    child.plans.filter(closed_on__isnull=True).update(closed_on=on)
    restage(child)
    _audit(actor, "children.closed", child, after={"closure": closure, "handover": handover}, reason=note)
    return child


@transaction.atomic
def child_reopen(*, actor: User, child_id: int, reason: str, on: dt.date) -> Child:
    child = _case(actor, child_id)
    if child.status != Child.Status.CLOSED:
        raise ValidationError(_("This case is open."))
    reason = _text("reason", reason, REASON_MAX)
    child.status, child.closed_on, child.closure, child.reopened_on = Child.Status.OPEN, None, "", on
    child.reopened_at = timezone.now()
    child.next_visit_due = on
    child.save()
    restage(child)
    _audit(actor, "children.reopened", child, reason=reason)
    return child


# --- The mandatory report (强制报告) --------------------------------------------------------------------------------


def _staff(role: str, code: str) -> list[User]:
    """The active holders of ``role`` assigned to the division ``code``."""
    rows = RoleAssignment.objects.filter(role=role, division__code=code, user__is_active=True).select_related("user")
    return [r.user for r in rows]


@transaction.atomic
def report_file(*, actor: User, child_id: int, kind: str, description: str, at: dt.datetime) -> MandatoryReport:
    """A suspected abuse or neglect report takes the urgent path: the township's supervisors and the county's named
    staff are told at once (notices in this transaction), and the report must be handled within the hours of
    ``children.report_hours``."""
    child = lock_in_scope(Child, child_id, actor, "view", message=_("This child's file is outside your areas."))
    require_scope(actor, "children.add_mandatoryreport", child.area_code)
    if kind not in MandatoryReport.Kind.values:
        raise ValidationError({"kind": [_("Choose abuse or neglect.")]})
    now = timezone.now()
    if at > now or at < now - dt.timedelta(days=7):
        raise ValidationError({"at": [_("The time lies within the last 7 days.")]})
    rules = rules_for(child.area_code, timezone.localdate(at))
    report = MandatoryReport.objects.create(
        child=child,
        area_code=child.area_code,
        kind=kind,
        description=_text("description", description, TEXT_MAX),
        reported_at=at,
        deadline_at=at + dt.timedelta(hours=rules.report_hours),
        reported_by=actor,
    )
    township, county = child.area_code[:9] + "000", child.area_code[:6] + "000000"
    recipients = _staff(SUPERVISOR, township) + _staff(COUNTY_STAFF, county)
    text = _("Mandatory report (%(kind)s) of a child in %(area)s: handle by %(deadline)s.") % {
        "kind": report.get_kind_display(),
        "area": child.area_code,
        "deadline": timezone.localtime(report.deadline_at).strftime("%Y-%m-%d %H:%M"),
    }
    notices_send(recipients=recipients, text=text, link=f"/children/reports/{report.pk}/")
    _audit(actor, "children.report_filed", child, after={"kind": kind, "notified": len(recipients)})
    return report


def _report(actor: User, pk: int, action: str) -> MandatoryReport:
    return lock_in_scope(MandatoryReport, pk, actor, action, message=_("This report is outside your areas."))


@transaction.atomic
def report_police(*, actor: User, report_id: int, unit: str, reference: str, at: dt.datetime) -> MandatoryReport:
    """The referral to the police, recorded with the station and its reference."""
    report = _report(actor, report_id, "view")
    require_scope(actor, "children.add_mandatoryreport", report.area_code)
    if report.status != MandatoryReport.Status.OPEN:
        raise ValidationError(_("This report is closed."))
    if at > timezone.now() or at < report.reported_at:
        raise ValidationError({"at": [_("The referral lies between the report and now.")]})
    report.police_unit = _text("unit", unit, LABEL_MAX)
    report.police_reference = _text("reference", reference, 60, required=False)
    report.police_referred_at = at
    report.save()
    _audit(actor, "children.report_police", report.child, after={"unit": report.police_unit})
    return report


@transaction.atomic
def report_close(*, actor: User, report_id: int, review: str) -> MandatoryReport:
    """Only the township's supervisor closes a report, with the review; abuse only after the police referral."""
    report = _report(actor, report_id, "change")
    if report.status != MandatoryReport.Status.OPEN:
        raise ValidationError(_("This report is closed."))
    if report.kind == MandatoryReport.Kind.ABUSE and report.police_referred_at is None:
        raise ValidationError(_("Suspected abuse is referred to the police before the report closes."))
    report.review_note = _text("review", review, REASON_MAX)
    report.reviewed_by, report.status, report.closed_at = actor, MandatoryReport.Status.CLOSED, timezone.now()
    report.save()
    _audit(actor, "children.report_closed", report.child, reason=report.review_note)
    return report


# --- The monthly recomputation of the visits due --------------------------------------------------------------------


def _interval_rows(on: dt.date) -> list[Parameter]:
    rows = Parameter.objects.filter(key="children.visit_days", valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=on)
    )
    # Latest start per area prefix, applied from the least to the most specific area.
    best: dict[str, Parameter] = {}
    for row in rows:
        if row.area_prefix not in best or row.valid_from > best[row.area_prefix].valid_from:
            best[row.area_prefix] = row
    return sorted(best.values(), key=lambda r: len(r.area_prefix))


@transaction.atomic
def visits_due_recompute(*, today: dt.date) -> dict[str, int]:
    """Every open case's next visit due = its last visit (or opening) + its colour's interval in force, set-based:
    one UPDATE per colour and area with a value of ``children.visit_days``. Then the red children unvisited past
    their due date are escalated once: a notice to the township's supervisors."""
    table = connection.ops.quote_name(Child._meta.db_table)
    updated = 0
    with connection.cursor() as cursor:
        for row in _interval_rows(today):
            for colour in Colour.values:
                days = int(row.value[colour])
                if connection.vendor == "postgresql":
                    due = "COALESCE(last_visit_on, reopened_on, opened_on) + %s"
                else:
                    due = "date(COALESCE(last_visit_on, reopened_on, opened_on), '+' || %s || ' days')"
                colour_sql = "colour = %s" if colour != Colour.GREEN else "(colour = %s OR colour = '')"
                cursor.execute(
                    f"UPDATE {table} SET next_visit_due = {due} "
                    f"WHERE status = 'open' AND {colour_sql} AND area_code LIKE %s",
                    [days, colour, row.area_prefix + "%"],
                )
                updated += cursor.rowcount
    escalated = red_overdue_escalate(today=today)
    audit_record(
        actor=None,
        action="children.visits_recomputed",
        kind="system",
        object_type="children.child",
        after={"updated": updated, "escalated": escalated, "on": today.isoformat()},
    )
    return {"updated": updated, "escalated": escalated}


def red_overdue_escalate(*, today: dt.date) -> int:
    """Red children unvisited past their due date: escalated once per due date to the township's supervisors."""
    # unscoped: system job: the red cases past their due date, city-wide
    overdue = Child.objects.unscoped().filter(status=Child.Status.OPEN, colour=Colour.RED, next_visit_due__lt=today)
    overdue = overdue.exclude(escalated_due=F("next_visit_due"))
    by_township: dict[str, int] = {}
    ids = []
    for pk, area in overdue.values_list("pk", "area_code"):
        by_township[area[:9]] = by_township.get(area[:9], 0) + 1
        ids.append(pk)
    for township, count in sorted(by_township.items()):
        text = _("%(count)s red children are past their visit's due date.") % {"count": count}
        notices_send(recipients=_staff(SUPERVISOR, township + "000"), text=text, link="/children/?due=overdue")
        audit_record(
            actor=None,
            action="children.visits_escalated",
            kind="system",
            area_code=township + "000",
            object_type="children.child",
            after={"count": count},
        )
    # unscoped: system job: the cases just escalated
    Child.objects.unscoped().filter(pk__in=ids).update(escalated_due=F("next_visit_due"))
    return len(ids)


# --- Care places and projects -------------------------------------------------------------------------------------


@transaction.atomic
def place_add(*, actor: User, kind: str, name: str, area_code: str, opened_on: dt.date) -> CarePlace:
    require_scope(actor, "children.add_careplace", area_code)
    if kind not in CarePlace.Kind.values:
        raise ValidationError({"kind": [_("Choose a children's home or a practice base.")]})
    place = CarePlace.objects.create(
        kind=kind, name=_text("name", name, LABEL_MAX), area_code=area_code, opened_on=opened_on
    )
    audit_record(actor=actor, action="children.place_added", obj=place, area_code=area_code)
    return place


@transaction.atomic
def project_add(
    *, actor: User, name: str, area_code: str, capacity: int, starts_on: dt.date, ends_on: dt.date
) -> CareProject:
    require_scope(actor, "children.add_careproject", area_code)
    if not 1 <= capacity <= 10000:
        raise ValidationError({"capacity": [_("The capacity lies between 1 and 10,000.")]})
    if ends_on < starts_on or (ends_on - starts_on).days > 366:
        raise ValidationError({"ends_on": [_("A project ends after it starts, within a year.")]})
    project = CareProject.objects.create(
        name=_text("name", name, LABEL_MAX),
        area_code=area_code,
        capacity=capacity,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    audit_record(actor=actor, action="children.project_added", obj=project, area_code=area_code)
    return project


@transaction.atomic
def enrolment_add(*, actor: User, project_id: int, child_id: int, on: dt.date) -> Enrolment:
    """A child in a project: once per project, within its capacity (the project locked while counting)."""
    project = lock_in_scope(CareProject, project_id, actor, "change", message=_("This project is outside your areas."))
    child = lock_in_scope(Child, child_id, actor, "view", message=_("This child's file is outside your areas."))
    if project.enrolments.filter(child=child).exists():
        raise ValidationError(_("This child is enrolled in the project already."))
    if project.enrolments.count() >= project.capacity:
        raise ValidationError(_("The project is full (%(capacity)s places).") % {"capacity": project.capacity})
    enrolment = Enrolment.objects.create(project=project, child=child, enrolled_on=on)
    audit_record(actor=actor, action="children.enrolled", obj=project, area_code=project.area_code)
    return enrolment


@transaction.atomic
def attendance_record(*, actor: User, project_id: int, on: dt.date, child_ids: Iterable[int]) -> int:
    """The children present on a day of the project (each once a day); returns the days written."""
    project = lock_in_scope(CareProject, project_id, actor, "change", message=_("This project is outside your areas."))
    if not project.starts_on <= on <= project.ends_on:
        raise ValidationError({"on": [_("The day lies within the project's dates.")]})
    enrolments = project.enrolments.filter(child_id__in=list(child_ids))
    done = set(Attendance.objects.filter(enrolment__in=enrolments, on=on).values_list("enrolment_id", flat=True))
    rows = [Attendance(enrolment=e, on=on) for e in enrolments if e.pk not in done]
    Attendance.objects.bulk_create(rows)
    audit_record(
        actor=actor, action="children.attendance", obj=project, area_code=project.area_code, after={"n": len(rows)}
    )
    return len(rows)


def require_director(actor: User, child: Child) -> None:
    """For the phone visit: the director of the child's village (or its supervisor), else PermissionDenied."""
    if not any(child.area_code.startswith(s.prefix) for s in actor.scopes_for(CHANGE)):
        raise PermissionDenied(_("This child lives outside the villages you look after."))
