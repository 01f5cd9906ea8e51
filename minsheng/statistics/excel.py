"""Excel downloads of the dashboard's tables: one table as a workbook, or every table as one sheet each.

Each sheet starts with the table's title, the area (its trail from the top of the user's scope) and the period,
then the headers and the rows. The cells hold the numbers the page shows: money as yuan with two decimals
(the page's ``yuan`` format), persons and counts as whole numbers, percentages as the page's figure, each with a
number format so Excel displays them the way the page does. Text stays text: a name starting with "=" is never
read as a formula.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from minsheng.core.spreadsheets import safe_row, stable_workbook
from minsheng.statistics.indicators import PERCENT_SCALE

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

    from minsheng.statistics.selectors import Dashboard, Table

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Excel's number formats per unit of a column: what the clerk sees in the cell.
NUMBER_FORMATS = {
    "persons": "#,##0",
    "count": "#,##0",
    "person_times": "#,##0",
    "fen": "#,##0.00",
    "percent": "0.0",
}
# The first rows of a sheet: title, area, period, then a blank row; the headers are on the fifth.
HEADER_ROW = 5

# A fixed creation date, so that the same figures give the same file.
_STAMP = dt.datetime(2026, 1, 1)


def percent_number(value: Any) -> Decimal:
    """A percentage as the page shows it: the selectors' per mille integer 953 is 95.3 (%)."""
    return (Decimal(int(value)) / PERCENT_SCALE).quantize(Decimal("0.1"))


def cell_value(value: Any, unit: str) -> Any:
    """The value written to a cell: yuan for fen, the whole number for persons and counts, text as text."""
    if value is None:
        return None
    if unit == "fen":
        return (Decimal(value) / 100).quantize(Decimal("0.01"))
    if unit == "percent":
        return percent_number(value)
    if unit in NUMBER_FORMATS:
        return int(value)
    return str(value)


def column_heading(column: str, unit: str) -> str:
    """A column's heading with its unit, when the heading does not already name it ("发放金额（元）")."""
    if unit == "fen" and "元" not in column and "yuan" not in column:
        return _("%(column)s (yuan)") % {"column": column}
    if unit == "percent" and "%" not in column:
        return _("%(column)s (%%)") % {"column": column}
    return column


def area_label(dashboard: Dashboard) -> str:
    """ "宿迁市 › 宿城区": the trail to the area, or the area alone."""
    names = [division.name for division in dashboard.trail]
    if not names or names[-1] != dashboard.area.name:
        names.append(dashboard.area.name)
    return " › ".join(names)


def period_label(dashboard: Dashboard) -> str:
    period = dashboard.period
    label = getattr(period, "label", None)
    if callable(label):
        return str(label())
    return f"{period.start:%Y-%m} – {period.end:%Y-%m}"


def _sheet_title(title: str, taken: set[str]) -> str:
    """Excel allows 31 characters and none of []:*?/\\ in a sheet's name, and no two alike."""
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "Sheet"
    name, number = base, 2
    while name in taken:
        suffix = f" ({number})"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name)
    return name


def _write_table(sheet: Worksheet, dashboard: Dashboard, table: Table) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet.append(safe_row([table.title]))
    sheet.append(safe_row([_("Area"), area_label(dashboard)]))
    sheet.append(safe_row([_("Period"), period_label(dashboard)]))
    sheet.append([])
    sheet.append(
        safe_row(column_heading(column, unit) for column, unit in zip(table.columns, table.units, strict=True))
    )
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center")
    for row in table.rows:
        sheet.append(safe_row(cell_value(value, unit) for value, unit in zip(row, table.units, strict=True)))
        for cell, unit in zip(sheet[sheet.max_row], table.units, strict=True):
            if unit in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[unit]
            elif cell.value is not None:
                cell.data_type = "s"  # text stays text (a formula-like start is neutralised by safe_row)
                cell.number_format = "@"
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(40, 2 * len(column) + 4))
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)


def _save(book: Any) -> bytes:
    return stable_workbook(book, _STAMP)


def table_workbook(*, dashboard: Dashboard, table: Table) -> bytes:
    """One table of the dashboard as an .xlsx workbook."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _sheet_title(table.title, set())
    _write_table(sheet, dashboard, table)
    return _save(book)


def dashboard_workbook(*, dashboard: Dashboard) -> bytes:
    """Every table of the dashboard in one workbook, a sheet each, after a sheet of the headline figures."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    taken: set[str] = set()
    sheet.title = _sheet_title(_("Headline figures"), taken)
    sheet.append(safe_row([_("Headline figures")]))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(safe_row([_("Area"), area_label(dashboard)]))
    sheet.append(safe_row([_("Period"), period_label(dashboard)]))
    sheet.append([])
    sheet.append(safe_row([_("Figure"), _("Value"), _("Unit"), _("Note")]))
    for cell in sheet[HEADER_ROW]:
        cell.font = Font(bold=True)
    for figure in dashboard.figures:
        if not figure.available:
            sheet.append(safe_row([figure.label, _("Not available (module not built)"), None, figure.note]))
        elif figure.value is None:  # nothing to count, e.g. a rate with no item decided
            sheet.append(safe_row([figure.label, "—", None, figure.note]))
        else:
            sheet.append(
                safe_row([figure.label, cell_value(figure.value, figure.unit), unit_label(figure.unit), figure.note])
            )
            sheet.cell(row=sheet.max_row, column=2).number_format = NUMBER_FORMATS.get(figure.unit, "General")
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 18
    sheet.column_dimensions["D"].width = 48
    for table in dashboard.tables:
        _write_table(book.create_sheet(_sheet_title(table.title, taken)), dashboard, table)
    return _save(book)


def unit_label(unit: str) -> str:
    """The word after a figure: 人, 元, 件, %, 人次."""
    labels = {
        "persons": pgettext("unit", "persons"),
        "fen": pgettext("unit", "yuan"),
        "count": pgettext("unit", "items"),
        "percent": "%",
        "person_times": pgettext("unit", "person-times"),
    }
    return labels.get(unit, "")


def download_name(dashboard: Dashboard, title: str) -> str:
    """ "低保对象-宿城区-2026-01至2026-06.xlsx"."""
    period = dashboard.period
    stem = f"{title}-{dashboard.area.name}-{period.start:%Y-%m}_{period.end:%Y-%m}"
    return re.sub(r'[\\/:*?"<>|\s]+', "_", stem) + ".xlsx"
