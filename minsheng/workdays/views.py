from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.core.decorators import role_required
from minsheng.core.forms import add_service_errors
from minsheng.core.numbers import parse_int
from minsheng.core.typing import ActorRequest
from minsheng.workdays.forms import ArrangementForm
from minsheng.workdays.models import CalendarDay, CalendarYear
from minsheng.workdays.services import Calendar, calendar_year_load, parse_arrangement, statutory_holidays


def _context(request: HttpRequest, year: int, form: ArrangementForm) -> dict[str, object]:
    calendar = Calendar()
    official = calendar.is_official(year)
    if official:
        days = [(d.date, d.is_working_day, d.name) for d in CalendarDay.objects.filter(date__year=year)]
    else:
        days = [(day, False, name) for day, name in sorted(statutory_holidays(year).items())]
    return {
        "year": year,
        "official": official,
        "notice": CalendarYear.objects.filter(year=year).values_list("notice", flat=True).first() or "",
        "days": days,
        "years": list(CalendarYear.objects.values_list("year", flat=True)),
        "form": form,
        "can_change": request.user.has_perm("workdays.change_calendaryear"),
    }


@role_required("workdays.view_calendaryear")
def calendar_view(request: ActorRequest) -> HttpResponse:
    year = parse_int(request.GET.get("year"))
    year = timezone.localdate().year if year is None else min(max(year, 1949), 2200)
    form = ArrangementForm(initial={"year": year})
    return render(request, "workdays/calendar.html", _context(request, year, form))


@role_required("workdays.change_calendaryear")
@require_POST
def arrangement_load(request: ActorRequest) -> HttpResponse:
    form = ArrangementForm(request.POST)
    if form.is_valid():
        year = form.cleaned_data["year"]
        try:
            entries = parse_arrangement(form.cleaned_data["days"], year=year)
            calendar_year_load(actor=request.user, year=year, notice=form.cleaned_data["notice"], entries=entries)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The official arrangement of %(year)d is loaded.") % {"year": year})
            return redirect(f"{reverse('workdays:calendar')}?year={year}")
    year = form.cleaned_data.get("year") if hasattr(form, "cleaned_data") else None
    return render(
        request, "workdays/calendar.html", _context(request, year or timezone.localdate().year, form), status=400
    )
