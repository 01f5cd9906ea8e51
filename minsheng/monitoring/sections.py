"""The monitoring section of a person's file: the person's warnings and visits, and the household's groups."""

from __future__ import annotations

from typing import Any

from minsheng.monitoring.models import Alert, MonitoredHousehold, Visit


def person_section(user: Any, person: Any) -> dict[str, Any] | None:
    if not user.has_perm("monitoring.view_alert"):
        return None
    alerts = list(Alert.objects.restrict(user, "view").filter(person=person).order_by("-raised_on")[:20])
    visits = list(Visit.objects.restrict(user, "view").filter(person=person).order_by("-checked_in_at")[:20])
    membership = person.memberships.filter(left_on__isnull=True).first()
    monitored = (
        MonitoredHousehold.objects.restrict(user, "view").filter(household_id=membership.household_id).first()
        if membership
        else None
    )
    if not (alerts or visits or monitored):
        return None
    return {"alerts": alerts, "visits": visits, "monitored": monitored, "person": person}
