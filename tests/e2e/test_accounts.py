from __future__ import annotations

from typing import Any

import pytest

from minsheng.accounts.roles import Role
from minsheng.accounts.services import role_assignment_add, user_create
from minsheng.testing import build_personas

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_new_account_chooses_its_own_password_first_and_sees_its_sessions(live_server: Any, page: Any) -> None:
    personas = build_personas()
    admin = personas[Role.CITY_ADMIN]
    user = user_create(
        actor=admin, username="zhou.min", display_name="周敏", password="Initial-Pa55-word", home_area=personas.village
    )
    role_assignment_add(actor=admin, user=user, role=Role.VILLAGE_WORKER, division=personas.village)

    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "zhou.min")
    page.fill("#id_password", "Initial-Pa55-word")
    page.click("main button[type=submit]")
    page.wait_for_selector("#password-change-reason")
    assert page.url.endswith("/accounts/password/")
    page.goto(f"{live_server.url}/areas/")  # every page leads back here until the password is changed
    assert page.url.endswith("/accounts/password/")

    page.fill("#id_old_password", "Initial-Pa55-word")
    page.fill("#id_new_password1", "Bright-Harbour-42")
    page.fill("#id_new_password2", "Bright-Harbour-42")
    page.click("main button[type=submit]")
    page.wait_for_selector("#my-roles")
    assert "密码已修改" in page.content()

    page.click("#user-menu button")
    page.click("#user-menu >> text=我的会话")
    page.wait_for_selector("#session-table")
    rows = page.locator("#session-table tbody tr").all_inner_texts()
    assert len(rows) == 1 and "本会话" in rows[0]
    assert page.console_errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "accounts-sessions.png"), full_page=True)
