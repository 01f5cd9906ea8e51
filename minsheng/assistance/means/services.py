"""Services of the household economic status and the means test: record, assess, start a simulation.

An economic status is a versioned record. A new version starts as a copy of the previous one; lines are added or
removed only while no assessment has used the version — after that it is frozen, and a change means a new
version. Every assessment stores its inputs, the rule rows it used and its explanation in Chinese.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minsheng.assistance.means.engine import HouseholdFacts, Result, Rules, assess
from minsheng.assistance.means.facts import RuleBook, facts_for
from minsheng.assistance.means.models import (
    LINE_MODELS,
    Assessment,
    AssessmentResult,
    Authorisation,
    AuthorisationSigner,
    EconomicStatus,
    Simulation,
)
from minsheng.assistance.means.selectors import status_is_frozen
from minsheng.assistance.means.simulation import run_simulation
from minsheng.assistance.means.verified import with_verified
from minsheng.audit.services import audit_record
from minsheng.core.scoping import require_scope
from minsheng.people.models import Household, Person

if TYPE_CHECKING:
    from minsheng.accounts.models import User

_require = require_scope  # the door's write check, with its standard message


@transaction.atomic
def economic_status_new(*, actor: User, household: Household, window_end: dt.date, note: str = "") -> EconomicStatus:
    """A new version of the household's economic status, starting as a copy of the latest one's lines."""
    _require(actor, "assistance.add_economicstatus", household.area_id)
    # unscoped: the household's area is checked just above; locked so versions are numbered once
    Household.objects.unscoped().select_for_update().filter(pk=household.pk).get()
    # unscoped: the latest version of the household whose area is checked just above
    previous = EconomicStatus.objects.unscoped().filter(household=household).order_by("-version").first()
    window_start = dt.date(window_end.year - 1, window_end.month, 1) if window_end.day == 1 else None
    if window_start is None:
        raise ValidationError({"window_end": _("The window ends on the first day of a month (e.g. 2026-12-01).")})
    status = EconomicStatus.objects.create(
        household=household,
        version=(previous.version + 1) if previous else 1,
        area_code=household.area_id,
        window_start=window_start,
        window_end=window_end,
        note=note.strip(),
        recorded_by=actor,
    )
    if previous is not None:
        for model in LINE_MODELS.values():
            copies = []
            # unscoped: the lines of the previous version of the same household, copied into the new one
            for line in model.objects.unscoped().filter(status=previous):
                line.pk = None
                line.status = status
                copies.append(line)
            model.objects.bulk_create(copies)
    audit_record(
        actor=actor,
        action="assistance.economic_status_new",
        obj=status,
        area_code=household.area_id,
        after={"household": household.number, "version": status.version, "window": [window_start, window_end]},
        reason=note,
    )
    return status


def _editable(actor: User, status: EconomicStatus) -> None:
    _require(actor, "assistance.change_economicstatus", status.area_code)
    if status_is_frozen(status):
        raise ValidationError(_("This version has been used by an assessment and is frozen; start a new version."))


def _member_of(status: EconomicStatus, person: Person | None) -> None:
    if person is None:
        return
    # unscoped: membership check within the household of a status whose area the caller checked
    if not status.household.memberships.unscoped().filter(person=person).exists():
        raise ValidationError({"person": _("%(name)s is not a member of this household.") % {"name": person.name}})


@transaction.atomic
def status_line_add(*, actor: User, status: EconomicStatus, line: str, data: dict[str, Any]) -> Any:
    """Add one line (income, maintenance, asset, expense or a member's condition) to an editable version."""
    # unscoped: the status the caller loaded through the door; locked before the edit check below
    EconomicStatus.objects.unscoped().select_for_update().filter(pk=status.pk).get()
    _editable(actor, status)
    model = LINE_MODELS.get(line)
    if model is None:
        raise ValidationError(_("Unknown kind of line."))
    _member_of(status, data.get("person") or data.get("supported"))
    row = model(status=status, **data)
    row.full_clean(exclude=["status"])
    row.save()
    audit_record(
        actor=actor,
        action=f"assistance.status_{line}_add",
        obj=status,
        area_code=status.area_code,
        after={name: str(value) for name, value in data.items()},
    )
    return row


@transaction.atomic
def status_line_remove(*, actor: User, status: EconomicStatus, line: str, line_id: int) -> None:
    # unscoped: the status the caller loaded through the door; locked before the edit check below
    EconomicStatus.objects.unscoped().select_for_update().filter(pk=status.pk).get()
    _editable(actor, status)
    model = LINE_MODELS[line]
    # unscoped: one line of the locked status, whose area _editable checked just above
    row = model.objects.unscoped().get(pk=line_id, status=status)
    before = {f.name: str(getattr(row, f.attname)) for f in model._meta.concrete_fields}
    row.delete()
    audit_record(
        actor=actor,
        action=f"assistance.status_{line}_remove",
        obj=status,
        area_code=status.area_code,
        before=before,
    )


@transaction.atomic
def authorisation_record(
    *,
    actor: User,
    status: EconomicStatus,
    serial: str,
    signed_on: dt.date,
    channel: str,
    signers: list[tuple[Person, str]],
) -> Authorisation:
    """The 授权书 with the members who signed it (a guardian's name for those who cannot sign themselves)."""
    # unscoped: the status the caller loaded through the door; locked before the edit check below
    EconomicStatus.objects.unscoped().select_for_update().filter(pk=status.pk).get()
    _editable(actor, status)
    if not serial.strip():
        raise ValidationError({"serial": _("Enter the serial number printed on the authorisation.")})
    # unscoped: uniqueness check: one authorisation per status, on the status just checked
    if Authorisation.objects.unscoped().filter(status=status).exists():
        raise ValidationError(_("The authorisation of this version is recorded already."))
    for person, _guardian in signers:
        _member_of(status, person)
    authorisation = Authorisation.objects.create(
        status=status, serial=serial.strip(), signed_on=signed_on, channel=channel
    )
    AuthorisationSigner.objects.bulk_create(
        [AuthorisationSigner(authorisation=authorisation, person=p, guardian_name=g.strip()) for p, g in signers]
    )
    audit_record(
        actor=actor,
        action="assistance.authorisation_record",
        obj=status,
        area_code=status.area_code,
        after={"serial": serial, "signed_on": signed_on, "signers": [p.pk for p, _g in signers]},
    )
    return authorisation


def _store(actor: User, facts: HouseholdFacts, rules: Rules, book: RuleBook, results: list[Result]) -> Assessment:
    assert facts.economic_status_id is not None  # facts are always read from a status
    assessment = Assessment.objects.create(
        household_id=facts.household_id,
        economic_status_id=facts.economic_status_id,
        area_code=facts.area_code,
        on=facts.on,
        inputs=facts.as_inputs(),
        parameters=book.values(rules),
        created_by=actor,
    )
    AssessmentResult.objects.bulk_create(
        [
            AssessmentResult(
                assessment=assessment,
                programme=r.programme,
                person_id=r.person_id,
                eligible=r.eligible,
                monthly_fen=r.monthly_fen,
                category=r.category,
                covered=r.covered,
                review_class=r.review_class,
                explanation=r.explanation,
                refusal_reasons=r.refusal_reasons,
            )
            for r in results
        ]
    )
    return assessment


@transaction.atomic
def assessment_run(*, actor: User, household: Household, on: dt.date | None = None) -> Assessment:
    """Run the engine on the household's latest economic status and store the result with its explanation."""
    _require(actor, "assistance.add_assessment", household.area_id)
    on = on or timezone.localdate()
    # unscoped: the latest status of the household whose area is checked just above
    status = EconomicStatus.objects.unscoped().filter(household=household).order_by("-version").first()
    if status is None:
        raise ValidationError(_("Record the household's economic status before the means test."))
    book = RuleBook(on)
    with translation.override("zh-hans"):
        # A valid 核对报告 replaces every figure the departments found higher than declared, and says so.
        facts, verified_lines = with_verified(facts_for(status, on))
        rules = book.for_area(facts.area_code)
        results = assess(facts, rules, explain=True)
    for result in results:
        result.explanation[:0] = verified_lines
    assessment = _store(actor, facts, rules, book, results)
    audit_record(
        actor=actor,
        action="assistance.assessment_run",
        obj=assessment,
        area_code=household.area_id,
        after={
            "status_version": status.version,
            "results": [[r.programme, r.person_id, r.eligible, r.monthly_fen] for r in results],
        },
    )
    return assessment


# --- Policy simulation: started here, run by ``simulation.run_simulation`` -------------------------------------

# The standard may not be set outside this range by mistake (a typo of a digit); fen per person per month.
STANDARD_RANGE_FEN = (10_000, 1_000_000)


@transaction.atomic
def simulation_start(*, actor: User, area_code: str, from_month: dt.date, standard_fen: int) -> Simulation:
    require_scope(actor, "assistance.simulate_assessment", area_code)
    if from_month.day != 1:
        raise ValidationError({"from_month": _("Choose the first day of a month.")})
    low, high = STANDARD_RANGE_FEN
    if not low <= standard_fen <= high:
        raise ValidationError(
            {
                "standard": _("Enter a standard between ¥%(low)s and ¥%(high)s.")
                % {"low": low // 100, "high": high // 100}
            }
        )
    simulation = Simulation.objects.create(
        area_code=area_code,
        from_month=from_month,
        standard_fen=standard_fen,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="assistance.simulation_start",
        obj=simulation,
        area_code=area_code,
        after={"from_month": from_month, "standard_fen": standard_fen},
    )
    transaction.on_commit(lambda: run_simulation.delay(simulation.pk))
    return simulation
