"""Proactive discovery's figures for the statistics summary (family ``monitoring``): warnings raised, handled (and
visited on time), by outcome, escalated, open (and past their deadline) as at each month, and the persons found this
way who now receive a benefit (主动发现 → 纳入保障), per village and month; the warnings by rule (the dimension).

The definitions in words are in ``docs/indicators.md`` ("Proactive discovery").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.assistance.benefits.models import Benefit
from minsheng.assistance.benefits.selectors import pays_in_sql
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
from minsheng.intake.models import ItemCase
from minsheng.monitoring.models import Alert, WarningRule

COUNT, PERCENT, PERSONS = "count", "percent", "persons"  # the statistics' units (statistics.indicators)

INDICATORS = (
    Indicator(
        "warnings_raised", False, "warnings raised in the month (raised_on)", "of them still to visit now", "rule code"
    ),
    Indicator(
        "warnings_handled",
        False,
        "warnings the township confirmed as handled in the month (confirmed_on)",
        "of them visited on or before their deadline (visited_on ≤ due_on)",
        "rule code",
    ),
    Indicator(
        "warnings_outcomes",
        False,
        "warnings confirmed as handled in the month (confirmed_on), by outcome",
        "of them visited on or before their deadline",
        "outcome (applied, referred, closed)",
    ),
    Indicator(
        "warnings_escalated",
        False,
        "warnings escalated in the month (escalated_on: still open after their deadline)",
        "of them still to visit now",
        "rule code",
    ),
    Indicator(
        "warnings_open",
        True,
        "warnings open at the end of the month (raised by then, not visited by then or to visit again now)",
        "of them escalated by then (past their deadline)",
        "rule code",
    ),
    Indicator(
        "found_supported",
        False,
        "persons whose warning ended in an application on their behalf that led to a benefit, in the month their "
        "first such benefit started (first_month)",
        "0",
        "",
    ),
)

HANDLED_OUTCOMES = (Alert.Outcome.APPLIED, Alert.Outcome.REFERRED, Alert.Outcome.CLOSED)


def _month(column: str) -> str:
    return f"CAST({column} AS DATE)" if connection.vendor == "postgresql" else column


def _open_stock(window: CellWindow) -> SqlCells:
    """A stock for every month held: the warnings raised before the next month began and not visited before it —
    or open again now (sent back by the township: ``visited_on`` keeps the date of the earlier visit)."""
    months = window.every_month()
    where, params = window.sql_area_filter("al.area_code")
    values = ", ".join(f"({_month('%s')}, {_month('%s')})" for _ in months)
    alert = connection.ops.quote_name(Alert._meta.db_table)
    sql = (
        f"WITH months(month, next_month) AS (VALUES {values}) "
        f"SELECT al.area_code AS a, m.month AS m, al.rule_code AS d, COUNT(*) AS v, "
        f"SUM(CASE WHEN al.escalated_on IS NOT NULL AND al.escalated_on < m.next_month THEN 1 ELSE 0 END) AS v2 "
        f"FROM {alert} al JOIN months m ON al.raised_on < m.next_month "
        f"AND (al.status = %s OR al.visited_on IS NULL OR al.visited_on >= m.next_month) "
        f"WHERE {where} GROUP BY al.area_code, m.month, al.rule_code"
    )
    dates = [connection.ops.adapt_datefield_value(d) for m in months for d in (m, first_day_of_next_month(m))]
    return SqlCells("warnings_open", sql, [*dates, Alert.Status.OPEN, *params])


def _found_supported(window: CellWindow) -> SqlCells:
    """Per village of the benefit and month: the persons whose warning's visit applied on their behalf, each counted
    once, in the first month of the first benefit that application led to (a benefit that paid at least its first
    month, by the payroll's own rule)."""
    where, params = window.sql_area_filter("b.area_code")
    q = connection.ops.quote_name
    alert, case, benefit = q(Alert._meta.db_table), q(ItemCase._meta.db_table), q(Benefit._meta.db_table)
    sql = (
        f"SELECT x.a AS a, x.m AS m, '' AS d, COUNT(*) AS v, 0 AS v2 "
        f"FROM (SELECT b.area_code AS a, al.person_id AS p, MIN(b.first_month) AS m "
        f"FROM {alert} al JOIN {case} ic ON ic.application_id = al.application_id "
        f"JOIN {benefit} b ON b.item_case_id = ic.id "
        f"WHERE al.outcome = %s AND {pays_in_sql('b', 'b.first_month')} AND {where} "
        f"GROUP BY b.area_code, al.person_id) x "
        f"WHERE x.m >= {_month('%s')} AND x.m <= {_month('%s')} GROUP BY x.a, x.m"
    )
    first, last = (connection.ops.adapt_datefield_value(d) for d in (window.first, window.last))
    return SqlCells("found_supported", sql, [Alert.Outcome.APPLIED, *params, first, last])


def monitoring_cells(window: CellWindow) -> Iterable[CellSource]:
    after = first_day_of_next_month(window.last)
    # unscoped: statistics refresh: counts per area and month only; every read of them is scoped
    alerts = Alert.objects.unscoped().filter(window.area_filter())
    on_time = Q(visited_on__lte=F("due_on"))
    to_visit = Q(status=Alert.Status.OPEN)
    yield FlowCells(
        "warnings_raised",
        alerts.filter(raised_on__gte=window.first, raised_on__lt=after)
        .values(a=F("area_code"), m=TruncMonth("raised_on"), d=F("rule_code"))
        .annotate(v=Count("id"), v2=Count("id", filter=to_visit)),
    )
    handled = alerts.filter(status=Alert.Status.DONE, confirmed_on__gte=window.first, confirmed_on__lt=after)
    yield FlowCells(
        "warnings_handled",
        handled.values(a=F("area_code"), m=TruncMonth("confirmed_on"), d=F("rule_code")).annotate(
            v=Count("id"), v2=Count("id", filter=on_time)
        ),
    )
    yield FlowCells(
        "warnings_outcomes",
        handled.values(a=F("area_code"), m=TruncMonth("confirmed_on"), d=F("outcome")).annotate(
            v=Count("id"), v2=Count("id", filter=on_time)
        ),
    )
    yield FlowCells(
        "warnings_escalated",
        alerts.filter(escalated_on__gte=window.first, escalated_on__lt=after)
        .values(a=F("area_code"), m=TruncMonth("escalated_on"), d=F("rule_code"))
        .annotate(v=Count("id"), v2=Count("id", filter=to_visit)),
    )
    if window.every_month():
        yield _open_stock(window)
    yield _found_supported(window)


# --- Headline figures ----------------------------------------------------------------------------------------------


def per_mille(part: int, whole: int) -> int | None:
    """Rounded half up; None when there is nothing to divide."""
    return None if whole == 0 else (2000 * part + whole) // (2 * whole)


def raised(rows: CellReader, end: dt.date, over: str) -> tuple[int | None, str]:
    count, to_visit = rows.flow("warnings_raised")
    if not count:
        return count, over
    still = _("%(n)s of them still to visit.") % {"n": to_visit}
    return count, f"{over} {still}"


def handled(rows: CellReader, end: dt.date, over: str) -> tuple[int | None, str]:
    count = rows.flow("warnings_handled")[0]
    if not count:
        return count, over
    split = _("Applied on the person's behalf %(applied)s, referred %(referred)s, closed with reasons %(closed)s.") % {
        str(outcome): rows.flow("warnings_outcomes", dimension=outcome)[0] for outcome in HANDLED_OUTCOMES
    }
    return count, f"{over} {split}"


def on_time_rate(rows: CellReader, end: dt.date, over: str) -> tuple[int | None, str]:
    count, on_time = rows.flow("warnings_handled")
    note = _("Of the warnings handled, visited on or before their deadline.") if count else _("No warning was handled.")
    return per_mille(on_time, count), f"{over} {note}"


def overdue(rows: CellReader, end: dt.date, as_at: str) -> tuple[int | None, str]:
    still_open, past = rows.at("warnings_open", end)
    of = _("Of %(n)s warnings open.") % {"n": still_open}
    return past, f"{as_at} {of}"


def escalated(rows: CellReader, end: dt.date, over: str) -> tuple[int | None, str]:
    return rows.flow("warnings_escalated")[0], over


def found_supported(rows: CellReader, end: dt.date, over: str) -> tuple[int | None, str]:
    counted = _("Counted once, in the month their first benefit started.")
    return rows.flow("found_supported")[0], f"{over} {counted}"


# --- Tables of the dashboard -------------------------------------------------------------------------------------
# A row of a table by area is a child area's code (``child``); of a table by rule or outcome, the dimension.


def _raised(rows: CellReader, end: dt.date, child: str) -> int | None:
    return rows.flow("warnings_raised", child=child)[0]


def _handled(rows: CellReader, end: dt.date, child: str) -> int | None:
    return rows.flow("warnings_handled", child=child)[0]


def _in_time(rows: CellReader, end: dt.date, child: str) -> int | None:
    return rows.flow("warnings_handled", child=child)[1]


def _rate(rows: CellReader, end: dt.date, child: str) -> int | None:
    count, on_time = rows.flow("warnings_handled", child=child)
    return per_mille(on_time, count)


def _escalated(rows: CellReader, end: dt.date, child: str) -> int | None:
    return rows.flow("warnings_escalated", child=child)[0]


def _overdue(rows: CellReader, end: dt.date, child: str) -> int | None:
    return rows.at("warnings_open", end, child=child)[1]


def _found(rows: CellReader, end: dt.date, child: str) -> int | None:
    return rows.flow("found_supported", child=child)[0]


def _rule_raised(rows: CellReader, end: dt.date, rule: str) -> int | None:
    return rows.flow("warnings_raised", dimension=rule)[0]


def _rule_handled(rows: CellReader, end: dt.date, rule: str) -> int | None:
    return rows.flow("warnings_handled", dimension=rule)[0]


def _rule_rate(rows: CellReader, end: dt.date, rule: str) -> int | None:
    count, on_time = rows.flow("warnings_handled", dimension=rule)
    return per_mille(on_time, count)


def _rule_escalated(rows: CellReader, end: dt.date, rule: str) -> int | None:
    return rows.flow("warnings_escalated", dimension=rule)[0]


def _rule_overdue(rows: CellReader, end: dt.date, rule: str) -> int | None:
    return rows.at("warnings_open", end, dimension=rule)[1]


def _outcome_handled(rows: CellReader, end: dt.date, outcome: str) -> int | None:
    return rows.flow("warnings_outcomes", dimension=outcome)[0]


def _outcome_in_time(rows: CellReader, end: dt.date, outcome: str) -> int | None:
    return rows.flow("warnings_outcomes", dimension=outcome)[1]


def rule_names(codes: Sequence[str]) -> dict[str, str]:
    """Rule code → the name of its latest version (reference data, one read)."""
    names: dict[str, str] = {}
    versions = WarningRule.objects.filter(code__in=codes).order_by("code", "-version", "-valid_from")
    for code, name in versions.values_list("code", "name"):
        names.setdefault(code, name)
    return names


def outcome_names(outcomes: Sequence[str]) -> dict[str, str]:
    return {str(value): str(label) for value, label in Alert.Outcome.choices}


RAISED = gettext_lazy("Warnings raised")
HANDLED = gettext_lazy("Handled")
IN_TIME = gettext_lazy("Visited on time")
ON_TIME_RATE = gettext_lazy("Visited on time (rate)")
ESCALATED = gettext_lazy("Escalated")
OVERDUE = gettext_lazy("Open past the deadline (end of period)")

TABLES = (
    StatisticsTable(
        "warnings_by_area",
        gettext_lazy("Risk warnings by area"),
        (
            TableColumn(RAISED, COUNT, _raised),
            TableColumn(HANDLED, COUNT, _handled),
            TableColumn(IN_TIME, COUNT, _in_time),
            TableColumn(ON_TIME_RATE, PERCENT, _rate),
            TableColumn(ESCALATED, COUNT, _escalated),
            TableColumn(OVERDUE, COUNT, _overdue),
            TableColumn(gettext_lazy("Found and now supported"), PERSONS, _found),
        ),
        order=10,
    ),
    StatisticsTable(
        "warnings_by_rule",
        gettext_lazy("Risk warnings by rule"),
        (
            TableColumn(RAISED, COUNT, _rule_raised),
            TableColumn(HANDLED, COUNT, _rule_handled),
            TableColumn(ON_TIME_RATE, PERCENT, _rule_rate),
            TableColumn(ESCALATED, COUNT, _rule_escalated),
            TableColumn(OVERDUE, COUNT, _rule_overdue),
        ),
        heading=gettext_lazy("Warning rule"),
        by_dimension=("warnings_raised", "warnings_handled", "warnings_escalated", "warnings_open"),
        labels=rule_names,
        order=11,
    ),
    StatisticsTable(
        "warnings_by_outcome",
        gettext_lazy("Risk warnings handled, by outcome"),
        (TableColumn(HANDLED, COUNT, _outcome_handled), TableColumn(IN_TIME, COUNT, _outcome_in_time)),
        heading=gettext_lazy("Outcome"),
        by_dimension=("warnings_outcomes",),
        labels=outcome_names,
        chart="pie",
        order=12,
    ),
)
