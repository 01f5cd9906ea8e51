"""Writes to the registry. Each service checks the actor's area, validates, writes and audits in one transaction.

Audit snapshots carry masked numbers only: the audit log must not become a second copy of personal data.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minsheng.accounts.models import User
from minsheng.areas.models import Division
from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_record, audit_record_many, audit_view_personal_data
from minsheng.core.crypto import blind_index, decrypt, encrypt, is_token, mask_bank_account, mask_id_number, mask_phone
from minsheng.core.limits import LABEL_MAX, REASON_MAX, require_length
from minsheng.core.modules import RegistryChange, RegistryEvent, household_paid, registry_changed
from minsheng.core.scoping import require_scope
from minsheng.core.sms import sms_sender
from minsheng.people.idnumbers import IdKind, InvalidIdNumber, normalize_for_index, parse_id_number
from minsheng.people.models import (
    ChangeRequest,
    DisabilityCertificate,
    Household,
    IllnessType,
    ImportJob,
    Membership,
    Person,
    SupportingRelative,
)
from minsheng.people.names import is_valid_name, name_pinyin

PHONE_PATTERN = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
BANK_ACCOUNT_PATTERN = re.compile(r"^\d{12,30}$")

# Changes to these fields decide who gets what: they wait for a second user's confirmation.
BENEFIT_FIELDS = frozenset(
    {
        "status",
        "status_date",
        "hukou_area",
        "residence_area",
        "labour_capacity",
        "bank_name",
        "bank_account",
        "illnesses",
    }
)
# Changes to these fields move the person's identity: the phone receives the online channel's one-time codes, so a
# new number could open the resident's applications to whoever holds it. They wait for a second user too, and the
# old phone is told when the change is applied.
IDENTITY_FIELDS = frozenset({"phone"})
CONFIRMED_FIELDS = BENEFIT_FIELDS | IDENTITY_FIELDS
DIRECT_FIELDS = frozenset({"name"})
# The key of a change request that adds a member to, or removes one from, an enrolled household.
MEMBERSHIP = "membership"


_require = require_scope  # the door's write check, with its standard message


def id_lookup_key(raw: str) -> str:
    """The blind index of an ID number in any accepted form (15 or 18 digits)."""
    return blind_index(normalize_for_index(raw))


def _clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not is_valid_name(name):
        raise ValidationError({"name": _("Enter the name as on the ID card (Chinese characters, at most 50).")})
    return name


def _clean_phone(phone: str) -> str:
    phone = phone.replace(" ", "")
    if phone and not PHONE_PATTERN.match(phone):
        raise ValidationError({"phone": _("Enter an 11-digit mobile number or a landline with its area code.")})
    return phone


def _clean_bank_account(account: str) -> str:
    account = account.replace(" ", "")
    if account and not BANK_ACCOUNT_PATTERN.match(account):
        raise ValidationError({"bank_account": _("A bank account number has 12 to 30 digits.")})
    return account


def _require_village(area: Division, field: str) -> None:
    if area.level != Division.Level.VILLAGE:
        raise ValidationError({field: _("Choose a village or community (a 12-digit code ending in its own part).")})


def person_snapshot(person: Person) -> dict[str, Any]:
    """What the audit log keeps of a person: masked numbers only."""
    return {
        "name": person.name,
        "id": person.id_masked,
        "gender": person.gender,
        "birth_date": person.birth_date,
        "phone": person.phone_masked,
        "hukou_area": person.hukou_area_id,
        "residence_area": person.residence_area_id,
        "status": person.status,
        "status_date": person.status_date,
        "labour_capacity": person.labour_capacity,
        "bank_name": person.bank_name,
        "bank_account": person.bank_account_masked,
    }


@dataclass(frozen=True)
class PersonData:
    """What a window clerk enters for a new resident."""

    name: str
    id_number: str
    hukou_area: Division
    residence_area: Division | None = None
    phone: str = ""
    labour_capacity: str = Person.LabourCapacity.FULL
    bank_name: str = ""
    bank_account: str = ""


def person_build(data: PersonData, *, today: dt.date | None = None) -> Person:
    """An unsaved Person from entered data, every field checked; raises ValidationError naming the field."""
    try:
        parsed = parse_id_number(data.id_number, today=today)
    except InvalidIdNumber as exc:
        raise ValidationError({"id_number": str(exc)}) from None
    residence = data.residence_area or data.hukou_area
    _require_village(data.hukou_area, "hukou_area")
    _require_village(residence, "residence_area")
    name = _clean_name(data.name)
    phone = _clean_phone(data.phone)
    account = _clean_bank_account(data.bank_account)
    if data.labour_capacity not in Person.LabourCapacity.values:
        raise ValidationError({"labour_capacity": _("Choose a labour capacity from the list.")})
    pinyin, initials = name_pinyin(name)
    kinds = {IdKind.RESIDENT: Person.IdKind.RESIDENT, IdKind.HMT_RESIDENCE_PERMIT: Person.IdKind.HMT_RESIDENCE_PERMIT}
    return Person(
        name=name,
        name_pinyin=pinyin,
        name_initials=initials,
        id_kind=kinds.get(parsed.kind, Person.IdKind.FOREIGN_PERMANENT),
        id_number=parsed.number,
        id_index=blind_index(parsed.number),
        id_masked=mask_id_number(parsed.number),
        gender=parsed.gender,
        birth_date=parsed.birth_date,
        phone=phone,
        phone_masked=mask_phone(phone) if phone else "",
        hukou_area=data.hukou_area,
        residence_area=residence,
        labour_capacity=data.labour_capacity,
        bank_name=data.bank_name.strip(),
        bank_account=account,
        bank_account_masked=mask_bank_account(account) if account else "",
    )


@transaction.atomic
def person_register(*, actor: User, data: PersonData, reason: str = "") -> Person:
    """Register a resident; the ID number must not be registered yet (anywhere in the system)."""
    person = person_build(data)
    _require(actor, "people.add_person", person.hukou_area_id, person.residence_area_id)
    # unscoped: uniqueness spans all areas: a person registered elsewhere must be found, not duplicated
    if Person.objects.unscoped().filter(id_index=person.id_index).exists():
        raise ValidationError({"id_number": _("This ID number is registered already.")})
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        raise ValidationError({"id_number": _("This ID number is registered already.")}) from None
    audit_record(
        actor=actor,
        action="people.person_registered",
        obj=person,
        area_code=person.hukou_area_id,
        after=person_snapshot(person),
        reason=reason,
    )
    return person


def _apply_changes(person: Person, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        if field == "name":
            person.name = _clean_name(value)
            person.name_pinyin, person.name_initials = name_pinyin(person.name)
        elif field == "phone":
            # A pending change keeps the new number encrypted, as it does an account.
            person.phone = _clean_phone(decrypt(value) if is_token(value) else value)
            person.phone_masked = mask_phone(person.phone) if person.phone else ""
        elif field == "bank_account":
            # A pending change keeps the new number encrypted (the request is stored as JSON).
            person.bank_account = _clean_bank_account(decrypt(value) if is_token(value) else value)
            person.bank_account_masked = mask_bank_account(person.bank_account) if person.bank_account else ""
        elif field in {"hukou_area", "residence_area"}:
            area = Division.objects.all().filter(code=value).first()
            if area is None:
                raise ValidationError({field: _("Unknown division code %(code)s.") % {"code": value}})
            _require_village(area, field)
            setattr(person, field, area)
        elif field == "status_date":
            setattr(person, field, dt.date.fromisoformat(value) if isinstance(value, str) and value else value or None)
        elif field == "illnesses":
            continue  # many-to-many: applied after save
        else:
            setattr(person, field, value)
    if person.status == Person.Status.LIVING:
        person.status_date = None
    elif person.status_date is None:
        raise ValidationError({"status_date": _("Give the date of death or of moving away.")})
    elif person.status_date > timezone.localdate():
        raise ValidationError({"status_date": _("The date cannot be in the future.")})
    person.full_clean(exclude=["id_number", "phone", "bank_account", "illnesses"])


def _normalize_changes(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = set(changes) - CONFIRMED_FIELDS - DIRECT_FIELDS
    if unknown:
        raise ValidationError(
            _("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    normalized = dict(changes)
    for field in ("hukou_area", "residence_area"):
        if isinstance(normalized.get(field), Division):
            normalized[field] = normalized[field].code
    if "illnesses" in normalized:
        normalized["illnesses"] = sorted(
            i.code if isinstance(i, IllnessType) else str(i) for i in normalized["illnesses"]
        )
    if isinstance(normalized.get("status_date"), dt.date):
        normalized["status_date"] = normalized["status_date"].isoformat()
    return normalized


def _masked_changes(changes: dict[str, Any]) -> dict[str, Any]:
    masked = dict(changes)
    if masked.get("phone"):
        phone = masked["phone"]
        masked["phone"] = mask_phone(decrypt(phone) if is_token(phone) else phone)
    if masked.get("bank_account"):
        account = masked["bank_account"]
        masked["bank_account"] = mask_bank_account(decrypt(account) if is_token(account) else account)
    return masked


@transaction.atomic
def person_change(*, actor: User, person: Person, changes: dict[str, Any], reason: str) -> ChangeRequest | None:
    """Change a person's record.

    The name changes at once. Fields in ``CONFIRMED_FIELDS`` (what decides benefits, and the phone) become a change
    request that another user confirms (``change_request_confirm``); the request is returned. Every change is
    audited with its reason.
    """
    _require(actor, "people.change_person", person.hukou_area_id, person.residence_area_id)
    _require_reason(reason)
    normalized = _normalize_changes(changes)
    direct = {k: v for k, v in normalized.items() if k in DIRECT_FIELDS}
    pending = {k: v for k, v in normalized.items() if k in CONFIRMED_FIELDS}
    if direct:
        before = person_snapshot(person)
        _apply_changes(person, direct)
        person.save()
        audit_record(
            actor=actor,
            action="people.person_changed",
            obj=person,
            area_code=person.hukou_area_id,
            before=before,
            after=person_snapshot(person),
            reason=reason,
        )
    if not pending:
        return None
    # Check now, on a copy, so the clerk hears about a bad value before anybody is asked to confirm it.
    # unscoped: a copy of the person whose areas are checked above, to test the change first
    trial = Person.objects.unscoped().get(pk=person.pk)
    _apply_changes(trial, pending)
    _validate_illnesses(pending.get("illnesses"))
    if pending.get("bank_account"):
        pending["bank_account"] = encrypt(_clean_bank_account(pending["bank_account"]))
    if pending.get("phone"):
        pending["phone"] = encrypt(_clean_phone(pending["phone"]))
    return _file_request(actor=actor, person=person, area_code=person.hukou_area_id, changes=pending, reason=reason)


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the change.")})
    require_length(reason=(reason, REASON_MAX))


def _file_request(
    *, actor: User, person: Person, area_code: str, changes: dict[str, Any], reason: str
) -> ChangeRequest:
    """A change request for another user to confirm, with its audit event (masked)."""
    # unscoped: uniqueness check: one pending change request per person, whichever area filed it
    if ChangeRequest.objects.unscoped().filter(person=person, status=ChangeRequest.Status.PENDING).exists():
        raise ValidationError(_("A change for this person is already waiting for confirmation."))
    try:
        with transaction.atomic():
            request = ChangeRequest.objects.create(
                person=person, area_code=area_code, changes=changes, reason=reason.strip(), requested_by=actor
            )
    except IntegrityError:  # another clerk filed one a moment ago (one pending change per person)
        raise ValidationError(_("A change for this person is already waiting for confirmation.")) from None
    audit_record(
        actor=actor,
        action="people.change_requested",
        obj=person,
        area_code=area_code,
        after=_masked_changes(changes),
        reason=reason,
    )
    return request


def change_request_display(request: ChangeRequest) -> list[tuple[str, str]]:
    """What a change request asks for, as the confirming user reads it: numbers masked, a membership in words."""
    rows: list[tuple[str, str]] = []
    for field, value in _masked_changes(request.changes).items():
        if field == MEMBERSHIP:
            rows.append((field, _membership_text(value)))
        elif field == "illnesses":
            rows.append((field, "、".join(value) or "—"))
        else:
            rows.append((field, str(value) if value not in (None, "") else "—"))
    return rows


def _validate_illnesses(codes: Iterable[str] | None) -> list[IllnessType]:
    if codes is None:
        return []
    codes = list(codes)
    found = list(IllnessType.objects.filter(code__in=codes, active=True))
    if len(found) != len(set(codes)):
        raise ValidationError({"illnesses": _("An illness is not on the configured list.")})
    return found


@transaction.atomic
def change_request_confirm(*, actor: User, request: ChangeRequest, note: str = "") -> Person:
    """Apply a pending change; the confirming user must not be the one who asked for it."""
    _require(actor, "people.confirm_changerequest", request.area_code)
    # unscoped: the request the caller loaded, its area checked just above; re-read under lock
    locked = ChangeRequest.objects.unscoped().select_for_update().get(pk=request.pk)
    if locked.status != ChangeRequest.Status.PENDING:
        raise ValidationError(_("This change has been decided already."))
    if locked.requested_by_id == actor.pk:
        raise PermissionDenied(_("A change must be confirmed by another user than the one who asked for it."))
    require_length(note=(note, REASON_MAX))
    # unscoped: the person of the locked request (area checked above), locked for the change
    person = Person.objects.unscoped().select_for_update().get(pk=locked.person_id)
    if MEMBERSHIP in locked.changes:
        return _confirm_membership(actor=actor, request=locked, person=person, note=note)
    before = person_snapshot(person)
    before["illnesses"] = sorted(person.illnesses.values_list("code", flat=True))
    old_phone = person.phone
    _apply_changes(person, locked.changes)
    person.save()
    if person.status != before["status"] and person.status != Person.Status.LIVING:
        _tell_status(actor=actor, person=person)
    if "phone" in locked.changes and old_phone and old_phone != person.phone:
        _tell_old_phone(old_phone=old_phone, new_masked=person.phone_masked)
    if "illnesses" in locked.changes:
        person.illnesses.set(_validate_illnesses(locked.changes["illnesses"]))
    after = person_snapshot(person)
    after["illnesses"] = sorted(person.illnesses.values_list("code", flat=True))
    _mark_confirmed(actor=actor, request=locked, note=note)
    audit_record(
        actor=actor,
        action="people.change_confirmed",
        obj=person,
        area_code=locked.area_code,
        before=before,
        after=after,
        reason=locked.reason,
    )
    return person


def _tell_status(*, actor: User, person: Person) -> None:
    """A confirmed death or move away reaches the modules that subscribe (benefits stop), in this transaction."""
    event = RegistryEvent.PERSON_DIED if person.status == Person.Status.DECEASED else RegistryEvent.PERSON_MOVED_AWAY
    membership = person.memberships.filter(left_on__isnull=True).select_related("household").first()
    assert person.status_date is not None
    registry_changed(
        RegistryChange(
            event,
            actor=actor,
            on=person.status_date,
            person=person,
            household=membership.household if membership else None,
        )
    )


@dataclass(frozen=True)
class StatusReports:
    filed: int  # change requests filed
    skipped: int  # not living any more, not found, or a change already waiting


@transaction.atomic
def persons_status_report(
    *, actor: User, status: str, reports: Iterable[tuple[int, dt.date]], reason: str
) -> StatusReports:
    """A department's feed says these persons (id, date) died or moved away: file each as a change request, which a
    registry user of the person's area confirms (``change_request_confirm``; the status decides benefits, so it is
    never applied unconfirmed). The feed is the source, so the actor's areas are not asked: the confirming user's
    are. Persons no longer living, or with a change waiting already, are skipped. Set-based: one read, one bulk
    insert, one bulk audit."""
    if status not in {Person.Status.DECEASED, Person.Status.MOVED_AWAY}:
        raise ValidationError(_("A report says a person died or moved away."))
    _require_reason(reason)
    dates = dict(reports)
    today = timezone.localdate()
    if any(day > today for day in dates.values()):
        raise ValidationError({"status_date": _("The date cannot be in the future.")})
    # unscoped: pending requests anywhere: a person with one waiting gets no second
    pending = ChangeRequest.objects.unscoped().filter(status=ChangeRequest.Status.PENDING).values("person_id")
    # unscoped: a department's feed names persons anywhere in the registry; each request is confirmed in its area
    persons = list(
        Person.objects.unscoped()
        .filter(pk__in=list(dates), status=Person.Status.LIVING)
        .exclude(pk__in=pending)
        .only("id", "name", "id_masked", "hukou_area_id")
    )
    requests = ChangeRequest.objects.bulk_create(
        [
            ChangeRequest(
                person=person,
                area_code=person.hukou_area_id,
                changes={"status": status, "status_date": dates[person.pk].isoformat()},
                reason=reason.strip(),
                requested_by=actor,
            )
            for person in persons
        ]
    )
    audit_record_many(
        actor=actor,
        action="people.change_requested",
        kind=AuditEvent.Kind.SYSTEM,
        events=[
            {
                "obj": person,
                "area_code": request.area_code,
                "after": request.changes,
                "reason": request.reason,
            }
            for person, request in zip(persons, requests, strict=True)
        ],
    )
    return StatusReports(filed=len(requests), skipped=len(dates) - len(requests))


def _tell_old_phone(*, old_phone: str, new_masked: str) -> None:
    """A text message to the number being replaced, after the commit: if the resident did not ask for the change,
    they hear of it on the phone they still hold."""
    with translation.override("zh-hans"):
        text = _(
            "[Minsheng] The phone registered for you with the civil-affairs office was changed to %(phone)s. If you "
            "did not ask for this, tell your village (community) or township window at once."
        ) % {"phone": new_masked or "—"}
    transaction.on_commit(lambda: sms_sender().send(phone=old_phone, text=text))


@transaction.atomic
def change_request_reject(*, actor: User, request: ChangeRequest, note: str) -> ChangeRequest:
    _require(actor, "people.confirm_changerequest", request.area_code)
    if not note.strip():
        raise ValidationError({"note": _("Say why the change is rejected.")})
    require_length(note=(note, REASON_MAX))
    # unscoped: the request's area checked above; the pending status guards the race
    updated = (
        ChangeRequest.objects.unscoped()
        .filter(pk=request.pk, status=ChangeRequest.Status.PENDING)
        .update(status=ChangeRequest.Status.REJECTED, decided_by=actor, decided_at=timezone.now(), decision_note=note)
    )
    if updated != 1:
        raise ValidationError(_("This change has been decided already."))
    audit_record(
        actor=actor,
        action="people.change_rejected",
        object_type="people.person",
        object_id=str(request.person_id),
        object_repr=str(request.person),
        area_code=request.area_code,
        after=_masked_changes(request.changes),
        reason=note,
    )
    request.refresh_from_db()
    return request


def person_viewed(*, actor: User, person: Person) -> None:
    """Every opening of a person's file is logged (BRIEF: personal data is protected)."""
    audit_record(actor=actor, action="people.person_viewed", kind="view", obj=person, area_code=person.hukou_area_id)


