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
    # No reason, no numbers: the browser holds the form back, and the server refuses it when a browser does not.
    page.fill("#reveal-reason", "   ")
    page.click("text=查看完整信息")
    assert page.locator("#reveal-reason:invalid").count() == 1
    page.evaluate("document.getElementById('reveal-reason').removeAttribute('pattern')")
    page.click("text=查看完整信息")
    page.wait_for_selector("#reveal-errors")  # the 400's reason, swapped in (data-swap-errors)
    assert "请说明查看完整号码的理由。" in page.locator("#reveal-errors").inner_text()
    assert zhang.id_number not in page.content()
    assert [e for e in page.console_errors if "status of 400" not in e] == []  # the browser logs the refusal
    page.console_errors.clear()
    page.fill("#reveal-reason", "受理核对")
    page.click("text=查看完整信息")
    page.wait_for_selector("[data-revealed=id_number]")  # swapped in by htmx, no page load
    assert page.locator("[data-revealed=id_number]").inner_text() == zhang.id_number
    event = AuditEvent.objects.unscoped().get(action="personal_data.viewed")
    assert (event.actor_username, event.reason, event.object_id) == (Role.TOWNSHIP_WINDOW, "受理核对", str(zhang.pk))
    assert page.console_errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "window-clerk-person.png"), full_page=True)
