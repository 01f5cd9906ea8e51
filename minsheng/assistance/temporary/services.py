"""Temporary assistance (临时救助, DOMAIN §3): 先救助后审批, 先临时后常态, 先内部后外部.

急难型 (``URGENT``): the township window records the event and the amount proposed. Within the township cap
(``linshi.township_cap``) the township pays at once and the case waits for its papers, due within
``linshi.papers_deadline`` working days (``PAID_FIRST``; overdue papers are warned by ``papers_overdue_sweep``);
completing them closes the case. Above the cap nothing is paid by the township: the county decides
(``WITH_COUNTY``). 支出型 (``EXPENSE``) waits for the household's economic verification (``VERIFYING``: an
economic status and a means-test assessment on it), then the county — or the township within its cap — decides.

Money moves once: every step locks the row, re-reads its status inside the lock and refuses when the case is not
where the step expects it, so a double submission or a retry cannot pay twice. After any payment the household
gets an ``AssessmentPrompt`` (assess for 低保 / 特困 / 边缘), and referrals to charities, the Red Cross and social
organisations are recorded with their outcome.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accounts.models import User
from minsheng.assistance.means.models import Assessment
from minsheng.assistance.rules.models import Parameter
from minsheng.assistance.rules.selectors import MissingParameter, parameter_for
from minsheng.assistance.temporary.amounts import Limits, expense_amount, limit_fen
from minsheng.assistance.temporary.models import (
    ADD,
    CHANGE,
    DECIDE,
    ITEM_OF_KIND,
    OPEN_STATUSES,
    REFER,
    AssessmentPrompt,
    Kind,
    Referral,
    Status,
    TemporaryAid,
)
from minsheng.assistance.temporary.selectors import (
    current_household,
    papers_overdue,
    persons_of,
    verification_of,
    year_totals,
)
from minsheng.audit.services import audit_record
from minsheng.catalog.models import Item
from minsheng.core.modules import publish
from minsheng.core.scoping import lock_in_scope, scope_allows
from minsheng.core.templatetags.money import yuan
from minsheng.intake.models import ItemCase, Notification
from minsheng.intake.notifications import StaffDirectory
from minsheng.intake.services import case_record_decision, case_wait_for_materials
from minsheng.people.models import Person
from minsheng.workdays.services import Calendar

# Events (core.modules.publish): a referral outward is made (payload: the Referral); a task made of one is done
# (minsheng.volunteers' "volunteers.task_done", its payload read by the fields it documents).
REFERRAL_MADE = "assistance.referral_made"
REFERRAL_DONE = "volunteers.task_done"


def _rule(key: str, area_code: str, on: dt.date) -> Parameter:
    try:
        return parameter_for(key, area_code=area_code, on=on)
    except MissingParameter:
        raise ValidationError(
            _("No value of the rule %(key)s applies here on %(date)s; a city administrator enters it (rules page).")
            % {"key": key, "date": on}
        ) from None


def _limit(area_code: str, on: dt.date, household: Any, special: bool) -> tuple[int, Limits]:
    """The most one event may bring the household (``linshi.limits`` × ``dibao.standard`` × persons), and the limits."""
    value = _rule("linshi.limits", area_code, on).value
    limits = Limits(int(value["per_person_months"]), int(value["special_months"]), int(value["per_year"]))
    standard = int(_rule("dibao.standard", area_code, on).value)
    return limit_fen(standard_fen=standard, persons=persons_of(household, on), limits=limits, special=special), limits


def beyond_limits(*, person_id: int, total_fen: int, limit: int, limits: Limits, year: int) -> list[str]:
    """Why a case goes beyond what the township may give (one payment per event; a limit per event and a number of
    payments a year per person): the county decides such a case, or refuses it."""
    reasons = []
    if total_fen > limit:
        reasons.append(
            _("¥%(total)s is above the limit of ¥%(limit)s for the household.")
            % {"total": yuan(total_fen), "limit": yuan(limit)}
        )
    paid = year_totals(person_id, year)
    if paid.payments >= limits.per_year:
        reasons.append(
            _("%(count)s payments in %(year)s already; %(allowed)s a year are allowed.")
            % {"count": paid.payments, "year": year, "allowed": limits.per_year}
        )
    return reasons


def expense_computed(aid: TemporaryAid, on: dt.date) -> dict[str, int] | None:
    """支出型: the amount the rules give from the verified household (rigid spending above what it can bear), or None
    before the verification. Figures over the verification's 12 months, in fen."""
    verification = verification_of(aid)
    if aid.kind != Kind.EXPENSE or verification is None:
        return None
    inputs = verification[1].inputs
    value = _rule("linshi.expense", aid.area_code, on).value
    limit = aid.limit_fen if aid.limit_fen is not None else _limit(aid.area_code, on, aid.household, False)[0]
    above, amount = expense_amount(
        rigid_fen=int(inputs.get("rigid_expense_fen", 0)),
        income_fen=int(inputs.get("counted_income_fen", 0)),
        bearable_share=Decimal(str(value["bearable_share"])),
        paid_share=Decimal(str(value["paid_share"])),
        limit=limit,
    )
    return {
        "rigid_fen": int(inputs.get("rigid_expense_fen", 0)),
        "income_fen": int(inputs.get("counted_income_fen", 0)),
        "above_fen": above,
        "amount_fen": amount,
        "limit_fen": limit,
    }


