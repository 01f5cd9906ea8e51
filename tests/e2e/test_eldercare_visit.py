"""A provider's worker records a care visit on a phone-sized window (issue 18): the visit list shows only the
provider's old people with what the visit needs; the form records check-in and check-out, the SOP steps, the
satisfaction and a note to the family; the visit arrives once, verified, and the list moves on."""

from __future__ import annotations

from typing import Any

import pytest

from minsheng.eldercare.models import OrderLine, ServiceVisit
from minsheng.eldercare.module import STAFF
from minsheng.eldercare.tests.factories import scenario
from minsheng.testing import build_personas

from .conftest import ARTIFACTS
from .test_window import _sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_provider_worker_records_a_visit_on_a_phone(live_server: Any, browser: Any) -> None:
    personas = build_personas()
    s = scenario(personas)
    elder = s["elder"]
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    _sign_in(page, live_server.url, STAFF)

    page.goto(f"{live_server.url}/eldercare/visits/")
    lines = page.locator("#visit-lines li")
    assert lines.count() == 1
    text = lines.first.inner_text()
    assert elder.name in text and elder.id_masked in text and "探访关爱" in text and "0/1" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    lines.first.locator("a").click()
    page.wait_for_selector("#visit-form")
    assert elder.id_masked in page.locator("#visit-subject").inner_text()
    for step in ("identity", "health", "safety"):
        page.check(f"#visit-form input[name=steps][value={step}]")
    page.select_option("#id_satisfaction", "5")
    page.fill("#id_family_note", "老人精神好，冰箱里食物充足。")
    page.fill("#id_latitude", "33.963000")
    page.fill("#id_longitude", "118.275000")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "eldercare-visit-phone.png"), full_page=True)
    page.click("#visit-save")
    page.wait_for_selector("#visit-lines")
    assert "服务已记录" in page.content()
    assert "暂无待上门服务" in page.locator("#visit-lines").inner_text()

    visit = ServiceVisit.objects.unscoped().get()
    assert (visit.line_id, visit.status, visit.flags, visit.satisfaction) == (s["line"].pk, "verified", [], 5)
    assert visit.steps == ["identity", "health", "safety"]
    assert visit.family_note == "老人精神好，冰箱里食物充足。"
    assert OrderLine.objects.unscoped().get(pk=s["line"].pk).owed == 1
    assert errors == []
    context.close()
