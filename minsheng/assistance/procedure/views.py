"""Pages of the 低保 / 特困 procedure: the list of programme cases, the case page, one POST view for every step, and
the printable notices (decision notice, 公示 list) as PDF.

The steps are one table (``steps.STEPS``): the case page shows the forms of the steps the user may take at the
current stage, and one view takes every step: it parses the step's form, calls the step's service and returns to
the case page with the outcome as a message.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy

from minsheng.accounts.typing import AuthenticatedRequest
from minsheng.areas.models import Division
from minsheng.assistance.means.models import AssessmentResult
from minsheng.assistance.pdf import notice_viewed, render_publicity
from minsheng.assistance.procedure import selectors
from minsheng.assistance.procedure.models import PUBLICITY_DAYS, VIEW, ProgrammeCase, Stage
from minsheng.assistance.procedure.notices import decision_notice_for_case, publicity_sections
from minsheng.assistance.procedure.notices import investigation_form as investigation_form_for_case
from minsheng.assistance.procedure.steps import STEP_BY_KEY, steps_offered
from minsheng.core.decorators import role_required
from minsheng.core.keyset import cursor_of, keyset_page, since_of
from minsheng.core.pdf import pdf_response, render_notice
from minsheng.core.scoping import scope_allows
from minsheng.workdays.services import Calendar


def yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


# --- Pages -----------------------------------------------------------------------------------------------------

FLAG_CHOICES = [
    ("investigation_overdue", gettext_lazy("Investigation overdue")),
    ("overdue", gettext_lazy("Past the time limit")),
]


@role_required(VIEW)
def programme_cases(request: AuthenticatedRequest) -> HttpResponse:
    stage = request.GET.get("stage", "")
    stage = stage if stage in Stage.values else ""
    flag = request.GET.get("flag", "")
    flag = flag if flag in dict(FLAG_CHOICES) else ""
    today, calendar = timezone.localdate(), Calendar()
    since = since_of(request) or today - dt.timedelta(days=selectors.LIST_WINDOW_DAYS)
    decided_since = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    cases = selectors.programme_case_list(user=request.user, stage=stage, flag=flag, decided_since=decided_since)
    page = keyset_page(cases, selectors.CASE_KEYS, cursor=cursor_of(request), size=50, salt="assistance.cases")
    context = {
        "page": page,
        "rows": [(case, selectors.flags(case, today, calendar)) for case in page.object_list],
        "stages": Stage.choices,
        "stage": stage,
        "flag_choices": FLAG_CHOICES,
        "flag": flag,
        "since": since,
        "publicity_areas": selectors.publicity_areas(user=request.user),
    }
    return render(request, "assistance/procedure/programme_cases.html", context)


def _case(request: HttpRequest, pk: int) -> ProgrammeCase:
    return get_object_or_404(
        ProgrammeCase.objects.restrict(request.user, "view").select_related(
            "applicant", "household__area", "case", "case__application", "assessment"
        ),
        pk=pk,
    )


@role_required(VIEW)
def programme_case(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    today, calendar = timezone.localdate(), Calendar()
    results: list[AssessmentResult] = []
    if case.assessment is not None:
        results = list(case.assessment.results.select_related("person").order_by("programme", "person_id"))
    chosen = selectors.programme_result(case)
    members = case.household.memberships.filter(left_on__isnull=True).select_related("person").order_by("id")
    steps = [(step, step.form(case=case)) for step in steps_offered(request.user, case, today)]
    actions = {step.key for step, _form in steps}
    involved = selectors.involved_user_ids(case)
    context = {
        "case": case,
        "item_case": case.case,
        "members": members,
        "results": [(r, yuan(r.monthly_fen)) for r in results],
        "programme_result": chosen,
        "programme_amount": yuan(chosen.monthly_fen) if chosen else "",
        "objections": case.objections.select_related("recorded_by"),
        "history": [
            (event, selectors.history_labels().get(event.action, event.action)) for event in selectors.history(case)
        ],
        "flags": selectors.flags(case, today, calendar),
        "investigation_due": selectors.investigation_due(case, calendar),
        "overall": selectors.overall_limits(case, calendar),
        "accepted_on": selectors.accepted_on(case),
        "proposal": selectors.proposal(case),
        "visit_required": selectors.county_visit_required(case),
        "actions": actions,
        "steps": steps,
        "forms": {step.key: form for step, form in steps},
        "maker_checker_blocked": request.user.pk in involved and bool(actions & {"approve", "refuse"}),
        "publicity_days": PUBLICITY_DAYS,
    }
    return render(request, "assistance/procedure/programme_case.html", context)


# --- Steps (POST) ----------------------------------------------------------------------------------------------


@login_required
def programme_case_step(request: AuthenticatedRequest, pk: int, step: str) -> HttpResponse:
    """Every step of the procedure (``steps.STEPS``; the URL names the step): parse the step's form, call its
    service; either way back to the case page with a message. Without the step's permission anywhere: 403."""
    spec = STEP_BY_KEY[step]  # only the table's steps are routed here
    if not request.user.has_perm(spec.permission):
        raise PermissionDenied
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    case = _case(request, pk)
    form = spec.form(request.POST, case=case)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for field_errors in form.errors.values() for e in field_errors))
        return redirect("assistance:programme_case", pk=case.pk)
    try:
        spec.service(actor=request.user, case=case, **form.arguments())
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, spec.done)
    return redirect("assistance:programme_case", pk=case.pk)


# --- Notices ------------------------------------------------------------------------------------------------------


@role_required("assistance.view_programmecase")
def decision_notice(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(
        ProgrammeCase.objects.restrict(request.user, "view").select_related("applicant", "household", "case"), pk=pk
    )
    notice = decision_notice_for_case(case)
    if notice is None:
        raise Http404("no decision yet")
    notice_viewed(actor=request.user, obj=case, area_code=case.area_code, what="decision_notice")
    return pdf_response(render_notice(notice), f"decision-{case.pk}.pdf")


@role_required("assistance.view_programmecase")
def investigation_form(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The household investigation form (PDF), blank or with the findings recorded."""
    case = get_object_or_404(
        ProgrammeCase.objects.restrict(request.user, "view").select_related(
            "applicant", "household__area", "case__application"
        ),
        pk=pk,
    )
    members = list(case.household.memberships.filter(left_on__isnull=True).select_related("person").order_by("id"))
    notice_viewed(actor=request.user, obj=case, area_code=case.area_code, what="investigation_form")
    return pdf_response(render_notice(investigation_form_for_case(case, members)), f"investigation-{case.pk}.pdf")


@role_required("assistance.view_programmecase")
def publicity_list(request: AuthenticatedRequest) -> HttpResponse:
    """The 公示 list of a village or township: name, household size and amount only (DOMAIN §1.2 point 7)."""
    code = request.GET.get("area", "").strip()
    area = Division.objects.all().filter(code=code).first() if code else None  # divisions are public facts
    if area is None or not scope_allows(request.user, "assistance.view_programmecase", area.code):
        raise Http404("area not found")
    sections = publicity_sections(user=request.user, area=area)
    notice_viewed(actor=request.user, obj=area, area_code=area.code, what="publicity_list")
    return pdf_response(render_publicity(area=area, sections=sections), f"publicity-{area.code}.pdf")
