"""Writes of funeral services: facilities and catalogues, price filing and its review, public reports of prices,
funeral cases with their cremation, the 惠民殡葬 waiver and its monthly settlement (DOMAIN §6.6).

A facility's staff act on their own facility only: the door (``restrict``) keeps their facility's rows, and
``_facility_for`` checks it before a write. Amounts are integer fen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.areas.models import Division
from minsheng.assistance.benefits.models import Benefit
from minsheng.assistance.programmes import Programme
from minsheng.assistance.rules.models import Parameter
from minsheng.assistance.rules.selectors import MissingParameter, parameter_for
from minsheng.audit.services import audit_record
from minsheng.core.crypto import blind_index, mask_id_number, mask_phone
from minsheng.core.forms import MAX_FEN
from minsheng.core.modules import publish
from minsheng.core.months import month_of
from minsheng.core.scoping import lock_in_scope, require_scope
from minsheng.core.settlements import settlement_approved, settlement_draft, settlement_paid, settlement_prepared
from minsheng.funeral.models import (
    Complaint,
    Facility,
    FiledPrice,
    FuneralCase,
    PriceFiling,
    PriceItem,
    ReportAttempt,
    Settlement,
    Waiver,
)
from minsheng.people.idnumbers import InvalidIdNumber, parse_id_number
from minsheng.people.models import Membership, Person
from minsheng.people.services import PHONE_PATTERN
from minsheng.workdays.services import Calendar

if TYPE_CHECKING:
    from minsheng.accounts.models import User

WAIVER_SERVICES = "funeral.waiver_services"
WAIVER_GROUPS = "funeral.waiver_groups"
ANSWER_DAYS = "funeral.complaint_answer_days"
# Programmes that cover a whole household (the deceased is covered as a member); the others pay the person.
HOUSEHOLD_PROGRAMMES = frozenset({Programme.DIBAO, Programme.EDGE, Programme.RIGID})


def _rule(key: str, area_code: str, on: dt.date) -> Parameter:
    try:
        return parameter_for(key, area_code=area_code, on=on)
    except MissingParameter:
        raise ValidationError(
            _("No value of the rule %(rule)s applies here on %(date)s: a city administrator must enter one.")
            % {"rule": key, "date": on}
        ) from None


def _text(value: str, field: str, message: str, limit: int = 500) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValidationError({field: message})
    if len(value) > limit:
        raise ValidationError({field: _("At most %(limit)d characters.") % {"limit": limit}})
    return value


def _may_for_facility(actor: User, permission: str, facility: Facility) -> bool:
    """Whether the actor holds ``permission`` in the facility's area, and for its organisation if bound to one."""
    if actor is None or not (actor.is_authenticated and actor.is_active):
        return False
    return any(
        facility.area_code.startswith(scope.prefix)
        and (scope.organisation_id is None or scope.organisation_id == facility.pk)
        for scope in actor.scopes_for(permission)
    )


def _require_facility(actor: User, permission: str, facility: Facility) -> Facility:
    if not _may_for_facility(actor, permission, facility):
        raise PermissionDenied(_("This facility is outside what you may work on."))
    # unscoped: the actor's right on the facility is checked just above; re-read under lock
    return Facility.objects.unscoped().select_for_update().get(pk=facility.pk)


