"""Reading the statistics: the period, the headline figures and the tables of one area, from the summary table.

``dashboard(user=, area_code=, period=)`` is the one read the pages use. It reads the last complete summary as it
stands — it never refreshes it: the task ``statistics.refresh`` does, off the request path (``tasks.py``) — with
the time it was brought up to date (``as_of``, one read of the state row), checks the area against the user's
statistics scope (outside it: 404, as for any object outside the user's areas), then reads the cells of the area's
children for the months of the period in one query and derives every figure and table from those rows.

Values: persons, counts and person-times are integers; money is integer fen; a percentage is an integer per
mille (the value divided by ``indicators.PERCENT_SCALE`` is the percentage: 953 is 95.3 %). ``None`` means "no
number": a figure whose module is not built (``available=False``), or a rate with nothing to divide.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections, router
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from minsheng.areas.codes import InvalidCode, level_of
from minsheng.areas.models import Division
from minsheng.areas.selectors import division_ancestors
from minsheng.assistance.programmes import MONTHLY_PROGRAMMES, Programme
from minsheng.catalog.models import Department
from minsheng.core.db_router import reading_from_replica
from minsheng.core.months import months_between, parse_month
from minsheng.core.scoping import scope_allows
from minsheng.statistics import indicators as ind
from minsheng.statistics import refresh
from minsheng.statistics.models import Cell

if TYPE_CHECKING:
    from minsheng.accounts.models import User

PERMISSION = "statistics.view_dashboard"


# --- The period --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole months, both ends included: ``start`` is the first day of the first month, ``end`` the first day of
    the last month."""

    start: dt.date
    end: dt.date

    def months(self) -> list[dt.date]:
        return months_between(self.start, self.end)

    def label(self) -> str:
        """ "2023年1月—6月" (in Chinese; "2023-01 to 06" in English)."""
        if self.start == self.end:
            return _("%(year)d-%(month)02d") % {"year": self.start.year, "month": self.start.month}
        if self.start.year == self.end.year:
            return _("%(year)d-%(start_month)02d to %(end_month)02d") % {
                "year": self.start.year,
                "start_month": self.start.month,
                "end_month": self.end.month,
            }
        return _("%(start_year)d-%(start_month)02d to %(end_year)d-%(end_month)02d") % {
            "start_year": self.start.year,
            "start_month": self.start.month,
            "end_year": self.end.year,
            "end_month": self.end.month,
        }

    @staticmethod
    def month_label(month: dt.date) -> str:
        return _("%(year)d-%(month)02d") % {"year": month.year, "month": month.month}


def default_period(today: dt.date | None = None) -> Period:
    """The year to date: January of ``today``'s year to ``today``'s month (as the bureau publishes)."""
    today = today or timezone.localdate()
    return Period(dt.date(today.year, 1, 1), today.replace(day=1))


def _parse_month(text: str, field: str) -> dt.date:
    """The month typed (``core.months.parse_month``: ASCII digits only); the range is checked by the caller."""
    try:
        return parse_month(text)
    except ValueError:
        raise ValidationError({field: _("Give the month as YYYY-MM, for example 2023-06.")}) from None


def period_from_query(start: str | None, end: str | None, *, today: dt.date | None = None) -> Period:
    """The period of a query's ``start`` and ``end`` months (``YYYY-MM``). Both missing: the year to date; only
    ``end``: from January of its year; only ``start``: to the current month. Months must lie in the months the
    statistics hold (January four years back to the current month), the first not after the last."""
    today = today or timezone.localdate()
    if not start and not end:
        return default_period(today)
    first_held, last_held = refresh.months_held(today)
    last = _parse_month(end, "end") if end else last_held
    first = _parse_month(start, "start") if start else dt.date(last.year, 1, 1)
    if last > last_held:
        raise ValidationError({"end": _("The statistics cannot show a month that has not begun.")})
    if first < first_held:
        raise ValidationError(
            {"start": _("The statistics go back to %(month)s.") % {"month": Period.month_label(first_held)}}
        )
    if first > last:
        raise ValidationError({"start": _("The first month comes after the last.")})
    return Period(first, last)