REVEALABLE = ("id_number", "phone", "bank_account")


@transaction.atomic
def person_reveal(*, actor: User, person: Person, reason: str) -> dict[str, str]:
    """The full ID, phone and bank numbers, for roles that need them; every reveal is its own audit event, with the
    reason the user gave (required: an auditor must be able to tell why)."""
    _require(actor, "people.reveal_person", person.hukou_area_id, person.residence_area_id)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you need the full numbers.")})
    require_length(reason=(reason, REASON_MAX))
    values = {field: getattr(person, field) or "" for field in REVEALABLE}
    audit_view_personal_data(
        actor=actor,
        obj=person,
        area_code=person.hukou_area_id,
        fields=[f for f in REVEALABLE if values[f]],
        reason=reason,
    )
    return values


# Households ------------------------------------------------------------------------------------------------


def household_members(household: Household, *, current_only: bool = True) -> list[Membership]:
    memberships = household.memberships.select_related("person").order_by("left_on", "joined_on", "id")
    return list(memberships.filter(left_on__isnull=True) if current_only else memberships)


def _household_snapshot(household: Household) -> dict[str, Any]:
    return {
        "number": household.number,
        "area": household.area_id,
        "members": [
            {
                "person": m.person.id_masked,
                "relation": m.relation,
                "living_together": m.living_together,
                "exclusion": m.exclusion,
            }
            for m in household_members(household)
        ],
    }


