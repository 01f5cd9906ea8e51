"""Pages of the statistics (智慧民政): the dashboard, the big screen (大屏) and the Excel downloads.

Every page reads one query — ``area`` (a 12-digit division code, default the top of the user's scope), ``start``
and ``end`` (months, ``YYYY-MM``) — and asks ``selectors.dashboard`` for the figures; the views only turn them
into text, chart data and workbooks. Bad input gets the form back with the reason (400), an area outside the
user's scope a 404 (from the selector).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from minsheng.accounts.typing import AuthenticatedRequest
from minsheng.core.decorators import role_required
from minsheng.core.forms import StyledForm, add_service_errors
from minsheng.core.templatetags.money import yuan
from minsheng.statistics import excel, selectors
from minsheng.statistics.selectors import Dashboard, Figure, Period, Table

PERMISSION = selectors.PERMISSION
# The big screen reloads its figures this often (seconds).
BIG_SCREEN_REFRESH = 300
NUMERIC_UNITS = frozenset(excel.NUMBER_FORMATS)
# A table whose headings are longer than this (in characters) goes under its chart rather than beside it.
WIDE_TABLE = 24
# Sums from 10,000 yuan (in fen) get "约 … 万元" beside the exact figure.
LARGE_SUM = 1_000_000
WHOLE_UNITS = frozenset({"persons", "count", "person_times"})


class DashboardQuery(StyledForm):
    """The area and the months of a dashboard, as the address carries them."""

    area = forms.CharField(
        required=False,
        widget=forms.HiddenInput,
        validators=[RegexValidator(r"^\d{12}$", gettext_lazy("An area is a 12-digit division code."))],
    )
    start = forms.CharField(
        label=gettext_lazy("From month"), required=False, widget=forms.TextInput(attrs={"type": "month"})
    )
    end = forms.CharField(
        label=gettext_lazy("To month"), required=False, widget=forms.TextInput(attrs={"type": "month"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # The months are checked also when the area is wrong, so that every reason shows at once.
        if "start" not in self.errors and "end" not in self.errors:
            try:
                data["period"] = selectors.period_from_query(data.get("start") or None, data.get("end") or None)
            except ValidationError as exc:
                add_service_errors(self, exc)
        return data


def _query(request: HttpRequest) -> DashboardQuery:
    return DashboardQuery({key: request.GET.get(key, "") for key in ("area", "start", "end")})


def _address(name: str, *, area: str, period: Period, **kwargs: Any) -> str:
    query = urlencode({"area": area, "start": f"{period.start:%Y-%m}", "end": f"{period.end:%Y-%m}"})
    return f"{reverse(name, kwargs=kwargs or None)}?{query}"


def cell_text(value: Any, unit: str) -> str:
    """A number as the page shows it: thousands separated, money in yuan, "—" for nothing."""
    if value is None or value == "":
        return "—"
    if unit == "fen":
        return yuan(value)
    if unit == "percent":
        return f"{excel.percent_number(value)}%"
    if unit in WHOLE_UNITS:
        return f"{int(value):,}"
    return str(value)


def yuan_short(fen: Any) -> str:
    """A large sum the way a report says it: 80,000,000,000 fen → "8.00 亿元", 1,458,000,000 → "1,458.00 万元"."""
    amount = Decimal(fen) / 100
    if abs(amount) >= 100_000_000:
        return _("%(amount)s hundred million yuan") % {"amount": f"{amount / 100_000_000:,.2f}"}
    if abs(amount) >= 10_000:
        return _("%(amount)s ten thousand yuan") % {"amount": f"{amount / 10_000:,.2f}"}
    return _("%(amount)s yuan") % {"amount": yuan(fen)}


def _chart_number(value: Any, unit: str) -> float | None:
    """The number a chart plots: yuan for fen, the page's figure for everything else."""
    if value is None:
        return None
    return float(excel.cell_value(value, unit))


def _figure(figure: Figure) -> dict[str, Any]:
    """A card: the number and its unit; "—" for a figure with nothing to count (a rate with no item decided)."""
    shown = figure.value is not None
    return {
        "figure": figure,
        "text": cell_text(figure.value, figure.unit),
        "unit": excel.unit_label(figure.unit) if shown else "",
        # Money reads easier in 万元 or 亿元 beside the exact sum (and alone on the big screen).
        "short": yuan_short(figure.value) if shown and figure.unit == "fen" else "",
        "large": shown and figure.unit == "fen" and abs(figure.value or 0) >= LARGE_SUM,
    }


def _table(table: Table, dashboard: Dashboard) -> dict[str, Any]:
    """A table as the page shows it: headings with their unit, each cell's text, each row's drill link."""
    drills = table.drill or [None] * len(table.rows)
    headings = [excel.column_heading(c, u) for c, u in zip(table.columns, table.units, strict=True)]
    rows = [
        {
            "cells": [
                {"text": cell_text(value, unit), "number": unit in NUMERIC_UNITS}
                for value, unit in zip(row, table.units, strict=True)
            ],
            "drill": _address("statistics:dashboard", area=code, period=dashboard.period) if code else None,
            "drill_code": code,
        }
        for row, code in zip(table.rows, drills, strict=True)
    ]
    return {
        "table": table,
        "headings": headings,
        "rows": rows,
        # A chart with a narrow table beside it; a wide table goes under its chart, across the page.
        "beside": bool(table.chart and table.rows) and sum(map(len, headings)) <= WIDE_TABLE,
        "drillable": any(drills),
        "xlsx": _address("statistics:table_xlsx", area=dashboard.area.code, period=dashboard.period, table=table.key),
    }


