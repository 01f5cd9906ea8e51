from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

ACTIVE_ASSIGNMENT_SESSION_KEY = "minsheng_active_assignment"


class ActiveScopeMiddleware:
    """Apply the area the user picked (when they hold several assignments) to this request's user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            chosen = request.session.get(ACTIVE_ASSIGNMENT_SESSION_KEY)
            if chosen is not None:
                user.active_assignment = next((a for a in user.assignments if a.pk == chosen), None)
        return self.get_response(request)


# What a user who must change their password may still open: the change page itself, signing out, the language.
PASSWORD_CHANGE_OPEN = frozenset(
    {"accounts:password_change", "accounts:password_reset_confirm", "accounts:logout", "set_language"}
)


class PasswordChangeRequiredMiddleware:
    """Until a password set by an administrator, or one past its maximum age, is replaced, every page sends its
    holder to the change page, and the API answers 403 with the reason."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or not user.password_change_reason():
            return None
        match = request.resolver_match
        if match is not None and match.view_name in PASSWORD_CHANGE_OPEN:
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Change your password first: open the platform in the browser and choose a new one.")},
                status=403,
            )
        target = reverse("accounts:password_change")
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return redirect(target)
