"""Requests of a signed-in staff account, for the views above ``accounts``.

A view behind ``login_required`` / ``role_required`` (pages) or ``HasRolePermission`` (API) takes one of these, so
``request.user`` is the user model without a cast. A view that also serves anonymous visitors keeps ``HttpRequest``.
Types only: at run time they are Django's and DRF's request classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import HttpRequest
    from rest_framework.request import Request

    from minsheng.accounts.models import User

    class AuthenticatedRequest(HttpRequest):
        """A page request of a signed-in user."""

        user: User

    class AuthenticatedApiRequest(Request):
        """An API request of a signed-in user."""

        user: User
else:
    from django.http import HttpRequest as AuthenticatedRequest
    from rest_framework.request import Request as AuthenticatedApiRequest

__all__ = ["AuthenticatedApiRequest", "AuthenticatedRequest"]
