"""核对 for one household in the browser (issue 16 point 3): the township clerk files the request from the person's
file, the county's verification officer finds it on the to-do list, dispatches it, downloads the bank's query file,
uploads the bank's answer, and the report shows the asset row marked as differing and the conclusion."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.exchange.models import Verification
from minsheng.exchange.tests.factories import OFFICER, authorise, family
from minsheng.exchange.tests.test_verification import _declared
from minsheng.testing import build_personas, pdf_text

from .conftest import ARTIFACTS
from .test_window import _sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_township_requests_the_county_dispatches_the_bank_answers_and_the_report_shows_the_difference(
    live_server: Any, browser: Any
) -> None:
    p = build_personas()
    household, head, spouse, _child = family(p)
    authorise(p, household, [head, spouse])
    _declared(p, household, head, spouse)  # ¥6,000 of wages declared, no savings

    clerk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(clerk, live_server.url, Role.TOWNSHIP_WINDOW)
    clerk.goto(f"{live_server.url}/people/{head.pk}/")
    clerk.click("#verification-request")  # 申请家庭经济状况核对
    clerk.select_option("#id_purpose", "dibao")
    clerk.click("#verification-form button[type=submit]")
    clerk.wait_for_selector("#verification-number")
    number = clerk.locator("#verification-number").inner_text()
    verification = Verification.objects.unscoped().get()
    assert number == verification.number and verification.status == "submitted"
    assert "待核对中心受理" in clerk.locator("#verification-status").inner_text()

    officer = browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True
    ).new_page()
    _sign_in(officer, live_server.url, OFFICER)
    officer.click("#todo-link")
    officer.wait_for_selector("#due-table")
    officer.click(f"#due-table a:has-text('{number}')")
    officer.wait_for_selector("#dispatch-form")
    officer.click("#dispatch-form button[type=submit]")  # 发起核对查询
    officer.wait_for_selector("#query-table")
    assert "待反馈" in officer.locator("#query-financial_asset").inner_text()
    assert "已汇集的部门数据" in officer.locator("#query-vehicle").inner_text()  # answered at once from the feeds held

    with officer.expect_download() as download:
        officer.click("#query-financial_asset a.query-file")
    outbound = Path(download.value.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(outbound)))
    reference = f"{number}-financial_asset"
    assert {r["reference"] for r in rows} == {reference}
    assert sorted(r["id_number"] for r in rows) == sorted(m.id_number for m in (head, spouse, _child))
    assert AuditEvent.objects.unscoped().filter(action="exchange.query_file_read").count() == 1

    # The bank answers in its own layout, under the reference as the batch number: ¥80,000 in the head's account.
    as_of = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    balances = {head.id_number: "80000.00"}
    answer = "id_number,name,institution,kind,as_of,balance\n" + "".join(
        f"{r['id_number']},{r['name']},宿迁农商行,deposit,{as_of},{balances.get(r['id_number'], '0')}\n" for r in rows
    )
    officer.set_input_files(
        "#query-financial_asset input[type=file]",
        files=[{"name": f"{reference}.csv", "mimeType": "text/csv", "buffer": answer.encode("utf-8")}],
    )
    officer.click("#query-financial_asset button[type=submit]")  # 上传反馈
    officer.wait_for_selector("#comparison-table")

    asset = officer.locator("#item-asset")
    assert asset.get_attribute("data-differs") == "true"
    assert "80,000.00" in asset.inner_text() and "有差异" in asset.inner_text()
    assert officer.locator("#item-income").get_attribute("data-differs") is None
    assert "不符合" in officer.locator("#verification-conclusion").inner_text()
    assert "¥80,000.00" in officer.locator("#verification-findings").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    officer.screenshot(path=str(ARTIFACTS / "verification-report.png"), full_page=True)

    # The clerk sees the report, prints it (audited), and may file the family's objection.
    clerk.reload()
    clerk.wait_for_selector("#comparison-table")
    assert clerk.locator("#objection-form").is_visible()
    response = clerk.request.get(f"{live_server.url}{clerk.locator('#report-pdf').get_attribute('href')}")
    assert response.ok and response.body().startswith(b"%PDF")
    assert number in pdf_text(response.body())
    assert AuditEvent.objects.unscoped().filter(action="exchange.report_viewed", reason="打印核对报告（PDF）").exists()
