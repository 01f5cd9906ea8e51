"""Pages of enrolment (保障对象): the benefits list, reviews due, a benefit with its history and the changes a county
approver makes to it; and the printable notices (decision notice, 公示 list) as PDF."""

from __future__ import annotations

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
from minsheng.assistance import benefits as svc
from minsheng.assistance import notices
from minsheng.assistance.models import Benefit, Programme, ProgrammeCase
from minsheng.core.decorators import role_required
from minsheng.core.forms import MonthField, StyledForm, YuanField, add_service_errors
from minsheng.core.scoping import scope_allows
from minsheng.core.templatetags.money import yuan

REASON_REQUIRED = gettext_lazy("Write down the reasons: the family receives them in writing.")


class _ChangeForm(StyledForm):
    reason = forms.CharField(
        label=gettext_lazy("Reasons"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": REASON_REQUIRED},
    )
    from_month = MonthField(
        label=gettext_lazy("From month"), required=False, help_text=gettext_lazy("Empty: from next month.")
    )


class StopForm(_ChangeForm):
    pass


class ReduceForm(_ChangeForm):
    monthly_yuan = YuanField(label=gettext_lazy("New monthly amount (yuan)"))


class TaperForm(_ChangeForm):
    monthly_yuan = YuanField(
        label=gettext_lazy("Tapered monthly amount (yuan)"),
        required=False,
        help_text=gettext_lazy("Empty: the current amount."),
    )


class RecomputeForm(StyledForm):
    reason = forms.CharField(
        label=gettext_lazy("What changed in the household"),
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": REASON_REQUIRED},
    )


class ReviewForm(StyledForm):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[
            (svc.ReviewOutcome.CONTINUE, gettext_lazy("Still eligible: continue")),
            (svc.ReviewOutcome.TAPER, gettext_lazy("A member found work: taper off (渐退)")),
            (svc.ReviewOutcome.STOP, gettext_lazy("Stop")),
        ],
    )
    reason = forms.CharField(
        label=gettext_lazy("Reasons"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=gettext_lazy("Required to stop or taper."),
    )
    from_month = MonthField(
        label=gettext_lazy("Stop or taper from month"), required=False, help_text=gettext_lazy("Empty: next month.")
    )
    taper_yuan = YuanField(
        label=gettext_lazy("Tapered monthly amount (yuan)"),
        required=False,
    )


class BenefitFilterForm(StyledForm):
    programme = forms.ChoiceField(
        label=gettext_lazy("Programme"), choices=[("", gettext_lazy("All")), *list(Programme.choices)], required=False
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), choices=[("", gettext_lazy("All")), *list(Benefit.Status.choices)], required=False
    )
    review_due = forms.BooleanField(label=gettext_lazy("Review due"), required=False)


@role_required("assistance.view_benefit")
def benefit_list(request: HttpRequest) -> HttpResponse:
    form = BenefitFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
    benefits = svc.benefit_list(user=request.user, **filters)
    page = Paginator(benefits, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "assistance/benefits/list.html", context)


@role_required("assistance.view_benefit")
def reviews_due(request: HttpRequest) -> HttpResponse:
    context = {
        "due": svc.reviews_due(user=request.user)[:200],
        "changed": svc.household_changed(user=request.user)[:200],
        "today": timezone.localdate(),
    }
    return render(request, "assistance/benefits/reviews_due.html", context)


def _detail(request: HttpRequest, benefit: Benefit, *, status: int = 200, **bound: StyledForm) -> HttpResponse:
    result = benefit.assessment_result
    context = {
        "benefit": benefit,
        "changes": benefit.changes.select_related("actor", "assessment").order_by("created_at", "id"),
        "explanation": result.explanation if result is not None else [],
        "assessed_on": result.assessment.on if result is not None else None,
        "can_change": request.user.has_perm("assistance.change_benefit") and benefit.status != Benefit.Status.STOPPED,
        "is_active": benefit.status == Benefit.Status.ACTIVE,
        "review_form": bound.get("review_form") or ReviewForm(prefix="review"),
        "recompute_form": bound.get("recompute_form") or RecomputeForm(prefix="recompute"),
        "reduce_form": bound.get("reduce_form") or ReduceForm(prefix="reduce"),
        "taper_form": bound.get("taper_form") or TaperForm(prefix="taper"),
        "stop_form": bound.get("stop_form") or StopForm(prefix="stop"),
    }
    return render(request, "assistance/benefits/detail.html", context, status=status)


def _benefit(request: HttpRequest, pk: int, action: str) -> Benefit:
    return get_object_or_404(
        Benefit.objects.restrict(request.user, action).select_related(
            "payee", "household", "assessment_result__assessment", "programme_case"
        ),
        pk=pk,
    )


@role_required("assistance.view_benefit")
def benefit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _benefit(request, pk, "view"))


