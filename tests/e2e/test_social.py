"""A county's administrator of social organisations registers a social group in Chromium: a credit code with a
mistyped last character is refused with the position and the right character in Chinese, the corrected code is
registered and shown on the organisation's page, and the public registry finds it without an account. A screenshot
is kept in test-artifacts/social-organisation.png."""

from __future__ import annotations

from typing import Any

import pytest

from minsheng.social.models import Organisation
from minsheng.social.tests.factories import code
from minsheng.testing import PASSWORD, build_personas

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_registration_form_names_the_wrong_character(live_server: Any, page: Any) -> None:
    personas = build_personas()
    good = code("1", personas.county.code[:6], 42)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "city_admin")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("#my-roles")
    page.goto(f"{live_server.url}/social/new/")
    page.select_option("#id_kind", "social_group")
    page.fill("#id_name", "宿城区摄影家协会")
    page.fill("#id_credit_code", bad)
    page.select_option("#id_service_field", "culture")
    page.select_option("#id_registrar", personas.county.code)
    page.fill("#id_area", personas.county.code)
    page.fill("#id_registered_on", "2019-04-01")
    page.click("#organisation-form button[type=submit]")
    page.wait_for_selector("#organisation-form .invalid-feedback, #organisation-form .text-danger")
    assert f"第18位（{bad[17]}）是校验码，应为{good[17]}：代码中有字符录入错误。" in page.content()
    assert Organisation.objects.unscoped().count() == 0
    page.fill("#id_credit_code", good)
    page.click("#organisation-form button[type=submit]")
    page.wait_for_selector("#org-name")
    assert page.locator("#org-name").inner_text() == "宿城区摄影家协会"
    assert good in page.locator("#org-facts").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "social-organisation.png"), full_page=True)
    public = page.context.browser.new_context(locale="zh-CN").new_page()
    public.goto(f"{live_server.url}/social/public/?credit_code={good}")
    assert public.locator("#public-table tbody td:first-child a").all_inner_texts() == ["宿城区摄影家协会"]
    assert page.console_errors == []
