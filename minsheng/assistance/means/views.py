"""Pages of the household economic status (家庭经济状况), the means test's explanation and policy simulation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from minsheng.accounts.models import User
from minsheng.accounts.typing import AuthenticatedRequest
from minsheng.areas.selectors import divisions_where
from minsheng.assistance.means import selectors, services
from minsheng.assistance.means.forms import LINE_FORMS, AuthorisationForm, SimulationForm, StatusNewForm
from minsheng.assistance.means.models import LINE_MODELS, Assessment, EconomicStatus, Simulation
from minsheng.assistance.rules.specs import SPEC_BY_KEY
from minsheng.audit.services import audit_record
from minsheng.core.decorators import role_required
from minsheng.core.forms import add_service_errors
from minsheng.core.htmx import is_htmx
from minsheng.core.steps import service_step
from minsheng.core.templatetags.money import yuan
from minsheng.people.models import Household, Membership
from minsheng.people.selectors import household_get

LINE_TITLES = {
    "income": gettext_lazy("Income over the 12 months"),
    "maintenance": gettext_lazy("Maintenance owed by relatives living elsewhere"),
    "asset": gettext_lazy("Assets"),
    "expense": gettext_lazy("Rigid spending over the 12 months"),
    "condition": gettext_lazy("Members' self-care and support"),
}


def _members(household: Household) -> list[Any]:
    # unscoped: the current members of a household the view loaded through the door
    memberships = Membership.objects.unscoped().filter(household=household, left_on__isnull=True)
    return [m.person for m in memberships.select_related("person").order_by("id")]


def _means_context(user: User, household: Household, forms: dict[str, Any] | None = None) -> dict[str, Any]:
    status = selectors.economic_status_current(user=user, household=household)
    members = _members(household)
    can_change = user.has_perm("assistance.change_economicstatus")
    frozen = status is not None and selectors.status_is_frozen(status)
    forms = forms or {}
    line_forms = {kind: forms.get(kind) or form_class(members=members) for kind, form_class in LINE_FORMS.items()}
    authorisation = getattr(status, "authorisation", None) if status else None
    # unscoped: the signers of the authorisation of a status loaded through the door
    return {
        "household": household,
        "status": status,
        "frozen": frozen,
        "lines": selectors.status_lines(status) if status else {},
        "line_titles": LINE_TITLES,
        "line_forms": line_forms,
        "authorisation": authorisation,
        "signers": list(authorisation.signers.unscoped().select_related("person")) if authorisation else [],
        "authorisation_form": forms.get("authorisation") or AuthorisationForm(members=members),
        "new_form": forms.get("new") or StatusNewForm(),
        "can_change": can_change and status is not None and not frozen,
        "can_start": user.has_perm("assistance.add_economicstatus"),
        "can_assess": user.has_perm("assistance.add_assessment") and status is not None,
        "assessments": selectors.assessment_list(user=user, household=household)[:10],
    }


@role_required("assistance.view_economicstatus")
def household_means(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    household = household_get(user=actor, pk=pk)
    audit_record(
        actor=actor, action="assistance.economic_status_viewed", kind="view", obj=household, area_code=household.area_id
    )
    return render(request, "assistance/means/household.html", _means_context(actor, household))


@role_required("assistance.add_economicstatus")
@require_POST
def status_new(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    household = household_get(user=actor, pk=pk)
    form = StatusNewForm(request.POST)
    if service_step(
        request,
        form,
        lambda d: services.economic_status_new(
            actor=actor, household=household, window_end=d["window_end"], note=d["note"]
        ),
        lambda status: _("Version %(version)s is started.") % {"version": status.version},
        on_form=True,
    ):
        return redirect("assistance:household_means", household.pk)
    return render(
        request, "assistance/means/household.html", _means_context(actor, household, {"new": form}), status=400
    )


def _status_for_change(user: User, pk: int) -> EconomicStatus:
    return get_object_or_404(EconomicStatus.objects.restrict(user, "change").select_related("household"), pk=pk)


@role_required("assistance.change_economicstatus")
@require_POST
def status_line_add(request: AuthenticatedRequest, pk: int, line: str) -> HttpResponse:
    actor = request.user
    if line not in LINE_FORMS:
        raise Http404
    status = _status_for_change(actor, pk)
    form = LINE_FORMS[line](request.POST, members=_members(status.household))
    if service_step(
        request,
        form,
        lambda d: services.status_line_add(actor=actor, status=status, line=line, data=form.line_data()),
        _("Saved."),
        on_form=True,
    ):
        return redirect("assistance:household_means", status.household_id)
    context = _means_context(actor, status.household, {line: form})
    context["open_form"] = line
    return render(request, "assistance/means/household.html", context, status=400)


@role_required("assistance.change_economicstatus")
@require_POST
def status_line_remove(request: AuthenticatedRequest, pk: int, line: str, line_id: int) -> HttpResponse:
    actor = request.user
    if line not in LINE_FORMS:
        raise Http404
    status = _status_for_change(actor, pk)
    try:
        services.status_line_remove(actor=actor, status=status, line=line, line_id=line_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except LINE_MODELS[line].DoesNotExist:
        raise Http404 from None
    return redirect("assistance:household_means", status.household_id)


@role_required("assistance.change_economicstatus")
@require_POST
def authorisation_record(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    status = _status_for_change(actor, pk)
    form = AuthorisationForm(request.POST, members=_members(status.household))
    if service_step(
        request,
        form,
        lambda d: services.authorisation_record(
            actor=actor,
            status=status,
            serial=d["serial"],
            signed_on=d["signed_on"],
            channel=d["channel"],
            signers=[(form.members[pk], "") for pk in d["signers"]],
        ),
        _("The authorisation is recorded."),
        on_form=True,
    ):
        return redirect("assistance:household_means", status.household_id)
    context = _means_context(actor, status.household, {"authorisation": form})
    return render(request, "assistance/means/household.html", context, status=400)


@role_required("assistance.add_assessment")
@require_POST
def assessment_run(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    household = household_get(user=actor, pk=pk)
    try:
        assessment = services.assessment_run(actor=actor, household=household)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("assistance:household_means", household.pk)
    return redirect("assistance:assessment_detail", assessment.pk)


def _rule_value(key: str, value: Any) -> str:
    """A rule's value as a clerk reads it: amounts in yuan, everything else as entered."""
    spec = SPEC_BY_KEY.get(key)
    if spec is not None and spec.unit == "fen" and isinstance(value, int):
        return f"¥{yuan(value)}"
    return str(value)


