"""Reads of the one window that other parts of the platform show: the header's notices, the due work of the to-do
list (items to receive, to decide, materials awaited)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.core.crypto import blind_index, mask_name
from minsheng.core.keyset import Key
from minsheng.core.modules import DueItem, DuePosition, count_due, due_rows, item_handlers
from minsheng.intake.models import Application, Attachment, Consultation, ItemCase, Notification
from minsheng.people.idnumbers import InvalidIdNumber, normalize_for_index
from minsheng.people.models import Membership
from minsheng.workdays.services import Calendar

if TYPE_CHECKING:
    from minsheng.accounts.models import User


def unread_notices(user: User) -> int:
    """The user's notices not yet read (the count beside 通知 in the header)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def _subject(case: ItemCase) -> str:
    return f"{case.application.receipt_number} {mask_name(case.for_person.name)}"


# What an item on the to-do list shows besides the case: read for the page's rows only (``due_rows``).
SHOWN = ("item", "application", "application__person", "beneficiary")


def _rows(cases: QuerySet[ItemCase], limit: int, after: DuePosition | None) -> list[tuple[ItemCase, DuePosition]]:
    """The page's items after ``after`` by (deadline, id), items without a deadline last."""
    return due_rows(cases, "deadline", after, limit, nullable=True, related=SHOWN)


def _to_receive(user: User) -> QuerySet[ItemCase]:
    return ItemCase.objects.restrict(user, "decide").filter(status=ItemCase.Status.ACCEPTED, received_at__isnull=True)


def _to_decide(user: User) -> QuerySet[ItemCase]:
    """Received items the department decides itself (not those decided through a programme's procedure)."""
    return (
        ItemCase.objects.restrict(user, "decide")
        .filter(status=ItemCase.Status.ACCEPTED, received_at__isnull=False)
        .exclude(item__number__in=list(item_handlers()))
    )


def _due(
    case: ItemCase, kind: str, title: str, today: dt.date, deadline: dt.date | None, position: DuePosition
) -> DueItem:
    return DueItem(
        kind=kind,
        title=f"{title}: {case.item.name}",
        url=reverse("intake:case_detail", args=[case.pk]),
        area_code=case.area_code,
        deadline=deadline,
        subject=_subject(case),
        overdue=deadline is not None and deadline < today,
        position=position,
    )


