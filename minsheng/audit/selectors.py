from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from minsheng.audit.models import AuditEvent
from minsheng.core.db_router import read_alias
from minsheng.core.keyset import Key
from minsheng.core.modules import audit_describers, objects_about, person_named, role_labels

# The auditor's list: newest first, through the (time, id, area) index read backwards from the cursor.
EVENT_KEYS = (Key("occurred_at", descending=True), Key("id", descending=True))

# A person with more objects than this is searched by the first ones only (a resident has tens, not thousands).
PERSON_OBJECTS_MAX = 2000

if TYPE_CHECKING:
    from minsheng.core.typing import Actor


def audit_event_search(
    *,
    user: Actor,
    person: str = "",
    actor: str = "",
    action: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events the user may see, filtered as the auditor page asks. ``person``: an ID number or a person id
    finds the events of everything about that person the modules declare (their record, households, applications,
    cases, benefits, payments …); any text also matches an object's id or its recorded words."""
    events = AuditEvent.objects.restrict(user, "view")
    if person:
        events = events.filter(_about(user, person))
    if actor:
        events = events.filter(actor_username__iexact=actor)
    if action:
        events = events.filter(action__startswith=action)
    # Days as ranges of the time itself (local midnight to midnight), not the date of each row: PostgreSQL then reads
    # only the month partitions the range covers, through the index on the time.
    if date_from:
        events = events.filter(occurred_at__gte=_midnight(date_from))
    if date_to and date_to < dt.date.max:  # the last day there is: no upper bound
        events = events.filter(occurred_at__lt=_midnight(date_to + dt.timedelta(days=1)))
    # The search reads from the replica when one is configured (not inside a transaction on the primary).
    return events.using(read_alias())


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_current_timezone())


def _about(user: Any, text: str) -> Q:
    condition = Q(object_id=text) | Q(object_repr__icontains=text)
    found = person_named(user, text)
    if found is None:
        return condition
    shown = 0
    for object_type, ids in sorted(objects_about(found).items()):
        chosen = sorted(ids)[: PERSON_OBJECTS_MAX - shown]
        shown += len(chosen)
        if chosen:
            condition |= Q(object_type=object_type, object_id__in=chosen)
    return condition


@dataclass(frozen=True)
class EventRow:
    """An event as the auditor reads it: the roles, the action and the object in words."""

    event: AuditEvent
    roles: str
    object_text: str


def readable(events: Iterable[AuditEvent]) -> list[EventRow]:
    """The events of a page with their roles in words and their objects described by the modules that own them
    (receipt number, programme, masked name); an object no module describes keeps its recorded words."""
    events = list(events)
    wanted: dict[str, set[str]] = {}
    for event in events:
        if event.object_type and event.object_id:
            wanted.setdefault(event.object_type, set()).add(event.object_id)
    describers = audit_describers()
    words: dict[tuple[str, str], str] = {}
    for object_type, ids in wanted.items():
        describe = describers.get(object_type)
        if describe is not None:
            for object_id, text in describe(sorted(ids)).items():
                words[(object_type, object_id)] = text
    labels = role_labels()
    rows = []
    for event in events:
        roles = "、".join(str(labels.get(code, code)) for code in event.actor_role.split(",") if code)
        text = words.get((event.object_type, event.object_id), event.object_repr)
        rows.append(EventRow(event, roles, text))
    return rows
