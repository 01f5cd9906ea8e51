"""The one window's figures (statistics family ``window``): consultations, applications, items received and decided
by department, and how many were decided on time — computed from the records for the statistics summary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, F, Q, Value
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from minsheng.core.modules import CellReader, CellSource, CellWindow, FlowCells, Indicator
from minsheng.core.months import first_day_of_next_month
from minsheng.intake.models import Application, Consultation, ItemCase

INDICATORS = (
    Indicator("consultations", False, "consultations recorded in the month", "0", ""),
    Indicator("applications", False, "applications submitted in the month", "0", ""),
    Indicator("items_received", False, "item cases accepted in the month", "0", "department code"),
    Indicator(
        "items_decided",
        False,
        "item cases decided in the month",
        "of them decided on or before their deadline",
        "department code",
    ),
)


def window_cells(window: CellWindow) -> Iterable[CellSource]:
    # unscoped: statistics refresh: counts per area and month only; every read of them is scoped
    yield FlowCells(
        "consultations",
        Consultation.objects.unscoped()
        .filter(window.area_filter(), recorded_at__gte=window.start, recorded_at__lt=window.end)
        .values(a=F("area_code"), m=TruncMonth("recorded_at"), d=Value(""))
        .annotate(v=Count("id"), v2=Value(0)),
    )
    # unscoped: statistics refresh: counts per area and month only; every read of them is scoped
    yield FlowCells(
        "applications",
        Application.objects.unscoped()
        .filter(window.area_filter(), submitted_at__gte=window.start, submitted_at__lt=window.end)
        .values(a=F("area_code"), m=TruncMonth("submitted_at"), d=Value(""))
        .annotate(v=Count("id"), v2=Value(0)),
    )
    # unscoped: statistics refresh: counts per area and month only; every read of them is scoped
    yield FlowCells(
        "items_received",
        ItemCase.objects.unscoped()
        .filter(
            window.area_filter(),
            accepted_on__gte=window.first,
            accepted_on__lt=first_day_of_next_month(window.last),
        )
        .values(a=F("area_code"), m=TruncMonth("accepted_on"), d=F("department__code"))
        .annotate(v=Count("id"), v2=Value(0)),
    )
    on_time = Q(deadline__isnull=True) | Q(decided_at__date__lte=F("deadline"))
    # unscoped: statistics refresh: counts per area and month only; every read of them is scoped
    yield FlowCells(
        "items_decided",
        ItemCase.objects.unscoped()
        .filter(window.area_filter(), decided_at__gte=window.start, decided_at__lt=window.end)
        .values(a=F("area_code"), m=TruncMonth("decided_at"), d=F("department__code"))
        .annotate(v=Count("id"), v2=Count("id", filter=on_time)),
    )


def per_mille(part: int, whole: int) -> int | None:
    """Rounded half up; None when there is nothing to divide."""
    return None if whole == 0 else (2000 * part + whole) // (2 * whole)


def consultations(rows: CellReader, end: dt.date, over: str) -> tuple[int | None, str]:
    return rows.flow("consultations")[0], over


def applications(rows: CellReader, end: dt.date, over: str) -> tuple[int | None, str]:
    return rows.flow("applications")[0], over


def items_decided(rows: CellReader, end: dt.date, over: str) -> tuple[int | None, str]:
    return rows.flow("items_decided")[0], over


def on_time_rate(rows: CellReader, end: dt.date, over: str) -> tuple[int | None, str]:
    decided, on_time = rows.flow("items_decided")
    note = _("Decided on or before the deadline.") if decided else _("No item was decided.")
    return per_mille(on_time, decided), f"{over} {note}"
