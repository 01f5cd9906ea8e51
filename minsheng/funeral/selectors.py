"""Reads of funeral services, through the door; the public pages read the cemeteries and their accepted filings
without a user (filed prices are public by rule: 明码标价, public display)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from minsheng.core.keyset import Key
from minsheng.core.modules import DueItem, DuePosition, count_due, due_rows
from minsheng.funeral.models import Complaint, Facility, FiledPrice, FuneralCase, PriceFiling, Settlement
from minsheng.funeral.services import prices_in_force
from minsheng.workdays.services import Calendar

if TYPE_CHECKING:
    from minsheng.accounts.models import User
    from minsheng.people.models import Person


def facility_list(*, user: User) -> QuerySet[Facility]:
    return Facility.objects.restrict(user, "view").order_by("area_code", "kind", "name")


def facility_get(*, user: User, pk: int, action: str = "view") -> Facility:
    return get_object_or_404(Facility.objects.restrict(user, action), pk=pk)


# The lists show the open work whole (filings waiting for review, reports waiting for an answer) and the rest (the
# reviewed filings, the answered reports, the cases) of this many days back unless the user chooses an earlier day.
LIST_WINDOW_DAYS = 90
# Newest first, each list through its (area, time) index and the open work through (status, area, time)
# (docs/architecture.md, "Lists").
FILING_KEYS = (Key("submitted_at", descending=True), Key("id", descending=True))
CASE_KEYS = (Key("registered_at", descending=True), Key("id", descending=True))
COMPLAINT_KEYS = (Key("submitted_at", descending=True), Key("id", descending=True))
# The latest month first, through (area, month, id): one settlement a funeral home a month.
SETTLEMENT_KEYS = (Key("period", descending=True), Key("id", descending=True))


def filing_list(*, user: User, status: str = "", reviewed_since: dt.datetime | None = None) -> QuerySet[PriceFiling]:
    """Filings in the user's areas, newest first. With ``reviewed_since`` (the list page) the reviewed ones are
    those submitted since then; those waiting for review all."""
    rows = PriceFiling.objects.restrict(user, "view").select_related("facility", "submitted_by")
    if status in PriceFiling.Status.values:
        rows = rows.filter(status=status)
    if reviewed_since is not None and status != PriceFiling.Status.SUBMITTED:
        rows = rows.filter(Q(status=PriceFiling.Status.SUBMITTED) | Q(submitted_at__gte=reviewed_since))
    return rows.order_by("-submitted_at", "-id")


def filing_get(*, user: User, pk: int) -> PriceFiling:
    return get_object_or_404(
        PriceFiling.objects.restrict(user, "view").select_related("facility", "submitted_by", "reviewed_by"), pk=pk
    )


def case_list(*, user: User, since: dt.datetime | None = None) -> QuerySet[FuneralCase]:
    """Cases in the user's areas (a funeral home's staff: its own), newest first; with ``since``, those registered
    since then."""
    rows = FuneralCase.objects.restrict(user, "view").select_related("facility", "waiver").defer("id_number")
    if since is not None:
        rows = rows.filter(registered_at__gte=since)
    return rows.order_by("-registered_at", "-id")


def case_get(*, user: User, pk: int) -> FuneralCase:
    return get_object_or_404(FuneralCase.objects.restrict(user, "view").select_related("facility"), pk=pk)


def settlement_list(*, user: User, paid_since: dt.date | None = None) -> QuerySet[Settlement]:
    """Settlements in the user's areas (a funeral home's staff: its own), the latest month first; with ``paid_since``
    those not paid yet all, the paid ones of the months from that day's month on."""
    rows = Settlement.objects.restrict(user, "view").select_related("facility", "prepared_by", "approved_by")
    if paid_since is not None:
        rows = rows.filter(~Q(status=Settlement.Status.PAID) | Q(period__gte=paid_since.replace(day=1)))
    return rows.order_by("-period", "-id")


def settlement_get(*, user: User, pk: int) -> Settlement:
    return get_object_or_404(Settlement.objects.restrict(user, "view").select_related("facility"), pk=pk)


def complaint_list(*, user: User, answered_since: dt.datetime | None = None) -> QuerySet[Complaint]:
    """Price reports in the user's areas, newest first. With ``answered_since`` (the list page) the answered ones are
    those submitted since then; those waiting for an answer all."""
    rows = Complaint.objects.restrict(user, "view").select_related("facility").defer("contact_phone")
    if answered_since is not None:
        rows = rows.filter(Q(status=Complaint.Status.OPEN) | Q(submitted_at__gte=answered_since))
    return rows.order_by("-submitted_at", "-id")


def complaint_get(*, user: User, pk: int) -> Complaint:
    return get_object_or_404(
        Complaint.objects.restrict(user, "view").select_related("facility", "answered_by").defer("contact_phone"),
        pk=pk,
    )


# --- Public ----------------------------------------------------------------------------------------------------


