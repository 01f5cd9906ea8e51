"""Certificates: a PDF with an unguessable code; the public page shows the masked name, hours, star and date only;
look-ups are bounded per address."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.testing import Personas
from minsheng.volunteers import services
from minsheng.volunteers.models import Certificate, VerificationAttempt, Volunteer
from minsheng.volunteers.tests.factories import volunteer

pytestmark = pytest.mark.django_db


def _certificate(p: Personas) -> Certificate:
    v = volunteer(p, "欧阳娜娜")
    Volunteer.objects.unscoped().filter(pk=v.pk).update(hours_tenths=3125, star=2)
    return services.certificate_issue(actor=p[Role.TOWNSHIP_WINDOW], volunteer=v)


def test_a_certificate_carries_the_facts_and_a_fresh_code(personas: Personas) -> None:
    c = _certificate(personas)
    assert (c.name_masked, c.hours_tenths, c.star) == ("欧***", 3125, 2)
    assert len(c.code) == 16 and set(c.code) <= set(services.CODE_ALPHABET)
    assert len({services.new_code() for _ in range(1000)}) == 1000
    client = Client()
    client.force_login(personas[Role.TOWNSHIP_WINDOW])
    response = client.get(reverse("volunteers:certificate_print", kwargs={"pk": c.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert response["Cache-Control"] == "no-store"


def test_a_volunteer_without_hours_gets_no_certificate(personas: Personas) -> None:
    v = volunteer(personas)
    with pytest.raises(Exception) as error:
        services.certificate_issue(actor=personas[Role.TOWNSHIP_WINDOW], volunteer=v)
    assert "尚无服务时长记录" in str(error.value)
    assert Certificate.objects.unscoped().count() == 0


def test_the_public_page_shows_only_masked_facts(personas: Personas) -> None:
    c = _certificate(personas)
    client = Client()
    url = reverse("volunteers:verify")
    assert client.get(url).status_code == 200
    response = client.post(url, {"code": c.code.lower()[:8] + " " + c.code.lower()[8:]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "本证明真实有效" in html
    for shown in ("欧***", "312.5", "二星", c.issued_on.strftime("%Y-%m-%d")):
        assert shown in html
    v = c.volunteer
    for hidden in ("欧阳娜娜", v.id_masked, v.id_number, v.area_code):
        assert hidden not in html
    missing = client.post(url, {"code": "ABCDEFGHJKMNPQRS"})
    assert missing.status_code == 404
    assert "没有与此验证码对应的证明" in missing.content.decode()
    assert list(VerificationAttempt.objects.order_by("id").values_list("found", flat=True)) == [True, False]


@override_settings(VOLUNTEERS_VERIFY_PER_ADDRESS=3)
def test_look_ups_are_bounded_per_address(personas: Personas) -> None:
    c = _certificate(personas)
    client = Client()
    url = reverse("volunteers:verify")
    statuses = [client.post(url, {"code": "ABCDEFGHJKMNPQRS"}).status_code for _ in range(3)]
    assert statuses == [404, 404, 404]
    refused = client.post(url, {"code": c.code})
    assert refused.status_code == 429
    assert "查询次数过多" in refused.content.decode()
    assert "本证明真实有效" not in refused.content.decode()
    assert VerificationAttempt.objects.count() == 4
