from __future__ import annotations

from typing import Any

import pytest

from minsheng.accounts.roles import Role
from minsheng.catalog.models import Item
from minsheng.intake.models import ItemCase
from minsheng.testing import PASSWORD, build_personas, make_household, make_person

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("#my-roles")


def test_a_village_window_intake_reaches_the_department_and_its_decision(live_server: Any, browser: Any) -> None:
    personas = build_personas()
    mother = make_person(personas.village, "李秀英", birth="1972-03-03")
    make_household(personas.village, mother)
    school = Item.objects.get(number=30)

    window = browser.new_context(locale="zh-CN").new_page()
    _sign_in(window, live_server.url, Role.VILLAGE_WORKER)
    window.goto(f"{live_server.url}/window/applications/new/")
    window.fill("#id_id_number", mother.id_number)
    window.check(f"#item-choices input[value='{school.pk}']")
    window.check("#id_on_behalf")
    for material in school.materials:
        window.check(f"#material-choices input[value='{material}']")
    window.click("main form button[type=submit]")
    window.wait_for_selector("#receipt-number")
    receipt = window.locator("#receipt-number").inner_text()
    assert "教育局" in window.locator("#case-table").inner_text()
    assert "办理中" in window.locator("#application-status").inner_text()

    department = browser.new_context(locale="zh-CN").new_page()
    _sign_in(department, live_server.url, Role.DEPARTMENT_HANDLER)
    department.goto(f"{live_server.url}/window/inbox/")
    assert receipt in department.locator("#inbox-table").inner_text()
    department.select_option("#inbox-table select[name=decision]", "grant")
    department.fill("#inbox-table input[name=reason]", "家庭经济困难，符合资助条件")
    department.click("#inbox-table button:has-text('审批')")
    department.wait_for_selector(".alert-success")

    window.reload()
    assert "全部办结" in window.locator("#application-status").inner_text()
    assert "家庭经济困难，符合资助条件" in window.locator("#case-table").inner_text()
    assert ItemCase.objects.unscoped().get().status == "granted"
    ARTIFACTS.mkdir(exist_ok=True)
    window.screenshot(path=str(ARTIFACTS / "window-receipt-decided.png"), full_page=True)