def _require_fen(value: Any, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError({field: _("Enter the price in yuan as a number.")})
    if value <= 0:
        raise ValidationError({field: _("A price is above zero.")})
    if value > MAX_FEN:
        raise ValidationError({field: _("The amount is above ¥1,000,000; check it.")})
    return value


# --- Facilities and catalogues -----------------------------------------------------------------------------------


@transaction.atomic
def facility_create(
    *,
    actor: User,
    area: Division,
    kind: str,
    name: str,
    operator: str,
    address: str = "",
    approval_number: str = "",
    approved_by: str = "",
    approved_on: dt.date | None = None,
    phone: str = "",
) -> Facility:
    require_scope(actor, "funeral.add_facility", area.code)
    if kind not in Facility.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of facility from the list.")})
    name = _text(name, "name", _("Name the facility."), 100)
    operator = _text(operator, "operator", _("Name the operator."), 100)
    if kind in Facility.CEMETERIES and not approval_number.strip():
        raise ValidationError({"approval_number": _("A cemetery needs its approval document number.")})
    if approved_on is not None and approved_on > timezone.localdate():
        raise ValidationError({"approved_on": _("The date cannot be in the future.")})
    # unscoped: uniqueness spans all areas: one facility of a name in a division
    if Facility.objects.unscoped().filter(area_code=area.code, name=name).exists():
        raise ValidationError({"name": _("A facility of this name exists here already.")})
    facility = Facility.objects.create(
        kind=kind,
        name=name,
        area_code=area.code,
        operator=operator,
        address=address.strip()[:200],
        approval_number=approval_number.strip()[:100],
        approved_by=approved_by.strip()[:100],
        approved_on=approved_on,
        phone=phone.strip()[:30],
    )
    audit_record(
        actor=actor,
        action="funeral.facility_created",
        obj=facility,
        area_code=facility.area_code,
        after={"kind": kind, "name": name, "operator": operator, "approval_number": facility.approval_number},
    )
    return facility


@transaction.atomic
def price_item_add(*, actor: User, facility: Facility, kind: str, name: str, unit: str = "个") -> PriceItem:
    locked = _require_facility(actor, "funeral.add_priceitem", facility)
    if kind not in PriceItem.Kind.values:
        raise ValidationError({"kind": _("Choose plot or service.")})
    name = _text(name, "name", _("Name the item."), 100)
    if locked.items.filter(name=name).exists():
        raise ValidationError({"name": _("The catalogue has this item already.")})
    item = PriceItem.objects.create(
        facility=locked, kind=kind, name=name, unit=unit.strip()[:20] or "个", sort_order=locked.items.count() + 1
    )
    audit_record(
        actor=actor,
        action="funeral.item_added",
        obj=locked,
        area_code=locked.area_code,
        after={"item": item.pk, "kind": kind, "name": name, "unit": item.unit},
    )
    return item


# --- Price filing -----------------------------------------------------------------------------------------------


def prices_in_force(facility: Facility, on: dt.date) -> dict[int, FiledPrice]:
    """Item id → the filed price in force on ``on``: the latest accepted filing effective by then, item by item."""
    rows = (
        FiledPrice.objects.filter(
            filing__facility=facility, filing__status=PriceFiling.Status.ACCEPTED, filing__effective_from__lte=on
        )
        .select_related("filing", "item")
        .order_by("item_id", "-filing__effective_from")
    )
    found: dict[int, FiledPrice] = {}
    for row in rows:
        found.setdefault(row.item_id, row)
    return found


@transaction.atomic
def filing_submit(
    *, actor: User, facility: Facility, effective_from: dt.date, prices: Mapping[int, int], note: str = ""
) -> PriceFiling:
    """File new prices (item id → fen) from a future date; the bureau reviews them before they are in force."""
    locked = _require_facility(actor, "funeral.add_pricefiling", facility)
    today = timezone.localdate()
    if effective_from <= today:
        raise ValidationError({"effective_from": _("New prices take effect after the day of filing, not before.")})
    if effective_from > today + dt.timedelta(days=366):
        raise ValidationError({"effective_from": _("The effective date is more than a year ahead; check it.")})
    if not prices:
        raise ValidationError({"prices": _("Enter at least one price.")})
    items = {item.pk: item for item in locked.items.filter(active=True)}
    unknown = set(prices) - set(items)
    if unknown:
        raise ValidationError({"prices": _("A price names an item that is not in this facility's catalogue.")})
    for item_id, fen in prices.items():
        _require_fen(fen, f"price_{item_id}")
    # unscoped: uniqueness check: one submitted filing per facility, on the facility locked above
    if PriceFiling.objects.unscoped().filter(facility=locked, status=PriceFiling.Status.SUBMITTED).exists():
        raise ValidationError(_("A filing of this facility is waiting for review already."))
    filing = PriceFiling.objects.create(
        facility=locked,
        area_code=locked.area_code,
        effective_from=effective_from,
        note=note.strip()[:500],
        submitted_by=actor,
    )
    FiledPrice.objects.bulk_create(
        [FiledPrice(filing=filing, item_id=item_id, price_fen=fen) for item_id, fen in sorted(prices.items())]
    )
    audit_record(
        actor=actor,
        action="funeral.filing_submitted",
        obj=filing,
        area_code=filing.area_code,
        after={"effective_from": effective_from, "prices": {items[k].name: v for k, v in sorted(prices.items())}},
        reason=note,
    )
    return filing


@transaction.atomic
def filing_review(*, actor: User, filing: PriceFiling, accept: bool, note: str = "") -> PriceFiling:
    """The bureau accepts the filing (its prices are in force from its date, each with the change against the price
    before) or returns it with the reason. Race-safe: the row is locked and its status re-read."""
    row = lock_in_scope(PriceFiling, filing.pk, actor, "review", message=_("This filing is outside your areas."))
    if row.status != PriceFiling.Status.SUBMITTED:
        raise ValidationError(_("This filing has been reviewed already."))
    if row.submitted_by_id == getattr(actor, "pk", None):
        raise PermissionDenied(_("A filing is reviewed by somebody other than who filed it."))
    if not accept and not note.strip():
        raise ValidationError({"note": _("Say why the filing is returned.")})
    if accept and row.effective_from <= timezone.localdate():
        raise ValidationError(
            {"effective_from": _("The effective date has passed; return the filing so that a new date is filed.")}
        )
    if accept:
        before = prices_in_force(row.facility, row.effective_from - dt.timedelta(days=1))
        for price in row.prices.all():
            previous = before.get(price.item_id)
            price.previous_fen = previous.price_fen if previous else None
            price.save(update_fields=["previous_fen"])
    row.status = PriceFiling.Status.ACCEPTED if accept else PriceFiling.Status.RETURNED
    row.reviewed_by = actor
    row.reviewed_at = timezone.now()
    row.review_note = note.strip()[:500]
    try:
        with transaction.atomic():
            row.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    except IntegrityError:
        raise ValidationError(
            {"effective_from": _("Prices effective on this date are filed already; return this filing.")}
        ) from None
    audit_record(
        actor=actor,
        action="funeral.filing_accepted" if accept else "funeral.filing_returned",
        obj=row,
        area_code=row.area_code,
        after={
            "status": row.status,
            "changes": {p.item.name: p.change_permille for p in row.prices.select_related("item")} if accept else {},
        },
        reason=note,
    )
    return row


# --- Public reports ------------------------------------------------------------------------------------------------


class TooManyReports(Exception):
    """The client address sent too many reports within the window; try again later."""


def _receipt_number(area_code: str, day: dt.date) -> str:
    prefix = f"TS{area_code[:6]}{day:%Y%m%d}"
    # unscoped: receipt numbering counts every report of the county's day, whoever may see them
    last = Complaint.objects.unscoped().filter(receipt_number__startswith=prefix).order_by("-receipt_number").first()
    return f"{prefix}{(int(last.receipt_number[-4:]) + 1) if last else 1:04d}"


def report_attempt(*, client_ip: str | None) -> None:
    """Count a report from this address (in its own transaction, so that a refused report still counts) and refuse
    it beyond ``FUNERAL_REPORTS_PER_ADDRESS`` within ``FUNERAL_REPORT_WINDOW_SECONDS``."""
    since = timezone.now() - dt.timedelta(seconds=settings.FUNERAL_REPORT_WINDOW_SECONDS)
    with transaction.atomic():
        recent = ReportAttempt.objects.filter(client_ip=client_ip, attempted_at__gte=since).count()
        ReportAttempt.objects.create(client_ip=client_ip, accepted=recent < settings.FUNERAL_REPORTS_PER_ADDRESS)
    if recent >= settings.FUNERAL_REPORTS_PER_ADDRESS:
        raise TooManyReports


@transaction.atomic
def complaint_submit(
    *,
    facility: Facility,
    kind: str,
    text: str,
    contact_name: str,
    contact_phone: str,
    charged_fen: int | None = None,
) -> Complaint:
    """A report from the public page (no account): kept with a receipt number and the answer deadline in working days
    (``funeral.complaint_answer_days``). The caller counts the attempt first (``report_attempt``)."""
    if not facility.active:
        raise ValidationError({"facility": _("Choose a facility from the list.")})
    if kind not in Complaint.Kind.values:
        raise ValidationError({"kind": _("Choose what the report is about.")})
    text = _text(text, "text", _("Say what happened: which item, what was charged, when."), 2000)
    contact_name = _text(contact_name, "contact_name", _("Give a name we can answer to."), 50)
    phone = contact_phone.replace(" ", "")
    if not PHONE_PATTERN.match(phone):
        raise ValidationError({"contact_phone": _("Enter an 11-digit mobile number or a landline with its area code.")})
    if charged_fen is not None:
        _require_fen(charged_fen, "charged")
    today = timezone.localdate()
    rule = _rule(ANSWER_DAYS, facility.area_code, today)
    for attempt in range(3):
        try:
            with transaction.atomic():
                complaint = Complaint.objects.create(
                    facility=facility,
                    area_code=facility.area_code,
                    receipt_number=_receipt_number(facility.area_code, today),
                    kind=kind,
                    text=text,
                    charged_fen=charged_fen,
                    contact_name=contact_name,
                    contact_phone=phone,
                    contact_phone_masked=mask_phone(phone),
                    answer_due=Calendar().add_working_days(today, int(rule.value)),
                    answer_parameter=rule.pk,
                )
                break
        except IntegrityError:
            if attempt == 2:
                raise
    audit_record(
        actor=None,
        action="funeral.report_received",
        obj=complaint,
        area_code=complaint.area_code,
        after={"facility": facility.pk, "kind": kind, "answer_due": complaint.answer_due},
    )
    return complaint


@transaction.atomic
def complaint_answer(*, actor: User, complaint: Complaint, answer: str) -> Complaint:
    answer = _text(answer, "answer", _("Write the answer."), 2000)
    updated = (
        Complaint.objects.restrict(actor, "change")
        .filter(pk=complaint.pk, status=Complaint.Status.OPEN)
        .update(status=Complaint.Status.ANSWERED, answer=answer, answered_by=actor, answered_at=timezone.now())
    )
    if updated != 1:
        if not Complaint.objects.restrict(actor, "change").filter(pk=complaint.pk).exists():
            raise PermissionDenied(_("This report is outside your areas."))
        raise ValidationError(_("This report has been answered already."))
    complaint.refresh_from_db()
    audit_record(
        actor=actor,
        action="funeral.report_answered",
        obj=complaint,
        area_code=complaint.area_code,
        after={"status": complaint.status, "on_time": timezone.localdate() <= complaint.answer_due},
        reason=answer,
    )
    return complaint


# --- Funeral cases, cremation and the waiver -----------------------------------------------------------------------


def _case_number(area_code: str, day: dt.date) -> str:
    prefix = f"BZ{area_code[:6]}{day:%Y%m%d}"
    # unscoped: case numbering counts every case of the county's day, whoever may see them
    last = FuneralCase.objects.unscoped().filter(number__startswith=prefix).order_by("-number").first()
    return f"{prefix}{(int(last.number[-4:]) + 1) if last else 1:04d}"


@transaction.atomic
def case_register(*, actor: User, facility: Facility, name: str, id_number: str, died_on: dt.date) -> FuneralCase:
    """A funeral home registers the deceased: name, ID number (kept encrypted, with its blind index), date of death."""
    locked = _require_facility(actor, "funeral.add_funeralcase", facility)
    if locked.kind not in Facility.FUNERAL_SERVICES:
        raise ValidationError({"facility": _("Only a funeral home or a crematorium registers the deceased.")})
    name = _text(name, "name", _("Enter the name of the deceased."), 50)
    try:
        number = parse_id_number(id_number).number
    except InvalidIdNumber as exc:
        raise ValidationError({"id_number": str(exc)}) from None
    if died_on > timezone.localdate():
        raise ValidationError({"died_on": _("The date cannot be in the future.")})
    index = blind_index(number)
    # unscoped: uniqueness spans all facilities: one case per deceased
    if FuneralCase.objects.unscoped().filter(id_index=index).exists():
        raise ValidationError({"id_number": _("A funeral case for this ID number exists already.")})
    case = FuneralCase.objects.create(
        facility=locked,
        area_code=locked.area_code,
        number=_case_number(locked.area_code, timezone.localdate()),
        deceased_name=name,
        id_number=number,
        id_index=index,
        id_masked=mask_id_number(number),
        died_on=died_on,
        registered_by=actor,
    )
    audit_record(
        actor=actor,
        action="funeral.case_registered",
        obj=case,
        area_code=case.area_code,
        after={"number": case.number, "name": name, "id": case.id_masked, "died_on": died_on},
    )
    return case


# The death feed's hook: published inside ``cremation_record``'s transaction for any module that subscribes to it (the
# data exchange, when it lands); the payload is a ``Cremation``.
PERSON_CREMATED = "funeral.person_cremated"


@dataclass(frozen=True)
class Cremation:
    """What a death feed needs from a cremation record: the ID's blind index (the registry's ``Person.id_index``, never
    the number), the dates and the certificate. Marking the person deceased is the registry's own service's work."""

    case: int
    id_index: str
    died_on: dt.date
    cremated_on: dt.date
    certificate: str
    area_code: str


def _case_locked(actor: User, case: FuneralCase, action: str) -> FuneralCase:
    return lock_in_scope(FuneralCase, case.pk, actor, action, message=_("This case is outside what you may work on."))


@transaction.atomic
def cremation_record(*, actor: User, case: FuneralCase, cremated_on: dt.date, certificate: str) -> FuneralCase:
    """Record the cremation. The case then is the death feed's record for the data exchange (docs/modules/funeral.md,
    "Funeral services"): it carries the ID's blind index, which a feed matches against the registry, and the event
    ``funeral.person_cremated`` is published to the modules that subscribe."""
    row = _case_locked(actor, case, "change")
    if row.cremated_on is not None:
        raise ValidationError(_("The cremation is recorded already."))
    if cremated_on < row.died_on:
        raise ValidationError({"cremated_on": _("The cremation cannot be before the death.")})
    if cremated_on > timezone.localdate():
        raise ValidationError({"cremated_on": _("The date cannot be in the future.")})
    certificate = _text(certificate, "certificate", _("Enter the cremation certificate number."), 40)
    row.cremated_on, row.cremation_certificate = cremated_on, certificate
    row.save(update_fields=["cremated_on", "cremation_certificate"])
    audit_record(
        actor=actor,
        action="funeral.cremated",
        obj=row,
        area_code=row.area_code,
        after={"cremated_on": cremated_on, "certificate": certificate, "id": row.id_masked},
    )
    publish(
        PERSON_CREMATED,
        Cremation(
            case=row.pk,
            id_index=row.id_index,
            died_on=row.died_on,
            cremated_on=cremated_on,
            certificate=certificate,
            area_code=row.area_code,
        ),
    )
    return row


def running_on(day: dt.date) -> Q:
    """Benefits paying on ``day``: active or tapering, or stopped only from a later month."""
    return Q(status__in=[Benefit.Status.ACTIVE, Benefit.Status.TAPERING]) | Q(
        status=Benefit.Status.STOPPED, stopped_from__gt=month_of(day)
    )


def eligibility(*, id_index: str, on: dt.date, groups: Iterable[str]) -> Benefit | None:
    """The running benefit that makes the deceased eligible, from the platform's own records, or None.

    A system read of the registry and the benefits: the facility's staff learn only whether the waiver applies."""
    # unscoped: registry and benefits read by the system: the facility's staff learn only whether it applies
    person = Person.objects.unscoped().filter(id_index=id_index, merged_into__isnull=True).first()
    if person is None:
        return None
    wanted = [g for g in groups if g in Programme.values]
    # unscoped: the households of the deceased found just above, for the eligibility check only
    households = (
        Membership.objects.unscoped()
        .filter(person=person, joined_on__lte=on)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=on))
        .values("household_id")
    )
    condition = Q(programme__in=[g for g in wanted if g not in HOUSEHOLD_PROGRAMMES], payee=person) | Q(
        programme__in=[g for g in wanted if g in HOUSEHOLD_PROGRAMMES], household_id__in=households
    )
    # unscoped: the running benefits of the deceased or their household, for the eligibility check only
    rows = Benefit.objects.unscoped().filter(condition).filter(running_on(on))
    order = {g: n for n, g in enumerate(wanted)}
    return min(rows, key=lambda b: (order[b.programme], b.pk), default=None)


