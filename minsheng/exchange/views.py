"""Pages of the data exchange: the sources and their layouts, feeds received and uploaded, department clients."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.accounts.models import User
from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_record
from minsheng.core.decorators import role_required
from minsheng.core.forms import add_service_errors
from minsheng.core.keyset import cursor_of, keyset_page
from minsheng.core.months import parse_month
from minsheng.core.numbers import id_or_404
from minsheng.core.pdf import pdf_response
from minsheng.core.scoping import scope_allows
from minsheng.exchange import selectors
from minsheng.exchange.authorisations import (
    NotAuthorised,
    adults_on,
    authorisation_end,
    authorisation_record,
    person_records_query,
)
from minsheng.exchange.feeds import FeedRejected
from minsheng.exchange.forms import (
    AnswerUploadForm,
    AuthorisationForm,
    ClientForm,
    EndForm,
    FeedFilterForm,
    FeedUploadForm,
    FindingFilterForm,
    ObjectionForm,
    RevokeForm,
    VerificationFilterForm,
    VerificationRequestForm,
    VerificationReviewForm,
)
from minsheng.exchange.layouts import layout_for
from minsheng.exchange.models import (
    DataSource,
    DepartmentClient,
    FeedRejection,
    Verification,
    VerificationQuery,
)
from minsheng.exchange.pdf import report_pdf
from minsheng.exchange.services import (
    client_create,
    client_key_rotate,
    client_may_verify_set,
    client_revoke,
    feed_upload,
    finding_close,
    monthly_check_start,
)
from minsheng.exchange.verification import (
    OPEN,
    query_file,
    verification_object,
    verification_request,
    verification_review,
)
from minsheng.people.models import Household, Person
from minsheng.people.services import IMPORT_MAX_BYTES

VIEW_FEED = "exchange.view_feed"
MANAGE = "exchange.change_departmentclient"


def _actor(request: HttpRequest) -> User:
    actor: User = request.user  # type: ignore[assignment]  # role_required let only a signed-in user through
    return actor


@role_required("exchange.view_datasource")
def source_list(request: HttpRequest) -> HttpResponse:
    sources = [(source, layout_for(source.code, source.layout_version)) for source in DataSource.objects.all()]
    return render(request, "exchange/source_list.html", {"sources": sources})


FEEDS_PAGE = 50
RECORDS_PAGE = 100
FINDINGS_PAGE = 100


def _filters(request: HttpRequest) -> dict[str, Any] | None:
    """The list's query without its cursor (None when there is nothing else: the form is unbound)."""
    return {k: v for k, v in request.GET.items() if k != "cursor"} or None


@role_required(VIEW_FEED)
def feed_list(request: HttpRequest) -> HttpResponse:
    """The feeds of the user's areas received in the window (by default the last ``FEED_WINDOW_DAYS`` days; the user
    chooses an earlier day), newest first, a keyset page at a time."""
    window = FeedFilterForm(_filters(request))
    form = FeedUploadForm() if request.user.has_perm("exchange.add_feed") else None
    context: dict[str, Any] = {"form": form, "window": window, "page": None}
    if window.is_bound and not window.is_valid():
        return render(request, "exchange/feed_list.html", context, status=400)
    day = (window.cleaned_data.get("since") if window.is_bound else None) or timezone.localdate() - dt.timedelta(
        days=selectors.FEED_WINDOW_DAYS
    )
    rows = selectors.feed_page_rows(
        user=request.user, received_from=timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    )
    context["page"] = keyset_page(
        rows, selectors.FEED_KEYS, cursor=cursor_of(request), size=FEEDS_PAGE, salt="exchange.feeds"
    )
    context["since"] = day
    return render(request, "exchange/feed_list.html", context)


