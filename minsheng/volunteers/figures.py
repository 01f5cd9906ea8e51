"""The volunteers' figures for the statistics summary (family ``volunteers``), per village and month:

- ``volunteers_registered`` (stock): volunteers registered by the end of the month; value2: of them with a star
  level now (the star is the stored column, not the level they had then);
- ``volunteer_teams`` (stock): teams founded by the end of the month; value2: 0;
- ``volunteer_hours`` (flow): hours served in the month, in tenths (from the monthly totals kept with the records);
  value2: the service records;
- ``tasks_raised`` (flow): needs raised as tasks in the month, by the module that raised them (the dimension);
  value2: of them still open now;
- ``tasks_done`` (flow): tasks done in the month, by the raising module; value2: the hours from raising to done,
  summed (the mean time to meet a need is value2 / value).

The definitions in words are in ``docs/modules/volunteers.md`` ("Statistics").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection
from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import TruncMonth
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
from minsheng.volunteers.models import MonthlyHours, Task, Team, Volunteer

COUNT, PERSONS = "count", "persons"

INDICATORS = (
    Indicator(
        "volunteers_registered",
        True,
        "volunteers registered by the end of the month (registered_on)",
        "of them with a star level now",
        "",
    ),
    Indicator("volunteer_teams", True, "volunteer teams founded by the end of the month (founded_on)", "0", ""),
    Indicator(
        "volunteer_hours",
        False,
        "hours served in the month, in tenths of an hour (service records' served_on, the volunteer's village)",
        "service records",
        "",
    ),
    Indicator(
        "tasks_raised", False, "needs raised as tasks in the month (raised_at)", "of them still open now", "source app"
    ),
    Indicator(
        "tasks_done",
        False,
        "tasks done in the month (done_at)",
        "hours from raising to done, summed over them",
        "source app",
    ),
)


def _month(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS DATE)"
    return f"date({column}, 'start of month')"


def _as_date(placeholder: str) -> str:
    return f"CAST({placeholder} AS DATE)" if connection.vendor == "postgresql" else placeholder


def _stock(window: CellWindow, indicator: str, table: str, day: str, value2: str) -> SqlCells:
    """A stock per village for every month held: rows first counted per village and month of ``day``, then summed
    over the months before each month's end (so the join is over those counts, not over 1.5 million rows)."""
    months = window.every_month()
    where, params = window.sql_area_filter("x.area_code")
    values = ", ".join(f"({_as_date('%s')}, {_as_date('%s')})" for _ in months)
    sql = (
        f"WITH months(month, next_month) AS (VALUES {values}), "
        f"counts AS (SELECT x.area_code AS a, {_month(f'x.{day}')} AS m, COUNT(*) AS n, SUM({value2}) AS n2 "
        f"FROM {table} x WHERE {where} GROUP BY x.area_code, {_month(f'x.{day}')}) "
        f"SELECT c.a AS a, mo.month AS m, '' AS d, SUM(c.n) AS v, SUM(c.n2) AS v2 "
        f"FROM counts c JOIN months mo ON c.m < mo.next_month GROUP BY c.a, mo.month"
    )
    dates = [connection.ops.adapt_datefield_value(d) for m in months for d in (m, first_day_of_next_month(m))]
    return SqlCells(indicator, sql, [*dates, *params])


def _hours_to_done() -> str:
    if connection.vendor == "postgresql":
        return "CAST(EXTRACT(EPOCH FROM (t.done_at - t.raised_at)) / 3600 AS bigint)"
    return "CAST((julianday(t.done_at) - julianday(t.raised_at)) * 24 AS integer)"


