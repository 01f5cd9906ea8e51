"""The visit on a phone (issue 17 point 5): the page, its endpoint (201 new, 200 received before, 400 with the reasons
in Chinese, out of the worker's areas refused), the questions checked on arrival, the service worker and manifest,
and the to-do item's phone link."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.core.modules import modules, visit_kind
from minsheng.monitoring.models import Alert, Visit, VisitPhoto
from minsheng.monitoring.phone import PHONE_PATH, REQUEST_MAX_BYTES
from minsheng.monitoring.questions import answers_clean
from minsheng.monitoring.selectors import visits_for
from minsheng.monitoring.tests.factories import open_alert, phone_visit_fields
from minsheng.testing import Personas

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture
def alert(personas: Personas) -> Alert:
    return open_alert(personas)


def _worker(p: Personas) -> Client:
    client = Client()
    client.force_login(p[Role.VILLAGE_WORKER])
    return client


def _submit(client: Client, alert: Alert, **fields: Any) -> Any:
    return client.post(reverse("monitoring:visit_submit", args=[alert.pk]), data=phone_visit_fields(**fields))


def _visits() -> Any:
    # unscoped: the test counts every visit written
    return Visit.objects.unscoped()


def test_a_visit_sent_twice_arrives_once(personas: Personas, alert: Alert) -> None:
    client = _worker(personas)
    key = str(uuid.uuid4())
    photo = SimpleUploadedFile("p.png", PNG, content_type="image/png")

    first = _submit(client, alert, client_uuid=key, photos=[photo])
    second = _submit(client, alert, client_uuid=key)  # the answer was lost on the way: the phone sends it again

    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["client_uuid"], body["created"], body["applied"]) == (key, True, True)
    assert body["message"] == "走访已记录，预警已提交乡镇（街道）确认。"
    assert second.status_code == 200
    again = second.json()
    assert (again["client_uuid"], again["visit"], again["created"], again["applied"]) == (
        key,
        body["visit"],
        False,
        True,
    )
    assert again["message"] == "该走访记录此前已收到。"
    visit = _visits().get()
    assert (str(visit.client_uuid), visit.kind, visit.outcome, str(visit.latitude), str(visit.longitude)) == (
        key,
        "warning",
        "closed",
        "33.963012",
        "118.275431",
    )
    assert visit.answers == {"living": "hard", "income": "less", "needs": "冬季取暖"}
    assert VisitPhoto.objects.filter(visit=visit).count() == 1
    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.visited_by) == ("visited", "closed", personas[Role.VILLAGE_WORKER])
    assert AuditEvent.objects.unscoped().filter(action="monitoring.visit_recorded").count() == 1


def test_no_location_without_consent_and_half_a_location_refused(personas: Personas, alert: Alert) -> None:
    client = _worker(personas)
    assert _submit(client, alert, latitude="", longitude="").status_code == 201
    assert _visits().get().latitude is None
    half = _submit(client, alert, longitude="")
    assert half.status_code == 400
    assert list(half.json()["errors"]) == ["latitude"]


def test_bad_input_is_refused_in_chinese_and_nothing_written(personas: Personas, alert: Alert) -> None:
    client = _worker(personas)
    gif = SimpleUploadedFile("p.gif", b"GIF89a not a photo", content_type="image/gif")
    cases: dict[str, dict[str, Any]] = {
        "photos": {"photos": [gif]},
        "checked_in_at": {"checked_in_at": ""},
        "client_uuid": {"client_uuid": "not-a-uuid"},
        "outcome": {"outcome": "maybe"},
        "reason": {"reason": " "},
        "items": {"outcome": "applied", "items": ["x"]},
    }
    for field, overrides in cases.items():
        response = _submit(client, alert, **overrides)
        assert response.status_code == 400, (field, response.content)
        assert response["Content-Type"] == "application/json"
        errors = response.json()["errors"]
        assert field in errors, (field, errors)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in " ".join(errors[field])), errors  # in Chinese
    assert _submit(client, alert, photos=[gif]).json()["errors"]["photos"] == ["第 1 张照片不是 JPEG 或 PNG 图片。"]
    too_many = [SimpleUploadedFile(f"{n}.jpg", JPEG, content_type="image/jpeg") for n in range(7)]
    assert _submit(client, alert, photos=too_many).status_code == 400
    huge = client.post(
        reverse("monitoring:visit_submit", args=[alert.pk]),
        data=phone_visit_fields(),
        CONTENT_LENGTH=str(REQUEST_MAX_BYTES + 1),
    )
    assert huge.status_code == 400
    assert _visits().count() == 0
    alert.refresh_from_db()
    assert alert.status == "open"


def test_the_questions_are_checked_on_arrival(personas: Personas, alert: Alert) -> None:
    client = _worker(personas)
    for answers in (
        {"salary": "3000"},  # no such question
        {"living": "rich"},  # no such choice
        {"needs": "长" * 301},  # too long
        {"needs": 5},  # not text
        [1, 2],  # not a set of answers
    ):
        response = _submit(client, alert, answers=json.dumps(answers, ensure_ascii=False))
        assert response.status_code == 400, answers
        assert list(response.json()["errors"]) == ["answers"]
    assert _submit(client, alert, answers="{not json").status_code == 400
    assert _visits().count() == 0
    assert answers_clean("warning", {"living": " normal ", "notes": "  "}) == {"living": "normal"}


def test_a_visit_after_the_warning_was_handled_is_kept_not_applied(personas: Personas, alert: Alert) -> None:
    # unscoped: test set-up — the township handled the warning while the phone was offline
    Alert.objects.unscoped().filter(pk=alert.pk).update(status=Alert.Status.DONE, outcome="referred")

    response = _submit(_worker(personas), alert)

    assert response.status_code == 201
    body = response.json()
    assert (body["created"], body["applied"]) == (True, False)
    assert body["message"] == "走访记录已保存，但该预警此前已处置，处置结果不变。"
    alert.refresh_from_db()
    assert (alert.status, alert.outcome) == ("done", "referred")
    assert _visits().get().applied is False


def test_only_the_areas_visiting_staff_may_send(personas: Personas, alert: Alert) -> None:
    outsider = Client()
    outsider.force_login(personas.outsider(Role.VILLAGE_WORKER))
    window = Client()
    window.force_login(personas[Role.TOWNSHIP_WINDOW])  # reads warnings, does not visit

    assert _submit(outsider, alert).status_code == 404
    denied = _submit(window, alert)
    assert denied.status_code == 403
    assert denied.json()["errors"]["__all__"]
    anonymous = _submit(Client(), alert)
    assert anonymous.status_code == 401  # JSON, not the login page (a redirect would read as sent)
    assert anonymous.json()["errors"]["__all__"]
    assert outsider.get(reverse("monitoring:visit_phone", args=[alert.pk])).status_code == 404
    assert window.get(reverse("monitoring:visit_phone", args=[alert.pk])).status_code == 403
    assert _visits().count() == 0


def test_the_phone_page_shows_the_warning_the_questions_and_the_offline_words(personas: Personas, alert: Alert) -> None:
    client = _worker(personas)
    response = client.get(reverse("monitoring:visit_phone", args=[alert.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert alert.person.id_masked in html and alert.person.id_number not in html
    assert 'data-answer="living"' in html and "当前生活状况" in html
    assert 'capture="environment"' in html and 'id="location-consent"' in html
    assert "已保存在手机上" in html  # the state words come from the .po, in data attributes
    assert "<script>" not in html and "onclick" not in html  # the CSP allows no inline script
    assert response["Cache-Control"] == "no-store"
    detail = client.get(reverse("monitoring:alert_detail", args=[alert.pk])).content.decode()
    assert reverse("monitoring:visit_phone", args=[alert.pk]) in detail
    queue = client.get(reverse("monitoring:visit_queue"))
    assert queue.status_code == 200
    assert alert.person.name not in queue.content.decode()  # the page shell the phone keeps: nobody's data
    assert personas[Role.VILLAGE_WORKER].username not in queue.content.decode()


def test_the_service_worker_and_the_manifest(personas: Personas) -> None:
    anonymous = Client()
    worker = anonymous.get(reverse("monitoring:service_worker"))
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("text/javascript")
    assert worker["Service-Worker-Allowed"] == "/monitoring/"
    assert worker["Cache-Control"] == "no-store"  # the browser always checks for a new worker
    source = worker.content.decode()
    assert "/static/monitoring/visit.js" in source and reverse("monitoring:visit_queue") in source
    assert "&quot;" not in source
    manifest = anonymous.get(reverse("monitoring:manifest"))
    assert manifest["Content-Type"] == "application/manifest+json"
    body = manifest.json()
    assert body["scope"] == "/monitoring/" and body["display"] == "standalone"
    assert [icon["sizes"] for icon in body["icons"]] == ["192x192", "512x512"]
    assert all(icon["src"].startswith("/static/") for icon in body["icons"])


def test_the_to_do_item_links_to_the_phone_page(personas: Personas, alert: Alert) -> None:
    work = {w.key: w for module in modules() for w in module.due_work}
    items = work["warning_visit"].items(personas[Role.VILLAGE_WORKER], TODAY, 10, None)
    assert [i.phone_url for i in items] == [reverse("monitoring:visit_phone", args=[alert.pk])]
    todo = _worker(personas).get(reverse("desk:todo")).content.decode()
    assert reverse("monitoring:visit_phone", args=[alert.pk]) in todo


def test_the_warning_is_a_visit_kind_on_the_generic_urls_too(personas: Personas, alert: Alert) -> None:
    """The warning kind is declared like any module's (``Module.visit_kinds``): its generic page sends on to the
    warning's own page, its generic endpoint records the visit as the warning's does; the service worker never
    caches either kind of visit page."""
    kind = visit_kind("warning")
    assert (kind.permission, kind.outcomes, kind.timed, kind.photo_stages) == ("monitoring.add_visit", True, False, ())
    subject = kind.subject(personas[Role.VILLAGE_WORKER], alert.pk)
    assert subject is not None
    assert (subject.person_id, subject.area_code, subject.back_url) == (
        alert.person_id,
        alert.area_code,
        reverse("monitoring:alert_detail", args=[alert.pk]),
    )
    assert alert.person.id_number not in str(subject.details)
    assert kind.subject(personas.outsider(Role.VILLAGE_WORKER), alert.pk) is None
    assert [q.key for q in kind.questions(subject)][:2] == ["living", "income"]

    client = _worker(personas)
    page = client.get(reverse("monitoring:visit_kind_phone", args=["warning", alert.pk]))
    assert (page.status_code, page["Location"]) == (302, reverse("monitoring:visit_phone", args=[alert.pk]))
    sent = client.post(reverse("monitoring:visit_kind_submit", args=["warning", alert.pk]), data=phone_visit_fields())
    assert sent.status_code == 201, sent.content
    visit = _visits().get()
    assert (visit.kind, visit.subject_id, visit.alert_id, visit.flags, visit.checked_out_at) == (
        "warning",
        alert.pk,
        alert.pk,
        [],
        None,
    )
    assert list(visits_for(personas[Role.TOWNSHIP_REVIEWER], "warning", alert.pk)) == [visit]
    assert list(visits_for(personas.outsider(Role.TOWNSHIP_REVIEWER), "warning", alert.pk)) == []

    phone = re.compile(PHONE_PATH)
    assert phone.match(reverse("monitoring:visit_phone", args=[alert.pk]))
    assert phone.match(reverse("monitoring:visit_kind_phone", args=["eldercare.service", 12]))
    assert not phone.match(reverse("monitoring:visit_kind_submit", args=["eldercare.service", 12]))
    assert not phone.match(reverse("monitoring:visit_queue"))
    assert PHONE_PATH.replace("\\", "\\\\") in Client().get(reverse("monitoring:service_worker")).content.decode()
