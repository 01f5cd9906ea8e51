"""The acting user as the layers below ``accounts`` see it.

Core, audit and the reference data (areas, workdays, catalog) sit below ``accounts`` and may not import its user
model; they type the actor with ``Actor``, the few attributes they read, which ``accounts.User`` has. Apps above
``accounts`` type it as ``accounts.User`` and their signed-in views take ``accounts.typing.AuthenticatedRequest``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import Model

from minsheng.core.scoping import ScopeHolder


class Assignment(Protocol):
    """One role held in one division (``accounts.RoleAssignment``)."""

    @property
    def role(self) -> str: ...

    @property
    def division_id(self) -> str: ...


class Actor(ScopeHolder, Protocol):
    """A signed-in staff account (``accounts.User``): who acts, where (``scopes_for``) and with which roles."""

    @property
    def pk(self) -> Any: ...

    def get_username(self) -> str: ...

    def has_perm(self, perm: str, obj: Model | None = ...) -> bool: ...

    def effective_assignments(self) -> Sequence[Assignment]: ...


if TYPE_CHECKING:
    from django.http import HttpRequest
    from rest_framework.request import Request

    class ActorRequest(HttpRequest):
        """A page request of a signed-in user, for the views below ``accounts`` (login required before they run)."""

        user: Actor  # type: ignore[assignment]  # Django types it as a user model (or anonymous); here the Protocol

    class ActorApiRequest(Request):
        """An API request of a signed-in user, for the API below ``accounts``."""

        user: Actor  # type: ignore[assignment]  # as in ActorRequest
else:
    # Types only: at run time they are Django's and DRF's request classes.
    from django.http import HttpRequest as ActorRequest
    from rest_framework.request import Request as ActorApiRequest

__all__ = ["Actor", "ActorApiRequest", "ActorRequest", "Assignment"]