def waiver_services(area_code: str, on: dt.date) -> tuple[Parameter, dict[str, tuple[str, int]]]:
    """The basic services waived in force (code → (label, most waived in fen)) and the rule row."""
    rule = _rule(WAIVER_SERVICES, area_code, on)
    return rule, {row["service"]: (row["label"], int(row["fen"])) for row in rule.value}


@transaction.atomic
def waiver_register(*, actor: User, case: FuneralCase, services: Iterable[str]) -> Waiver:
    """惠民殡葬: waive the basic services given, when the platform's own records show the deceased in an eligible group
    (``funeral.waiver_groups``) on the day of death; the amounts are those in force (``funeral.waiver_services``)."""
    row = _case_locked(actor, case, "change")
    if not _may_for_facility(actor, "funeral.add_waiver", row.facility):
        raise PermissionDenied(_("This case is outside what you may work on."))
    # unscoped: uniqueness check: one waiver per case, on the case locked and checked above
    if Waiver.objects.unscoped().filter(case=row).exists():
        raise ValidationError(_("The fees of this case are waived already."))
    chosen = sorted(set(services))
    services_rule, offered = waiver_services(row.area_code, row.died_on)
    if not chosen or set(chosen) - set(offered):
        raise ValidationError({"services": _("Choose the basic services given from the list.")})
    groups_rule = _rule(WAIVER_GROUPS, row.area_code, row.died_on)
    benefit = eligibility(id_index=row.id_index, on=row.died_on, groups=groups_rule.value)
    if benefit is None:
        labels = "、".join(str(Programme(g).label) for g in groups_rule.value if g in Programme.values)
        raise ValidationError(
            _(
                "Not eligible for the waiver: the platform's records show no running benefit of %(groups)s for this "
                "person on the day of death."
            )
            % {"groups": labels}
        )
    lines = [{"service": s, "label": offered[s][0], "fen": offered[s][1]} for s in chosen]
    now = timezone.now()
    waiver = Waiver.objects.create(
        case=row,
        facility=row.facility,
        area_code=row.area_code,
        group=benefit.programme,
        benefit=benefit,
        services=lines,
        total_fen=sum(line["fen"] for line in lines),
        services_parameter=services_rule.pk,
        groups_parameter=groups_rule.pk,
        month=month_of(timezone.localtime(now).date()),
        registered_at=now,
        registered_by=actor,
    )
    audit_record(
        actor=actor,
        action="funeral.waiver_registered",
        obj=row,
        area_code=row.area_code,
        after={"group": waiver.group, "benefit": benefit.pk, "services": chosen, "total_fen": waiver.total_fen},
    )
    return waiver


