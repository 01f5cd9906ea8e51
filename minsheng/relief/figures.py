"""The relief station's figures for the statistics summary (family ``relief``): person-times helped (admissions, by
referral source) and persons reunited with their families (tracings ended by reunification), by month and area."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, F, Q, Value
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from minsheng.core.modules import CellReader, CellSource, CellWindow, FlowCells, Indicator
from minsheng.relief.models import Admission, Tracing

INDICATORS = (
    Indicator(
        "relief_admissions",
        False,
        "admissions to a relief station in the month (person-times helped)",
        "of them with an unknown identity",
        "referral source",
    ),
    Indicator("relief_reunited", False, "tracings ended by reunification in the month (persons reunited)", "0", ""),
)


def relief_cells(window: CellWindow) -> Iterable[CellSource]:
    # unscoped: statistics refresh: counts per area and month only; reads of the summary are scoped
    yield FlowCells(
        "relief_admissions",
        Admission.objects.unscoped()
        .filter(window.area_filter(), admitted_at__gte=window.start, admitted_at__lt=window.end)
        .values(a=F("area_code"), m=TruncMonth("admitted_at"), d=F("referral"))
        .annotate(v=Count("id"), v2=Count("id", filter=Q(identity_known=False))),
    )
    # unscoped: statistics refresh: counts per area and month only; reads of the summary are scoped
    yield FlowCells(
        "relief_reunited",
        Tracing.objects.unscoped()
        .filter(
            window.area_filter(),
            status=Tracing.Status.REUNITED,
            closed_at__gte=window.start,
            closed_at__lt=window.end,
        )
        .values(a=F("area_code"), m=TruncMonth("closed_at"), d=Value(""))
        .annotate(v=Count("id"), v2=Value(0)),
    )


def helped(rows: CellReader, end: dt.date, note: str) -> tuple[int | None, str]:
    counted = _("Each admission to a station counts once (person-times).")
    return rows.flow("relief_admissions")[0], f"{note} {counted}"


def reunited(rows: CellReader, end: dt.date, note: str) -> tuple[int | None, str]:
    return rows.flow("relief_reunited")[0], note
