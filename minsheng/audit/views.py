from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponse

from minsheng.audit.forms import AuditSearchForm
from minsheng.audit.selectors import audit_event_search, readable
from minsheng.core.decorators import role_required
from minsheng.core.htmx import render_page
from minsheng.core.typing import ActorRequest


@role_required("audit.view_auditevent")
def event_list(request: ActorRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    events = audit_event_search(user=request.user, **filters)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render_page(
        request,
        "audit/event_list.html",
        {"form": form, "page": page, "rows": readable(page)},
        fragment="audit/_events.html",
    )
