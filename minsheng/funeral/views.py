"""Pages of funeral services, and the public price display and report form (no login)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.accounts.typing import AuthenticatedRequest
from minsheng.areas.models import Division
from minsheng.core.decorators import role_required
from minsheng.core.forms import add_service_errors
from minsheng.core.keyset import cursor_of, keyset_page, since_of
from minsheng.core.middleware import client_ip
from minsheng.core.numbers import parse_id
from minsheng.core.steps import service_step
from minsheng.funeral import selectors
from minsheng.funeral.forms import (
    AnswerForm,
    CaseForm,
    CremationForm,
    FacilityForm,
    FilingForm,
    ItemForm,
    ReportForm,
    ReviewForm,
    SettlementForm,
    WaiverForm,
)
from minsheng.funeral.models import Complaint, Facility, FuneralCase, PriceFiling, Settlement, Waiver
from minsheng.funeral.services import (
    TooManyReports,
    case_register,
    complaint_answer,
    complaint_submit,
    cremation_record,
    facility_create,
    filing_review,
    filing_submit,
    price_item_add,
    prices_in_force,
    report_attempt,
    settlement_approve,
    settlement_generate,
    settlement_pay,
    waiver_register,
    waiver_services,
)

if TYPE_CHECKING:
    from minsheng.accounts.models import User


def _may(user: User, permission: str, facility: Facility) -> bool:
    return any(
        facility.area_code.startswith(s.prefix) and s.organisation_id in (None, facility.pk)
        for s in user.scopes_for(permission)
    )


# --- Facilities, catalogues and filings ---------------------------------------------------------------------------


@role_required("funeral.view_facility")
def facility_list(request: AuthenticatedRequest) -> HttpResponse:
    form = FacilityForm() if request.user.has_perm("funeral.add_facility") else None
    return render(
        request, "funeral/facility_list.html", {"facilities": selectors.facility_list(user=request.user), "form": form}
    )


@role_required("funeral.add_facility")
@require_POST
def facility_new(request: AuthenticatedRequest) -> HttpResponse:
    form = FacilityForm(request.POST)

    def create(d: dict[str, Any]) -> Any:
        area = Division.objects.all().filter(code=d["area"]).first()
        if area is None:
            raise ValidationError({"area": _("Unknown division code %(code)s.") % {"code": d["area"]}})
        return facility_create(
            actor=request.user,
            area=area,
            kind=d["kind"],
            name=d["name"],
            operator=d["operator"],
            address=d["address"],
            approval_number=d["approval_number"],
            approved_by=d["approved_by"],
            approved_on=d["approved_on"],
            phone=d["phone"],
        )

    service_step(request, form, create, _("The facility is added."))
    return redirect("funeral:facility_list")


@role_required("funeral.view_facility")
def facility_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    facility = selectors.facility_get(user=request.user, pk=pk)
    user = request.user
    items = list(facility.items.filter(active=True))
    today = timezone.localdate()
    in_force = prices_in_force(facility, today)
    context = {
        "facility": facility,
        "items": [(item, in_force.get(item.pk)) for item in items],
        "filings": list(
            selectors.filing_list(user=user).filter(facility=facility).prefetch_related("prices__item")[:20]
        ),
        "item_form": ItemForm(prefix="item") if _may(user, "funeral.add_priceitem", facility) else None,
        "filing_form": FilingForm(prefix="filing", items=items)
        if items and _may(user, "funeral.add_pricefiling", facility)
        else None,
    }
    return render(request, "funeral/facility_detail.html", context)


@role_required("funeral.add_priceitem")
@require_POST
def item_new(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    facility = selectors.facility_get(user=request.user, pk=pk)
    form = ItemForm(request.POST, prefix="item")
    service_step(
        request,
        form,
        lambda d: price_item_add(actor=request.user, facility=facility, kind=d["kind"], name=d["name"], unit=d["unit"]),
        _("The item is added to the catalogue."),
    )
    return redirect("funeral:facility_detail", pk=pk)


@role_required("funeral.add_pricefiling")
@require_POST
def filing_new(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    facility = selectors.facility_get(user=request.user, pk=pk)
    form = FilingForm(request.POST, prefix="filing", items=list(facility.items.filter(active=True)))
    service_step(
        request,
        form,
        lambda d: filing_submit(
            actor=request.user,
            facility=facility,
            effective_from=d["effective_from"],
            prices=form.prices(),
            note=d["note"],
        ),
        _("The prices are filed; the bureau reviews them before they take effect."),
    )
    return redirect("funeral:facility_detail", pk=pk)


LIST_PAGE = 50


def _since(request: HttpRequest) -> tuple[dt.date, dt.datetime]:
    """The list's window start, as a day and as its first moment: the day the user chose, else ``LIST_WINDOW_DAYS``
    back (not a date: 400)."""
    day = since_of(request) or timezone.localdate() - dt.timedelta(days=selectors.LIST_WINDOW_DAYS)
    return day, timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@role_required("funeral.view_pricefiling")
def filing_list(request: AuthenticatedRequest) -> HttpResponse:
    """Filings, newest first, a keyset page at a time: those waiting for review all, the reviewed ones submitted in
    the window (by default the last ``LIST_WINDOW_DAYS`` days; the user chooses an earlier day)."""
    status = request.GET.get("status", "")
    status = status if status in PriceFiling.Status.values else ""
    since, start = _since(request)
    rows = selectors.filing_list(user=request.user, status=status, reviewed_since=start)
    page = keyset_page(rows, selectors.FILING_KEYS, cursor=cursor_of(request), size=LIST_PAGE, salt="funeral.filings")
    return render(
        request,
        "funeral/filing_list.html",
        {"page": page, "status": status, "statuses": PriceFiling.Status.choices, "since": since},
    )


@role_required("funeral.view_pricefiling")
def filing_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    filing = selectors.filing_get(user=request.user, pk=pk)
    can_review = (
        filing.status == PriceFiling.Status.SUBMITTED
        and PriceFiling.objects.restrict(request.user, "review").filter(pk=pk).exists()
    )
    before = prices_in_force(filing.facility, filing.effective_from - dt.timedelta(days=1))
    rows = [
        (p, p.previous_fen if p.previous_fen is not None else getattr(before.get(p.item_id), "price_fen", None))
        for p in filing.prices.select_related("item")
    ]
    return render(
        request,
        "funeral/filing_detail.html",
        {"filing": filing, "rows": rows, "review_form": ReviewForm() if can_review else None},
    )


@role_required("funeral.review_pricefiling")
@require_POST
def filing_review_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    filing = selectors.filing_get(user=request.user, pk=pk)
    form = ReviewForm(request.POST)
    service_step(
        request,
        form,
        lambda d: filing_review(actor=request.user, filing=filing, accept=d["decision"] == "accept", note=d["note"]),
        _("The filing is reviewed."),
    )
    return redirect("funeral:filing_detail", pk=pk)


# --- Cases, cremation, waivers -------------------------------------------------------------------------------------


def _case_facilities(user: User) -> Any:
    return selectors.facility_list(user=user).filter(kind__in=Facility.FUNERAL_SERVICES, active=True)


@role_required("funeral.view_funeralcase")
def case_list(request: AuthenticatedRequest) -> HttpResponse:
    """Cases registered in the window (by default the last ``LIST_WINDOW_DAYS`` days; the user chooses an earlier
    day), newest first, a keyset page at a time."""
    since, start = _since(request)
    rows = selectors.case_list(user=request.user, since=start)
    page = keyset_page(rows, selectors.CASE_KEYS, cursor=cursor_of(request), size=LIST_PAGE, salt="funeral.cases")
    return render(request, "funeral/case_list.html", {"page": page, "since": since})


@role_required("funeral.add_funeralcase")
def case_new(request: AuthenticatedRequest) -> HttpResponse:
    form = CaseForm(request.POST or None, facilities=_case_facilities(request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = case_register(
                actor=request.user,
                facility=d["facility"],
                name=d["name"],
                id_number=d["id_number"],
                died_on=d["died_on"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The case is registered: %(number)s.") % {"number": case.number})
            return redirect("funeral:case_detail", pk=case.pk)
    return render(request, "funeral/case_form.html", {"form": form}, status=400 if form.errors else 200)


@role_required("funeral.view_funeralcase")
def case_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    user = request.user
    waiver = Waiver.objects.restrict(user, "view").filter(case=case).first()
    can_change = FuneralCase.objects.restrict(user, "change").filter(pk=pk).exists()
    waiver_form = None
    if waiver is None and can_change and _may(user, "funeral.add_waiver", case.facility):
        try:
            _rule, offered = waiver_services(case.area_code, case.died_on)
        except ValidationError:
            offered = {}
        waiver_form = WaiverForm(prefix="waiver", offered=offered) if offered else None
    return render(
        request,
        "funeral/case_detail.html",
        {
            "case": case,
            "waiver": waiver,
            "cremation_form": CremationForm(prefix="cremation") if can_change and case.cremated_on is None else None,
            "waiver_form": waiver_form,
        },
    )


@role_required("funeral.change_funeralcase")
@require_POST
def case_cremation(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    form = CremationForm(request.POST, prefix="cremation")
    service_step(
        request,
        form,
        lambda d: cremation_record(
            actor=request.user, case=case, cremated_on=d["cremated_on"], certificate=d["certificate"]
        ),
        _("The cremation is recorded."),
    )
    return redirect("funeral:case_detail", pk=pk)


@role_required("funeral.add_waiver")
@require_POST
def case_waiver(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    try:
        _rule, offered = waiver_services(case.area_code, case.died_on)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("funeral:case_detail", pk=pk)
    form = WaiverForm(request.POST, prefix="waiver", offered=offered)
    service_step(
        request,
        form,
        lambda d: waiver_register(actor=request.user, case=case, services=d["services"]),
        _("The basic funeral fees are waived."),
    )
    return redirect("funeral:case_detail", pk=pk)


# --- Settlements -----------------------------------------------------------------------------------------------


@role_required("funeral.view_settlement")
def settlement_list(request: AuthenticatedRequest) -> HttpResponse:
    """Settlements, the latest month first, a keyset page at a time: those not paid yet all, the paid ones of the
    months from the window's (by default the last ``LIST_WINDOW_DAYS`` days; the user chooses an earlier day)."""
    since, _start = _since(request)
    rows = selectors.settlement_list(user=request.user, paid_since=since)
    page = keyset_page(
        rows, selectors.SETTLEMENT_KEYS, cursor=cursor_of(request), size=LIST_PAGE, salt="funeral.settlements"
    )
    form = None
    if request.user.has_perm("funeral.add_settlement"):
        form = SettlementForm(prefix="settle", facilities=_case_facilities(request.user))
    return render(request, "funeral/settlement_list.html", {"page": page, "form": form, "since": since})


