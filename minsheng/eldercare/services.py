"""Writes of elderly care (DOMAIN §6.4–6.5). Each service checks the actor's scope, validates, writes and records
its audit event in one transaction; the set-based jobs (the target list, the month's orders, compliance, the
尊老金 checks) are system jobs that write in bulk and audit once per run."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.areas.models import Division
from minsheng.assistance.benefits.models import Benefit
from minsheng.assistance.benefits.services import benefit_stop
from minsheng.assistance.programmes import Programme
from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_record
from minsheng.core.limits import require_length
from minsheng.core.modules import RegistryChange, publish
from minsheng.core.months import first_day_of_next_month, month_of
from minsheng.core.scoping import LEVEL_DIGITS, require_scope, scope_allows
from minsheng.core.settlements import settlement_approved, settlement_draft, settlement_paid, settlement_prepared
from minsheng.eldercare import rules
from minsheng.eldercare.models import (
    CareItem,
    Category,
    Circumstance,
    Contract,
    DeathFinding,
    Elder,
    Facility,
    Inspection,
    LivenessCheck,
    OrderLine,
    Provider,
    RefreshRun,
    Residency,
    Service,
    ServiceOrder,
    ServiceVisit,
    Settlement,
    UncoveredNeed,
    need_key,
)
from minsheng.eldercare.sop import steps_for
from minsheng.exchange.models import FeedRecord
from minsheng.monitoring.models import Alert, WarningRule
from minsheng.people.models import DisabilityCertificate, Membership, Person
from minsheng.workdays.services import Calendar

if TYPE_CHECKING:
    from minsheng.accounts.models import User

CHUNK = 5000
RUNNING = (Benefit.Status.ACTIVE, Benefit.Status.TAPERING)


def _code12(prefix: str) -> str:
    return prefix.ljust(12, "0")


def _significant(division: Division) -> str:
    return division.code[: LEVEL_DIGITS.get(division.level, 12)]


# --- The facility registry -----------------------------------------------------------------------------------------


def _facility_snapshot(f: Facility) -> dict[str, Any]:
    return {
        "kind": f.kind,
        "name": f.name,
        "operator": f.operator,
        "permit": f.permit,
        "permit_number": f.permit_number,
        "beds": f.beds,
        "star_rating": f.star_rating,
        "active": f.active,
    }


@transaction.atomic
def facility_register(
    *,
    actor: User,
    area: Division,
    kind: str,
    name: str,
    operator: str,
    permit: str,
    permit_number: str,
    permit_on: dt.date,
    beds: int,
    star_rating: int = 0,
    public: bool = False,
    address: str = "",
) -> Facility:
    """Add a care facility of ``area`` with its licence or filing."""
    require_scope(actor, "eldercare.add_facility", area.code)
    require_length(
        name=(name, 100), operator=(operator, 100), permit_number=(permit_number, 40), address=(address, 200)
    )
    if kind not in Facility.Kind.values:
        raise ValidationError({"kind": _("Choose a kind of facility.")})
    if permit not in Facility.Permit.values:
        raise ValidationError({"permit": _("Choose a licence or a filing.")})
    if not name.strip() or not operator.strip() or not permit_number.strip():
        raise ValidationError(_("Enter the name, the operator and the licence or filing number."))
    if not 0 <= beds <= 20000:
        raise ValidationError({"beds": _("Beds are 0 to 20,000.")})
    if not 0 <= star_rating <= 5:
        raise ValidationError({"star_rating": _("The star rating is 0 to 5.")})
    if permit_on > timezone.localdate():
        raise ValidationError({"permit_on": _("The date of the licence or filing cannot be in the future.")})
    # unscoped: a licence number is unique in the whole city, whatever the area
    if Facility.objects.unscoped().filter(permit_number=permit_number.strip()).exists():
        raise ValidationError({"permit_number": _("A facility with this licence or filing number exists already.")})
    facility = Facility.objects.create(
        kind=kind,
        name=name.strip(),
        operator=operator.strip(),
        public=public,
        area_code=area.code,
        address=address.strip(),
        permit=permit,
        permit_number=permit_number.strip(),
        permit_on=permit_on,
        beds=beds,
        star_rating=star_rating,
    )
    audit_record(
        actor=actor,
        action="eldercare.facility_registered",
        obj=facility,
        area_code=facility.area_code,
        after=_facility_snapshot(facility),
    )
    return facility


@transaction.atomic
def inspection_record(
    *, actor: User, facility: Facility, on: dt.date, result: str, findings: str, rectify_by: dt.date | None = None
) -> Inspection:
    """Record an inspection and its findings; a result "to rectify" needs a date by which, a star rating is kept."""
    require_scope(actor, "eldercare.add_inspection", facility.area_code)
    require_length(findings=(findings, 1000))
    if result not in Inspection.Result.values:
        raise ValidationError({"result": _("Choose a result.")})
    today = timezone.localdate()
    if on > today:
        raise ValidationError({"on": _("An inspection cannot be dated in the future.")})
    if result == Inspection.Result.RECTIFY and (rectify_by is None or rectify_by <= on):
        raise ValidationError({"rectify_by": _("Give the date by which the findings must be rectified.")})
    if result != Inspection.Result.PASSED and not findings.strip():
        raise ValidationError({"findings": _("Write what was found.")})
    inspection = Inspection.objects.create(
        facility=facility,
        area_code=facility.area_code,
        on=on,
        result=result,
        findings=findings.strip(),
        rectify_by=rectify_by if result == Inspection.Result.RECTIFY else None,
        inspector=actor,
    )
    audit_record(
        actor=actor,
        action="eldercare.inspection_recorded",
        obj=inspection,
        area_code=facility.area_code,
        after={"facility": facility.pk, "on": on.isoformat(), "result": result},
    )
    return inspection


@transaction.atomic
def residency_admit(*, actor: User, facility: Facility, person: Person, admitted_on: dt.date) -> Residency:
    """A person moves into an institution. A person with a running 特困 benefit is in 集中供养 from now: the
    residency names that benefit (the programme keeps paying it; nothing of it is copied)."""
    require_scope(actor, "eldercare.add_residency", facility.area_code)
    if facility.kind == Facility.Kind.STATION or facility.kind == Facility.Kind.DAY_CARE:
        raise ValidationError(_("Stations and day-care centres have no residents."))
    if not facility.active:
        raise ValidationError(_("This facility is not in operation."))
    if person.status != Person.Status.LIVING:
        raise ValidationError(_("This person is not living."))
    if admitted_on > timezone.localdate():
        raise ValidationError({"admitted_on": _("The date of admission cannot be in the future.")})
    # unscoped: the institution's own count of its residents, whatever their home area
    taken = Residency.objects.unscoped().filter(facility=facility, left_on__isnull=True).count()
    if facility.beds and taken >= facility.beds:
        raise ValidationError(_("Every bed of this facility is taken."))
    # unscoped: the person's 特困 benefit is the programme's row, named here and never changed
    tekun = Benefit.objects.unscoped().filter(programme=Programme.TEKUN, payee=person, status__in=RUNNING).first()
    try:
        with transaction.atomic():
            residency = Residency.objects.create(
                facility=facility,
                person=person,
                area_code=facility.area_code,
                tekun_benefit=tekun,
                admitted_on=admitted_on,
            )
    except IntegrityError:
        raise ValidationError(_("This person lives in an institution already.")) from None
    audit_record(
        actor=actor,
        action="eldercare.resident_admitted",
        obj=residency,
        area_code=facility.area_code,
        after={"facility": facility.pk, "person": person.pk, "tekun_benefit": tekun.pk if tekun else None},
    )
    return residency


@transaction.atomic
def residency_end(*, actor: User, residency: Residency, left_on: dt.date, reason: str) -> Residency:
    require_scope(actor, "eldercare.change_residency", residency.area_code)
    require_length(reason=(reason, 200))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    # unscoped: the actor's area was checked above; re-read under lock
    locked = Residency.objects.unscoped().select_for_update().get(pk=residency.pk)
    if locked.left_on is not None:
        raise ValidationError(_("This person has left already."))
    if left_on < locked.admitted_on or left_on > timezone.localdate():
        raise ValidationError({"left_on": _("The date of leaving is between the admission and today.")})
    locked.left_on, locked.left_reason = left_on, reason.strip()
    locked.save(update_fields=["left_on", "left_reason"])
    audit_record(
        actor=actor,
        action="eldercare.resident_left",
        obj=locked,
        area_code=locked.area_code,
        after={"left_on": left_on.isoformat(), "reason": locked.left_reason},
    )
    return locked


# --- Circumstances and the target list ----------------------------------------------------------------------------

RECORDED_CATEGORIES = (
    Category.DISABLED,
    Category.ALONE,
    Category.EMPTY_NEST,
    Category.LEFT_BEHIND,
    Category.FAMILY_PLANNING,
)


@transaction.atomic
def circumstance_record(
    *, actor: User, person: Person, kind: str, since: dt.date, until: dt.date | None = None
) -> Circumstance:
    """A village worker records (or ends, with ``until``) an old person's circumstance; the target list follows at
    its next refresh."""
    area = person.residence_area_id
    require_scope(actor, "eldercare.add_circumstance", area)
    if kind not in RECORDED_CATEGORIES:
        raise ValidationError({"kind": _("Choose a circumstance.")})
    today = timezone.localdate()
    if since > today or (until is not None and (until < since or until > today)):
        raise ValidationError({"since": _("The dates run from the start to today at the latest.")})
    # unscoped: the person's own open circumstance of this kind, in the area checked above
    current = Circumstance.objects.unscoped().select_for_update().filter(person=person, kind=kind, until__isnull=True)
    row = current.first()
    if until is not None:
        if row is None:
            raise ValidationError(_("There is no such circumstance to end."))
        row.until = until
        row.save(update_fields=["until"])
    else:
        if row is not None:
            raise ValidationError(_("This circumstance is recorded already."))
        row = Circumstance.objects.create(person=person, area_code=area, kind=kind, since=since, recorded_by=actor)
    audit_record(
        actor=actor,
        action="eldercare.circumstance_recorded",
        obj=row,
        area_code=area,
        after={"kind": kind, "since": since.isoformat(), "until": until.isoformat() if until else None},
    )
    return row


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _years_before(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year - years)
    except ValueError:  # 29 February
        return on.replace(year=on.year - years, day=28)


@dataclass
class Candidate:
    categories: set[str] = field(default_factory=set)
    programmes: set[str] = field(default_factory=set)


def _candidates(
    on: dt.date, youngest: int, programmes: frozenset[str], very_old_alone: int | None
) -> dict[int, Candidate]:
    """Every living person old enough with anything that could put them on the list, set-based: members of a
    household the programmes pay, the disability certificates, the circumstances, the very old."""
    cutoff = _years_before(on, youngest)
    found: dict[int, Candidate] = defaultdict(Candidate)
    # unscoped: a city-wide system job: the households the programmes pay now
    paid = Benefit.objects.unscoped().filter(status__in=RUNNING, programme__in=sorted(programmes))
    # unscoped: the current members of those households who are old enough
    members = Membership.objects.unscoped().filter(
        left_on__isnull=True,
        person__status=Person.Status.LIVING,
        person__birth_date__lte=cutoff,
        household_id__in=paid.values("household_id"),
    )
    by_household: dict[int, set[str]] = defaultdict(set)
    for household_id, programme in paid.values_list("household_id", "programme").iterator(chunk_size=CHUNK):
        by_household[household_id].add(programme)
    for person_id, household_id in members.values_list("person_id", "household_id").iterator(chunk_size=CHUNK):
        found[person_id].programmes |= by_household.get(household_id, set())
    # 特困 care levels: a 特困 person who has lost self-care in part or whole is disabled
    # unscoped: the same system job reads the care level of the running 特困 benefits
    tekun_disabled = Benefit.objects.unscoped().filter(
        programme=Programme.TEKUN,
        status__in=RUNNING,
        category__in=["partly_unable", "fully_unable"],
        payee__birth_date__lte=cutoff,
    )
    for person_id in tekun_disabled.values_list("payee_id", flat=True).iterator(chunk_size=CHUNK):
        found[person_id].categories.add(Category.DISABLED)
    # unscoped: valid disability certificates of grade 1–2 (重残) of old people
    severe = DisabilityCertificate.objects.unscoped().filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=on),
        grade__lte=2,
        valid_from__lte=on,
        person__status=Person.Status.LIVING,
        person__birth_date__lte=cutoff,
    )
    for person_id in severe.values_list("person_id", flat=True).iterator(chunk_size=CHUNK):
        found[person_id].categories.add(Category.SEVERE_DISABILITY)
    # unscoped: the circumstances the village workers recorded, open on the day
    recorded = Circumstance.objects.unscoped().filter(
        Q(until__isnull=True) | Q(until__gte=on),
        since__lte=on,
        person__status=Person.Status.LIVING,
        person__birth_date__lte=cutoff,
    )
    for person_id, kind in recorded.values_list("person_id", "kind").iterator(chunk_size=CHUNK):
        found[person_id].categories.add(kind)
    if very_old_alone is not None:
        # A rule lists the very old without a programme: every living person of that age is a candidate.
        # unscoped: the same system job reads the registry's dates of birth
        old = Person.objects.unscoped().filter(
            status=Person.Status.LIVING, birth_date__lte=_years_before(on, very_old_alone)
        )
        for person_id in old.values_list("id", flat=True).iterator(chunk_size=CHUNK):
            found[person_id]
    return found


@transaction.atomic
def targets_refresh(*, on: dt.date | None = None) -> RefreshRun:
    """Derive the 特殊困难老年人 list and the care plans from the registry, the programmes and the circumstances under
    the rules in force on ``on``: add who qualifies now, end who no longer does (died, moved into an institution, left
    a programme), update categories and plans, and assign each plan item to the contract covering the person's area
    and the service. Set-based and idempotent: a second run on the same data writes nothing."""
    on = on or timezone.localdate()
    run = RefreshRun.objects.create(on=on)
    target_rows = rules.in_force("eldercare.target_rules", on)
    programme_rows = rules.in_force("eldercare.target_programmes", on)
    plan_rows = rules.in_force("eldercare.plan_items", on)
    all_targets = [rules.targets(r, rules.for_area(programme_rows, r.area_prefix)) for r in target_rows]
    youngest = min((t.youngest for t in all_targets), default=200)
    programmes = frozenset().union(*(t.programmes for t in all_targets)) if all_targets else frozenset()
    very_old_ages = [
        r.from_age for t in all_targets for r in t.rules if r.category == "very_old" and not r.with_programme
    ]
    found = _candidates(on, youngest, programmes, min(very_old_ages) if very_old_ages else None)
    # unscoped: who lives in an institution now is cared for there, not at home
    residents = set(Residency.objects.unscoped().filter(left_on__isnull=True).values_list("person_id", flat=True))
    qualified: dict[int, tuple[list[str], list[str]]] = {}
    ids = sorted(found)
    persons: dict[int, tuple[str, str, str, dt.date]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        # unscoped: the registry's facts of the candidates (name, masked ID, where they live, birth)
        rows = (
            Person.objects.unscoped()
            .filter(id__in=chunk)
            .values_list("id", "name", "id_masked", "residence_area_id", "birth_date")
        )
        for person_id, name, masked, area, birth in rows:
            persons[person_id] = (name, masked, area, birth)
            if person_id in residents:
                continue
            candidate = found[person_id]
            row = rules.for_area(target_rows, area)
            if row is None:
                continue
            targets = rules.targets(row, rules.for_area(programme_rows, area))
            age = _age(birth, on)
            held = set(candidate.categories)
            very_old = [r.from_age for r in targets.rules if r.category == Category.VERY_OLD]
            if very_old and age >= min(very_old):
                held.add(Category.VERY_OLD)
            got = targets.qualifies(age=age, categories=held, programmes=candidate.programmes)
            if got:
                qualified[person_id] = (got, sorted(candidate.programmes & targets.programmes))
    addresses = _addresses(list(qualified))
    # unscoped: the whole list, to compare with what qualifies now
    existing = {
        e.person_id: e
        for e in Elder.objects.unscoped()
        .only("id", "person_id", "area_code", "name", "id_masked", "address", "categories", "programmes", "active")
        .iterator(chunk_size=CHUNK)
    }
    new, changed = [], []
    for person_id, (categories, progs) in qualified.items():
        name, masked, area, birth = persons[person_id]
        address = addresses.get(person_id, "")[:200]
        elder = existing.get(person_id)
        if elder is None:
            new.append(
                Elder(
                    person_id=person_id,
                    area_code=area,
                    name=name,
                    id_masked=masked,
                    address=address,
                    birth_date=birth,
                    categories=categories,
                    programmes=progs,
                    since=on,
                    updated_on=on,
                )
            )
            continue
        values = (area, name, masked, address, categories, progs, True)
        if (elder.area_code, elder.name, elder.id_masked, elder.address, elder.categories, elder.programmes,
                elder.active) != values:  # fmt: skip
            elder.area_code, elder.name, elder.id_masked, elder.address = area, name, masked, address
            elder.categories, elder.programmes, elder.active, elder.ended_on, elder.updated_on = (
                categories, progs, True, None, on,
            )  # fmt: skip
            changed.append(elder)
    Elder.objects.bulk_create(new, batch_size=CHUNK)
    Elder.objects.bulk_update(
        changed,
        ["area_code", "name", "id_masked", "address", "categories", "programmes", "active", "ended_on", "updated_on"],
        batch_size=CHUNK,
    )
    gone = [e.pk for pid, e in existing.items() if e.active and pid not in qualified]
    for start in range(0, len(gone), CHUNK):
        # unscoped: the same system job ends who no longer qualifies
        Elder.objects.unscoped().filter(pk__in=gone[start : start + CHUNK]).update(
            active=False, ended_on=on, updated_on=on
        )
    run.added, run.ended = len(new), len(gone)
    run.plan_items = _plans_sync(on, plan_rows)
    # unscoped: the count of the list this run leaves
    run.active = Elder.objects.unscoped().filter(active=True).count()
    run.finished_at = timezone.now()
    run.save()
    audit_record(
        actor=None,
        action="eldercare.targets_refreshed",
        kind=AuditEvent.Kind.SYSTEM,
        obj=run,
        area_code="",
        after={"added": run.added, "ended": run.ended, "active": run.active, "plan_items": run.plan_items},
    )
    return run


def _addresses(person_ids: list[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    for start in range(0, len(person_ids), CHUNK):
        # unscoped: the address of the current household of the persons on the list (for the provider's visit)
        rows = (
            Membership.objects.unscoped()
            .filter(person_id__in=person_ids[start : start + CHUNK], left_on__isnull=True)
            .values_list("person_id", "household__address")
        )
        found.update((p, a or "") for p, a in rows)
    return found


def _contracts_in_force(on: dt.date) -> list[Contract]:
    # unscoped: every contract in force, to assign plan items city-wide (the most specific area first)
    rows = list(Contract.objects.unscoped().filter(valid_from__lte=on, valid_to__gte=on).order_by("id"))
    return sorted(rows, key=lambda c: (-len(c.area_prefix), c.id))


def _contract_for(contracts: list[Contract], area: str, service: str) -> int | None:
    return next((c.pk for c in contracts if area.startswith(c.area_prefix) and service in c.services), None)


def _plans_sync(on: dt.date, plan_rows: list[Any]) -> int:
    """The plan items of every active person as the rules give them, each with its contract (set-based diff)."""
    contracts = _contracts_in_force(on)
    chosen: dict[tuple[str, str], int | None] = {}
    # unscoped: the active list and its current plan items, compared in bulk
    elders = Elder.objects.unscoped().filter(active=True).values_list("id", "area_code", "categories")
    wanted: dict[tuple[int, str], tuple[int, int | None, str]] = {}
    for elder_id, area, categories in elders.iterator(chunk_size=CHUNK):
        for service, per_month in rules.plan_for(rules.for_area(plan_rows, area), categories).items():
            key = (area, service)
            if key not in chosen:
                chosen[key] = _contract_for(contracts, area, service)
            wanted[(elder_id, service)] = (per_month, chosen[key], area)
    # unscoped: the same job's read of the plan items it keeps in step
    have = {
        (e, s): (pk, n, c, a)
        for pk, e, s, n, c, a in CareItem.objects.unscoped()
        .values_list("id", "elder_id", "service", "per_month", "contract_id", "area_code")
        .iterator(chunk_size=CHUNK)
    }
    create = [
        CareItem(elder_id=e, service=s, per_month=n, contract_id=c, area_code=a)
        for (e, s), (n, c, a) in wanted.items()
        if (e, s) not in have
    ]
    update = [
        CareItem(pk=have[k][0], per_month=n, contract_id=c, area_code=a)
        for k, (n, c, a) in wanted.items()
        if k in have and have[k][1:] != (n, c, a)
    ]
    remove = [pk for k, (pk, *_rest) in have.items() if k not in wanted]
    CareItem.objects.bulk_create(create, batch_size=CHUNK)
    CareItem.objects.bulk_update(update, ["per_month", "contract_id", "area_code"], batch_size=CHUNK)
    for start in range(0, len(remove), CHUNK):
        # unscoped: plan items of persons no longer on the list, or of services the rules no longer give
        CareItem.objects.unscoped().filter(pk__in=remove[start : start + CHUNK]).delete()
    return len(wanted)


def person_gone_subscriber(change: RegistryChange) -> None:
    """The registry confirmed a death or a move away: the person leaves the list now, and the lines of this month
    and later owe no more visits (they stay, with what was delivered)."""
    # unscoped: a system reaction to the registry's event, inside its transaction
    ended = (
        Elder.objects.unscoped()
        .filter(person=change.person, active=True)
        .update(active=False, ended_on=change.on, updated_on=change.on)
    )
    if ended:
        # unscoped: the same reaction: the person's lines not begun yet owe nothing more
        OrderLine.objects.unscoped().filter(
            elder__person=change.person, month__gt=month_of(change.on), delivered=0
        ).delete()


# --- Providers and contracts ---------------------------------------------------------------------------------------


@transaction.atomic
def provider_register(*, actor: User, area: Division, name: str, credit_code: str, contact: str = "") -> Provider:
    require_scope(actor, "eldercare.add_provider", area.code)
    require_length(name=(name, 100), credit_code=(credit_code, 18), contact=(contact, 60))
    code = credit_code.strip().upper()
    if not name.strip() or len(code) != 18 or not code.isalnum():
        raise ValidationError({"credit_code": _("Enter the name and the 18-character unified social credit code.")})
    # unscoped: a credit code is unique in the whole city
    if Provider.objects.unscoped().filter(credit_code=code).exists():
        raise ValidationError({"credit_code": _("A provider with this credit code exists already.")})
    provider = Provider.objects.create(name=name.strip(), credit_code=code, area_code=area.code, contact=contact)
    audit_record(
        actor=actor, action="eldercare.provider_registered", obj=provider, area_code=area.code, after={"name": name}
    )
    return provider


@transaction.atomic
def contract_sign(
    *,
    actor: User,
    provider: Provider,
    area: Division,
    number: str,
    prices: dict[str, int],
    valid_from: dt.date,
    valid_to: dt.date,
) -> Contract:
    """A contract of ``provider`` for the services priced in ``prices`` (fen per visit) in ``area`` (a county or a
    township). Two contracts for the same service may not cover the same area at the same time."""
    require_scope(actor, "eldercare.add_contract", area.code)
    require_length(number=(number, 40))
    if area.level not in ("county", "township"):
        raise ValidationError({"area": _("A contract covers a county or a township.")})
    if not number.strip():
        raise ValidationError({"number": _("Enter the contract number.")})
    if not prices or any(s not in Service.values for s in prices):
        raise ValidationError({"prices": _("Choose the services of the contract.")})
    if any(not isinstance(f, int) or not 0 < f <= 1_000_000 for f in prices.values()):
        raise ValidationError({"prices": _("A price per visit is more than 0 and at most 10,000 yuan.")})
    if valid_to < valid_from or (valid_to - valid_from).days > 3 * 366:
        raise ValidationError({"valid_to": _("A contract runs from its start for at most three years.")})
    prefix = _significant(area)
    # unscoped: overlapping contracts of any provider, wherever, for the same services and times
    overlapping = Contract.objects.unscoped().filter(valid_from__lte=valid_to, valid_to__gte=valid_from)
    for other in overlapping:
        nested = other.area_prefix.startswith(prefix) or prefix.startswith(other.area_prefix)
        if nested and other.area_prefix == prefix and set(other.services) & set(prices):
            raise ValidationError(
                {"prices": _("Another contract covers this area for some of these services at that time.")}
            )
    # unscoped: a contract number is unique in the city
    if Contract.objects.unscoped().filter(number=number.strip()).exists():
        raise ValidationError({"number": _("A contract with this number exists already.")})
    contract = Contract.objects.create(
        provider=provider,
        number=number.strip(),
        area_code=area.code,
        area_prefix=prefix,
        services=sorted(prices),
        prices=prices,
        valid_from=valid_from,
        valid_to=valid_to,
        signed_by=actor,
    )
    audit_record(
        actor=actor,
        action="eldercare.contract_signed",
        obj=contract,
        area_code=area.code,
        after={"provider": provider.pk, "services": contract.services, "prices": prices},
    )
    return contract


# --- The month's orders --------------------------------------------------------------------------------------------


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@dataclass(frozen=True)
class Generated:
    month: dt.date
    orders: int
    lines: int
    visits: int
    uncovered: int = 0  # needs no provider covers, added (per village and service)


@transaction.atomic
def orders_generate(*, month: dt.date, actor: User | None = None) -> Generated:
    """The month's service orders from the active plans: one order per contract, one line per person and service
    with the visits owed — two INSERT … SELECT statements, whatever the size of the list. Idempotent: a person's
    line of a month and service exists once (unique), a repeated run adds only what is new (a person who came onto
    the list since). The plan items no contract covers are counted per village and service as the month's needs
    for 五社联动 (``_uncovered_needs``), in the same transaction."""
    if month.day != 1:
        raise ValidationError({"month": _("Choose a month.")})
    if actor is not None and not actor.has_perm("eldercare.add_serviceorder"):
        raise PermissionDenied(_("You may not generate the service orders."))
    now = timezone.now()
    item, elder, contract = _table(CareItem), _table(Elder), _table(Contract)
    order, line = _table(ServiceOrder), _table(OrderLine)
    last = first_day_of_next_month(month) - dt.timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {order} (contract_id, provider_id, area_code, month, lines, owed, created_at) "
            f"SELECT c.id, c.provider_id, c.area_code, %s, 0, 0, %s FROM {contract} c "
            f"WHERE c.valid_from <= %s AND c.valid_to >= %s "
            f"AND EXISTS (SELECT 1 FROM {item} ci WHERE ci.contract_id = c.id) "
            f"AND NOT EXISTS (SELECT 1 FROM {order} o WHERE o.contract_id = c.id AND o.month = %s)",
            [month, now, last, month, month],
        )
        orders = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {line} (order_id, provider_id, contract_id, elder_id, area_code, month, service, owed, "
            f"delivered, on_time) "
            f"SELECT o.id, o.provider_id, ci.contract_id, ci.elder_id, ci.area_code, %s, ci.service, ci.per_month, "
            f"0, 0 "
            f"FROM {item} ci JOIN {elder} e ON e.id = ci.elder_id AND e.active "
            f"JOIN {order} o ON o.contract_id = ci.contract_id AND o.month = %s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {line} l WHERE l.elder_id = ci.elder_id AND l.month = %s "
            f"AND l.service = ci.service)",
            [month, month, month],
        )
        lines = cursor.rowcount
        cursor.execute(
            f"UPDATE {order} SET lines = (SELECT COUNT(*) FROM {line} l WHERE l.order_id = {order}.id), "
            f"owed = (SELECT COALESCE(SUM(l.owed), 0) FROM {line} l WHERE l.order_id = {order}.id) "
            f"WHERE month = %s",
            [month],
        )
        cursor.execute(f"SELECT COALESCE(SUM(owed), 0) FROM {order} WHERE month = %s", [month])
        visits = int(cursor.fetchone()[0])
    uncovered = _uncovered_needs(month, now)
    audit_record(
        actor=actor,
        action="eldercare.orders_generated",
        kind=AuditEvent.Kind.SYSTEM if actor is None else AuditEvent.Kind.CHANGE,
        object_type="eldercare.serviceorder",
        object_repr=f"{month:%Y-%m}",
        area_code="",
        after={
            "month": month.isoformat(),
            "orders": orders,
            "lines": lines,
            "visits": visits,
            "uncovered_needs": uncovered,
        },
    )
    return Generated(month, orders, lines, visits, uncovered)


# --- Needs no provider covers, handed to 五社联动 ------------------------------------------------------------------

# The event of the month's needs no provider covers (payload: ``UncoveredNeeds``), and the one that reports back what
# came of a need (minsheng.volunteers' ``volunteers.task_done``, read by the fields it documents).
UNCOVERED_NEEDS = "eldercare.uncovered_needs"
NEED_DONE = "volunteers.task_done"
NEED_SOURCE = ("eldercare", "uncovered")


@dataclass(frozen=True)
class NeedRow:
    """One village's service of the month without a provider: how many old people need it (no one is named)."""

    key: str  # ``<village>:<service>:<YYYY-MM>``, the task's source id
    area_code: str
    service: str
    service_label: str
    elders: int


