"""Elderly care's kind of home visit on monitoring's phone page (``core.modules.VisitKind``): kind
``eldercare.service``, the subject an order line (its id), what the page shows of the person the copy on the list
(name, masked ID, address), the questions the service's SOP steps, the satisfaction, a note to the family and a
finding; photos before and after; check-out recorded. ``receive`` records the care visit for the line through
``services.visit_record`` in the visit's transaction: a person not assigned to the worker's provider, outside the
contract's area or off the list refuses the whole visit (400)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from minsheng.core.modules import VisitSubject
from minsheng.core.questions import Question
from minsheng.eldercare import selectors, services
from minsheng.eldercare.models import OrderLine, Service, ServiceVisit
from minsheng.eldercare.sop import steps_for

KIND = "eldercare.service"
DONE = (("done", pgettext_lazy("step", "Done")), ("not_done", pgettext_lazy("step", "Not done")))
SATISFACTION = tuple((str(n), str(n)) for n in range(5, 0, -1))


def subject(user: Any, pk: int) -> VisitSubject | None:
    """The order line ``pk`` if the user's provider delivers it (else None: 404)."""
    line = (
        OrderLine.objects.restrict(user, "view")
        .select_related("elder")
        .only("id", "month", "service", "owed", "delivered", "area_code", "provider_id", *selectors.VISIT_FIELDS)
        .filter(pk=pk)
        .first()
    )
    if line is None or not services.may_visit(user, line):
        return None
    elder = line.elder
    service = str(dict(Service.choices).get(line.service, line.service))
    expected = (
        (elder.home_latitude, elder.home_longitude)
        if elder.home_latitude is not None and elder.home_longitude is not None
        else None
    )
    return VisitSubject(
        person_id=elder.person_id,
        area_code=line.area_code,
        title=f"{service} · {line.month:%Y-%m} · {line.delivered}/{line.owed}",
        details=((_("Name"), elder.name), (_("ID number"), elder.id_masked), (_("Address"), elder.address)),
        expected_at=expected,
        back_url=reverse("eldercare:my_visits"),
    )


def questions(found: VisitSubject) -> list[Question]:
    """The SOP steps of the line's service (from the title's service: the subject carries no line), the
    satisfaction, a note to the family and a finding."""
    steps = _steps_of(found.title)
    return [
        *(Question(f"step_{key}", label, DONE) for key, label in steps),
        Question("satisfaction", gettext_lazy("Satisfaction"), SATISFACTION),
        Question("family_note", gettext_lazy("Note to the family")),
        Question("finding", gettext_lazy("Finding"), tuple(ServiceVisit.Finding.choices)),
        Question("finding_note", gettext_lazy("What was found")),
    ]


def _steps_of(title: str) -> tuple[tuple[str, Any], ...]:
    labels = {str(label): code for code, label in Service.choices}
    return steps_for(labels.get(title.split(" · ", 1)[0], ""))


def receive(visit: Any, user: Any) -> str | None:
    """Record the care visit of the line (``visit.subject_id``) from the phone's visit."""
    answers: dict[str, str] = visit.answers or {}
    satisfaction = answers.get("satisfaction")
    data = services.VisitInput(
        client_uuid=visit.client_uuid,
        checked_in_at=visit.checked_in_at,
        checked_out_at=visit.checked_out_at or visit.checked_in_at,
        latitude=visit.latitude,
        longitude=visit.longitude,
        steps=tuple(k[len("step_") :] for k, v in answers.items() if k.startswith("step_") and v == "done"),
        satisfaction=int(satisfaction) if satisfaction else None,
        family_note=answers.get("family_note", ""),
        finding=answers.get("finding", ServiceVisit.Finding.NONE),
        finding_note=answers.get("finding_note", ""),
    )
    try:
        recorded = services.visit_record(actor=user, line_id=visit.subject_id, data=data, monitoring_visit=visit)
    except PermissionDenied:
        raise ValidationError({"subject": [_("This person is not assigned to your provider.")]}) from None
    flags = recorded.visit.flags
    if flags:
        return _("Visit recorded and flagged for the township: %(flags)s") % {
            "flags": "、".join(selectors.flag_labels(flags))
        }
    return _("Visit recorded.")
