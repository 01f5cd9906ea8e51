from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from minsheng.accounts.models import RoleAssignment, User
from minsheng.areas.models import Division


def user_list(*, actor: User, query: str = "") -> QuerySet[User]:
    users = User.objects.restrict(actor, "view").select_related("home_area")
    if query:
        users = users.filter(username__icontains=query) | users.filter(display_name__icontains=query)
    assignments = RoleAssignment.objects.select_related("division", "department").order_by("role")
    return users.prefetch_related(Prefetch("role_assignments", queryset=assignments)).order_by("username")


def user_get(*, actor: User, pk: int) -> User:
    return get_object_or_404(User.objects.restrict(actor, "view").select_related("home_area"), pk=pk)


def managed_divisions(*, actor: Any) -> QuerySet[Division]:
    """Divisions in which the actor manages accounts (the door, with the account-management permission)."""
    scopes = actor.scopes_for("accounts.change_user")
    divisions = Division.objects.restrict(actor, "view")
    if not scopes:
        return divisions.none()
    condition = Q()
    for scope in scopes:
        condition |= Q(code__startswith=scope.prefix)
    return divisions.filter(condition)
