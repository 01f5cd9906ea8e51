"""The rules page: the value of every rule in force in the city today as tables in 元, the history, and a new value
entered through a structured form (one rule at a time; bands and tiers as rows)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.accounts.typing import AuthenticatedRequest
from minsheng.assistance.rules.forms import display, form_rows, input_text, parse_value
from minsheng.assistance.rules.models import Parameter
from minsheng.assistance.rules.selectors import MissingParameter, parameter_for, parameter_history
from minsheng.assistance.rules.services import parameter_set
from minsheng.assistance.rules.specs import SPEC_BY_KEY, SPECS
from minsheng.core.decorators import role_required
from minsheng.core.limits import LABEL_MAX

CITY = "321300000000"


def _current(key: str, today: dt.date) -> Parameter | None:
    try:
        return parameter_for(key, area_code=CITY, on=today)
    except MissingParameter:
        return None


@role_required("assistance.view_parameter")
def rules(request: AuthenticatedRequest) -> HttpResponse:
    today = timezone.localdate()
    can_change = request.user.has_perm("assistance.change_parameter")
    if request.method == "POST" and not can_change:
        return render(request, "403.html", status=403)
    key = request.POST.get("key") or request.GET.get("edit") or ""
    spec = SPEC_BY_KEY.get(key) if can_change else None
    entered = None
    if request.method == "POST":
        if spec is None:
            messages.error(request, _("Choose a rule to change."))
            return redirect("assistance:rules")
        try:
            valid_from = dt.date.fromisoformat(request.POST.get("valid_from", ""))
        except ValueError:
            messages.error(request, _("Enter the date the value is valid from."))
        else:
            try:
                parameter_set(
                    actor=request.user,
                    key=spec.key,
                    area_prefix=request.POST.get("area_prefix", "").strip()[:12],
                    valid_from=valid_from,
                    value=parse_value(spec, request.POST),
                    source=request.POST.get("source", "")[:LABEL_MAX],
                    is_demo=request.POST.get("is_demo") == "on",
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("The new value is entered."))
                return redirect("assistance:rules")
        entered = request.POST
    rows = []
    for each in SPECS:
        current = _current(each.key, today)
        rows.append((each, current, display(each, current.value) if current else None))
    editing = None
    if spec is not None:
        current = _current(spec.key, today)
        value = current.value if current else ([] if spec.unit in {"bands", "set"} else None)
        editing = {
            "spec": spec,
            "scalar": spec.unit not in {"bands", "record", "set"},
            "value": entered.get("value", "") if entered else input_text(spec.unit, value),
            "rows": form_rows(spec, value) if spec.unit in {"bands", "record"} else [],
            "choices": [(code, label, code in (value or [])) for code, label in spec.choices],
            "area_prefix": entered.get("area_prefix", "3213") if entered else "3213",
            "valid_from": entered.get("valid_from", "") if entered else "",
            "source": entered.get("source", "") if entered else "",
        }
    history = [(p, SPEC_BY_KEY.get(p.key)) for p in parameter_history()]
    shown_history = [(p, s, display(s, p.value) if s else None) for p, s in history]
    context = {
        "rows": rows,
        "history": shown_history,
        "can_change": can_change,
        "editing": editing,
        "today": today,
        "rules_url": reverse("assistance:rules"),
    }
    return render(request, "assistance/rules/rules.html", context)
