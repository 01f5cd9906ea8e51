"""A provider worker's care visit on monitoring's phone page (the ``eldercare.service`` visit kind)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minsheng.eldercare.models import Elder, OrderLine, ServiceVisit
from minsheng.eldercare.module import STAFF
from minsheng.eldercare.tests import factories as f
from minsheng.monitoring.models import Visit
from minsheng.testing import Personas, make_user

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def phone_fields(**overrides: Any) -> dict[str, Any]:
    now = timezone.now()
    start = max(
        now - dt.timedelta(minutes=40), timezone.make_aware(dt.datetime.combine(now.date().replace(day=1), dt.time()))
    )
    fields: dict[str, Any] = {
        "client_uuid": str(uuid.uuid4()),
        "checked_in_at": start.isoformat(),
        "checked_out_at": (start + dt.timedelta(minutes=30)).isoformat(),
        "latitude": "33.966000",
        "longitude": "118.275000",
        "answers": json.dumps(
            {"step_identity": "done", "step_health": "done", "satisfaction": "4", "family_note": "一切安好"},
            ensure_ascii=False,
        ),
        "note": "",
    }
    fields.update(overrides)
    return fields


def _url(line: OrderLine, name: str = "monitoring:visit_kind_submit") -> str:
    return reverse(name, args=["eldercare.service", line.pk])


def test_the_phone_page_shows_what_the_visit_needs_and_records_the_care_visit_once(personas: Personas) -> None:
    s = f.scenario(personas)
    line, elder = s["line"], s["elder"]
    client = Client()
    client.force_login(personas[STAFF])
    page = client.get(_url(line, "monitoring:visit_kind_phone"))
    assert page.status_code == 200
    html = page.content.decode()
    for words in (elder.name, elder.id_masked, "探访关爱", "核对身份", "满意度", "服务前", "服务后"):
        assert words in html, words
    assert s["person"].id_number not in html
    fields = phone_fields()
    first = client.post(_url(line), fields)
    assert first.status_code == 201, first.content
    again = client.post(_url(line), fields)
    assert again.status_code == 200
    visit = Visit.objects.unscoped().get()
    care = ServiceVisit.objects.unscoped().get()
    assert (care.visit_id, care.line_id, care.steps, care.satisfaction, care.family_note) == (
        visit.pk,
        line.pk,
        ["identity", "health"],
        4,
        "一切安好",
    )
    assert (care.status, care.minutes, care.price_fen) == ("verified", 30, 5000)
    assert OrderLine.objects.unscoped().get(pk=line.pk).delivered == 1


def test_another_providers_worker_gets_404_and_a_person_outside_the_contract_400(personas: Personas) -> None:
    s = f.scenario(personas)
    line = s["line"]
    other = make_user("other_staff", STAFF, personas.county, organisation_id=f.provider(personas.county).pk)
    client = Client()
    client.force_login(other)
    assert client.get(_url(line, "monitoring:visit_kind_phone")).status_code == 404
    assert client.post(_url(line), phone_fields()).status_code == 404
    Elder.objects.unscoped().filter(pk=s["elder"].pk).update(area_code=personas.other_village.code)
    mine = Client()
    mine.force_login(personas[STAFF])
    refused = mine.post(_url(line), phone_fields())
    assert refused.status_code == 400
    assert "合同区域" in json.dumps(refused.json(), ensure_ascii=False)
    assert not Visit.objects.unscoped().exists() and not ServiceVisit.objects.unscoped().exists()
