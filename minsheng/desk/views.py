"""我的待办: what is due for the signed-in worker, from every module, and their notices."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from minsheng.core.keyset import cursor_of
from minsheng.core.typing import ActorRequest
from minsheng.desk.selectors import due_page, notices_of
from minsheng.desk.services import notices_mark_read


@login_required
def todo(request: ActorRequest) -> HttpResponse:
    """The user's due work of every kind (or of one), soonest deadline first, a page at a time by a signed cursor
    (a bad one: 400)."""
    kind = request.GET.get("kind", "")[:40]
    due = due_page(user=request.user, today=timezone.localdate(), kind=kind, cursor=cursor_of(request))
    labels = {work.key: work.label for work, _count in due.counts}
    context = {
        "due": due,
        "rows": [(item, labels.get(item.kind, item.kind)) for item in due.rows],
        "kind": kind,
        "notices": notices_of(request.user),
    }
    return render(request, "desk/todo.html", context)


@login_required
@require_POST
def notices_read(request: ActorRequest) -> HttpResponse:
    notices_mark_read(actor=request.user)
    return redirect("desk:todo")