@dataclass(frozen=True)
class UncoveredNeeds:
    """Payload of ``eldercare.uncovered_needs``: the month's open needs no provider covers."""

    month: dt.date
    needs: tuple[NeedRow, ...]


def _uncovered_needs(month: dt.date, now: dt.datetime) -> int:
    """Count, per village and service, the active old people whose plan item no contract covers (one INSERT … SELECT
    of the month's new needs; a repeated run adds only what is new), then publish the month's open needs so that
    五社联动 makes them tasks (which it does once per need). Returns the needs added."""
    item, elder, need = _table(CareItem), _table(Elder), _table(UncoveredNeed)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {need} (area_code, service, month, elders, status, outcome, hours_tenths, created_at) "
            f"SELECT ci.area_code, ci.service, %s, COUNT(*), 'open', '', 0, %s "
            f"FROM {item} ci JOIN {elder} e ON e.id = ci.elder_id AND e.active "
            f"WHERE ci.contract_id IS NULL "
            f"AND NOT EXISTS (SELECT 1 FROM {need} n WHERE n.area_code = ci.area_code AND n.service = ci.service "
            f"AND n.month = %s) "
            f"GROUP BY ci.area_code, ci.service",
            [month, now, month],
        )
        added = int(cursor.rowcount)
    # unscoped: the system job's own rows of the month, handed on as counts without names
    rows = UncoveredNeed.objects.unscoped().filter(month=month, status=UncoveredNeed.Status.OPEN)
    labels = dict(Service.choices)
    needs = tuple(
        NeedRow(need_key(area, service, month), area, service, str(labels.get(service, service)), elders)
        for area, service, elders in rows.order_by("area_code", "service").values_list("area_code", "service", "elders")
    )
    if needs:
        publish(UNCOVERED_NEEDS, UncoveredNeeds(month=month, needs=needs))
    return added