@role_required("funeral.add_settlement")
@require_POST
def settlement_prepare(request: AuthenticatedRequest) -> HttpResponse:
    form = SettlementForm(request.POST, prefix="settle", facilities=_case_facilities(request.user))
    done: dict[str, Settlement] = {}

    def prepare(d: dict[str, Any]) -> Any:
        done["settlement"] = settlement_generate(actor=request.user, facility=d["facility"], period=d["period"])

    if service_step(request, form, prepare, _("The settlement is prepared.")):
        return redirect("funeral:settlement_detail", pk=done["settlement"].pk)
    return redirect("funeral:settlement_list")


@role_required("funeral.view_settlement")
def settlement_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    settlement = selectors.settlement_get(user=request.user, pk=pk)
    user = request.user
    waivers = settlement.waivers.select_related("case").order_by("registered_at", "pk")
    return render(
        request,
        "funeral/settlement_detail.html",
        {
            "settlement": settlement,
            "waivers": waivers,
            "can_approve": settlement.status == Settlement.Status.DRAFT
            and _may(user, "funeral.approve_settlement", settlement.facility),
            "can_pay": settlement.status == Settlement.Status.APPROVED
            and _may(user, "funeral.pay_settlement", settlement.facility),
        },
    )


@role_required("funeral.approve_settlement")
@require_POST
def settlement_approve_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    settlement = selectors.settlement_get(user=request.user, pk=pk)
    try:
        settlement_approve(actor=request.user, settlement=settlement)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The settlement is approved."))
    return redirect("funeral:settlement_detail", pk=pk)


