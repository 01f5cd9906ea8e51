"""Pages of the relief station, and the public tracing announcements (no login)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.accounts.typing import AuthenticatedRequest
from minsheng.areas.models import Division
from minsheng.core.decorators import role_required
from minsheng.core.forms import add_service_errors
from minsheng.core.keyset import cursor_of, keyset_page, since_of
from minsheng.core.steps import service_step
from minsheng.relief import selectors
from minsheng.relief.forms import (
    AdmissionForm,
    AnnouncementForm,
    BelongingForm,
    CheckForm,
    CheckResultForm,
    DepartureForm,
    ExtensionForm,
    PatrolForm,
    ResettleForm,
    ReuniteForm,
    ServicesForm,
    StationForm,
)
from minsheng.relief.models import Admission, Tracing, TracingCheck
from minsheng.relief.services import (
    SERVICES,
    AdmissionData,
    admission_record,
    admission_services,
    announcement_publish,
    belonging_add,
    departure_record,
    patrol_record,
    station_create,
    stay_extend,
    tracing_check_request,
    tracing_check_result,
    tracing_resettle,
    tracing_reunite,
)

VIEW = "relief.view_admission"
CHANGE = "relief.change_admission"
TRACE = "relief.change_tracing"


LIST_PAGE = 50


def _since(request: HttpRequest) -> dt.date:
    """The list's window start: the day the user chose, else ``LIST_WINDOW_DAYS`` back (not a date: 400)."""
    return since_of(request) or timezone.localdate() - dt.timedelta(days=selectors.LIST_WINDOW_DAYS)


@role_required(VIEW)
def admission_list(request: AuthenticatedRequest) -> HttpResponse:
    """Stays, newest first, a keyset page at a time: those in the station all (the default filter), those that ended
    admitted in the window (by default the last ``LIST_WINDOW_DAYS`` days; the user chooses an earlier day)."""
    status = request.GET.get("status", Admission.Status.IN_STATION)
    status = status if status in Admission.Status.values else "all"
    since = _since(request)
    rows = selectors.admission_list(
        user=request.user,
        status=status,
        departed_since=timezone.make_aware(dt.datetime.combine(since, dt.time.min)),
    )
    page = keyset_page(
        rows, selectors.ADMISSION_KEYS, cursor=cursor_of(request), size=LIST_PAGE, salt="relief.admissions"
    )
    return render(
        request,
        "relief/admission_list.html",
        {"page": page, "status": status, "statuses": Admission.Status.choices, "since": since},
    )