@transaction.atomic
def uncovered_need_done(*, actor: User, key: str, report: str, hours_tenths: int, volunteers: int) -> UncoveredNeed:
    """What came of a need no provider covered, as 五社联动 reports it (a task done): the need is met, with the
    outcome and the hours served, audited in its village. A need met already keeps its first outcome."""
    area, _sep, rest = key.partition(":")
    service, _sep, month_text = rest.partition(":")
    try:
        month = dt.date.fromisoformat(f"{month_text}-01")
    except ValueError:
        raise ValidationError(_("This is not a need of elderly care.")) from None
    # unscoped: the need named by the finished task's source; the task's actor acted in its area
    need = UncoveredNeed.objects.unscoped().select_for_update().filter(area_code=area, service=service, month=month)
    found = need.first()
    if found is None:
        raise ValidationError(_("This is not a need of elderly care."))
    if found.status == UncoveredNeed.Status.DONE:
        return found
    found.status = UncoveredNeed.Status.DONE
    found.outcome = report[:1000]
    found.hours_tenths = hours_tenths
    found.done_at = timezone.now()
    found.save(update_fields=["status", "outcome", "hours_tenths", "done_at"])
    audit_record(
        actor=actor,
        action="eldercare.need_met",
        obj=found,
        area_code=found.area_code,
        after={"outcome": found.outcome, "hours_tenths": hours_tenths, "volunteers": volunteers},
    )
    return found


