"""A fresh demo lives in the present: built by ``manage.py demo_city`` today, the dashboard's default period (the
year to date) shows money paid, people on 低保 and temporary assistance, without choosing any period."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.payments.models import PaymentLine
from minsheng.testing import PASSWORD, build_personas

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_default_dashboard_of_a_fresh_demo_shows_money_paid_this_year(live_server: Any, page: Any) -> None:
    build_personas()
    call_command("demo_city", scale=0.002, seed=7, stdout=io.StringIO())
    today = timezone.localdate()
    # unscoped: the test sums the whole demo's payments of the year to date
    paid = PaymentLine.objects.unscoped().filter(status="paid", batch__period__year=today.year)
    paid_fen = paid.aggregate(s=Sum("amount_fen"))["s"] or 0
    assert paid_fen > 0 and paid.filter(batch__period__month=today.month).exists()

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", Role.CITY_ADMIN)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_selector("#my-roles")
    page.click("#main-nav >> text=统计分析")
    page.wait_for_selector("#stats-figures")

    def shown(key: str) -> str:
        text: str = page.locator(f"#stats-figures [data-figure={key}] .stats-number").inner_text()
        return text.strip()

    assert shown("paid_total") == f"{paid_fen / 100:,.2f}"
    for key in ("dibao_persons", "temporary_paid", "temporary_helped", "applications"):
        assert shown(key) not in ("", "0", "0.00"), key
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-dashboard-default-period.png"), full_page=True)
