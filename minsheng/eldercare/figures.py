"""Elderly care's figures for the statistics summary (family ``eldercare``): the facilities by kind and their beds,
the old people on the care list, as at each month; the visits owed, delivered and on time by month and service, per
village. The definitions in words are in ``docs/indicators.md`` ("Elderly care")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import F, Sum
from django.db.models.functions import Least
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.core.modules import (
    CellReader,
    CellSource,
    CellWindow,
    FlowCells,
    Indicator,
    SqlCells,
    StatisticsTable,
    TableColumn,
)
from minsheng.core.months import first_day_of_next_month
from minsheng.eldercare.models import Elder, Facility, OrderLine

COUNT, PERCENT, PERSONS = "count", "percent", "persons"

INDICATORS = (
    Indicator("care_facilities", True, "facilities in operation at the end of the month", "their beds", "kind"),
    Indicator("care_elders", True, "old people on the care list at the end of the month", "0", ""),
    Indicator(
        "care_visits",
        False,
        "visits owed by the month's service orders (month of the order)",
        "of them delivered (at most the visits owed per line)",
        "service",
    ),
    Indicator("care_on_time", False, "visits delivered on time in the month", "visits owed", "service"),
)


def _d(column: str) -> str:
    return f"CAST({column} AS DATE)" if connection.vendor == "postgresql" else column


def _months(window: CellWindow) -> tuple[str, list[Any]]:
    months = window.every_month()
    values = ", ".join(f"({_d('%s')}, {_d('%s')})" for _ in months)
    dates = [connection.ops.adapt_datefield_value(d) for m in months for d in (m, first_day_of_next_month(m))]
    return values, dates


def _facilities(window: CellWindow) -> SqlCells:
    values, dates = _months(window)
    where, params = window.sql_area_filter("f.area_code")
    table = connection.ops.quote_name(Facility._meta.db_table)
    sql = (
        f"WITH months(month, next_month) AS (VALUES {values}) "
        f"SELECT f.area_code AS a, m.month AS m, f.kind AS d, COUNT(*) AS v, SUM(f.beds) AS v2 "
        f"FROM {table} f JOIN months m ON f.permit_on < m.next_month "
        f"WHERE f.active AND {where} GROUP BY f.area_code, m.month, f.kind"
    )
    return SqlCells("care_facilities", sql, [*dates, *params])


def _elder_stock(window: CellWindow) -> SqlCells:
    values, dates = _months(window)
    where, params = window.sql_area_filter("e.area_code")
    table = connection.ops.quote_name(Elder._meta.db_table)
    sql = (
        f"WITH months(month, next_month) AS (VALUES {values}) "
        f"SELECT e.area_code AS a, m.month AS m, '' AS d, COUNT(*) AS v, 0 AS v2 "
        f"FROM {table} e JOIN months m ON e.since < m.next_month "
        f"AND (e.ended_on IS NULL OR e.ended_on >= m.next_month) "
        f"WHERE {where} GROUP BY e.area_code, m.month"
    )
    return SqlCells("care_elders", sql, [*dates, *params])


def eldercare_cells(window: CellWindow) -> Iterable[CellSource]:
    if window.every_month():
        yield _facilities(window)
        yield _elder_stock(window)
    after = first_day_of_next_month(window.last)
    # unscoped: statistics refresh: counts per area and month only; every read of them is scoped
    lines = OrderLine.objects.unscoped().filter(window.area_filter(), month__gte=window.first, month__lt=after)
    grouped = lines.values(a=F("area_code"), m=F("month"), d=F("service"))
    yield FlowCells(
        "care_visits",
        grouped.annotate(v=Sum("owed"), v2=Sum(Least("delivered", "owed"))),
    )
    yield FlowCells("care_on_time", grouped.annotate(v=Sum("on_time"), v2=Sum("owed")))


def per_mille(part: int, whole: int) -> int | None:
    return None if whole == 0 else (2000 * part + whole) // (2 * whole)


def institutions(rows: CellReader, end: dt.date, as_at: str) -> tuple[int | None, str]:
    count, beds = rows.at("care_facilities", end, dimension=Facility.Kind.INSTITUTION)
    return count, f"{as_at} " + _("%(beds)s beds.") % {"beds": beds}


def rural_centres(rows: CellReader, end: dt.date, as_at: str) -> tuple[int | None, str]:
    return rows.at("care_facilities", end, dimension=Facility.Kind.RURAL_CENTRE)[0], as_at


def medical_homes(rows: CellReader, end: dt.date, as_at: str) -> tuple[int | None, str]:
    return rows.at("care_facilities", end, dimension=Facility.Kind.MEDICAL_CARE)[0], as_at


def stations(rows: CellReader, end: dt.date, as_at: str) -> tuple[int | None, str]:
    return rows.at("care_facilities", end, dimension=Facility.Kind.STATION)[0], as_at


def day_centres(rows: CellReader, end: dt.date, as_at: str) -> tuple[int | None, str]:
    return rows.at("care_facilities", end, dimension=Facility.Kind.DAY_CARE)[0], as_at


def elders(rows: CellReader, end: dt.date, as_at: str) -> tuple[int | None, str]:
    return rows.at("care_elders", end)[0], as_at


def on_time_rate(rows: CellReader, end: dt.date, over: str) -> tuple[int | None, str]:
    on_time, owed = rows.flow("care_on_time")
    return per_mille(on_time, owed), f"{over} " + _("Of the visits owed by the service orders.")


def _owed(rows: CellReader, end: dt.date, child: str) -> int | None:
    return rows.flow("care_visits", child=child)[0]


def _delivered(rows: CellReader, end: dt.date, child: str) -> int | None:
    return rows.flow("care_visits", child=child)[1]


def _rate(rows: CellReader, end: dt.date, child: str) -> int | None:
    on_time, owed = rows.flow("care_on_time", child=child)
    return per_mille(on_time, owed)


def _listed(rows: CellReader, end: dt.date, child: str) -> int | None:
    return rows.at("care_elders", end, child=child)[0]


TABLES = (
    StatisticsTable(
        "care_by_area",
        gettext_lazy("Home-visit care by area"),
        (
            TableColumn(gettext_lazy("Old people on the care list"), PERSONS, _listed),
            TableColumn(gettext_lazy("Visits owed"), COUNT, _owed),
            TableColumn(gettext_lazy("Visits delivered"), COUNT, _delivered),
            TableColumn(gettext_lazy("Delivered on time (rate)"), PERCENT, _rate),
        ),
        order=20,
    ),
)
