"""一人一档 in the browser (issue 14 points 1 and 5): an intake prints its receipt, the inbox opens the application and
the person's file, and back; screenshots of the file saved."""

from __future__ import annotations

from typing import Any

import pytest

from minsheng.accounts.roles import Role
from minsheng.catalog.models import Item
from minsheng.intake.models import Application
from minsheng.testing import build_personas, make_household, make_person, pdf_text

from .conftest import ARTIFACTS
from .test_window import _sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_from_the_inbox_to_a_persons_file_and_back_with_the_receipt_printed(live_server: Any, browser: Any) -> None:
    personas = build_personas()
    person = make_person(personas.village, "李秀英", birth="1972-03-03")
    make_household(personas.village, person)
    school = Item.objects.get(number=30)

    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(page, live_server.url, Role.VILLAGE_WORKER)
    page.goto(f"{live_server.url}/window/applications/new/")
    page.fill("#id_id_number", person.id_number)
    page.check(f"#item-choices input[value='{school.pk}']")
    page.check(f"#material-choices input[value='{school.materials[0]}']")  # the rest is missing: a one-time notice
    page.click("main form button[type=submit]")  # 提交并打印回执
    page.wait_for_selector("#just-submitted")
    receipt = page.locator("#receipt-number").inner_text()
    assert receipt == Application.objects.unscoped().get().receipt_number

    # The receipt and the one-time notice open as PDFs holding the receipt number and the name.
    for link in ("#print-receipt", "#print-materials-notice"):
        href = page.locator(link).get_attribute("href")
        response = page.request.get(f"{live_server.url}{href}")
        assert response.ok and response.headers["content-type"] == "application/pdf"
        text = pdf_text(response.body())
        assert receipt in text and "李秀英" in text

    page.goto(f"{live_server.url}/window/inbox/")
    page.click(f"#inbox-table a:has-text('{receipt}')")  # the item's page
    page.wait_for_selector("#checklist")
    assert page.locator("#receipt-number").inner_text() == receipt
    page.go_back()
    page.wait_for_selector("#inbox-table")
    page.click("#inbox-table a:has-text('李秀英')")  # the person's file
    page.wait_for_selector("#person-file")
    applications = page.locator("#file-applications").inner_text()
    assert receipt in applications and school.name in applications
    # The change form comes when its section is opened (not built for every view of the file).
    assert page.locator("#person-change-body input[name=name]").count() == 0
    page.click("#person-change > summary")
    page.wait_for_selector("#person-change-body input[name=name]")
    assert page.locator("#person-change-body input[name=name]").input_value() == "李秀英"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "person-file.png"), full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=str(ARTIFACTS / "person-file-print.png"), full_page=True)
    assert not page.locator("nav.navbar").is_visible()
    page.emulate_media(media="screen")

    page.go_back()
    page.wait_for_selector("#inbox-table")
    assert receipt in page.locator("#inbox-table").inner_text()
