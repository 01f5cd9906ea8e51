"""A children's director's visit on a phone-sized window (issue 19): the director finds the red child on the list of
children in difficulty, opens the file, records the visit, and the next visit is due a month later; the same on the
shared phone page (kind ``children.visit``); a village worker of the same village is refused the file."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.children.models import CaseVisit, Child
from minsheng.children.module import DIRECTOR
from minsheng.children.tests.factories import child_case
from minsheng.testing import build_personas

from .conftest import ARTIFACTS
from .test_window import _sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_director_records_a_visit_on_a_phone(live_server: Any, browser: Any) -> None:
    personas = build_personas()
    today = timezone.localdate()
    child = child_case(personas, colour="red", next_visit_due=today + dt.timedelta(days=2), opened_on=today)

    context = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    _sign_in(page, live_server.url, DIRECTOR)
    page.goto(f"{live_server.url}/children/")
    row = page.locator("#child-table tbody tr[data-colour=red]")
    assert "李**" in row.inner_text()
    row.locator("a").first.click()
    page.wait_for_selector("#visit-form")
    assert "李小花" in page.locator("#child-name").inner_text()
    page.fill("#visit-form textarea, #visit-form input[name=note]", "孩子在家，外婆照料，学习正常")
    page.locator("#visit-form button[type=submit]").click()
    page.wait_for_selector("#visits li")
    assert (today + dt.timedelta(days=30)).isoformat() in page.locator("#child-due").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "child-visit-phone.png"), full_page=True)
    visit = CaseVisit.objects.get(child=child, visit_id__isnull=True)
    assert (visit.visited_on, visit.on_time, visit.colour) == (today, True, "red")
    # unscoped: the test reads back its own case
    assert Child.objects.unscoped().get(pk=child.pk).next_visit_due == today + dt.timedelta(days=30)

    # The shared phone page: from the file's link, check in, answer, save; the visit arrives and the case moves on.
    page.click("#visit-phone-link")
    page.wait_for_selector("#visit-form[data-ready=ready]")
    assert "困境儿童走访" in page.locator("#visit-subject").inner_text()
    assert "李小花" not in page.content()
    client_uuid = page.locator("#visit-uuid").input_value()
    page.click("#checkin-button")
    page.select_option("#answer-safety", "safe")
    page.select_option("#answer-school", "attending")
    page.click("#visit-save")
    page.wait_for_selector("#visit-state[data-state=sent]", timeout=20000)
    assert "下次应在" in page.locator("#visit-state").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "child-visit-phone-page.png"), full_page=True)
    from minsheng.monitoring.models import Visit

    # unscoped: the test reads what the platform received
    phone_visit = Visit.objects.unscoped().get(client_uuid=client_uuid)
    assert (phone_visit.kind, phone_visit.subject_id) == ("children.visit", child.pk)
    assert CaseVisit.objects.filter(child=child, visit_id=phone_visit.pk).count() == 1

    # A village worker of the same village, without the director's role, is refused the file.
    other = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    worker = other.new_page()
    _sign_in(worker, live_server.url, Role.VILLAGE_WORKER)
    response = worker.goto(f"{live_server.url}/children/{child.pk}/")
    assert response is not None and response.status == 403
    context.close()
    other.close()