def receive_due(user: User, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    """Items routed to the user's department and not yet received (签收), nearest deadline first."""
    title = _("Receive")
    return [_due(c, "intake_receive", title, today, c.deadline, at) for c, at in _rows(_to_receive(user), limit, after)]


def receive_count(user: User, today: dt.date) -> int:
    return count_due(_to_receive(user))


def decide_due(user: User, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    """Received items waiting for the department's decision, nearest deadline first."""
    title = _("Decide")
    return [_due(c, "intake_decide", title, today, c.deadline, at) for c, at in _rows(_to_decide(user), limit, after)]


def decide_count(user: User, today: dt.date) -> int:
    return count_due(_to_decide(user))


def _awaited(user: User) -> QuerySet[ItemCase]:
    return ItemCase.objects.restrict(user, "change").filter(status=ItemCase.Status.WAITING_MATERIALS)


def materials_due(user: User, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    """Items waiting for materials, by the day they remind the applicant (longest waiting first): that day grows with
    the day they began to wait, so the kind's position is that day (and the id)."""
    calendar = Calendar()
    cases = due_rows(
        _awaited(user),
        "waiting_since",
        after,
        limit,
        nullable=True,
        related=SHOWN,
    )
    title = _("Materials awaited")
    rows = []
    for case, position in cases:
        remind_on = (
            calendar.add_working_days(case.waiting_since, settings.MATERIALS_REMINDER_WORKING_DAYS)
            if case.waiting_since
            else None
        )
        rows.append(_due(case, "intake_materials", title, today, remind_on, position))
    return rows


def materials_count(user: User, today: dt.date) -> int:
    return count_due(_awaited(user))


@dataclass(frozen=True)
class MemberLine:
    """One member of the household as an item's page shows them: no ID number, phone or account."""

    name: str
    relation: str
    gender: str
    age: int
    living_together: bool
    is_for: bool


def household_summary(case: ItemCase, today: dt.date) -> list[MemberLine]:
    """The current household of the member the item is for, as much as deciding the item needs: who lives there,
    how related, how old. The caller read ``case`` through the scoping door."""
    person = case.for_person
    # unscoped: the household of the item's own member, after the caller's check on the item.
    households = Membership.objects.unscoped().filter(person=person, left_on__isnull=True).values("household_id")
    # unscoped: the members of that household, as above.
    members = (
        Membership.objects.unscoped()
        .filter(household__in=households, left_on__isnull=True)
        .select_related("person")
        .order_by("joined_on", "pk")
    )
    return [
        MemberLine(
            name=m.person.name if m.person_id == person.pk else mask_name(m.person.name),
            relation=m.get_relation_display(),
            gender=m.person.get_gender_display(),
            age=_age(m.person.birth_date, today),
            living_together=m.living_together,
            is_for=m.person_id == person.pk,
        )
        for m in members
    ]


def _age(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def case_documents(case: ItemCase) -> QuerySet[Attachment]:
    """The application's documents for the materials on this item's checklist (not those of its other items)."""
    # unscoped: the documents of an item the caller read through the scoping door (department included).
    return (
        Attachment.objects.unscoped()
        .filter(application_id=case.application_id, material__in=list(case.materials))
        .select_related("uploaded_by")
    )


class BadIdNumber(ValueError):
    """The ID number searched for is not a valid number (the form says so)."""


# --- Lists people page through (keyset pages, docs/architecture.md "Lists") ------------------------------------

# Where history grows, a list shows this many days back unless the user sets another start in its filter.
LIST_WINDOW_DAYS = 90
OPEN_STATUSES = (ItemCase.Status.ACCEPTED, ItemCase.Status.WAITING_MATERIALS)
DECIDED_STATUSES = (ItemCase.Status.GRANTED, ItemCase.Status.REFUSED)
# Open items by deadline (paused ones, without a deadline, last); decided ones newest decision first.
OPEN_KEYS = (Key("deadline", nullable=True), Key("id"))
DECIDED_KEYS = (Key("decided_at", descending=True), Key("id", descending=True))


def window_start(today: dt.date, since: dt.date | None) -> dt.datetime:
    """The first moment a windowed list shows: the day the user chose, else ``LIST_WINDOW_DAYS`` back."""
    day = since or today - dt.timedelta(days=LIST_WINDOW_DAYS)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def inbox_cases(*, user: User, decided: bool = False, since: dt.datetime | None = None) -> QuerySet[ItemCase]:
    """The department inbox: open items of the user's areas (and department); or those decided since ``since``.

    Read through the (status, area, deadline) index: open items are few whatever the years of history."""
    cases = ItemCase.objects.restrict(user, "view").select_related(
        "item", "department", "application", "application__person"
    )
    if not decided:
        return cases.filter(status__in=OPEN_STATUSES)
    cases = cases.filter(status__in=DECIDED_STATUSES)
    return cases.filter(decided_at__gte=since) if since is not None else cases


CONSULTATION_KEYS = (Key("recorded_at", descending=True), Key("id", descending=True))


def consultation_list(*, user: User, since: dt.datetime) -> QuerySet[Consultation]:
    """Consultations of the user's areas recorded since ``since`` (the window), newest first by the keys above."""
    return (
        Consultation.objects.restrict(user, "view")
        .filter(recorded_at__gte=since)
        .select_related("recorded_by", "referred_to")
        .prefetch_related("items")
    )


APPLICATION_KEYS = (Key("submitted_at", descending=True), Key("id", descending=True))


def application_search(
    *,
    user: Any,
    receipt: str = "",
    name: str = "",
    id_number: str = "",
    item: Any = None,
    status: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    today: dt.date | None = None,
) -> QuerySet[Application]:
    """Applications in the user's areas, newest first, with their items (in scope) and applicant. The ID number is
    found through the blind index; a name by its first characters; item and status match any item of an application.

    Without a start date and without a receipt or ID number (which name a few applications at any age), the list
    shows the last ``LIST_WINDOW_DAYS`` days: the user sets an earlier start to see older ones."""
    applications = Application.objects.restrict(user, "view")
    if receipt:
        applications = applications.filter(receipt_number__istartswith=receipt.strip())
    if name:
        applications = applications.filter(person__name__startswith=name.strip())
    if id_number:
        try:
            index = blind_index(normalize_for_index(id_number))
        except InvalidIdNumber as exc:
            raise BadIdNumber(str(exc)) from exc
        applications = applications.filter(person__id_index=index)
    if item is not None or status:
        cases = ItemCase.objects.restrict(user, "view")
        if item is not None:
            cases = cases.filter(item=item)
        if status:
            cases = cases.filter(status=status)
        applications = applications.filter(pk__in=cases.values("application_id"))
    if date_from or not (receipt or id_number):
        applications = applications.filter(submitted_at__gte=window_start(today or timezone.localdate(), date_from))
    if date_to:
        end = timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
        applications = applications.filter(submitted_at__lt=end)
    in_scope = ItemCase.objects.restrict(user, "view").select_related("item", "department").order_by("item__number")
    return (
        applications.select_related("person")
        .defer("person__id_number", "person__phone", "person__bank_account")
        .prefetch_related(Prefetch("cases", queryset=in_scope))
    )