# --- What the pages show ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A headline card. ``value`` in the unit's terms (fen, persons, per mille, ...); None when not available."""

    key: str
    label: str
    unit: str
    value: int | None
    available: bool
    note: str


@dataclass(frozen=True)
class Table:
    """A table of the dashboard (downloads as Excel; charts are drawn from it). ``units`` per column: "text",
    "persons", "fen", "count", "percent" (per mille) or "person_times". ``drill``: per row, the 12-digit code of
    the area the row drills down to (None: not drillable)."""

    key: str
    title: str
    columns: list[str]
    units: list[str]
    rows: list[list[Any]]
    chart: str | None
    drill: list[str | None] | None = None


@dataclass(frozen=True)
class Dashboard:
    area: Division
    trail: list[Division]
    period: Period
    figures: list[Figure]
    tables: list[Table]
    as_of: dt.datetime | None = None  # when the summary read was last brought up to date (None: never built)


# --- Scope ----------------------------------------------------------------------------------------------------


def statistics_areas(user: User) -> list[Division]:
    """The user's top areas for statistics: the divisions of their assignments that grant it, without an area
    that lies inside another one of them."""
    if user is None or not user.is_authenticated:
        return []
    prefixes = sorted({s.prefix for s in user.scopes_for(PERMISSION)}, key=lambda p: (len(p), p))
    tops: list[str] = []
    for prefix in prefixes:
        if not any(prefix.startswith(t) for t in tops):
            tops.append(prefix)
    codes = {a.division.code for a in user.effective_assignments() if a.prefix in tops}
    # The user's own assignment divisions (already loaded with them); read by code, in the user's scope.
    divisions = {d.code: d for d in Division.objects.within(user).filter(code__in=codes)}
    return [divisions[c] for c in sorted(codes) if c in divisions]


def _area_for(user: User, area_code: str | None) -> tuple[Division, list[Division]]:
    tops = statistics_areas(user)
    if not tops:
        raise PermissionDenied(_("You may not see the statistics."))
    if area_code is None:
        return tops[0], [tops[0]]
    if not scope_allows(user, PERMISSION, area_code):
        raise Http404(_("No such area among yours."))
    area = Division.objects.within(user).select_related("parent").filter(code=area_code).first()
    if area is None:
        raise Http404(_("No such area among yours."))
    top = next((t for t in sorted(tops, key=lambda d: -len(d.prefix)) if area.code.startswith(t.prefix)), None)
    if top is None:  # in scope by a role, yet under none of the user's areas that are visible to them
        raise Http404(_("No such area among yours."))
    trail = [d for d in division_ancestors(area) if d.code.startswith(top.prefix)] + [area]
    return area, trail


# --- Reading cells -----------------------------------------------------------------------------------------------

Key = tuple[str, str]  # (indicator, dimension)


@dataclass
class _Rows:
    """The cells read for a dashboard: per child area (its code), per (indicator, dimension), per month."""

    by_child: dict[str, dict[Key, dict[dt.date, tuple[int, int]]]]

    def flow(self, indicator: str, *, dimension: str | None = None, child: str | None = None) -> tuple[int, int]:
        """Sum over the period (and over children and dimensions unless named)."""
        value = value2 = 0
        for code, keys in self.by_child.items():
            if child is not None and code != child:
                continue
            for (name, dim), months in keys.items():
                if name == indicator and (dimension is None or dim == dimension):
                    for v, v2 in months.values():
                        value += v
                        value2 += v2
        return value, value2

    def at(
        self, indicator: str, month: dt.date, *, dimension: str | None = None, child: str | None = None
    ) -> tuple[int, int]:
        """One month's value (a stock as at that month), summed over children and dimensions unless named."""
        value = value2 = 0
        for code, keys in self.by_child.items():
            if child is not None and code != child:
                continue
            for (name, dim), months in keys.items():
                if name == indicator and (dimension is None or dim == dimension):
                    v, v2 = months.get(month, (0, 0))
                    value += v
                    value2 += v2
        return value, value2

    def monthly(self, indicator: str, *, dimension: str | None = None) -> dict[dt.date, int]:
        out: dict[dt.date, int] = defaultdict(int)
        for keys in self.by_child.values():
            for (name, dim), months in keys.items():
                if name == indicator and (dimension is None or dim == dimension):
                    for month, (v, _v2) in months.items():
                        out[month] += v
        return out

    def dimensions(self, indicator: str) -> set[str]:
        return {dim for keys in self.by_child.values() for (name, dim) in keys if name == indicator}


