"""Pages of the payroll: the batches of the user's counties, a batch with its held lines, prepare and approve."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.areas.models import Division
from minsheng.core.decorators import role_required
from minsheng.core.forms import add_service_errors
from minsheng.payments import bankfiles, selectors, services
from minsheng.payments.forms import PrepareForm, ReturnFileForm
from minsheng.payments.models import PaymentLine, PayrollBatch


def _list(request: HttpRequest, form: PrepareForm | None = None, *, status: int = 200) -> HttpResponse:
    counties = selectors.counties_to_prepare(user=request.user)
    if form is None and counties:
        form = PrepareForm(counties=counties, prefix="prepare")
    page = Paginator(selectors.batch_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(request, "payments/batch_list.html", {"page": page, "form": form}, status=status)


@role_required("payments.view_payrollbatch")
def batch_list(request: HttpRequest) -> HttpResponse:
    return _list(request)


@role_required("payments.add_payrollbatch")
@require_POST
def batch_prepare(request: HttpRequest) -> HttpResponse:
    form = PrepareForm(request.POST, counties=selectors.counties_to_prepare(user=request.user), prefix="prepare")
    if form.is_valid():
        data = form.cleaned_data
        try:
            batch = services.payroll_generate(
                actor=request.user,
                county=form.counties[data["county"]],
                programme=data["programme"],
                period=data["period"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The payroll is prepared: %(count)s lines, %(held)s held back.")
                % {"count": batch.line_count, "held": batch.held_count},
            )
            return redirect("payments:batch_detail", pk=batch.pk)
    return _list(request, form, status=400)


@role_required("payments.view_payrollbatch")
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(user=request.user, pk=pk)
    held = selectors.batch_lines(user=request.user, batch=batch, status=PaymentLine.Status.HELD)
    lines = Paginator(selectors.batch_lines(user=request.user, batch=batch), 100).get_page(request.GET.get("page"))
    reasons = dict(PaymentLine.HoldReason.choices)
    by_reason = [
        {**row, "label": reasons.get(row["hold_reason"], row["hold_reason"])}
        for row in selectors.batch_held_by_reason(user=request.user, batch=batch)
    ]
    user = request.user
    context = {
        "batch": batch,
        "held": held[:500],
        "by_reason": by_reason,
        "lines": lines,
        "report": selectors.batch_reconciliation(user=request.user, batch=batch),
        "can_export": batch.status != PayrollBatch.Status.DRAFT and user.has_perm(bankfiles.BANK),
        "can_import": batch.status in (PayrollBatch.Status.EXPORTED, PayrollBatch.Status.RECONCILED)
        and user.has_perm(bankfiles.BANK),
        "return_form": ReturnFileForm(),
        "can_prepare": batch.status == PayrollBatch.Status.DRAFT and user.has_perm("payments.add_payrollbatch"),
        "can_approve": batch.status == PayrollBatch.Status.DRAFT
        and batch.prepared_at is not None
        and user.has_perm("payments.approve_payrollbatch")
        and batch.prepared_by_id != user.pk,
    }
    return render(request, "payments/batch_detail.html", context)


@role_required("payments.add_payrollbatch")
@require_POST
def batch_regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(user=request.user, pk=pk, action="add")
    try:
        # The county of a batch the user may prepare (the door above); the service checks again.
        county = Division.objects.unscoped().get(code=batch.area_code)
        done = services.payroll_generate(
            actor=request.user, county=county, programme=batch.programme, period=batch.period
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(
            request,
            _("The payroll is prepared: %(count)s lines, %(held)s held back.")
            % {"count": done.line_count, "held": done.held_count},
        )
    return redirect("payments:batch_detail", pk=batch.pk)


@role_required("payments.approve_payrollbatch")
@require_POST
def batch_approve(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(user=request.user, pk=pk, action="approve")
    try:
        services.payroll_approve(actor=request.user, batch=batch)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, _("The payroll is approved; it can no longer change."))
    return redirect("payments:batch_detail", pk=batch.pk)


def _errors(exc: ValidationError | PermissionDenied) -> str:
    return " ".join(getattr(exc, "messages", [str(exc)]))


@role_required(bankfiles.BANK)
@require_POST
def batch_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The payment file (``format``: csv or xlsx) as a download; the first export marks the batch as sent."""
    batch = selectors.batch_get(user=request.user, pk=pk, action="add")
    try:
        done = bankfiles.payment_file_export(actor=request.user, batch=batch, fmt=request.POST.get("format", "csv"))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _errors(exc))
        return redirect("payments:batch_detail", pk=batch.pk)
    response = HttpResponse(done.content, content_type=done.content_type)
    response["Content-Disposition"] = f'attachment; filename="{done.filename}"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(bankfiles.BANK)
@require_POST
def batch_import(request: HttpRequest, pk: int) -> HttpResponse:
    """The bank's return file: each line paid or failed, all or nothing."""
    batch = selectors.batch_get(user=request.user, pk=pk, action="add")
    form = ReturnFileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the bank's return file."))
        return redirect("payments:batch_detail", pk=batch.pk)
    upload = form.cleaned_data["file"]
    try:
        result = bankfiles.bank_return_import(
            actor=request.user, batch=batch, filename=upload.name or "", content=upload.read()
        )
    except (ValidationError, PermissionDenied) as exc:
        for text in getattr(exc, "messages", [str(exc)]):
            messages.error(request, text)
    else:
        messages.success(
            request,
            _("The bank's answer is recorded: %(paid)s paid, %(failed)s failed, %(unchanged)s already recorded.")
            % {"paid": result.paid, "failed": result.failed, "unchanged": result.unchanged},
        )
    return redirect("payments:batch_detail", pk=batch.pk)