@role_required("relief.add_admission")
def admission_new(request: AuthenticatedRequest) -> HttpResponse:
    stations = selectors.stations_for_admission(user=request.user)
    form = AdmissionForm(request.POST or None, stations=stations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            admission = admission_record(
                actor=request.user,
                station=data["station"],
                data=AdmissionData(
                    admitted_at=data["admitted_at"],
                    referral=data["referral"],
                    identity_known=data["identity_known"],
                    health=data["health"],
                    name=data["name"],
                    gender=data["gender"] or "",
                    apparent_age=data["apparent_age"],
                    id_number=data["id_number"],
                    found_at=data["found_at"],
                    description=data["description"],
                    health_note=data["health_note"],
                    services=tuple(data["services"]),
                    stay_days=data["stay_days"],
                    belongings=data["belongings"],
                ),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Admitted: %(number)s.") % {"number": admission.number})
            return redirect("relief:admission_detail", pk=admission.pk)
    return render(request, "relief/admission_form.html", {"form": form}, status=400 if form.errors else 200)


@role_required(VIEW)
def admission_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    admission = selectors.admission_get(user=request.user, pk=pk)
    tracing = getattr(admission, "tracing", None)
    user = request.user
    in_station = admission.status == Admission.Status.IN_STATION
    can_change = in_station and Admission.objects.restrict(user, "change").filter(pk=pk).exists()
    can_trace = (
        tracing is not None
        and tracing.status == "open"
        and Tracing.objects.restrict(user, "change").filter(pk=tracing.pk).exists()
    )
    can_resettle = (
        tracing is not None
        and tracing.status == "open"
        and Tracing.objects.restrict(user, "resettle").filter(pk=tracing.pk).exists()
    )
    context = {
        "admission": admission,
        "tracing": tracing,
        "checks": list(tracing.checks.all()) if tracing else [],
        "belongings": list(admission.belongings.all()),
        "extensions": list(admission.extensions.select_related("recorded_by")),
        "services": [SERVICES[s] for s in admission.services if s in SERVICES],
        "can_change": can_change,
        "can_trace": can_trace,
        "can_resettle": can_resettle,
        "departure_form": DepartureForm(prefix="depart") if can_change else None,
        "extension_form": ExtensionForm(prefix="extend") if can_change else None,
        "services_form": ServicesForm(prefix="services", initial={"services": admission.services})
        if can_change
        else None,
        "belonging_form": BelongingForm(prefix="belonging") if can_change else None,
        "check_form": CheckForm(prefix="check") if can_trace else None,
        "result_form": CheckResultForm(prefix="result") if can_trace else None,
        "announcement_form": AnnouncementForm(
            prefix="announce", initial={"text": tracing.public_description if tracing else ""}
        )
        if can_trace
        else None,
        "reunite_form": ReuniteForm(prefix="reunite") if can_trace else None,
        "resettle_form": ResettleForm(prefix="resettle") if can_resettle else None,
    }
    return render(request, "relief/admission_detail.html", context)


@role_required(CHANGE)
@require_POST
def admission_depart(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    admission = selectors.admission_get(user=request.user, pk=pk, action="change")
    form = DepartureForm(request.POST, prefix="depart")
    service_step(
        request,
        form,
        lambda d: departure_record(
            actor=request.user,
            admission=admission,
            departure=d["departure"],
            departed_at=d["departed_at"],
            destination=d["destination"],
            note=d["note"],
        ),
        _("The departure is recorded; belongings are given back."),
    )
    return redirect("relief:admission_detail", pk=pk)


@role_required(CHANGE)
@require_POST
def admission_extend(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    admission = selectors.admission_get(user=request.user, pk=pk, action="change")
    form = ExtensionForm(request.POST, prefix="extend")
    service_step(
        request,
        form,
        lambda d: stay_extend(actor=request.user, admission=admission, until=d["until"], reason=d["reason"]),
        _("The stay is extended."),
    )
    return redirect("relief:admission_detail", pk=pk)


@role_required(CHANGE)
@require_POST
def admission_services_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    admission = selectors.admission_get(user=request.user, pk=pk, action="change")
    form = ServicesForm(request.POST, prefix="services")
    service_step(
        request,
        form,
        lambda d: admission_services(actor=request.user, admission=admission, services=d["services"]),
        _("The services are recorded."),
    )
    return redirect("relief:admission_detail", pk=pk)


@role_required(CHANGE)
@require_POST
def belonging_new(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    admission = selectors.admission_get(user=request.user, pk=pk, action="change")
    form = BelongingForm(request.POST, prefix="belonging")
    service_step(
        request,
        form,
        lambda d: belonging_add(
            actor=request.user, admission=admission, description=d["description"], quantity=d["quantity"]
        ),
        _("The belonging is recorded."),
    )
    return redirect("relief:admission_detail", pk=pk)


@role_required(TRACE)
@require_POST
def tracing_check(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    tracing = selectors.tracing_get(user=request.user, pk=pk, action="change")
    form = CheckForm(request.POST, prefix="check")
    service_step(
        request,
        form,
        lambda d: tracing_check_request(
            actor=request.user, tracing=tracing, kind=d["kind"], requested_on=d["requested_on"], note=d["note"]
        ),
        _("The check is requested."),
    )
    return redirect("relief:admission_detail", pk=tracing.admission_id)


@role_required(TRACE)
@require_POST
def tracing_check_done(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    check = get_object_or_404(TracingCheck.objects.select_related("tracing"), pk=pk)
    tracing = selectors.tracing_get(user=request.user, pk=check.tracing_id, action="change")
    form = CheckResultForm(request.POST, prefix="result")
    service_step(
        request,
        form,
        lambda d: tracing_check_result(
            actor=request.user, check=check, result=d["result"], result_on=d["result_on"], note=d["note"]
        ),
        _("The result is recorded."),
    )
    return redirect("relief:admission_detail", pk=tracing.admission_id)


@role_required(TRACE)
@require_POST
def tracing_announce(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    tracing = selectors.tracing_get(user=request.user, pk=pk, action="change")
    form = AnnouncementForm(request.POST, request.FILES, prefix="announce")
    service_step(
        request,
        form,
        lambda d: announcement_publish(actor=request.user, tracing=tracing, text=d["text"], photo=d["photo"]),
        _("The announcement is published."),
    )
    return redirect("relief:admission_detail", pk=tracing.admission_id)


@role_required(TRACE)
@require_POST
def tracing_reunite_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    tracing = selectors.tracing_get(user=request.user, pk=pk, action="change")
    form = ReuniteForm(request.POST, prefix="reunite")
    service_step(
        request,
        form,
        lambda d: tracing_reunite(actor=request.user, tracing=tracing, note=d["note"]),
        _("Reunited; the announcement is taken down."),
    )
    return redirect("relief:admission_detail", pk=tracing.admission_id)


@role_required("relief.resettle_tracing")
@require_POST
def tracing_resettle_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    tracing = selectors.tracing_get(user=request.user, pk=pk, action="resettle")
    form = ResettleForm(request.POST, prefix="resettle")

    def resettle(d: dict[str, Any]) -> Any:
        village = Division.objects.all().filter(code=d["village"]).first()
        if village is None:
            raise ValidationError({"village": _("Unknown division code %(code)s.") % {"code": d["village"]}})
        return tracing_resettle(
            actor=request.user,
            tracing=tracing,
            name=d["name"],
            id_number=d["id_number"],
            village=village,
            note=d["note"],
        )

    service_step(request, form, resettle, _("Resettled: registered, and the 特困 application is taken."))
    return redirect("relief:admission_detail", pk=tracing.admission_id)


@role_required("relief.view_patrol")
def patrol_list(request: AuthenticatedRequest) -> HttpResponse:
    """Patrols of the window (by default the last ``LIST_WINDOW_DAYS`` days), the latest first, a keyset page at a
    time."""
    since = _since(request)
    rows = selectors.patrol_list(user=request.user, since=since)
    page = keyset_page(rows, selectors.PATROL_KEYS, cursor=cursor_of(request), size=LIST_PAGE, salt="relief.patrols")
    form = None
    if request.user.has_perm("relief.add_patrol"):
        form = PatrolForm(stations=selectors.stations_for_admission(user=request.user))
    return render(request, "relief/patrol_list.html", {"page": page, "form": form, "since": since})


@role_required("relief.add_patrol")
@require_POST
def patrol_new(request: AuthenticatedRequest) -> HttpResponse:
    form = PatrolForm(request.POST, stations=selectors.stations_for_admission(user=request.user))
    service_step(
        request,
        form,
        lambda d: patrol_record(
            actor=request.user,
            station=d["station"],
            kind=d["kind"],
            on=d["on"],
            places=d["places"],
            persons_reached=d["persons_reached"],
            persons_admitted=d["persons_admitted"],
            given=d["given"],
        ),
        _("The patrol is recorded."),
    )
    return redirect("relief:patrol_list")


@role_required("relief.view_station")
def station_list(request: AuthenticatedRequest) -> HttpResponse:
    form = StationForm() if request.user.has_perm("relief.add_station") else None
    return render(
        request, "relief/station_list.html", {"stations": selectors.station_list(user=request.user), "form": form}
    )


@role_required("relief.add_station")
@require_POST
def station_new(request: AuthenticatedRequest) -> HttpResponse:
    form = StationForm(request.POST)

    def create(d: dict[str, Any]) -> Any:
        area = Division.objects.all().filter(code=d["area"]).first()
        if area is None:
            raise ValidationError({"area": _("Unknown division code %(code)s.") % {"code": d["area"]}})
        return station_create(actor=request.user, area=area, name=d["name"], address=d["address"], phone=d["phone"])

    service_step(request, form, create, _("The station is added."))
    return redirect("relief:station_list")


# --- Public (no login) -------------------------------------------------------------------------------------------

ANNOUNCEMENTS_PAGE = 24


def public_announcements(request: HttpRequest) -> HttpResponse:
    """The announcements shown now (no window: one is taken down when the tracing ends), the latest first, a keyset
    page at a time."""
    page = keyset_page(
        selectors.public_announcements(),
        selectors.ANNOUNCEMENT_KEYS,
        cursor=cursor_of(request),
        size=ANNOUNCEMENTS_PAGE,
        salt="relief.announcements",
    )
    return render(request, "relief/public_announcements.html", {"page": page})


def public_announcement(request: HttpRequest, public_id: str) -> HttpResponse:
    tracing = selectors.public_announcement(public_id)
    return render(request, "relief/public_announcement.html", {"tracing": tracing})


def public_photo(request: HttpRequest, public_id: str) -> FileResponse:
    """The announcement's photo, only while the announcement is shown (never MEDIA directly)."""
    tracing = selectors.public_announcement(public_id)
    path = Path(settings.MEDIA_ROOT) / tracing.photo_file
    if not tracing.photo_file or not path.is_file():
        raise Http404
    response = FileResponse(path.open("rb"))
    response["Content-Type"] = tracing.photo_type or "application/octet-stream"
    response["X-Content-Type-Options"] = "nosniff"
    return response
