"""Funeral services' figures for the statistics summary (family ``funeral``): commercial cemeteries with filed prices
in force as at each month, and the 惠民殡葬 fees waived by month."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection
from django.db.models import Count, F, Sum
from django.utils.translation import gettext as _

from minsheng.core.modules import CellReader, CellSource, CellWindow, FlowCells, Indicator, SqlCells
from minsheng.core.months import first_day_of_next_month
from minsheng.funeral.models import Facility, PriceFiling, Waiver

INDICATORS = (
    Indicator(
        "cemeteries_filed",
        True,
        "commercial cemeteries with an accepted price filing in force by the end of the month",
        "0",
        "",
    ),
    Indicator("funeral_waived", False, "fen of basic funeral fees waived (惠民殡葬) in the month", "waivers", "group"),
)


def funeral_cells(window: CellWindow) -> Iterable[CellSource]:
    months = window.every_month()
    if months:
        where, params = window.sql_area_filter("f.area_code")
        month = "CAST(%s AS DATE)" if connection.vendor == "postgresql" else "%s"
        values = ", ".join(f"({month}, {month})" for _ in months)
        q = connection.ops.quote_name
        facility, filing = q(Facility._meta.db_table), q(PriceFiling._meta.db_table)
        # A stock for every month held: the commercial cemeteries with an accepted filing effective before the next
        # month began.
        sql = (
            f"WITH months(month, next_month) AS (VALUES {values}) "
            f"SELECT f.area_code AS a, m.month AS m, '' AS d, COUNT(DISTINCT f.id) AS v, 0 AS v2 "
            f"FROM {facility} f JOIN months m ON EXISTS (SELECT 1 FROM {filing} p WHERE p.facility_id = f.id "
            f"AND p.status = 'accepted' AND p.effective_from < m.next_month) "
            f"WHERE f.kind = %s AND {where} GROUP BY f.area_code, m.month"
        )
        dates = [connection.ops.adapt_datefield_value(d) for m in months for d in (m, first_day_of_next_month(m))]
        yield SqlCells("cemeteries_filed", sql, [*dates, Facility.Kind.COMMERCIAL_CEMETERY, *params])
    # unscoped: statistics refresh: waivers summed per area and month; reads of the summary are scoped
    yield FlowCells(
        "funeral_waived",
        Waiver.objects.unscoped()
        .filter(window.area_filter(), month__gte=window.first, month__lt=first_day_of_next_month(window.last))
        .values(a=F("area_code"), m=F("month"), d=F("group"))
        .annotate(v=Sum("total_fen"), v2=Count("id")),
    )


def cemeteries_filed(rows: CellReader, end: dt.date, note: str) -> tuple[int | None, str]:
    shown = _("Price cuts and rises are shown on the public price page.")
    return rows.at("cemeteries_filed", end)[0], f"{note} {shown}"
