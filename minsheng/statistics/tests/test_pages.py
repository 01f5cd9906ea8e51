"""The statistics pages on a small known caseload: the numbers shown, the drill-down links, scope, the Excel
downloads holding the shown numbers, errors for bad input, and a query-count baseline.

The caseload, all paying from January 2026: in the reference village a 低保 household of three and a 低保 person
alone, paid ¥1,560.00 for January by the bank; in a village of another township of 宿城区 one 特困 person; in
沭阳县 a 低保 household of two.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from minsheng.accounts.models import RoleAssignment, User
from minsheng.accounts.roles import Role
from minsheng.areas.models import Division
from minsheng.payments.models import PaymentLine, PayrollBatch
from minsheng.payments.tests.factories import enrol, payee
from minsheng.statistics import excel, indicators, refresh
from minsheng.testing import Personas

pytestmark = pytest.mark.django_db

JANUARY = dt.date(2026, 1, 1)
QUERY = {"start": "2026-01", "end": "2026-06"}


def _other_township_village(p: Personas) -> Division:
    # Test set-up is a system job: it picks areas from the whole table.
    township = Division.objects.all().filter(parent=p.county, level="township").exclude(pk=p.township.pk)[0]
    return Division.objects.all().filter(parent=township, level="village").order_by("code")[0]


@pytest.fixture
def caseload(personas: Personas) -> dict[str, Any]:
    p = personas
    household_of_three = enrol(payee(p.village, "李明"), covered=3, first_month=JANUARY)
    enrol(payee(p.village, "李红"), covered=1, first_month=JANUARY)
    far = _other_township_village(p)
    enrol(payee(far, "周强"), "tekun", 120_000, covered=1, first_month=JANUARY)
    enrol(payee(p.other_village, "吴刚"), covered=2, first_month=JANUARY)
    batch = PayrollBatch.objects.create(area_code=p.county.code, programme="dibao", period=JANUARY)
    PaymentLine.objects.create(
        batch=batch,
        benefit=household_of_three,
        payee=household_of_three.payee,
        area_code=p.village.code,
        period=JANUARY,
        amount_fen=156_000,
        status=PaymentLine.Status.PAID,
    )
    refresh.cells_rebuild()
    return {"far": far}


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name: str = "statistics:dashboard", area: Division | None = None, **kwargs: str) -> str:
    """The address the pages link to: area (when named), then the months."""
    query = {"area": area.code} if area is not None else {}
    return reverse(name, kwargs=kwargs or None) + "?" + urlencode({**query, **QUERY})


class _Tables(HTMLParser):
    """The text of every cell of every statistics table, by table key; the link of each row's first cell."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.links: dict[str, list[str | None]] = {}
        self.figures: dict[str, str] = {}
        self._table: str | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._figure: str | None = None
        self._number: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        table = values.get("data-table")
        if tag == "section" and table:
            self._table = table
            self.tables[table], self.links[table] = [], []
        elif tag == "div" and values.get("data-figure"):
            self._figure = values["data-figure"]
        elif tag == "span" and self._figure and "stats-number" in (values.get("class") or ""):
            self._number = []
        elif self._table and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("td", "th"):
            self._cell = []
        elif self._row is not None and tag == "a" and not self._row and self._table:
            self.links[self._table].append(values.get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            if self._row and len(self.links[self._table]) < len(self.tables[self._table]):
                self.links[self._table].append(None)
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "span" and self._number is not None and self._figure:
            self.figures[self._figure] = "".join(self._number).strip()
            self._number, self._figure = None, None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._number is not None:
            self._number.append(data)


def _page(response: Any) -> _Tables:
    assert response.status_code == 200, response.content[:300]
    parser = _Tables()
    parser.feed(response.content.decode())
    return parser


def _body(parsed: _Tables, key: str) -> list[list[str]]:
    """A table's rows without its header."""
    return parsed.tables[key][1:]


def test_the_city_sees_its_figures_and_one_row_per_county(personas: Personas, caseload: dict[str, Any]) -> None:
    p = personas
    response = _client(p[Role.CITY_ADMIN]).get(_url())
    page = _page(response)
    assert page.figures["dibao_persons"] == "6"
    assert page.figures["tekun_persons"] == "1"
    assert page.figures["paid_total"] == "1,560.00"
    # The selector's headings, money columns marked as yuan.
    table = next(t for t in response.context["dashboard"].tables if t.key == "by_area")
    headings = page.tables["by_area"][0]
    assert headings[:5] == table.columns[:5] and headings[7] == table.columns[7]
    assert headings[5:7] == [f"{table.columns[5]}（元）", f"{table.columns[6]}（元）"]
    rows = {row[0]: row[1:] for row in _body(page, "by_area")}
    assert rows[p.county.name] == ["4", "1", "0", "0", "1,560.00", "0.00", "0"]
    assert rows[p.other_county.name] == ["2", "0", "0", "0", "0.00", "0.00", "0"]
    assert len(rows) == Division.objects.all().filter(parent=p.city).count()
    assert _body(page, "monthly_paid")[0] == ["2026年1月", "1,560.00", "1,560.00"]


def test_every_published_figure_has_a_number_now(personas: Personas, caseload: dict[str, Any]) -> None:
    """Every module of the published table is built: no card says 暂无数据（模块未建） (the section of figures of
    modules not built is left out), and the elderly-care card has its number (no facility in the caseload: 0)."""
    response = _client(personas[Role.CITY_ADMIN]).get(_url())
    html = response.content.decode()
    assert "暂无数据（模块未建）" not in html and 'id="stats-missing"' not in html
    assert _page(response).figures["care_institutions"] == "0"


def test_a_rate_with_nothing_to_divide_shows_a_dash_not_a_missing_module(
    personas: Personas, caseload: dict[str, Any]
) -> None:
    response = _client(personas[Role.CITY_ADMIN]).get(_url())
    assert _page(response).figures["on_time_rate"] == "—"  # no item decided in the caseload
    assert "暂无数据（模块未建）" not in response.content.decode()


def test_each_area_row_links_to_the_next_level_down(personas: Personas, caseload: dict[str, Any]) -> None:
    p = personas
    client = _client(p[Role.CITY_ADMIN])
    city = _page(client.get(_url()))
    county_row = [row[0] for row in _body(city, "by_area")].index(p.county.name)
    assert city.links["by_area"][county_row] == _url(area=p.county)

    county = _page(client.get(_url(area=p.county)))
    rows = {row[0]: row[1:] for row in _body(county, "by_area")}
    assert rows[p.township.name][:2] == ["4", "0"]
    assert rows[caseload["far"].parent.name][:2] == ["0", "1"]
    township_row = [row[0] for row in _body(county, "by_area")].index(p.township.name)
    assert county.links["by_area"][township_row] == _url(area=p.township)

    township = _page(client.get(_url(area=p.township)))
    village_row = [row[0] for row in _body(township, "by_area")].index(p.village.name)
    assert township.links["by_area"][village_row] == _url(area=p.village)

    village = _page(client.get(_url(area=p.village)))
    assert _body(village, "by_area") == [[p.village.name, "4", "0", "0", "0", "1,560.00", "0.00", "0"]]
    assert village.links["by_area"] == [None]  # nothing below a village
    html = client.get(_url(area=p.village)).content.decode()
    trail = re.search(r'<ol class="breadcrumb[^>]*>(.*?)</ol>', html, re.S)
    assert trail is not None
    assert re.findall(r'data-area="(\d{12})"', trail.group(1)) == [
        p.city.code,
        p.county.code,
        p.township.code,
        p.village.code,
    ]


def test_a_county_user_sees_only_the_county(personas: Personas, caseload: dict[str, Any]) -> None:
    p = personas
    client = _client(p[Role.COUNTY_APPROVER])
    own = client.get(_url())
    assert own.status_code == 200 and own.context["dashboard"].area == p.county
    assert client.get(_url(area=p.other_county)).status_code == 404
    assert client.get(_url(area=p.city)).status_code == 404
    assert client.get(_url("statistics:table_xlsx", area=p.other_county, table="by_area")).status_code == 404
    assert client.get(_url("statistics:big_screen", area=p.other_county)).status_code == 404
    village = _client(p[Role.VILLAGE_WORKER]).get(_url())
    assert village.context["dashboard"].area == p.village
    assert _client(p[Role.DEPARTMENT_HANDLER]).get(_url()).status_code == 403


def test_a_user_serving_two_counties_switches_between_them(personas: Personas, caseload: dict[str, Any]) -> None:
    p = personas
    approver = p[Role.COUNTY_APPROVER]
    RoleAssignment.objects.create(user=approver, role=Role.COUNTY_APPROVER, division=p.other_county)
    client = _client(approver)
    response = client.get(_url())
    assert response.status_code == 200 and response.context["dashboard"].area == p.county
    assert [top["url"] for top in response.context["tops"]] == [_url(area=p.county), _url(area=p.other_county)]
    other = _page(client.get(_url(area=p.other_county)))
    assert other.figures["dibao_persons"] == "2"
    assert "tops" not in _client(p[Role.CITY_ADMIN]).get(_url()).context


def _xlsx_rows(content: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _as_shown(value: Any, unit: str) -> str:
    """An Excel cell written the page's way."""
    if unit == "fen":
        return f"{value:,.2f}"
    if unit in ("persons", "count", "person_times"):
        return f"{value:,}"
    return str(value)


def test_the_excel_download_holds_exactly_the_numbers_shown(personas: Personas, caseload: dict[str, Any]) -> None:
    p = personas
    client = _client(p[Role.CITY_ADMIN])
    page = _page(client.get(_url(area=p.county)))
    response = client.get(_url("statistics:table_xlsx", area=p.county, table="by_area"))
    assert response.status_code == 200
    assert response["Content-Type"] == excel.CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    rows = _xlsx_rows(response.content)
    assert rows[0][0] == "分地区统计"
    assert rows[1][:2] == ["区域", f"{p.city.name} › {p.county.name}"]
    assert rows[2][:2] == ["统计期间", "2026年1月—6月"]
    assert [str(c) for c in rows[excel.HEADER_ROW - 1]] == page.tables["by_area"][0]
    units = ["text", "persons", "persons", "persons", "persons", "fen", "fen", "count"]
    shown = [[_as_shown(v, u) for v, u in zip(row, units, strict=True)] for row in rows[excel.HEADER_ROW :]]
    assert shown == _body(page, "by_area")
    assert [p.township.name, "4", "0", "0", "0", "1,560.00", "0.00", "0"] in shown


def test_all_tables_download_as_one_workbook(personas: Personas, caseload: dict[str, Any]) -> None:
    response = _client(personas[Role.CITY_ADMIN]).get(_url("statistics:dashboard_xlsx"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "主要指标"
    # The headline figures, the statistics' own six tables and those the modules declare.
    assert len(book.sheetnames) == 1 + 6 + len(indicators.tables())
    rows = list(book["主要指标"].iter_rows(min_row=excel.HEADER_ROW + 1, values_only=True))
    with translation.override("zh-hans"):
        labels = {h.key: str(h.label) for h in (*indicators.headlines(), *indicators.unavailable())}
    figures = {row[0]: row[1] for row in rows}
    assert figures[labels["dibao_persons"]] == 6 and figures[labels["paid_total"]] == 1560
    assert figures[labels["care_institutions"]] == 0
    assert [row[0] for row in rows] == list(labels.values())


def test_an_unknown_table_is_not_found(personas: Personas, caseload: dict[str, Any]) -> None:
    url = reverse("statistics:table_xlsx", kwargs={"table": "nonsense"})
    assert _client(personas[Role.CITY_ADMIN]).get(url, QUERY).status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-13", "end": "2026-06"}, "月份格式为“年-月”，例如 2023-06。"),
        ({"start": "abc", "end": "2026-06"}, "月份格式为“年-月”，例如 2023-06。"),
        ({"start": "0000-01", "end": "2026-06"}, "月份格式为“年-月”，例如 2023-06。"),
        ({"start": "²⁰²⁶-01", "end": "2026-06"}, "月份格式为“年-月”，例如 2023-06。"),
        ({"start": "2026-01", "end": "9999-12"}, "不能统计尚未开始的月份。"),
        ({"start": "2026-06", "end": "2026-01"}, "起始月晚于截止月。"),
        ({"start": "2026-01", "end": "2099-01"}, "不能统计尚未开始的月份。"),
        ({"area": "32130", **QUERY}, "地区须为 12 位统计用区划代码。"),
        ({"area": "abcdefghijkl", **QUERY}, "地区须为 12 位统计用区划代码。"),
    ],
)
def test_bad_input_gets_the_form_back_with_the_reason(personas: Personas, query: dict[str, str], message: str) -> None:
    client = _client(personas[Role.CITY_ADMIN])
    for name in ("statistics:dashboard", "statistics:big_screen", "statistics:dashboard_xlsx"):
        response = client.get(reverse(name), query)
        assert response.status_code == 400, name
        html = response.content.decode()
        assert message in html and 'id="stats-errors"' in html and 'id="stats-period-form"' in html


def test_every_reason_shows_at_once_and_a_wrong_area_is_not_sent_again(personas: Personas) -> None:
    response = _client(personas[Role.CITY_ADMIN]).get(
        reverse("statistics:dashboard"), {"area": "3213", "start": "2026-09", "end": "2026-03"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "地区须为 12 位统计用区划代码。" in html and "起始月晚于截止月。" in html
    assert 'name="area"' not in html


def test_an_area_that_does_not_exist_is_not_found(personas: Personas) -> None:
    client = _client(personas[Role.CITY_ADMIN])
    assert client.get(reverse("statistics:dashboard"), {"area": "321399999999"}).status_code == 404


def test_the_big_screen_shows_the_figures_and_loads_its_script_from_a_file(
    personas: Personas, caseload: dict[str, Any]
) -> None:
    p = personas
    response = _client(p[Role.CITY_ADMIN]).get(_url("statistics:big_screen", area=p.county))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="big-screen"' in html and 'data-refresh-seconds="300"' in html
    assert _page(response).figures["dibao_persons"] == "4"
    # Strict CSP: every script is a file or JSON data, no style attribute anywhere.
    assert re.findall(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))", html) == []
    assert " style=" not in html
    assert f'href="{_url("statistics:dashboard", area=p.county)}' in html.replace("&amp;", "&")


def test_the_dashboard_passes_chart_data_as_json(personas: Personas, caseload: dict[str, Any]) -> None:
    p = personas
    response = _client(p[Role.CITY_ADMIN]).get(_url(area=p.county))
    charts = {chart["key"]: chart for chart in response.context["charts"]}
    # A table without rows draws no chart: no item was received by any department, no warning raised (the warnings
    # by area and the volunteers by area have a row per township all the same).
    assert set(charts) == {
        "monthly_paid",
        "by_area",
        "programme_mix",
        "monthly_caseload",
        "monthly_window",
        "warnings_by_area",
        "volunteers_by_area",
        "care_by_area",
    }
    by_area = charts["by_area"]
    index = by_area["categories"].index(p.township.name)
    assert by_area["series"][0]["data"][index] == 4
    assert by_area["drill"][index] == _url(area=p.township).replace("?", f"?area={p.township.code}&", 1).replace(
        f"&area={p.township.code}", ""
    )
    html = response.content.decode()
    assert 'id="stats-charts" type="application/json"' in html and " style=" not in html


def test_the_dashboard_reads_in_a_fixed_number_of_queries(
    personas: Personas, caseload: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = _client(personas[Role.CITY_ADMIN])
    client.get(_url())  # warm the session and the refresh state
    # Session, user, roles, area, refresh state, audit log, cells, children, notices, session save (with its
    # savepoint and release): none of them grows with the areas or the months shown.
    with django_assert_max_num_queries(12):
        assert client.get(_url()).status_code == 200