def _next_household_number(area: Division) -> str:
    # unscoped: household numbering counts every household of the village, whoever may see them
    existing = Household.objects.unscoped().filter(number__startswith=area.code).order_by("-number").first()
    sequence = int(existing.number[12:]) + 1 if existing else 1
    return f"{area.code}{sequence:06d}"


def _require_no_current_household(person: Person) -> None:
    # unscoped: uniqueness check: one current household per person, in any area
    if Membership.objects.unscoped().filter(person=person, left_on__isnull=True).exists():
        raise ValidationError({"person": _("%(name)s belongs to a household already.") % {"name": person.name}})


@transaction.atomic
def household_create(
    *, actor: User, area: Division, head: Person, joined_on: dt.date, address: str = "", reason: str = ""
) -> Household:
    """Open a household in a village with its head (户主)."""
    _require(actor, "people.add_household", area.code)
    _require_village(area, "area")
    require_length(address=(address, LABEL_MAX), reason=(reason, REASON_MAX))
    _require_no_current_household(head)
    if head.status != Person.Status.LIVING:
        raise ValidationError({"head": _("The head of a household must be living.")})
    for _attempt in range(3):
        try:
            with transaction.atomic():
                household = Household.objects.create(number=_next_household_number(area), area=area, address=address)
                break
        except IntegrityError:
            continue  # another clerk took the number a moment ago
    else:
        raise ValidationError(_("Could not number the household; try again."))
    Membership.objects.create(household=household, person=head, relation=Membership.Relation.HEAD, joined_on=joined_on)
    audit_record(
        actor=actor,
        action="people.household_created",
        obj=household,
        area_code=area.code,
        after=_household_snapshot(household),
        reason=reason,
    )
    return household