def _apply(
    request: HttpRequest,
    pk: int,
    form_class: type[StyledForm],
    name: str,
    prefix: str | None,
    run: Callable[[Benefit, dict[str, Any]], Any],
    done: Callable[[Any], str],
) -> HttpResponse:
    """Shared POST handling of the change forms: validate, call the service, show its errors on the form."""
    benefit = _benefit(request, pk, "change")
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            outcome = run(benefit, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, done(outcome))
            return redirect("assistance:benefit_detail", pk=benefit.pk)
    return _detail(request, benefit, status=400, **{name: form})


@role_required("assistance.change_benefit")
@require_POST
def benefit_review(request: HttpRequest, pk: int) -> HttpResponse:
    def run(benefit: Benefit, data: dict[str, Any]) -> None:
        svc.benefit_review(
            actor=request.user,
            benefit=benefit,
            outcome=data["outcome"],
            reason=data["reason"],
            from_month=data["from_month"],
            taper_fen=data["taper_yuan"],
        )

    return _apply(request, pk, ReviewForm, "review_form", "review", run, lambda _r: _("The review is recorded."))


@role_required("assistance.change_benefit")
@require_POST
def benefit_recompute(request: HttpRequest, pk: int) -> HttpResponse:
    def run(benefit: Benefit, data: dict[str, Any]) -> Any:
        return svc.benefit_recompute(actor=request.user, benefit=benefit, reason=data["reason"])

    def done(change: Any) -> str:
        if change is None:
            return _("The means test gives the same amount; nothing changes.")
        return _("The amount is recomputed: ¥%(new)s a month from %(month)s.") % {
            "new": yuan(change.new_fen),
            "month": f"{change.effective_month:%Y-%m}",
        }

    return _apply(request, pk, RecomputeForm, "recompute_form", "recompute", run, done)


@role_required("assistance.change_benefit")
@require_POST
def benefit_reduce(request: HttpRequest, pk: int) -> HttpResponse:
    def run(benefit: Benefit, data: dict[str, Any]) -> None:
        svc.benefit_reduce(
            actor=request.user,
            benefit=benefit,
            monthly_fen=data["monthly_yuan"] or 0,
            reason=data["reason"],
            from_month=data["from_month"],
        )

    return _apply(request, pk, ReduceForm, "reduce_form", "reduce", run, lambda _r: _("The benefit is reduced."))


@role_required("assistance.change_benefit")
@require_POST
def benefit_taper(request: HttpRequest, pk: int) -> HttpResponse:
    def run(benefit: Benefit, data: dict[str, Any]) -> None:
        svc.benefit_taper(
            actor=request.user,
            benefit=benefit,
            reason=data["reason"],
            from_month=data["from_month"],
            monthly_fen=data["monthly_yuan"],
        )

    return _apply(request, pk, TaperForm, "taper_form", "taper", run, lambda _r: _("The taper period has started."))


@role_required("assistance.change_benefit")
@require_POST
def benefit_stop(request: HttpRequest, pk: int) -> HttpResponse:
    def run(benefit: Benefit, data: dict[str, Any]) -> None:
        svc.benefit_stop(actor=request.user, benefit=benefit, reason=data["reason"], from_month=data["from_month"])

    return _apply(request, pk, StopForm, "stop_form", "stop", run, lambda _r: _("The benefit is stopped."))


# --- Notices ------------------------------------------------------------------------------------------------------


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # personal data: not kept by the browser or a proxy
    return response


@role_required("assistance.view_programmecase")
def decision_notice(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_object_or_404(
        ProgrammeCase.objects.restrict(request.user, "view").select_related("applicant", "household", "case"), pk=pk
    )
    notice = notices.decision_notice_for_case(case)
    if notice is None:
        raise Http404("no decision yet")
    notices.notice_viewed(actor=request.user, obj=case, area_code=case.area_code, what="decision_notice")
    return _pdf(notices.render_notice(notice), f"decision-{case.pk}.pdf")


@role_required("assistance.view_benefit")
def benefit_notice(request: HttpRequest, pk: int) -> HttpResponse:
    benefit = _benefit(request, pk, "view")
    notice = notices.notice_for_benefit(benefit)
    notices.notice_viewed(actor=request.user, obj=benefit, area_code=benefit.area_code, what="benefit_notice")
    return _pdf(notices.render_notice(notice), f"benefit-{benefit.pk}.pdf")


@role_required("assistance.view_programmecase")
def publicity_list(request: HttpRequest) -> HttpResponse:
    """The 公示 list of a village or township: name, household size and amount only (DOMAIN §1.2 point 7)."""
    code = request.GET.get("area", "").strip()
    area = Division.objects.all().filter(code=code).first() if code else None  # divisions are public facts
    if area is None or not scope_allows(request.user, "assistance.view_programmecase", area.code):
        raise Http404("area not found")
    sections = notices.publicity_sections(user=request.user, area=area)
    notices.notice_viewed(actor=request.user, obj=area, area_code=area.code, what="publicity_list")
    return _pdf(notices.render_publicity(area=area, sections=sections), f"publicity-{area.code}.pdf")
