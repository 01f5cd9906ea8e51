from __future__ import annotations

from typing import Any

import pytest

from minsheng.accounts.roles import Role
from minsheng.testing import PASSWORD, build_personas

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_village_worker_signs_in_and_sees_only_their_own_village(live_server: Any, page: Any) -> None:
    personas = build_personas()
    village = personas.village

    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    assert page.locator("h1").inner_text() == "登录"
    page.fill("#id_username", Role.VILLAGE_WORKER)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("#my-roles")
    assert village.name in page.locator("#my-roles").inner_text()

    page.click("#main-nav >> text=系统管理")  # the menu that holds it
    page.click("#main-nav >> text=行政区划")
    page.wait_for_selector("#division-q")
    # The browse list offers their village only; a search of the whole city finds nothing else.
    page.fill("#division-q", "3213")
    page.press("#division-q", "Enter")
    page.wait_for_selector("#division-results table")
    codes = page.locator("#division-results tbody td:first-child a").all_inner_texts()
    assert codes == [village.code]

    page.goto(f"{live_server.url}/areas/{personas.other_village.code}/")
    assert "页面不存在" in page.content()
    page.console_errors.clear()  # the 404 just asked for is the only error allowed
    page.goto(f"{live_server.url}/areas/{village.code}/")
    assert page.locator("#division-name").inner_text().startswith(village.name)
    # Assets came from the application itself, and the policy blocked nothing.
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.console_errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "village-worker-division.png"), full_page=True)