def volunteer_cells(window: CellWindow) -> Iterable[CellSource]:
    after = first_day_of_next_month(window.last)
    if window.every_month():
        star = "CASE WHEN x.star > 0 THEN 1 ELSE 0 END"
        yield _stock(window, "volunteers_registered", Volunteer._meta.db_table, "registered_on", star)
        yield _stock(window, "volunteer_teams", Team._meta.db_table, "founded_on", "0")
    yield FlowCells(
        "volunteer_hours",
        MonthlyHours.objects.filter(window.area_filter(), month__gte=window.first, month__lt=after)
        .values(a=F("area_code"), m=F("month"), d=Value(""))
        .annotate(v=Sum("hours_tenths"), v2=Sum("records")),
    )
    # unscoped: statistics refresh: counts per area and month only; every read of them is scoped
    tasks = Task.objects.unscoped().filter(window.area_filter())
    yield FlowCells(
        "tasks_raised",
        tasks.filter(raised_at__gte=window.start, raised_at__lt=window.end)
        .values(a=F("area_code"), m=TruncMonth("raised_at"), d=F("source_app"))
        .annotate(v=Count("id"), v2=Count("id", filter=Q(status=Task.Status.OPEN))),
    )
    where, params = window.sql_area_filter("t.area_code")
    yield SqlCells(
        "tasks_done",
        f"SELECT t.area_code AS a, {_month('t.done_at')} AS m, t.source_app AS d, COUNT(*) AS v, "
        f"SUM({_hours_to_done()}) AS v2 "
        f"FROM {Task._meta.db_table} t WHERE t.status = 'done' AND t.done_at >= %s AND t.done_at < %s AND {where} "
        f"GROUP BY t.area_code, {_month('t.done_at')}, t.source_app",
        [window.start, window.end, *params],
    )


# --- Headline figures ----------------------------------------------------------------------------------------------


def volunteers_figure(rows: CellReader, end: dt.date, as_at: str) -> tuple[int | None, str]:
    count, starred = rows.at("volunteers_registered", end)
    note = _("%(n)s of them with a star level.") % {"n": f"{starred:,}"}
    return count, f"{as_at} {note}"


def teams_figure(rows: CellReader, end: dt.date, as_at: str) -> tuple[int | None, str]:
    return rows.at("volunteer_teams", end)[0], as_at


def hours_figure(rows: CellReader, end: dt.date, over: str) -> tuple[int | None, str]:
    tenths, records = rows.flow("volunteer_hours")
    note = _("In %(n)s service records.") % {"n": f"{records:,}"}
    return (tenths + 5) // 10, f"{over} {note}"


def tasks_done_figure(rows: CellReader, end: dt.date, over: str) -> tuple[int | None, str]:
    done, hours = rows.flow("tasks_done")
    if not done:
        return done, over
    note = _("Met on average %(days)s days after they were raised.") % {"days": f"{hours / done / 24:.1f}"}
    return done, f"{over} {note}"


# --- The table by area ---------------------------------------------------------------------------------------------


def _volunteers(rows: CellReader, end: dt.date, child: str) -> int | None:
    return rows.at("volunteers_registered", end, child=child)[0]


def _teams(rows: CellReader, end: dt.date, child: str) -> int | None:
    return rows.at("volunteer_teams", end, child=child)[0]


def _hours(rows: CellReader, end: dt.date, child: str) -> int | None:
    return (rows.flow("volunteer_hours", child=child)[0] + 5) // 10


def _raised(rows: CellReader, end: dt.date, child: str) -> int | None:
    return rows.flow("tasks_raised", child=child)[0]


def _done(rows: CellReader, end: dt.date, child: str) -> int | None:
    return rows.flow("tasks_done", child=child)[0]


def _days(rows: CellReader, end: dt.date, child: str) -> int | None:
    done, hours = rows.flow("tasks_done", child=child)
    return None if not done else round(hours / done / 24)


TABLES = (
    StatisticsTable(
        "volunteers_by_area",
        gettext_lazy("Volunteers by area"),
        (
            TableColumn(gettext_lazy("Registered volunteers"), PERSONS, _volunteers),
            TableColumn(gettext_lazy("Volunteer teams"), COUNT, _teams),
            TableColumn(gettext_lazy("Hours served"), COUNT, _hours),
            TableColumn(gettext_lazy("Needs raised"), COUNT, _raised),
            TableColumn(gettext_lazy("Needs met"), COUNT, _done),
            TableColumn(gettext_lazy("Days to meet a need (mean)"), COUNT, _days),
        ),
        order=30,
    ),
)