def public_cemeteries() -> QuerySet[Facility]:
    # unscoped: public page: the cemeteries in service and their filed prices are shown to everyone
    return (
        Facility.objects.unscoped()
        .filter(kind__in=Facility.CEMETERIES, active=True)
        .order_by("kind", "area_code", "name")
    )


@dataclass(frozen=True)
class PriceRow:
    item: str
    kind: str
    unit: str
    price_fen: int
    previous_fen: int | None
    change_permille: int | None
    effective_from: dt.date


def _row(price: FiledPrice) -> PriceRow:
    return PriceRow(
        item=price.item.name,
        kind=price.item.get_kind_display(),
        unit=price.item.unit,
        price_fen=price.price_fen,
        previous_fen=price.previous_fen,
        change_permille=price.change_permille,
        effective_from=price.filing.effective_from,
    )


@dataclass(frozen=True)
class CemeteryBoard:
    facility: Facility
    in_force: list[PriceRow]
    history: list[tuple[PriceFiling, list[PriceRow]]]


def public_cemetery(pk: int, today: dt.date) -> CemeteryBoard:
    """A cemetery's prices in force today and every accepted filing with its changes, newest first."""
    facility = public_cemeteries().filter(pk=pk).first()
    if facility is None:
        raise Http404
    in_force = sorted(prices_in_force(facility, today).values(), key=lambda p: (p.item.sort_order, p.item_id))
    # unscoped: public page: accepted price filings are public (价格公示)
    filings = (
        PriceFiling.objects.unscoped()
        .filter(facility=facility, status=PriceFiling.Status.ACCEPTED)
        .prefetch_related(Prefetch("prices", queryset=FiledPrice.objects.select_related("item", "filing")))
        .order_by("-effective_from")
    )
    return CemeteryBoard(
        facility=facility,
        in_force=[_row(p) for p in in_force],
        history=[(f, [_row(p) for p in f.prices.all()]) for f in filings],
    )


# --- Due work ------------------------------------------------------------------------------------------------------

# Reports due within this many working days (or overdue) are on the to-do list.
COMPLAINT_WARNING_WORKING_DAYS = 3


def _filings_to_review(user: User) -> QuerySet[PriceFiling]:
    return PriceFiling.objects.restrict(user, "review").filter(status=PriceFiling.Status.SUBMITTED)


def filings_due(user: User, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    """Filings waiting for the bureau's review, by effective date (they must be reviewed before it)."""
    rows = due_rows(_filings_to_review(user).select_related("facility"), "effective_from", after, limit)
    return [
        DueItem(
            kind="funeral_filing",
            title=_("Review the price filing"),
            url=reverse("funeral:filing_detail", args=[f.pk]),
            area_code=f.area_code,
            deadline=f.effective_from - dt.timedelta(days=1),
            subject=f.facility.name,
            overdue=f.effective_from <= today,
            position=position,
        )
        for f, position in rows
    ]


def filings_due_count(user: User, today: dt.date) -> int:
    return count_due(_filings_to_review(user))


def _complaints_due(user: User, today: dt.date) -> QuerySet[Complaint]:
    horizon = Calendar().add_working_days(today, COMPLAINT_WARNING_WORKING_DAYS)
    return Complaint.objects.restrict(user, "change").filter(status=Complaint.Status.OPEN, answer_due__lte=horizon)


def complaints_due(user: User, today: dt.date, limit: int, after: DuePosition | None) -> list[DueItem]:
    """Price reports near their answer deadline, or past it."""
    rows = due_rows(_complaints_due(user, today).select_related("facility"), "answer_due", after, limit)
    return [
        DueItem(
            kind="funeral_complaint",
            title=_("Answer the price report"),
            url=reverse("funeral:complaint_detail", args=[c.pk]),
            area_code=c.area_code,
            deadline=c.answer_due,
            subject=f"{c.receipt_number} {c.facility.name}",
            overdue=c.answer_due < today,
            position=position,
        )
        for c, position in rows
    ]


def complaints_due_count(user: User, today: dt.date) -> int:
    return count_due(_complaints_due(user, today))


def person_funeral_section(user: User, person: Person) -> dict[str, Any] | None:
    """The funeral case of a deceased person (found by the ID's blind index, as the death feed matches), for
    their file."""
    if not user.has_perm("funeral.view_funeralcase"):
        return None
    cases = list(FuneralCase.objects.restrict(user, "view").filter(id_index=person.id_index).select_related("facility"))
    return {"cases": cases} if cases else None


def person_objects(person: Person) -> Iterable[tuple[str, str]]:
    """The funeral case of a deceased person (by the ID's blind index), for the auditor's search by person."""
    # unscoped: the auditor's search lists events, which are themselves filtered by the auditor's scope.
    for pk in FuneralCase.objects.unscoped().filter(id_index=person.id_index).values_list("pk", flat=True):
        yield ("funeral.funeralcase", str(pk))
