from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from rest_framework import exceptions

from minsheng.core.keyset import BadListRequest
from minsheng.core.typing import ActorRequest

# Below this path every answer is JSON in the API's one error shape (core/api.py), also when no view was reached
# (an unknown path such as /api/v1/payroll-batches/0.5/approve/) or the view failed.
API_PREFIX = "/api/"


def _api_error(request: HttpRequest, error: type[exceptions.APIException]) -> HttpResponse | None:
    if not request.path.startswith(API_PREFIX):
        return None
    return JsonResponse({"detail": str(error.default_detail)}, status=error.status_code)


@login_required
def home(request: ActorRequest) -> HttpResponse:
    """The start page: who you are, where you work, and what you can open from here."""
    return render(request, "core/home.html")


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A request the page cannot read (a list's tampered cursor): the reason in the user's words when it has one."""
    message = str(exception) if isinstance(exception, BadListRequest) else ""
    return _api_error(request, exceptions.ParseError) or render(request, "400.html", {"message": message}, status=400)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api_error(request, exceptions.PermissionDenied) or render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api_error(request, exceptions.NotFound) or render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # No context processors beyond the template's own needs: the database may be what failed.
    return _api_error(request, exceptions.APIException) or render(request, "500.html", status=500)
