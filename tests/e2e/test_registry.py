from __future__ import annotations

from typing import Any

import pytest

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.testing import PASSWORD, build_personas, make_household, make_person

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_window_clerk_finds_a_resident_by_sound_and_reveals_the_full_id(live_server: Any, page: Any) -> None:
    personas = build_personas()
    zhang = make_person(personas.village, "章伟", birth="1980-02-02")
    make_household(personas.village, zhang)

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", Role.TOWNSHIP_WINDOW)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("#my-roles")
    page.goto(f"{live_server.url}/people/")
    page.fill("#id_name", "张")  # sounds like 章
    page.click("main form[role=search] button[type=submit]")
    page.wait_for_selector("#person-table")
    assert page.locator("#person-table tbody td:first-child a").all_inner_texts() == ["章伟"]
    masked = page.locator("#person-table tbody td:nth-child(2)").inner_text()
    assert masked == zhang.id_masked and zhang.id_number not in page.content()

    page.click("#person-table tbody a")
    page.wait_for_selector("#person-data")
    page.fill("input[name=reason]", "受理核对")
    page.click("text=查看完整信息")
    page.wait_for_selector("[data-revealed=id_number]")  # swapped in by htmx, no page load
    assert page.locator("[data-revealed=id_number]").inner_text() == zhang.id_number
    event = AuditEvent.objects.unscoped().get(action="personal_data.viewed")
    assert (event.actor_username, event.reason, event.object_id) == (Role.TOWNSHIP_WINDOW, "受理核对", str(zhang.pk))
    assert page.console_errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "window-clerk-person.png"), full_page=True)
