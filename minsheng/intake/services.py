"""Writes of the one window."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from minsheng.accounts.models import User
from minsheng.audit.services import audit_record
from minsheng.catalog.models import Department, Item
from minsheng.intake.models import Channel, Consultation
from minsheng.people.models import Person

# The channel a window of each level records.
CHANNEL_OF_LEVEL = {"village": Channel.VILLAGE, "township": Channel.TOWNSHIP, "county": Channel.COUNTY}


def window_of(actor: User, permission: str) -> tuple[str, str]:
    """The area code and channel of the window the actor works at (their first area granting ``permission``)."""
    allowed = {s.prefix for s in actor.scopes_for(permission)}
    for assignment in actor.effective_assignments():
        if assignment.prefix in allowed:
            return assignment.division_id, CHANNEL_OF_LEVEL.get(assignment.division.level, Channel.COUNTY)
    raise PermissionDenied(_("You do not work at a window."))


@transaction.atomic
def consultation_record(
    *,
    actor: User,
    topic: str,
    outcome: str,
    items: list[Item] | None = None,
    asker_name: str = "",
    person: Person | None = None,
    referred_to: Department | None = None,
    channel: str | None = None,
) -> Consultation:
    """Record a consultation at the actor's window; a person, when named, must be in the actor's areas."""
    area_code, window_channel = window_of(actor, "intake.add_consultation")
    if not topic.strip():
        raise ValidationError({"topic": _("Write down what was asked.")})
    if outcome not in Consultation.Outcome.values:
        raise ValidationError({"outcome": _("Choose an outcome from the list.")})
    if outcome == Consultation.Outcome.REFERRED and referred_to is None:
        raise ValidationError({"referred_to": _("Name the department the person was referred to.")})
    if channel is not None and channel not in Channel.values:
        raise ValidationError({"channel": _("Choose a channel from the list.")})
    if person is not None and not Person.objects.restrict(actor, "view").filter(pk=person.pk).exists():
        raise PermissionDenied(_("This person is outside your areas."))
    consultation = Consultation.objects.create(
        area_code=area_code,
        channel=channel or window_channel,
        asker_name=asker_name.strip()[:50] or (person.name if person else ""),
        person=person,
        topic=topic.strip(),
        outcome=outcome,
        referred_to=referred_to if outcome == Consultation.Outcome.REFERRED else None,
        recorded_by=actor,
    )
    if items:
        consultation.items.set(items)
    audit_record(
        actor=actor,
        action="intake.consultation_recorded",
        obj=consultation,
        area_code=area_code,
        after={
            "outcome": outcome,
            "items": sorted(i.number for i in items or []),
            "person": person.pk if person else None,
        },
    )
    return consultation


def consultation_counts(*, user: Any) -> dict[str, int]:
    """Consultations by outcome in the user's areas (for the window page; statistics come later)."""
    rows = Consultation.objects.restrict(user, "view").values("outcome").annotate(n=Count("id"))
    return {row["outcome"]: row["n"] for row in rows}
