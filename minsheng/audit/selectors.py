from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from minsheng.audit.models import AuditEvent

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
    """Audit events the user may see, filtered as the auditor page asks."""
    events = AuditEvent.objects.restrict(user, "view")
    if person:
        events = events.filter(Q(object_id=person) | Q(object_repr__icontains=person))
    if actor:
        events = events.filter(actor_username__iexact=actor)
    if action:
        events = events.filter(action__startswith=action)
    if date_from:
        events = events.filter(occurred_at__date__gte=date_from)
    if date_to:
        events = events.filter(occurred_at__date__lte=date_to)
    return events
