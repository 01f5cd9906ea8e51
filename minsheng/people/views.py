from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from minsheng.accounts.models import User
from minsheng.accounts.typing import AuthenticatedRequest
from minsheng.areas.selectors import divisions_where
from minsheng.core.decorators import role_required
from minsheng.core.forms import add_service_errors
from minsheng.core.htmx import is_htmx, render_page
from minsheng.core.limits import REASON_MAX
from minsheng.core.numbers import parse_id
from minsheng.core.steps import service_step
from minsheng.people import selectors, services
from minsheng.people.forms import (
    DecisionForm,
    HeadChangeForm,
    HouseholdCreateForm,
    ImportForm,
    MemberAddForm,
    MemberRemoveForm,
    PersonChangeForm,
    PersonForm,
    PersonSearchForm,
)
from minsheng.people.imports import template_workbook
from minsheng.people.models import ChangeRequest, ImportJob, Person

_WAITS_FOR_MEMBERS = gettext_lazy(
    "The household receives benefits: the change of members waits for a second user to confirm it."
)
# What each field of a change request is called on the page of changes to confirm.
CHANGE_LABELS = {
    "name": gettext_lazy("Name"),
    "phone": gettext_lazy("Phone"),
    "status": gettext_lazy("Status"),
    "status_date": gettext_lazy("Date of death or move"),
    "hukou_area": gettext_lazy("Household registration (village code)"),
    "residence_area": gettext_lazy("Place of residence (village code)"),
    "labour_capacity": gettext_lazy("Labour capacity"),
    "illnesses": gettext_lazy("Serious illnesses"),
    "bank_name": gettext_lazy("Bank"),
    "bank_account": gettext_lazy("Bank account"),
    services.MEMBERSHIP: gettext_lazy("Household members"),
}


@role_required("people.view_person")
def person_search(request: AuthenticatedRequest) -> HttpResponse:
    form = PersonSearchForm(request.GET or None)
    results = None
    needs_criterion = False
    if form.is_valid():
        try:
            results = selectors.person_search(user=request.user, query=selectors.PersonQuery(**form.cleaned_data))
        except selectors.SearchNeedsCriterion:
            needs_criterion = True
    context = {"form": form, "results": results, "needs_criterion": needs_criterion, "limit": selectors.SEARCH_LIMIT}
    return render_page(request, "people/search.html", context, fragment="people/_results.html")


@role_required("people.add_person")
def person_create(request: AuthenticatedRequest) -> HttpResponse:
    actor = request.user
    form = PersonForm(request.POST or None, divisions=divisions_where(user=actor, permission="people.add_person"))
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_register(actor=actor, data=services.PersonData(**form.cleaned_data))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("%(name)s is registered.") % {"name": person.name})
            return redirect("people:person_detail", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form}, status=400 if form.errors else 200)


def _person_context(
    actor: User, person: Person, change_form: PersonChangeForm | None, illnesses: selectors.PersonIllnesses
) -> dict[str, Any]:
    """The person page, shown after a GET (the change form is fetched when its section is opened) or again with
    the errors of a change."""
    return {
        "person": person,
        "memberships": selectors.person_memberships(person),
        "certificates": person.disability_certificates.all(),
        "illnesses": illnesses.held,
        "pending": person.change_requests.filter(status="pending").first(),
        "can_reveal": actor.has_perm("people.reveal_person"),
        "reason_max": REASON_MAX,
        "can_change": actor.has_perm("people.change_person"),
        "change_form": change_form,
        "sections": selectors.person_file(user=actor, person=person),
    }


@role_required("people.view_person")
def person_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    person = selectors.person_get(user=actor, pk=pk)
    services.person_viewed(actor=actor, person=person)
    illnesses = selectors.person_illnesses(person)
    return render(request, "people/person_detail.html", _person_context(actor, person, None, illnesses))


