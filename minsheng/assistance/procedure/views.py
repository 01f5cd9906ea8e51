"""Pages of the 低保 / 特困 procedure: the list of programme cases, the case page, one POST endpoint per step, and
the printable notices (decision notice, 公示 list) as PDF.

Each step's view parses its form, calls one service of ``procedure.services`` and returns to the case page with
the outcome as a message. The case page shows only the forms of the steps the user may take at the current stage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minsheng.areas.models import Division
from minsheng.assistance.means.models import AssessmentResult
from minsheng.assistance.pdf import notice_viewed, pdf_response, render_notice, render_publicity
from minsheng.assistance.procedure import selectors, services
from minsheng.assistance.procedure.forms import (
    ApproveForm,
    InitialReviewForm,
    InvestigationForm,
    ObjectionForm,
    PublicityCloseForm,
    PublicityForm,
    ReasonForm,
    RecordForm,
    RelativeForm,
    VerificationResultForm,
    VisitForm,
)
from minsheng.assistance.procedure.models import (
    APPROVE,
    INVESTIGATE,
    OPEN_STAGES,
    PUBLICITY_DAYS,
    REVIEW,
    VIEW,
    ProgrammeCase,
)
from minsheng.assistance.procedure.notices import decision_notice_for_case, publicity_sections
from minsheng.core.decorators import role_required
from minsheng.core.scoping import scope_allows
from minsheng.workdays.services import Calendar

Stage = ProgrammeCase.Stage


def yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


# --- Pages -----------------------------------------------------------------------------------------------------

FLAG_CHOICES = [
    ("investigation_overdue", gettext_lazy("Investigation overdue")),
    ("overdue", gettext_lazy("Past the time limit")),
]


@role_required(VIEW)
def programme_cases(request: HttpRequest) -> HttpResponse:
    stage = request.GET.get("stage", "")
    stage = stage if stage in Stage.values else ""
    flag = request.GET.get("flag", "")
    flag = flag if flag in dict(FLAG_CHOICES) else ""
    cases = selectors.programme_case_list(user=request.user, stage=stage, flag=flag)
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    today, calendar = timezone.localdate(), Calendar()
    context = {
        "page": page,
        "rows": [(case, selectors.flags(case, today, calendar)) for case in page.object_list],
        "stages": Stage.choices,
        "stage": stage,
        "flag_choices": FLAG_CHOICES,
        "flag": flag,
    }
    return render(request, "assistance/procedure/programme_cases.html", context)


def _case(request: HttpRequest, pk: int) -> ProgrammeCase:
    return get_object_or_404(
        ProgrammeCase.objects.restrict(request.user, "view").select_related(
            "applicant", "household", "case", "case__application", "assessment"
        ),
        pk=pk,
    )


def _actions(user: Any, case: ProgrammeCase, today: dt.date) -> set[str]:
    """The steps ``user`` may take on the case now (the services check again)."""
    allowed = set()
    investigate = scope_allows(user, INVESTIGATE, case.area_code)
    review = scope_allows(user, REVIEW, case.area_code)
    decide = selectors.may_decide(user, case)
    county = scope_allows(user, APPROVE, selectors.county_level(case))
    stage = case.stage
    if investigate and stage in OPEN_STAGES and not case.staff_relative:
        allowed.add("relative")
    if investigate and stage in {Stage.ACCEPTED, Stage.INVESTIGATION}:
        allowed.add("investigation")
    if stage == Stage.VERIFICATION:
        if investigate and case.verification_requested_at is None:
            allowed.add("verification_request")
        elif investigate and not case.verification_result:
            allowed.add("verification_result")
        if case.verification_result == ProgrammeCase.VerificationResult.INELIGIBLE:
            if review:
                allowed.add("refuse")
            if investigate:
                allowed.add("reinvestigate")
    if review and stage == Stage.INITIAL_REVIEW:
        allowed.add("initial_review")
    if stage == Stage.PUBLICITY:
        if review and case.publicity_start is None:
            allowed.add("publicity_start")
        if investigate and case.publicity_start is not None and case.publicity_end and today >= case.publicity_start:
            allowed.add("objection")
        if review and case.publicity_end and today > case.publicity_end:
            allowed.add("publicity_close")
        if review:
            allowed.add("reinvestigate")
    if review and stage == Stage.DEMOCRATIC_REVIEW:
        allowed |= {"democratic_review", "reinvestigate"}
    if stage == Stage.COUNTY_REVIEW:
        if county:
            allowed.add("county_visit")
        if decide:
            allowed |= {"refuse", "reinvestigate"}
            if case.publicity_end is not None:
                allowed.add("approve")
    return allowed


@role_required(VIEW)
def programme_case(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    today, calendar = timezone.localdate(), Calendar()
    results: list[AssessmentResult] = []
    if case.assessment is not None:
        results = list(case.assessment.results.select_related("person").order_by("programme", "person_id"))
    chosen = selectors.programme_result(case)
    members = case.household.memberships.filter(left_on__isnull=True).select_related("person").order_by("id")
    actions = _actions(request.user, case, today)
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
        "accepted_on": selectors.accepted_on(case),
        "proposal": selectors.proposal(case),
        "visit_required": selectors.county_visit_required(case),
        "actions": actions,
        "maker_checker_blocked": request.user.pk in involved and bool(actions & {"approve", "refuse"}),
        "publicity_days": PUBLICITY_DAYS,
        "forms": {
            "relative": RelativeForm(),
            "investigation": InvestigationForm(case=case) if "investigation" in actions else None,
            "verification_result": VerificationResultForm(),
            "initial_review": InitialReviewForm(),
            "publicity_start": PublicityForm(),
            "objection": ObjectionForm(initial={"received_on": today}),
            "publicity_close": PublicityCloseForm(),
            "democratic_review": RecordForm(),
            "county_visit": VisitForm(initial={"visited_on": today}),
            "approve": ApproveForm(),
            "refuse": ReasonForm(),
            "reinvestigate": ReasonForm(),
        },
    }
    return render(request, "assistance/procedure/programme_case.html", context)


# --- Steps (POST) ----------------------------------------------------------------------------------------------


def _step(
    request: HttpRequest,
    pk: int,
    form_class: Callable[..., forms.Form] | None,
    run: Callable[[Any, ProgrammeCase, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    """Parse the step's form, run the service; either way back to the case page with a message."""
    case = _case(request, pk)
    data: dict[str, Any] = {}
    if form_class is not None:
        form = form_class(request.POST, case=case) if form_class is InvestigationForm else form_class(request.POST)
        if not form.is_valid():
            errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
            messages.error(request, " ".join(errors))
            return redirect("assistance:programme_case", pk=case.pk)
        data = form.cleaned_data
    try:
        run(request.user, case, data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)
    return redirect("assistance:programme_case", pk=case.pk)


