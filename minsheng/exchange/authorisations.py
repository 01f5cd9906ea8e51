"""The 授权书 (DOMAIN §5): recording a household's signed authorisation as a new version, ending it, and the one check
every query about a person passes: ``authorisation_for`` names the authorisation that allows it, or refuses with the
reason (``NotAuthorised``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minsheng.accounts.models import User
from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_record
from minsheng.core.crypto import mask_id_number
from minsheng.core.limits import REASON_MAX, require_length
from minsheng.core.scoping import require_scope
from minsheng.exchange.models import Authorisation, AuthorisationSigner, DataSource, FeedRecord
from minsheng.intake.services import DOCUMENT_SIGNATURES
from minsheng.people.idnumbers import InvalidIdNumber, parse_id_number
from minsheng.people.models import Household, Membership, Person
from minsheng.people.names import is_valid_name

ADULT_AGE = 18


class NotAuthorised(ValidationError):
    """No valid 授权书 allows this query; the message says why."""


@dataclass(frozen=True)
class Signer:
    person: Person
    guardian_name: str = ""
    guardian_id_number: str = ""


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def members_on(household: Household, on: dt.date) -> list[Person]:
    """The household's living members on ``on`` (read through the household, which the caller loaded)."""
    memberships = household.memberships.filter(Q(left_on__isnull=True) | Q(left_on__gt=on), joined_on__lte=on)
    return [m.person for m in memberships.select_related("person") if m.person.status == Person.Status.LIVING]


def adults_on(household: Household, on: dt.date) -> list[Person]:
    return [p for p in members_on(household, on) if _age(p.birth_date, on) >= ADULT_AGE]


def _scan_path(uploaded: Any) -> str:
    """Where a checked scan will be kept (PDF, JPEG or PNG by its content, within the attachment size)."""
    suffix = Path(uploaded.name or "").suffix.lower()
    signature = DOCUMENT_SIGNATURES.get(suffix)
    if signature is None:
        raise ValidationError({"scan": _("Upload a PDF, JPG or PNG file.")})
    if uploaded.size > settings.ATTACHMENT_MAX_BYTES or uploaded.size == 0:
        raise ValidationError({"scan": _("Upload the scan itself (not empty, at most the attachment size).")})
    head = uploaded.read(16)
    uploaded.seek(0)
    if not head.startswith(signature[0]):
        raise ValidationError({"scan": _("The file's content is not what its name says; upload the document itself.")})
    return f"authorisations/{uuid.uuid4().hex}{suffix}"


def _write_scan(uploaded: Any, stored: str) -> str:
    """Write the scan (the last step of the transaction) and return its SHA-256."""
    target = Path(settings.MEDIA_ROOT) / stored
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    with target.open("wb") as handle:
        for chunk in uploaded.chunks():
            digest.update(chunk)
            handle.write(chunk)
    return digest.hexdigest()


def _check_signers(household: Household, signed_on: dt.date, signers: list[Signer]) -> list[Signer]:
    members = {p.pk: p for p in members_on(household, signed_on)}
    signed = {s.person.pk for s in signers}
    if len(signed) != len(signers):
        raise ValidationError({"signers": _("A member is given twice.")})
    strangers = [s.person.name for s in signers if s.person.pk not in members]
    if strangers:
        raise ValidationError(
            {"signers": _("Not members of the household that day: %(names)s") % {"names": "、".join(strangers)}}
        )
    missing = [p.name for p in adults_on(household, signed_on) if p.pk not in signed]
    if missing:
        raise ValidationError(
            {
                "signers": _("Every adult member signs (or a guardian for them); missing: %(names)s")
                % {"names": "、".join(missing)}
            }
        )
    checked = []
    for signer in signers:
        name = signer.guardian_name.strip()
        number = signer.guardian_id_number.strip()
        if name or number:
            if not is_valid_name(name):
                raise ValidationError(
                    {"signers": _("Give the guardian's name for %(name)s.") % {"name": signer.person.name}}
                )
            try:
                number = parse_id_number(number).number
            except InvalidIdNumber as exc:
                raise ValidationError(
                    {
                        "signers": _("The guardian's ID number for %(name)s: %(reason)s")
                        % {"name": signer.person.name, "reason": exc}
                    }
                ) from None
        checked.append(Signer(signer.person, name, number))
    return checked


