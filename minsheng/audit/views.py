from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from minsheng.audit.forms import AuditSearchForm
from minsheng.audit.selectors import EVENT_KEYS, audit_event_search, readable
from minsheng.core.decorators import role_required
from minsheng.core.htmx import render_page
from minsheng.core.keyset import cursor_of, keyset_page
from minsheng.core.typing import ActorRequest

EVENTS_PAGE = 50


@role_required("audit.view_auditevent")
def event_list(request: ActorRequest) -> HttpResponse:
    """The auditor's search: the events of the window (by default the last ``WINDOW_DAYS`` days, at most
    ``WINDOW_MAX_DAYS``: on PostgreSQL only those months' partitions are read), newest first, a keyset page at a
    time. A search the form refuses is a 400 with the reasons on the form."""
    form = AuditSearchForm({k: v for k, v in request.GET.items() if k != "cursor"})
    context: dict[str, Any] = {"form": form, "page": None, "rows": []}
    if not form.is_valid():
        return render_page(request, "audit/event_list.html", context, fragment="audit/_events.html", status=400)
    events = audit_event_search(user=request.user, **form.cleaned_data)
    page = keyset_page(events, EVENT_KEYS, cursor=cursor_of(request), size=EVENTS_PAGE, salt="audit.events")
    context.update(page=page, rows=readable(page))
    return render_page(request, "audit/event_list.html", context, fragment="audit/_events.html")