def _snapshot(aid: TemporaryAid) -> dict[str, Any]:
    return {
        "status": aid.status,
        "requested_fen": aid.requested_fen,
        "paid_fen": aid.paid_fen,
        "decided_fen": aid.decided_fen,
        "papers_due": aid.papers_due,
    }


def _area_for(actor: User, person: Person) -> str:
    """The village the case belongs to: the applicant's 户籍地, else the 居住地, whichever the actor serves."""
    for code in (person.hukou_area_id, person.residence_area_id):
        if code and scope_allows(actor, ADD, code):
            return code
    raise PermissionDenied(_("This person is outside your areas."))


def _lock(actor: User, aid: TemporaryAid, action: str = "view") -> TemporaryAid:
    """The case, locked, if ``actor`` may ``action`` it; else PermissionDenied."""
    return lock_in_scope(TemporaryAid, aid.pk, actor, action, message=_("This case is outside your areas."))


def _open_item_case(*, actor: User, person: Person, kind: str, pay_first: bool) -> ItemCase:
    """The one-window item (6 急难型, 7 支出型) the case runs on, taken at the actor's window.

    Paid first, the papers are still to come: the item waits for its materials (the one-window clock stops; the
    papers deadline is this module's). Otherwise the materials are at hand and the item is accepted.
    """
    from minsheng.intake.services import ItemRequest, application_submit

    item = Item.objects.get(number=ITEM_OF_KIND[kind])
    materials = () if pay_first else tuple(item.materials)
    application = application_submit(
        actor=actor, person=person, requests=[ItemRequest(item=item, materials_provided=materials)], on_behalf=False
    )
    return application.cases.get()


def _existing_item_case(*, actor: User, item_case: ItemCase, person: Person, kind: str) -> ItemCase:
    locked = lock_in_scope(ItemCase, item_case.pk, actor, "view", message=_("This item is outside your areas."))
    if locked.item.number != ITEM_OF_KIND[kind]:
        raise ValidationError(_("This item is not temporary assistance of this type."))
    if locked.application.person_id != person.pk:
        raise ValidationError(_("This item was applied for by somebody else."))
    if locked.decided:
        raise ValidationError(_("This item is decided already."))
    # unscoped: uniqueness check: one temporary-assistance case per item case, whoever may see it
    if TemporaryAid.objects.unscoped().filter(item_case=locked).exists():
        raise ValidationError(_("A temporary-assistance case is open for this item already."))
    return locked


def _close_item_case(*, actor: User, aid: TemporaryAid, granted: bool, reason: str) -> None:
    """Decide the one-window item with the case, through the window's own decision (the applicant's text message,
    follow-on items, the audit event); once: an item decided already is left as it is."""
    # unscoped: the actor's right was checked on the aid, whose one-window item this is
    case = ItemCase.objects.unscoped().select_related("application__person", "item").get(pk=aid.item_case_id)
    if not case.decided:
        case_record_decision(actor=actor, case=case, granted=granted, reason=reason, waiting_too=True)