# Per level of the area shown: the level of the cells read (county sums for a province or a city, township sums
# for a county, the cells as recorded for a township or a village) and the digits of its children's codes.
_CELLS_READ = {"province": 6, "city": 6, "county": 9, "township": 12, "village": 12}
_CHILD_DIGITS = {"province": 4, "city": 6, "county": 9, "township": 12, "village": 12}


def _read(area: Division, period: Period) -> _Rows:
    """The cells under ``area`` for the months of ``period``, by child area (a record kept at the area's own
    level, e.g. a township window's consultation, comes under the area's own code)."""
    low, high = int(area.prefix.ljust(12, "0")), int(area.prefix.ljust(12, "9"))
    level = _CELLS_READ[area.level]
    child_digits = _CHILD_DIGITS[area.level]
    table = connection.ops.quote_name(Cell._meta.db_table)
    by_child: dict[str, dict[Key, dict[dt.date, tuple[int, int]]]] = defaultdict(lambda: defaultdict(dict))
    # A raw read: the router is asked for the alias (the replica inside ``reading_from_replica``).
    with connections[router.db_for_read(Cell)].cursor() as cursor:
        cursor.execute(
            f"SELECT area, indicator, dimension, month, value, value2 FROM {table} "
            "WHERE level = %s AND area >= %s AND area <= %s AND month >= %s AND month <= %s",
            [
                level,
                low,
                high,
                connection.ops.adapt_datefield_value(period.start),
                connection.ops.adapt_datefield_value(period.end),
            ],
        )
        for code, indicator, dimension, month, value, value2 in cursor.fetchall():
            if isinstance(month, str):  # SQLite returns the text
                month = dt.date.fromisoformat(month)
            child = f"{code:012d}"[:child_digits].ljust(12, "0")
            previous = by_child[child][(indicator, dimension)].get(month, (0, 0))
            by_child[child][(indicator, dimension)][month] = (previous[0] + value, previous[1] + value2)
    return _Rows(by_child=by_child)


# --- Figures and tables ------------------------------------------------------------------------------------------


def _per_mille(part: int, whole: int) -> int | None:
    """Rounded half up; None when there is nothing to divide."""
    return None if whole == 0 else (2000 * part + whole) // (2 * whole)


def _figures(rows: _Rows, period: Period) -> list[Figure]:
    as_at = _("As at the end of %(month)s.") % {"month": Period.month_label(period.end)}
    over = _("Over %(period)s.") % {"period": period.label()}
    figures = []
    for headline in ind.headlines():
        value, note = headline.value(rows, period.end, as_at if headline.stock else over)
        figures.append(Figure(headline.key, str(headline.label), headline.unit, value, True, note))
    figures += [Figure(p.key, str(p.label), p.unit, None, False, str(ind.NOT_BUILT_NOTE)) for p in ind.unavailable()]
    return figures


def _programme_label(code: str) -> str:
    try:
        return str(Programme(code).label)
    except ValueError:
        return code


def _monthly_paid(rows: _Rows, period: Period) -> Table:
    programmes = [p for p in MONTHLY_PROGRAMMES if rows.flow("paid", dimension=p)[0]]
    by_programme = {p: rows.monthly("paid", dimension=p) for p in programmes}
    table_rows = []
    for month in period.months():
        amounts = [by_programme[p].get(month, 0) for p in programmes]
        table_rows.append([Period.month_label(month), *amounts, sum(amounts)])
    return Table(
        key="monthly_paid",
        title=_("Assistance paid by month and programme"),
        columns=[_("Month"), *(_programme_label(p) for p in programmes), _("Total")],
        units=[ind.TEXT, *([ind.FEN] * len(programmes)), ind.FEN],
        rows=table_rows,
        chart="line",
    )