# --- Monthly settlement (maker-checker, paid once) -----------------------------------------------------------------

PREPARE = "funeral.add_settlement"
APPROVE = "funeral.approve_settlement"
PAY = "funeral.pay_settlement"


def _snapshot(settlement: Settlement) -> dict[str, Any]:
    return {
        "facility": settlement.facility_id,
        "period": settlement.period,
        "status": settlement.status,
        "case_count": settlement.case_count,
        "total_fen": settlement.total_fen,
    }


@transaction.atomic
def settlement_generate(*, actor: User, facility: Facility, period: dt.date) -> Settlement:
    """Prepare (or prepare again) a funeral home's settlement of a month that has ended: every waiver of that month
    not settled yet joins it (one set-based UPDATE), then the totals. Idempotent; an approved settlement is frozen."""
    if not _may_for_facility(actor, PREPARE, facility):
        raise PermissionDenied(_("You may not prepare the settlements of this facility."))
    settlement = settlement_draft(
        # unscoped: the actor's right in the facility was checked just above
        Settlement.objects.unscoped(),
        month_field="period",
        month=period,
        area_code=facility.area_code,
        facility=facility,
    )
    before = _snapshot(settlement)
    # unscoped: this facility's unsettled waivers of the month, under the settlement's lock
    added = (
        Waiver.objects.unscoped()
        .filter(facility=facility, month=period, settlement__isnull=True)
        .update(settlement=settlement)
    )
    settlement_prepared(settlement, actor=actor, joined=settlement.waivers.all(), price_field="total_fen")
    audit_record(
        actor=actor,
        action="funeral.settlement_prepared",
        obj=settlement,
        area_code=settlement.area_code,
        before=before,
        after={**_snapshot(settlement), "added": added},
    )
    return settlement


