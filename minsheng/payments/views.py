"""Pages of the payroll: the batches of the user's counties, a batch with its held lines, prepare (a job that a Celery
worker runs, or this process without a broker; its page follows it) and approve."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.accounts.typing import AuthenticatedRequest
from minsheng.areas.models import Division
from minsheng.core.decorators import role_required
from minsheng.core.forms import add_service_errors
from minsheng.core.htmx import render_page
from minsheng.core.keyset import cursor_of, keyset_page
from minsheng.core.scoping import scope_allows
from minsheng.payments import bankfiles, jobs, selectors, services
from minsheng.payments.forms import ApproveForm, BatchFilterForm, LineFilterForm, PrepareForm, ReturnFileForm
from minsheng.payments.models import PaymentLine, PayrollBatch, PayrollJob

BATCHES_PAGE = 50
LINES_PAGE = 100


def _list(request: AuthenticatedRequest, form: PrepareForm | None = None, *, status: int = 200) -> HttpResponse:
    """The batches of the user's counties, newest month first, a keyset page at a time: every one not reconciled
    yet, and the reconciled ones of the window (by default the last ``LIST_WINDOW_DAYS`` days; the user chooses an
    earlier day)."""
    counties = selectors.counties_to_prepare(user=request.user)
    if form is None and counties:
        form = PrepareForm(counties=counties, prefix="prepare")
    window = BatchFilterForm({k: v for k, v in request.GET.items() if k != "cursor"} or None)
    context: dict[str, Any] = {"form": form, "window": window, "page": None}
    if window.is_bound and not window.is_valid():
        return render(request, "payments/batch_list.html", context, status=400)
    since = (window.cleaned_data.get("since") if window.is_bound else None) or timezone.localdate() - dt.timedelta(
        days=selectors.LIST_WINDOW_DAYS
    )
    batches = selectors.batch_page_rows(user=request.user, reconciled_since=since)
    context["page"] = keyset_page(
        batches, selectors.BATCH_KEYS, cursor=cursor_of(request), size=BATCHES_PAGE, salt="payments.batches"
    )
    context["since"] = since
    return render(request, "payments/batch_list.html", context, status=status)


@role_required("payments.view_payrollbatch")
def batch_list(request: AuthenticatedRequest) -> HttpResponse:
    return _list(request)


@role_required(services.PREPARE)
@require_POST
def batch_prepare(request: AuthenticatedRequest) -> HttpResponse:
    form = PrepareForm(request.POST, counties=selectors.counties_to_prepare(user=request.user), prefix="prepare")
    if form.is_valid():
        data = form.cleaned_data
        try:
            job, created = jobs.payroll_job_start(
                actor=request.user,
                county=form.counties[data["county"]],
                programme=data["programme"],
                period=data["period"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, _errors(exc))
        else:
            return _started(request, job, created)
    return _list(request, form, status=400)


def _started(request: AuthenticatedRequest, job: PayrollJob, created: bool) -> HttpResponse:
    """After a preparation was asked for: the batch when it is done (no broker: it ran here), else the job's page,
    which follows it (a second click is shown the job already open)."""
    if job.status == PayrollJob.Status.DONE and job.batch_id is not None:
        result = job.result or {}
        messages.success(
            request,
            _("The payroll is prepared: %(count)s lines, %(held)s held back.")
            % {"count": result.get("lines", 0), "held": result.get("held", 0)},
        )
        return redirect("payments:batch_detail", pk=job.batch_id)
    if job.status == PayrollJob.Status.FAILED:
        messages.error(request, job.error)
    elif not created:
        messages.info(request, _("This payroll is being prepared already; here is that preparation."))
    return redirect("payments:job_detail", pk=job.pk)


@role_required("payments.view_payrollbatch")
def job_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A preparation: queued, running, done with the batch's figures or failed with the reason. While it is open,
    the fragment asks again every 2 seconds (htmx)."""
    job = jobs.job_get(user=request.user, pk=pk)
    if job is None:
        raise Http404
    return render_page(request, "payments/job_detail.html", {"job": job}, fragment="payments/_job.html")


@role_required("payments.view_payrollbatch")
def batch_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.batch_get(user=request.user, pk=pk))