@role_required(INVESTIGATE)
@require_POST
def flag_relative(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        RelativeForm,
        lambda actor, case, d: services.programme_case_flag_relative(actor=actor, case=case, note=d["note"]),
        _("The case is registered as a relative of staff; the county must visit before approval."),
    )


@role_required(INVESTIGATE)
@require_POST
def investigation(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        InvestigationForm,
        lambda actor, case, d: services.programme_case_investigate(
            actor=actor,
            case=case,
            investigated_on=d["investigated_on"],
            investigator_1=d["investigator_1"],
            investigator_2=d["investigator_2"],
            findings=d["findings"],
        ),
        _("The home investigation is recorded; request the economic verification next."),
    )


@role_required(INVESTIGATE)
@require_POST
def verification_request(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        None,
        lambda actor, case, d: services.programme_case_verification_request(actor=actor, case=case),
        _("The economic verification is requested."),
    )


@role_required(INVESTIGATE)
@require_POST
def verification_result(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        VerificationResultForm,
        lambda actor, case, d: services.programme_case_verification_result(
            actor=actor, case=case, result=d["result"], report=d["report"]
        ),
        _("The verification result is recorded."),
    )


@role_required(REVIEW)
@require_POST
def initial_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        InitialReviewForm,
        lambda actor, case, d: services.programme_case_initial_review(
            actor=actor, case=case, approve=d["proposal"] == "approve", opinion=d["opinion"]
        ),
        _("The initial review is recorded with the means test."),
    )