@role_required("people.reveal_person")
@require_POST
def person_reveal(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    person = selectors.person_get(user=actor, pk=pk)
    template = "people/_revealed.html" if is_htmx(request) else "people/revealed.html"
    try:
        values = services.person_reveal(actor=actor, person=person, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        return render(request, template, {"person": person, "errors": exc.messages}, status=400)
    return render(request, template, {"person": person, "values": values})


@role_required("people.change_person")
@require_http_methods(["GET", "POST"])
def person_change(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The record's change form: fetched into the person's page when its section is opened (htmx), a page of its own
    without script; a POST applies the change."""
    actor = request.user
    person = selectors.person_get(user=actor, pk=pk)
    illnesses = selectors.person_illnesses(person)
    if request.method == "GET":
        services.person_viewed(actor=actor, person=person)  # the form shows the record: a view like the page's
        context = {"person": person, "change_form": PersonChangeForm(person=person, illnesses=illnesses)}
        return render_page(request, "people/person_change.html", context, fragment="people/_change_form.html")
    form = PersonChangeForm(request.POST, person=person, illnesses=illnesses)
    if form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("people:person_detail", pk=person.pk)
        try:
            request_ = services.person_change(
                actor=actor, person=person, changes=changes, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if request_ is not None:
                messages.warning(
                    request,
                    _("The change affects benefits or identity: it waits for a second user to confirm it."),
                )
            else:
                messages.success(request, _("Saved."))
            return redirect("people:person_detail", pk=person.pk)
    return render(request, "people/person_detail.html", _person_context(actor, person, form, illnesses), status=400)


@role_required("people.view_household")
def household_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    household = selectors.household_get(user=actor, pk=pk)
    memberships = selectors.household_memberships(household)
    context = {
        "household": household,
        "memberships": memberships,
        "relatives": household.supporting_relatives.select_related("supported"),
        "can_change": actor.has_perm("people.change_household"),
        "add_form": MemberAddForm(),
        "remove_form": MemberRemoveForm(),
        "head_form": HeadChangeForm(members=memberships),
    }
    return render(request, "people/household_detail.html", context)


@role_required("people.add_household")
def household_create(request: AuthenticatedRequest) -> HttpResponse:
    actor = request.user
    form = HouseholdCreateForm(
        request.POST or None, divisions=divisions_where(user=actor, permission="people.add_household")
    )
    if request.method == "POST" and form.is_valid():
        head = _person_by_id_number(actor, form.cleaned_data["head_id_number"])
        if head is None:
            form.add_error(
                "head_id_number", _("No person with this ID number in your areas. Register the person first.")
            )
        else:
            try:
                household = services.household_create(
                    actor=actor,
                    area=form.cleaned_data["area"],
                    head=head,
                    joined_on=form.cleaned_data["joined_on"],
                    address=form.cleaned_data["address"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Household %(number)s is opened.") % {"number": household.number})
                return redirect("people:household_detail", pk=household.pk)
    return render(request, "people/household_form.html", {"form": form}, status=400 if form.errors else 200)


def _person_by_id_number(actor: User, id_number: str) -> Person | None:
    query = selectors.PersonQuery(id_number=id_number)
    return selectors.person_search(user=actor, query=query).first() if id_number.strip() else None


def _back_to_household(request: HttpRequest, pk: int, form: Any) -> HttpResponse:
    errors = "; ".join(f"{e}" for errors in form.errors.values() for e in errors)
    messages.error(request, errors or _("Check the form."))
    return redirect("people:household_detail", pk=pk)


@role_required("people.change_household")
@require_POST
def member_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    household = selectors.household_get(user=actor, pk=pk)
    form = MemberAddForm(request.POST)
    if form.is_valid():
        person = _person_by_id_number(actor, form.cleaned_data["id_number"])
        if person is None:
            form.add_error("id_number", _("No person with this ID number in your areas. Register the person first."))
        else:
            try:
                done = services.household_member_join(
                    actor=actor,
                    household=household,
                    person=person,
                    relation=form.cleaned_data["relation"],
                    joined_on=form.cleaned_data["joined_on"],
                    living_together=form.cleaned_data["living_together"],
                    exclusion=form.cleaned_data["exclusion"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if isinstance(done, ChangeRequest):
                    messages.warning(request, _WAITS_FOR_MEMBERS)
                else:
                    messages.success(request, _("%(name)s is added to the household.") % {"name": person.name})
                return redirect("people:household_detail", pk=household.pk)
    return _back_to_household(request, household.pk, form)


@role_required("people.change_household")
@require_POST
def member_remove(request: AuthenticatedRequest, pk: int, membership_pk: int) -> HttpResponse:
    actor = request.user
    household = selectors.household_get(user=actor, pk=pk)
    membership = get_object_or_404(household.memberships.select_related("household"), pk=membership_pk)
    form = MemberRemoveForm(request.POST)
    if form.is_valid():
        try:
            done = services.household_member_leave(
                actor=actor,
                membership=membership,
                left_on=form.cleaned_data["left_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if isinstance(done, ChangeRequest):
                messages.warning(request, _WAITS_FOR_MEMBERS)
            else:
                messages.success(request, _("The member has left the household."))
            return redirect("people:household_detail", pk=household.pk)
    return _back_to_household(request, household.pk, form)


@role_required("people.change_household")
@require_POST
def head_change(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    household = selectors.household_get(user=actor, pk=pk)
    memberships = selectors.household_memberships(household)
    form = HeadChangeForm(request.POST, members=memberships)

    def change(d: dict[str, Any]) -> Person:
        new_head = next(m.person for m in memberships if m.person_id == d["new_head"])
        services.household_change_head(
            actor=actor,
            household=household,
            new_head=new_head,
            former_head_relation=d["former_head_relation"],
            on=d["on"],
            reason=d["reason"],
        )
        return new_head

    done = service_step(
        request,
        form,
        change,
        lambda new_head: _("%(name)s is now the head of the household.") % {"name": new_head.name},
        on_form=True,
    )
    if done:
        return redirect("people:household_detail", pk=household.pk)
    return _back_to_household(request, household.pk, form)


@role_required("people.view_changerequest")
def change_request_list(request: AuthenticatedRequest) -> HttpResponse:
    actor = request.user
    context = {
        "requests": [(r, services.change_request_display(r)) for r in selectors.change_requests_pending(user=actor)],
        "labels": CHANGE_LABELS,
        "can_confirm": actor.has_perm("people.confirm_changerequest"),
        "form": DecisionForm(),
    }
    return render(request, "people/change_requests.html", context)


@role_required("people.confirm_changerequest")
@require_POST
def change_request_decide(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    change = selectors.change_request_get(user=actor, pk=pk)
    form = DecisionForm(request.POST)
    form.is_valid()
    note = form.cleaned_data.get("note", "")
    try:
        if request.POST.get("decision") == "confirm":
            services.change_request_confirm(actor=actor, request=change, note=note)
            messages.success(request, _("The change is confirmed and applied."))
        else:
            services.change_request_reject(actor=actor, request=change, note=note)
            messages.success(request, _("The change is rejected."))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("people:change_requests")


@role_required("people.import_person")
def import_list(request: AuthenticatedRequest) -> HttpResponse:

    actor = request.user
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.import_start(actor=actor, uploaded=form.cleaned_data["file"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect("people:import_detail", pk=job.pk)
    jobs = ImportJob.objects.restrict(actor, "view").select_related("created_by")[:20]
    return render(request, "people/imports.html", {"form": form, "jobs": jobs}, status=400 if form.errors else 200)


@role_required("people.import_person")
def import_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:

    job = get_object_or_404(ImportJob.objects.restrict(request.user, "view"), pk=pk)
    return render_page(request, "people/import_detail.html", {"job": job}, fragment="people/_import_progress.html")


@role_required("people.import_person")
def import_errors(request: AuthenticatedRequest, pk: int) -> FileResponse:

    job = get_object_or_404(ImportJob.objects.restrict(request.user, "view"), pk=pk)
    if not job.error_report:
        raise Http404
    path = settings.MEDIA_ROOT / job.error_report
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"导入错误-{job.pk}.xlsx")


@role_required("people.import_person")
def import_template(request: AuthenticatedRequest) -> HttpResponse:

    response = HttpResponse(
        template_workbook(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E5%B1%85%E6%B0%91%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response


@role_required("people.merge_person")
def duplicates(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "people/duplicates.html", {"groups": selectors.probable_duplicates(user=request.user)})


@role_required("people.merge_person")
@require_POST
def merge(request: AuthenticatedRequest) -> HttpResponse:
    actor = request.user
    keep_id, duplicate_id = parse_id(request.POST.get("keep")), parse_id(request.POST.get("duplicate"))
    if keep_id is None or duplicate_id is None:
        raise Http404
    keep = selectors.person_get(user=actor, pk=keep_id)
    duplicate = selectors.person_get(user=actor, pk=duplicate_id)
    try:
        services.person_merge(actor=actor, keep=keep, duplicate=duplicate, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("people:duplicates")
    messages.success(request, _("The records are merged into %(name)s.") % {"name": keep.name})
    return redirect("people:person_detail", pk=keep.pk)
