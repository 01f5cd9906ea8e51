"""The rules page: the value of every rule in force in the city today, the history, and a new value."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accounts.typing import AuthenticatedRequest
from minsheng.assistance.rules.models import Parameter
from minsheng.assistance.rules.selectors import MissingParameter, parameter_for, parameter_history
from minsheng.assistance.rules.services import parameter_set
from minsheng.assistance.rules.specs import SPECS
from minsheng.core.decorators import role_required

CITY = "321300000000"


@role_required("assistance.view_parameter")
def rules(request: AuthenticatedRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = []
    for spec in SPECS:
        try:
            current: Parameter | None = parameter_for(spec.key, area_code=CITY, on=today)
        except MissingParameter:
            current = None
        rows.append((spec, current))
    history = parameter_history()
    can_change = request.user.has_perm("assistance.change_parameter")
    if request.method == "POST" and can_change:
        try:
            value = json.loads(request.POST.get("value", ""))
            valid_from = dt.date.fromisoformat(request.POST.get("valid_from", ""))
        except ValueError:
            messages.error(request, _("Enter the value as a number (or a list for bands) and a date."))
        else:
            try:
                parameter_set(
                    actor=request.user,
                    key=request.POST.get("key", ""),
                    area_prefix=request.POST.get("area_prefix", "").strip(),
                    valid_from=valid_from,
                    value=value,
                    source=request.POST.get("source", ""),
                    is_demo=request.POST.get("is_demo") == "on",
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("The new value is entered."))
                return redirect("assistance:rules")
    elif request.method == "POST":
        return render(request, "403.html", status=403)
    context = {"rows": rows, "history": history, "can_change": can_change, "specs": SPECS, "today": today}
    return render(request, "assistance/rules/rules.html", context)