def _pay(locked: TemporaryAid, *, actor: User, amount_fen: int) -> None:
    """Record the payment on a locked case that has none: the only place money is recorded."""
    if locked.paid_at is not None:
        raise ValidationError(_("This case has been paid already; nothing more is paid."))
    locked.paid_fen = amount_fen
    locked.paid_at = timezone.now()
    locked.paid_by = actor


def _after_payment(aid: TemporaryAid) -> AssessmentPrompt | None:
    """先临时后常态: the household is to be assessed for 低保, 特困 or 边缘 status."""
    if aid.household_id is None:
        return None
    # unscoped: the prompt of an aid the caller holds, created once (get_or_create)
    prompt, _created = AssessmentPrompt.objects.unscoped().get_or_create(
        temporary_aid=aid, defaults={"household_id": aid.household_id, "area_code": aid.area_code}
    )
    return prompt


@transaction.atomic
def temporary_aid_open(
    *,
    actor: User,
    person: Person,
    kind: str,
    event: str,
    requested_fen: int | None,
    item_case: ItemCase | None = None,
    on: dt.date | None = None,
    special_hardship: bool = False,
    goods: str = "",
    goods_value_fen: int = 0,
) -> TemporaryAid:
    """Record a case at the township window; 急难型 within the township cap is paid at once.

    The applicant's row is locked, and a person with an open case of the same type gets no second one: a form
    sent twice (a double click, a retry) opens one case and pays once.
    """
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Choose the type of temporary assistance.")})
    if not event.strip():
        raise ValidationError({"event": _("Describe what happened.")})
    if requested_fen is None or requested_fen <= 0:
        raise ValidationError({"amount": _("Enter an amount above zero.")})
    if goods_value_fen < 0 or (goods_value_fen > 0 and not goods.strip()):
        raise ValidationError({"goods": _("Describe the goods given and their value.")})
    if not Person.objects.restrict(actor, "view").filter(pk=person.pk).exists():
        raise PermissionDenied(_("This person is outside your areas."))
    area_code = _area_for(actor, person)
    # unscoped: the person was found through restrict() just above; re-read under lock
    person = Person.objects.unscoped().select_for_update().get(pk=person.pk)
    if person.status != Person.Status.LIVING:
        raise ValidationError(_("Only a living person can receive temporary assistance."))
    # unscoped: uniqueness check: one open case of a type per person, in any area
    if TemporaryAid.objects.unscoped().filter(person=person, kind=kind, status__in=OPEN_STATUSES).exists():
        raise ValidationError(
            _("%(name)s has an open case of this type already; finish it before opening another.")
            % {"name": person.name}
        )
    household = current_household(person)
    if kind == Kind.EXPENSE and household is None:
        raise ValidationError(
            _("支出型 assistance needs the household's economic verification: register the person's household first.")
        )
    on = on or timezone.localdate()
    cap = _rule("linshi.township_cap", area_code, on)
    limit, limits = _limit(area_code, on, household, special_hardship)
    beyond = beyond_limits(
        person_id=person.pk, total_fen=requested_fen + goods_value_fen, limit=limit, limits=limits, year=on.year
    )
    pay_first = kind == Kind.URGENT and requested_fen <= int(cap.value) and not beyond
    papers_due = None
    if pay_first:
        deadline = _rule("linshi.papers_deadline", area_code, on)
        papers_due = Calendar().add_working_days(on, int(deadline.value))
    if item_case is None:
        item_case = _open_item_case(actor=actor, person=person, kind=kind, pay_first=pay_first)
    else:
        item_case = _existing_item_case(actor=actor, item_case=item_case, person=person, kind=kind)
        if pay_first and item_case.status == ItemCase.Status.ACCEPTED:
            # Paid first, the papers are still to come: the item waits for them like a new one (its clock stops;
            # the papers deadline is this module's), or the window's sweep would call a paid case overdue.
            case_wait_for_materials(case=item_case, materials=list(item_case.item.materials))
    aid = TemporaryAid(
        item_case=item_case,
        kind=kind,
        person=person,
        household=household,
        area_code=area_code,
        event=event.strip(),
        requested_fen=requested_fen,
        township_cap_fen=int(cap.value),
        cap_parameter=cap,
        status=Status.VERIFYING if kind == Kind.EXPENSE else Status.WITH_COUNTY,
        created_by=actor,
        special_hardship=special_hardship,
        goods=goods.strip(),
        goods_value_fen=goods_value_fen,
        limit_fen=limit,
        beyond_limits=" ".join(beyond),
    )
    if pay_first:
        aid.status = Status.PAID_FIRST
        aid.papers_due = papers_due
        _pay(aid, actor=actor, amount_fen=requested_fen)
    aid.save()
    audit_record(
        actor=actor,
        action="assistance.temporary_opened",
        obj=aid,
        area_code=area_code,
        after={
            **_snapshot(aid),
            "kind": kind,
            "item_case": item_case.pk,
            "township_cap_fen": aid.township_cap_fen,
            "cap_parameter": cap.pk,
            "limit_fen": limit,
            "goods": aid.goods,
            "goods_value_fen": goods_value_fen,
            "beyond_limits": aid.beyond_limits,
        },
        reason=aid.event,
    )
    if pay_first:
        _after_payment(aid)
        audit_record(
            actor=actor,
            action="assistance.temporary_paid",
            obj=aid,
            area_code=area_code,
            after={"paid_fen": aid.paid_fen, "paid_first": True, "papers_due": papers_due},
            reason=_("Paid first by the township within its cap of ¥%(cap)s.") % {"cap": yuan(aid.township_cap_fen)},
        )
    return aid


