"""The child's visit on the shared phone page (kind ``children.visit``): recorded once, the case's last visit and next
due updated in the visit's transaction; a child outside the director's village refused."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minsheng.children.models import CaseVisit, Child
from minsheng.children.module import DIRECTOR
from minsheng.children.tests.factories import child_case
from minsheng.children.visits import child_visit_received
from minsheng.monitoring.models import Visit
from minsheng.monitoring.tests.factories import phone_visit_fields
from minsheng.testing import Personas, make_user

pytestmark = pytest.mark.django_db


def _fields(**overrides: object) -> dict[str, object]:
    answers = json.dumps({"safety": "safe", "guardianship": "in_place", "needs": "课外辅导"}, ensure_ascii=False)
    return phone_visit_fields(answers=answers, outcome=None, reason=None, note="外婆照料", **overrides)


def test_a_phone_visit_updates_the_case_once(personas: Personas) -> None:
    today = timezone.localdate()
    child = child_case(personas, colour="orange", next_visit_due=today + dt.timedelta(days=5))
    client = Client()
    client.force_login(personas[DIRECTOR])
    page = client.get(reverse("monitoring:visit_kind_phone", args=["children.visit", child.pk]))
    assert page.status_code == 200 and "李**" in page.content.decode()
    url = reverse("monitoring:visit_kind_submit", args=["children.visit", child.pk])
    fields = _fields()
    first = client.post(url, fields)
    again = client.post(url, fields)
    assert (first.status_code, again.status_code) == (201, 200)
    visit = Visit.objects.unscoped().get(kind="children.visit")
    recorded = CaseVisit.objects.get(child=child)
    assert (recorded.visit_id, recorded.on_time, recorded.colour) == (visit.pk, True, "orange")
    visited = timezone.localtime(visit.checked_in_at).date()  # checked in half an hour ago: before midnight at 00:10
    assert Child.objects.unscoped().get(pk=child.pk).next_visit_due == visited + dt.timedelta(days=60)
    assert first.json()["message"] == f"已记录儿童走访，下次应在 {visited + dt.timedelta(days=60)} 前走访。"


def test_a_child_outside_the_directors_village_is_refused(personas: Personas) -> None:
    child = child_case(personas)
    other = make_user("director_elsewhere", DIRECTOR, personas.other_village)
    client = Client()
    client.force_login(other)
    url = reverse("monitoring:visit_kind_submit", args=["children.visit", child.pk])
    assert client.post(url, _fields()).status_code == 404
    # The receive hook itself refuses too (a 400 that rolls the visit back), whatever led there.
    visit = SimpleNamespace(subject_id=child.pk, checked_in_at=timezone.now(), note="", pk=None)
    with pytest.raises(ValidationError) as caught:
        child_visit_received(visit, other)
    assert caught.value.message_dict == {"subject": ["该儿童不在您负责的村（居）。"]}
    assert not CaseVisit.objects.exists() and not Visit.objects.unscoped().exists()