@role_required("funeral.pay_settlement")
@require_POST
def settlement_pay_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    settlement = selectors.settlement_get(user=request.user, pk=pk)
    try:
        settlement_pay(actor=request.user, settlement=settlement)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The settlement is recorded as paid."))
    return redirect("funeral:settlement_detail", pk=pk)


# --- Price reports ---------------------------------------------------------------------------------------------


@role_required("funeral.view_complaint")
def complaint_list(request: AuthenticatedRequest) -> HttpResponse:
    """Price reports, newest first, a keyset page at a time: those waiting for an answer all, the answered ones
    submitted in the window (by default the last ``LIST_WINDOW_DAYS`` days; the user chooses an earlier day)."""
    since, start = _since(request)
    rows = selectors.complaint_list(user=request.user, answered_since=start)
    page = keyset_page(
        rows, selectors.COMPLAINT_KEYS, cursor=cursor_of(request), size=LIST_PAGE, salt="funeral.complaints"
    )
    return render(request, "funeral/complaint_list.html", {"page": page, "today": timezone.localdate(), "since": since})


@role_required("funeral.view_complaint")
def complaint_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_get(user=request.user, pk=pk)
    can_answer = (
        complaint.status == "open" and Complaint.objects.restrict(request.user, "change").filter(pk=pk).exists()
    )
    return render(
        request,
        "funeral/complaint_detail.html",
        {"complaint": complaint, "form": AnswerForm() if can_answer else None},
    )


