"""The online channel: a resident proves who they are with their ID, name and a one-time code sent to the phone
registered for them, then applies and follows their applications like at a window (线上线下无差别).

Limits (settings): ONLINE_CODES_PER_HOUR per ID and four times that per address; a code lives
ONLINE_CODE_MINUTES and allows ONLINE_CODE_ATTEMPTS tries. Wrong details get one answer that says nothing about
which part was wrong, so the form cannot be used to probe the registry.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from minsheng.audit.services import audit_record
from minsheng.core.crypto import blind_index
from minsheng.core.sms import sms_sender
from minsheng.intake.models import OnlineCode
from minsheng.people.idnumbers import InvalidIdNumber, normalize_for_index
from minsheng.people.models import Person


class TooManyRequests(Exception):
    """The resident (or the address) asked for too many codes; try again later."""


def _hash(code: str) -> str:
    return salted_hmac("minsheng.online-code", code).hexdigest()


def online_code_request(*, id_number: str, name: str, phone: str, client_ip: str | None) -> str:
    """Send a code to the person's registered phone; returns the ID's lookup key for the next step."""
    mismatch = ValidationError(_("These details do not match a registered resident. Check them, or ask at a window."))
    try:
        index = blind_index(normalize_for_index(id_number))
    except InvalidIdNumber:
        raise mismatch from None
    now = timezone.now()
    hour_ago = now - dt.timedelta(hours=1)
    recent = OnlineCode.objects.filter(created_at__gte=hour_ago)
    limit = settings.ONLINE_CODES_PER_HOUR
    if recent.filter(id_index=index).count() >= limit or (
        client_ip and recent.filter(client_ip=client_ip).count() >= limit * 4
    ):
        raise TooManyRequests
    # unscoped: the resident's identity check against the registry: no staff scope applies
    person = Person.objects.unscoped().filter(id_index=index, merged_into__isnull=True, status="living").first()
    if person is None or person.name != name.strip() or not person.phone or person.phone != phone.replace(" ", ""):
        OnlineCode.objects.create(id_index=index, code_hash="", client_ip=client_ip, expires_at=now, used_at=now)
        raise mismatch
    code = f"{secrets.randbelow(1_000_000):06d}"
    OnlineCode.objects.create(
        id_index=index,
        code_hash=_hash(code),
        client_ip=client_ip,
        expires_at=now + dt.timedelta(minutes=settings.ONLINE_CODE_MINUTES),
    )
    sms_sender().send(
        phone=person.phone,
        text=_("[Minsheng] Your code is %(code)s, valid for %(minutes)d minutes. Do not tell anyone.")
        % {"code": code, "minutes": settings.ONLINE_CODE_MINUTES},
    )
    return index


def online_code_verify(*, id_index: str, code: str) -> Person:
    """The person, when the code is the latest one sent to them and still valid.

    Each try is counted before the code is compared, by one guarded ``UPDATE … SET attempts = attempts + 1 WHERE
    attempts < limit``: the database adds the tries of simultaneous requests one after another, so ten guesses
    sent at the same moment count ten and only the tries within the limit are compared at all. The code is then
    spent by a second guarded update (``used_at IS NULL``), so two right answers at once sign in once."""
    wrong = ValidationError(_("The code is wrong or has expired. Ask for a new one."))
    now = timezone.now()
    latest = (
        OnlineCode.objects.filter(id_index=id_index, used_at__isnull=True, expires_at__gt=now)
        .exclude(code_hash="")
        .order_by("-created_at")
        .first()
    )
    if latest is None:
        raise wrong
    counted = OnlineCode.objects.filter(
        pk=latest.pk, used_at__isnull=True, attempts__lt=settings.ONLINE_CODE_ATTEMPTS
    ).update(attempts=F("attempts") + 1)
    if counted != 1 or not constant_time_compare(latest.code_hash, _hash(code.strip())):
        raise wrong
    if OnlineCode.objects.filter(pk=latest.pk, used_at__isnull=True).update(used_at=now) != 1:
        raise wrong
    # unscoped: the resident just proved this ID number with a one-time code
    person = Person.objects.unscoped().get(id_index=id_index)
    audit_record(
        actor=None,
        action="intake.online_signed_in",
        kind="auth",
        obj=person,
        area_code=person.hukou_area_id,
    )
    return person
