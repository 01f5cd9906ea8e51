from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
