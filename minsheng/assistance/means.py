"""Services of the household economic status and the means test: record, assess, simulate.

An economic status is a versioned record. A new version starts as a copy of the previous one; lines are added or
removed only while no assessment has used the version — after that it is frozen, and a change means a new
version. Every assessment stores its inputs, the rule rows it used and its explanation in Chinese.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minsheng.areas.models import Division
from minsheng.assistance.engine import HouseholdFacts, Result, Rules, assess
from minsheng.assistance.facts import CHUNK, RuleBook, current_statuses, facts_for, facts_for_statuses
from minsheng.assistance.models import (
    Assessment,
    AssessmentResult,
    AssetLine,
    Authorisation,
    AuthorisationSigner,
    EconomicStatus,
    ExpenseLine,
    IncomeLine,
    MaintenanceLine,
    MemberCondition,
    Programme,
)
from minsheng.audit.services import audit_record
from minsheng.core.scoping import require_scope
from minsheng.people.models import Household, Person

LINE_MODELS: dict[str, type[Any]] = {
    "income": IncomeLine,
    "maintenance": MaintenanceLine,
    "asset": AssetLine,
    "expense": ExpenseLine,
    "condition": MemberCondition,
}


_require = require_scope  # the door's write check, with its standard message


def status_is_frozen(status: EconomicStatus) -> bool:
    return Assessment.objects.unscoped().filter(economic_status=status).exists()


@transaction.atomic
def economic_status_new(*, actor: Any, household: Household, window_end: dt.date, note: str = "") -> EconomicStatus:
    """A new version of the household's economic status, starting as a copy of the latest one's lines."""
    _require(actor, "assistance.add_economicstatus", household.area_id)
    Household.objects.unscoped().select_for_update().filter(pk=household.pk).get()
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


def _editable(actor: Any, status: EconomicStatus) -> None:
    _require(actor, "assistance.change_economicstatus", status.area_code)
    if status_is_frozen(status):
        raise ValidationError(_("This version has been used by an assessment and is frozen; start a new version."))


def _member_of(status: EconomicStatus, person: Person | None) -> None:
    if person is None:
        return
    if not status.household.memberships.unscoped().filter(person=person).exists():
        raise ValidationError({"person": _("%(name)s is not a member of this household.") % {"name": person.name}})


@transaction.atomic
def status_line_add(*, actor: Any, status: EconomicStatus, line: str, data: dict[str, Any]) -> Any:
    """Add one line (income, maintenance, asset, expense or a member's condition) to an editable version."""
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
def status_line_remove(*, actor: Any, status: EconomicStatus, line: str, line_id: int) -> None:
    EconomicStatus.objects.unscoped().select_for_update().filter(pk=status.pk).get()
    _editable(actor, status)
    model = LINE_MODELS[line]
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
    actor: Any,
    status: EconomicStatus,
    serial: str,
    signed_on: dt.date,
    channel: str,
    signers: list[tuple[Person, str]],
) -> Authorisation:
    """The 授权书 with the members who signed it (a guardian's name for those who cannot sign themselves)."""
    EconomicStatus.objects.unscoped().select_for_update().filter(pk=status.pk).get()
    _editable(actor, status)
    if not serial.strip():
        raise ValidationError({"serial": _("Enter the serial number printed on the authorisation.")})
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


def _store(actor: Any, facts: HouseholdFacts, rules: Rules, book: RuleBook, results: list[Result]) -> Assessment:
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
def assessment_run(*, actor: Any, household: Household, on: dt.date | None = None) -> Assessment:
    """Run the engine on the household's latest economic status and store the result with its explanation."""
    _require(actor, "assistance.add_assessment", household.area_id)
    on = on or timezone.localdate()
    status = EconomicStatus.objects.unscoped().filter(household=household).order_by("-version").first()
    if status is None:
        raise ValidationError(_("Record the household's economic status before the means test."))
    book = RuleBook(on)
    facts = facts_for(status, on)
    rules = book.for_area(facts.area_code)
    with translation.override("zh-hans"):
        results = assess(facts, rules, explain=True)
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


def result_for(assessment: Assessment, programme: str, person: Person | None = None) -> AssessmentResult | None:
    """The assessment's result for a programme: the household result, or the person's (特困, 单人保, allowances)."""
    results = AssessmentResult.objects.unscoped().filter(assessment=assessment, programme=programme)
    if person is not None:
        own = results.filter(person=person).first()
        if own is not None or programme != Programme.DIBAO:
            return own
    return results.filter(person__isnull=True).first()


# --- Policy simulation ----------------------------------------------------------------------------------------


