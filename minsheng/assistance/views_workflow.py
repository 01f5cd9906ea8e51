"""Pages of the 低保 / 特困 procedure: the list of programme cases, the case page, and one POST endpoint per step.

Each step's view parses its form, calls one service of ``assistance.workflow`` and returns to the case page with
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
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minsheng.accounts.models import User
from minsheng.assistance import workflow
from minsheng.assistance.models import AssessmentResult, ProgrammeCase
from minsheng.core.decorators import role_required
from minsheng.core.forms import StyledForm
from minsheng.workdays.services import Calendar

Stage = ProgrammeCase.Stage
DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


# --- Forms -----------------------------------------------------------------------------------------------------


class RelativeForm(StyledForm):
    note = forms.CharField(label=gettext_lazy("Whose relative (name, post)"), max_length=200)


class InvestigationForm(StyledForm):
    investigated_on = forms.DateField(label=gettext_lazy("Visited on"), widget=DATE)
    investigator_1 = forms.ModelChoiceField(label=gettext_lazy("First investigator"), queryset=User.objects.none())
    investigator_2 = forms.ModelChoiceField(label=gettext_lazy("Second investigator"), queryset=User.objects.none())
    findings = forms.CharField(label=gettext_lazy("Findings"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, case: ProgrammeCase, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        candidates = workflow.investigator_candidates(case)
        for name in ("investigator_1", "investigator_2"):
            self.fields[name].queryset = candidates  # type: ignore[attr-defined]
        self.fields["investigated_on"].initial = timezone.localdate()


class VerificationResultForm(StyledForm):
    result = forms.ChoiceField(
        label=gettext_lazy("Result"),
        choices=[(c.value, c.label) for c in ProgrammeCase.VerificationResult if c.value],
    )
    report = forms.CharField(label=gettext_lazy("Report"), widget=forms.Textarea(attrs={"rows": 3}))


class InitialReviewForm(StyledForm):
    proposal = forms.ChoiceField(
        label=gettext_lazy("Proposal"),
        choices=[("approve", gettext_lazy("Propose approval")), ("refuse", gettext_lazy("Propose refusal"))],
    )
    opinion = forms.CharField(label=gettext_lazy("Opinion"), widget=forms.Textarea(attrs={"rows": 3}))


class PublicityForm(StyledForm):
    start = forms.DateField(label=gettext_lazy("Public notice from"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start"].initial = timezone.localdate()


class ObjectionForm(StyledForm):
    received_on = forms.DateField(label=gettext_lazy("Received on"), widget=DATE)
    text = forms.CharField(label=gettext_lazy("Objection"), widget=forms.Textarea(attrs={"rows": 2}))


class PublicityCloseForm(StyledForm):
    democratic_review = forms.BooleanField(label=gettext_lazy("Hold a democratic review"), required=False)


class RecordForm(StyledForm):
    record = forms.CharField(label=gettext_lazy("Record"), widget=forms.Textarea(attrs={"rows": 3}))


class VisitForm(StyledForm):
    visited_on = forms.DateField(label=gettext_lazy("Visited on"), widget=DATE)
    note = forms.CharField(label=gettext_lazy("Findings"), widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(StyledForm):
    reason = forms.CharField(label=gettext_lazy("Reasons"), widget=forms.Textarea(attrs={"rows": 2}))


class ApproveForm(StyledForm):
    reason = forms.CharField(
        label=gettext_lazy("Reasons (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"


# --- Pages -----------------------------------------------------------------------------------------------------

FLAG_CHOICES = [
    ("investigation_overdue", gettext_lazy("Investigation overdue")),
    ("overdue", gettext_lazy("Past the time limit")),
]


@role_required(workflow.VIEW)
def programme_cases(request: HttpRequest) -> HttpResponse:
    stage = request.GET.get("stage", "")
    stage = stage if stage in Stage.values else ""
    flag = request.GET.get("flag", "")
    flag = flag if flag in dict(FLAG_CHOICES) else ""
    cases = workflow.programme_case_list(user=request.user, stage=stage, flag=flag)
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    today, calendar = timezone.localdate(), Calendar()
    context = {
        "page": page,
        "rows": [(case, workflow.flags(case, today, calendar)) for case in page.object_list],
        "stages": Stage.choices,
        "stage": stage,
        "flag_choices": FLAG_CHOICES,
        "flag": flag,
    }
    return render(request, "assistance/workflow/programme_cases.html", context)


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
    investigate = workflow.scope_allows(user, workflow.INVESTIGATE, case.area_code)
    review = workflow.scope_allows(user, workflow.REVIEW, case.area_code)
    decide = workflow.may_decide(user, case)
    county = workflow.scope_allows(user, workflow.APPROVE, workflow.county_level(case))
    stage = case.stage
    if investigate and stage in workflow.OPEN_STAGES and not case.staff_relative:
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


@role_required(workflow.VIEW)
def programme_case(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    today, calendar = timezone.localdate(), Calendar()
    results: list[AssessmentResult] = []
    if case.assessment is not None:
        results = list(case.assessment.results.select_related("person").order_by("programme", "person_id"))
    chosen = workflow.programme_result(case)
    members = case.household.memberships.filter(left_on__isnull=True).select_related("person").order_by("id")
    actions = _actions(request.user, case, today)
    involved = workflow.involved_user_ids(case)
    context = {
        "case": case,
        "item_case": case.case,
        "members": members,
        "results": [(r, yuan(r.monthly_fen)) for r in results],
        "programme_result": chosen,
        "programme_amount": yuan(chosen.monthly_fen) if chosen else "",
        "objections": case.objections.select_related("recorded_by"),
        "history": [
            (event, workflow.history_labels().get(event.action, event.action)) for event in workflow.history(case)
        ],
        "flags": workflow.flags(case, today, calendar),
        "investigation_due": workflow.investigation_due(case, calendar),
        "accepted_on": workflow.accepted_on(case),
        "proposal": workflow.proposal(case),
        "visit_required": workflow.county_visit_required(case),
        "actions": actions,
        "maker_checker_blocked": request.user.pk in involved and bool(actions & {"approve", "refuse"}),
        "publicity_days": workflow.PUBLICITY_DAYS,
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
    return render(request, "assistance/workflow/programme_case.html", context)


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


@role_required(workflow.INVESTIGATE)
@require_POST
def flag_relative(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        RelativeForm,
        lambda actor, case, d: workflow.programme_case_flag_relative(actor=actor, case=case, note=d["note"]),
        _("The case is registered as a relative of staff; the county must visit before approval."),
    )


@role_required(workflow.INVESTIGATE)
@require_POST
def investigation(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        InvestigationForm,
        lambda actor, case, d: workflow.programme_case_investigate(
            actor=actor,
            case=case,
            investigated_on=d["investigated_on"],
            investigator_1=d["investigator_1"],
            investigator_2=d["investigator_2"],
            findings=d["findings"],
        ),
        _("The home investigation is recorded; request the economic verification next."),
    )


@role_required(workflow.INVESTIGATE)
@require_POST
def verification_request(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        None,
        lambda actor, case, d: workflow.programme_case_verification_request(actor=actor, case=case),
        _("The economic verification is requested."),
    )


@role_required(workflow.INVESTIGATE)
@require_POST
def verification_result(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        VerificationResultForm,
        lambda actor, case, d: workflow.programme_case_verification_result(
            actor=actor, case=case, result=d["result"], report=d["report"]
        ),
        _("The verification result is recorded."),
    )


@role_required(workflow.REVIEW)
@require_POST
def initial_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        InitialReviewForm,
        lambda actor, case, d: workflow.programme_case_initial_review(
            actor=actor, case=case, approve=d["proposal"] == "approve", opinion=d["opinion"]
        ),
        _("The initial review is recorded with the means test."),
    )


@role_required(workflow.REVIEW)
@require_POST
def publicity_start(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        PublicityForm,
        lambda actor, case, d: workflow.programme_case_publicity_start(actor=actor, case=case, start=d["start"]),
        _("The public notice is posted."),
    )


@role_required(workflow.INVESTIGATE)
@require_POST
def objection(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        ObjectionForm,
        lambda actor, case, d: workflow.programme_case_objection(
            actor=actor, case=case, received_on=d["received_on"], text=d["text"]
        ),
        _("The objection is recorded."),
    )


@role_required(workflow.REVIEW)
@require_POST
def publicity_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        PublicityCloseForm,
        lambda actor, case, d: workflow.programme_case_publicity_close(
            actor=actor, case=case, democratic_review=d["democratic_review"]
        ),
        _("The public notice is closed."),
    )


@role_required(workflow.REVIEW)
@require_POST
def democratic_review(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        RecordForm,
        lambda actor, case, d: workflow.programme_case_democratic_review(actor=actor, case=case, record=d["record"]),
        _("The democratic review is recorded; the case goes to confirmation."),
    )


@role_required(workflow.APPROVE)
@require_POST
def county_visit(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        VisitForm,
        lambda actor, case, d: workflow.programme_case_county_visit(
            actor=actor, case=case, visited_on=d["visited_on"], note=d["note"]
        ),
        _("The county's visit is recorded."),
    )


@role_required(workflow.APPROVE)
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        ApproveForm,
        lambda actor, case, d: workflow.programme_case_approve(actor=actor, case=case, reason=d["reason"]),
        _("Approved: the benefit is entered and is paid from the month after today."),
    )


@role_required(workflow.VIEW)  # the township (ineligible verification) or the approving level: the service checks
@require_POST
def refuse(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        ReasonForm,
        lambda actor, case, d: workflow.programme_case_refuse(actor=actor, case=case, reason=d["reason"]),
        _("Refused; give the applicant the written reasons by the date shown."),
    )


@role_required(workflow.VIEW)  # who may send a case back depends on its stage: the service checks
@require_POST
def reinvestigate(request: HttpRequest, pk: int) -> HttpResponse:
    return _step(
        request,
        pk,
        ReasonForm,
        lambda actor, case, d: workflow.programme_case_reinvestigate(actor=actor, case=case, reason=d["reason"]),
        _("The case is back for home investigation."),
    )