def _monthly_caseload(rows: _Rows, period: Period) -> Table:
    table_rows = []
    for month in period.months():
        table_rows.append(
            [
                Period.month_label(month),
                rows.at("beneficiaries", month, dimension=Programme.DIBAO)[0],
                rows.at("beneficiaries", month, dimension=Programme.TEKUN)[0],
                rows.at("disabled", month)[0],
                rows.at("children", month)[0],
            ]
        )
    return Table(
        key="monthly_caseload",
        title=_("Persons supported, month by month"),
        columns=[
            _("Month"),
            _("低保 recipients"),
            _("特困 supported persons"),
            _("Persons with disabilities in difficulty"),
            _("Children in difficulty"),
        ],
        units=[ind.TEXT, ind.PERSONS, ind.PERSONS, ind.PERSONS, ind.PERSONS],
        rows=table_rows,
        chart="line",
    )


def _monthly_window(rows: _Rows, period: Period) -> Table:
    consultations = rows.monthly("consultations")
    applications = rows.monthly("applications")
    decided = rows.monthly("items_decided")
    return Table(
        key="monthly_window",
        title=_("One window by month"),
        columns=[_("Month"), _("Consultations"), _("Applications"), _("Items decided")],
        units=[ind.TEXT, ind.COUNT, ind.COUNT, ind.COUNT],
        rows=[
            [Period.month_label(m), consultations.get(m, 0), applications.get(m, 0), decided.get(m, 0)]
            for m in period.months()
        ],
        chart="line",
    )


Child = tuple[str, str, str | None]  # (code, name, the code a row drills down to or None)


def _children(rows: _Rows, area: Division) -> list[Child]:
    """The rows of a table by area: the area's children (the village itself at village level), then a row for the
    records kept at the area's own level (a county window's consultations), not drillable."""
    if area.level == Division.Level.VILLAGE:
        return [(area.code, area.name, None)]
    # The area's own children (a related manager of an area already checked against the user's scope).
    children: list[Child] = [(c.code, c.name, c.code) for c in area.children.order_by("code")]
    known = {c[0] for c in children}
    own = sorted(code for code in rows.by_child if code not in known)
    return children + [(code, _("%(area)s (own level)") % {"area": area.name}, None) for code in own]


def _by_area(rows: _Rows, children: list[Child], period: Period) -> Table:
    end = period.end
    table_rows, drill = [], []
    for code, name, target in children:
        table_rows.append(
            [
                name,
                rows.at("beneficiaries", end, dimension=Programme.DIBAO, child=code)[0],
                rows.at("beneficiaries", end, dimension=Programme.TEKUN, child=code)[0],
                rows.at("disabled", end, child=code)[0],
                rows.at("children", end, child=code)[0],
                rows.flow("paid", child=code)[0],
                rows.flow("temporary", child=code)[0],
                rows.flow("applications", child=code)[0],
            ]
        )
        drill.append(target)
    return Table(
        key="by_area",
        title=_("By area"),
        columns=[
            _("Area"),
            _("低保 recipients"),
            _("特困 supported persons"),
            _("Persons with disabilities in difficulty"),
            _("Children in difficulty"),
            _("Assistance paid"),
            _("Temporary assistance paid"),
            _("Applications"),
        ],
        units=[ind.TEXT, ind.PERSONS, ind.PERSONS, ind.PERSONS, ind.PERSONS, ind.FEN, ind.FEN, ind.COUNT],
        rows=table_rows,
        chart="bar",
        drill=drill,
    )


