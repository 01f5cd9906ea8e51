from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from minsheng.areas.models import Division

if TYPE_CHECKING:
    from minsheng.core.typing import Actor


def division_roots(*, user: Actor) -> QuerySet[Division]:
    """The divisions the user's assignments are bound to: where their browsing starts."""
    codes = {a.division_id for a in user.effective_assignments()}
    return Division.objects.within(user).filter(code__in=codes).order_by("code")


def division_search(*, user: Actor, query: str, limit: int = 50) -> QuerySet[Division]:
    query = query.strip()
    divisions = Division.objects.within(user)
    divisions = (
        divisions.filter(code__startswith=query)
        if query.isascii() and query.isdigit()
        else divisions.filter(name__contains=query)
    )
    return divisions.select_related("parent").order_by("code")[:limit]


def division_get(*, user: Actor, code: str) -> Division:
    """A division inside the user's areas, else 404 (never 403: that would confirm it exists)."""
    return get_object_or_404(Division.objects.within(user).select_related("parent"), code=code)


def division_children(*, user: Actor, division: Division) -> QuerySet[Division]:
    return (
        Division.objects.within(user).filter(parent=division).annotate(child_count=Count("children")).order_by("code")
    )


def division_ancestors(division: Division) -> list[Division]:
    """From the province down to the parent; ancestors are public facts, read through the base manager."""
    chain: list[Division] = []
    parent = division.parent
    while parent is not None:
        chain.append(parent)
        parent = parent.parent
    return list(reversed(chain))


def divisions_where(*, user: Actor, permission: str) -> QuerySet[Division]:
    """Divisions the user may see in which they also hold ``permission``: what a form may offer them."""
    condition = Q()
    for scope in user.scopes_for(permission):
        condition |= Q(code__startswith=scope.prefix)
    divisions = Division.objects.within(user)
    return divisions.filter(condition) if condition else divisions.none()
