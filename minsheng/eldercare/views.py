"""Pages of elderly care. Every list reads one page by a signed cursor (``core.keyset``) and a capped count, through
an index matching its filter and order (docs/architecture.md, "Lists")."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.accounts.typing import AuthenticatedRequest
from minsheng.areas.models import Division
from minsheng.core.decorators import role_required
from minsheng.core.forms import add_service_errors
from minsheng.core.keyset import Key, KeysetPage, cursor_of, keyset_page, since_of
from minsheng.core.months import month_of, parse_month
from minsheng.core.numbers import id_or_404
from minsheng.core.steps import service_step
from minsheng.eldercare import selectors, services
from minsheng.eldercare.forms import (
    CircumstanceForm,
    ContractForm,
    DeathForm,
    FacilityForm,
    InspectionForm,
    LivenessForm,
    MonthForm,
    NeedFilterForm,
    ProviderForm,
    ResidentForm,
    SettlementForm,
    VerifyForm,
    VisitForm,
)
from minsheng.eldercare.models import (
    Category,
    Facility,
    Provider,
    Service,
    ServiceVisit,
    Settlement,
)
from minsheng.eldercare.sop import steps_for
from minsheng.people.models import Person

PAGE = 50


def _page(request: AuthenticatedRequest, rows: QuerySet[Any], keys: tuple[Key, ...], salt: str) -> KeysetPage[Any]:
    """One page of ``rows`` in the order ``keys``, after the request's cursor, with the list's capped count."""
    return keyset_page(rows, keys, cursor=cursor_of(request), size=PAGE, salt=f"eldercare.{salt}")


def _month(request: AuthenticatedRequest) -> dt.date:
    text = request.GET.get("month", "")
    if not text:
        return month_of(timezone.localdate())
    try:
        return parse_month(text[:10])
    except ValueError:
        raise ValidationError(_("Enter a month as YYYY-MM.")) from None


def _division(code: str) -> Division:
    division = Division.objects.filter(code=code).first()
    if division is None:
        raise ValidationError({"area": _("Unknown area code.")})
    return division


def _bad(request: AuthenticatedRequest, exc: ValidationError) -> HttpResponse:
    return render(request, "eldercare/bad_request.html", {"errors": exc.messages}, status=400)


# --- Facilities ------------------------------------------------------------------------------------------------------


@role_required("eldercare.view_facility")
def facility_list(request: AuthenticatedRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    kind = kind if kind in Facility.Kind.values else ""
    rows = selectors.facility_list(user=request.user, kind=kind)
    form = FacilityForm() if request.user.has_perm("eldercare.add_facility") else None
    return render(
        request,
        "eldercare/facility_list.html",
        {
            "page": _page(request, rows, selectors.FACILITY_KEYS, "facilities"),
            "kind": kind,
            "kinds": Facility.Kind.choices,
            "form": form,
        },
    )


@role_required("eldercare.add_facility")
@require_POST
def facility_new(request: AuthenticatedRequest) -> HttpResponse:
    form = FacilityForm(request.POST)

    def call(data: dict[str, Any]) -> Facility:
        return services.facility_register(
            actor=request.user,
            area=_division(data["area"]),
            kind=data["kind"],
            name=data["name"],
            operator=data["operator"],
            permit=data["permit"],
            permit_number=data["permit_number"],
            permit_on=data["permit_on"],
            beds=data["beds"],
            star_rating=data["star_rating"] or 0,
            public=data["public"],
            address=data["address"],
        )

    service_step(request, form, call, _("Facility registered."))
    return redirect("eldercare:facility_list")


@role_required("eldercare.view_facility")
def facility_detail(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    facility = selectors.facility_get(user=request.user, pk=id_or_404(pk))
    user = request.user
    return render(
        request,
        "eldercare/facility_detail.html",
        {
            "facility": facility,
            "inspections": facility.inspections.all()[:20],
            "residents": selectors.residents(user=user, facility=facility)[:PAGE],
            "inspection_form": InspectionForm() if user.has_perm("eldercare.add_inspection") else None,
            "resident_form": ResidentForm() if user.has_perm("eldercare.add_residency") else None,
        },
    )


@role_required("eldercare.add_inspection")
@require_POST
def inspection_new(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    facility = selectors.facility_get(user=request.user, pk=id_or_404(pk))
    form = InspectionForm(request.POST)
    service_step(
        request,
        form,
        lambda d: services.inspection_record(
            actor=request.user,
            facility=facility,
            on=d["on"],
            result=d["result"],
            findings=d["findings"],
            rectify_by=d["rectify_by"],
        ),
        _("Inspection recorded."),
    )
    return redirect("eldercare:facility_detail", facility.pk)


def _person(user: Any, pk: int) -> Person:
    person = Person.objects.restrict(user, "view").filter(pk=pk).first()
    if person is None:
        raise ValidationError({"person": _("No such person in your areas.")})
    return person


@role_required("eldercare.add_residency")
@require_POST
def resident_new(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    facility = selectors.facility_get(user=request.user, pk=id_or_404(pk))
    form = ResidentForm(request.POST)
    service_step(
        request,
        form,
        lambda d: services.residency_admit(
            actor=request.user,
            facility=facility,
            person=_person(request.user, d["person"]),
            admitted_on=d["admitted_on"],
        ),
        _("Resident admitted."),
    )
    return redirect("eldercare:facility_detail", facility.pk)


# --- The care list ---------------------------------------------------------------------------------------------------


@role_required("eldercare.view_elder")
def elder_list(request: AuthenticatedRequest) -> HttpResponse:
    category = request.GET.get("category", "")
    category = category if category in Category.values else ""
    rows = selectors.elder_list(user=request.user, category=category)
    form = CircumstanceForm() if request.user.has_perm("eldercare.add_circumstance") else None
    return render(
        request,
        "eldercare/elder_list.html",
        {
            "page": _page(request, rows, selectors.ELDER_KEYS, "elders"),
            "category": category,
            "categories": Category.choices,
            "labels": dict(Category.choices),
            "form": form,
        },
    )


@role_required("eldercare.view_elder")
def elder_detail(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    elder = selectors.elder_get(user=request.user, pk=id_or_404(pk))
    labels = dict(Category.choices)
    return render(
        request,
        "eldercare/elder_detail.html",
        {
            "elder": elder,
            "categories": [labels.get(c, c) for c in elder.categories],
            "plan": selectors.plan(elder=elder),
        },
    )


@role_required("eldercare.add_circumstance")
@require_POST
def circumstance_new(request: AuthenticatedRequest) -> HttpResponse:
    form = CircumstanceForm(request.POST)
    service_step(
        request,
        form,
        lambda d: services.circumstance_record(
            actor=request.user, person=_person(request.user, d["person"]), kind=d["kind"], since=d["since"]
        ),
        _("Circumstance recorded; the care list follows at its next refresh."),
    )
    return redirect("eldercare:elder_list")


# --- Providers, contracts, orders -----------------------------------------------------------------------------------


@role_required("eldercare.view_provider")
def provider_list(request: AuthenticatedRequest) -> HttpResponse:
    form = ProviderForm() if request.user.has_perm("eldercare.add_provider") else None
    return render(
        request,
        "eldercare/provider_list.html",
        {
            "page": _page(request, selectors.provider_list(user=request.user), selectors.PROVIDER_KEYS, "providers"),
            "form": form,
        },
    )


@role_required("eldercare.add_provider")
@require_POST
def provider_new(request: AuthenticatedRequest) -> HttpResponse:
    form = ProviderForm(request.POST)
    service_step(
        request,
        form,
        lambda d: services.provider_register(
            actor=request.user,
            area=_division(d["area"]),
            name=d["name"],
            credit_code=d["credit_code"],
            contact=d["contact"],
        ),
        _("Provider registered."),
    )
    return redirect("eldercare:provider_list")


@role_required("eldercare.view_provider")
def provider_detail(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    provider = selectors.provider_get(user=request.user, pk=id_or_404(pk))
    labels = dict(Service.choices)
    contracts = [
        (c, [(labels.get(s, s), c.prices.get(s, 0)) for s in c.services])
        for c in selectors.contracts(user=request.user, provider=provider)[:PAGE]
    ]
    return render(
        request,
        "eldercare/provider_detail.html",
        {
            "provider": provider,
            "contracts": contracts,
            "form": ContractForm() if request.user.has_perm("eldercare.add_contract") else None,
        },
    )


@role_required("eldercare.add_contract")
@require_POST
def contract_new(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    provider = selectors.provider_get(user=request.user, pk=id_or_404(pk))
    form = ContractForm(request.POST)
    service_step(
        request,
        form,
        lambda d: services.contract_sign(
            actor=request.user,
            provider=provider,
            area=_division(d["area"]),
            number=d["number"],
            prices=form.prices(),
            valid_from=d["valid_from"],
            valid_to=d["valid_to"],
        ),
        _("Contract signed; the plans are assigned at the next refresh."),
    )
    return redirect("eldercare:provider_detail", provider.pk)


@role_required("eldercare.add_serviceorder")
@require_POST
def orders_generate(request: AuthenticatedRequest) -> HttpResponse:
    form = MonthForm(request.POST)
    service_step(
        request,
        form,
        lambda d: services.orders_generate(month=d["month"], actor=request.user),
        lambda g: (
            _("%(lines)s order lines with %(visits)s visits for %(month)s.")
            % {"lines": g.lines, "visits": g.visits, "month": f"{g.month:%Y-%m}"}
        ),
    )
    return redirect("eldercare:compliance")


# --- A provider worker's visits --------------------------------------------------------------------------------------


@role_required("eldercare.add_servicevisit")
def my_visits(request: AuthenticatedRequest) -> HttpResponse:
    """The worker's list: this month's lines with visits still owed, its provider's only, by village and id, a page
    at a time (open work: no window)."""
    month = month_of(timezone.localdate())
    rows = selectors.worker_lines(user=request.user, month=month)
    labels = dict(Service.choices)
    return render(
        request,
        "eldercare/my_visits.html",
        {"page": _page(request, rows, selectors.LINE_KEYS, "lines"), "month": month, "labels": labels},
    )


def _visit_page(request: AuthenticatedRequest, line: Any, form: VisitForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "eldercare/visit_form.html",
        {
            "line": line,
            "form": form,
            "service": dict(Service.choices).get(line.service, line.service),
            "plan": selectors.line_plan(user=request.user, line=line),
        },
        status=status,
    )


@role_required("eldercare.add_servicevisit")
def visit_new(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    """Record a visit for an order line (a page for a phone). A line of another provider is not found (404)."""
    line = selectors.line_get(user=request.user, pk=id_or_404(pk))
    if not services.may_visit(request.user, line):
        raise Http404
    steps = steps_for(line.service)
    if request.method != "POST":
        now = timezone.localtime().replace(second=0, microsecond=0)
        form = VisitForm(
            steps=steps,
            initial={
                "client_uuid": uuid.uuid4(),
                "checked_in_at": now - dt.timedelta(minutes=30),
                "checked_out_at": now,
                "finding": ServiceVisit.Finding.NONE,
            },
        )
        return _visit_page(request, line, form)
    form = VisitForm(request.POST, steps=steps)
    if not form.is_valid():
        return _visit_page(request, line, form, status=400)
    d = form.cleaned_data
    data = services.VisitInput(
        client_uuid=d["client_uuid"],
        checked_in_at=d["checked_in_at"],
        checked_out_at=d["checked_out_at"],
        latitude=d["latitude"],
        longitude=d["longitude"],
        steps=tuple(d["steps"]),
        satisfaction=d["satisfaction"],
        family_note=d["family_note"],
        finding=d["finding"],
        finding_note=d["finding_note"],
    )
    try:
        recorded = services.visit_record(actor=request.user, line_id=line.pk, data=data)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _visit_page(request, line, form, status=400)
    visit = recorded.visit
    if visit.flags:
        messages.warning(
            request,
            _("Visit recorded and flagged for the township: %(flags)s")
            % {"flags": "、".join(selectors.flag_labels(visit.flags))},
        )
    else:
        messages.success(request, _("Visit recorded."))
    return redirect("eldercare:my_visits")


# --- Compliance, verification, missed visits -------------------------------------------------------------------------


@role_required("eldercare.view_elder")
def compliance(request: AuthenticatedRequest) -> HttpResponse:
    try:
        month = _month(request)
    except ValidationError as exc:
        return _bad(request, exc)
    rows = selectors.by_provider(user=request.user, month=month)
    for row in rows:
        row["rate"] = round(100 * row["n_on_time"] / row["n_owed"], 1) if row["n_owed"] else None
    missed = selectors.missed(user=request.user, today=timezone.localdate()).filter(month=month)
    return render(
        request,
        "eldercare/compliance.html",
        {
            "month": month,
            "rows": rows,
            "missed": missed.select_related("elder", "provider")[:PAGE]
            if request.user.has_perm("eldercare.change_orderline")
            else [],
            "labels": dict(Service.choices),
            "generate": MonthForm() if request.user.has_perm("eldercare.add_serviceorder") else None,
        },
    )


@role_required("eldercare.view_uncoveredneed")
def need_list(request: AuthenticatedRequest) -> HttpResponse:
    """The needs no provider covers (per village, service and month), handed to 五社联动, and what came of them."""
    form = NeedFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return _bad(request, ValidationError([e for errors in form.errors.values() for e in errors]))
    data = form.cleaned_data if form.is_bound else {}
    page = keyset_page(
        selectors.need_list(user=request.user, month=data.get("month"), status=data.get("status") or ""),
        selectors.NEED_KEYS,
        cursor=cursor_of(request),
        size=PAGE,
        salt="eldercare.needs",
    )
    return render(
        request,
        "eldercare/need_list.html",
        {"form": form, "page": page, "labels": dict(Service.choices)},
    )


@role_required("eldercare.change_orderline")
@require_POST
def missed_ack(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    line = get_object_or_404(selectors.missed(user=request.user, today=timezone.localdate()), pk=id_or_404(pk))
    try:
        services.missed_acknowledge(actor=request.user, line=line)
        messages.success(request, _("Acknowledged."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(f"{_url('eldercare:compliance')}?month={line.month:%Y-%m}")


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


@role_required("eldercare.change_servicevisit")
def verify_list(request: AuthenticatedRequest) -> HttpResponse:
    page = _page(request, selectors.to_verify(user=request.user), selectors.VERIFY_KEYS, "to_verify")
    for v in page:
        v.flag_words = "、".join(selectors.flag_labels(v.flags))
    return render(request, "eldercare/verify_list.html", {"page": page, "form": VerifyForm()})


@role_required("eldercare.change_servicevisit")
@require_POST
def visit_verify(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    visit = get_object_or_404(selectors.to_verify(user=request.user), pk=id_or_404(pk))
    form = VerifyForm(request.POST)
    service_step(
        request,
        form,
        lambda d: services.visit_verify(
            actor=request.user, visit=visit, accept=d["decision"] == "accept", note=d["note"]
        ),
        _("Visit verified or rejected."),
    )
    return redirect("eldercare:verify_list")


# --- Settlements ---------------------------------------------------------------------------------------------------


@role_required("eldercare.view_settlement")
def settlement_list(request: AuthenticatedRequest) -> HttpResponse:
    """Settlements, the latest month first: those not paid yet all, the paid ones of the months from the window's (by
    default the last ``LIST_WINDOW_DAYS`` days; the user chooses an earlier day)."""
    form = SettlementForm() if request.user.has_perm("eldercare.add_settlement") else None
    since = since_of(request) or timezone.localdate() - dt.timedelta(days=selectors.LIST_WINDOW_DAYS)
    rows = selectors.settlement_list(user=request.user, paid_since=since)
    page = _page(request, rows, selectors.SETTLEMENT_KEYS, "settlements")
    return render(request, "eldercare/settlement_list.html", {"page": page, "form": form, "since": since})


@role_required("eldercare.add_settlement")
@require_POST
def settlement_prepare(request: AuthenticatedRequest) -> HttpResponse:
    form = SettlementForm(request.POST)

    def call(d: dict[str, Any]) -> Settlement:
        provider = Provider.objects.restrict(request.user, "view").filter(pk=d["provider"]).first()
        if provider is None:
            raise ValidationError({"provider": _("No such provider in your areas.")})
        return services.settlement_generate(actor=request.user, provider=provider, month=d["month"])

    service_step(request, form, call, _("Settlement prepared."))
    return redirect("eldercare:settlement_list")


@role_required("eldercare.view_settlement")
def settlement_detail(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    settlement = selectors.settlement_get(user=request.user, pk=id_or_404(pk))
    user = request.user
    return render(
        request,
        "eldercare/settlement_detail.html",
        {
            "settlement": settlement,
            "visits": settlement.visits.select_related("elder").order_by("checked_in_at")[:PAGE],
            "can_approve": settlement.status == Settlement.Status.DRAFT
            and user.has_perm("eldercare.approve_settlement")
            and settlement.prepared_by_id != user.pk,
            "can_pay": settlement.status == Settlement.Status.APPROVED and user.has_perm("eldercare.pay_settlement"),
        },
    )


def _settlement_step(request: AuthenticatedRequest, pk: str, call: Any, done: str) -> HttpResponse:
    settlement = selectors.settlement_get(user=request.user, pk=id_or_404(pk))
    try:
        call(actor=request.user, settlement=settlement)
        messages.success(request, done)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("eldercare:settlement_detail", settlement.pk)


@role_required("eldercare.approve_settlement")
@require_POST
def settlement_approve(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    return _settlement_step(request, pk, services.settlement_approve, _("Settlement approved."))


@role_required("eldercare.pay_settlement")
@require_POST
def settlement_pay(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    return _settlement_step(request, pk, services.settlement_pay, _("Settlement recorded as paid."))


# --- 尊老金 ----------------------------------------------------------------------------------------------------------


@role_required("eldercare.view_livenesscheck")
def liveness_list(request: AuthenticatedRequest) -> HttpResponse:
    rows = selectors.liveness_due(user=request.user, action="view")
    form = LivenessForm() if request.user.has_perm("eldercare.change_livenesscheck") else None
    page = _page(request, rows, selectors.LIVENESS_KEYS, "liveness")
    return render(request, "eldercare/liveness_list.html", {"page": page, "form": form})


@role_required("eldercare.change_livenesscheck")
@require_POST
def liveness_confirm(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    check = get_object_or_404(selectors.liveness_due(user=request.user), pk=id_or_404(pk))
    form = LivenessForm(request.POST)
    service_step(
        request,
        form,
        lambda d: services.liveness_confirm(
            actor=request.user, check=check, method=d["method"], alive=d["alive"] == "yes"
        ),
        _("Liveness check recorded."),
    )
    return redirect("eldercare:liveness_list")


@role_required("eldercare.view_deathfinding")
def death_list(request: AuthenticatedRequest) -> HttpResponse:
    rows = selectors.deaths_open(user=request.user, action="view")
    form = DeathForm() if request.user.has_perm("eldercare.change_deathfinding") else None
    page = _page(request, rows, selectors.DEATH_KEYS, "deaths")
    return render(request, "eldercare/death_list.html", {"page": page, "form": form})


@role_required("eldercare.change_deathfinding")
@require_POST
def death_handle(request: AuthenticatedRequest, pk: str) -> HttpResponse:
    finding = get_object_or_404(selectors.deaths_open(user=request.user), pk=id_or_404(pk))
    form = DeathForm(request.POST)
    service_step(
        request,
        form,
        lambda d: services.death_handle(
            actor=request.user, finding=finding, stop=d["decision"] == "stop", note=d["note"]
        ),
        _("Death finding handled."),
    )
    return redirect("eldercare:death_list")
