"""Writes of the relief station: admissions, stays and departures, belongings, tracing and its announcement,
reunification and resettlement (落户安置), patrols. Each service checks the actor's area, validates, writes and
audits in one transaction (DOMAIN §6.3).

The station may never hold anyone (国务院令第381号): ``departure_record`` refuses only what cannot be true (a time
before the admission or in the future, a second departure) and never waits for anything else — belongings are given
back with the departure, an open tracing goes on without the person or ends with them.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.areas.models import Division
from minsheng.assistance.procedure.models import PROCEDURE_ITEMS
from minsheng.assistance.programmes import Programme
from minsheng.assistance.rules.models import Parameter
from minsheng.assistance.rules.selectors import MissingParameter, parameter_for
from minsheng.audit.services import audit_record
from minsheng.catalog.models import Item
from minsheng.core.crypto import blind_index, mask_id_number
from minsheng.core.scoping import lock_in_scope, require_scope
from minsheng.intake.services import DOCUMENT_SIGNATURES, ItemRequest, application_submit
from minsheng.people.idnumbers import InvalidIdNumber, parse_id_number
from minsheng.people.models import Person
from minsheng.people.services import PersonData, household_create, person_register
from minsheng.relief.models import Admission, Belonging, Patrol, Station, StayExtension, Tracing, TracingCheck
from minsheng.workdays.services import Calendar

if TYPE_CHECKING:
    from minsheng.accounts.models import User

STAY_DAYS = "relief.stay_days"
ANNOUNCEMENT_DAYS = "relief.announcement_days"

ADD = "relief.add_admission"
CHANGE = "relief.change_admission"
TRACE = "relief.change_tracing"
RESETTLE = "relief.resettle_tracing"
PATROL = "relief.add_patrol"
STATION = "relief.add_station"

# What a station gives (DOMAIN §6.3: food, lodging, emergency care, contact with family, tickets home).
SERVICES: dict[str, Any] = {
    "food": gettext_lazy("Meals"),
    "lodging": gettext_lazy("Lodging"),
    "clothing": gettext_lazy("Clothing"),
    "medical": gettext_lazy("Medical care"),
    "contact": gettext_lazy("Contact with family"),
    "ticket": gettext_lazy("Ticket home"),
    "counselling": gettext_lazy("Counselling"),
}
# Photos on a public announcement: JPEG or PNG, recognised by their first bytes.
PHOTO_SIGNATURES = {suffix: DOCUMENT_SIGNATURES[suffix] for suffix in (".jpg", ".jpeg", ".png")}
# Anything that looks like an ID number (15 or 18 characters) must never reach a public page.
ID_LIKE = re.compile(r"(?<!\d)(\d{17}[\dXx]|\d{15})(?!\d)")
FUTURE_SLACK = dt.timedelta(minutes=5)  # a clock a little ahead of the server's is not an error


def _rule(key: str, area_code: str, on: dt.date) -> Parameter:
    try:
        return parameter_for(key, area_code=area_code, on=on)
    except MissingParameter:
        raise ValidationError(
            _("No value of the rule %(rule)s applies here on %(date)s: a city administrator must enter one.")
            % {"rule": key, "date": on}
        ) from None


def _local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date()


def _not_future(moment: dt.datetime, field: str) -> None:
    if moment > timezone.now() + FUTURE_SLACK:
        raise ValidationError({field: _("The time cannot be in the future.")})


def _text(value: str, field: str, message: str, limit: int = 500) -> str:
    value = " ".join(value.split())
    if not value:
        raise ValidationError({field: message})
    if len(value) > limit:
        raise ValidationError({field: _("At most %(limit)d characters.") % {"limit": limit}})
    return value


def admission_snapshot(admission: Admission) -> dict[str, Any]:
    """What the audit log keeps of an admission: the ID masked only."""
    return {
        "number": admission.number,
        "station": admission.station_id,
        "admitted_at": admission.admitted_at,
        "referral": admission.referral,
        "identity_known": admission.identity_known,
        "name": admission.name,
        "id": admission.id_masked,
        "person": admission.person_id,
        "health": admission.health,
        "services": admission.services,
        "stay_until": admission.stay_until,
        "status": admission.status,
        "departed_at": admission.departed_at,
        "departure": admission.departure,
    }


# --- Stations --------------------------------------------------------------------------------------------------


@transaction.atomic
def station_create(*, actor: User, area: Division, name: str, address: str = "", phone: str = "") -> Station:
    require_scope(actor, STATION, area.code)
    name = _text(name, "name", _("Name the station."), 100)
    # unscoped: uniqueness spans all areas: one station of a name in a division
    if Station.objects.unscoped().filter(area_code=area.code, name=name).exists():
        raise ValidationError({"name": _("A station of this name exists here already.")})
    station = Station.objects.create(area_code=area.code, name=name, address=address.strip(), phone=phone.strip())
    audit_record(
        actor=actor,
        action="relief.station_created",
        obj=station,
        area_code=station.area_code,
        after={"name": name, "address": station.address, "phone": station.phone},
    )
    return station


# --- Admissions ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AdmissionData:
    """What the station records when it takes someone in."""

    admitted_at: dt.datetime
    referral: str
    identity_known: bool
    health: str
    name: str = ""
    gender: str = ""
    apparent_age: int | None = None
    id_number: str = ""
    found_at: str = ""
    description: str = ""
    health_note: str = ""
    services: tuple[str, ...] = ()
    stay_days: int | None = None
    belongings: tuple[tuple[str, int], ...] = ()


def _admission_number(area_code: str, day: dt.date) -> str:
    prefix = f"JZ{area_code[:6]}{day:%Y%m%d}"
    # unscoped: admission numbering counts every admission of the county's day, whoever may see them
    last = Admission.objects.unscoped().filter(number__startswith=prefix).order_by("-number").first()
    return f"{prefix}{(int(last.number[-4:]) + 1) if last else 1:04d}"


def _check_admission(data: AdmissionData) -> tuple[str, str, str, Person | None]:
    """(number, index, masked, registered person) of a known identity; errors naming the field."""
    if data.referral not in Admission.Referral.values:
        raise ValidationError({"referral": _("Choose who referred the person from the list.")})
    if data.health not in Admission.Health.values:
        raise ValidationError({"health": _("Record the health check.")})
    if data.gender not in Admission.Gender.values:
        raise ValidationError({"gender": _("Choose a gender from the list.")})
    unknown = set(data.services) - set(SERVICES)
    if unknown:
        raise ValidationError({"services": _("Choose the services from the list.")})
    if data.apparent_age is not None and not 0 <= data.apparent_age <= 120:
        raise ValidationError({"apparent_age": _("Enter an age between 0 and 120.")})
    _not_future(data.admitted_at, "admitted_at")
    for description, quantity in data.belongings:
        if not description.strip() or quantity < 1:
            raise ValidationError({"belongings": _("Describe each belonging and give a quantity of at least 1.")})
    if not data.identity_known:
        if data.id_number.strip():
            raise ValidationError({"id_number": _("An ID number means the identity is known: tick it.")})
        return "", "", "", None
    if not data.name.strip():
        raise ValidationError({"name": _("Enter the name of a person whose identity is known.")})
    if not data.id_number.strip():
        return "", "", "", None
    try:
        number = parse_id_number(data.id_number).number
    except InvalidIdNumber as exc:
        raise ValidationError({"id_number": str(exc)}) from None
    index = blind_index(number)
    # unscoped: the stay is linked to the registry by blind index only; the staff see nothing of it
    person = Person.objects.unscoped().filter(id_index=index, merged_into__isnull=True).first()
    return number, index, mask_id_number(number), person


@transaction.atomic
def admission_record(*, actor: User, station: Station, data: AdmissionData) -> Admission:
    """Take a person in; a person of unknown identity gets a tracing with its announcement deadline at once."""
    require_scope(actor, ADD, station.area_code)
    if not station.active:
        raise ValidationError({"station": _("This station is no longer in service.")})
    number, index, masked, person = _check_admission(data)
    admitted_on = _local_date(data.admitted_at)
    limit = _rule(STAY_DAYS, station.area_code, admitted_on)
    days = int(limit.value) if data.stay_days is None else data.stay_days
    if days < 1:
        raise ValidationError({"stay_days": _("A stay lasts at least one day.")})
    if days > int(limit.value):
        raise ValidationError(
            {
                "stay_days": _(
                    "A stay is limited to %(days)d days; a longer stay needs an extension with its reason once the "
                    "person is in."
                )
                % {"days": int(limit.value)}
            }
        )
    # unscoped: uniqueness check: a person is in one station at a time, in any area
    if person is not None and Admission.objects.unscoped().filter(person=person, status="in_station").exists():
        raise ValidationError({"id_number": _("This person is in a station already; record their departure first.")})
    for attempt in range(3):
        try:
            with transaction.atomic():
                admission = Admission.objects.create(
                    station=station,
                    area_code=station.area_code,
                    number=_admission_number(station.area_code, admitted_on),
                    admitted_at=data.admitted_at,
                    referral=data.referral,
                    identity_known=data.identity_known,
                    name=" ".join(data.name.split())[:50],
                    gender=data.gender,
                    apparent_age=data.apparent_age,
                    id_number=number,
                    id_index=index,
                    id_masked=masked,
                    person=person,
                    found_at=data.found_at.strip()[:200],
                    description=data.description.strip(),
                    health=data.health,
                    health_note=data.health_note.strip()[:500],
                    services=sorted(set(data.services)),
                    stay_days=days,
                    stay_parameter=limit.pk,
                    stay_until=admitted_on + dt.timedelta(days=days),
                    recorded_by=actor,
                )
                break
        except IntegrityError:
            if attempt == 2:
                raise
    Belonging.objects.bulk_create(
        [Belonging(admission=admission, description=d.strip()[:200], quantity=q) for d, q in data.belongings]
    )
    tracing = None
    if not data.identity_known:
        tracing = _tracing_open(admission)
    audit_record(
        actor=actor,
        action="relief.admitted",
        obj=admission,
        area_code=admission.area_code,
        after={
            **admission_snapshot(admission),
            "belongings": [[d, q] for d, q in data.belongings],
            "tracing_due": tracing.announcement_due if tracing else None,
        },
    )
    return admission


def _tracing_open(admission: Admission) -> Tracing:
    admitted_on = _local_date(admission.admitted_at)
    rule = _rule(ANNOUNCEMENT_DAYS, admission.area_code, admitted_on)
    return Tracing.objects.create(
        admission=admission,
        area_code=admission.area_code,
        opened_at=admission.admitted_at,
        announcement_due=Calendar().add_working_days(admitted_on, int(rule.value)),
        announcement_parameter=rule.pk,
    )


@transaction.atomic
def admission_services(*, actor: User, admission: Admission, services: Iterable[str]) -> Admission:
    """Record the services given so far (the list replaces the previous one)."""
    locked = lock_in_scope(Admission, admission.pk, actor, "change")
    wanted = sorted(set(services))
    if set(wanted) - set(SERVICES):
        raise ValidationError({"services": _("Choose the services from the list.")})
    before = locked.services
    locked.services = wanted
    locked.save(update_fields=["services"])
    audit_record(
        actor=actor,
        action="relief.services_recorded",
        obj=locked,
        area_code=locked.area_code,
        before={"services": before},
        after={"services": wanted},
    )
    return locked


@transaction.atomic
def stay_extend(*, actor: User, admission: Admission, until: dt.date, reason: str) -> StayExtension:
    """Allow a stay beyond its limit, with the reason; the person may still leave whenever they wish."""
    locked = lock_in_scope(Admission, admission.pk, actor, "change")
    if locked.status != Admission.Status.IN_STATION:
        raise ValidationError(_("The person has left; a stay that ended cannot be extended."))
    reason = _text(reason, "reason", _("Say why the stay is extended."))
    if until <= locked.stay_until:
        raise ValidationError(
            {"until": _("An extension ends after the current limit (%(date)s).") % {"date": locked.stay_until}}
        )
    extension = StayExtension.objects.create(
        admission=locked, previous_until=locked.stay_until, until=until, reason=reason, recorded_by=actor
    )
    before = locked.stay_until
    locked.stay_until = until
    locked.save(update_fields=["stay_until"])
    audit_record(
        actor=actor,
        action="relief.stay_extended",
        obj=locked,
        area_code=locked.area_code,
        before={"stay_until": before},
        after={"stay_until": until},
        reason=reason,
    )
    return extension


@transaction.atomic
def belonging_add(*, actor: User, admission: Admission, description: str, quantity: int = 1) -> Belonging:
    locked = lock_in_scope(Admission, admission.pk, actor, "change")
    if locked.status != Admission.Status.IN_STATION:
        raise ValidationError(_("The person has left."))
    description = _text(description, "description", _("Describe the item."), 200)
    if quantity < 1:
        raise ValidationError({"quantity": _("Enter a quantity of at least 1.")})
    belonging = Belonging.objects.create(admission=locked, description=description, quantity=quantity)
    audit_record(
        actor=actor,
        action="relief.belonging_recorded",
        obj=locked,
        area_code=locked.area_code,
        after={"belonging": description, "quantity": quantity},
    )
    return belonging


DEPARTURES_NEEDING_DESTINATION = frozenset(
    {
        Admission.Departure.RETURNED_HOME,
        Admission.Departure.FAMILY,
        Admission.Departure.CARE,
        Admission.Departure.HOSPITAL,
    }
)
# How a departure ends an open tracing: the family was found, or the person went away.
TRACING_END: dict[str, str] = {
    Admission.Departure.RETURNED_HOME: Tracing.Status.REUNITED,
    Admission.Departure.FAMILY: Tracing.Status.REUNITED,
    Admission.Departure.OWN_WILL: Tracing.Status.CLOSED,
}


@transaction.atomic
def departure_record(
    *,
    actor: User,
    admission: Admission,
    departure: str,
    departed_at: dt.datetime | None = None,
    destination: str = "",
    note: str = "",
) -> Admission:
    """The person leaves (at once, whenever they wish): belongings are given back; a tracing ends with a return home
    or to the family (reunited) or with leaving of their own will (closed), and goes on after a transfer."""
    locked = lock_in_scope(Admission, admission.pk, actor, "change")
    if locked.status != Admission.Status.IN_STATION:
        raise ValidationError(_("This person's departure is recorded already."))
    if departure not in Admission.Departure.values or departure in ("", Admission.Departure.RESETTLED):
        raise ValidationError({"departure": _("Choose how the person left from the list.")})
    departed_at = departed_at or timezone.now()
    _not_future(departed_at, "departed_at")
    if departed_at < locked.admitted_at:
        raise ValidationError(
            {
                "departed_at": _("The departure cannot be before the admission (%(time)s).")
                % {"time": timezone.localtime(locked.admitted_at).strftime("%Y-%m-%d %H:%M")}
            }
        )
    destination = " ".join(destination.split())[:200]
    if departure in DEPARTURES_NEEDING_DESTINATION and not destination:
        raise ValidationError(
            {"destination": _("Say where the person went, or to whom (the ticket's destination, the family member).")}
        )
    _depart(locked, actor=actor, departure=departure, departed_at=departed_at, destination=destination, note=note)
    # unscoped: the open tracing of the admission locked and checked above
    tracing = Tracing.objects.unscoped().select_for_update().filter(admission=locked, status="open").first()
    if tracing is not None and departure in TRACING_END:
        _tracing_end(tracing, status=TRACING_END[departure], at=departed_at, note=destination or note)
    return locked


def _depart(
    admission: Admission, *, actor: User, departure: str, departed_at: dt.datetime, destination: str, note: str
) -> None:
    before = admission_snapshot(admission)
    admission.status = Admission.Status.DEPARTED
    admission.departure = departure
    admission.departed_at = departed_at
    admission.destination = destination
    admission.departure_note = note.strip()[:500]
    admission.departed_by = actor
    admission.save(update_fields=["status", "departure", "departed_at", "destination", "departure_note", "departed_by"])
    returned = admission.belongings.filter(returned_at__isnull=True).update(returned_at=departed_at)
    overstayed = _local_date(departed_at) > admission.stay_until
    audit_record(
        actor=actor,
        action="relief.departed",
        obj=admission,
        area_code=admission.area_code,
        before=before,
        after={**admission_snapshot(admission), "belongings_returned": returned, "beyond_limit": overstayed},
        reason=note,
    )


def _tracing_end(tracing: Tracing, *, status: str, at: dt.datetime, note: str) -> None:
    tracing.status = status
    tracing.closed_at = at
    tracing.outcome_note = note.strip()[:500]
    if tracing.published_at is not None and tracing.taken_down_at is None:
        tracing.taken_down_at = at  # the announcement comes down with the tracing
    tracing.save(update_fields=["status", "closed_at", "outcome_note", "taken_down_at"])


# --- Tracing ---------------------------------------------------------------------------------------------------


def _open_tracing(tracing: Tracing, actor: User, action: str = "change") -> Tracing:
    locked = lock_in_scope(Tracing, tracing.pk, actor, action)
    if locked.status != Tracing.Status.OPEN:
        raise ValidationError(_("This tracing has ended."))
    return locked


@transaction.atomic
def tracing_check_request(*, actor: User, tracing: Tracing, kind: str, requested_on: dt.date, note: str = "") -> Any:
    """Ask the police (fingerprint, DNA, face) or another channel to compare."""
    locked = _open_tracing(tracing, actor)
    if kind not in TracingCheck.Kind.values:
        raise ValidationError({"kind": _("Choose the kind of check from the list.")})
    if requested_on > timezone.localdate():
        raise ValidationError({"requested_on": _("The date cannot be in the future.")})
    if requested_on < _local_date(locked.opened_at):
        raise ValidationError({"requested_on": _("The date cannot be before the admission.")})
    check = TracingCheck.objects.create(
        tracing=locked, kind=kind, requested_on=requested_on, requested_by=actor, note=note.strip()[:500]
    )
    audit_record(
        actor=actor,
        action="relief.check_requested",
        obj=locked,
        area_code=locked.area_code,
        after={"check": check.pk, "kind": kind, "requested_on": requested_on},
    )
    return check


@transaction.atomic
def tracing_check_result(
    *, actor: User, check: TracingCheck, result: str, result_on: dt.date, note: str = ""
) -> TracingCheck:
    locked = _open_tracing(check.tracing, actor)
    row = TracingCheck.objects.select_for_update().get(pk=check.pk, tracing=locked)
    if row.result:
        raise ValidationError(_("The result of this check is recorded already."))
    if result not in (TracingCheck.Result.MATCH, TracingCheck.Result.NO_MATCH):
        raise ValidationError({"result": _("Choose the result from the list.")})
    if result_on < row.requested_on or result_on > timezone.localdate():
        raise ValidationError({"result_on": _("The result comes after the request and not in the future.")})
    row.result, row.result_on = result, result_on
    row.note = " ".join(filter(None, [row.note, note.strip()]))[:500]
    row.save(update_fields=["result", "result_on", "note"])
    audit_record(
        actor=actor,
        action="relief.check_result",
        obj=locked,
        area_code=locked.area_code,
        after={"check": row.pk, "kind": row.kind, "result": result, "result_on": result_on},
    )
    return row


def _store_photo(tracing: Tracing, uploaded: Any) -> tuple[str, str, int]:
    suffix = Path(uploaded.name or "").suffix.lower()
    signature = PHOTO_SIGNATURES.get(suffix)
    if signature is None:
        raise ValidationError({"photo": _("Upload a JPG or PNG photo.")})
    if uploaded.size == 0:
        raise ValidationError({"photo": _("The file is empty.")})
    if uploaded.size > settings.RELIEF_PHOTO_MAX_BYTES:
        raise ValidationError(
            {"photo": _("The photo is larger than %(kb)d KB.") % {"kb": settings.RELIEF_PHOTO_MAX_BYTES // 1024}}
        )
    head = uploaded.read(16)
    uploaded.seek(0)
    if not head.startswith(signature[0]):
        raise ValidationError({"photo": _("The file's content is not what its name says; upload the photo itself.")})
    stored = f"relief/{tracing.public_id.hex}-{uuid.uuid4().hex[:8]}{suffix}"
    target = Path(settings.MEDIA_ROOT) / stored
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        for chunk in uploaded.chunks():
            handle.write(chunk)
    # Written before the row: if the transaction rolls back, no row points at the file, and nothing shows it.
    return stored, signature[1], uploaded.size


@transaction.atomic
def announcement_publish(*, actor: User, tracing: Tracing, text: str, photo: Any = None) -> Tracing:
    """Publish (or update) the public announcement: a photo, the description, where found and the station's contact.

    Nothing else about the person is shown, and the text may not carry an ID number."""
    locked = _open_tracing(tracing, actor)
    text = _text(text, "text", _("Describe the person for the announcement."), 1000)
    if ID_LIKE.search(text):
        raise ValidationError({"text": _("An announcement never shows an ID number; remove it from the text.")})
    if photo is None and not locked.photo_file:
        raise ValidationError({"photo": _("An announcement needs a photo.")})
    before = {"published_at": locked.published_at, "text": locked.public_description, "photo": locked.photo_file}
    old_photo = locked.photo_file
    if photo is not None:
        locked.photo_file, locked.photo_type, locked.photo_size = _store_photo(locked, photo)
    locked.public_description = text
    locked.published_at = locked.published_at or timezone.now()
    locked.save(update_fields=["photo_file", "photo_type", "photo_size", "public_description", "published_at"])
    if photo is not None and old_photo:
        transaction.on_commit(lambda: (Path(settings.MEDIA_ROOT) / old_photo).unlink(missing_ok=True))
    audit_record(
        actor=actor,
        action="relief.announcement_published",
        obj=locked,
        area_code=locked.area_code,
        before=before,
        after={"published_at": locked.published_at, "text": text, "photo": locked.photo_file},
    )
    return locked


@transaction.atomic
def tracing_reunite(*, actor: User, tracing: Tracing, note: str, at: dt.datetime | None = None) -> Tracing:
    """The family is found: the tracing ends, the announcement comes down, and a person still in the station leaves
    with the family."""
    locked = _open_tracing(tracing, actor)
    note = _text(note, "note", _("Say who the family is and how they were found."))
    at = at or timezone.now()
    _not_future(at, "at")
    # unscoped: the tracing's own admission; the tracing was checked by _open_tracing above
    admission = Admission.objects.unscoped().select_for_update().get(pk=locked.admission_id)
    if at < admission.admitted_at:
        raise ValidationError({"at": _("The reunification cannot be before the admission.")})
    if admission.status == Admission.Status.IN_STATION:
        _depart(admission, actor=actor, departure=Admission.Departure.FAMILY, departed_at=at, destination=note, note="")
    _tracing_end(locked, status=Tracing.Status.REUNITED, at=at, note=note)
    audit_record(
        actor=actor,
        action="relief.reunited",
        obj=locked,
        area_code=locked.area_code,
        after={"admission": admission.number, "reunited_at": at, "taken_down_at": locked.taken_down_at},
        reason=note,
    )
    return locked


def tekun_item() -> Item:
    """The one-window item that runs the 特困 procedure (``assistance.programmes.PROCEDURE_ITEMS``)."""
    number = next(n for n, programme in PROCEDURE_ITEMS.items() if programme == Programme.TEKUN)
    return Item.objects.get(number=number)


@transaction.atomic
def tracing_resettle(
    *, actor: User, tracing: Tracing, name: str, id_number: str, village: Division, note: str = ""
) -> Tracing:
    """落户安置: a person no family was found for, given household registration by the police, is registered in the
    registry with a household of their own in ``village``, and their 特困 application is taken at once on their
    behalf (the township's duty to find and enrol, DOMAIN §2), which opens the 特困 procedure of the programmes.

    Each step goes through its own module's service and its own check of the actor's rights: the registry's
    ``person_register`` and ``household_create``, the one window's ``application_submit``."""
    locked = _open_tracing(tracing, actor, "resettle")
    require_scope(actor, RESETTLE, locked.area_code)
    person = person_register(
        actor=actor, data=PersonData(name=name, id_number=id_number, hukou_area=village), reason=_("落户安置")
    )
    today = timezone.localdate()
    household_create(actor=actor, area=village, head=person, joined_on=today, reason=_("落户安置"))
    item = tekun_item()
    application = application_submit(
        actor=actor,
        person=person,
        requests=[ItemRequest(item=item, materials_provided=tuple(item.materials))],
        on_behalf=True,
    )
    item_case = application.cases.get(item=item)
    # unscoped: the tracing's own admission; the actor's resettle right is checked above
    admission = Admission.objects.unscoped().select_for_update().get(pk=locked.admission_id)
    now = timezone.now()
    if admission.status == Admission.Status.IN_STATION:
        _depart(
            admission,
            actor=actor,
            departure=Admission.Departure.RESETTLED,
            departed_at=now,
            destination=village.name,
            note=note,
        )
    admission.person = person
    admission.save(update_fields=["person"])
    locked.resettled_person = person
    locked.tekun_item_case = item_case
    locked.save(update_fields=["resettled_person", "tekun_item_case"])
    _tracing_end(locked, status=Tracing.Status.RESETTLED, at=now, note=note or village.name)
    audit_record(
        actor=actor,
        action="relief.resettled",
        obj=locked,
        area_code=locked.area_code,
        after={
            "admission": admission.number,
            "person": person.id_masked,
            "village": village.code,
            "application": application.receipt_number,
        },
        reason=note,
    )
    return locked


# --- Patrols and campaigns ---------------------------------------------------------------------------------------


@transaction.atomic
def patrol_record(
    *,
    actor: User,
    station: Station,
    kind: str,
    on: dt.date,
    places: str,
    persons_reached: int,
    persons_admitted: int = 0,
    given: str = "",
) -> Patrol:
    require_scope(actor, PATROL, station.area_code)
    if kind not in Patrol.Kind.values:
        raise ValidationError({"kind": _("Choose the kind from the list.")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("The date cannot be in the future.")})
    places = _text(places, "places", _("Say where the patrol went."), 300)
    if persons_reached < 0 or persons_admitted < 0:
        raise ValidationError({"persons_reached": _("Enter a number of at least 0.")})
    if persons_admitted > persons_reached:
        raise ValidationError({"persons_admitted": _("More persons brought in than reached.")})
    patrol = Patrol.objects.create(
        station=station,
        area_code=station.area_code,
        kind=kind,
        on=on,
        places=places,
        persons_reached=persons_reached,
        persons_admitted=persons_admitted,
        given=given.strip()[:500],
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="relief.patrol_recorded",
        obj=patrol,
        area_code=patrol.area_code,
        after={"kind": kind, "on": on, "reached": persons_reached, "admitted": persons_admitted, "given": patrol.given},
    )
    return patrol