@role_required("funeral.change_complaint")
@require_POST
def complaint_answer_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_get(user=request.user, pk=pk)
    form = AnswerForm(request.POST)
    service_step(
        request,
        form,
        lambda d: complaint_answer(actor=request.user, complaint=complaint, answer=d["answer"]),
        _("The answer is recorded."),
    )
    return redirect("funeral:complaint_detail", pk=pk)


# --- Public (no login) -------------------------------------------------------------------------------------------


def public_cemeteries(request: HttpRequest) -> HttpResponse:
    return render(request, "funeral/public_cemeteries.html", {"cemeteries": selectors.public_cemeteries()})


def public_cemetery(request: HttpRequest, pk: int) -> HttpResponse:
    board = selectors.public_cemetery(pk, timezone.localdate())
    return render(request, "funeral/public_cemetery.html", {"board": board})


def public_report(request: HttpRequest) -> HttpResponse:
    """Report an unfiled price or a charge above the filed price: a receipt number and the answer deadline come back.
    Reports are limited per client address (``FUNERAL_REPORTS_PER_ADDRESS``): a flood gets 429, nothing is lost."""
    # unscoped: public page: active facility names only, no personal data
    facilities = Facility.objects.unscoped().filter(active=True).order_by("kind", "name")
    facility = parse_id(request.GET.get("facility"))
    initial = {"facility": facility} if facility is not None else {}
    form = ReportForm(request.POST or None, facilities=facilities, initial=initial)
    status = 200
    if request.method == "POST":
        try:
            report_attempt(client_ip=client_ip(request))
        except TooManyReports:
            form.is_valid()
            form.add_error(None, _("Too many reports were sent from this address. Try again in an hour."))
            status = 429
        else:
            if form.is_valid():
                d = form.cleaned_data
                try:
                    complaint = complaint_submit(
                        facility=d["facility"],
                        kind=d["kind"],
                        text=d["text"],
                        contact_name=d["contact_name"],
                        contact_phone=d["contact_phone"],
                        charged_fen=d["charged"],
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    return render(request, "funeral/public_report_received.html", {"complaint": complaint})
            status = 400
    return render(request, "funeral/public_report.html", {"form": form}, status=status)