def need_done_subscriber(done: Any) -> None:
    """``volunteers.task_done`` for a task raised by a need no provider covered: record what came of it."""
    if (done.source_app, done.source_kind) != NEED_SOURCE:
        return
    uncovered_need_done(
        actor=done.actor,
        key=done.source_id,
        report=done.report,
        hours_tenths=done.hours_tenths,
        volunteers=done.volunteers,
    )


# --- Visits --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitInput:
    client_uuid: uuid.UUID
    checked_in_at: dt.datetime
    checked_out_at: dt.datetime
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    steps: tuple[str, ...] = ()
    satisfaction: int | None = None
    family_note: str = ""
    finding: str = ServiceVisit.Finding.NONE
    finding_note: str = ""


MAX_VISIT_MINUTES = 600
EARTH_METRES = 6_371_000


def distance_metres(a: tuple[Decimal, Decimal], b: tuple[Decimal, Decimal]) -> float:
    lat1, lon1, lat2, lon2 = (math.radians(float(x)) for x in (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_METRES * math.asin(math.sqrt(h))


def may_visit(user: Any, line: OrderLine) -> bool:
    """Whether ``user`` records visits for this line: the permission in its area, for its provider."""
    return any(
        line.area_code.startswith(s.prefix) and s.organisation_id == line.provider_id
        for s in user.scopes_for("eldercare.add_servicevisit")
    )


def _check_visit(line: OrderLine, elder: Elder, contract: Contract, data: VisitInput) -> None:
    errors: dict[str, list[str]] = {}
    if not elder.active:
        errors.setdefault("line", []).append(_("This person is no longer on the care list."))
    if not elder.area_code.startswith(contract.area_prefix):
        errors.setdefault("line", []).append(_("This person lives outside the area of the provider's contract."))
    local_in = timezone.localtime(data.checked_in_at)
    if month_of(local_in.date()) != line.month:
        errors.setdefault("checked_in_at", []).append(_("The visit must fall in the month of the order."))
    if data.checked_in_at > timezone.now() + dt.timedelta(minutes=10):
        errors.setdefault("checked_in_at", []).append(_("The check-in time cannot be in the future."))
    if data.checked_out_at < data.checked_in_at:
        errors.setdefault("checked_out_at", []).append(_("The check-out comes after the check-in."))
    elif (data.checked_out_at - data.checked_in_at) > dt.timedelta(minutes=MAX_VISIT_MINUTES):
        errors.setdefault("checked_out_at", []).append(_("A visit lasts at most 10 hours."))
    if (data.latitude is None) != (data.longitude is None) or (
        data.latitude is not None
        and data.longitude is not None
        and not (-90 <= data.latitude <= 90 and -180 <= data.longitude <= 180)
    ):
        errors.setdefault("location", []).append(_("The location is not valid."))
    steps = steps_for(line.service)
    if any(s not in dict(steps) for s in data.steps) or len(data.steps) > len(steps):
        errors.setdefault("steps", []).append(_("Unknown step of the service."))
    if data.satisfaction is not None and not 1 <= data.satisfaction <= 5:
        errors.setdefault("satisfaction", []).append(_("Satisfaction is 1 to 5."))
    if data.finding not in ServiceVisit.Finding.values:
        errors.setdefault("finding", []).append(_("Choose a finding."))
    elif data.finding != ServiceVisit.Finding.NONE and not data.finding_note.strip():
        errors.setdefault("finding_note", []).append(_("Write what was found."))
    if len(data.family_note) > 300 or len(data.finding_note) > 300:
        errors.setdefault("family_note", []).append(_("Notes are at most 300 characters."))
    if errors:
        raise ValidationError(errors)


@dataclass(frozen=True)
class Recorded:
    visit: ServiceVisit
    created: bool


def visit_record(*, actor: User, line_id: int, data: VisitInput, monitoring_visit: Any = None) -> Recorded:
    """A provider worker's visit for an order line (``line_id``: the subject). Refused (ValidationError) when the
    person is not on the list or lives outside the contract's area, or the times are impossible; flagged — kept, to be
    verified by the township — when the check-in is far from the person's home, overlaps another visit of the worker
    or has no location. An unflagged visit that lasted long enough (``eldercare.visit_checks``) is verified at once.
    A finding of danger or need raises a monitoring warning for the village worker. The same ``client_uuid`` again
    returns the visit received before."""
    with transaction.atomic():
        return _visit_record(actor, line_id, data, monitoring_visit)


def _visit_record(actor: User, line_id: int, data: VisitInput, monitoring_visit: Any) -> Recorded:
    # unscoped: the same UUID arriving twice returns the first, whoever sent it (its line is checked below)
    earlier = ServiceVisit.objects.unscoped().filter(client_uuid=data.client_uuid).first()
    if earlier is not None:
        if earlier.line_id != line_id or earlier.worker_id != actor.pk:
            raise ValidationError({"client_uuid": _("This visit was received for another order.")})
        return Recorded(earlier, False)
    line = (
        OrderLine.objects.restrict(actor, "view")
        .select_for_update(of=("self",))
        .select_related("elder", "contract")
        .filter(pk=line_id)
        .first()
    )
    if line is None or not may_visit(actor, line):
        raise PermissionDenied(_("This person is not assigned to your provider."))
    elder, contract = line.elder, line.contract
    _check_visit(line, elder, contract, data)
    checks = rules.visit_checks(elder.area_code, timezone.localdate())
    flags: list[str] = []
    located = data.latitude is not None and data.longitude is not None
    if not located:
        flags.append("no_location")
    elif elder.home_latitude is not None and elder.home_longitude is not None:
        here = (data.latitude or Decimal(0), data.longitude or Decimal(0))
        if distance_metres(here, (elder.home_latitude, elder.home_longitude)) > int(checks["far_metres"]):
            flags.append("far")
    # unscoped: the worker's own other visits at the same time, whatever their area
    overlapping = ServiceVisit.objects.unscoped().filter(
        worker=actor, checked_in_at__lt=data.checked_out_at, checked_out_at__gt=data.checked_in_at
    )
    if overlapping.exists():
        flags.append("overlap")
    minutes = int((data.checked_out_at - data.checked_in_at).total_seconds() // 60)
    verified = not flags and minutes >= int(checks["min_minutes"])
    now = timezone.now()
    visit = ServiceVisit.objects.create(
        client_uuid=data.client_uuid,
        line=line,
        provider_id=line.provider_id,
        elder=elder,
        area_code=line.area_code,
        worker=actor,
        checked_in_at=data.checked_in_at,
        checked_out_at=data.checked_out_at,
        minutes=minutes,
        latitude=data.latitude,
        longitude=data.longitude,
        steps=list(data.steps),
        satisfaction=data.satisfaction,
        family_note=data.family_note.strip(),
        finding=data.finding,
        finding_note=data.finding_note.strip(),
        flags=flags,
        flagged=bool(flags),
        status=ServiceVisit.Status.VERIFIED if verified else ServiceVisit.Status.RECORDED,
        verified_at=now if verified else None,
        price_fen=int(contract.prices.get(line.service, 0)),
        visit=monitoring_visit,
    )
    # The line counts the visit at once (the worker's list moves on); compliance recomputes it from the visits.
    # unscoped: the line locked above, loaded through the door
    OrderLine.objects.unscoped().filter(pk=line.pk).update(delivered=F("delivered") + 1)
    if verified and located and elder.home_latitude is None:
        elder.home_latitude, elder.home_longitude = data.latitude, data.longitude
        elder.save(update_fields=["home_latitude", "home_longitude"])
    if data.finding != ServiceVisit.Finding.NONE:
        visit.alert = _raise_warning(visit, elder, data)
        visit.save(update_fields=["alert"])
    audit_record(
        actor=actor,
        action="eldercare.visit_recorded",
        obj=visit,
        area_code=visit.area_code,
        after={"line": line.pk, "minutes": minutes, "flags": flags, "status": visit.status, "finding": data.finding},
    )
    return Recorded(visit, True)


FINDING_RULES = {ServiceVisit.Finding.DANGER: "eldercare_danger", ServiceVisit.Finding.NEED: "eldercare_need"}


def _raise_warning(visit: ServiceVisit, elder: Elder, data: VisitInput) -> Alert | None:
    """A monitoring warning to the person's village for a finding of danger or need (one per person, rule and
    month, like every warning), due in the rule's working days."""
    code = FINDING_RULES[ServiceVisit.Finding(data.finding)]
    today = timezone.localdate()
    rule = (
        WarningRule.objects.filter(code=code, active=True, valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .order_by("-version")
        .first()
    )
    if rule is None:
        return None
    period = month_of(today)
    # unscoped: the warning of this rule and month for the person, if one was raised already
    existing = Alert.objects.unscoped().filter(person_id=elder.person_id, rule_code=code, period=period).first()
    if existing is not None:
        return existing
    # unscoped: the person's current household, named on the warning
    household = Membership.objects.unscoped().filter(person_id=elder.person_id, left_on__isnull=True).first()
    alert = Alert.objects.create(
        rule=rule,
        rule_code=code,
        person_id=elder.person_id,
        household_id=household.household_id if household else None,
        area_code=elder.area_code,
        period=period,
        fingerprint=str(visit.client_uuid),
        summary=(_("Care visit: %(note)s") % {"note": data.finding_note.strip()})[:200],
        severity=rule.severity,
        raised_on=today,
        due_on=Calendar().add_working_days(today, rule.deadline_days),
    )
    audit_record(
        actor=None,
        action="monitoring.alerts_raised",
        kind=AuditEvent.Kind.SYSTEM,
        object_type="monitoring.alert",
        object_id=str(alert.pk),
        object_repr=str(today),
        area_code=alert.area_code,
        after={"rule": code, "count": 1},
    )
    return alert


@transaction.atomic
def visit_verify(*, actor: User, visit: ServiceVisit, accept: bool, note: str = "") -> ServiceVisit:
    """The township verifies a flagged (or short) visit, or rejects it with a reason; a rejected visit is never paid."""
    require_scope(actor, "eldercare.change_servicevisit", visit.area_code)
    require_length(note=(note, 300))
    # unscoped: the actor's area was checked above; re-read under lock
    locked = ServiceVisit.objects.unscoped().select_for_update().get(pk=visit.pk)
    if locked.status != ServiceVisit.Status.RECORDED:
        raise ValidationError(_("This visit was verified or rejected already."))
    if not accept and not note.strip():
        raise ValidationError({"note": _("Give the reason for rejecting the visit.")})
    locked.status = ServiceVisit.Status.VERIFIED if accept else ServiceVisit.Status.REJECTED
    locked.verified_by, locked.verified_at = actor, timezone.now()
    locked.save(update_fields=["status", "verified_by", "verified_at"])
    audit_record(
        actor=actor,
        action="eldercare.visit_verified" if accept else "eldercare.visit_rejected",
        obj=locked,
        area_code=locked.area_code,
        after={"status": locked.status, "flags": locked.flags},
        reason=note.strip(),
    )
    return locked


# --- Compliance ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Compliance:
    month: dt.date
    lines: int
    owed: int
    delivered: int
    on_time: int
    missed_lines: int

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.owed if self.owed else None


def _epoch(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM {column})"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"


@transaction.atomic
def compliance_compute(*, month: dt.date) -> Compliance:
    """Owed against delivered for every line of the month, set-based: ``delivered`` counts the visits not rejected;
    ``on_time`` counts those within their share of the month (the k-th of n visits owed by day ⌈k·days/n⌉), at most
    the visits owed. Safe to repeat: it recomputes from the visits."""
    if month.day != 1:
        raise ValidationError({"month": _("Choose a month.")})
    line, visit = _table(OrderLine), _table(ServiceVisit)
    start = timezone.make_aware(dt.datetime.combine(month, dt.time()))
    days = (first_day_of_next_month(month) - month).days
    epoch = int(start.timestamp())
    counted = (
        f"SELECT v.line_id AS line_id, COUNT(*) AS delivered, "
        f"SUM(CASE WHEN v.rn <= v.owed AND {_epoch('v.checked_in_at')} < %s + "
        f"((v.rn * %s + v.owed - 1) / v.owed) * 86400 THEN 1 ELSE 0 END) AS on_time "
        f"FROM (SELECT sv.line_id, sv.checked_in_at, l.owed, "
        f"ROW_NUMBER() OVER (PARTITION BY sv.line_id ORDER BY sv.checked_in_at) AS rn "
        f"FROM {visit} sv JOIN {line} l ON l.id = sv.line_id WHERE l.month = %s AND sv.status <> %s) v "
        f"GROUP BY v.line_id"
    )
    params: list[Any] = [epoch, days, month, str(ServiceVisit.Status.REJECTED)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH counted AS ({counted}) UPDATE {line} SET delivered = counted.delivered, "
            f"on_time = counted.on_time FROM counted WHERE {line}.id = counted.line_id "
            f"AND ({line}.delivered <> counted.delivered OR {line}.on_time <> counted.on_time)",
            params,
        )
        cursor.execute(
            f"UPDATE {line} SET delivered = 0, on_time = 0 WHERE month = %s AND delivered > 0 AND NOT EXISTS "
            f"(SELECT 1 FROM {visit} sv WHERE sv.line_id = {line}.id AND sv.status <> %s)",
            [month, ServiceVisit.Status.REJECTED],
        )
    return compliance_totals(month=month)


def compliance_totals(*, month: dt.date, provider_id: int | None = None, area_prefix: str = "") -> Compliance:
    """The month's owed, delivered (at most owed per line) and on-time visits (a system read; pages pass a scope)."""
    line, where = _table(OrderLine), ["month = %s"]
    params: list[Any] = [month]
    if provider_id is not None:
        where.append("provider_id = %s")
        params.append(provider_id)
    if area_prefix:
        where.append("area_code LIKE %s")
        params.append(area_prefix + "%")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), COALESCE(SUM(owed), 0), "
            f"COALESCE(SUM(CASE WHEN delivered < owed THEN delivered ELSE owed END), 0), "
            f"COALESCE(SUM(on_time), 0), COALESCE(SUM(CASE WHEN delivered < owed THEN 1 ELSE 0 END), 0) "
            f"FROM {line} WHERE {' AND '.join(where)}",
            params,
        )
        n, owed, delivered, on_time, missed = cursor.fetchone()
    return Compliance(month, int(n), int(owed), int(delivered), int(on_time), int(missed))


@transaction.atomic
def missed_acknowledge(*, actor: User, line: OrderLine) -> OrderLine:
    """The township has seen a line whose month ended with visits missing (it leaves the to-do list)."""
    require_scope(actor, "eldercare.change_orderline", line.area_code)
    # unscoped: the actor's area was checked above; re-read under lock
    locked = OrderLine.objects.unscoped().select_for_update().get(pk=line.pk)
    if locked.month >= month_of(timezone.localdate()) or locked.delivered >= locked.owed:
        raise ValidationError(_("Only a line of an ended month with visits missing is acknowledged."))
    if locked.missed_seen_by_id is not None:
        raise ValidationError(_("This line was acknowledged already."))
    locked.missed_seen_by = actor
    locked.save(update_fields=["missed_seen_by"])
    audit_record(
        actor=actor,
        action="eldercare.missed_acknowledged",
        obj=locked,
        area_code=locked.area_code,
        after={"owed": locked.owed, "delivered": locked.delivered},
    )
    return locked


# --- Settlement ----------------------------------------------------------------------------------------------------


def _may_for_provider(actor: User, permission: str, provider: Provider) -> bool:
    return scope_allows(actor, permission, provider.area_code)


def _settlement_snapshot(s: Settlement) -> dict[str, Any]:
    return {"status": s.status, "visits": s.visit_count, "total_fen": s.total_fen, "month": s.month.isoformat()}


@transaction.atomic
def settlement_generate(*, actor: User, provider: Provider, month: dt.date) -> Settlement:
    """Prepare (or prepare again) a provider's settlement of an ended month from its verified visits of that month
    not settled yet (one set-based UPDATE under the settlement's lock); each visit is settled once (its foreign key).
    A second run adds nothing twice; an approved settlement is frozen."""
    if not _may_for_provider(actor, "eldercare.add_settlement", provider):
        raise PermissionDenied(_("You may not prepare the settlements of this provider."))
    settlement = settlement_draft(
        # unscoped: the actor's right on the provider's area was checked above
        Settlement.objects.unscoped(),
        month_field="month",
        month=month,
        area_code=provider.area_code,
        provider=provider,
    )
    before = _settlement_snapshot(settlement)
    # unscoped: this provider's verified unsettled visits of the month, under the settlement's lock
    added = (
        ServiceVisit.objects.unscoped()
        .filter(provider=provider, line__month=month, status=ServiceVisit.Status.VERIFIED, settlement__isnull=True)
        .update(settlement=settlement)
    )
    settlement_prepared(settlement, actor=actor, joined=settlement.visits.all(), price_field="price_fen")
    audit_record(
        actor=actor,
        action="eldercare.settlement_prepared",
        obj=settlement,
        area_code=settlement.area_code,
        before=before,
        after={**_settlement_snapshot(settlement), "added": added},
    )
    return settlement


@transaction.atomic
def settlement_approve(*, actor: User, settlement: Settlement) -> Settlement:
    """The checker approves a draft somebody else prepared; from now on it cannot change."""
    if not scope_allows(actor, "eldercare.approve_settlement", settlement.area_code):
        raise PermissionDenied(_("You may not approve the settlements of this provider."))
    locked, before = settlement_approved(
        # unscoped: the actor's right on the area was checked above; re-read under lock
        Settlement.objects.unscoped(),
        settlement.pk,
        actor=actor,
        nothing_to_pay=_("This settlement has no visit to pay."),
        snapshot=_settlement_snapshot,
    )
    audit_record(
        actor=actor,
        action="eldercare.settlement_approved",
        obj=locked,
        area_code=locked.area_code,
        before=before,
        after=_settlement_snapshot(locked),
    )
    return locked


@transaction.atomic
def settlement_pay(*, actor: User, settlement: Settlement) -> Settlement:
    """Record that the approved settlement was paid: once (a guarded UPDATE)."""
    if not scope_allows(actor, "eldercare.pay_settlement", settlement.area_code):
        raise PermissionDenied(_("You may not pay the settlements of this provider."))
    # unscoped: the actor's right on the area was checked above; the status guards the race
    settlement = settlement_paid(Settlement.objects.unscoped(), settlement, actor=actor)
    audit_record(
        actor=actor,
        action="eldercare.settlement_paid",
        obj=settlement,
        area_code=settlement.area_code,
        after=_settlement_snapshot(settlement),
    )
    return settlement


# --- 尊老金: the liveness check and the death check -------------------------------------------------------------


@transaction.atomic
def liveness_open(*, year: int, on: dt.date | None = None) -> int:
    """Open the year's liveness check of every running 尊老金 benefit (set-based, once per benefit and year)."""
    on = on or timezone.localdate()
    if not 2000 <= year <= on.year + 1:
        raise ValidationError({"year": _("Choose a year.")})
    start = dt.date(year, 1, 1)
    # unscoped: a city-wide system job over the running 尊老金 benefits
    running = Benefit.objects.unscoped().filter(programme=Programme.ELDERLY, status__in=RUNNING)
    rows_by_area = rules.in_force("eldercare.liveness_due_days", start)
    # unscoped: the benefits already opened this year
    have = set(LivenessCheck.objects.unscoped().filter(year=year).values_list("benefit_id", flat=True))
    new = []
    for benefit_id, payee_id, area in running.values_list("id", "payee_id", "area_code").iterator(chunk_size=CHUNK):
        if benefit_id in have:
            continue
        row = rules.for_area(rows_by_area, area)
        days = int(row.value) if row else 365
        new.append(
            LivenessCheck(
                benefit_id=benefit_id,
                person_id=payee_id,
                area_code=area,
                year=year,
                due_on=start + dt.timedelta(days=days - 1),
            )
        )
    LivenessCheck.objects.bulk_create(new, batch_size=CHUNK, ignore_conflicts=True)
    if new:
        audit_record(
            actor=None,
            action="eldercare.liveness_opened",
            kind=AuditEvent.Kind.SYSTEM,
            object_type="eldercare.livenesscheck",
            object_repr=str(year),
            area_code="",
            after={"year": year, "count": len(new)},
        )
    return len(new)


@transaction.atomic
def liveness_confirm(*, actor: User, check: LivenessCheck, method: str, alive: bool = True) -> LivenessCheck:
    """The village worker confirms the person alive (seen at home, at the window, by video) or not found."""
    require_scope(actor, "eldercare.change_livenesscheck", check.area_code)
    if method not in LivenessCheck.Method.values:
        raise ValidationError({"method": _("Choose how the person was seen.")})
    # unscoped: the actor's area was checked above; re-read under lock
    locked = LivenessCheck.objects.unscoped().select_for_update().get(pk=check.pk)
    if locked.status != LivenessCheck.Status.DUE:
        raise ValidationError(_("This liveness check is done already."))
    locked.status = LivenessCheck.Status.CONFIRMED if alive else LivenessCheck.Status.FAILED
    locked.method, locked.confirmed_by, locked.confirmed_on = method, actor, timezone.localdate()
    locked.save(update_fields=["status", "method", "confirmed_by", "confirmed_on"])
    audit_record(
        actor=actor,
        action="eldercare.liveness_confirmed",
        obj=locked,
        area_code=locked.area_code,
        after={"status": locked.status, "method": method},
    )
    return locked


@transaction.atomic
def deaths_check(*, month: dt.date) -> int:
    """The month's death check: the police deaths (``police_death``) of the exchange received in the month and
    matched to a person whose 尊老金 is still paid become findings for the county (once per benefit)."""
    if month.day != 1:
        raise ValidationError({"month": _("Choose a month.")})
    start = timezone.make_aware(dt.datetime.combine(month, dt.time()))
    end = timezone.make_aware(dt.datetime.combine(first_day_of_next_month(month), dt.time()))
    # unscoped: a city-wide system job over the month's matched death records
    deaths = FeedRecord.objects.unscoped().filter(
        feed__source__code="police_death",
        match=FeedRecord.Match.MATCHED,
        feed__received_at__gte=start,
        feed__received_at__lt=end,
    )
    died: dict[int, tuple[int, dt.date | None]] = {}
    for record_id, person_id, on in deaths.values_list("id", "person_id", "on").iterator(chunk_size=CHUNK):
        died.setdefault(person_id, (record_id, on))
    if not died:
        return 0
    new = []
    ids = sorted(died)
    for s in range(0, len(ids), CHUNK):
        # unscoped: the running 尊老金 benefits of the persons reported dead
        paid = Benefit.objects.unscoped().filter(
            programme=Programme.ELDERLY, status__in=RUNNING, payee_id__in=ids[s : s + CHUNK]
        )
        for benefit_id, payee_id, area in paid.values_list("id", "payee_id", "area_code"):
            record_id, on = died[payee_id]
            new.append(
                DeathFinding(
                    benefit_id=benefit_id,
                    person_id=payee_id,
                    area_code=area,
                    died_on=on or month,
                    record_id=record_id,
                    month=month,
                )
            )
    written = DeathFinding.objects.bulk_create(new, batch_size=CHUNK, ignore_conflicts=True)
    if new:
        audit_record(
            actor=None,
            action="eldercare.deaths_checked",
            kind=AuditEvent.Kind.SYSTEM,
            object_type="eldercare.deathfinding",
            object_repr=f"{month:%Y-%m}",
            area_code="",
            after={"month": month.isoformat(), "findings": len(written)},
        )
    return len(new)


@transaction.atomic
def death_handle(*, actor: User, finding: DeathFinding, stop: bool, note: str) -> DeathFinding:
    """The county stops the 尊老金 (through the programme's own stop, from the month after the death) or dismisses the
    finding (the person is alive: a wrong match), with a note."""
    require_scope(actor, "eldercare.change_deathfinding", finding.area_code)
    require_length(note=(note, 300))
    if not note.strip():
        raise ValidationError({"note": _("Write a note.")})
    # unscoped: the actor's area was checked above; re-read under lock
    locked = DeathFinding.objects.unscoped().select_for_update().get(pk=finding.pk)
    if locked.status != DeathFinding.Status.OPEN:
        raise ValidationError(_("This finding was handled already."))
    if stop:
        # unscoped: the finding's own benefit, stopped through the programme's service (which checks the actor)
        benefit = Benefit.objects.unscoped().get(pk=locked.benefit_id)
        if benefit.status in RUNNING:
            benefit_stop(
                actor=actor,
                benefit=benefit,
                reason=_("Died on %(date)s (the data exchange's death check).") % {"date": locked.died_on.isoformat()},
                from_month=max(first_day_of_next_month(locked.died_on), month_of(timezone.localdate())),
            )
    locked.status = DeathFinding.Status.STOPPED if stop else DeathFinding.Status.DISMISSED
    locked.handled_by, locked.handled_on, locked.note = actor, timezone.localdate(), note.strip()
    locked.save(update_fields=["status", "handled_by", "handled_on", "note"])
    audit_record(
        actor=actor,
        action="eldercare.death_handled",
        obj=locked,
        area_code=locked.area_code,
        after={"status": locked.status},
        reason=note.strip(),
    )
    return locked


def ids_in(rows: Iterable[Any]) -> list[int]:
    return [r.pk for r in rows]


def nightly(*, today: dt.date | None = None) -> dict[str, int]:
    """The nightly run (``eldercare.nightly``, ``manage.py eldercare_nightly``): refresh, orders, compliance, deaths."""
    today = today or timezone.localdate()
    month = month_of(today)
    run = targets_refresh(on=today)
    generated = orders_generate(month=month)
    previous = month_of(month - dt.timedelta(days=1))
    compliance_compute(month=previous)
    now = compliance_compute(month=month)
    deaths = deaths_check(month=month)
    return {
        "elders": run.active,
        "added": run.added,
        "ended": run.ended,
        "lines": generated.lines,
        "owed": now.owed,
        "delivered": now.delivered,
        "deaths": deaths,
    }