@transaction.atomic
def settlement_approve(*, actor: User, settlement: Settlement) -> Settlement:
    """The checker approves a draft somebody else prepared; from now on it cannot change."""
    if not _may_for_facility(actor, APPROVE, settlement.facility):
        raise PermissionDenied(_("You may not approve the settlements of this facility."))
    locked, before = settlement_approved(
        # unscoped: the actor's right on the facility is checked just above; re-read under lock
        Settlement.objects.unscoped(),
        settlement.pk,
        actor=actor,
        nothing_to_pay=_("This settlement has no waiver to pay."),
        snapshot=_snapshot,
    )
    audit_record(
        actor=actor,
        action="funeral.settlement_approved",
        obj=locked,
        area_code=locked.area_code,
        before=before,
        after=_snapshot(locked),
    )
    return locked


@transaction.atomic
def settlement_pay(*, actor: User, settlement: Settlement) -> Settlement:
    """Record that the approved settlement was paid to the funeral home: once (a guarded UPDATE)."""
    if not _may_for_facility(actor, PAY, settlement.facility):
        raise PermissionDenied(_("You may not pay the settlements of this facility."))
    # unscoped: the actor's right on the facility is checked just above; the status guards the race
    settlement = settlement_paid(Settlement.objects.unscoped(), settlement, actor=actor)
    audit_record(
        actor=actor,
        action="funeral.settlement_paid",
        obj=settlement,
        area_code=settlement.area_code,
        after=_snapshot(settlement),
    )
    return settlement