@role_required(REVIEW)
@require_POST
def publicity_start(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        PublicityForm,
        lambda actor, case, d: services.programme_case_publicity_start(actor=actor, case=case, start=d["start"]),
        _("The public notice is posted."),
    )


@role_required(INVESTIGATE)
@require_POST
def objection(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        ObjectionForm,
        lambda actor, case, d: services.programme_case_objection(
            actor=actor, case=case, received_on=d["received_on"], text=d["text"]
        ),
        _("The objection is recorded."),
    )


@role_required(REVIEW)
@require_POST
def publicity_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        PublicityCloseForm,
        lambda actor, case, d: services.programme_case_publicity_close(
            actor=actor, case=case, democratic_review=d["democratic_review"]
        ),
        _("The public notice is closed."),
    )


@role_required(REVIEW)
@require_POST
def democratic_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        RecordForm,
        lambda actor, case, d: services.programme_case_democratic_review(actor=actor, case=case, record=d["record"]),
        _("The democratic review is recorded; the case goes to confirmation."),
    )


@role_required(APPROVE)
@require_POST
def county_visit(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        VisitForm,
        lambda actor, case, d: services.programme_case_county_visit(
            actor=actor, case=case, visited_on=d["visited_on"], note=d["note"]
        ),
        _("The county's visit is recorded."),
    )


@role_required(APPROVE)
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        ApproveForm,
        lambda actor, case, d: services.programme_case_approve(actor=actor, case=case, reason=d["reason"]),
        _("Approved: the benefit is entered and is paid from the month after today."),
    )


@role_required(VIEW)  # the township (ineligible verification) or the approving level: the service checks
@require_POST
def refuse(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        ReasonForm,
        lambda actor, case, d: services.programme_case_refuse(actor=actor, case=case, reason=d["reason"]),
        _("Refused; give the applicant the written reasons by the date shown."),
    )


@role_required(VIEW)  # who may send a case back depends on its stage: the service checks
@require_POST
def reinvestigate(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        ReasonForm,
        lambda actor, case, d: services.programme_case_reinvestigate(actor=actor, case=case, reason=d["reason"]),
        _("The case is back for home investigation."),
    )


# --- Notices ------------------------------------------------------------------------------------------------------


@role_required("assistance.view_programmecase")
def decision_notice(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(
        ProgrammeCase.objects.restrict(request.user, "view").select_related("applicant", "household", "case"), pk=pk
    )
    notice = decision_notice_for_case(case)
    if notice is None:
        raise Http404("no decision yet")
    notice_viewed(actor=request.user, obj=case, area_code=case.area_code, what="decision_notice")
    return pdf_response(render_notice(notice), f"decision-{case.pk}.pdf")


@role_required("assistance.view_programmecase")
def publicity_list(request: HttpRequest) -> HttpResponse:
    """The 公示 list of a village or township: name, household size and amount only (DOMAIN §1.2 point 7)."""
    code = request.GET.get("area", "").strip()
    area = Division.objects.all().filter(code=code).first() if code else None  # divisions are public facts
    if area is None or not scope_allows(request.user, "assistance.view_programmecase", area.code):
        raise Http404("area not found")
    sections = publicity_sections(user=request.user, area=area)
    notice_viewed(actor=request.user, obj=area, area_code=area.code, what="publicity_list")
    return pdf_response(render_publicity(area=area, sections=sections), f"publicity-{area.code}.pdf")
