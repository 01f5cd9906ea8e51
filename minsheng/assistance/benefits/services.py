"""Enrolment (保障对象): a decision becomes a benefit the payroll pays every month, from the month after it.

``benefit_enrol`` is the one way a benefit starts. A database constraint allows one running benefit per programme
and payee, so a double click or a retried request cannot enrol anybody twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minsheng.assistance.benefits.models import Benefit, BenefitChange
from minsheng.assistance.means.facts import RuleBook
from minsheng.assistance.means.models import Assessment, AssessmentResult
from minsheng.assistance.means.selectors import result_for
from minsheng.assistance.means.services import assessment_run
from minsheng.assistance.programmes import Programme
from minsheng.assistance.rules.selectors import MissingParameter, parameter_for
from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_record, audit_record_many
from minsheng.core.modules import RegistryChange, RegistryEvent
from minsheng.core.months import add_months, first_day_of_next_month, month_of
from minsheng.core.scoping import lock_in_scope
from minsheng.people.models import Household, Person

if TYPE_CHECKING:
    from minsheng.accounts.models import User

logger = logging.getLogger(__name__)

ALLOWANCE_REVIEW_MONTHS = 12  # allowances are re-checked yearly with the certificate / age / liveness checks


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
    actor: User,
    result: AssessmentResult,
    household: Household,
    payee: Person,
    decided_on: dt.date,
    programme_case: Any = None,  # the procedure's case that granted it (procedure sits above benefits)
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


# --- Changing a running benefit: review, recompute, reduce, taper, stop (DOMAIN §1.4) --------------------------
#
# Every change locks the benefit row through the scoping door (``restrict(actor, "change")``), re-checks its status
# inside the lock, writes one BenefitChange and one audit event with before/after and the reasons. Amounts change
# from a month (the first day of a month, by default the month after today): the current month is paid as it was.

RUNNING = (Benefit.Status.ACTIVE, Benefit.Status.TAPERING)


class NoLongerEligible(ValidationError):
    """The means test no longer finds the household eligible: the benefit must be stopped or tapered, with
    written reasons. ``reasons`` are the engine's refusal reasons (in Chinese)."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        message = _("The household is no longer eligible: stop the benefit or start a taper, with written reasons.")
        super().__init__([message, *reasons])