@role_required("assistance.view_assessment")
def assessment_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    assessment = get_object_or_404(
        Assessment.objects.restrict(actor, "view").select_related("household", "economic_status", "created_by"), pk=pk
    )
    audit_record(
        actor=actor, action="assistance.assessment_viewed", kind="view", obj=assessment, area_code=assessment.area_code
    )
    # unscoped: the results of the assessment loaded through restrict() just above
    results = list(assessment.results.unscoped().select_related("person").order_by("programme", "person_id"))
    return render(
        request,
        "assistance/means/assessment.html",
        {
            "assessment": assessment,
            "results": results,
            "parameters": [
                (key, SPEC_BY_KEY[key].label if key in SPEC_BY_KEY else key, _rule_value(key, row["value"]), row)
                for key, row in sorted(assessment.parameters.items())
            ],
        },
    )


# --- Policy simulation ------------------------------------------------------------------------------------------


def _simulation_areas(user: User) -> list[Any]:
    areas = divisions_where(user=user, permission="assistance.simulate_assessment")
    return list(areas.filter(level__in=["city", "county"]).order_by("code"))


@role_required("assistance.simulate_assessment")
def simulations(request: AuthenticatedRequest) -> HttpResponse:
    actor = request.user
    areas = _simulation_areas(actor)
    form = SimulationForm(request.POST or None, areas=areas)
    if request.method == "POST" and form.is_valid():
        try:
            run = services.simulation_start(
                actor=actor,
                area_code=form.cleaned_data["area"],
                from_month=form.cleaned_data["from_month"],
                standard_fen=form.cleaned_data["standard"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("assistance:simulation_detail", run.pk)
    if not form.is_bound:
        today = timezone.localdate()
        form.initial["from_month"] = today.replace(day=1)
    runs = Simulation.objects.restrict(actor, "view").select_related("created_by")[:20]
    return render(
        request,
        "assistance/means/simulations.html",
        {"form": form, "runs": runs},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@role_required("assistance.simulate_assessment")
def simulation_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    job = get_object_or_404(Simulation.objects.restrict(actor, "view"), pk=pk)
    template = "assistance/means/_simulation.html" if is_htmx(request) else "assistance/means/simulation.html"
    return render(request, template, {"job": job, "result": job.result or {}})
