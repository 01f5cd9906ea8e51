"""The home visit on a phone without a connection (issue 17 point 5): in a phone-sized window the village worker opens
a warning's phone page, the network goes, the visit is recorded and kept on the phone, the network comes back, and
the visit arrives once."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from PIL import Image

from minsheng.accounts.roles import Role
from minsheng.monitoring.models import Alert, Visit
from minsheng.monitoring.tests.factories import open_alert
from minsheng.testing import build_personas

from .conftest import ARTIFACTS
from .test_window import _sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _camera_photo() -> bytes:
    """A phone camera's photo: 2400×1800, with the camera's metadata (the page draws it again without it)."""
    image = Image.new("RGB", (2400, 1800), (180, 150, 120))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def _until(page: Any, expression: str, timeout: float = 15) -> None:
    """Wait until the expression holds (polled through evaluate: the page's CSP forbids wait_for_function's eval)."""
    end = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < end, f"timed out waiting for {expression}"
        time.sleep(0.1)


def test_a_visit_recorded_offline_arrives_once_when_the_network_is_back(live_server: Any, browser: Any) -> None:
    personas = build_personas()
    alert = open_alert(personas, days=3)
    person = alert.person

    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": 33.963, "longitude": 118.275},
        permissions=["geolocation"],
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    _sign_in(page, live_server.url, Role.VILLAGE_WORKER)

    # From the to-do list, on a phone: the item's phone link opens the visit page.
    page.goto(f"{live_server.url}/desk/")
    page.locator("#due-table a[data-phone-link]").first.click()
    page.wait_for_selector("#visit-form[data-ready=ready]")
    assert person.id_masked in page.locator("#visit-warning").inner_text()
    # The smallest phone the page is made for: nothing wider than the screen.
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.set_viewport_size({"width": 390, "height": 844})
    client_uuid = page.locator("#visit-uuid").input_value()
    assert len(client_uuid) == 36
    # The page became installable and its worker is running before the connection goes.
    _until(page, "navigator.serviceWorker.controller !== null")

    context.set_offline(True)
    _until(page, "navigator.onLine === false")
    page.click("#checkin-button")
    page.check("#location-consent")
    _until(page, "document.getElementById('latitude').value !== ''")
    page.select_option("#answer-living", "hard")
    page.select_option("#answer-income", "less")
    page.fill("#answer-needs", "冬季取暖")
    page.set_input_files(
        "#photo-input", files=[{"name": "home.jpg", "mimeType": "image/jpeg", "buffer": _camera_photo()}]
    )
    page.wait_for_selector("#photo-list li img")
    page.check("#outcome-referred")
    page.fill("#visit-referred-to", "县应急管理局（临时救助）")
    page.fill("#visit-reason", "房屋受损，需临时救助")
    page.click("#visit-save")

    state = page.locator("#visit-state")
    page.wait_for_selector("#visit-state[data-state=kept]")
    assert "已保存在手机上" in state.inner_text()
    assert page.locator("#queue-list li[data-state=queued]").count() == 1
    # unscoped: nothing has reached the platform while the phone is offline
    assert not Visit.objects.unscoped().filter(client_uuid=client_uuid).exists()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "visit-phone-offline.png"), full_page=True)

    context.set_offline(False)  # the browser's `online` event sends what the phone kept
    page.wait_for_selector("#visit-state[data-state=sent]", timeout=20000)
    assert "已发送" in state.inner_text()
    page.wait_for_selector("#queue-list li:not([data-uuid])")  # the queue is empty again
    page.screenshot(path=str(ARTIFACTS / "visit-phone-sent.png"), full_page=True)

    # A reload sends nothing again (the visit left the phone), and the platform holds it once.
    page.reload()
    page.wait_for_selector("#queue-count")
    _until(page, "document.getElementById('queue-count').textContent === '0'")
    # unscoped: the test reads what the platform received
    visits = Visit.objects.unscoped().filter(client_uuid=client_uuid)
    assert visits.count() == 1
    visit = visits.get()
    assert (visit.outcome, visit.applied, visit.photos.count()) == ("referred", True, 1)
    stored = Image.open(Path(settings.MEDIA_ROOT) / visit.photos.get().file)
    assert stored.format == "JPEG" and max(stored.size) == 1600  # drawn again for 4G: smaller, no metadata
    assert "Make" not in str(dict(stored.getexif())) and 0x010F not in stored.getexif()
    assert visit.answers == {"living": "hard", "income": "less", "needs": "冬季取暖"}
    assert (str(visit.latitude), str(visit.longitude)) == ("33.963000", "118.275000")
    # unscoped: the test reads the warning's new status
    assert Alert.objects.unscoped().get(pk=alert.pk).status == Alert.Status.VISITED
    assert errors == []

    # Offline, a visit page (never cached: it names a person) gives way to the queue page the phone keeps.
    context.set_offline(True)
    page.goto(f"{live_server.url}/monitoring/warnings/{alert.pk}/phone/")
    page.wait_for_selector("#queue-list")
    assert page.locator("#visit-form").count() == 0
    assert person.name not in page.content()
    context.close()