@dataclass
class Totals:
    """Who qualifies for 低保 and 特困 and what it costs per month."""

    dibao_households: int = 0
    dibao_persons: int = 0
    dibao_fen: int = 0
    tekun_persons: int = 0
    tekun_fen: int = 0
    edge_households: int = 0
    qualifying: set[int] = field(default_factory=set)  # households with any 低保 or 特困 payment

    def add(self, facts: HouseholdFacts, results: list[Result]) -> None:
        paid = False
        for r in results:
            if not r.eligible:
                continue
            if r.programme == Programme.DIBAO:
                self.dibao_persons += r.covered
                self.dibao_fen += r.monthly_fen
                if r.person_id is None:
                    self.dibao_households += 1
                paid = True
            elif r.programme == Programme.TEKUN:
                self.tekun_persons += 1
                self.tekun_fen += r.monthly_fen
                paid = True
            elif r.programme == Programme.EDGE:
                self.edge_households += 1
        if paid:
            self.qualifying.add(facts.household_id)

    def merge(self, other: Totals) -> None:
        self.dibao_households += other.dibao_households
        self.dibao_persons += other.dibao_persons
        self.dibao_fen += other.dibao_fen
        self.tekun_persons += other.tekun_persons
        self.tekun_fen += other.tekun_fen
        self.edge_households += other.edge_households
        self.qualifying |= other.qualifying

    @property
    def monthly_fen(self) -> int:
        return self.dibao_fen + self.tekun_fen

    def as_dict(self) -> dict[str, int]:
        return {
            "households": len(self.qualifying),
            "dibao_households": self.dibao_households,
            "dibao_persons": self.dibao_persons,
            "dibao_fen": self.dibao_fen,
            "tekun_persons": self.tekun_persons,
            "tekun_fen": self.tekun_fen,
            "edge_households": self.edge_households,
            "monthly_fen": self.monthly_fen,
        }


@dataclass
class SimulationResult:
    households_assessed: int
    before: Totals
    after: Totals

    @property
    def joining(self) -> int:
        return len(self.after.qualifying - self.before.qualifying)

    @property
    def leaving(self) -> int:
        return len(self.before.qualifying - self.after.qualifying)

    @property
    def budget_change_fen(self) -> int:
        return self.after.monthly_fen - self.before.monthly_fen

    def as_dict(self) -> dict[str, Any]:
        return {
            "households_assessed": self.households_assessed,
            "joining": self.joining,
            "leaving": self.leaving,
            "budget_change_fen": self.budget_change_fen,
            "before": self.before.as_dict(),
            "after": self.after.as_dict(),
        }


def area_prefixes(area_prefix: str) -> list[str]:
    """A city or province is read county by county, so that each read stays small and progress can be shown."""
    if len(area_prefix) >= 6:
        return [area_prefix]
    counties = (
        Division.objects.all()
        .filter(level=Division.Level.COUNTY, code__startswith=area_prefix)
        .order_by("code")
        .values_list("code", flat=True)
    )
    return [code[:6] for code in counties] or [area_prefix]


def _simulate_part(args: tuple[list[int], dt.date, int | None]) -> tuple[int, Totals, Totals]:
    """One slice of the simulation (up to 5,000 statuses, given by id): runs in a worker process or in place."""
    status_ids, on, standard_fen = args
    statuses = EconomicStatus.objects.unscoped().filter(id__in=status_ids)
    book = RuleBook(on)
    before, after = Totals(), Totals()
    assessed = 0
    for facts in facts_for_statuses(statuses, on):
        rules = book.for_area(facts.area_code)
        before.add(facts, assess(facts, rules, explain=False, allowances=False))
        changed = rules if standard_fen is None else rules.with_standard(standard_fen)
        after.add(facts, assess(facts, changed, explain=False, allowances=False))
        assessed += 1
    return assessed, before, after


def _parallel(parts: list[Any]) -> Any:
    """Counties in parallel processes on PostgreSQL (a process per core); one after the other elsewhere, inside a
    transaction (other connections would not see its rows) or where processes cannot be started (a daemonic
    worker)."""
    workers = min(os.cpu_count() or 1, len(parts))
    serial = connection.vendor != "postgresql" or connection.in_atomic_block or multiprocessing.current_process().daemon
    if workers < 2 or serial:
        return map(_simulate_part, parts), None
    connections.close_all()  # each process opens its own connection
    pool = multiprocessing.get_context("fork").Pool(workers)
    return pool.imap(_simulate_part, parts), pool


def simulate(
    *,
    area_prefix: str,
    on: dt.date,
    standard_fen: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    statuses: QuerySet[EconomicStatus] | None = None,
) -> SimulationResult:
    """Every household with an economic status in the area (or the given ``statuses``), under the rules in force
    on ``on`` and under the same rules with the 低保 standard replaced by ``standard_fen``: who joins, who
    leaves, what the month costs. The facts are read set-based, 5,000 households a slice (slices in parallel
    processes on PostgreSQL); no query per household."""
    chosen = statuses if statuses is not None else current_statuses(area_prefix)
    ids = list(chosen.order_by("id").values_list("id", flat=True))
    # Slices of equal size keep both processes busy to the end (counties differ fourfold in size).
    parts = [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]
    results, pool = _parallel([(part, on, standard_fen) for part in parts])
    before, after = Totals(), Totals()
    assessed = 0
    try:
        for index, (count, part_before, part_after) in enumerate(results):
            assessed += count
            before.merge(part_before)
            after.merge(part_after)
            if progress is not None:
                progress(index + 1, len(parts))
    finally:
        if pool is not None:
            pool.close()
            pool.join()
    return SimulationResult(households_assessed=assessed, before=before, after=after)
