"""A city analyst opens the statistics, drills from the city to a village by clicking (a bar of the chart, then the
area links), downloads a table as Excel and finds in it exactly the numbers the page shows; screenshots of the
dashboard and of the big screen are kept in test-artifacts/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from minsheng.accounts.roles import Role
from minsheng.areas.models import Division
from minsheng.payments.tests.factories import enrol, payee
from minsheng.statistics import refresh
from minsheng.statistics.tests import records
from minsheng.testing import PASSWORD, Personas, build_personas

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PERIOD = "start=2026-01&end=2026-06"
# Where the middle of a bar of the by-area chart is, from the layout ECharts gave the bar.
BAR_POINT = """(name) => {
  const element = document.getElementById("chart-by_area");
  element.scrollIntoView({block: "center", behavior: "instant"});
  const spec = JSON.parse(document.getElementById("stats-charts").textContent).find((s) => s.key === "by_area");
  const chart = echarts.getInstanceByDom(element);
  const bar = chart.getModel().getSeriesByIndex(0).getData().getItemLayout(spec.categories.indexOf(name));
  const box = element.getBoundingClientRect();
  return [box.left + bar.x + bar.width / 2, box.top + bar.y + bar.height / 2];
}"""


def _caseload(p: Personas) -> None:
    """The recount records, and a few 低保 households in the first village of every other county, so that the
    city's chart has something to show."""
    records.build(p)
    # Test set-up is a system job: it picks areas from the whole table.
    divisions = Division.objects.all()
    for number, county in enumerate(divisions.filter(parent=p.city).exclude(pk=p.county.pk).order_by("code")):
        village = divisions.filter(code__startswith=county.code[:6], level="village").order_by("code").first()
        assert village is not None
        for index in range(2 + 3 * (number % 3)):
            enrol(payee(village, f"测试{number}{index}"), covered=1 + index % 3, first_month=dt.date(2026, 1, 1))
    refresh.cells_rebuild()


def _rows(page: Any, table: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in row.locator("th, td").all_inner_texts()]
        for row in page.locator(f"#table-{table} tbody tr").all()
    ]


def _shown(value: Any, heading: str) -> str:
    """An Excel cell written as the page writes it: yuan (a heading ending in 元) with two decimals, thousands
    separated. Excel keeps numbers as floating point, so a whole yuan comes back as an integer."""
    if heading.endswith("（元）"):
        return f"{value:,.2f}"
    if isinstance(value, int | float):
        return f"{value:,}"
    return str(value)


def _as_shown(rows: list[list[Any]], headings: list[str]) -> list[list[str]]:
    return [[_shown(value, heading) for value, heading in zip(row, headings, strict=True)] for row in rows]


def _wait_for_charts(page: Any) -> None:
    page.wait_for_selector("#chart-by_area[data-ready=true]")


def test_a_city_analyst_drills_down_to_a_village_and_downloads_the_shown_numbers(
    live_server: Any, page: Any, tmp_path: Path
) -> None:
    p = build_personas()
    _caseload(p)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", Role.CITY_ADMIN)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("#my-roles")
    page.click("#main-nav >> text=统计分析")
    page.wait_for_selector("#stats-title")
    page.goto(f"{live_server.url}/statistics/?{PERIOD}")
    _wait_for_charts(page)
    assert page.locator("#stats-title").inner_text() == f"{p.city.name}民政统计"
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(600)  # the charts' opening animation
    page.screenshot(path=str(ARTIFACTS / "statistics-dashboard.png"), full_page=True)

    # City → county: a click on the county's bar in the chart.
    x, y = page.evaluate(BAR_POINT, p.county.name)
    with page.expect_navigation():
        page.mouse.click(x, y)
    _wait_for_charts(page)
    assert page.locator("#stats-title").inner_text() == f"{p.county.name}民政统计"
    assert page.url.endswith(f"/statistics/?area={p.county.code}&{PERIOD}")

    # County → township → village: the area links of the table.
    for area in (p.township, p.village):
        page.locator("#table-by_area a.stats-drill", has_text=area.name).first.click()
        page.wait_for_selector(f"#stats-trail [aria-current=page][data-area='{area.code}']")
    assert page.locator("#stats-trail li").all_inner_texts() == [
        p.city.name,
        p.county.name,
        p.township.name,
        p.village.name,
    ]
    shown = _rows(page, "by_area")
    assert shown[0][0] == p.village.name and shown[0][1] == "3"  # 张伟's household of three

    with page.expect_download() as download:
        page.click("[data-download=by_area]")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    sheet = load_workbook(saved).active
    assert sheet is not None
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[1][1] == " › ".join([p.city.name, p.county.name, p.township.name, p.village.name])
    headers = [h.strip() for h in page.locator("#table-by_area thead th").all_inner_texts()]
    assert [str(c) for c in cells[4]] == headers
    assert _as_shown(cells[5:], headers) == shown

    # Another table of the village: the monthly payments, money to the fen.
    with page.expect_download() as download:
        page.click("[data-download=monthly_paid]")
    saved = tmp_path / "monthly.xlsx"
    download.value.save_as(saved)
    monthly = load_workbook(saved).active
    assert monthly is not None
    monthly_rows = [list(row) for row in monthly.iter_rows(values_only=True)]
    headings = [h.strip() for h in page.locator("#table-monthly_paid thead th").all_inner_texts()]
    assert [str(c) for c in monthly_rows[4]] == headings
    assert _as_shown(monthly_rows[5:], headings) == _rows(page, "monthly_paid")
    assert page.console_errors == []


def test_the_big_screen_draws_every_chart_in_the_dark(live_server: Any, page: Any) -> None:
    p = build_personas()
    _caseload(p)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", Role.CITY_ADMIN)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("#my-roles")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server.url}/statistics/?{PERIOD}")
    page.click("#stats-big-screen")
    page.wait_for_selector("body.big-screen #chart-by_area[data-ready=true]")
    charts = page.locator(".big-screen-chart")
    assert charts.count() == page.locator(".big-screen-chart[data-ready=true]").count() > 0
    assert page.locator("[data-figure=dibao_persons] .stats-number").inner_text() != ""
    page.wait_for_timeout(600)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "statistics-big-screen.png"), full_page=True)
    assert page.console_errors == []
