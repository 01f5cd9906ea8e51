"""Pages of the social-organisation registry, the centres and stations, the social workers and the charity projects,
and the public search of the registry (no account)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.accounts.typing import AuthenticatedRequest
from minsheng.areas.models import Division
from minsheng.core.decorators import role_required
from minsheng.core.keyset import Key, KeysetPage, cursor_of, keyset_page, since_of
from minsheng.core.scoping import scope_allows
from minsheng.core.steps import service_step
from minsheng.social import selectors, services
from minsheng.social.credit_code import normalize
from minsheng.social.forms import (
    AssessForm,
    CharityForm,
    DonationForm,
    EndForm,
    FilterForm,
    GradeForm,
    InspectForm,
    OrganisationForm,
    ProjectForm,
    ReportForm,
    StationForm,
    WorkerForm,
)
from minsheng.social.models import Organisation, ServiceField, SocialWorker, Station


def _page(request: HttpRequest, rows: QuerySet[Any], keys: tuple[Key, ...], salt: str) -> KeysetPage[Any]:
    """One page of ``rows`` in the order ``keys``, after the request's cursor, with the list's capped count."""
    return keyset_page(rows, keys, cursor=cursor_of(request), size=selectors.PAGE_SIZE, salt=f"social.{salt}")


def _organisation_by_code(user: Any, raw: str, field: str) -> Organisation | None:
    code = normalize(raw)
    if not code:
        return None
    org = Organisation.objects.restrict(user, "view").filter(credit_code=code).first()
    if org is None:
        raise ValidationError(
            {field: _("No organisation in your areas has the credit code %(code)s.") % {"code": code}}
        )
    return org


def _station_by_area(user: Any, code: str, field: str) -> Station:
    station = Station.objects.restrict(user, "view").filter(area_code=code, closed_on__isnull=True).first()
    if station is None:
        raise ValidationError(
            {field: _("No open centre or station in your areas has the code %(code)s.") % {"code": code}}
        )
    return station


# --- Organisations ------------------------------------------------------------------------------------------------


@role_required("social.view_organisation")
def organisation_list(request: AuthenticatedRequest) -> HttpResponse:
    filters = selectors.OrganisationFilter.parse(request.GET.dict())
    rows = selectors.organisation_search(user=request.user, filters=filters)
    page = _page(request, rows, selectors.ORGANISATION_KEYS, "organisations")
    context = {
        "form": FilterForm(initial=filters.__dict__),
        "page": page,
        "may_add": request.user.has_perm("social.add_organisation"),
    }
    return render(request, "social/organisation_list.html", context)


@role_required("social.add_organisation")
def organisation_new(request: AuthenticatedRequest) -> HttpResponse:
    registrars = selectors.registrars_for(user=request.user)
    form = OrganisationForm(request.POST or None, registrars=registrars)
    if request.method == "POST":
        created: list[Organisation] = []

        def register(d: dict[str, Any]) -> Organisation:
            org = services.organisation_register(
                actor=request.user,
                kind=d["kind"],
                name=d["name"],
                credit_code=d["credit_code"],
                service_field=d["service_field"],
                area_code=d["area"],
                registrar_code=d["registrar"],
                registered_on=d["registered_on"],
                legal_representative=d["legal_representative"],
                address=d["address"],
                phone=d["phone"],
            )
            created.append(org)
            return org

        if service_step(request, form, register, _("The organisation is registered."), on_form=True):
            return redirect("social:organisation_detail", pk=created[0].pk)
    return render(request, "social/organisation_form.html", {"form": form}, status=200)


@role_required("social.view_organisation")
def organisation_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    org = selectors.organisation_get(user=request.user, pk=pk)
    editor = scope_allows(request.user, "social.change_organisation", org.registrar_code)
    divisions = Division.objects.all().filter(code__in=(org.registrar_code, org.area_code))
    names = dict(divisions.values_list("code", "name"))
    context = {
        "org": org,
        "registrar_name": names.get(org.registrar_code, ""),
        "area_name": names.get(org.area_code, ""),
        "reports": list(selectors.organisation_reports(organisation=org)[:20]),
        "workers": org.workers.filter(active=True).count(),
        "editor": editor and org.status == Organisation.Status.ACTIVE,
        "grade_form": GradeForm(prefix="grade"),
        "charity_form": CharityForm(
            prefix="charity",
            initial={"charity_since": org.charity_since, "fundraising_since": org.public_fundraising_since},
        ),
        "end_form": EndForm(prefix="end"),
        "report_form": ReportForm(prefix="report"),
        "inspect_form": InspectForm(prefix="inspect"),
        "inspector": scope_allows(request.user, "social.change_annualreport", org.registrar_code),
    }
    return render(request, "social/organisation_detail.html", context)


def _org_action(request: AuthenticatedRequest, pk: int, form: Any, call: Any, done: str) -> HttpResponse:
    org = selectors.organisation_get(user=request.user, pk=pk)
    service_step(request, form, lambda d: call(org, d), done)
    return redirect("social:organisation_detail", pk=pk)


@role_required("social.change_organisation")
@require_POST
def organisation_grade(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _org_action(
        request,
        pk,
        GradeForm(request.POST, prefix="grade"),
        lambda org, d: services.organisation_grade(
            actor=request.user, organisation=org, grade=d["grade"], graded_on=d["graded_on"]
        ),
        _("The evaluation grade is recorded."),
    )


@role_required("social.change_organisation")
@require_POST
def organisation_charity(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _org_action(
        request,
        pk,
        CharityForm(request.POST, prefix="charity"),
        lambda org, d: services.organisation_charity(
            actor=request.user,
            organisation=org,
            charity_since=d["charity_since"],
            fundraising_since=d["fundraising_since"],
        ),
        _("The charity status is recorded."),
    )


@role_required("social.change_organisation")
@require_POST
def organisation_end(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _org_action(
        request,
        pk,
        EndForm(request.POST, prefix="end"),
        lambda org, d: services.organisation_deregister(
            actor=request.user, organisation=org, revoked=d["revoked"], ended_on=d["ended_on"], reason=d["reason"]
        ),
        _("The organisation's registration has ended."),
    )


@role_required("social.change_organisation")
@require_POST
def report_new(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _org_action(
        request,
        pk,
        ReportForm(request.POST, prefix="report"),
        lambda org, d: services.report_submit(
            actor=request.user,
            organisation=org,
            year=d["year"],
            submitted_on=d["submitted_on"],
            income_fen=d["income"],
            expenditure_fen=d["expenditure"],
            staff=d["staff"],
        ),
        _("The annual report is recorded."),
    )


@role_required("social.change_annualreport")
@require_POST
def report_inspect(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=pk)
    service_step(
        request,
        InspectForm(request.POST, prefix="inspect"),
        lambda d: services.report_inspect(actor=request.user, report=report, result=d["result"], note=d["note"]),
        _("The inspection result is recorded."),
    )
    return redirect("social:organisation_detail", pk=report.organisation_id)


# --- Centres and stations -----------------------------------------------------------------------------------------


@role_required("social.view_station")
def station_list(request: AuthenticatedRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    area = request.GET.get("area", "").strip()[:12]
    context = {
        "page": _page(
            request, selectors.station_list(user=request.user, kind=kind, area=area), selectors.STATION_KEYS, "stations"
        ),
        "kind": kind if kind in Station.Kind.values else "",
        "area": area if area.isdigit() else "",
        "kinds": Station.Kind.choices,
        "may_add": request.user.has_perm("social.add_station"),
    }
    return render(request, "social/station_list.html", context)


@role_required("social.view_station")
def coverage(request: AuthenticatedRequest) -> HttpResponse:
    county = request.GET.get("county", "").strip()[:6]
    rows = selectors.centre_coverage(user=request.user, county=county)
    totals = (sum(r.communities for r in rows), sum(r.standard for r in rows), sum(r.has_station for r in rows))
    return render(request, "social/coverage.html", {"rows": rows, "totals": totals, "county": county})


@role_required("social.add_station")
def station_new(request: AuthenticatedRequest) -> HttpResponse:
    form = StationForm(request.POST or None)
    if request.method == "POST":
        created: list[Station] = []

        def open_(d: dict[str, Any]) -> Station:
            station = services.station_open(
                actor=request.user,
                kind=d["kind"],
                area_code=d["area"],
                name=d["name"],
                opened_on=d["opened_on"],
                standard=d["standard"],
                floor_area=d["floor_area"] or 0,
                operator=_organisation_by_code(request.user, d["operator"], "operator"),
                address=d["address"],
                phone=d["phone"],
            )
            created.append(station)
            return station

        if service_step(request, form, open_, _("The centre or station is recorded."), on_form=True):
            return redirect("social:station_detail", pk=created[0].pk)
    return render(request, "social/station_form.html", {"form": form})


@role_required("social.view_station")
def station_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    station = selectors.station_get(user=request.user, pk=pk)
    context = {
        "station": station,
        "staff": list(station.workers.filter(active=True).order_by("name", "id")[:200]),
        "assess_form": AssessForm(prefix="assess", initial={"standard": not station.standard})
        if station.kind == Station.Kind.CENTRE
        and scope_allows(request.user, "social.change_station", station.area_code)
        else None,
    }
    return render(request, "social/station_detail.html", context)


@role_required("social.change_station")
@require_POST
def station_assess(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    station = selectors.station_get(user=request.user, pk=pk)
    service_step(
        request,
        AssessForm(request.POST, prefix="assess"),
        lambda d: services.station_assess(actor=request.user, station=station, standard=d["standard"]),
        _("The assessment is recorded."),
    )
    return redirect("social:station_detail", pk=pk)


# --- Social workers -----------------------------------------------------------------------------------------------


@role_required("social.view_socialworker")
def worker_list(request: AuthenticatedRequest) -> HttpResponse:
    level = request.GET.get("level", "")
    area = request.GET.get("area", "").strip()[:12]
    q = request.GET.get("q", "")[:50]
    rows = selectors.worker_list(user=request.user, level=level, area=area, name=q)
    context = {
        "page": _page(request, rows, selectors.WORKER_KEYS, "workers"),
        "level": level,
        "area": area if area.isdigit() else "",
        "q": q,
        "levels": [("licensed", _("Any licensed level")), *SocialWorker.Level.choices],
        "may_add": request.user.has_perm("social.add_socialworker"),
    }
    return render(request, "social/worker_list.html", context)


@role_required("social.add_socialworker")
def worker_new(request: AuthenticatedRequest) -> HttpResponse:
    form = WorkerForm(request.POST or None)
    if request.method == "POST":

        def register(d: dict[str, Any]) -> SocialWorker:
            employer = "".join(d["employer"].split())
            organisation = station = None
            if len(employer) == 18:
                organisation = _organisation_by_code(request.user, employer, "employer")
            elif employer:
                station = _station_by_area(request.user, employer, "employer")
            return services.worker_register(
                actor=request.user,
                name=d["name"],
                level=d["level"],
                certificate_number=d["certificate_number"],
                certified_year=d["certified_year"],
                area_code=d["area"],
                organisation=organisation,
                station=station,
            )

        if service_step(request, form, register, _("The social worker is recorded."), on_form=True):
            return redirect("social:worker_list")
    return render(request, "social/worker_form.html", {"form": form})


@role_required("social.change_socialworker")
@require_POST
def worker_leave(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    worker = selectors.worker_get(user=request.user, pk=pk)
    try:
        services.worker_leave(actor=request.user, worker=worker)
    except ValidationError as exc:
        from django.contrib import messages

        messages.error(request, " ".join(exc.messages))
    return redirect("social:worker_list")


# --- Charity projects ---------------------------------------------------------------------------------------------


@role_required("social.view_charityproject")
def project_list(request: AuthenticatedRequest) -> HttpResponse:
    """Projects open-ended, running, to come, or ended in the window (by default the last ``LIST_WINDOW_DAYS`` days;
    the user chooses an earlier day), the latest start first, a keyset page at a time."""
    field = request.GET.get("service_field", "")
    referrals = request.GET.get("referrals") == "1"
    since = since_of(request) or timezone.localdate() - dt.timedelta(days=selectors.LIST_WINDOW_DAYS)
    rows = selectors.project_list(user=request.user, referrals_only=referrals, service_field=field, ending_since=since)
    context = {
        "page": _page(request, rows, selectors.PROJECT_KEYS, "projects"),
        "since": since,
        "field": field if field in ServiceField.values else "",
        "fields": ServiceField.choices,
        "referrals": referrals,
        "may_add": request.user.has_perm("social.add_charityproject"),
    }
    return render(request, "social/project_list.html", context)


@role_required("social.add_charityproject")
def project_new(request: AuthenticatedRequest) -> HttpResponse:
    form = ProjectForm(request.POST or None)
    if request.method == "POST":
        created: list[Any] = []

        def add(d: dict[str, Any]) -> Any:
            project = services.project_add(
                actor=request.user,
                name=d["name"],
                area_code=d["area"],
                service_field=d["service_field"],
                description=d["description"],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                accepts_referrals=d["accepts_referrals"],
                organisation=_organisation_by_code(request.user, d["organisation"], "organisation"),
            )
            created.append(project)
            return project

        if service_step(request, form, add, _("The charity project is added."), on_form=True):
            return redirect("social:project_detail", pk=created[0].pk)
    return render(request, "social/project_form.html", {"form": form})


@role_required("social.view_charityproject")
def project_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    donors = request.user.has_perm("social.view_donation")
    context = {
        "project": project,
        "totals": selectors.project_totals(project=project),
        "donations": list(selectors.project_donations(user=request.user, project=project)[:100]) if donors else None,
        "donation_form": DonationForm(prefix="gift")
        if scope_allows(request.user, "social.change_charityproject", project.area_code)
        else None,
    }
    return render(request, "social/project_detail.html", context)


@role_required("social.change_charityproject")
@require_POST
def donation_new(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=pk)
    service_step(
        request,
        DonationForm(request.POST, prefix="gift"),
        lambda d: services.donation_record(
            actor=request.user,
            project=project,
            donor=d["donor"],
            kind=d["kind"],
            amount_fen=d["amount"],
            goods=d["goods"],
            received_on=d["received_on"],
        ),
        _("The donation is recorded."),
    )
    return redirect("social:project_detail", pk=pk)


# --- Public -------------------------------------------------------------------------------------------------------


def public_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.OrganisationFilter.parse(request.GET.dict())
    form = FilterForm(initial=filters.__dict__)
    del form.fields["status"]  # the public registry lists registered organisations only
    page = _page(request, selectors.public_search(filters=filters), selectors.ORGANISATION_KEYS, "public")
    context = {"form": form, "page": page}
    return render(request, "social/public_list.html", context)


def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "social/public_detail.html", {"org": selectors.public_get(pk=pk)})
