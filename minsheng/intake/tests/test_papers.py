"""The window's papers (issue 14 point 5): the 受理回执, the 一次性告知单 and the notice of an item's decision, as PDF
holding the receipt number and the applicant's name; each print audited; the item page prints too."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.catalog.models import Item
from minsheng.intake.services import ItemRequest, application_submit, case_decide
from minsheng.testing import Personas, make_person, pdf_text

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_one_time_notice_lists_every_missing_material_of_every_item(personas: Personas) -> None:
    p = personas
    person = make_person(p.village, "郑敏")
    school, medical = Item.objects.get(number=30), Item.objects.get(number=24)
    application = application_submit(
        actor=p[Role.VILLAGE_WORKER],
        person=person,
        requests=[ItemRequest(item=school, materials_provided=(school.materials[0],)), ItemRequest(item=medical)],
        on_behalf=True,
    )
    client = _client(p[Role.VILLAGE_WORKER])
    page = client.get(reverse("intake:application_detail", args=[application.pk]) + "?new=1").content.decode()
    url = reverse("intake:application_notice", args=[application.pk])
    assert 'id="just-submitted"' in page and f'id="print-materials-notice" href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    text = pdf_text(response.content)
    assert "一次性告知单" in text and application.receipt_number in text and "郑敏" in text
    missing = [*school.materials[1:], *medical.materials]
    assert missing and all(material in text for material in missing)
    brought = school.materials[0]  # the school item has it; the medical item still asks for it
    assert text.split("需补齐的材料")[1].count(brought) == list(medical.materials).count(brought)
    events = AuditEvent.objects.unscoped().filter(action="intake.materials_notice_printed")
    assert [(e.kind, e.object_id, e.area_code) for e in events] == [("view", str(application.pk), p.village.code)]
    outsider = _client(p.outsider(Role.VILLAGE_WORKER))
    assert outsider.get(url).status_code == 404
    assert outsider.get(reverse("intake:application_receipt", args=[application.pk])).status_code == 404


def test_a_decided_item_prints_its_notice_with_the_reasons(personas: Personas) -> None:
    p = personas
    item = Item.objects.get(number=30)
    application = application_submit(
        actor=p[Role.VILLAGE_WORKER],
        person=make_person(p.village, "钱敏"),
        requests=[ItemRequest(item=item, materials_provided=tuple(item.materials))],
        on_behalf=False,
    )
    case = application.cases.get()
    url = reverse("intake:case_notice", args=[case.pk])
    handler = _client(p[Role.DEPARTMENT_HANDLER])
    assert handler.get(url).status_code == 404  # not decided yet
    case_decide(actor=p[Role.DEPARTMENT_HANDLER], case=case, granted=False, reason="家庭收入高于资助标准")
    text = pdf_text(handler.get(url).content)
    assert application.receipt_number in text and "钱敏" in text and "家庭收入高于资助标准" in text
    assert "不予批准" in text
    page = _client(p[Role.VILLAGE_WORKER]).get(reverse("intake:application_detail", args=[application.pk]))
    assert f'href="{url}"' in page.content.decode() and "data-print" in page.content.decode()
    assert AuditEvent.objects.unscoped().filter(action="intake.decision_notice_printed").count() == 1


def test_the_print_stylesheet_leaves_out_navigation_and_forms() -> None:
    from pathlib import Path

    import minsheng

    css = (Path(minsheng.__file__).parent / "core/static/css/app.css").read_text()
    printed = css.split("@media print", 1)[1]
    assert "nav.navbar" in printed and "form" in printed and ".d-print-none" in printed
