from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from minsheng.accounts.models import User
from minsheng.core.decorators import role_required
from minsheng.core.forms import add_service_errors
from minsheng.intake.forms import ConsultationForm
from minsheng.intake.models import Consultation
from minsheng.intake.services import consultation_counts, consultation_record
from minsheng.people import selectors as people


@role_required("intake.view_consultation")
def consultations(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
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
    recent = (
        Consultation.objects.restrict(actor, "view")
        .select_related("recorded_by", "referred_to")
        .prefetch_related("items")[:30]
    )
    context = {"form": form, "recent": recent, "counts": consultation_counts(user=actor), "can_add": can_add}
    return render(request, "intake/consultations.html", context, status=400 if form.errors else 200)
