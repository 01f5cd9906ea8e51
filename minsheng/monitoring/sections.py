"""The monitoring section of a person's file: the person's warnings and visits, and the household's groups."""

from __future__ import annotations

from typing import Any

from minsheng.monitoring.models import Alert, MonitoredHousehold, Visit
from minsheng.people.selectors import person_current_membership


def person_section(user: Any, person: Any) -> dict[str, Any] | None:
    if not user.has_perm("monitoring.view_alert"):
        return None
    alerts = list(Alert.objects.restrict(user, "view").filter(person=person).order_by("-raised_on")[:20])
    # The file shows how many visits were recorded, not the visits: counted, not read.
    visits = Visit.objects.restrict(user, "view").filter(person=person).count()
    membership = person_current_membership(person)
    monitored = (
        MonitoredHousehold.objects.restrict(user, "view").filter(household_id=membership.household_id).first()
        if membership
        else None
    )
    if not (alerts or visits or monitored):
        return None
    return {"alerts": alerts, "visits": visits, "monitored": monitored, "person": person}