@transaction.atomic
def authorisation_record(
    *,
    actor: User,
    household: Household,
    serial: str,
    channel: str,
    signed_on: dt.date,
    sources: Iterable[DataSource],
    signers: list[Signer],
    scan: Any = None,
    valid_until: dt.date | None = None,
) -> Authorisation:
    """Record a signed 授权书 as the household's next version; the version before ends the day this one is signed."""
    require_scope(actor, "exchange.add_authorisation", household.area_id)
    serial = serial.strip()
    if not serial:
        raise ValidationError({"serial": _("Enter the serial number printed on the authorisation.")})
    require_length(serial=(serial, 30))
    if channel not in Authorisation.Channel.values:
        raise ValidationError({"channel": _("Choose how it was signed.")})
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("The date cannot be in the future.")})
    if valid_until is not None and valid_until < signed_on:
        raise ValidationError({"valid_until": _("It cannot end before it is signed.")})
    sources = list(sources)
    if not sources:
        raise ValidationError({"sources": _("Choose the data sources the family allows to be checked.")})
    if channel == Authorisation.Channel.PAPER and scan is None:
        raise ValidationError({"scan": _("A paper authorisation needs its scan.")})
    checked = _check_signers(household, signed_on, signers)
    # unscoped: the household the caller checked, locked so that one new version is made at a time
    locked = Household.objects.unscoped().select_for_update().get(pk=household.pk)
    # unscoped: the locked household's own versions
    latest = Authorisation.objects.unscoped().filter(household=locked).aggregate(v=Max("version"))["v"] or 0
    stored = _scan_path(scan) if scan is not None else ""
    try:
        with transaction.atomic():
            authorisation = Authorisation.objects.create(
                household=locked,
                version=latest + 1,
                serial=serial,
                channel=channel,
                signed_on=signed_on,
                valid_until=valid_until,
                scan_file=stored,
                area_code=locked.area_id,
                recorded_by=actor,
            )
    except IntegrityError:
        raise ValidationError({"serial": _("This serial number is recorded already.")}) from None
    authorisation.sources.set(sources)
    AuthorisationSigner.objects.bulk_create(
        AuthorisationSigner(
            authorisation=authorisation,
            person=s.person,
            guardian_name=s.guardian_name,
            guardian_id_number=s.guardian_id_number,
            guardian_id_masked=mask_id_number(s.guardian_id_number) if s.guardian_id_number else "",
        )
        for s in checked
    )
    with translation.override("zh-hans"):
        replaced = _("Replaced by version %(version)s") % {"version": authorisation.version}
    # unscoped: the household's own earlier versions, loaded through the household locked above
    Authorisation.objects.unscoped().filter(
        household=locked, version__lt=authorisation.version, ended_on__isnull=True
    ).update(ended_on=signed_on, end_reason=replaced)
    audit_record(
        actor=actor,
        action="exchange.authorisation_recorded",
        obj=authorisation,
        area_code=authorisation.area_code,
        after={
            "serial": serial,
            "version": authorisation.version,
            "channel": channel,
            "signed_on": signed_on,
            "valid_until": valid_until,
            "sources": sorted(s.code for s in sources),
            "signers": [
                {
                    "person": s.person.pk,
                    "guardian": s.guardian_name,
                    "guardian_id": mask_id_number(s.guardian_id_number),
                }
                if s.guardian_id_number
                else {"person": s.person.pk}
                for s in checked
            ],
        },
    )
    if stored:
        authorisation.scan_sha256 = _write_scan(scan, stored)
        authorisation.save(update_fields=["scan_sha256"])
    return authorisation


@transaction.atomic
def authorisation_end(*, actor: User, authorisation: Authorisation, on: dt.date, reason: str) -> Authorisation:
    """End a 授权书 (the household was found ineligible, or left assistance after its monitoring period)."""
    row = Authorisation.objects.restrict(actor, "change").select_for_update().filter(pk=authorisation.pk).first()
    if row is None:
        raise ValidationError(_("This authorisation is outside what you may change."))
    if row.ended_on is not None:
        raise ValidationError(_("This authorisation has ended already."))
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the authorisation ends.")})
    require_length(reason=(reason, min(REASON_MAX, 200)))
    if on < row.signed_on or on > timezone.localdate():
        raise ValidationError({"on": _("It ends between the day it was signed and today.")})
    row.ended_on, row.end_reason = on, reason
    row.save(update_fields=["ended_on", "end_reason"])
    audit_record(
        actor=actor,
        action="exchange.authorisation_ended",
        obj=row,
        area_code=row.area_code,
        after={"ended_on": on},
        reason=reason,
    )
    return row