def household_enrolled(household: Household) -> bool:
    """Whether a module pays the household (a running benefit, ``Module.pays_household``): then who belongs to it
    decides money, and a change of members waits for a second user (``household_member_join`` / ``_leave``)."""
    return household_paid(household)


def _check_member_add(*, person: Person, relation: str, living_together: bool, exclusion: str) -> None:
    if relation == Membership.Relation.HEAD:
        raise ValidationError({"relation": _("A household has one head; use “change head” to replace them.")})
    if relation not in Membership.Relation.values:
        raise ValidationError({"relation": _("Choose the relation to the head from the list.")})
    if living_together and exclusion:
        raise ValidationError({"exclusion": _("A member living together has no exclusion reason.")})
    if not living_together and exclusion not in Membership.Exclusion.values:
        raise ValidationError({"exclusion": _("Say why the member does not count as living together.")})
    _require_no_current_household(person)


def _check_member_remove(*, membership: Membership, left_on: dt.date, reason: str) -> None:
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the member leaves the household.")})
    require_length(reason=(reason, LABEL_MAX))
    if membership.relation == Membership.Relation.HEAD:
        raise ValidationError(_("The head cannot leave: make another member head first."))
    if left_on < membership.joined_on:
        raise ValidationError({"left_on": _("A member cannot leave before joining.")})
    if membership.left_on is not None:
        raise ValidationError(_("This member has left already."))


