"""A 低保 application in Chromium, from the village window to enrolment: the village worker records the household's
economic status and applies on the family's behalf; the township investigates, verifies, reviews and posts the
public notice; eight days later the notice is closed and the county approves. The benefit row is checked at the end.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.assistance.benefits.models import Benefit
from minsheng.assistance.procedure.models import ProgrammeCase
from minsheng.catalog.models import Item
from minsheng.core.months import first_day_of_next_month
from minsheng.intake.models import ItemCase
from minsheng.testing import PASSWORD, build_personas, make_household, make_person

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(browser: Any, url: str, username: str) -> Any:
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 1000}).new_page()
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("#my-roles")
    return page


def _submit(page: Any, form: str) -> None:
    """Submit a form and insist that the page reports success."""
    with page.expect_navigation():
        page.click(f"{form} button[type=submit]")
    errors = page.locator(".alert-danger, .invalid-feedback").all_inner_texts()
    assert errors == [], errors


def _stage(page: Any) -> str:
    return str(page.get_attribute("#case-stage", "data-stage"))


def test_a_dibao_application_from_the_village_window_to_enrolment(
    live_server: Any, browser: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    personas = build_personas()
    head = make_person(personas.village, "张建国", birth="1970-05-01")
    spouse = make_person(personas.village, "李桂兰", birth="1972-08-09")
    son = make_person(personas.village, "张磊", birth="1998-01-15")
    household = make_household(personas.village, head, (spouse, "spouse"), (son, "child"))
    dibao = Item.objects.get(number=1)
    today = timezone.localdate()
    url = live_server.url

    # The village station: the household's economic status (assistance:household_means), then the application.
    village = _sign_in(browser, url, Role.VILLAGE_WORKER)
    village.goto(f"{url}/assistance/households/{household.pk}/means/")
    village.fill("#form-new input[name=window_end]", today.replace(day=1).isoformat())
    _submit(village, "#form-new")
    village.click("details:has(#form-income) > summary")
    village.select_option("#form-income select[name=person]", str(son.pk))
    village.select_option("#form-income select[name=kind]", "wage")
    village.fill("#form-income input[name=amount]", "14400")
    village.fill("#form-income input[name=description]", "外出务工")
    _submit(village, "#form-income")
    village.fill("#form-authorisation input[name=serial]", "SQ-2026-000123")
    village.fill("#form-authorisation input[name=signed_on]", today.isoformat())
    for box in village.locator("#form-authorisation input[name=signers]").all():
        box.check()
    _submit(village, "#form-authorisation")
    assert "SQ-2026-000123" in village.locator("#authorisation").inner_text()

    village.goto(f"{url}/window/applications/new/")
    village.fill("#id_id_number", head.id_number)
    village.check(f"#item-choices input[value='{dibao.pk}']")
    village.check("#id_on_behalf")
    for material in dibao.materials:
        village.check(f"#material-choices input[value='{material}']")
    village.click("main form button[type=submit]")
    village.wait_for_selector("#receipt-number")
    receipt = village.locator("#receipt-number").inner_text()
    case = ProgrammeCase.objects.unscoped().get(case__application__receipt_number=receipt)
    case_url = f"{url}/assistance/programme-cases/{case.pk}/"

    # The township window: home investigation by two staff, then the economic verification.
    window = _sign_in(browser, url, Role.TOWNSHIP_WINDOW)
    window.goto(f"{url}/assistance/programme-cases/?stage=accepted")
    window.click(f"#programme-case-table a:has-text('{receipt}')")
    assert _stage(window) == "accepted"
    window.select_option("#action-investigation select[name=investigator_1]", str(personas[Role.VILLAGE_WORKER].pk))
    window.select_option("#action-investigation select[name=investigator_2]", str(personas[Role.TOWNSHIP_WINDOW].pk))
    window.fill("#action-investigation textarea[name=findings]", "三口之家，住房一处，无车辆，儿子外出务工")
    _submit(window, "#action-investigation")
    assert _stage(window) == "verification"
    _submit(window, "#action-verification_request")
    window.select_option("#action-verification_result select[name=result]", "eligible")
    window.fill("#action-verification_result textarea[name=report]", "收入、车辆、房产、工商信息核对无异常")
    _submit(window, "#action-verification_result")
    assert _stage(window) == "initial_review"

    # The township reviewer: initial review with the means test, then the 7-day public notice.
    reviewer = _sign_in(browser, url, Role.TOWNSHIP_REVIEWER)
    reviewer.goto(case_url)
    reviewer.select_option("#action-initial_review select[name=proposal]", "approve")
    reviewer.fill("#action-initial_review textarea[name=opinion]", "家庭人均收入低于低保标准，拟同意")
    _submit(reviewer, "#action-initial_review")
    assert _stage(reviewer) == "publicity"
    assert reviewer.locator("#programme-amount").inner_text() == "1,440.00"
    assert "1,440.00" in reviewer.locator("#assessment-explanation").inner_text()  # 补差 (880 − 400) × 3
    _submit(reviewer, "#action-publicity_start")
    assert reviewer.locator("#action-publicity_close").count() == 0  # the notice runs for seven days

    eighth_day = today + dt.timedelta(days=8)
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: eighth_day)
    reviewer.reload()
    _submit(reviewer, "#action-publicity_close")
    assert _stage(reviewer) == "county_review"

    # The county approver confirms: the benefit is entered from the month after the decision.
    county = _sign_in(browser, url, Role.COUNTY_APPROVER)
    county.goto(case_url)
    assert county.locator("#action-investigation").count() == 0
    county.fill("#action-approve textarea[name=reason]", "经入户调查、核对、初审和公示，符合低保条件")
    _submit(county, "#action-approve")
    assert _stage(county) == "enrolled"
    ARTIFACTS.mkdir(exist_ok=True)
    county.screenshot(path=str(ARTIFACTS / "dibao-enrolled.png"), full_page=True)

    benefit = Benefit.objects.unscoped().get()
    assert (benefit.programme, benefit.payee_id, benefit.household_id, benefit.status) == (
        "dibao",
        head.pk,
        household.pk,
        "active",
    )
    assert (benefit.monthly_fen, benefit.covered, benefit.first_month) == (
        144_000,
        3,
        first_day_of_next_month(eighth_day),
    )
    assert benefit.programme_case_id == case.pk
    item_case = ItemCase.objects.unscoped().get(pk=case.case_id)
    assert (item_case.status, item_case.decided_by_id) == ("granted", personas[Role.COUNTY_APPROVER].pk)
