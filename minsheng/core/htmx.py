"""One helper decides whether a request wants the whole page or only the fragment htmx swaps in."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Boosted") != "true"


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, fragment: str, status: int = 200
) -> HttpResponse:
    """Render ``template`` (the full page), or just ``fragment`` when htmx asks for it."""
    return render(request, fragment if is_htmx(request) else template, context, status=status)
