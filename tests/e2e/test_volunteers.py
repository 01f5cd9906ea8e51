"""五社联动 in Chromium (issue 21): a township's volunteer officer registers a volunteer under their real name, adds
them to a village team, the team takes a need of the village and reports it done with the hours served; the
volunteer's hours and star level show on their page, a certificate is issued, and anyone checks it by its code on
the public page (masked name, hours, star). Screenshots in test-artifacts/volunteers-*.png."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.testing import build_personas
from minsheng.volunteers import services
from minsheng.volunteers.models import Certificate, Task, Volunteer
from minsheng.volunteers.tests.factories import id_number

from .conftest import ARTIFACTS
from .test_window import _sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_volunteer_serves_a_need_and_the_certificate_is_checked_by_its_code(live_server: Any, browser: Any) -> None:
    personas = build_personas()
    officer = personas[Role.TOWNSHIP_WINDOW]
    team = services.team_create(actor=officer, area_code=personas.village.code, name="幸福社区志愿服务队")
    task = services.task_raise(
        source=("tests", "e2e", "1"), area_code=personas.village.code, title="独居老人助餐", detail="每日午餐送餐上门"
    )
    number = id_number()
    url = live_server.url
    page = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}).new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    _sign_in(page, url, Role.TOWNSHIP_WINDOW)

    # Real-name registration.
    page.goto(f"{url}/volunteers/new/")
    page.fill("#id_name", "陈静")
    page.fill("#id_id_number", number)
    page.fill("#id_area", personas.village.code)
    page.fill("#id_phone", "13812345678")
    page.click("#volunteer-form button[type=submit]")
    page.wait_for_selector("#volunteer-hours")
    assert page.locator("h1").inner_text().startswith("陈静")
    # unscoped: the test reads the row the page wrote
    volunteer = Volunteer.objects.unscoped().get()
    assert (volunteer.name, volunteer.area_code, volunteer.hours_tenths, volunteer.star) == (
        "陈静",
        personas.village.code,
        0,
        0,
    )
    # Hours served before (99 of them, recorded elsewhere): the task's two more make a first star.
    Volunteer.objects.unscoped().filter(pk=volunteer.pk).update(hours_tenths=990)

    # The volunteer joins the team by ID number.
    page.goto(f"{url}/volunteers/teams/{team.pk}/")
    page.fill("#id_id_number", number)
    page.click("#join-form button[type=submit]")
    page.wait_for_selector(".alert-success")
    assert "陈静" in page.locator("main ul").first.inner_text()

    # The team takes the need and reports it done with the hours.
    page.goto(f"{url}/volunteers/tasks/{task.pk}/")
    page.select_option("#id_taker", f"team-{team.pk}")
    page.click("#take-form button[type=submit]")
    page.wait_for_selector("#complete-form")
    assert page.locator("#task-taker").inner_text().startswith("幸福社区志愿服务队")
    page.check("#complete-form input[name=volunteers]")
    page.fill("#id_hours", "2")
    page.fill("#id_content", "送午餐并陪伴聊天")
    page.fill("#id_served_on", timezone.localdate().isoformat())
    page.fill("#id_outcome", "已连续送餐，老人满意")
    page.click("#complete-form button[type=submit]")
    page.wait_for_selector("#task-outcome")
    assert page.locator("#task-outcome").inner_text() == "已连续送餐，老人满意"
    task.refresh_from_db()
    assert (task.status, task.team_id, task.hours_tenths) == ("done", team.pk, 20)
    page.goto(f"{url}/volunteers/tasks/")
    row = page.locator("#task-table tbody tr", has_text="独居老人助餐")
    assert "已完成" in row.inner_text() and "幸福社区志愿服务队" in row.inner_text()

    # The volunteer's hours and star level show on their page; a certificate is issued.
    page.goto(f"{url}/volunteers/{volunteer.pk}/")
    assert page.locator("#volunteer-hours").inner_text() == "101"
    assert "一星" in page.locator("h1 .badge").inner_text()
    page.click("form[action$='/certificate/'] button[type=submit]")
    page.wait_for_selector(".alert-success")
    certificate = Certificate.objects.unscoped().get()
    assert (certificate.hours_tenths, certificate.star) == (1010, 1)
    assert certificate.code in page.locator(".alert-success").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "volunteers-volunteer.png"), full_page=True)

    # Anyone checks it by its code, without an account.
    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(f"{url}/volunteers/verify/")
    public.fill("#id_code", certificate.code)
    public.click("#verify-form button[type=submit]")
    public.wait_for_selector("#verify-result")
    result = public.locator("#verify-result").inner_text()
    assert certificate.name_masked in result and "101" in result and "一星" in result
    assert "陈静" not in result and number not in result
    public.screenshot(path=str(ARTIFACTS / "volunteers-verify.png"), full_page=True)
    assert errors == []
    # unscoped: the test reads the task the page closed
    assert Task.objects.unscoped().filter(status="done").count() == 1
