from __future__ import annotations

from typing import TYPE_CHECKING

from rest_framework import authentication
from rest_framework.permissions import BasePermission

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView


class SessionAuthentication(authentication.SessionAuthentication):
    """Session authentication that answers an anonymous API call with 401, not 403.

    DRF answers 401 only when the first authentication class names a challenge; a request without a session
    is unauthenticated, which is what 401 means.
    """

    def authenticate_header(self, request: Request) -> str:
        return 'Session realm="minsheng"'


class HasRolePermission(BasePermission):
    """The view names ``required_permission``; the user must hold it in some area (the door does the rest)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        permission: str = view.required_permission  # type: ignore[attr-defined]
        return bool(request.user and request.user.is_authenticated and request.user.has_perm(permission))