@transaction.atomic
def household_member_join(
    *,
    actor: User,
    household: Household,
    person: Person,
    relation: str,
    joined_on: dt.date,
    living_together: bool = True,
    exclusion: str = "",
    reason: str = "",
) -> Membership | ChangeRequest:
    """A member joins the household, as a window records it: at once (``household_add_member``), or — when the
    household is enrolled — as a change request that another user confirms, returned unapplied."""
    _require(actor, "people.change_household", household.area_id)
    if not household_enrolled(household):
        return household_add_member(
            actor=actor,
            household=household,
            person=person,
            relation=relation,
            joined_on=joined_on,
            living_together=living_together,
            exclusion=exclusion,
            reason=reason,
        )
    _require_reason(reason)
    _check_member_add(person=person, relation=relation, living_together=living_together, exclusion=exclusion)
    change = {
        "action": "join",
        "household": household.pk,
        "number": household.number,
        "relation": relation,
        "joined_on": joined_on.isoformat(),
        "living_together": living_together,
        "exclusion": exclusion,
    }
    return _file_request(
        actor=actor, person=person, area_code=household.area_id, changes={MEMBERSHIP: change}, reason=reason
    )


@transaction.atomic
def household_member_leave(
    *, actor: User, membership: Membership, left_on: dt.date, reason: str
) -> Membership | ChangeRequest:
    """A member leaves the household, as a window records it: at once (``household_remove_member``), or — when the
    household is enrolled — as a change request that another user confirms, returned unapplied."""
    household = membership.household
    _require(actor, "people.change_household", household.area_id)
    if not household_enrolled(household):
        return household_remove_member(actor=actor, membership=membership, left_on=left_on, reason=reason)
    _check_member_remove(membership=membership, left_on=left_on, reason=reason)
    change = {
        "action": "leave",
        "household": household.pk,
        "number": household.number,
        "membership": membership.pk,
        "left_on": left_on.isoformat(),
    }
    return _file_request(
        actor=actor, person=membership.person, area_code=household.area_id, changes={MEMBERSHIP: change}, reason=reason
    )


