from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from minsheng.areas import selectors
from minsheng.core.decorators import role_required
from minsheng.core.htmx import render_page
from minsheng.core.typing import ActorRequest


@role_required("areas.view_division")
def division_index(request: ActorRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    context = {
        "query": query,
        "roots": selectors.division_roots(user=request.user),
        "results": selectors.division_search(user=request.user, query=query) if query else None,
    }
    return render_page(request, "areas/index.html", context, fragment="areas/_results.html")


@role_required("areas.view_division")
def division_detail(request: ActorRequest, code: str) -> HttpResponse:
    division = selectors.division_get(user=request.user, code=code)
    context = {
        "division": division,
        "ancestors": selectors.division_ancestors(division),
        "children": selectors.division_children(user=request.user, division=division),
    }
    return render(request, "areas/detail.html", context)
