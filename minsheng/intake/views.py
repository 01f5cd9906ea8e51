from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.accounts.typing import AuthenticatedRequest
from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_record
from minsheng.catalog.models import Department
from minsheng.core.decorators import role_required
from minsheng.core.forms import add_service_errors
from minsheng.core.keyset import cursor_of, keyset_page
from minsheng.core.numbers import parse_id
from minsheng.core.pdf import pdf_response, render_notice
from minsheng.intake import papers, selectors
from minsheng.intake.forms import (
    ApplicationForm,
    ApplicationSearchForm,
    ConsultationForm,
    DecisionForm,
    InboxFilterForm,
    WindowForm,
)
from minsheng.intake.models import Application, Attachment, ItemCase, Notification
from minsheng.intake.services import (
    ItemRequest,
    application_status,
    application_submit,
    attachment_add,
    case_decide,
    case_materials_received,
    case_receive,
    case_request_materials,
    case_transfer,
    consultation_counts,
    consultation_record,
    overdue_cases,
)
from minsheng.people import selectors as people
from minsheng.workdays.services import Calendar

CONSULTATIONS_PAGE = 30


@role_required("intake.view_consultation")
def consultations(request: AuthenticatedRequest) -> HttpResponse:
    actor = request.user
    can_add = actor.has_perm("intake.add_consultation")
    form = ConsultationForm(request.POST or None)
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        if form.is_valid():
            person = None
            if form.cleaned_data["id_number"]:
                query = people.PersonQuery(id_number=form.cleaned_data["id_number"])
                person = people.person_search(user=actor, query=query).first()
                if person is None:
                    form.add_error("id_number", _("No person with this ID number in your areas."))
            if not form.errors:
                try:
                    consultation_record(
                        actor=actor,
                        topic=form.cleaned_data["topic"],
                        outcome=form.cleaned_data["outcome"],
                        items=list(form.cleaned_data["items"]),
                        asker_name=form.cleaned_data["asker_name"],
                        person=person,
                        referred_to=form.cleaned_data["referred_to"],
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    messages.success(request, _("The consultation is recorded."))
                    return redirect("intake:consultations")
    window = WindowForm(request.GET or None)
    if window.is_bound and not window.is_valid():
        return render(request, "intake/consultations.html", {"form": form, "window": window}, status=400)
    since = selectors.window_start(timezone.localdate(), window.cleaned_data.get("since") if window.is_bound else None)
    page = keyset_page(
        selectors.consultation_list(user=actor, since=since),
        selectors.CONSULTATION_KEYS,
        cursor=cursor_of(request),
        size=CONSULTATIONS_PAGE,
        salt="intake.consultations",
    )
    context = {
        "form": form,
        "window": window,
        "since": since,
        "page": page,
        "recent": page.rows,
        "counts": consultation_counts(user=actor, since=since),
        "can_add": can_add,
    }
    return render(request, "intake/consultations.html", context, status=400 if form.errors else 200)


@role_required("intake.add_application")
def application_new(request: AuthenticatedRequest) -> HttpResponse:
    actor = request.user
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person = people.person_search(
            user=actor, query=people.PersonQuery(id_number=form.cleaned_data["id_number"])
        ).first()
        if person is None:
            form.add_error("id_number", _("No person with this ID number in your areas. Register the person first."))
        else:
            brought = tuple(form.cleaned_data["materials_provided"])
            members = {}
            for number, id_number in form.cleaned_data["beneficiaries"].items():
                query = people.PersonQuery(id_number=id_number)
                members[number] = people.person_search(user=actor, query=query).first()
                if members[number] is None:
                    form.add_error(
                        "beneficiaries", _("No person with ID number %(id)s in your areas.") % {"id": id_number}
                    )
            requests = [
                ItemRequest(item=item, materials_provided=brought, beneficiary=members.get(item.number))
                for item in form.cleaned_data["items"]
            ]
        if person is not None and not form.errors:
            try:
                application = application_submit(
                    actor=actor, person=person, requests=requests, on_behalf=form.cleaned_data["on_behalf"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                # 提交并打印回执: the receipt's page opens with the papers to print at the top.
                return redirect(reverse("intake:application_detail", kwargs={"pk": application.pk}) + "?new=1")
    return render(request, "intake/application_form.html", {"form": form}, status=400 if form.errors else 200)


@role_required("intake.view_application")
def application_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(
        Application.objects.restrict(request.user, "view").select_related("person", "recorded_by"), pk=pk
    )
    cases = list(application.cases.select_related("item", "department", "beneficiary").order_by("item__number"))
    today, calendar = timezone.localdate(), Calendar()
    context = {
        "materials": list(dict.fromkeys(m for case in cases for m in case.materials)),
        "application": application,
        "rows": [(case, case.timing(today, calendar)) for case in cases],
        "status": application_status(application),
        "can_receive": request.user.has_perm("intake.change_itemcase"),
        "attachments": application.attachments.select_related("uploaded_by"),
        "can_upload": request.user.has_perm("intake.change_application"),
        "just_submitted": request.GET.get("new") == "1",
    }
    return render(request, "intake/application_detail.html", context)


APPLICATIONS_PER_PAGE = 30


@role_required("intake.view_application")
def application_list(request: AuthenticatedRequest) -> HttpResponse:
    """The window's list of applications in its areas, searched by receipt number, name, ID, item, status, date."""
    form = ApplicationSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    try:
        applications = selectors.application_search(user=request.user, **filters)
    except selectors.BadIdNumber:
        form.add_error("id_number", _("This is not a valid ID number."))
        applications = Application.objects.restrict(request.user, "view").none()
    page = keyset_page(
        applications,
        selectors.APPLICATION_KEYS,
        cursor=cursor_of(request),
        size=APPLICATIONS_PER_PAGE,
        salt="intake.applications",
    )
    windowed = not (filters.get("date_from") or filters.get("receipt") or filters.get("id_number"))
    context = {
        "form": form,
        "page": page,
        "rows": [(a, application_status(a)) for a in page],
        "window_days": selectors.LIST_WINDOW_DAYS if windowed else None,
    }
    return render(request, "intake/application_list.html", context, status=400 if form.errors else 200)


def _application_with_cases(request: AuthenticatedRequest, pk: int) -> tuple[Application, list[ItemCase]]:
    application = get_object_or_404(Application.objects.restrict(request.user, "view").select_related("person"), pk=pk)
    return application, list(application.cases.select_related("item", "department").order_by("item__number"))


def _printed(request: AuthenticatedRequest, action: str, obj: Application | ItemCase, area_code: str) -> None:
    """A printed paper shows personal data: one audit event per print."""
    audit_record(actor=request.user, action=action, kind=AuditEvent.Kind.VIEW, obj=obj, area_code=area_code)


@role_required("intake.view_application")
def application_receipt(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """受理回执 (PDF)."""
    application, cases = _application_with_cases(request, pk)
    _printed(request, "intake.receipt_printed", application, application.area_code)
    return pdf_response(render_notice(papers.receipt(application, cases)), f"receipt-{application.receipt_number}.pdf")


@role_required("intake.view_application")
def application_notice(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """一次性告知单 (PDF): every material still missing."""
    application, cases = _application_with_cases(request, pk)
    _printed(request, "intake.materials_notice_printed", application, application.area_code)
    notice = papers.materials_notice(application, cases)
    return pdf_response(render_notice(notice), f"materials-{application.receipt_number}.pdf")


@role_required("intake.view_itemcase")
def case_notice(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The notice of a department's decision on an item (PDF), once decided."""
    case = get_object_or_404(
        ItemCase.objects.restrict(request.user, "view").select_related("application__person", "item", "department"),
        pk=pk,
    )
    if not case.decided:
        raise Http404("not decided yet")
    _printed(request, "intake.decision_notice_printed", case, case.area_code)
    return pdf_response(render_notice(papers.decision_notice(case)), f"decision-{case.application.receipt_number}.pdf")


@role_required("intake.view_itemcase")
def case_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """One item as its department (or the window) works on it: the member it is for, the household summary, the
    checklist of materials with their documents; nothing of the application's other items."""
    user = request.user
    case = get_object_or_404(
        ItemCase.objects.restrict(user, "view").select_related(
            "item", "department", "application", "application__person", "beneficiary"
        ),
        pk=pk,
    )
    today = timezone.localdate()
    documents = list(selectors.case_documents(case))
    uploaded = {d.material for d in documents}
    context = {
        "case": case,
        "timing": case.timing(today, Calendar()),
        "for_person": case.for_person,
        "household": selectors.household_summary(case, today),
        "checklist": [(material, done, material in uploaded) for material, done in case.checklist()],
        "documents": documents,
        "can_decide": ItemCase.objects.restrict(user, "decide").filter(pk=case.pk).exists(),
        "can_upload": Application.objects.restrict(user, "change").filter(pk=case.application_id).exists(),
        "form": DecisionForm(),
        "departments": Department.objects.all(),
    }
    return render(request, "intake/case_detail.html", context)


@role_required("intake.view_itemcase")
def case_document(request: AuthenticatedRequest, pk: int, document: int) -> FileResponse:
    """A document of an item's checklist, for whoever may read the item (a department reads its own items' only)."""
    case = get_object_or_404(ItemCase.objects.restrict(request.user, "view"), pk=pk)
    attachment = get_object_or_404(selectors.case_documents(case), pk=document)
    return _send_document(request, attachment)


# Rows of the inbox a page: each row carries its decision form.
INBOX_PAGE = 50


@role_required("intake.view_itemcase")
def inbox(request: AuthenticatedRequest) -> HttpResponse:
    """Open items, nearest deadline first (paused ones last); or the items decided since a day, newest first."""
    filters = InboxFilterForm(request.GET or None)
    if filters.is_bound and not filters.is_valid():
        return render(request, "intake/inbox.html", {"rows": [], "filters": filters}, status=400)
    data = filters.cleaned_data if filters.is_bound else {}
    decided = data.get("show") == "decided"
    today, calendar = timezone.localdate(), Calendar()
    since = selectors.window_start(today, data.get("since")) if decided else None
    page = keyset_page(
        selectors.inbox_cases(user=request.user, decided=decided, since=since),
        selectors.DECIDED_KEYS if decided else selectors.OPEN_KEYS,
        cursor=cursor_of(request),
        size=INBOX_PAGE,
        salt=f"intake.inbox.{'decided' if decided else 'open'}",
    )
    rows = [(case, case.timing(today, calendar)) for case in page]
    context = {"rows": rows, "page": page, "form": DecisionForm(), "filters": filters, "since": since}
    return render(request, "intake/inbox.html", context)


@role_required("intake.decide_itemcase")
@require_POST
def case_decision(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    case = get_object_or_404(ItemCase.objects.restrict(actor, "decide"), pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision and give its reasons."))
        return redirect("intake:inbox")
    try:
        case_decide(
            actor=actor, case=case, granted=form.cleaned_data["decision"] == "grant", reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The decision is recorded."))
    return redirect("intake:inbox")


def _case_action(request: HttpRequest, pk: int, action: str) -> ItemCase:
    return get_object_or_404(ItemCase.objects.restrict(request.user, action), pk=pk)


@role_required("intake.decide_itemcase")
@require_POST
def case_request_more(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    case = _case_action(request, pk, "decide")
    try:
        case_request_materials(
            actor=actor,
            case=case,
            materials=request.POST.get("materials", "").splitlines(),
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The item is back at the window, waiting for materials."))
    return redirect("intake:inbox")


@role_required("intake.decide_itemcase")
@require_POST
def case_hand_over(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    case = _case_action(request, pk, "decide")
    department_id = parse_id(request.POST.get("department"))
    department = Department.objects.filter(pk=department_id).first() if department_id is not None else None
    if department is None:
        messages.error(request, _("Choose the department to transfer to."))
        return redirect("intake:inbox")
    try:
        case_transfer(actor=actor, case=case, department=department, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The item is transferred to %(department)s.") % {"department": department.name})
    return redirect("intake:inbox")


@role_required("intake.change_itemcase")
@require_POST
def case_materials_in(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    case = _case_action(request, pk, "change")
    try:
        case_materials_received(actor=actor, case=case)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The materials are complete; the time limit runs again."))
    return redirect("intake:application_detail", pk=case.application_id)


OVERDUE_PAGE = 50


@role_required("intake.view_itemcase")
def overdue(request: AuthenticatedRequest) -> HttpResponse:
    """Accepted items past their deadline, the longest overdue first, a page at a time."""
    page = keyset_page(
        overdue_cases(user=request.user),
        selectors.OPEN_KEYS,
        cursor=cursor_of(request),
        size=OVERDUE_PAGE,
        salt="intake.overdue",
    )
    return render(request, "intake/overdue.html", {"cases": page.rows, "page": page})


@role_required("intake.change_application")
@require_POST
def attachment_upload(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    application = get_object_or_404(Application.objects.restrict(actor, "change"), pk=pk)
    uploaded = request.FILES.get("file")
    if uploaded is None:
        messages.error(request, _("Choose a file to upload."))
    else:
        try:
            attachment_add(
                actor=actor, application=application, uploaded=uploaded, material=request.POST.get("material", "")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The document is uploaded."))
    return redirect("intake:application_detail", pk=application.pk)


@role_required("intake.view_attachment")
def attachment_download(request: AuthenticatedRequest, pk: int) -> FileResponse:
    attachment = get_object_or_404(Attachment.objects.restrict(request.user, "view"), pk=pk)
    return _send_document(request, attachment)


def _send_document(request: AuthenticatedRequest, attachment: Attachment) -> FileResponse:
    audit_record(
        actor=request.user,
        action="intake.attachment_viewed",
        kind="view",
        obj=attachment,
        area_code=attachment.application.area_code,
    )
    path = Path(settings.MEDIA_ROOT) / attachment.stored_file
    response = FileResponse(path.open("rb"), as_attachment=True, filename=attachment.original_name)
    response["Content-Type"] = attachment.content_type
    return response


@login_required
def notifications(request: AuthenticatedRequest) -> HttpResponse:
    """The user's own notices; opening the page marks them read."""
    user = request.user
    notices = list(Notification.objects.filter(recipient=user).select_related("case", "case__application")[:100])
    Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
    return render(request, "intake/notifications.html", {"notices": notices})


@role_required("intake.decide_itemcase")
@require_POST
def case_receive_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    case = _case_action(request, pk, "decide")
    try:
        case_receive(actor=actor, case=case)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The item is received."))
    return redirect("intake:inbox")