def _membership_text(change: dict[str, Any]) -> str:
    if change.get("action") == "join":
        relations = dict(Membership.Relation.choices)
        return _("joins household %(number)s as %(relation)s from %(date)s") % {
            "number": change["number"],
            "relation": relations.get(change["relation"], change["relation"]),
            "date": change["joined_on"],
        }
    return _("leaves household %(number)s on %(date)s") % {"number": change["number"], "date": change["left_on"]}


def _confirm_membership(*, actor: User, request: ChangeRequest, person: Person, note: str) -> Person:
    """Apply a confirmed change of members (the request is locked): the join or the leave, by the confirming user,
    with the requester's reason; then the request is marked confirmed."""
    change = request.changes[MEMBERSHIP]
    # unscoped: the household named by a request whose area the caller checked for the confirming user
    household = Household.objects.unscoped().get(pk=change["household"])
    if change["action"] == "join":
        household_add_member(
            actor=actor,
            household=household,
            person=person,
            relation=change["relation"],
            joined_on=dt.date.fromisoformat(change["joined_on"]),
            living_together=change["living_together"],
            exclusion=change["exclusion"],
            reason=request.reason,
        )
    else:
        # unscoped: the membership named by a request whose area the caller checked for the confirming user
        membership = Membership.objects.unscoped().select_related("household").get(pk=change["membership"])
        household_remove_member(
            actor=actor, membership=membership, left_on=dt.date.fromisoformat(change["left_on"]), reason=request.reason
        )
    _mark_confirmed(actor=actor, request=request, note=note)
    audit_record(
        actor=actor,
        action="people.change_confirmed",
        obj=person,
        area_code=request.area_code,
        after=_masked_changes(request.changes),
        reason=request.reason,
    )
    return person


def _mark_confirmed(*, actor: User, request: ChangeRequest, note: str) -> None:
    request.status = ChangeRequest.Status.CONFIRMED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])


@transaction.atomic
def household_add_member(
    *,
    actor: User,
    household: Household,
    person: Person,
    relation: str,
    joined_on: dt.date,
    living_together: bool = True,
    exclusion: str = "",
    reason: str = "",
) -> Membership:
    """Add a member at once. A window goes through ``household_member_join``, which asks for a second user's
    confirmation when the household is enrolled; this applies the change (and a confirmed request)."""
    _require(actor, "people.change_household", household.area_id)
    require_length(reason=(reason, REASON_MAX))
    _check_member_add(person=person, relation=relation, living_together=living_together, exclusion=exclusion)
    before = _household_snapshot(household)
    membership = Membership.objects.create(
        household=household,
        person=person,
        relation=relation,
        living_together=living_together,
        exclusion=exclusion,
        joined_on=joined_on,
    )
    registry_changed(RegistryChange(RegistryEvent.HOUSEHOLD_CHANGED, actor=actor, on=joined_on, household=household))
    audit_record(
        actor=actor,
        action="people.member_added",
        obj=household,
        area_code=household.area_id,
        before=before,
        after=_household_snapshot(household),
        reason=reason,
    )
    return membership