def _today(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def _snapshot(benefit: Benefit) -> dict[str, Any]:
    return {
        "status": benefit.status,
        "monthly_fen": benefit.monthly_fen,
        "covered": benefit.covered,
        "category": benefit.category,
        "review_months": benefit.review_months,
        "next_review_on": benefit.next_review_on,
        "taper_until": benefit.taper_until,
        "stopped_from": benefit.stopped_from,
    }


def _lock(actor: User, benefit: Benefit) -> Benefit:
    """The benefit row, locked, if ``actor`` may change benefits in its area (else PermissionDenied)."""
    return lock_in_scope(
        Benefit,
        benefit.pk,
        actor,
        "change",
        message=_("You may not change this benefit."),
        related=("household", "payee", "assessment_result"),
    )


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Write down the reasons: the family receives them in writing.")})
    return reason


def _from_month(from_month: dt.date | None, on: dt.date, benefit: Benefit) -> dt.date:
    """The month a change takes effect: the first of a month, not before this month nor the first month paid."""
    month = from_month or first_day_of_next_month(on)
    if month.day != 1:
        raise ValidationError({"from_month": _("A change takes effect from the first day of a month.")})
    if month < month_of(on):
        raise ValidationError({"from_month": _("A change cannot take effect in a month that has passed.")})
    if month < benefit.first_month:
        raise ValidationError({"from_month": _("A change cannot take effect before the first month paid.")})
    return month


def _require_status(benefit: Benefit, *allowed: str) -> None:
    if benefit.status in allowed:
        return
    if benefit.status == Benefit.Status.STOPPED:
        raise ValidationError(_("This benefit is stopped already."))
    raise ValidationError(
        _("This benefit is %(status)s; this change is not possible.") % {"status": Benefit.Status(benefit.status).label}
    )


def _record(
    *,
    actor: User,
    benefit: Benefit,
    kind: str,
    month: dt.date,
    before: dict[str, Any],
    reason: str,
    old_fen: int | None = None,
    new_fen: int | None = None,
    assessment_id: int | None = None,
) -> BenefitChange:
    change = BenefitChange.objects.create(
        benefit=benefit,
        kind=kind,
        effective_month=month,
        old_fen=old_fen,
        new_fen=new_fen,
        reason=reason,
        assessment_id=assessment_id,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action=f"assistance.benefit_{kind}",
        kind=AuditEvent.Kind.CHANGE if actor is not None else AuditEvent.Kind.SYSTEM,
        obj=benefit,
        area_code=benefit.area_code,
        before=before,
        after={**_snapshot(benefit), "effective_month": month},
        reason=reason,
    )
    return change


def _stop(*, actor: User, benefit: Benefit, reason: str, month: dt.date) -> Benefit:
    before = _snapshot(benefit)
    old = benefit.monthly_fen
    benefit.status = Benefit.Status.STOPPED
    benefit.stopped_from = month
    benefit.save(update_fields=["status", "stopped_from", "updated_at"])
    _record(
        actor=actor,
        benefit=benefit,
        kind=BenefitChange.Kind.STOP,
        month=month,
        before=before,
        reason=reason,
        old_fen=old,
        new_fen=0,
    )
    return benefit


def taper_months_for(benefit: Benefit, on: dt.date) -> int:
    """How many months a taper lasts here: the rule ``dibao.taper_months`` in force for the benefit's area."""
    return int(parameter_for("dibao.taper_months", area_code=benefit.area_code, on=on).value)


def _taper(
    *, actor: User, benefit: Benefit, reason: str, month: dt.date, on: dt.date, monthly_fen: int | None
) -> Benefit:
    if benefit.programme != Programme.DIBAO:
        raise ValidationError(_("Only 低保 tapers off (渐退); stop this benefit instead."))
    try:
        months = taper_months_for(benefit, on)
    except MissingParameter:
        months = 0
    if months < 1:
        raise ValidationError(_("No taper period is set for this area; stop the benefit instead."))
    amount = benefit.monthly_fen if monthly_fen is None else monthly_fen
    if amount < 1 or amount > benefit.monthly_fen:
        raise ValidationError({"monthly_fen": _("The tapered amount is more than 0 and at most the current amount.")})
    before = _snapshot(benefit)
    old = benefit.monthly_fen
    benefit.status = Benefit.Status.TAPERING
    benefit.taper_until = add_months(month, months - 1)
    benefit.monthly_fen = amount
    benefit.save(update_fields=["status", "taper_until", "monthly_fen", "updated_at"])
    _record(
        actor=actor,
        benefit=benefit,
        kind=BenefitChange.Kind.TAPER,
        month=month,
        before=before,
        reason=reason,
        old_fen=old,
        new_fen=amount,
    )
    return benefit


@transaction.atomic
def benefit_stop(
    *, actor: User, benefit: Benefit, reason: str, from_month: dt.date | None = None, on: dt.date | None = None
) -> Benefit:
    """Stop paying from ``from_month`` (default: next month), with written reasons."""
    on = _today(on)
    reason = _require_reason(reason)
    locked = _lock(actor, benefit)
    _require_status(locked, *RUNNING)
    return _stop(actor=actor, benefit=locked, reason=reason, month=_from_month(from_month, on, locked))


@transaction.atomic
def benefit_reduce(
    *,
    actor: User,
    benefit: Benefit,
    monthly_fen: int,
    reason: str,
    from_month: dt.date | None = None,
    on: dt.date | None = None,
) -> Benefit:
    """Pay less from ``from_month`` (e.g. a member refused suitable jobs three times, Art. 45), with reasons."""
    on = _today(on)
    reason = _require_reason(reason)
    locked = _lock(actor, benefit)
    _require_status(locked, *RUNNING)
    month = _from_month(from_month, on, locked)
    if monthly_fen < 1:
        raise ValidationError({"monthly_fen": _("To pay nothing, stop the benefit.")})
    if monthly_fen >= locked.monthly_fen:
        raise ValidationError({"monthly_fen": _("A reduction is less than the current amount.")})
    before = _snapshot(locked)
    old = locked.monthly_fen
    locked.monthly_fen = monthly_fen
    locked.save(update_fields=["monthly_fen", "updated_at"])
    _record(
        actor=actor,
        benefit=locked,
        kind=BenefitChange.Kind.REDUCE,
        month=month,
        before=before,
        reason=reason,
        old_fen=old,
        new_fen=monthly_fen,
    )
    return locked


@transaction.atomic
def benefit_taper(
    *,
    actor: User,
    benefit: Benefit,
    reason: str,
    from_month: dt.date | None = None,
    monthly_fen: int | None = None,
    on: dt.date | None = None,
) -> Benefit:
    """渐退: a member found work and the income is now above the standard. The benefit is paid (at the current or a
    reduced amount) for ``dibao.taper_months`` months from ``from_month``, and stops after the last of them."""
    on = _today(on)
    reason = _require_reason(reason)
    locked = _lock(actor, benefit)
    _require_status(locked, Benefit.Status.ACTIVE)
    month = _from_month(from_month, on, locked)
    return _taper(actor=actor, benefit=locked, reason=reason, month=month, on=on, monthly_fen=monthly_fen)


def benefits_end_tapers(today: dt.date) -> int:
    """Stop every tapering benefit whose last taper month is before ``today``'s month; no payment from the month
    after the taper. Idempotent: a stopped benefit is not touched again. The payroll calls it with the first day of
    the month it is about to pay. Returns how many benefits were stopped.

    Set-based: the due rows are locked and read in one query (an index holds the tapering benefits only, so the
    usual case, nothing due, costs one index probe), stopped by one ``UPDATE`` per last taper month, and their
    change records and audit events are written by two bulk inserts."""
    month = month_of(today)
    with transaction.atomic():
        # unscoped: system job over the whole table: acts for no user; rows ended meanwhile are not due
        due = list(
            Benefit.objects.unscoped()
            .select_for_update()
            .filter(status=Benefit.Status.TAPERING, taper_until__lt=month)
            .order_by("id")
        )
        if not due:
            return 0
        befores = {benefit.pk: _snapshot(benefit) for benefit in due}
        now = timezone.now()
        for taper_until in sorted({benefit.taper_until for benefit in due if benefit.taper_until is not None}):
            # unscoped: system job: stops the tapering benefits locked just above
            Benefit.objects.unscoped().filter(pk__in=[b.pk for b in due if b.taper_until == taper_until]).update(
                status=Benefit.Status.STOPPED, stopped_from=first_day_of_next_month(taper_until), updated_at=now
            )
        changes, events = [], []
        for benefit in due:
            assert benefit.taper_until is not None  # tapering benefits have one (benefits_taper sets it)
            with translation.override("zh-hans"):
                reason = _("The taper period (渐退期) ended with %(month)s.") % {
                    "month": f"{benefit.taper_until:%Y-%m}"
                }
            stopped_from = first_day_of_next_month(benefit.taper_until)
            old = benefit.monthly_fen
            benefit.status, benefit.stopped_from, benefit.updated_at = Benefit.Status.STOPPED, stopped_from, now
            changes.append(
                BenefitChange(
                    benefit=benefit,
                    kind=BenefitChange.Kind.STOP,
                    effective_month=stopped_from,
                    old_fen=old,
                    new_fen=0,
                    reason=reason,
                )
            )
            events.append(
                {
                    "obj": benefit,
                    "area_code": benefit.area_code,
                    "before": befores[benefit.pk],
                    "after": {**_snapshot(benefit), "effective_month": stopped_from},
                    "reason": reason,
                }
            )
        BenefitChange.objects.bulk_create(changes, batch_size=1000)
        audit_record_many(
            actor=None,
            action=f"assistance.benefit_{BenefitChange.Kind.STOP}",
            kind=AuditEvent.Kind.SYSTEM,
            events=events,
        )
    return len(due)


def _result_for_benefit(assessment: Assessment, benefit: Benefit) -> AssessmentResult | None:
    """The new assessment's result matching the benefit: the same person's result where the benefit was a
    person's (特困, 单人保, allowances), the household's 低保 result otherwise."""
    person = None
    if benefit.assessment_result is not None and benefit.assessment_result.person_id is not None:
        person = benefit.assessment_result.person
    elif benefit.programme != Programme.DIBAO:
        person = benefit.payee
    return result_for(assessment, benefit.programme, person)


def _eligible_or_raise(result: AssessmentResult | None) -> AssessmentResult:
    if result is None:
        raise NoLongerEligible([_("The means test gives no result for this programme.")])
    if not result.eligible:
        raise NoLongerEligible(list(result.refusal_reasons))
    return result


class ReviewOutcome:
    CONTINUE = "continue"
    STOP = "stop"
    TAPER = "taper"
    CHOICES = (CONTINUE, STOP, TAPER)


@transaction.atomic
def benefit_review(
    *,
    actor: User,
    benefit: Benefit,
    outcome: str = ReviewOutcome.CONTINUE,
    reason: str = "",
    on: dt.date | None = None,
    from_month: dt.date | None = None,
    taper_fen: int | None = None,
) -> Benefit:
    """The periodic review (复核): re-run the means test on the household and record a REVIEW.

    ``continue``: the household must still be eligible (else ``NoLongerEligible`` and nothing is written); the amount
    follows the new result from next month. ``stop`` / ``taper``: the reviewer ends the benefit or starts a taper
    with written reasons. In every case the next review moves to ``review_months`` after the month following the
    review, with the review cycle of the new result.
    """
    on = _today(on)
    if outcome not in ReviewOutcome.CHOICES:
        raise ValidationError({"outcome": _("Choose the outcome of the review.")})
    if outcome != ReviewOutcome.CONTINUE:
        reason = _require_reason(reason)
    locked = _lock(actor, benefit)
    _require_status(locked, Benefit.Status.ACTIVE)
    assessment = assessment_run(actor=actor, household=locked.household, on=on)
    result = _result_for_benefit(assessment, locked)
    if outcome == ReviewOutcome.CONTINUE:
        result = _eligible_or_raise(result)
    month = first_day_of_next_month(on)
    before = _snapshot(locked)
    old = locked.monthly_fen
    if result is not None:
        locked.review_months = review_months_for(result, locked.area_code, on)
        if result.eligible:
            locked.assessment_result = result
            if outcome == ReviewOutcome.CONTINUE:
                locked.monthly_fen = result.monthly_fen
                locked.covered, locked.category = result.covered, result.category
    locked.next_review_on = add_months(month, locked.review_months)
    locked.save()
    if outcome == ReviewOutcome.CONTINUE:
        finding = reason or _("Reviewed: still eligible.")
    elif result is not None and result.eligible:
        finding = _("Reviewed: the means test finds the household eligible.")
    else:
        refusals = list(result.refusal_reasons) if result is not None else []
        finding = " ".join([_("Reviewed: no longer eligible."), *refusals])
    _record(
        actor=actor,
        benefit=locked,
        kind=BenefitChange.Kind.REVIEW,
        month=month,
        before=before,
        reason=finding,
        old_fen=old,
        new_fen=locked.monthly_fen,
        assessment_id=assessment.pk,
    )
    if outcome == ReviewOutcome.STOP:
        _stop(actor=actor, benefit=locked, reason=reason, month=_from_month(from_month, on, locked))
    elif outcome == ReviewOutcome.TAPER:
        month = _from_month(from_month, on, locked)
        _taper(actor=actor, benefit=locked, reason=reason, month=month, on=on, monthly_fen=taper_fen)
    return locked


@transaction.atomic
def benefit_recompute(*, actor: User, benefit: Benefit, reason: str, on: dt.date | None = None) -> BenefitChange | None:
    """After a household change (members, income, assets): re-run the means test. A new amount is recorded as a
    RECOMPUTE (old and new amount) and paid from next month; the same amount only links the new assessment.
    A household no longer eligible raises ``NoLongerEligible`` (nothing is written): stop or taper instead."""
    on = _today(on)
    reason = _require_reason(reason)
    locked = _lock(actor, benefit)
    _require_status(locked, Benefit.Status.ACTIVE)
    assessment = assessment_run(actor=actor, household=locked.household, on=on)
    result = _eligible_or_raise(_result_for_benefit(assessment, locked))
    before = _snapshot(locked)
    old = locked.monthly_fen
    locked.assessment_result = result
    locked.covered, locked.category = result.covered, result.category
    locked.monthly_fen = result.monthly_fen
    locked.save()
    if result.monthly_fen == old:
        audit_record(
            actor=actor,
            action="assistance.benefit_recompute_unchanged",
            obj=locked,
            area_code=locked.area_code,
            before=before,
            after={**_snapshot(locked), "assessment": assessment.pk},
            reason=reason,
        )
        return None
    return _record(
        actor=actor,
        benefit=locked,
        kind=BenefitChange.Kind.RECOMPUTE,
        month=first_day_of_next_month(on),
        before=before,
        reason=reason,
        old_fen=old,
        new_fen=result.monthly_fen,
        assessment_id=assessment.pk,
    )


def benefits_flag_household_changed(*, household: Household, on: dt.date, actor: User | None = None) -> int:
    """The registry changed a household (a member joined or left on ``on``): bring every running benefit of the
    household up for review on that day, so that it appears among the reviews due. Never fails the caller: an error
    here is logged and the registry change goes on. Returns how many benefits were brought forward."""
    try:
        with transaction.atomic():
            # unscoped: system read of the household's benefits: the registry user may not see benefits at all
            benefits = list(
                Benefit.objects.unscoped()
                .select_for_update()
                .filter(household=household, status=Benefit.Status.ACTIVE, next_review_on__gt=on)
            )
            for benefit in benefits:
                before = {"next_review_on": benefit.next_review_on}
                benefit.next_review_on = on
                benefit.save(update_fields=["next_review_on", "updated_at"])
                audit_record(
                    actor=actor,
                    action="assistance.benefit_review_brought_forward",
                    kind=AuditEvent.Kind.SYSTEM,
                    obj=benefit,
                    area_code=benefit.area_code,
                    before=before,
                    after={"next_review_on": on},
                    reason="household changed",
                )
            return len(benefits)
    except Exception:  # a registry change must never fail because of benefits; the savepoint undid ours
        logger.exception("could not flag the benefits of household %s for review", household.pk)
        return 0


def household_changed_subscriber(change: RegistryChange) -> None:
    """The registry's HOUSEHOLD_CHANGED (a member joined or left): bring the household's running benefits up for
    review on that day."""
    benefits_flag_household_changed(household=change.household, on=change.on, actor=change.actor)


def person_gone_subscriber(change: RegistryChange) -> None:
    """The registry confirmed that a person died or moved away (``PERSON_DIED`` / ``PERSON_MOVED_AWAY``, published by
    the confirming user's ``change_request_confirm``): a running benefit paid to this person alone stops from the
    month after that day (this month at the earliest: a month paid is not taken back), through the benefits' own stop
    (reason, change row, audit by the confirming user); any other running benefit of the household comes up for review
    that day. Stopping is not optional: if it fails, the registry change fails with it."""
    person = change.person
    month = max(first_day_of_next_month(change.on), month_of(timezone.localdate()))
    with translation.override("zh-hans"):
        if change.event == RegistryEvent.PERSON_DIED:
            reason = _("Died on %(date)s (confirmed in the registry).") % {"date": change.on.isoformat()}
        else:
            reason = _("Moved away on %(date)s (confirmed in the registry).") % {"date": change.on.isoformat()}
    # unscoped: a system read; the confirming registry user may not hold the benefit permissions of the area
    alone = Benefit.objects.unscoped().select_for_update().filter(payee=person, covered__lte=1, status__in=RUNNING)
    for benefit in alone:
        _stop(actor=change.actor, benefit=benefit, reason=reason, month=max(month, benefit.first_month))
    if change.household is not None:
        benefits_flag_household_changed(household=change.household, on=change.on, actor=change.actor)


# Kinds of a verification finding (minsheng.exchange's ``Finding.Kind``) that bring a review forward whatever the
# amount, and those compared with a threshold rule.
_FINDING_ALWAYS = frozenset({"vehicle", "property", "company", "public_pay"})
_FINDING_THRESHOLD = {
    "income": "verification.income_fen",
    "asset": "verification.asset_fen",
    "medical": "verification.medical_fen",
}


def verification_findings_subscriber(payload: Any) -> None:
    """The monthly verification's findings (``exchange.findings``; the payload is documented there): for households
    with a running benefit, a finding at or above its threshold (rules ``verification.*`` of the benefit's area on that
    day; a missing rule counts as no threshold) brings every running benefit of the household up for review that day,
    audited with the findings; each finding on such a household gets its outcome. Set-based: a read of the benefits
    per chunk of households, one update and one bulk audit."""
    by_household: dict[int, list[Any]] = {}
    for fact in payload.findings:
        by_household.setdefault(fact.household_id, []).append(fact)
    households = list(by_household)
    thresholds: dict[tuple[str, str], int | None] = {}

    def threshold(key: str, area_code: str) -> int | None:
        if (key, area_code) not in thresholds:
            try:
                thresholds[key, area_code] = int(parameter_for(key, area_code=area_code, on=payload.on).value)
            except MissingParameter:
                thresholds[key, area_code] = None
        return thresholds[key, area_code]

    for start in range(0, len(households), 5000):
        # unscoped: a system job over the whole city's running benefits
        benefits = list(
            Benefit.objects.unscoped()
            .filter(household_id__in=households[start : start + 5000], status__in=RUNNING)
            # payee and amount too: the audit events name each benefit by str(), which reads them
            .only("id", "household_id", "area_code", "next_review_on", "programme", "payee_id", "monthly_fen")
        )
        paid: dict[int, list[Benefit]] = {}
        for benefit in benefits:
            paid.setdefault(benefit.household_id, []).append(benefit)
        forward: list[tuple[Benefit, list[str]]] = []
        for household_id, running in paid.items():
            raised = []
            for fact in by_household[household_id]:
                key = _FINDING_THRESHOLD.get(fact.kind)
                limit = threshold(key, running[0].area_code) if key else None
                above = fact.kind in _FINDING_ALWAYS or limit is None or (fact.amount_fen or 0) >= limit
                payload.outcomes[fact.id] = "review" if above else "below"
                if above:
                    raised.append(fact.kind)
            if raised:
                forward.extend((b, raised) for b in running if b.next_review_on > payload.on)
        if not forward:
            continue
        # unscoped: the system job's benefits read just above
        Benefit.objects.unscoped().filter(pk__in=[b.pk for b, _ in forward]).update(
            next_review_on=payload.on, updated_at=timezone.now()
        )
        audit_record_many(
            actor=payload.actor,
            action="assistance.benefit_review_brought_forward",
            kind=AuditEvent.Kind.SYSTEM,
            events=[
                {
                    "obj": b,
                    "area_code": b.area_code,
                    "before": {"next_review_on": b.next_review_on},
                    "after": {"next_review_on": payload.on, "findings": sorted(set(kinds))},
                    "reason": "monthly verification",
                }
                for b, kinds in forward
            ],
        )
        payload.reviews += len(forward)
