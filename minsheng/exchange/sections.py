"""The data exchange's section of a person's file (一人一档): the household's 授权书 and the way to the departments'
data on the person (a query under that 授权书)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from minsheng.exchange.authorisations import NotAuthorised, authorisation_for


def person_section(user: Any, person: Any) -> dict[str, Any] | None:
    """The household's 授权书 in force (or why none is), with links for those who may record one or query."""
    can_query = user.has_perm("exchange.view_feedrecord")
    if not (can_query or user.has_perm("exchange.view_authorisation")):
        return None
    membership = person.memberships.filter(left_on__isnull=True).select_related("household").first()
    context: dict[str, Any] = {
        "person": person,
        "household": membership.household if membership else None,
        "can_query": can_query,
        "can_record": user.has_perm("exchange.add_authorisation"),
    }
    try:
        context["authorisation"] = authorisation_for(person=person, on=timezone.localdate())
    except NotAuthorised as exc:
        context["refused"] = " ".join(exc.messages)
    return context
