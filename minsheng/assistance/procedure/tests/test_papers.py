"""The programmes' papers (issue 14 point 5): the household investigation form, the temporary-assistance receipt
(签收单), and the 公示 list reached from its case and its area."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.assistance.procedure.tests.test_procedure import case_at
from minsheng.assistance.temporary.services import temporary_aid_open
from minsheng.audit.models import AuditEvent
from minsheng.testing import Personas, make_household, make_person, pdf_text

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_investigation_form_holds_the_case_and_the_household(personas: Personas) -> None:
    p = personas
    case = case_at(p, "verification")  # investigated: the findings are printed too
    url = reverse("assistance:investigation_form", args=[case.pk])
    response = _client(p[Role.TOWNSHIP_WINDOW]).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "入户调查表" in text and case.case.application.receipt_number in text
    assert all(name in text for name in ("张v国", "李桂兰", "张磊"))
    assert case.applicant.id_masked in text and case.applicant.id_number not in text
    assert case.household.number in text and "家中无贵重物品" in text and "调查人" in text
    events = AuditEvent.objects.unscoped().filter(action="assistance.investigation_form_printed")
    assert [(e.object_id, e.kind) for e in events] == [(str(case.pk), "view")]
    assert _client(p.outsider(Role.TOWNSHIP_WINDOW)).get(url).status_code == 404


def test_the_public_notice_list_is_linked_from_its_case_and_its_area(personas: Personas) -> None:
    p = personas
    case = case_at(p, "publicity_running", alone=True)
    client = _client(p[Role.TOWNSHIP_REVIEWER])
    village = f"/assistance/publicity.pdf?area={p.village.code}"
    township = f"/assistance/publicity.pdf?area={p.village.parent_id}"
    page = client.get(reverse("assistance:programme_case", args=[case.pk])).content.decode()
    assert f'href="{village}"' in page and f'href="{township}"' in page
    listing = client.get(reverse("assistance:programme_cases")).content.decode()
    assert 'id="publicity-areas"' in listing and f'href="{village}"' in listing
    text = pdf_text(client.get(village).content)
    assert case.applicant.name in text


def test_the_temporary_receipt_is_printed_once_paid(personas: Personas) -> None:
    p = personas
    person = make_person(p.village, "林芳")
    make_household(p.village, person)
    paid = temporary_aid_open(
        actor=p[Role.TOWNSHIP_WINDOW], person=person, kind="urgent", event="家中失火", requested_fen=80_000
    )
    client = _client(p[Role.TOWNSHIP_WINDOW])
    url = reverse("assistance:temporary_receipt", args=[paid.pk])
    page = client.get(reverse("assistance:temporary_detail", args=[paid.pk])).content.decode()
    assert f'id="print-temporary-receipt" href="{url}"' in page
    text = pdf_text(client.get(url).content)
    receipt = paid.item_case.application.receipt_number
    assert "签收单" in text and receipt in text and "林芳" in text and "¥800.00" in text and "领款人" in text
    assert AuditEvent.objects.unscoped().filter(action="assistance.temporary_receipt_printed").count() == 1

    above_cap = temporary_aid_open(
        actor=p[Role.TOWNSHIP_WINDOW],
        person=make_person(p.village, "高峰"),
        kind="urgent",
        event="重病",
        requested_fen=300_000,
    )
    assert client.get(reverse("assistance:temporary_receipt", args=[above_cap.pk])).status_code == 404