def _chart(table: Table, dashboard: Dashboard, page: str) -> dict[str, Any] | None:
    """What the chart script draws: categories from the first column, a series per numeric column."""
    if table.chart is None or not table.rows:
        return None
    series = [
        {
            "name": excel.column_heading(column, unit),
            "unit": unit,
            "data": [_chart_number(row[index], unit) for row in table.rows],
        }
        for index, (column, unit) in enumerate(zip(table.columns, table.units, strict=True))
        if index > 0 and unit in NUMERIC_UNITS
    ]
    drills = table.drill or []
    return {
        "key": table.key,
        "type": table.chart,
        "title": table.title,
        "categories": [str(row[0]) for row in table.rows],
        "unit_words": {unit: excel.unit_label(unit) for unit in table.units if unit in NUMERIC_UNITS},
        "series": series,
        "drill": [_address(page, area=code, period=dashboard.period) if code else None for code in drills],
    }


def _context(dashboard: Dashboard, *, page: str) -> dict[str, Any]:
    """``page`` is where a click on an area leads: the dashboard, or the big screen of that area."""
    period = dashboard.period
    start, end = f"{period.start:%Y-%m}", f"{period.end:%Y-%m}"
    charts = [chart for chart in (_chart(t, dashboard, page) for t in dashboard.tables) if chart is not None]
    return {
        "dashboard": dashboard,
        # The form shows the months in use, also when the address named none (the default period).
        "query": DashboardQuery(initial={"area": dashboard.area.code, "start": start, "end": end}),
        "figures": [_figure(f) for f in dashboard.figures if f.available],
        # Figures of modules not built: listed by name, never with a number.
        "missing": [f for f in dashboard.figures if not f.available],
        "tables": [_table(t, dashboard) for t in dashboard.tables],
        "charts": charts,
        "trail": [
            {"division": d, "url": _address("statistics:dashboard", area=d.code, period=period)}
            for d in dashboard.trail
            if d.code != dashboard.area.code
        ],
        "period_label": excel.period_label(dashboard),
        "all_xlsx": _address("statistics:dashboard_xlsx", area=dashboard.area.code, period=period),
        "big_screen": _address("statistics:big_screen", area=dashboard.area.code, period=period),
        "dashboard_url": _address("statistics:dashboard", area=dashboard.area.code, period=period),
        "refresh_seconds": BIG_SCREEN_REFRESH,
    }


def _load(request: AuthenticatedRequest) -> tuple[DashboardQuery, Dashboard | None]:
    """The query and its dashboard; no dashboard when the query is wrong (the form carries the reasons)."""
    query = _query(request)
    if not query.is_valid():
        return query, None
    data = query.cleaned_data
    return query, selectors.dashboard(user=request.user, area_code=data["area"] or None, period=data["period"])


def _refused(request: AuthenticatedRequest, query: DashboardQuery) -> HttpResponse:
    return render(request, "statistics/dashboard.html", {"query": query, "dashboard": None}, status=400)


@role_required(PERMISSION)
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """The figures, charts and tables of one area and period, with drill-down to the areas below."""
    query, board = _load(request)
    if board is None:
        return _refused(request, query)
    context = _context(board, page="statistics:dashboard")
    # A user serving several areas (two counties, say) can switch between their tops; most serve one, and asking
    # costs a query, so only then.
    if len(request.user.effective_assignments()) > 1:
        tops = selectors.statistics_areas(request.user)
        if len(tops) > 1:
            context["tops"] = [
                {"division": d, "url": _address("statistics:dashboard", area=d.code, period=board.period)} for d in tops
            ]
    return render(request, "statistics/dashboard.html", context)


@role_required(PERMISSION)
def big_screen(request: AuthenticatedRequest) -> HttpResponse:
    """The same figures full-screen on a dark background for the hall's display; it reloads itself."""
    query, board = _load(request)
    if board is None:
        return _refused(request, query)
    return render(request, "statistics/big_screen.html", _context(board, page="statistics:big_screen"))


def _download(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=excel.CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


@role_required(PERMISSION)
def table_xlsx(request: AuthenticatedRequest, table: str) -> HttpResponse:
    """One table of the dashboard as an Excel workbook holding the numbers the page shows."""
    query, board = _load(request)
    if board is None:
        return _refused(request, query)
    found = next((t for t in board.tables if t.key == table), None)
    if found is None:
        raise Http404(_("No such table."))
    return _download(excel.table_workbook(dashboard=board, table=found), excel.download_name(board, found.title))


@role_required(PERMISSION)
def dashboard_xlsx(request: AuthenticatedRequest) -> HttpResponse:
    """Every table of the dashboard in one workbook, a sheet each."""
    query, board = _load(request)
    if board is None:
        return _refused(request, query)
    return _download(excel.dashboard_workbook(dashboard=board), excel.download_name(board, _("Statistics")))
