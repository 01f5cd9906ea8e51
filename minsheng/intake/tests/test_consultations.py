from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.catalog.models import Department, Item
from minsheng.intake.models import Consultation
from minsheng.intake.services import consultation_counts, consultation_record
from minsheng.testing import Personas, make_person

pytestmark = pytest.mark.django_db


def test_a_village_worker_records_a_consultation_at_their_station(personas: Personas) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    person = make_person(personas.village, "李秀英")
    items = list(Item.objects.filter(number__in=[1, 24]))
    consultation = consultation_record(
        actor=worker, topic="低保和医疗救助怎么申请", outcome="applied", items=items, person=person
    )
    assert (consultation.area_code, consultation.channel, consultation.asker_name, consultation.person) == (
        personas.village.code,
        "village",
        "李秀英",
        person,
    )
    assert sorted(consultation.items.values_list("number", flat=True)) == [1, 24]
    event = AuditEvent.objects.unscoped().get(action="intake.consultation_recorded")
    assert event.after == {"outcome": "applied", "items": [1, 24], "person": person.pk}


def test_outcomes_are_counted_in_the_users_areas(personas: Personas) -> None:
    education = Department.objects.get(code="education")
    consultation_record(actor=personas[Role.VILLAGE_WORKER], topic="助学", outcome="referred", referred_to=education)
    consultation_record(actor=personas[Role.TOWNSHIP_WINDOW], topic="临时救助", outcome="answered")
    consultation_record(actor=personas.outsider(Role.TOWNSHIP_WINDOW), topic="别处", outcome="answered")
    assert consultation_counts(user=personas[Role.TOWNSHIP_WINDOW]) == {"referred": 1, "answered": 1}
    assert consultation_counts(user=personas[Role.VILLAGE_WORKER]) == {"referred": 1}
    assert consultation_counts(user=personas[Role.CITY_ADMIN]) == {"referred": 1, "answered": 2}
    assert Consultation.objects.unscoped().get(topic="临时救助").channel == "township"


def test_bad_consultations_are_refused(personas: Personas) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    with pytest.raises(ValidationError) as raised:
        consultation_record(actor=worker, topic="助学", outcome="referred")
    assert list(raised.value.message_dict) == ["referred_to"]
    with pytest.raises(ValidationError):
        consultation_record(actor=worker, topic=" ", outcome="answered")
    with pytest.raises(PermissionDenied):
        consultation_record(actor=personas[Role.AUDITOR], topic="x", outcome="answered")
    stranger = make_person(personas.other_village, "赵四")
    with pytest.raises(PermissionDenied):
        consultation_record(actor=worker, topic="x", outcome="answered", person=stranger)
    assert not Consultation.objects.unscoped().exists()


def test_the_quick_form_finds_the_person_by_id(personas: Personas) -> None:
    person = make_person(personas.village, "王芳")
    client = Client()
    client.force_login(personas[Role.VILLAGE_WORKER])
    response = client.post(
        reverse("intake:consultations"),
        {
            "id_number": person.id_number,
            "topic": "残疾人补贴",
            "outcome": "answered",
            "items": [Item.objects.get(number=8).pk],
        },
    )
    assert response.status_code == 302
    assert Consultation.objects.unscoped().get().person == person
    bad = client.post(
        reverse("intake:consultations"), {"id_number": "11010519491231002X", "topic": "x", "outcome": "answered"}
    )
    assert bad.status_code == 400 and "id_number" in bad.context["form"].errors
