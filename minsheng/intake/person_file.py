"""The one window in a person's file (一人一档) and in the audit log: the person's applications with their items,
consultations and documents; receipt numbers for the auditor; everything of the window about a person."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _

from minsheng.core.crypto import mask_name
from minsheng.core.numbers import ids_of
from minsheng.intake.models import Application, Attachment, Consultation, ItemCase
from minsheng.intake.services import application_status

# A file lists the newest of each kind; older ones are on the application list (searched by the person's ID).
SHOWN = 30


def _for_member(person: Any) -> Any:
    """The applications with an item for this member (a student of an education item), whoever applied."""
    # unscoped: ids only, inside a query of applications restricted by the caller.
    return ItemCase.objects.unscoped().filter(beneficiary=person).values("application_id")


def applications_section(user: Any, person: Any) -> dict[str, Any] | None:
    """The applications of the person or with an item for them, newest first, each with its items, their status
    and the papers printed for it."""
    if not user.has_perm("intake.view_application"):
        return None
    cases = (
        ItemCase.objects.restrict(user, "view")
        .select_related("item", "department", "beneficiary")
        .order_by("item__number")
    )
    applications = list(
        Application.objects.restrict(user, "view")
        .filter(Q(person=person) | Q(pk__in=_for_member(person)))
        .prefetch_related(Prefetch("cases", queryset=cases))
        .order_by("-submitted_at", "-id")[:SHOWN]
    )
    if not applications:
        return None
    return {"applications": [(a, application_status(a)) for a in applications], "shown": SHOWN}


def consultations_section(user: Any, person: Any) -> dict[str, Any] | None:
    """The policy consultations recorded for the person."""
    if not user.has_perm("intake.view_consultation"):
        return None
    consultations = list(
        Consultation.objects.restrict(user, "view")
        .filter(person=person)
        .select_related("referred_to")
        .prefetch_related("items")[:SHOWN]
    )
    return {"consultations": consultations} if consultations else None


def documents_section(user: Any, person: Any) -> dict[str, Any] | None:
    """The documents uploaded with the person's applications."""
    if not user.has_perm("intake.view_attachment"):
        return None
    documents = list(
        Attachment.objects.restrict(user, "view")
        .filter(application__person=person)
        .select_related("application")
        .order_by("-uploaded_at", "-id")[:SHOWN]
    )
    return {"documents": documents} if documents else None


def describe_applications(ids: Sequence[str]) -> Mapping[str, str]:
    """Audit objects ``intake.application``: receipt number and the applicant's masked name."""
    # unscoped: the auditor reads events already filtered by scope; these words name their objects only.
    rows = Application.objects.unscoped().filter(pk__in=ids_of(ids)).select_related("person")
    return {
        str(a.pk): _("Application %(receipt)s · %(name)s")
        % {"receipt": a.receipt_number, "name": mask_name(a.person.name)}
        for a in rows
    }


def describe_cases(ids: Sequence[str]) -> Mapping[str, str]:
    """Audit objects ``intake.itemcase``: receipt number, item and the applicant's masked name."""
    # unscoped: words for events the auditor may already see (the events are filtered by scope).
    rows = ItemCase.objects.unscoped().filter(pk__in=ids_of(ids)).select_related("application__person", "item")
    return {
        str(c.pk): f"{c.application.receipt_number} · {c.item.name} · {mask_name(c.application.person.name)}"
        for c in rows
    }


def describe_attachments(ids: Sequence[str]) -> Mapping[str, str]:
    """Audit objects ``intake.attachment``: the material, the receipt number and the applicant's masked name."""
    # unscoped: words for events the auditor may already see (the events are filtered by scope).
    rows = Attachment.objects.unscoped().filter(pk__in=ids_of(ids)).select_related("application__person")
    return {
        str(a.pk): f"{a.material} · {a.application.receipt_number} · {mask_name(a.application.person.name)}"
        for a in rows
    }


def person_objects(person: Any) -> Iterable[tuple[str, str]]:
    """The window's objects about a person: applications, their items and documents, consultations."""
    mine = Q(person=person) | Q(pk__in=_for_member(person))
    # unscoped: the auditor's search lists events, which are themselves filtered by the auditor's scope.
    applications = list(Application.objects.unscoped().filter(mine).values_list("pk", flat=True))
    yield from (("intake.application", str(pk)) for pk in applications)
    # unscoped: the auditor's search lists events, which are themselves filtered by the auditor's scope.
    cases = ItemCase.objects.unscoped().filter(application_id__in=applications).values_list("pk", flat=True)
    yield from (("intake.itemcase", str(pk)) for pk in cases)
    # unscoped: the auditor's search lists events, which are themselves filtered by the auditor's scope.
    files = Attachment.objects.unscoped().filter(application_id__in=applications).values_list("pk", flat=True)
    yield from (("intake.attachment", str(pk)) for pk in files)
    # unscoped: the auditor's search lists events, which are themselves filtered by the auditor's scope.
    consultations = Consultation.objects.unscoped().filter(person=person).values_list("pk", flat=True)
    yield from (("intake.consultation", str(pk)) for pk in consultations)
