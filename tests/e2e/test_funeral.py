"""Anyone, without an account, opens the cemetery price display in Chromium: the list of cemeteries, one cemetery's
prices in force with their cuts in per cent and the history of its filings; then reports a charge above the filed
price and gets a receipt number and the answer deadline. The strict policy blocks nothing; a screenshot is kept in
test-artifacts/funeral-public-cemetery.png."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.funeral.models import Complaint, FiledPrice, PriceFiling, PriceItem
from minsheng.funeral.tests.factories import facility
from minsheng.testing import build_personas

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _cemetery() -> Any:
    """A commercial cemetery with two accepted filings (2022 prices, cut in 2023), written straight to the tables."""
    personas = build_personas()
    cemetery = facility(
        personas.township, "commercial_cemetery", "宿城永安陵园", phone="0527-84390000", address="宿城区"
    )
    single = PriceItem.objects.unscoped().create(facility=cemetery, kind="plot", name="单穴墓", unit="座", sort_order=1)
    burial = PriceItem.objects.unscoped().create(
        facility=cemetery, kind="service", name="安葬服务费", unit="次", sort_order=2
    )
    staff, bureau = personas[Role.TOWNSHIP_WINDOW], personas[Role.COUNTY_APPROVER]
    for effective, prices in (
        (dt.date(2022, 1, 1), {single: (2_800_000, None), burial: (120_000, None)}),
        (dt.date(2023, 3, 1), {single: (1_960_000, 2_800_000), burial: (114_000, 120_000)}),
    ):
        filing = PriceFiling.objects.create(
            facility=cemetery,
            area_code=cemetery.area_code,
            effective_from=effective,
            status="accepted",
            submitted_by=staff,
            reviewed_by=bureau,
            reviewed_at=timezone.now(),
        )
        for item, (price, previous) in prices.items():
            FiledPrice.objects.create(filing=filing, item=item, price_fen=price, previous_fen=previous)
    return cemetery


def test_anyone_reads_a_cemeterys_filed_prices_and_reports_an_overcharge(live_server: Any, page: Any) -> None:
    cemetery = _cemetery()
    page.goto(f"{live_server.url}/funeral/public/")
    assert page.locator("h1").inner_text() == "公墓价格公示"
    page.click("#cemetery-table >> text=宿城永安陵园")
    page.wait_for_selector("#prices-in-force")
    assert page.locator("#cemetery-name").inner_text() == "宿城永安陵园"
    rows = [
        [cell.strip() for cell in row.locator("td").all_inner_texts()]
        for row in page.locator("#prices-in-force tbody tr").all()
    ]
    assert rows == [
        ["单穴墓（座）", "墓穴", "19,600.00", "2023-03-01", "↓30.0%"],
        ["安葬服务费（次）", "服务类", "1,140.00", "2023-03-01", "↓5.0%"],
    ]
    history = page.locator("#price-history h3").all_inner_texts()
    assert history == ["生效日期 2023-03-01", "生效日期 2022-01-01"]
    assert page.console_errors == []  # the strict policy blocked nothing
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "funeral-public-cemetery.png"), full_page=True)

    page.click("#report-link")
    page.wait_for_selector("#report-form")
    assert page.locator("#id_facility").input_value() == str(cemetery.pk)
    page.select_option("#id_kind", "above_filed")
    page.fill("#id_text", "单穴墓实际收取21000元，高于公示价格")
    page.fill("#id_charged", "21000")
    page.fill("#id_contact_name", "王先生")
    page.fill("#id_contact_phone", "13812345678")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#report-received")
    complaint = Complaint.objects.unscoped().get()
    assert page.locator("#receipt-number").inner_text() == complaint.receipt_number
    assert page.locator("#answer-due").inner_text() == complaint.answer_due.isoformat()
    assert complaint.charged_fen == 2_100_000
    assert page.console_errors == []
