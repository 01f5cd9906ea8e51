"""Pages of children in difficulty. A child's file opens only for the roles holding ``children.view_child`` in the
child's area (the child's director, the township's supervisor, the county's named staff): a village worker of the same
village gets 403, a director of another village 404. Every view of a file is audited; lists show masked names."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.accounts.typing import AuthenticatedRequest
from minsheng.audit.services import audit_list_personal_data, audit_record
from minsheng.children import forms as f
from minsheng.children import selectors, services
from minsheng.children.models import Child, Colour, MandatoryReport, Stage
from minsheng.core.crypto import mask_name
from minsheng.core.decorators import role_required
from minsheng.core.keyset import cursor_of, keyset_page, since_of
from minsheng.core.numbers import id_or_404
from minsheng.core.scoping import scope_allows
from minsheng.core.steps import service_step

VIEW = "children.view_child"
CHANGE = "children.change_child"


def _area(request: AuthenticatedRequest) -> str:
    scopes = request.user.scopes_for(VIEW)
    return scopes[0].prefix.ljust(12, "0") if len(scopes) == 1 else ""


def _since(request: AuthenticatedRequest) -> tuple[dt.date, dt.datetime]:
    """The list's window start, as a day and as its first moment: the day the user chose, else ``LIST_WINDOW_DAYS``
    back (not a date: 400)."""
    day = since_of(request) or timezone.localdate() - dt.timedelta(days=selectors.LIST_WINDOW_DAYS)
    return day, timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@role_required(VIEW)
def child_list(request: AuthenticatedRequest) -> HttpResponse:
    due = request.GET.get("due", "") if request.GET.get("due", "") in ("", "overdue") else ""
    colour = request.GET.get("colour", "") if request.GET.get("colour", "") in Colour.values else ""
    stage = request.GET.get("stage", "") if request.GET.get("stage", "") in Stage.values else ""
    rows = selectors.child_list(user=request.user, due=due, colour=colour, stage=stage)
    cursor = cursor_of(request)
    page = keyset_page(rows, selectors.CHILD_KEYS, cursor=cursor, size=selectors.PAGE_MAX, salt="children.children")
    shown = [(c, mask_name(c.person.name)) for c in page]
    audit_list_personal_data(
        actor=request.user,
        object_type="children.child",
        area_code=_area(request),
        count=len(shown),
        persons=len(shown),
        # A later page is read by a cursor (a signed position, not a number): the event says it was one.
        query={"due": due, "colour": colour, "stage": stage, "later_page": bool(cursor)},
    )
    return render(
        request,
        "children/child_list.html",
        {
            "page": page,
            "shown": shown,
            "due": due,
            "colour": colour,
            "stage": stage,
            "colours": Colour.choices,
            "stages": Stage.choices,
        },
    )


def _file_page(request: AuthenticatedRequest, child: Child, *, work: bool) -> HttpResponse:
    """The file (facts, history, the visit and the mandatory report); with ``work`` also every form of the case's work
    (assessment, plan, referrals, the file's facts, 事实无人抚养, closure): a page of its own, so that the file a
    director opens most often stays light."""
    audit_record(actor=request.user, action="children.file_viewed", kind="view", obj=child, area_code=child.area_code)
    can_change = scope_allows(request.user, CHANGE, child.area_code)
    context: dict[str, Any] = {
        "child": child,
        "can_change": can_change,
        "work": work and can_change,
        "can_report": request.user.has_perm("children.add_mandatoryreport"),
        **selectors.child_file(child),
    }
    if can_change:
        context["visit_form"] = f.VisitForm(initial={"visited_on": timezone.localdate()})
    if work and can_change:
        context.update(
            file_form=f.FileForm(
                guardians=services.guardian_choices(child),
                initial={
                    "guardian": child.guardian_id,
                    "guardian_relation": child.guardian_relation,
                    "school": child.school,
                    "health": child.health,
                    "disability": child.disability,
                    "needs": child.needs,
                    "recorded_categories": child.recorded_categories,
                },
            ),
            de_facto_form=f.DeFactoForm(),
            assess_form=f.AssessForm(),
            plan_form=f.PlanForm(),
            service_form=f.ServiceForm(),
            referral_form=f.ReferralForm(),
            answer_form=f.AnswerForm(),
            outcome_form=f.OutcomeForm(),
            close_form=f.CloseForm(),
            reopen_form=f.ReopenForm(),
        )
    if context["can_report"]:
        context["report_form"] = f.ReportForm()
    return render(request, "children/child_detail.html", context)


@role_required(VIEW)
def child_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _file_page(request, selectors.child_get(user=request.user, pk=id_or_404(pk)), work=False)


@role_required(CHANGE)
def child_work(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _file_page(request, selectors.child_get(user=request.user, pk=id_or_404(pk), action="change"), work=True)


def _step(
    request: AuthenticatedRequest,
    pk: int,
    form_class: type[forms.Form],
    call: Callable[[int, dict[str, Any]], Any],
    done: str,
    **form_kwargs: Any,
) -> HttpResponse:
    child = selectors.child_get(user=request.user, pk=id_or_404(pk), action="change")
    form = form_class(request.POST, **form_kwargs)
    service_step(request, form, lambda data: call(child.pk, data), done)
    return redirect("children:child_work", child.pk)


@require_POST
@role_required(CHANGE)
def child_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    child = selectors.child_get(user=request.user, pk=id_or_404(pk), action="change")
    return _step(
        request,
        pk,
        f.FileForm,
        lambda cid, d: services.child_update(
            actor=request.user,
            child_id=cid,
            guardian_id=d["guardian"],
            guardian_relation=d["guardian_relation"],
            school=d["school"],
            health=d["health"],
            disability=d["disability"],
            needs=d["needs"],
            recorded_categories=d["recorded_categories"],
        ),
        _("The case file was saved."),
        guardians=services.guardian_choices(child),
    )


@require_POST
@role_required(CHANGE)
def child_de_facto(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        f.DeFactoForm,
        lambda cid, d: services.child_de_facto_determine(
            actor=request.user, child_id=cid, on=timezone.localdate(), **d
        ),
        _("The child was determined de facto unsupported."),
    )


@require_POST
@role_required(CHANGE)
def child_assess(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        f.AssessForm,
        lambda cid, d: services.child_assess(
            actor=request.user, child_id=cid, factors=d["factors"], note=d["note"], on=timezone.localdate()
        ),
        _("The assessment was recorded."),
    )


@require_POST
@role_required(CHANGE)
def child_visit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        f.VisitForm,
        lambda cid, d: services.case_visit_record(
            actor=request.user, child_id=cid, visited_on=d["visited_on"], note=d["note"]
        ),
        _("The visit was recorded."),
    )


@require_POST
@role_required(CHANGE)
def child_plan(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        f.PlanForm,
        lambda cid, d: services.plan_make(actor=request.user, child_id=cid, goal=d["goal"], on=timezone.localdate()),
        _("The case plan was made."),
    )


@require_POST
@role_required(CHANGE)
def child_service(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        f.ServiceForm,
        lambda cid, d: services.plan_service_add(actor=request.user, child_id=cid, **d),
        _("The service was added to the plan."),
    )


@require_POST
@role_required(CHANGE)
def child_service_done(request: AuthenticatedRequest, pk: int, service: int) -> HttpResponse:
    child = selectors.child_get(user=request.user, pk=id_or_404(pk), action="change")
    sid = id_or_404(service)
    service_step(
        request,
        forms.Form(request.POST),
        lambda _d: services.plan_service_done(
            actor=request.user, child_id=child.pk, service_id=sid, on=timezone.localdate()
        ),
        _("The service was recorded as delivered."),
    )
    return redirect("children:child_work", child.pk)


@require_POST
@role_required(CHANGE)
def child_referral(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        f.ReferralForm,
        lambda cid, d: services.referral_make(actor=request.user, child_id=cid, on=timezone.localdate(), **d),
        _("The referral was recorded."),
    )


@require_POST
@role_required(CHANGE)
def referral_answer(request: AuthenticatedRequest, pk: int, referral: int) -> HttpResponse:
    rid = id_or_404(referral)
    return _step(
        request,
        pk,
        f.AnswerForm,
        lambda cid, d: services.referral_answer(
            actor=request.user, child_id=cid, referral_id=rid, on=timezone.localdate(), **d
        ),
        _("The answer was recorded."),
    )


@require_POST
@role_required(CHANGE)
def referral_outcome(request: AuthenticatedRequest, pk: int, referral: int) -> HttpResponse:
    rid = id_or_404(referral)
    return _step(
        request,
        pk,
        f.OutcomeForm,
        lambda cid, d: services.referral_outcome(
            actor=request.user, child_id=cid, referral_id=rid, on=timezone.localdate(), **d
        ),
        _("The outcome was recorded."),
    )


@require_POST
@role_required(CHANGE)
def child_close(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        f.CloseForm,
        lambda cid, d: services.child_close(actor=request.user, child_id=cid, on=timezone.localdate(), **d),
        _("The case was closed."),
    )


@require_POST
@role_required(CHANGE)
def child_reopen(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        f.ReopenForm,
        lambda cid, d: services.child_reopen(actor=request.user, child_id=cid, on=timezone.localdate(), **d),
        _("The case was reopened."),
    )


@require_POST
@role_required("children.add_mandatoryreport")
def child_report(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    child = selectors.child_get(user=request.user, pk=id_or_404(pk))
    form = f.ReportForm(request.POST)
    done: list[MandatoryReport] = []

    def call(d: dict[str, Any]) -> MandatoryReport:
        report = services.report_file(actor=request.user, child_id=child.pk, at=timezone.now(), **d)
        done.append(report)
        return report

    service_step(request, form, call, _("The mandatory report was filed: the supervisor and the county are told."))
    return redirect("children:report_detail", done[0].pk) if done else redirect("children:child_detail", child.pk)


# --- Mandatory reports --------------------------------------------------------------------------------------------


@role_required("children.view_mandatoryreport")
def report_list(request: AuthenticatedRequest) -> HttpResponse:
    """The open reports, the soonest deadline first; or the closed ones (or all), the latest report first: the open
    ones all, the closed ones reported in the window (by default the last ``LIST_WINDOW_DAYS`` days; the user chooses
    an earlier day). A keyset page at a time."""
    status = request.GET.get("status", MandatoryReport.Status.OPEN)
    status = status if status in MandatoryReport.Status.values else "all"
    since, start = _since(request)
    rows = selectors.report_list(user=request.user, status=status, closed_since=start)
    keys = selectors.report_keys(status)
    salt = "children.reports.open" if keys is selectors.REPORT_OPEN_KEYS else "children.reports"
    page = keyset_page(rows, keys, cursor=cursor_of(request), size=selectors.PAGE_MAX, salt=salt)
    return render(
        request,
        "children/report_list.html",
        {
            "page": page,
            "status": status,
            "statuses": MandatoryReport.Status.choices,
            "now": timezone.now(),
            "since": since,
        },
    )


@role_required("children.view_mandatoryreport")
def report_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=id_or_404(pk))
    audit_record(
        actor=request.user, action="children.report_viewed", kind="view", obj=report, area_code=report.area_code
    )
    return render(
        request,
        "children/report_detail.html",
        {
            "report": report,
            "masked": mask_name(report.child.person.name),
            "police_form": f.PoliceForm(),
            "review_form": f.ReviewForm(),
            "can_review": request.user.has_perm("children.change_mandatoryreport"),
            "now": timezone.now(),
        },
    )


@require_POST
@role_required("children.add_mandatoryreport")
def report_police(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=id_or_404(pk))
    service_step(
        request,
        f.PoliceForm(request.POST),
        lambda d: services.report_police(actor=request.user, report_id=report.pk, at=timezone.now(), **d),
        _("The police referral was recorded."),
    )
    return redirect("children:report_detail", report.pk)


@require_POST
@role_required("children.change_mandatoryreport")
def report_close(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    report = selectors.report_get(user=request.user, pk=id_or_404(pk))
    service_step(
        request,
        f.ReviewForm(request.POST),
        lambda d: services.report_close(actor=request.user, report_id=report.pk, review=d["review"]),
        _("The report was reviewed and closed."),
    )
    return redirect("children:report_detail", report.pk)


# --- Workforce, places, projects ----------------------------------------------------------------------------------


@role_required("children.view_workforce")
def workforce(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "children/workforce.html", {"coverage": selectors.workforce(user=request.user)})


@role_required("children.view_careplace")
def place_list(request: AuthenticatedRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    kind = kind if kind in ("home", "base") else ""
    rows = selectors.place_list(user=request.user, kind=kind)
    page = keyset_page(
        rows, selectors.PLACE_KEYS, cursor=cursor_of(request), size=selectors.PAGE_MAX, salt="children.places"
    )
    return render(
        request,
        "children/place_list.html",
        {"page": page, "kind": kind, "form": f.PlaceForm(), "can_add": request.user.has_perm("children.add_careplace")},
    )


@require_POST
@role_required("children.add_careplace")
def place_new(request: AuthenticatedRequest) -> HttpResponse:
    service_step(
        request,
        f.PlaceForm(request.POST),
        lambda d: services.place_add(
            actor=request.user, kind=d["kind"], name=d["name"], area_code=d["area"], opened_on=d["opened_on"]
        ),
        _("The place was added."),
    )
    return redirect("children:place_list")


@role_required("children.view_careproject")
def project_list(request: AuthenticatedRequest) -> HttpResponse:
    """Projects running, to come, or ended in the window (by default the last ``LIST_WINDOW_DAYS`` days; the user
    chooses an earlier day), the latest start first, a keyset page at a time."""
    since, _start = _since(request)
    rows = selectors.project_list(user=request.user, ending_since=since)
    page = keyset_page(
        rows, selectors.PROJECT_KEYS, cursor=cursor_of(request), size=selectors.PAGE_MAX, salt="children.projects"
    )
    return render(
        request,
        "children/project_list.html",
        {
            "page": page,
            "since": since,
            "form": f.ProjectForm(),
            "can_add": request.user.has_perm("children.add_careproject"),
        },
    )


@require_POST
@role_required("children.add_careproject")
def project_new(request: AuthenticatedRequest) -> HttpResponse:
    service_step(
        request,
        f.ProjectForm(request.POST),
        lambda d: services.project_add(
            actor=request.user,
            name=d["name"],
            area_code=d["area"],
            capacity=d["capacity"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
        ),
        _("The project was added."),
    )
    return redirect("children:project_list")


@role_required("children.view_careproject")
def project_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=id_or_404(pk))
    rows = [
        (e, mask_name(e.child.person.name), e.attendance.count())
        for e in project.enrolments.select_related("child__person")[:500]
    ]
    return render(
        request,
        "children/project_detail.html",
        {
            "project": project,
            "rows": rows,
            "enrolled": project.enrolments.count(),
            "enrol_form": f.EnrolForm(),
            "attendance_form": f.AttendanceForm(initial={"on": timezone.localdate()}),
            "can_change": request.user.has_perm("children.change_careproject"),
        },
    )


@require_POST
@role_required("children.change_careproject")
def project_enrol(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=id_or_404(pk))
    service_step(
        request,
        f.EnrolForm(request.POST),
        lambda d: services.enrolment_add(
            actor=request.user, project_id=project.pk, child_id=d["child"], on=timezone.localdate()
        ),
        _("The child was enrolled."),
    )
    return redirect("children:project_detail", project.pk)


@require_POST
@role_required("children.change_careproject")
def project_attendance(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    project = selectors.project_get(user=request.user, pk=id_or_404(pk))
    service_step(
        request,
        f.AttendanceForm(request.POST),
        lambda d: services.attendance_record(
            actor=request.user, project_id=project.pk, on=d["on"], child_ids=d["children"]
        ),
        _("The attendance was recorded."),
    )
    return redirect("children:project_detail", project.pk)
