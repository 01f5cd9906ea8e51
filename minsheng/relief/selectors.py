"""Reads of the relief station, through the door; the public announcements are read without a user (they are public
by design and show only what an announcement must)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from minsheng.core.keyset import Key
from minsheng.core.modules import DueItem, DuePosition, count_due, due_rows
from minsheng.relief.models import Admission, Patrol, Station, Tracing

if TYPE_CHECKING:
    from minsheng.accounts.models import User
    from minsheng.people.models import Person


def station_list(*, user: User) -> QuerySet[Station]:
    return Station.objects.restrict(user, "view").order_by("area_code", "name")


def stations_for_admission(*, user: User) -> QuerySet[Station]:
    return Station.objects.restrict(user, "view").filter(active=True).order_by("area_code", "name")


# The lists show every stay still in the station, and the stays that ended (and the patrols) of this many days back
# unless the user chooses an earlier day: both pile up every day of the year.
LIST_WINDOW_DAYS = 90
# Newest first: (status, area, limit) for the stays in the station, (area, time) for the window
# (docs/architecture.md, "Lists").
ADMISSION_KEYS = (Key("admitted_at", descending=True), Key("id", descending=True))
PATROL_KEYS = (Key("on", descending=True), Key("id", descending=True))


def admission_list(*, user: User, status: str = "", departed_since: dt.datetime | None = None) -> QuerySet[Admission]:
    """Stays in the user's areas, newest first. With ``departed_since`` (the list page) the stays that ended are
    those admitted since then; those in the station all."""
    rows = Admission.objects.restrict(user, "view").select_related("station").defer("id_number")
    if status in Admission.Status.values:
        rows = rows.filter(status=status)
    if departed_since is not None and status != Admission.Status.IN_STATION:
        rows = rows.filter(Q(status=Admission.Status.IN_STATION) | Q(admitted_at__gte=departed_since))
    return rows.order_by("-admitted_at", "-id")


def admission_get(*, user: User, pk: int, action: str = "view") -> Admission:
    return get_object_or_404(Admission.objects.restrict(user, action).select_related("station"), pk=pk)


def tracing_get(*, user: User, pk: int, action: str = "view") -> Tracing:
    return get_object_or_404(Tracing.objects.restrict(user, action).select_related("admission"), pk=pk)


def patrol_list(*, user: User, since: dt.date | None = None) -> QuerySet[Patrol]:
    """Patrols in the user's areas, the latest first; with ``since``, those of that day on."""
    rows = Patrol.objects.restrict(user, "view").select_related("station")
    if since is not None:
        rows = rows.filter(on__gte=since)
    return rows.order_by("-on", "-id")


# --- Public -----------------------------------------------------------------------------------------------------


# The latest announcement first, through the partial (published at, id) index of those shown.
ANNOUNCEMENT_KEYS = (Key("published_at", descending=True), Key("id", descending=True))


def public_announcements() -> QuerySet[Tracing]:
    """The announcements shown now (published, not taken down), newest first."""
    # unscoped: public page: an announcement shown now, its public fields only
    return (
        Tracing.objects.unscoped()
        .filter(published_at__isnull=False, taken_down_at__isnull=True, status=Tracing.Status.OPEN)
        .select_related("admission__station")
        .only(
            "public_id",
            "published_at",
            "public_description",
            "photo_file",
            "photo_type",
            "admission__admitted_at",
            "admission__found_at",
            "admission__gender",
            "admission__apparent_age",
            "admission__station__name",
            "admission__station__phone",
            "admission__station__address",
        )
        .order_by("-published_at", "-id")
    )


def public_announcement(public_id: str) -> Tracing:
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise Http404 from None
    tracing = public_announcements().filter(public_id=key).first()
    if tracing is None:
        raise Http404(_("This announcement is not shown (any more)."))
    return tracing


# --- Due work ------------------------------------------------------------------------------------------------------

# A stay is due for attention this many days before its limit.
STAY_WARNING_DAYS = 1


def _stays_due(user: User, today: dt.date) -> QuerySet[Admission]:
    return Admission.objects.restrict(user, "change").filter(
        status=Admission.Status.IN_STATION, stay_until__lte=today + dt.timedelta(days=STAY_WARNING_DAYS)
    )


def stays_due(user: User, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    """Stays reaching their limit (or past it): record the departure, or an extension with its reason."""
    stays = _stays_due(user, today).only("pk", "number", "name", "area_code", "stay_until")
    rows = due_rows(stays, "stay_until", after, limit)
    return [
        DueItem(
            kind="relief_stay",
            title=_("Stay reaches its limit"),
            url=reverse("relief:admission_detail", args=[a.pk]),
            area_code=a.area_code,
            deadline=a.stay_until,
            subject=f"{a.number} {a.display_name}",
            overdue=a.stay_until < today,
            position=position,
        )
        for a, position in rows
    ]


def stays_due_count(user: User, today: dt.date) -> int:
    return count_due(_stays_due(user, today))


def _announcements_due(user: User) -> QuerySet[Tracing]:
    return Tracing.objects.restrict(user, "change").filter(status=Tracing.Status.OPEN, published_at__isnull=True)


def announcements_due(user: User, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    """Tracings whose public announcement is not published yet, by their deadline."""
    rows = due_rows(_announcements_due(user).select_related("admission"), "announcement_due", after, limit)
    return [
        DueItem(
            kind="relief_announcement",
            title=_("Publish the tracing announcement"),
            url=reverse("relief:admission_detail", args=[t.admission_id]),
            area_code=t.area_code,
            deadline=t.announcement_due,
            subject=f"{t.admission.number} {t.admission.display_name}",
            overdue=t.announcement_due < today,
            position=position,
        )
        for t, position in rows
    ]


def announcements_due_count(user: User, today: dt.date) -> int:
    return count_due(_announcements_due(user))


def person_admissions_section(user: User, person: Person) -> dict[str, Any] | None:
    """The person's stays at relief stations (those recorded as this registered person), for their file."""
    if not user.has_perm("relief.view_admission"):
        return None
    admissions = list(
        Admission.objects.restrict(user, "view")
        .filter(person=person)
        .select_related("station")
        .order_by("-admitted_at")[:20]
    )
    return {"admissions": admissions} if admissions else None


def person_objects(person: Person) -> Iterable[tuple[str, str]]:
    """The stays of a registered person, for the auditor's search by person."""
    # unscoped: the auditor's search lists events, which are themselves filtered by the auditor's scope.
    for pk in Admission.objects.unscoped().filter(person=person).values_list("pk", flat=True):
        yield ("relief.admission", str(pk))
