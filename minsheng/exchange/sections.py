"""The data exchange's section of a person's file (一人一档): the household's 授权书 and the way to the departments'
data on the person (a query under that 授权书)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from minsheng.core.scoping import scope_allows
from minsheng.exchange.authorisations import NotAuthorised, authorisation_in
from minsheng.exchange.models import Verification
from minsheng.people.selectors import person_current_membership, person_memberships


def person_section(user: Any, person: Any) -> dict[str, Any] | None:
    """The household's 授权书 in force (or why none is), with links for those who may record one or query; None for a
    user who may not see the household (the scoping door) or has no part in the 授权书."""
    can_query = user.has_perm("exchange.view_feedrecord")
    if not (can_query or user.has_perm("exchange.view_authorisation") or user.has_perm("exchange.view_verification")):
        return None
    membership = person_current_membership(person)
    if membership is None:
        return None
    household = membership.household
    # The door's rule for households (their village's code under one of the user's areas), checked on the row the
    # file read through the person rather than read again.
    if not scope_allows(user, "people.view_household", household.area_id):
        return None
    context: dict[str, Any] = {
        "person": person,
        "household": household,
        "can_query": can_query,
        "can_record": scope_allows(user, "exchange.add_authorisation", household.area_id),
        "can_verify": scope_allows(user, "exchange.add_verification", household.area_id),
        # The household's latest 核对 the user may see (its number and state, a link to it).
        "verification": Verification.objects.restrict(user, "view")
        .filter(household=household)
        .order_by("-requested_at", "-id")
        .first(),
    }
    today = timezone.localdate()
    # The household the person belongs to today, as ``authorisation_for`` finds it, from the memberships read once.
    belongs = (
        m for m in person_memberships(person) if m.joined_on <= today and (m.left_on is None or m.left_on > today)
    )
    try:
        context["authorisation"] = authorisation_in(
            household=next((m.household for m in belongs), None), person=person, on=today
        )
    except NotAuthorised as exc:
        context["refused"] = " ".join(exc.messages)
    return context
