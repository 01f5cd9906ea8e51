from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from minsheng.accounts.models import RoleAssignment, User
from minsheng.areas.models import Division
from minsheng.areas.selectors import divisions_where


def user_list(*, actor: User, query: str = "") -> QuerySet[User]:
    users = User.objects.restrict(actor, "view").select_related("home_area")
    if query:
        users = users.filter(username__icontains=query) | users.filter(display_name__icontains=query)
    assignments = RoleAssignment.objects.select_related("division", "department").order_by("role")
    return users.prefetch_related(Prefetch("role_assignments", queryset=assignments)).order_by("username")


def user_get(*, actor: User, pk: int) -> User:
    return get_object_or_404(User.objects.restrict(actor, "view").select_related("home_area"), pk=pk)


def managed_divisions(*, actor: Any) -> QuerySet[Division]:
    """Divisions in which the actor manages accounts."""
    return divisions_where(user=actor, permission="accounts.change_user")