def _detail(
    request: AuthenticatedRequest, batch: PayrollBatch, approve_form: ApproveForm | None = None, *, status: int = 200
) -> HttpResponse:
    """The batch page, after a GET or again with the errors of an approval. Its lines (tens of thousands in a
    county's batch) a keyset page at a time, of one status if the user chooses; its reconciliation and held lines by
    reason from the figures stored on the batch, so the page reads as much for a batch of ten lines as of 40,000."""
    line_filter = LineFilterForm({k: v for k, v in request.GET.items() if k != "cursor"} or None)
    if line_filter.is_bound and not line_filter.is_valid():
        status = 400
        lines = None
    else:
        line_status = line_filter.cleaned_data.get("status", "") if line_filter.is_bound else ""
        rows = selectors.batch_lines(user=request.user, batch=batch, status=line_status)
        lines = keyset_page(
            rows, selectors.LINE_KEYS, cursor=cursor_of(request), size=LINES_PAGE, salt="payments.lines"
        )
    reasons = dict(PaymentLine.HoldReason.choices)
    by_reason = [
        {**row, "label": reasons.get(row["hold_reason"], row["hold_reason"])}
        for row in selectors.batch_held_by_reason(batch=batch)
    ]
    user = request.user
    # The buttons follow the user's rights in this batch's county, not in any county they serve.
    may_prepare = scope_allows(user, services.PREPARE, batch.area_code)
    context = {
        "batch": batch,
        "by_reason": by_reason,
        "lines": lines,
        "line_filter": line_filter,
        "report": selectors.batch_reconciliation(batch=batch),
        "can_export": batch.status != PayrollBatch.Status.DRAFT and may_prepare,
        "can_import": batch.status in (PayrollBatch.Status.EXPORTED, PayrollBatch.Status.RECONCILED) and may_prepare,
        "return_form": ReturnFileForm(),
        "job": jobs.job_latest(user=user, batch=batch),
        "can_prepare": batch.status == PayrollBatch.Status.DRAFT and may_prepare,
        "can_approve": batch.status == PayrollBatch.Status.DRAFT
        and batch.prepared_at is not None
        and scope_allows(user, services.APPROVE, batch.area_code)
        and batch.prepared_by_id != user.pk,
        "unpaid": selectors.unpaid_months_before(user=user, batch=batch)
        if batch.status == PayrollBatch.Status.DRAFT
        else [],
        "statuses": dict(PayrollBatch.Status.choices),
    }
    if context["can_approve"]:
        context["approve_form"] = approve_form or ApproveForm(batch=batch, prefix="approve")
    elif approve_form is not None:  # approved by somebody else meanwhile, or no longer the user's to approve
        for error in approve_form.non_field_errors():
            messages.error(request, str(error))
    return render(request, "payments/batch_detail.html", context, status=status)


@role_required(services.PREPARE)
@require_POST
def batch_regenerate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(user=request.user, pk=pk, action="add")
    try:
        # The county of a batch the user may prepare (the door above); the job checks again.
        county = Division.objects.all().get(code=batch.area_code)
        job, created = jobs.payroll_job_start(
            actor=request.user, county=county, programme=batch.programme, period=batch.period
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _errors(exc))
        return redirect("payments:batch_detail", pk=batch.pk)
    return _started(request, job, created)


@role_required(services.APPROVE)
@require_POST
def batch_approve(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get(user=request.user, pk=pk, action="approve")
    form = ApproveForm(request.POST, batch=batch, prefix="approve")
    if form.is_valid():
        try:
            services.payroll_approve(
                actor=request.user,
                batch=batch,
                opinion=form.cleaned_data["opinion"],
                confirmed_count=form.cleaned_data["count"],
                confirmed_fen=form.cleaned_data["total_fen"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, _errors(exc))
        else:
            messages.success(request, _("The payroll is approved; it can no longer change."))
            return redirect("payments:batch_detail", pk=batch.pk)
    return _detail(request, batch, form, status=400)


def _errors(exc: ValidationError | PermissionDenied) -> str:
    return " ".join(getattr(exc, "messages", [str(exc)]))


@role_required(bankfiles.BANK)
@require_POST
def batch_export(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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
def batch_import(request: AuthenticatedRequest, pk: int) -> HttpResponse:
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
