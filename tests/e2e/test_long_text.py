"""Long free text: the window's form says the limit and refuses more; an unbroken text of the limit wraps in its
list cell instead of widening the table past the page."""

from __future__ import annotations

from typing import Any

import pytest

from minsheng.accounts.roles import Role
from minsheng.core.limits import TEXT_MAX
from minsheng.intake.services import consultation_record
from minsheng.testing import PASSWORD, build_personas

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_unbroken_question_of_the_limit_wraps_in_the_consultation_list(live_server: Any, page: Any) -> None:
    personas = build_personas()
    consultation_record(
        actor=personas[Role.TOWNSHIP_WINDOW], topic="低" * 10 + "a" * (TEXT_MAX - 10), outcome="answered"
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", Role.TOWNSHIP_WINDOW)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("#my-roles")
    page.goto(f"{live_server.url}/window/consultations/")
    table = page.locator("#consultation-table").bounding_box()
    assert table is not None and table["x"] + table["width"] <= 1280  # no sideways scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    assert (
        f"最多 {TEXT_MAX} 个字" in page.locator("main form:has(textarea[name=topic])").inner_text()
    )  # the form says the limit
    assert page.locator("textarea[name=topic]").get_attribute("maxlength") == str(TEXT_MAX)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "consultations-long-text.png"), full_page=True)
    assert page.console_errors == []
