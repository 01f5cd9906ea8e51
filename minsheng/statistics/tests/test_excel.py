"""The Excel downloads, on hand-made dashboards: title, area, period, headers, the numbers the page shows."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import translation
from openpyxl import load_workbook

from minsheng.areas.models import Division
from minsheng.core.spreadsheets import text_cell
from minsheng.statistics import excel
from minsheng.statistics.selectors import Dashboard, Figure, Period, Table
from minsheng.statistics.views import cell_text

CITY = Division(code="321300000000", name="宿迁市", level="city")
COUNTY = Division(code="321302000000", name="宿城区", level="county", parent=CITY)

BY_AREA = Table(
    key="by_area",
    title="分地区保障对象",
    columns=["地区", "低保对象", "发放金额"],
    units=["text", "persons", "fen"],
    rows=[["=蔡集镇", 1_234, 123_456_789], ["王官集镇", 7, 5]],
    chart="bar",
    drill=["321302100000", None],
)
TRENDS = Table(
    key="trends",
    title="月度发放趋势",
    columns=["月份", "发放金额（元）"],
    units=["text", "fen"],
    rows=[["2026-01", 100], ["2026-02", None]],
    chart="line",
)


def _dashboard(*tables: Table) -> Dashboard:
    return Dashboard(
        area=COUNTY,
        trail=[CITY, COUNTY],
        period=Period(start=dt.date(2026, 1, 1), end=dt.date(2026, 6, 1)),
        figures=[
            Figure(key="dibao", label="低保对象", unit="persons", value=137_000, available=True, note=""),
            Figure(key="volunteers", label="注册志愿者", unit="persons", value=None, available=False, note="模块未建"),
            Figure(key="on_time_rate", label="按时办结率", unit="percent", value=None, available=True, note="无办结"),
        ],
        tables=list(tables),
    )


def _rows(content: bytes, sheet: str | None = None) -> list[list[Any]]:
    book = load_workbook(io.BytesIO(content))
    worksheet = book[sheet] if sheet else book.active
    assert worksheet is not None
    return [list(row) for row in worksheet.iter_rows(values_only=True)]


def test_a_table_downloads_with_title_area_period_headers_and_the_shown_numbers() -> None:
    with translation.override("zh-hans"):
        content = excel.table_workbook(dashboard=_dashboard(BY_AREA), table=BY_AREA)
        period = excel.period_label(_dashboard())
    rows = _rows(content)
    assert rows[:5] == [
        ["分地区保障对象", None, None],
        ["区域", "宿迁市 › 宿城区", None],
        ["统计期间", period, None],
        [None, None, None],
        ["地区", "低保对象", "发放金额（元）"],
    ]
    # Excel keeps numbers as floating point: yuan come back as floats with the fen exact.
    assert rows[5:] == [["'=蔡集镇", 1234, 1234567.89], ["王官集镇", 7, 0.05]]


def test_cells_carry_number_formats_and_text_stays_text() -> None:
    book = load_workbook(io.BytesIO(excel.table_workbook(dashboard=_dashboard(BY_AREA), table=BY_AREA)))
    sheet = book.active
    assert sheet is not None
    name, persons, money = sheet[excel.HEADER_ROW + 1]
    assert (name.data_type, name.value) == ("s", "'=蔡集镇")  # not a formula, and neutralised for editing too
    assert persons.number_format == "#,##0" and money.number_format == "#,##0.00"


def test_the_workbook_holds_what_the_page_shows() -> None:
    """The page's text of every cell is the Excel number written the page's way."""
    rows = _rows(excel.table_workbook(dashboard=_dashboard(BY_AREA), table=BY_AREA))[excel.HEADER_ROW :]
    for sheet_row, table_row in zip(rows, BY_AREA.rows, strict=True):
        shown = [cell_text(value, unit) for value, unit in zip(table_row, BY_AREA.units, strict=True)]
        assert [text_cell(shown[0]), *shown[1:]] == [sheet_row[0], f"{sheet_row[1]:,}", f"{sheet_row[2]:,.2f}"]
    assert cell_text(123_456_789, "fen") == "1,234,567.89" and cell_text(1_234, "persons") == "1,234"
    assert cell_text(None, "fen") == "—"


def test_a_heading_names_the_money_unit_once() -> None:
    with translation.override("zh-hans"):
        assert excel.column_heading("发放金额", "fen") == "发放金额（元）"
        assert excel.column_heading("发放金额（元）", "fen") == "发放金额（元）"
        assert excel.column_heading("低保对象", "persons") == "低保对象"


def test_all_tables_download_as_one_workbook_with_the_headline_figures_first() -> None:
    with translation.override("zh-hans"):
        content = excel.dashboard_workbook(dashboard=_dashboard(BY_AREA, TRENDS))
    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["主要指标", "分地区保障对象", "月度发放趋势"]
    figures = _rows(content, "主要指标")
    assert figures[excel.HEADER_ROW - 1 :] == [
        ["指标", "数值", "单位", "备注"],
        ["低保对象", 137_000, "人", None],
        ["注册志愿者", "暂无数据（模块未建）", None, "模块未建"],
        ["按时办结率", "—", None, "无办结"],
    ]
    assert _rows(content, "月度发放趋势")[excel.HEADER_ROW - 1 :] == [
        ["月份", "发放金额（元）"],
        ["2026-01", 1],
        ["2026-02", None],
    ]


def test_sheet_names_are_cut_to_excels_limit_and_kept_apart() -> None:
    taken: set[str] = set()
    long = "分" * 40
    assert excel._sheet_title(long, taken) == "分" * 31
    assert excel._sheet_title(long, taken) == "分" * 27 + " (2)"
    assert excel._sheet_title("a/b:c", taken) == "a b c"


def test_the_download_name_says_what_where_and_when() -> None:
    assert excel.download_name(_dashboard(), "分地区 保障对象") == "分地区_保障对象-宿城区-2026-01_2026-06.xlsx"