def authorisation_for(*, person: Person, on: dt.date, source: DataSource | None = None) -> Authorisation:
    """The 授权书 that allows a query about ``person`` on ``on`` (of ``source``, or of any source), or NotAuthorised
    saying why not: no household, none on file, ended, expired, the source not covered, the person not among the
    signers (an adult who joined after it was signed)."""
    # unscoped: the check itself reads the person's household, whoever asks (the caller's page is scoped)
    membership = (
        Membership.objects.unscoped()
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=on), person=person, joined_on__lte=on)
        .select_related("household")
        .first()
    )
    household = membership.household if membership is not None else None
    return authorisation_in(household=household, person=person, on=on, source=source)


def authorisation_in(
    *, household: Household | None, person: Person, on: dt.date, source: DataSource | None = None
) -> Authorisation:
    """``authorisation_for`` when the caller knows the household ``person`` belongs to on ``on`` (None: none), from
    the person's memberships it has read already (their file)."""
    if household is None:
        raise NotAuthorised(
            _("%(name)s belongs to no household: no 授权书 can allow the query.") % {"name": person.name}
        )
    signed = AuthorisationSigner.objects.filter(authorisation=OuterRef("pk"), person=person)
    # unscoped: the check reads the household's authorisations whoever asks (the caller's page is scoped); whether
    # the person signed comes in the same read
    latest = (
        Authorisation.objects.unscoped()
        .filter(household=household, signed_on__lte=on)
        .annotate(person_signed=Exists(signed))
        .order_by("-version")
        .first()
    )
    if latest is None:
        raise NotAuthorised(
            _("No 授权书 of household %(household)s is on file: the family signs one first.")
            % {"household": household.number}
        )
    if latest.ended_on is not None and latest.ended_on <= on:
        raise NotAuthorised(
            _("授权书 %(serial)s ended on %(date)s (%(reason)s).")
            % {"serial": latest.serial, "date": latest.ended_on.isoformat(), "reason": latest.end_reason}
        )
    if latest.valid_until is not None and latest.valid_until < on:
        raise NotAuthorised(
            _("授权书 %(serial)s was valid until %(date)s.")
            % {"serial": latest.serial, "date": latest.valid_until.isoformat()}
        )
    if source is not None and source not in latest.sources.all():
        raise NotAuthorised(
            _("授权书 %(serial)s does not cover %(source)s.") % {"serial": latest.serial, "source": str(source)}
        )
    if not latest.person_signed and _age(person.birth_date, latest.signed_on) >= ADULT_AGE:
        raise NotAuthorised(
            _("%(name)s has not signed 授权书 %(serial)s: the family signs a new version.")
            % {"name": person.name, "serial": latest.serial}
        )
    return latest


def person_records_query(*, actor: User, person: Person, on: dt.date | None = None) -> tuple[Authorisation, list[Any]]:
    """What the departments' feeds held say of ``person``, of the sources the household's 授权书 covers: the query
    names the authorisation (NotAuthorised if none is valid) and is audited with it."""
    on = on or timezone.localdate()
    authorisation = authorisation_for(person=person, on=on)
    records = list(
        FeedRecord.objects.restrict(actor, "view")
        .filter(person=person, match=FeedRecord.Match.MATCHED, feed__source__in=authorisation.sources.all())
        .select_related("feed__source")
        .order_by("feed__source__sort_order", "-on", "-feed__received_at")[:500]
    )
    audit_record(
        actor=actor,
        action="exchange.person_queried",
        kind=AuditEvent.Kind.VIEW,
        obj=person,
        area_code=person.hukou_area_id,
        after={"authorisation": authorisation.serial, "records": len(records)},
        reason=_("Under 授权书 %(serial)s") % {"serial": authorisation.serial},
    )
    return authorisation, records
