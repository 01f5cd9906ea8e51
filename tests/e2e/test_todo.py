"""我的待办 in the browser (issue 14 point 4): an item submitted at a village window reaches the education
department's handler, whose header counts it; the to-do list shows it with its deadline and opens the item's page;
a screenshot of the list is saved, and one on a phone-sized window."""

from __future__ import annotations

from typing import Any

import pytest

from minsheng.accounts.roles import Role
from minsheng.catalog.models import Item
from minsheng.intake.services import ItemRequest, application_submit
from minsheng.testing import build_personas, make_household, make_person

from .conftest import ARTIFACTS
from .test_window import _sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_handler_finds_the_new_item_on_the_to_do_list_and_opens_it(live_server: Any, browser: Any) -> None:
    personas = build_personas()
    person = make_person(personas.village, "周晓梅", birth="2008-05-05")
    make_household(personas.village, person)
    school = Item.objects.get(number=30)
    application = application_submit(
        actor=personas[Role.VILLAGE_WORKER],
        person=person,
        requests=[ItemRequest(item=school, materials_provided=tuple(school.materials))],
        on_behalf=True,
    )
    case = application.cases.get()

    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(page, live_server.url, Role.DEPARTMENT_HANDLER)
    assert page.locator("#todo-count").inner_text() != ""
    page.click("#todo-link")
    page.wait_for_selector("#due-table")
    row = page.locator("#due-table tbody tr[data-kind=intake_receive]")
    assert row.count() == 1
    assert application.receipt_number in row.inner_text() or school.name in row.inner_text()
    assert case.deadline is not None and f"{case.deadline:%Y-%m-%d}" in row.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "todo.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "todo-phone.png"), full_page=True)
    row.locator("a").first.click()
    page.wait_for_selector("#checklist")
    assert page.locator("#receipt-number").inner_text() == application.receipt_number
