"""The figures of children in difficulty for the statistics summary (family ``children``; definitions in
``docs/indicators.md``): open case files by colour, visits and visits on time by colour, open case plans, children's
homes and practice bases, care projects and the children they serve (once per project), and the workforce's coverage
(townships with a supervisor, villages with a director)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Count, F, IntegerField, Sum
from django.db.models.functions import Cast, TruncMonth
from django.utils.translation import gettext_lazy

from minsheng.accounts.models import RoleAssignment
from minsheng.children.models import CarePlace, CareProject, CasePlan, CaseVisit, Child, Colour, Enrolment
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

INDICATORS = (
    Indicator("children_open", True, "open case files of children in difficulty at the month's end", "0", "colour"),
    Indicator("children_visits", False, "visits of children in the month", "visits on time", "colour"),
    Indicator("children_open_plans", True, "open case plans at the month's end", "0", ""),
    Indicator("child_places", True, "children's homes and practice bases open at the month's end", "0", "kind"),
    Indicator("child_projects", True, "care projects running in the month", "children served (once per project)", ""),
    Indicator("child_workforce", True, "divisions with a supervisor (township) or a director (village)", "0", "role"),
)


def _months_sql(months: list[dt.date]) -> tuple[str, list[Any]]:
    month = "CAST(%s AS DATE)" if connection.vendor == "postgresql" else "%s"
    values = ", ".join(f"({month}, {month})" for _ in months)
    dates = [connection.ops.adapt_datefield_value(d) for m in months for d in (m, first_day_of_next_month(m))]
    return f"WITH months(month, next_month) AS (VALUES {values}) ", dates


def children_cells(window: CellWindow) -> Iterable[CellSource]:
    months = window.every_month()
    q = connection.ops.quote_name
    if months:
        head, dates = _months_sql(months)
        child, plan, place = q(Child._meta.db_table), q(CasePlan._meta.db_table), q(CarePlace._meta.db_table)
        project, enrolment = q(CareProject._meta.db_table), q(Enrolment._meta.db_table)
        where, params = window.sql_area_filter("c.area_code")
        yield SqlCells(
            "children_open",
            head
            + "SELECT c.area_code AS a, m.month AS m, c.colour AS d, COUNT(*) AS v, 0 AS v2 "
            + f"FROM {child} c JOIN months m "
            "ON c.opened_on < m.next_month AND (c.closed_on IS NULL OR c.closed_on >= m.next_month) "
            f"WHERE {where} GROUP BY c.area_code, m.month, c.colour",
            [*dates, *params],
        )
        yield SqlCells(
            "children_open_plans",
            head
            + "SELECT c.area_code AS a, m.month AS m, '' AS d, COUNT(*) AS v, 0 AS v2 "
            + f"FROM {plan} p JOIN {child} c ON c.id = p.child_id "
            "JOIN months m ON p.made_on < m.next_month AND (p.closed_on IS NULL OR p.closed_on >= m.next_month) "
            f"WHERE {where} GROUP BY c.area_code, m.month",
            [*dates, *params],
        )
        where, params = window.sql_area_filter("p.area_code")
        yield SqlCells(
            "child_places",
            head
            + "SELECT p.area_code AS a, m.month AS m, p.kind AS d, COUNT(*) AS v, 0 AS v2 "
            + f"FROM {place} p JOIN months m "
            "ON p.opened_on < m.next_month AND (p.closed_on IS NULL OR p.closed_on >= m.next_month) "
            f"WHERE {where} GROUP BY p.area_code, m.month, p.kind",
            [*dates, *params],
        )
        yield SqlCells(
            "child_projects",
            head + f"SELECT p.area_code AS a, m.month AS m, '' AS d, COUNT(*) AS v, "
            f"COALESCE(SUM((SELECT COUNT(*) FROM {enrolment} e WHERE e.project_id = p.id)), 0) AS v2 "
            f"FROM {project} p JOIN months m ON p.starts_on < m.next_month AND p.ends_on >= m.month "
            f"WHERE {where} GROUP BY p.area_code, m.month",
            [*dates, *params],
        )
        assignment = q(RoleAssignment._meta.db_table)
        where, params = window.sql_area_filter("r.division_id")  # a division's key is its 12-digit code
        created = "CAST(r.created_at AS DATE)" if connection.vendor == "postgresql" else "date(r.created_at)"
        yield SqlCells(
            "child_workforce",
            head
            + "SELECT r.division_id AS a, m.month AS m, r.role AS d, "
            + "COUNT(DISTINCT r.division_id) AS v, 0 AS v2 "
            f"FROM {assignment} r JOIN months m ON {created} < m.next_month "
            "WHERE r.role IN ('child_supervisor', 'child_director') "
            f"AND {where} GROUP BY r.division_id, m.month, r.role",
            [*dates, *params],
        )
    visits = CaseVisit.objects.filter(
        window.area_filter(), visited_on__gte=window.first, visited_on__lt=first_day_of_next_month(window.last)
    )
    yield FlowCells(
        "children_visits",
        visits.values(a=F("area_code"), m=TruncMonth("visited_on"), d=F("colour")).annotate(
            v=Count("id"), v2=Sum(Cast("on_time", IntegerField()))
        ),
    )


def per_mille(part: int, whole: int) -> int | None:
    return round(part * 1000 / whole) if whole else None


def _at(indicator: str, dimension: str | None = None) -> Callable[[CellReader, dt.date, str], tuple[int | None, str]]:
    def value(rows: CellReader, end: dt.date, note: str) -> tuple[int | None, str]:
        return rows.at(indicator, end, dimension=dimension)[0], note

    return value


open_cases = _at("children_open")
childrens_homes = _at("child_places", "home")
practice_bases = _at("child_places", "base")
supervised_townships = _at("child_workforce", "child_supervisor")
directed_villages = _at("child_workforce", "child_director")
projects = _at("child_projects")
open_plans = _at("children_open_plans")


def children_served(rows: CellReader, end: dt.date, note: str) -> tuple[int | None, str]:
    return rows.at("child_projects", end)[1], note


def visits_on_time(rows: CellReader, end: dt.date, note: str) -> tuple[int | None, str]:
    visits, on_time = rows.flow("children_visits")
    return per_mille(on_time, visits), note


def _visits(rows: CellReader, end: dt.date, colour: str) -> int | None:
    return rows.flow("children_visits", dimension=colour)[0]


def _on_time(rows: CellReader, end: dt.date, colour: str) -> int | None:
    return rows.flow("children_visits", dimension=colour)[1]


def _rate(rows: CellReader, end: dt.date, colour: str) -> int | None:
    visits, on_time = rows.flow("children_visits", dimension=colour)
    return per_mille(on_time, visits)


def _open(rows: CellReader, end: dt.date, colour: str) -> int | None:
    return rows.at("children_open", end, dimension=colour)[0]


def colour_names(codes: Sequence[str]) -> dict[str, str]:
    return {str(value): str(label) for value, label in Colour.choices} | {"": str(gettext_lazy("Not assessed"))}


TABLES = (
    StatisticsTable(
        "children_by_colour",
        gettext_lazy("Children in difficulty by risk colour: visits on time"),
        (
            TableColumn(gettext_lazy("Open case files (end of period)"), "persons", _open),
            TableColumn(gettext_lazy("Visits"), "count", _visits),
            TableColumn(gettext_lazy("Visits on time"), "count", _on_time),
            TableColumn(gettext_lazy("Visits on time (rate)"), "percent", _rate),
        ),
        heading=gettext_lazy("Risk colour"),
        by_dimension=("children_open", "children_visits"),
        labels=colour_names,
        order=40,
    ),
)
