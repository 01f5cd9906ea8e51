from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from minsheng.accounts.models import RoleAssignment, RoleRequest, User, UserSession
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


def managed_divisions(*, actor: User) -> QuerySet[Division]:
    """Divisions in which the actor manages accounts."""
    return divisions_where(user=actor, permission="accounts.change_user")


def role_request_pending(*, actor: User, user: User | None = None) -> QuerySet[RoleRequest]:
    """Grants of sensitive roles waiting for a second administrator, in the actor's areas (of one account)."""
    requests = RoleRequest.objects.restrict(actor, "view").filter(status=RoleRequest.Status.PENDING)
    if user is not None:
        requests = requests.filter(user=user)
    return requests.select_related("user", "division", "department", "requested_by").order_by("requested_at", "pk")


def role_request_get(*, actor: User, pk: int) -> RoleRequest:
    return get_object_or_404(
        RoleRequest.objects.restrict(actor, "view").select_related("user", "division", "department"), pk=pk
    )


def session_list(*, user: User) -> QuerySet[UserSession]:
    """The account's sessions that have not expired, the most recently active first."""
    return (
        UserSession.objects.filter(user=user, session__expire_date__gt=timezone.now())
        .select_related("session")
        .order_by("-session__expire_date", "-pk")
    )