@role_required("exchange.add_feed")
def feed_new(request: HttpRequest) -> HttpResponse:
    form = FeedUploadForm(request.POST or None, request.FILES or None)
    problems: FeedRejected | None = None
    if request.method == "POST" and form.is_valid():
        uploaded = form.cleaned_data["file"]
        if uploaded.size > IMPORT_MAX_BYTES:
            form.add_error("file", _("The file is larger than %(mb)s MB.") % {"mb": IMPORT_MAX_BYTES // 2**20})
        else:
            try:
                feed, created = feed_upload(
                    actor=_actor(request),
                    source=form.cleaned_data["source"],
                    batch=form.cleaned_data["batch"],
                    content=uploaded.read(),
                    filename=uploaded.name or "",
                )
            except FeedRejected as exc:
                problems = exc
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                if created:
                    messages.success(request, _("The feed is received and matched to the registry."))
                else:
                    messages.info(request, _("This file was received before; nothing was changed."))
                return redirect("exchange:feed_detail", pk=feed.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "exchange/feed_new.html", {"form": form, "problems": problems}, status=status)


@role_required("exchange.add_feed")
def rejection_report(request: HttpRequest, pk: int) -> FileResponse:
    """The error report of a refused file (the uploader's area)."""
    rejection = get_object_or_404(FeedRejection.objects.restrict(request.user, "view"), pk=id_or_404(pk))
    path = Path(settings.MEDIA_ROOT) / rejection.report
    if not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"错误报告-{rejection.batch}.xlsx")


@role_required(VIEW_FEED)
def feed_detail(request: HttpRequest, pk: int) -> HttpResponse:
    feed = selectors.feed_get(user=request.user, pk=id_or_404(pk))
    # Up to two million records a feed: its records to check by row, from the cursor.
    page = keyset_page(
        selectors.feed_problems(user=request.user, feed=feed),
        selectors.RECORD_KEYS,
        cursor=cursor_of(request),
        size=RECORDS_PAGE,
        salt="exchange.feed_records",
    )
    audit_record(
        actor=_actor(request),
        action="exchange.feed_viewed",
        kind=AuditEvent.Kind.VIEW,
        obj=feed,
        area_code=feed.area_code,
        reason=_("unmatched and ambiguous records listed (masked)"),
    )
    return render(request, "exchange/feed_detail.html", {"feed": feed, "page": page})


@role_required("exchange.view_departmentclient")
def client_list(request: HttpRequest) -> HttpResponse:
    form = ClientForm() if request.user.has_perm("exchange.add_departmentclient") else None
    return render(
        request,
        "exchange/client_list.html",
        {"clients": selectors.client_list(user=request.user), "form": form, "revoke": RevokeForm()},
    )


def _key_page(request: HttpRequest, client: DepartmentClient, key: str) -> HttpResponse:
    """The new key, shown this once (only its digest is kept)."""
    return render(request, "exchange/client_key.html", {"client": client, "key": key})


@role_required("exchange.add_departmentclient")
@require_POST
def client_new(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST)
    if form.is_valid():
        try:
            client, key = client_create(
                actor=_actor(request),
                name=form.cleaned_data["name"],
                area_code=form.cleaned_data["area"],
                sources=form.cleaned_data["sources"],
                may_verify=form.cleaned_data["may_verify"],
            )
        except PermissionDenied as exc:
            form.add_error("area", str(exc) or _("This is outside the areas where you may do this."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _key_page(request, client, key)
    clients = selectors.client_list(user=request.user)
    return render(
        request, "exchange/client_list.html", {"clients": clients, "form": form, "revoke": RevokeForm()}, status=400
    )


@role_required(MANAGE)
@require_POST
def client_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_get(user=request.user, pk=id_or_404(pk))
    try:
        key = client_key_rotate(actor=_actor(request), client=client)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
        return redirect("exchange:client_list")
    return _key_page(request, client, key)


@role_required(MANAGE)
@require_POST
def client_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    client = selectors.client_get(user=request.user, pk=id_or_404(pk))
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the client is revoked."))
        return redirect("exchange:client_list")
    try:
        client_revoke(actor=_actor(request), client=client, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("The client and its keys are revoked."))
    return redirect("exchange:client_list")


@role_required(MANAGE)
@require_POST
def client_may_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """Allow the client to request verifications (the shared service), or withdraw it (``may_verify`` "1" or "0")."""
    client = selectors.client_get(user=request.user, pk=id_or_404(pk))
    allow = request.POST.get("may_verify") == "1"
    try:
        client_may_verify_set(actor=_actor(request), client=client, may_verify=allow)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        if allow:
            messages.success(request, _("The client may now request verifications."))
        else:
            messages.success(request, _("The client may no longer request verifications."))
    return redirect("exchange:client_list")


# --- 授权书 and the query about a person -----------------------------------------------------------------------------


def _household(request: HttpRequest, pk: Any) -> Household:
    return get_object_or_404(Household.objects.restrict(request.user, "view"), pk=id_or_404(pk))


@role_required("exchange.view_authorisation")
def household_authorisations(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    rows = selectors.authorisations_of(user=request.user, household=household)
    return render(request, "exchange/authorisation_list.html", {"household": household, "authorisations": rows})


@role_required("exchange.add_authorisation")
def authorisation_new(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    today = timezone.localdate()
    members = adults_on(household, today)
    form = AuthorisationForm(request.POST or None, request.FILES or None, members=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            authorisation = authorisation_record(
                actor=_actor(request),
                household=household,
                serial=data["serial"],
                channel=data["channel"],
                signed_on=data["signed_on"],
                valid_until=data["valid_until"],
                sources=data["sources"],
                signers=form.signers(),
                scan=data["scan"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The authorisation is recorded."))
            return redirect("exchange:authorisation_detail", pk=authorisation.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "exchange/authorisation_form.html", {"household": household, "form": form}, status=status)


@role_required("exchange.view_authorisation")
def authorisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    authorisation = selectors.authorisation_get(user=request.user, pk=id_or_404(pk))
    can_end = request.user.has_perm("exchange.change_authorisation") and authorisation.ended_on is None
    return render(
        request,
        "exchange/authorisation_detail.html",
        {"authorisation": authorisation, "end_form": EndForm() if can_end else None},
    )


@role_required("exchange.change_authorisation")
@require_POST
def authorisation_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    authorisation = selectors.authorisation_get(user=request.user, pk=id_or_404(pk))
    form = EndForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    else:
        try:
            authorisation_end(
                actor=_actor(request),
                authorisation=authorisation,
                on=form.cleaned_data["on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The authorisation has ended."))
    return redirect("exchange:authorisation_detail", pk=authorisation.pk)


@role_required("exchange.view_feedrecord")
def person_records(request: HttpRequest, pk: int) -> HttpResponse:
    """The departments' data on a person, under the household's 授权书 (refused with the reason without one)."""
    person = get_object_or_404(Person.objects.restrict(request.user, "view"), pk=id_or_404(pk))
    try:
        authorisation, records = person_records_query(actor=_actor(request), person=person)
    except NotAuthorised as exc:
        context = {"person": person, "refused": " ".join(exc.messages)}
        return render(request, "exchange/person_records.html", context, status=403)
    context = {"person": person, "authorisation": authorisation, "records": records}
    return render(request, "exchange/person_records.html", context)


# --- The monthly verification -----------------------------------------------------------------------------------

CHECKS_PAGE = 24


@role_required("exchange.view_monthlycheck")
def check_list(request: HttpRequest) -> HttpResponse:
    """The monthly checks, the latest month first, a keyset page (two years) at a time."""
    page = keyset_page(
        selectors.check_list(),
        selectors.CHECK_KEYS,
        cursor=cursor_of(request),
        size=CHECKS_PAGE,
        salt="exchange.checks",
    )
    can_start = request.user.has_perm("exchange.add_monthlycheck")
    return render(request, "exchange/check_list.html", {"page": page, "can_start": can_start})


@role_required("exchange.add_monthlycheck")
@require_POST
def check_start(request: HttpRequest) -> HttpResponse:
    try:
        month = parse_month(request.POST.get("month", ""))
        monthly_check_start(actor=_actor(request), month=month, queue=True)
    except ValueError:
        messages.error(request, _("Choose a month."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The monthly verification is started; its progress shows below."))
    return redirect("exchange:check_list")


@role_required("exchange.view_finding")
def finding_list(request: HttpRequest) -> HttpResponse:
    """One monthly check's findings in the user's areas (the latest check unless the user chooses a month), area by
    area, a keyset page at a time. The findings to review of every month are in the to-do list."""
    form = FindingFilterForm(_filters(request))
    context: dict[str, Any] = {"form": form, "page": None, "check": None}
    if form.is_bound and not form.is_valid():
        return render(request, "exchange/finding_list.html", context, status=400)
    month = form.cleaned_data.get("month") if form.is_bound else None
    check = selectors.finding_check(month)
    context["check"] = check
    if check is not None:
        context["page"] = keyset_page(
            selectors.finding_page_rows(user=request.user, check=check),
            selectors.FINDING_KEYS,
            cursor=cursor_of(request),
            size=FINDINGS_PAGE,
            salt="exchange.findings",
        )
    return render(request, "exchange/finding_list.html", context)


@role_required("exchange.change_finding")
@require_POST
def finding_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(selectors.finding_list(user=request.user), pk=id_or_404(pk))
    try:
        finding_close(actor=_actor(request), finding=finding, note=request.POST.get("note", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The finding is closed."))
    return redirect("exchange:finding_list")


# --- 核对 for one household ---------------------------------------------------------------------------------------


@role_required("exchange.add_verification")
def verification_new(request: HttpRequest, pk: int) -> HttpResponse:
    """The township files a 核对申请 for a household of its area (from the person's file)."""
    household = _household(request, pk)
    form = VerificationRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            verification = verification_request(
                actor=_actor(request), household=household, purpose=form.cleaned_data["purpose"]
            )
        except ValidationError as exc:  # VerificationRefused too: no 授权书 in force, a request already open
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("This is outside the areas where you may do this."))
        else:
            messages.success(request, _("The verification request is filed; the verification centre reviews it."))
            return redirect("exchange:verification_detail", pk=verification.pk)
    status = 400 if request.method == "POST" else 200
    open_ = selectors.verification_list(user=request.user).filter(household=household, status__in=OPEN).first()
    context = {"household": household, "form": form, "open": open_}
    return render(request, "exchange/verification_form.html", context, status=status)


VERIFICATIONS_PAGE = 50


@role_required("exchange.view_verification")
def verification_list(request: HttpRequest) -> HttpResponse:
    """Every verification of the user's areas, filtered; above it the requests without a report yet, per county."""
    form = VerificationFilterForm(request.GET or None)
    context: dict[str, Any] = {"form": form, "page": None, "pending": selectors.pending_by_county(user=request.user)}
    if form.is_bound and not form.is_valid():
        return render(request, "exchange/verification_list.html", context, status=400)
    filters = form.cleaned_data if form.is_bound else {}
    day = filters.get("since") or timezone.localdate() - dt.timedelta(days=selectors.LIST_WINDOW_DAYS)
    window_from = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    rows = selectors.verification_list(user=request.user, filters=filters, window_from=window_from)
    page = keyset_page(
        rows,
        selectors.VERIFICATION_KEYS,
        cursor=cursor_of(request),
        size=VERIFICATIONS_PAGE,
        salt="exchange.verifications",
    )
    context["since"] = day
    for verification in page:
        verification.purpose_label = selectors.purpose_label(verification.purpose)  # type: ignore[attr-defined]
    context["page"] = page
    return render(request, "exchange/verification_list.html", context)


def _timeline(verification: Verification, queries: list[VerificationQuery]) -> list[tuple[Any, str]]:
    """What happened to the request, in order: (when, what)."""
    by = verification.client.name if verification.client else str(verification.requested_by)
    events: list[tuple[Any, str]] = [
        (verification.requested_at, _("Requested by %(who)s") % {"who": by}),
    ]
    if verification.reviewed_at:
        who = str(verification.reviewed_by or "")
        if verification.status == Verification.Status.REFUSED:
            text = _("Returned by %(who)s: %(reason)s") % {"who": who, "reason": verification.refusal}
        else:
            text = _("Queries dispatched by %(who)s") % {"who": who}
        events.append((verification.reviewed_at, text))
    for query in queries:
        if query.answered_at and query.answered_from != VerificationQuery.AnsweredFrom.HELD:
            events.append(
                (
                    query.answered_at,
                    _("%(source)s answered (%(how)s)")
                    % {"source": query.source.name, "how": query.get_answered_from_display()},
                )
            )
    if verification.reported_at:
        events.append(
            (verification.reported_at, _("Report issued: %(c)s") % {"c": verification.get_conclusion_display()})
        )
    return sorted(events, key=lambda e: e[0])


def _report_viewed(request: HttpRequest, verification: Verification, reason: str) -> None:
    audit_record(
        actor=_actor(request),
        action="exchange.report_viewed",
        kind=AuditEvent.Kind.VIEW,
        obj=verification,
        area_code=verification.area_code,
        reason=reason,
    )


def _detail(
    request: HttpRequest,
    verification: Verification,
    *,
    status: int = 200,
    review_form: VerificationReviewForm | None = None,
    objection_form: ObjectionForm | None = None,
    answer_form: AnswerUploadForm | None = None,
    answer_query: int | None = None,
    problems: FeedRejected | None = None,
) -> HttpResponse:
    user = request.user
    queries = selectors.verification_queries(verification)
    reported = verification.status == Verification.Status.REPORTED
    handles = scope_allows(user, "exchange.change_verification", verification.area_code)
    may_object = (
        reported
        and not verification.superseded
        and not hasattr(verification, "recheck")
        and scope_allows(user, "exchange.add_verification", verification.area_code)
    )
    if reported and request.method == "GET":
        _report_viewed(request, verification, _("report shown on screen"))
    context = {
        "verification": verification,
        "purpose": selectors.purpose_label(verification.purpose),
        "members": selectors.verification_members(verification),
        "queries": queries,
        "items": selectors.verification_items(verification) if reported else [],
        "findings": [line for line in verification.findings.splitlines() if line.strip()],
        "timeline": _timeline(verification, queries),
        "recheck": getattr(verification, "recheck", None),
        "handles": handles,
        "review_form": review_form
        or (VerificationReviewForm() if handles and verification.status == Verification.Status.SUBMITTED else None),
        "answer_form": answer_form or (AnswerUploadForm() if handles else None),
        "answer_query": answer_query,
        "problems": problems,
        "objection_form": objection_form or (ObjectionForm() if may_object else None),
    }
    return render(request, "exchange/verification_detail.html", context, status=status)


@role_required("exchange.view_verification")
def verification_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.verification_get(user=request.user, pk=id_or_404(pk)))


@role_required("exchange.change_verification")
@require_POST
def verification_review_view(request: HttpRequest, pk: int) -> HttpResponse:
    verification = selectors.verification_get(user=request.user, pk=id_or_404(pk))
    form = VerificationReviewForm(request.POST)
    if form.is_valid():
        dispatch = form.cleaned_data["decision"] == VerificationReviewForm.DISPATCH
        try:
            verification_review(
                actor=_actor(request),
                verification=verification,
                dispatch=dispatch,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("This is outside the areas where you may do this."))
        else:
            if dispatch:
                messages.success(request, _("The queries are dispatched."))
            else:
                messages.success(request, _("The request is returned to the township."))
            return redirect("exchange:verification_detail", pk=verification.pk)
    return _detail(request, verification, status=400, review_form=form)


def _query(request: HttpRequest, pk: Any, query_pk: Any) -> tuple[Verification, VerificationQuery]:
    verification = selectors.verification_get(user=request.user, pk=id_or_404(pk))
    query = get_object_or_404(verification.queries.select_related("source"), pk=id_or_404(query_pk))
    return verification, query


@role_required("exchange.change_verification")
def verification_query_file(request: HttpRequest, pk: int, query_pk: int) -> HttpResponse:
    """The outbound query file of a waiting query, for the department (a bulk read of ID numbers, audited)."""
    _verification, query = _query(request, pk, query_pk)
    if query.status != VerificationQuery.Status.WAITING:
        raise Http404
    content = query_file(actor=_actor(request), query=query)
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{query.reference}.csv"'
    response["Cache-Control"] = "no-store"  # the members' ID numbers: not kept by the browser or a proxy
    return response


@role_required("exchange.change_verification")
@require_POST
def verification_answer(request: HttpRequest, pk: int, query_pk: int) -> HttpResponse:
    """The department's answer file to a waiting query: received as a feed whose batch number is the reference."""
    verification, query = _query(request, pk, query_pk)
    form = AnswerUploadForm(request.POST, request.FILES)
    problems: FeedRejected | None = None
    if query.status != VerificationQuery.Status.WAITING:
        form.add_error(None, _("This query is answered already."))
    elif not scope_allows(request.user, "exchange.change_verification", verification.area_code):
        form.add_error(None, _("This is outside the areas where you may do this."))
    elif form.is_valid():
        uploaded = form.cleaned_data["file"]
        if uploaded.size > IMPORT_MAX_BYTES:
            form.add_error("file", _("The file is larger than %(mb)s MB.") % {"mb": IMPORT_MAX_BYTES // 2**20})
        else:
            try:
                _feed, created = feed_upload(
                    actor=_actor(request),
                    source=query.source,
                    batch=query.reference,
                    content=uploaded.read(),
                    filename=uploaded.name or "",
                )
            except FeedRejected as exc:
                problems = exc
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or _("This is outside the areas where you may do this."))
            else:
                if created:
                    messages.success(request, _("The answer is received."))
                else:
                    messages.info(request, _("This file was received before; nothing was changed."))
                return redirect("exchange:verification_detail", pk=verification.pk)
    verification.refresh_from_db()
    return _detail(request, verification, status=400, answer_form=form, answer_query=query.pk, problems=problems)


@role_required("exchange.add_verification")
@require_POST
def verification_object_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The family objects to the report: a 复查 is filed."""
    verification = selectors.verification_get(user=request.user, pk=id_or_404(pk))
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            recheck = verification_object(
                actor=_actor(request), verification=verification, objection=form.cleaned_data["objection"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("This is outside the areas where you may do this."))
        else:
            messages.success(request, _("The re-check is requested; the verification centre reviews it."))
            return redirect("exchange:verification_detail", pk=recheck.pk)
    return _detail(request, verification, status=400, objection_form=form)


@role_required("exchange.view_verification")
def verification_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The 核对报告 as a paper (audited: it shows the family's verified figures)."""
    verification = selectors.verification_get(user=request.user, pk=id_or_404(pk))
    if verification.status != Verification.Status.REPORTED:
        raise Http404
    content = report_pdf(verification, selectors.verification_items(verification))
    _report_viewed(request, verification, _("report printed (PDF)"))
    return pdf_response(content, f"{verification.number}.pdf")