@transaction.atomic
def household_remove_member(*, actor: User, membership: Membership, left_on: dt.date, reason: str) -> Membership:
    """Close a membership at once. A window goes through ``household_member_leave``, which asks for a second user's
    confirmation when the household is enrolled; this applies the change (and a confirmed request)."""
    household = membership.household
    _require(actor, "people.change_household", household.area_id)
    _check_member_remove(membership=membership, left_on=left_on, reason=reason)
    before = _household_snapshot(household)
    # unscoped: the household's area is checked above; the open-membership filter guards the race
    updated = (
        Membership.objects.unscoped()
        .filter(pk=membership.pk, left_on__isnull=True)
        .update(left_on=left_on, left_reason=reason[:200])
    )
    if updated != 1:
        raise ValidationError(_("This member has left already."))
    registry_changed(RegistryChange(RegistryEvent.HOUSEHOLD_CHANGED, actor=actor, on=left_on, household=household))
    audit_record(
        actor=actor,
        action="people.member_removed",
        obj=household,
        area_code=household.area_id,
        before=before,
        after=_household_snapshot(household),
        reason=reason,
    )
    membership.refresh_from_db()
    return membership


@transaction.atomic
def household_change_head(
    *, actor: User, household: Household, new_head: Person, former_head_relation: str, on: dt.date, reason: str
) -> None:
    """Make another current member the head. Both memberships are closed and reopened, so history shows it."""
    _require(actor, "people.change_household", household.area_id)
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason for the change.")})
    require_length(reason=(reason, LABEL_MAX))
    # unscoped: the members of a household whose area is checked above, locked
    current = {
        m.person_id: m
        for m in Membership.objects.unscoped().select_for_update().filter(household=household, left_on__isnull=True)
    }
    old = next((m for m in current.values() if m.relation == Membership.Relation.HEAD), None)
    incoming = current.get(new_head.pk)
    if incoming is None:
        raise ValidationError({"new_head": _("The new head must be a current member of the household.")})
    if old is None or old.pk == incoming.pk:
        raise ValidationError({"new_head": _("This member is the head already.")})
    if former_head_relation == Membership.Relation.HEAD or former_head_relation not in Membership.Relation.values:
        raise ValidationError({"former_head_relation": _("Choose the former head's new relation from the list.")})
    before = _household_snapshot(household)
    # unscoped: the two memberships locked just above
    Membership.objects.unscoped().filter(pk__in=[old.pk, incoming.pk]).update(left_on=on, left_reason=reason[:200])
    Membership.objects.bulk_create(
        [
            Membership(
                household=household,
                person_id=old.person_id,
                relation=former_head_relation,
                living_together=old.living_together,
                exclusion=old.exclusion,
                joined_on=on,
            ),
            Membership(
                household=household,
                person=new_head,
                relation=Membership.Relation.HEAD,
                living_together=True,
                exclusion="",
                joined_on=on,
            ),
        ]
    )
    audit_record(
        actor=actor,
        action="people.head_changed",
        obj=household,
        area_code=household.area_id,
        before=before,
        after=_household_snapshot(household),
        reason=reason,
    )


@transaction.atomic
def supporting_relative_add(
    *,
    actor: User,
    household: Household,
    supported: Person,
    name: str,
    relation: str,
    monthly_support_fen: int,
    id_number: str = "",
    area_description: str = "",
    inability: str = "",
) -> SupportingRelative:
    """Record a relative with a duty of support living elsewhere, and why they cannot support, if they cannot."""
    _require(actor, "people.change_household", household.area_id)
    if not household.memberships.filter(person=supported, left_on__isnull=True).exists():
        raise ValidationError({"supported": _("The supported person must be a current member of the household.")})
    if relation not in SupportingRelative.Relation.values:
        raise ValidationError({"relation": _("Choose the relation from the list.")})
    if monthly_support_fen < 0:
        raise ValidationError({"monthly_support_fen": _("The amount cannot be negative.")})
    if inability not in SupportingRelative.Inability.values:
        raise ValidationError({"inability": _("Choose the reason from the list.")})
    number = ""
    if id_number:
        try:
            number = parse_id_number(id_number).number
        except InvalidIdNumber as exc:
            raise ValidationError({"id_number": str(exc)}) from None
    relative = SupportingRelative.objects.create(
        household=household,
        supported=supported,
        name=_clean_name(name),
        relation=relation,
        id_number=number,
        area_description=area_description,
        monthly_support_fen=monthly_support_fen,
        inability=inability,
    )
    audit_record(
        actor=actor,
        action="people.supporting_relative_added",
        obj=household,
        area_code=household.area_id,
        after={
            "name": relative.name,
            "relation": relation,
            "id": mask_id_number(number) if number else "",
            "monthly_support_fen": monthly_support_fen,
            "inability": inability,
            "supported": supported.id_masked,
        },
    )
    return relative