@transaction.atomic
def temporary_aid_papers_complete(*, actor: User, aid: TemporaryAid, note: str = "") -> TemporaryAid:
    """The papers of a case paid first are complete: the case (and its one-window item) is closed."""
    locked = _lock(actor, aid, "change")
    if locked.status != Status.PAID_FIRST:
        raise ValidationError(_("Only a case paid first waits for its papers; this one does not."))
    before = _snapshot(locked)
    locked.status = Status.COMPLETED
    locked.papers_completed_at = timezone.now()
    locked.save(update_fields=["status", "papers_completed_at"])
    reason = _("Paid first ¥%(amount)s; the papers are complete.") % {"amount": yuan(locked.paid_fen)}
    _close_item_case(actor=actor, aid=locked, granted=True, reason=reason)
    late = papers_overdue(locked, timezone.localdate())
    audit_record(
        actor=actor,
        action="assistance.temporary_papers_completed",
        obj=locked,
        area_code=locked.area_code,
        before=before,
        after={**_snapshot(locked), "late": late},
        reason=note.strip() or reason,
    )
    return locked


@transaction.atomic
def temporary_aid_decide(
    *, actor: User, aid: TemporaryAid, granted: bool, amount_fen: int | None, reason: str
) -> TemporaryAid:
    """Decide a case that waits for a decision, with reasons; a grant is paid and recorded at once.

    The county decides any case (``decide_temporaryaid``). The township (``change_temporaryaid``) may grant a
    支出型 case within its cap; a case sent to the county because it is above the cap, and every refusal, is the
    county's. 支出型 needs the economic verification first.
    """
    locked = _lock(actor, aid, "view")
    county = scope_allows(actor, DECIDE, locked.area_code)
    township = scope_allows(actor, CHANGE, locked.area_code)
    if not (county or township):
        raise PermissionDenied(_("You may not decide temporary assistance."))
    if locked.status not in {Status.WITH_COUNTY, Status.VERIFYING}:
        raise ValidationError(_("This case does not wait for a decision (it is decided or paid already)."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reasons for the decision; the applicant reads them.")})
    verification = None
    if locked.kind == Kind.EXPENSE:
        verification = verification_of(locked)
        if verification is None:
            raise ValidationError(
                _(
                    "支出型 assistance needs the household's economic verification first: record the household's "
                    "economic status and run the means test."
                )
            )
    if granted:
        if amount_fen is None or amount_fen <= 0:
            raise ValidationError({"amount": _("Enter an amount above zero.")})
        above_cap = _("Above the township cap of ¥%(cap)s the county decides.") % {"cap": yuan(locked.township_cap_fen)}
        if not county and not (township and locked.kind == Kind.EXPENSE):
            raise PermissionDenied(above_cap)
        if not county and amount_fen > locked.township_cap_fen:
            # The township decides this case, but not this amount: an error on the amount, not a refused page.
            raise ValidationError({"amount": above_cap})
        limit = locked.limit_fen
        if not county and (locked.beyond_limits or (limit is not None and amount_fen + locked.goods_value_fen > limit)):
            raise ValidationError({"amount": _("Beyond the limits of temporary assistance the county decides.")})
        computed = expense_computed(locked, timezone.localdate())
        if not county and computed is not None and amount_fen > computed["amount_fen"]:
            raise ValidationError(
                {
                    "amount": _("The rules give ¥%(amount)s for this spending; above it the county decides.")
                    % {"amount": yuan(computed["amount_fen"])}
                }
            )
    elif not county:
        raise PermissionDenied(_("Only the county refuses temporary assistance."))
    before = _snapshot(locked)
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_reason = reason.strip()
    if verification is not None:
        locked.economic_status = verification[0]
    if granted:
        assert amount_fen is not None
        locked.decided_fen = amount_fen
        _pay(locked, actor=actor, amount_fen=amount_fen)
        locked.status = Status.COMPLETED
    else:
        locked.decided_fen = 0
        locked.status = Status.REFUSED
    locked.save()
    item_reason = (
        _("Granted ¥%(amount)s. %(reason)s") % {"amount": yuan(amount_fen or 0), "reason": locked.decision_reason}
        if granted
        else locked.decision_reason
    )
    _close_item_case(actor=actor, aid=locked, granted=granted, reason=item_reason)
    audit_record(
        actor=actor,
        action="assistance.temporary_decided",
        obj=locked,
        area_code=locked.area_code,
        before=before,
        after={
            **_snapshot(locked),
            "by": "county" if county else "township",
            "beyond_limits": bool(
                granted
                and (locked.beyond_limits or (locked.limit_fen is not None and (amount_fen or 0) > locked.limit_fen))
            ),
            "economic_status": locked.economic_status_id,
            "assessment": verification[1].pk if verification else None,
        },
        reason=locked.decision_reason,
    )
    if granted:
        _after_payment(locked)
        audit_record(
            actor=actor,
            action="assistance.temporary_paid",
            obj=locked,
            area_code=locked.area_code,
            after={"paid_fen": locked.paid_fen, "paid_first": False},
            reason=locked.decision_reason,
        )
    return locked


@transaction.atomic
def referral_record(*, actor: User, aid: TemporaryAid, kind: str, organisation: str, note: str = "") -> Referral:
    """先内部后外部: pass the case on to a charity, the Red Cross, a social organisation or another programme."""
    locked = _lock(actor, aid, "view")
    if not scope_allows(actor, REFER, locked.area_code):
        raise PermissionDenied(_("You may not refer cases in this area."))
    if kind not in Referral.Kind.values:
        raise ValidationError({"kind": _("Choose where the case is referred to.")})
    if not organisation.strip():
        raise ValidationError({"organisation": _("Name the organisation.")})
    referral = Referral.objects.create(
        temporary_aid=locked, kind=kind, organisation=organisation.strip()[:100], note=note.strip(), referred_by=actor
    )
    audit_record(
        actor=actor,
        action="assistance.temporary_referred",
        obj=locked,
        area_code=locked.area_code,
        after={"referral": referral.pk, "kind": kind, "organisation": referral.organisation},
        reason=referral.note,
    )
    # A referral outward becomes a need the area's volunteer teams and social organisations can take (minsheng.
    # volunteers); what came of it comes back through REFERRAL_DONE. Payload: the Referral.
    publish(REFERRAL_MADE, referral)
    return referral


def referral_done_subscriber(done: Any) -> None:
    """``volunteers.task_done`` for a task raised by a referral: the task's outcome (and the hours served) becomes the
    referral's outcome, in the volunteers' transaction, audited in the case's area."""
    if (done.source_app, done.source_kind) != ("assistance", "referral"):
        return
    # unscoped: the referral named by the finished task's source; the task's actor acted in its area
    referral = Referral.objects.unscoped().select_for_update().select_related("temporary_aid").get(pk=done.source_id)
    before = referral.outcome
    referral.outcome = done.report
    referral.save(update_fields=["outcome"])
    audit_record(
        actor=done.actor,
        action="assistance.referral_outcome",
        obj=referral,
        area_code=referral.temporary_aid.area_code,
        before={"outcome": before} if before else None,
        after={"outcome": referral.outcome, "task": done.task.pk},
    )


@transaction.atomic
def referral_outcome_record(*, actor: User, referral: Referral, outcome: str) -> Referral:
    """What came of a referral (help given, declined, still pending and why)."""
    locked = lock_in_scope(Referral, referral.pk, actor, "add", message=_("This referral is outside your areas."))
    if not outcome.strip():
        raise ValidationError({"outcome": _("Write down what came of the referral.")})
    before = locked.outcome
    locked.outcome = outcome.strip()
    locked.save(update_fields=["outcome"])
    audit_record(
        actor=actor,
        action="assistance.referral_outcome",
        obj=locked,
        area_code=locked.temporary_aid.area_code,
        before={"outcome": before} if before else None,
        after={"outcome": locked.outcome},
    )
    return locked


@transaction.atomic
def assessment_prompt_close(
    *, actor: User, prompt: AssessmentPrompt, outcome: str, assessment: Assessment | None = None
) -> AssessmentPrompt:
    """Close the prompt to assess the household, with what came of it (and the means test run, if any)."""
    locked = lock_in_scope(
        AssessmentPrompt, prompt.pk, actor, "change", message=_("This prompt is outside your areas.")
    )
    if locked.closed_at is not None:
        raise ValidationError(_("This prompt is closed already."))
    if not outcome.strip():
        raise ValidationError({"outcome": _("Write down the outcome: applied for 低保 or 特困, found not eligible, …")})
    if assessment is not None and assessment.household_id != locked.household_id:
        raise ValidationError({"assessment": _("This means test is of another household.")})
    locked.closed_at = timezone.now()
    locked.closed_by = actor
    locked.outcome = outcome.strip()
    locked.assessment = assessment
    locked.save(update_fields=["closed_at", "closed_by", "outcome", "assessment"])
    audit_record(
        actor=actor,
        action="assistance.prompt_closed",
        obj=locked,
        area_code=locked.area_code,
        after={"outcome": locked.outcome, "assessment": assessment.pk if assessment else None},
    )
    return locked


# --- The sweep of late papers -------------------------------------------------------------------------------


def papers_overdue_sweep(*, today: dt.date | None = None) -> int:
    """Warn of cases paid first whose papers are late: the user who paid, and the county above (escalation).

    Run daily. Idempotent: one notice per user, item and kind (the notices' unique constraint), and notices that
    exist already are neither written nor counted again. Returns the number of new notices.
    """
    today = today or timezone.localdate()
    directory = StaffDirectory()
    # unscoped: system job: the sweep reads every late case of the city
    late = (
        TemporaryAid.objects.unscoped()
        .filter(status=Status.PAID_FIRST, papers_due__lt=today)
        .select_related("person", "paid_by", "item_case", "item_case__application")
        .order_by("papers_due", "id")
    )
    written = 0
    chunk: list[TemporaryAid] = []
    for aid in late.iterator(chunk_size=500):
        chunk.append(aid)
        if len(chunk) == 500:
            written += _sweep_chunk(chunk, directory)
            chunk = []
    return written + _sweep_chunk(chunk, directory)


def _sweep_chunk(aids: list[TemporaryAid], directory: StaffDirectory) -> int:
    if not aids:
        return 0
    existing = set(
        Notification.objects.filter(case__in=[a.item_case_id for a in aids]).values_list(
            "recipient_id", "case_id", "kind"
        )
    )
    new: list[Notification] = []
    for aid in aids:
        text = _(
            "Temporary assistance paid first: the papers were due by %(due)s (%(receipt)s %(name)s, ¥%(amount)s)."
        ) % {
            "due": aid.papers_due,
            "receipt": aid.item_case.application.receipt_number,
            "name": aid.person.name,
            "amount": yuan(aid.paid_fen),
        }
        payers = [aid.paid_by] if aid.paid_by is not None and aid.paid_by.is_active else []
        for users, kind, message in (
            (payers, Notification.Kind.OVERDUE, text),
            (
                directory.supervisors_of(aid.item_case),
                Notification.Kind.ESCALATED,
                _("Escalated: %(text)s") % {"text": text},
            ),
        ):
            for user in {u.pk: u for u in users}.values():
                key = (user.pk, aid.item_case_id, kind)
                if key not in existing:
                    existing.add(key)
                    new.append(Notification(recipient=user, kind=kind, case=aid.item_case, text=message[:300]))
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)
