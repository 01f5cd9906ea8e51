"""A module's own kind of home visit on a phone (monitoring's generic visit page, ``Module.visit_kinds``): the example
module's timed meal visit is recorded offline with its check-in, check-out and photos before and after the meal, kept
on the phone under the kind's label and the subject's number, and arrives once when the network is back."""

from __future__ import annotations

import importlib
import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.test.utils import modify_settings, override_settings
from django.urls import clear_url_caches
from PIL import Image

from minsheng.monitoring.models import Visit
from minsheng.testing import build_personas, make_person, make_user

from .test_visit_offline import _until
from .test_window import _sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def example() -> Iterator[None]:
    """The platform with ``tests.example_module`` installed (as ``tests/test_modules.py`` installs it)."""
    importlib.import_module("minsheng.urls")
    with (
        modify_settings(INSTALLED_APPS={"append": "tests.example_module"}),
        override_settings(ROOT_URLCONF="tests.example_module.root_urls"),
    ):
        clear_url_caches()
        importlib.reload(importlib.import_module("tests.example_module.root_urls"))
        yield
    clear_url_caches()


def _photo(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), colour).save(out, "JPEG", quality=80)
    return out.getvalue()


def test_a_module_s_timed_visit_recorded_offline_arrives_once(live_server: Any, browser: Any, example: None) -> None:
    personas = build_personas()
    make_user("meal_keeper", "example_keeper", personas.county)
    person = make_person(personas.village, "孙秀兰", birth="1941-02-02")

    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    _sign_in(page, live_server.url, "meal_keeper")
    page.goto(f"{live_server.url}/monitoring/visits/example.meal/{person.pk}/phone/")
    page.wait_for_selector("#visit-form[data-ready=ready]")
    assert "助餐 · 12月第2次" in page.locator("#visit-subject").inner_text()
    client_uuid = page.locator("#visit-uuid").input_value()

    context.set_offline(True)
    _until(page, "navigator.onLine === false")
    page.click("#visit-save")  # not checked in: the page says so and keeps nothing
    assert page.locator('[data-error-for="checked_in_at"]').inner_text() == "请先签到（记录走访时间）。"
    page.click("#checkin-button")
    page.select_option("#answer-meal", "eaten")
    page.set_input_files(
        "#photo-input-before", files=[{"name": "b.jpg", "mimeType": "image/jpeg", "buffer": _photo((200, 10, 10))}]
    )
    page.set_input_files(
        "#photo-input-after", files=[{"name": "a.jpg", "mimeType": "image/jpeg", "buffer": _photo((10, 10, 200))}]
    )
    page.wait_for_selector("#photo-list-before li img")
    page.wait_for_selector("#photo-list-after li img")
    page.click("#visit-save")  # not checked out yet
    assert page.locator('[data-error-for="checked_out_at"]').inner_text() == "请在走访结束时签退。"
    page.click("#checkout-button")
    assert "时长 0 分钟" in page.locator("#checkout-time").inner_text()
    page.click("#visit-save")

    page.wait_for_selector("#visit-state[data-state=kept]")
    queued = page.locator("#queue-list li[data-state=queued]")
    assert queued.count() == 1
    assert queued.inner_text().startswith(f"助餐服务 #{person.pk} · ")
    assert "孙秀兰" not in queued.inner_text()
    # unscoped: nothing has reached the platform while the phone is offline
    assert not Visit.objects.unscoped().filter(client_uuid=client_uuid).exists()

    context.set_offline(False)
    page.wait_for_selector("#visit-state[data-state=sent]", timeout=20000)
    assert "助餐服务已记录。 提示： 未记录走访地点" in page.locator("#visit-state").inner_text()
    page.reload()
    page.wait_for_selector("#queue-count")
    _until(page, "document.getElementById('queue-count').textContent === '0'")
    # unscoped: the test reads what the platform received
    visit = Visit.objects.unscoped().get(client_uuid=client_uuid)
    assert (visit.kind, visit.subject_id, visit.flags) == ("example.meal", person.pk, ["no_location"])
    assert visit.checked_out_at is not None and visit.checked_out_at >= visit.checked_in_at
    assert sorted(visit.photos.values_list("stage", flat=True)) == ["after", "before"]
    assert errors == []
    context.close()