@transaction.atomic
def disability_certificate_add(
    *,
    actor: User,
    person: Person,
    number: str,
    category: int,
    grade: int,
    valid_from: dt.date,
    valid_until: dt.date | None = None,
) -> DisabilityCertificate:
    _require(actor, "people.change_person", person.hukou_area_id, person.residence_area_id)
    if category not in DisabilityCertificate.Category.values:
        raise ValidationError({"category": _("The disability category is 1 to 7.")})
    if grade not in DisabilityCertificate.Grade.values:
        raise ValidationError({"grade": _("The disability grade is 1 to 4.")})
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError({"valid_until": _("The certificate cannot end before it starts.")})
    number = number.strip().upper()
    if number[:18] != person.id_number:
        raise ValidationError({"number": _("The certificate number must start with the person's ID number.")})
    if not re.fullmatch(r"[0-9X]{18}[1-7][1-4](B\d)?", number):
        raise ValidationError({"number": _("A certificate number is the 18-character ID, the category and the grade.")})
    if number[18] != str(category) or number[19] != str(grade):
        raise ValidationError({"number": _("The number's category and grade digits do not match the ones chosen.")})
    certificate = DisabilityCertificate.objects.create(
        person=person, number=number, category=category, grade=grade, valid_from=valid_from, valid_until=valid_until
    )
    audit_record(
        actor=actor,
        action="people.disability_certificate_added",
        obj=person,
        area_code=person.hukou_area_id,
        after={"category": category, "grade": grade, "valid_from": valid_from, "valid_until": valid_until},
    )
    return certificate


# Imports ---------------------------------------------------------------------------------------------------

IMPORT_MAX_BYTES = 300 * 1024 * 1024
IMPORT_EXTENSIONS = {".xlsx", ".csv"}


@transaction.atomic
def import_start(*, actor: User, uploaded: Any) -> Any:
    """Store an uploaded file outside the web root and queue its import (on a worker when one is configured)."""

    scopes = actor.scopes_for("people.import_person")
    if not scopes:
        raise PermissionDenied(_("You may not import residents."))
    suffix = Path(uploaded.name).suffix.lower()
    if suffix not in IMPORT_EXTENSIONS:
        raise ValidationError({"file": _("Upload an Excel (.xlsx) or CSV file; use the template.")})
    if uploaded.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    if uploaded.size > IMPORT_MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 300 MB; split it.")})
    stored = f"imports/{uuid.uuid4().hex}{suffix}"
    target = Path(settings.MEDIA_ROOT) / stored
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        for chunk in uploaded.chunks():
            handle.write(chunk)
    area = scopes[0].prefix.ljust(12, "0")
    job = ImportJob.objects.create(
        area_code=area, created_by=actor, original_name=uploaded.name[:200], stored_file=stored
    )
    audit_record(
        actor=actor, action="people.import_started", obj=job, area_code=area, after={"file": job.original_name}
    )
    from minsheng.people.tasks import run_import  # the task module imports the import code, which imports this

    transaction.on_commit(lambda: run_import.delay(job.pk))
    return job


@transaction.atomic
def person_merge(*, actor: User, keep: Person, duplicate: Person, reason: str) -> Person:
    """Merge ``duplicate`` into ``keep``: its household history, certificates and illnesses move over.

    The duplicate stays as a record pointing at ``keep`` (audit events and history refer to it); it no longer
    appears in searches. A current household membership of the duplicate is closed first.
    """
    _require(actor, "people.merge_person", keep.hukou_area_id, keep.residence_area_id)
    _require(actor, "people.merge_person", duplicate.hukou_area_id, duplicate.residence_area_id)
    if keep.pk == duplicate.pk:
        raise ValidationError(_("Choose two different records."))
    _require_reason(reason)
    # unscoped: both persons' areas checked above; re-read under lock
    keep, duplicate = (Person.objects.unscoped().select_for_update().get(pk=p.pk) for p in (keep, duplicate))
    if keep.merged_into_id or duplicate.merged_into_id:
        raise ValidationError(_("One of these records has been merged already."))
    before = {"keep": person_snapshot(keep), "duplicate": person_snapshot(duplicate)}
    today = timezone.localdate()
    # unscoped: the memberships of the two locked persons, moved to the record kept
    memberships = Membership.objects.unscoped()
    if memberships.filter(person=keep, left_on__isnull=True).exists():
        memberships.filter(person=duplicate, left_on__isnull=True).update(
            left_on=today, left_reason=_("Merged into another record")[:200]
        )
    memberships.filter(person=duplicate).update(person=keep)
    # unscoped: the duplicate's certificates, moved to the record kept
    DisabilityCertificate.objects.unscoped().filter(person=duplicate).update(person=keep)
    keep.illnesses.add(*duplicate.illnesses.all())
    duplicate.merged_into = keep
    duplicate.save(update_fields=["merged_into", "updated_at"])
    audit_record(
        actor=actor,
        action="people.person_merged",
        obj=keep,
        area_code=keep.hukou_area_id,
        before=before,
        after={"kept": keep.pk, "merged": duplicate.pk},
        reason=reason,
    )
    return keep
