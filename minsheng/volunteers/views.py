"""Pages of the volunteers' module: search and register volunteers, teams and their activities and hours, the
needs-and-tasks board, certificates, and the public check of a certificate by its code."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.accounts.typing import AuthenticatedRequest
from minsheng.audit.services import audit_record
from minsheng.core.crypto import blind_index
from minsheng.core.decorators import role_required
from minsheng.core.forms import add_service_errors
from minsheng.core.htmx import render_page
from minsheng.core.middleware import client_ip
from minsheng.core.numbers import id_or_404, parse_id
from minsheng.core.pdf import pdf_response
from minsheng.people.idnumbers import InvalidIdNumber, normalize_for_index
from minsheng.volunteers import selectors, services
from minsheng.volunteers.forms import (
    ActivityForm,
    CompleteForm,
    HoursForm,
    JoinForm,
    SearchForm,
    TakeForm,
    TeamForm,
    VerifyForm,
    VolunteerForm,
    tenths,
)
from minsheng.volunteers.models import Task, Volunteer
from minsheng.volunteers.pdf import certificate_pdf


@role_required("volunteers.view_volunteer")
def volunteer_list(request: AuthenticatedRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    rows: list[Volunteer] = []
    page = 1
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        page = data.get("page") or 1
        query = selectors.VolunteerQuery(
            text=data.get("q") or "", area=data.get("area") or "", team=parse_id(request.GET.get("team")), page=page
        )
        rows = selectors.volunteer_search(user=request.user, query=query)
    more = len(rows) > selectors.PAGE
    context = {"form": form, "volunteers": rows[: selectors.PAGE], "page": page, "more": more}
    return render_page(
        request, "volunteers/volunteer_list.html", context, fragment="volunteers/_volunteer_rows.html", status=status
    )


@role_required("volunteers.add_volunteer")
def volunteer_new(request: AuthenticatedRequest) -> HttpResponse:
    form = VolunteerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            volunteer = services.volunteer_register(
                actor=request.user,
                data=services.VolunteerData(
                    name=d["name"],
                    id_number=d["id_number"],
                    area_code=d["area"],
                    phone=d["phone"],
                    guardian_name=d["guardian_name"],
                    guardian_phone=d["guardian_phone"],
                    guardian_consent_on=d["guardian_consent_on"],
                ),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The volunteer is registered."))
            return redirect("volunteers:volunteer_detail", pk=volunteer.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "volunteers/volunteer_form.html", {"form": form}, status=status)


@role_required("volunteers.view_volunteer")
def volunteer_detail(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    volunteer = selectors.volunteer_get(user=request.user, pk=id_or_404(pk))
    context = {
        "volunteer": volunteer,
        "records": selectors.volunteer_records(volunteer),
        "teams": [m.team for m in volunteer.memberships.select_related("team")],
        "certificates": list(volunteer.certificates.all()[:20]),
    }
    return render(request, "volunteers/volunteer_detail.html", context)


@require_POST
@role_required("volunteers.add_certificate")
def certificate_issue(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    volunteer = selectors.volunteer_get(user=request.user, pk=id_or_404(pk))
    try:
        certificate = services.certificate_issue(actor=request.user, volunteer=volunteer)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("volunteers:volunteer_detail", pk=volunteer.pk)
    messages.success(request, _("The certificate is issued; its code is %(code)s.") % {"code": certificate.code})
    return redirect("volunteers:volunteer_detail", pk=volunteer.pk)


@role_required("volunteers.view_certificate")
def certificate_print(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    certificate = selectors.certificate_get(user=request.user, pk=id_or_404(pk))
    volunteer = certificate.volunteer
    audit_record(
        actor=request.user,
        action="volunteers.certificate_printed",
        kind="view",
        obj=certificate,
        area_code=certificate.area_code,
    )
    content = certificate_pdf(certificate, name=volunteer.name, id_masked=volunteer.id_masked)
    return pdf_response(content, f"certificate-{certificate.code}.pdf")


def verify(request: HttpRequest) -> HttpResponse:
    """The public check (no login): a code gives the masked name, hours, star level and date of issue, nothing
    else. Look-ups are bounded per client address (``VOLUNTEERS_VERIFY_PER_ADDRESS``): beyond it, 429."""
    form = VerifyForm(request.POST or None)
    found = None
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            try:
                found = services.certificate_verify(code=form.cleaned_data["code"], client_ip=client_ip(request))
            except services.TooManyLookups:
                form.add_error(None, _("Too many look-ups from this address. Try again in an hour."))
                status = 429
            else:
                if found is None:
                    form.add_error("code", _("No certificate has this code. Check the code on the paper."))
                    status = 404
    return render(request, "volunteers/verify.html", {"form": form, "certificate": found}, status=status)


@role_required("volunteers.view_team")
def team_list(request: AuthenticatedRequest) -> HttpResponse:
    teams = selectors.team_list(user=request.user)[:500]
    return render(request, "volunteers/team_list.html", {"teams": teams})


@role_required("volunteers.add_team")
def team_new(request: AuthenticatedRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            team = services.team_create(
                actor=request.user,
                area_code=d["area"],
                name=d["name"],
                founding_organisation_id=d["founding_organisation"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("volunteers:team_detail", pk=team.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "volunteers/team_form.html", {"form": form}, status=status)


def _members(team: Any) -> list[tuple[int, str]]:
    return [(v.pk, f"{v.name}（{v.id_masked}）") for v in selectors.team_members(team)]


@role_required("volunteers.view_team")
def team_detail(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    team = selectors.team_get(user=request.user, pk=id_or_404(pk))
    context = {
        "team": team,
        "members": selectors.team_members(team),
        "activities": selectors.team_activities(team),
        "join_form": JoinForm(),
        "activity_form": ActivityForm(),
    }
    return render(request, "volunteers/team_detail.html", context)


@require_POST
@role_required("volunteers.change_team")
def team_join(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    team = selectors.team_get(user=request.user, pk=id_or_404(pk), action="change")
    form = JoinForm(request.POST)
    volunteer = None
    if form.is_valid():
        try:
            index = blind_index(normalize_for_index(form.cleaned_data["id_number"]))
        except InvalidIdNumber as exc:
            messages.error(request, str(exc))
            return redirect("volunteers:team_detail", pk=team.pk)
        volunteer = Volunteer.objects.restrict(request.user, "view").filter(id_index=index).first()
    if volunteer is None:
        messages.error(request, _("No volunteer of your areas has this ID number; register the volunteer first."))
        return redirect("volunteers:team_detail", pk=team.pk)
    try:
        services.team_join(actor=request.user, team=team, volunteer=volunteer)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s joined the team.") % {"name": volunteer.name})
    return redirect("volunteers:team_detail", pk=team.pk)


@require_POST
@role_required("volunteers.add_activity")
def activity_new(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    team = selectors.team_get(user=request.user, pk=id_or_404(pk), action="change")
    form = ActivityForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            activity = services.activity_create(
                actor=request.user,
                team=team,
                title=d["title"],
                held_on=d["held_on"],
                place=d["place"],
                hours_tenths=tenths(d["hours"]),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("volunteers:activity_detail", pk=activity.pk)
    context = {
        "team": team,
        "members": selectors.team_members(team),
        "activities": selectors.team_activities(team),
        "join_form": JoinForm(),
        "activity_form": form,
    }
    return render(request, "volunteers/team_detail.html", context, status=400)


@role_required("volunteers.view_activity")
def activity_detail(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    activity = selectors.activity_get(user=request.user, pk=id_or_404(pk))
    form = HoursForm(
        request.POST or None,
        members=_members(activity.team),
        initial={"hours": activity.hours_tenths / 10, "content": activity.title},
    )
    status = 200
    if request.method == "POST":
        if not request.user.has_perm("volunteers.change_activity"):
            return render(request, "403.html", status=403)
        activity = selectors.activity_get(user=request.user, pk=activity.pk, action="change")
        if form.is_valid():
            d = form.cleaned_data
            chosen = {v.pk: v for v in selectors.team_members(activity.team) if v.pk in set(d["volunteers"])}
            try:
                rows = services.service_record(
                    actor=request.user,
                    activity=activity,
                    served=[
                        services.Served(v, tenths(d["hours"]), d["content"], d["evaluation"]) for v in chosen.values()
                    ],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Hours recorded for %(count)d volunteers.") % {"count": len(rows)})
                return redirect("volunteers:activity_detail", pk=activity.pk)
        status = 400
    records = activity.records.select_related("volunteer").order_by("volunteer__name")
    return render(
        request,
        "volunteers/activity_detail.html",
        {"activity": activity, "form": form, "records": records},
        status=status,
    )


@role_required("volunteers.view_task")
def task_board(request: AuthenticatedRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Task.Status.values:
        status = ""
    tasks = selectors.task_board(user=request.user, status=status)[:200]
    return render(
        request, "volunteers/task_board.html", {"tasks": tasks, "status": status, "statuses": Task.Status.choices}
    )


def _task_forms(request: AuthenticatedRequest, task: Task, post: Any = None) -> dict[str, Any]:
    members = _members(task.team) if task.team is not None else []
    take = None
    if task.status == Task.Status.OPEN:
        teams = [(t.pk, t.name) for t in selectors.teams_for_task(user=request.user, task=task)]
        organisations = [(o.pk, o.name) for o in services.organisations_for(task.area_code)]
        take = TakeForm(post, teams=teams, organisations=organisations)
    return {
        "take_form": take,
        "complete_form": CompleteForm(post, members=members) if task.status == Task.Status.TAKEN else None,
    }


@role_required("volunteers.view_task")
def task_detail(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    task = selectors.task_get(user=request.user, pk=id_or_404(pk))
    records = task.records.select_related("volunteer").order_by("volunteer__name")
    return render(
        request, "volunteers/task_detail.html", {"task": task, "records": records, **_task_forms(request, task)}
    )


@require_POST
@role_required("volunteers.change_task")
def task_take(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    task = selectors.task_get(user=request.user, pk=id_or_404(pk), action="change")
    forms = _task_forms(request, task, request.POST)
    form = forms["take_form"]
    if form is None:
        messages.error(request, _("The task has been taken already."))
        return redirect("volunteers:task_detail", pk=task.pk)
    if form.is_valid():
        kind, taker_id = form.chosen()
        try:
            if kind == "team":
                team = selectors.team_get(user=request.user, pk=taker_id, action="change")
                services.task_take(actor=request.user, task=task, team=team)
            else:
                organisation = selectors.organisation_get(pk=taker_id)
                services.task_take(actor=request.user, task=task, organisation=organisation)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The task is taken."))
            return redirect("volunteers:task_detail", pk=task.pk)
    records = task.records.select_related("volunteer")
    context = {"task": task, "records": records, **forms}
    return render(request, "volunteers/task_detail.html", context, status=400)


@require_POST
@role_required("volunteers.change_task")
def task_complete(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    task = selectors.task_get(user=request.user, pk=id_or_404(pk), action="change")
    forms = _task_forms(request, task, request.POST)
    form = forms["complete_form"]
    if form is None:
        messages.error(request, _("Only a taken task is reported done."))
        return redirect("volunteers:task_detail", pk=task.pk)
    if form.is_valid():
        d = form.cleaned_data
        wanted = set(d["volunteers"] or [])
        chosen = [v for v in selectors.team_members(task.team) if v.pk in wanted] if task.team is not None else []
        try:
            if chosen and not d["hours"]:
                raise ValidationError({"hours": _("Enter the hours each volunteer served.")})
            served = [
                services.Served(v, tenths(d["hours"]), d["content"] or d["outcome"], d["evaluation"]) for v in chosen
            ]
            services.task_complete(
                actor=request.user, task=task, served_on=d["served_on"], outcome=d["outcome"], served=served
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The task is done; the hours are credited and the case is told."))
            return redirect("volunteers:task_detail", pk=task.pk)
    records = task.records.select_related("volunteer")
    context = {"task": task, "records": records, **forms}
    return render(request, "volunteers/task_detail.html", context, status=400)
