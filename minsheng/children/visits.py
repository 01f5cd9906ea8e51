"""The child's visit on the shared phone page (``monitoring``'s generic page, kind ``children.visit``): the subject is
the case, read through the door for the director's (or the supervisor's) change; the questions are data; the visit
received updates the case's last visit and next due in the visit's transaction, and refuses a child outside the
director's village."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.accounts.models import User
from minsheng.children.models import Child
from minsheng.core.crypto import mask_name
from minsheng.core.modules import VisitSubject
from minsheng.core.questions import Question

QUESTIONS = (
    Question(
        "safety",
        gettext_lazy("Is the child safe?"),
        (
            ("safe", gettext_lazy("Safe")),
            ("concern", gettext_lazy("Some concern")),
            ("danger", gettext_lazy("In danger: file a mandatory report")),
        ),
    ),
    Question(
        "guardianship",
        gettext_lazy("Guardianship"),
        (
            ("in_place", gettext_lazy("The guardian cares for the child")),
            ("weak", gettext_lazy("Care is weak")),
            ("none", gettext_lazy("Nobody cares for the child")),
        ),
    ),
    Question(
        "school",
        gettext_lazy("School"),
        (
            ("attending", gettext_lazy("Attending school")),
            ("absent", gettext_lazy("Often absent")),
            ("out", gettext_lazy("Out of school")),
            ("not_of_age", gettext_lazy("Not of school age")),
        ),
    ),
    Question("needs", gettext_lazy("What the child and the family need most")),
)


def child_subject(user: User, pk: int) -> VisitSubject | None:
    """The open case ``pk`` if the user may change it through the door (the child's director or supervisor)."""
    child = (
        Child.objects.restrict(user, "change").filter(pk=pk, status=Child.Status.OPEN).select_related("person").first()
    )
    if child is None:
        return None
    due = child.next_visit_due.isoformat() if child.next_visit_due else "—"
    return VisitSubject(
        person_id=child.person_id,
        area_code=child.area_code,
        title=_("Visit of a child in difficulty (%(colour)s)") % {"colour": child.get_colour_display() or "—"},
        details=(
            (_("Child"), mask_name(child.person.name)),
            (_("Case number"), str(child.pk)),
            (_("Next visit due"), due),
        ),
        back_url=reverse("children:child_detail", args=[child.pk]),
    )


def child_questions(subject: VisitSubject) -> Sequence[Question]:
    return QUESTIONS


def child_visit_received(visit: Any, user: User) -> str | None:
    """In the visit's transaction: the case's visit recorded (on time or not, the next one due); a child outside the
    villages the user looks after is refused (the visit rolls back, 400)."""
    from minsheng.children.services import case_visit_record

    try:
        recorded = case_visit_record(
            actor=user,
            child_id=visit.subject_id,
            visited_on=timezone.localtime(visit.checked_in_at).date(),
            note=visit.note[:500],
            visit_id=visit.pk,
        )
    except PermissionDenied:
        raise ValidationError({"subject": [_("This child lives outside the villages you look after.")]}) from None
    child = recorded.child
    due = child.next_visit_due.isoformat() if child.next_visit_due else "—"
    return _("The child's visit is recorded; the next one is due by %(due)s.") % {"due": due}
