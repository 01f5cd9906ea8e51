"""Pages of enrolment (保障对象): the benefits list, reviews due, a benefit with its history and the changes a county
approver makes to it; and the printable notice of a benefit's latest decision as PDF."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.accounts.typing import AuthenticatedRequest
from minsheng.assistance.benefits import selectors
from minsheng.assistance.benefits import services as svc
from minsheng.assistance.benefits.forms import (
    BenefitFilterForm,
    RecomputeForm,
    ReduceForm,
    ReviewForm,
    StopForm,
    TaperForm,
)
from minsheng.assistance.benefits.models import Benefit
from minsheng.assistance.benefits.notices import notice_for_benefit
from minsheng.assistance.pdf import notice_viewed
from minsheng.core.decorators import role_required
from minsheng.core.forms import StyledForm
from minsheng.core.keyset import cursor_of, keyset_page
from minsheng.core.pdf import pdf_response, render_notice
from minsheng.core.steps import service_step
from minsheng.core.templatetags.money import yuan

BENEFITS_PAGE = 50


@role_required("assistance.view_benefit")
def benefit_list(request: AuthenticatedRequest) -> HttpResponse:
    """The benefits of the user's areas, newest first, a keyset page at a time: running ones all, stopped ones of
    the window (by default the last ``LIST_WINDOW_DAYS`` days; the user chooses an earlier day)."""
    form = BenefitFilterForm({k: v for k, v in request.GET.items() if k != "cursor"} or None)
    if form.is_bound and not form.is_valid():
        return render(request, "assistance/benefits/list.html", {"form": form, "page": None}, status=400)
    filters: dict[str, Any] = {k: v for k, v in form.cleaned_data.items() if v} if form.is_bound else {}
    since = filters.pop("since", None) or timezone.localdate() - dt.timedelta(days=selectors.LIST_WINDOW_DAYS)
    benefits = selectors.benefit_page_rows(user=request.user, stopped_since=since, **filters)
    page = keyset_page(
        benefits, selectors.BENEFIT_KEYS, cursor=cursor_of(request), size=BENEFITS_PAGE, salt="assistance.benefits"
    )
    return render(request, "assistance/benefits/list.html", {"form": form, "page": page, "since": since})


@role_required("assistance.view_benefit")
def reviews_due(request: AuthenticatedRequest) -> HttpResponse:
    context = {
        "due": selectors.reviews_due(user=request.user)[:200],
        "changed": selectors.household_changed(user=request.user)[:200],
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
def benefit_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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
    if service_step(request, form, lambda data: run(benefit, data), done, on_form=True):
        return redirect("assistance:benefit_detail", pk=benefit.pk)
    return _detail(request, benefit, status=400, **{name: form})


@role_required("assistance.change_benefit")
@require_POST
def benefit_review(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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
def benefit_recompute(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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
def benefit_reduce(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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
def benefit_taper(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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
def benefit_stop(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    def run(benefit: Benefit, data: dict[str, Any]) -> None:
        svc.benefit_stop(actor=request.user, benefit=benefit, reason=data["reason"], from_month=data["from_month"])

    return _apply(request, pk, StopForm, "stop_form", "stop", run, lambda _r: _("The benefit is stopped."))


@role_required("assistance.view_benefit")
def benefit_notice(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    benefit = _benefit(request, pk, "view")
    notice = notice_for_benefit(benefit)
    notice_viewed(actor=request.user, obj=benefit, area_code=benefit.area_code, what="benefit_notice")
    return pdf_response(render_notice(notice), f"benefit-{benefit.pk}.pdf")
