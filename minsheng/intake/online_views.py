"""The public pages of the online channel. No staff account: the session holds the verified resident."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.core.forms import add_service_errors
from minsheng.core.middleware import client_ip
from minsheng.intake.forms import OnlineApplicationForm, OnlineCodeForm, OnlineStartForm
from minsheng.intake.models import Application
from minsheng.intake.online import TooManyRequests, online_code_request, online_code_verify
from minsheng.intake.services import (
    ItemRequest,
    application_status,
    application_submit_online,
    attachment_add_online,
)
from minsheng.people.models import Person

PENDING = "minsheng_online_pending"
PERSON = "minsheng_online_person"


def online_start(request: HttpRequest) -> HttpResponse:
    form = OnlineStartForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            index = online_code_request(**form.cleaned_data, client_ip=client_ip(request))
        except TooManyRequests:
            form.add_error(None, _("Too many codes were asked for. Try again in an hour."))
            status = 429
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            request.session[PENDING] = index
            return redirect("intake:online_verify")
    if form.errors and status == 200:
        status = 400
    return render(request, "intake/online_start.html", {"form": form}, status=status)


def online_verify(request: HttpRequest) -> HttpResponse:
    index = request.session.get(PENDING)
    if not index:
        return redirect("intake:online_start")
    form = OnlineCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = online_code_verify(id_index=index, code=form.cleaned_data["code"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            request.session.cycle_key()
            request.session.pop(PENDING, None)
            request.session[PERSON] = person.pk
            return redirect("intake:online_home")
    return render(request, "intake/online_verify.html", {"form": form}, status=400 if form.errors else 200)


def _resident(request: HttpRequest) -> Person | None:
    pk = request.session.get(PERSON)
    # unscoped: the verified resident's own record: the session is the scope, not a staff role
    return Person.objects.unscoped().filter(pk=pk).first() if pk else None


def online_home(request: HttpRequest) -> HttpResponse:
    person = _resident(request)
    if person is None:
        return redirect("intake:online_start")
    form = OnlineApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = application_submit_online(
                person=person, requests=[ItemRequest(item=item) for item in form.cleaned_data["items"]]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, _("Your application %(receipt)s is received.") % {"receipt": application.receipt_number}
            )
            return redirect("intake:online_home")
    # unscoped: only the verified resident's own applications (the session is the scope)
    applications = (
        Application.objects.unscoped().filter(person=person).prefetch_related("cases__item", "cases__department")
    )
    rows = [(a, application_status(a)) for a in applications]
    return render(request, "intake/online_home.html", {"person": person, "rows": rows, "form": form})


@require_POST
def online_logout(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    return redirect("intake:online_start")


@require_POST
def online_upload(request: HttpRequest, pk: int) -> HttpResponse:
    person = _resident(request)
    if person is None:
        return redirect("intake:online_start")
    # unscoped: only the verified resident's own application: another number is simply not found
    application = Application.objects.unscoped().filter(pk=pk, person=person).first()
    if application is None:
        raise Http404
    uploaded = request.FILES.get("file")
    if uploaded is None:
        messages.error(request, _("Choose a file to upload."))
    else:
        try:
            attachment_add_online(
                person=person, application=application, uploaded=uploaded, material=request.POST.get("material", "")
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The document is uploaded."))
    return redirect("intake:online_home")