def _programme_mix(rows: _Rows, period: Period) -> Table:
    table_rows = []
    for programme in MONTHLY_PROGRAMMES:
        persons, benefits = rows.at("beneficiaries", period.end, dimension=programme)
        if persons or benefits:
            table_rows.append([_programme_label(programme), persons, benefits])
    return Table(
        key="programme_mix",
        title=_("Persons supported by programme at the end of the period"),
        columns=[_("Programme"), _("Persons"), _("Benefits paid (households or persons)")],
        units=[ind.TEXT, ind.PERSONS, ind.COUNT],
        rows=table_rows,
        chart="pie",
    )


def _on_time_by_department(rows: _Rows) -> Table:
    codes = rows.dimensions("items_decided") | rows.dimensions("items_received")
    departments = {d.code: d for d in Department.objects.filter(code__in=codes)}
    table_rows = []
    for code in sorted(codes, key=lambda c: (departments[c].sort_order, c) if c in departments else (9999, c)):
        received = rows.flow("items_received", dimension=code)[0]
        decided, on_time = rows.flow("items_decided", dimension=code)
        name = departments[code].name if code in departments else code
        table_rows.append([name, received, decided, on_time, _per_mille(on_time, decided)])
    return Table(
        key="on_time_by_department",
        title=_("One-window items by department: decided on time"),
        columns=[_("Department"), _("Items received"), _("Items decided"), _("Decided on time"), _("On-time rate")],
        units=[ind.TEXT, ind.COUNT, ind.COUNT, ind.COUNT, ind.PERCENT],
        rows=table_rows,
        chart="bar",
    )


def _declared(rows: _Rows, children: list[Child], period: Period) -> list[Table]:
    """The tables the modules declare (``indicators.tables()``): by child area, drillable, or by dimension."""
    built = []
    for declared in ind.tables():
        units = [ind.TEXT, *(c.unit for c in declared.columns)]
        columns = [str(declared.heading or _("Area")), *(str(c.label) for c in declared.columns)]
        if not declared.by_dimension:
            table_rows = [
                [name, *(c.value(rows, period.end, code) for c in declared.columns)] for code, name, _t in children
            ]
            drill: list[str | None] | None = [target for _c, _n, target in children]
        else:
            dimensions = sorted(set().union(*(rows.dimensions(i) for i in declared.by_dimension)))
            names = dict(declared.labels(dimensions)) if declared.labels and dimensions else {}
            table_rows = [
                [names.get(d, d), *(c.value(rows, period.end, d) for c in declared.columns)] for d in dimensions
            ]
            drill = None
        built.append(
            Table(
                key=declared.key,
                title=str(declared.title),
                columns=columns,
                units=units,
                rows=table_rows,
                chart=declared.chart,
                drill=drill,
            )
        )
    return built


def dashboard(*, user: User, area_code: str | None, period: Period) -> Dashboard:
    """The figures and tables of ``area_code`` (None: the user's own top area) over ``period``.

    Raises PermissionDenied for a user without the statistics permission, Http404 for an area outside their
    statistics scope (or not a division)."""
    if area_code is not None:
        try:
            level_of(area_code)
        except InvalidCode:
            raise Http404(_("No such area among yours.")) from None
    area, trail = _area_for(user, area_code)
    # The summary as the last complete refresh left it (a refresh commits in one transaction); never refreshed here.
    # Read from the replica when one is configured (figures a moment old are figures the task has not reached yet).
    with reading_from_replica():
        as_of = refresh.refreshed_at()
        rows = _read(area, period)
    children = _children(rows, area)
    return Dashboard(
        area=area,
        trail=trail,
        period=period,
        figures=_figures(rows, period),
        tables=[
            _monthly_paid(rows, period),
            _by_area(rows, children, period),
            _programme_mix(rows, period),
            _on_time_by_department(rows),
            _monthly_caseload(rows, period),
            _monthly_window(rows, period),
            *_declared(rows, children, period),
        ],
        as_of=as_of,
    )


__all__ = [
    "Dashboard",
    "Figure",
    "Period",
    "Table",
    "dashboard",
    "default_period",
    "period_from_query",
    "statistics_areas",
]
