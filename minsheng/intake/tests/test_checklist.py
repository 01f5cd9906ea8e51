"""What a department sees of an item, the materials checklist an upload ticks off, and the reminder of a paused item."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.catalog.models import Department, Item
from minsheng.core.sms import LogSmsSender
from minsheng.desk.models import Notice
from minsheng.intake.models import Application, ItemCase
from minsheng.intake.services import (
    ItemRequest,
    application_submit,
    attachment_add,
    case_materials_received,
    case_request_materials,
    materials_remind,
)
from minsheng.testing import Personas, make_household, make_person, make_user

if TYPE_CHECKING:
    from minsheng.accounts.models import User

PHONE = "13712341234"
PDF = b"%PDF-1.4 test"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(actor: User, application: Application, material: str) -> Any:
    return attachment_add(
        actor=actor, application=application, uploaded=SimpleUploadedFile("a.pdf", PDF), material=material
    )


def _waiting(p: Personas, name: str = "郑敏", **fields: Any) -> ItemCase:
    """An education item whose applicant brought the household register only."""
    application = application_submit(
        actor=p[Role.VILLAGE_WORKER],
        person=make_person(p.village, name, **fields),
        requests=[ItemRequest(item=Item.objects.get(number=30), materials_provided=("户口簿",))],
        on_behalf=True,
    )
    return application.cases.get()


# --- The checklist ------------------------------------------------------------------------------------------------


def test_an_upload_ticks_its_material_off_the_checklist(personas: Personas) -> None:
    case = _waiting(personas)
    assert (case.materials, case.missing_materials) == (["申请人身份证", "户口簿"], ["申请人身份证"])
    assert case.checklist() == [("申请人身份证", False), ("户口簿", True)]
    worker = personas[Role.VILLAGE_WORKER]
    with pytest.raises(ValidationError, match="材料清单"):
        _upload(worker, case.application, "学籍证明")  # not on the checklist: refused, nothing stored
    _upload(worker, case.application, "申请人身份证")
    case.refresh_from_db()
    assert (case.missing_materials, case.status) == ([], ItemCase.Status.WAITING_MATERIALS)
    assert case.checklist() == [("申请人身份证", True), ("户口簿", True)]
    event = AuditEvent.objects.unscoped().get(action="intake.attachment_added")
    assert (event.after or {})["ticked"] == [case.pk]
    page = _client(worker).get(reverse("intake:case_detail", args=[case.pk])).content.decode()
    assert page.count('data-done="1"') == 2 and "已上传" in page
    case_materials_received(actor=worker, case=case)  # the window confirms: the clock runs again
    case.refresh_from_db()
    assert (case.status, case.waiting_since) == (ItemCase.Status.ACCEPTED, None)


def test_a_material_the_department_asks_for_joins_the_checklist(personas: Personas) -> None:
    item = Item.objects.get(number=30)
    application = application_submit(
        actor=personas[Role.VILLAGE_WORKER],
        person=make_person(personas.village, "吴敏"),
        requests=[ItemRequest(item=item, materials_provided=tuple(item.materials))],
        on_behalf=True,
    )
    case = application.cases.get()
    case_request_materials(actor=personas[Role.DEPARTMENT_HANDLER], case=case, materials=["学籍证明"], reason="缺")
    case.refresh_from_db()
    assert case.checklist() == [("申请人身份证", True), ("户口簿", True), ("学籍证明", False)]
    assert case.waiting_since is not None
    _upload(personas[Role.VILLAGE_WORKER], application, "学籍证明")
    case.refresh_from_db()
    assert case.missing_materials == []


def test_the_application_form_ticks_materials_from_the_catalogue(personas: Personas) -> None:
    person = make_person(personas.village, "冯敏")
    response = _client(personas[Role.VILLAGE_WORKER]).post(
        reverse("intake:application_new"),
        {"id_number": person.id_number, "items": [Item.objects.get(number=30).pk], "materials_provided": ["户口簿"]},
    )
    assert response.status_code == 302
    case = ItemCase.objects.unscoped().get()
    assert case.missing_materials == ["申请人身份证"]
    form = _client(personas[Role.VILLAGE_WORKER]).get(reverse("intake:application_new")).content.decode()
    assert 'name="materials_provided" value="户口簿"' in form


# --- The reminder -------------------------------------------------------------------------------------------------


def test_a_paused_item_reminds_the_window_and_the_applicant_after_n_working_days_once(
    personas: Personas, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MATERIALS_REMINDER_WORKING_DAYS = 3
    case = _waiting(personas, phone=PHONE, phone_masked="137****1234")
    monday = dt.date(2026, 3, 2)
    ItemCase.objects.unscoped().filter(pk=case.pk).update(waiting_since=monday)
    LogSmsSender.sent.clear()
    assert materials_remind(today=dt.date(2026, 3, 4)) == 0  # two working days
    with django_capture_on_commit_callbacks(execute=True):
        assert materials_remind(today=dt.date(2026, 3, 5)) == 1  # the third
    assert materials_remind(today=dt.date(2026, 3, 5)) == 0
    assert materials_remind(today=dt.date(2026, 3, 9)) == 0  # once a pause
    texts = [text for phone, text in LogSmsSender.sent if phone == PHONE]
    assert len(texts) == 1 and case.application.receipt_number in texts[0] and "申请人身份证" in texts[0]
    notice = Notice.objects.get(text__contains="仍在等待补交材料")
    assert notice.recipient == personas[Role.VILLAGE_WORKER]  # the window that took the application
    assert notice.link == reverse("intake:application_detail", args=[case.application_id])
    case.refresh_from_db()
    assert case.reminded_on == dt.date(2026, 3, 5)
    assert AuditEvent.objects.unscoped().filter(action="intake.materials_reminded").count() == 1


def test_the_reminder_counts_working_days_not_weekends(personas: Personas, settings: Any) -> None:
    settings.MATERIALS_REMINDER_WORKING_DAYS = 3
    case = _waiting(personas)
    friday = dt.date(2026, 3, 6)
    ItemCase.objects.unscoped().filter(pk=case.pk).update(waiting_since=friday)
    assert materials_remind(today=dt.date(2026, 3, 10)) == 0  # Monday and Tuesday only
    out = StringIO()
    call_command("remind_materials", stdout=out)  # today, long after: the command reminds it
    assert out.getvalue().strip() == "reminded: 1"


def test_a_waiting_item_is_on_the_window_s_to_do_list_by_its_reminder_day(personas: Personas, settings: Any) -> None:
    from minsheng.intake.selectors import materials_due

    settings.MATERIALS_REMINDER_WORKING_DAYS = 3
    case = _waiting(personas)
    ItemCase.objects.unscoped().filter(pk=case.pk).update(waiting_since=dt.date(2026, 3, 2))
    [row] = materials_due(personas[Role.TOWNSHIP_WINDOW], dt.date(2026, 3, 6), 10, None)
    assert (row.kind, row.deadline, row.overdue) == ("intake_materials", dt.date(2026, 3, 5), True)
    assert row.url == reverse("intake:case_detail", args=[case.pk]) and row.subject.endswith("郑*")
    assert materials_due(personas.outsider(Role.TOWNSHIP_WINDOW), dt.date(2026, 3, 6), 10, None) == []


# --- What a department sees ---------------------------------------------------------------------------------------


def test_an_item_names_the_member_it_is_for(personas: Personas) -> None:
    head = make_person(personas.village, "李强")
    child = make_person(personas.village, "李小明", birth="2014-09-01")
    make_household(personas.village, head, (child, "child"))
    stranger = make_person(personas.village, "外人")
    window = _client(personas[Role.VILLAGE_WORKER])
    item = Item.objects.get(number=30)
    refused = window.post(
        reverse("intake:application_new"),
        {"id_number": head.id_number, "items": [item.pk], "beneficiaries": f"30 {stranger.id_number}"},
    )
    assert refused.status_code == 400 and not ItemCase.objects.unscoped().exists()
    wrong_item = window.post(
        reverse("intake:application_new"),
        {"id_number": head.id_number, "items": [item.pk], "beneficiaries": f"24 {child.id_number}"},
    )
    assert wrong_item.status_code == 400 and "24" in str(wrong_item.context["form"].errors["beneficiaries"])
    response = window.post(
        reverse("intake:application_new"),
        {
            "id_number": head.id_number,
            "items": [item.pk],
            "beneficiaries": f"30 {child.id_number}",
            "materials_provided": list(item.materials),
        },
    )
    assert response.status_code == 302
    case = ItemCase.objects.unscoped().get()
    assert (case.beneficiary, case.for_person) == (child, child)
    page = _client(personas[Role.DEPARTMENT_HANDLER]).get(reverse("intake:case_detail", args=[case.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "李小明" in html and child.id_masked in html
    assert [(m.name, m.relation, m.is_for) for m in page.context["household"]] == [
        ("李*", "户主", False),
        ("李小明", "子女", True),
    ]
    assert head.id_number not in html and child.id_number not in html


def test_a_handler_reads_their_item_s_materials_but_not_another_department_s(personas: Personas) -> None:
    education, medical = Item.objects.get(number=30), Item.objects.get(number=24)
    application = application_submit(
        actor=personas[Role.VILLAGE_WORKER],
        person=make_person(personas.village, "何芳"),
        requests=[ItemRequest(item=i, materials_provided=tuple(i.materials)) for i in (education, medical)],
        on_behalf=True,
    )
    school = application.cases.get(item=education)
    hospital = application.cases.get(item=medical)
    medical_handler = make_user(
        "medical", Role.DEPARTMENT_HANDLER, personas.county, department=Department.objects.get(code="medical_security")
    )
    case_request_materials(actor=medical_handler, case=hospital, materials=["住院发票"], reason="需发票")
    worker = personas[Role.VILLAGE_WORKER]
    register = _upload(worker, application, "户口簿")
    invoice = _upload(worker, application, "住院发票")

    handler = _client(personas[Role.DEPARTMENT_HANDLER])
    page = handler.get(reverse("intake:case_detail", args=[school.pk]))
    assert page.status_code == 200 and [d.material for d in page.context["documents"]] == ["户口簿"]
    own = handler.get(reverse("intake:case_document", args=[school.pk, register.pk]))
    assert own.status_code == 200 and b"".join(own.streaming_content) == PDF  # type: ignore[attr-defined]
    assert handler.get(reverse("intake:case_document", args=[school.pk, invoice.pk])).status_code == 404
    assert handler.get(reverse("intake:case_document", args=[hospital.pk, invoice.pk])).status_code == 404
    assert handler.get(reverse("intake:case_detail", args=[hospital.pk])).status_code == 404
    assert handler.get(reverse("intake:attachment_download", args=[invoice.pk])).status_code == 403
    assert handler.get(reverse("intake:application_detail", args=[application.pk])).status_code == 403
    medical_client = _client(medical_handler)
    assert medical_client.get(reverse("intake:case_document", args=[hospital.pk, invoice.pk])).status_code == 200
    viewed = AuditEvent.objects.unscoped().filter(action="intake.attachment_viewed")
    assert {e.actor_id for e in viewed} == {personas[Role.DEPARTMENT_HANDLER].pk, medical_handler.pk}


def test_the_inbox_shows_a_page_of_items_and_sends_transfers_to_the_item_page(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The inbox reads one page (nearest deadline first) with a link to the next; asking for materials and transferring
    are on the item's page, where the department list is read once, not once a row."""
    from minsheng.intake import views

    monkeypatch.setattr(views, "INBOX_PAGE", 2)
    cases = [_waiting(personas, f"郑{n}") for n in range(3)]
    for case in cases:
        case_materials_received(actor=personas[Role.VILLAGE_WORKER], case=case)
    client = _client(personas[Role.DEPARTMENT_HANDLER])
    response = client.get(reverse("intake:inbox"))
    first, cursor = response.content.decode(), response.context["page"].next_cursor
    assert (response.context["page"].count, response.context["page"].previous_cursor) == (3, "")
    assert urlencode({"cursor": cursor}) in first
    response = client.get(reverse("intake:inbox"), {"cursor": cursor})
    second, back = response.content.decode(), response.context["page"].previous_cursor
    receipts = [c.application.receipt_number for c in cases]
    assert [r in first for r in receipts] == [True, True, False]
    assert [r in second for r in receipts] == [False, False, True]
    assert response.context["page"].next_cursor == ""
    again = client.get(reverse("intake:inbox"), {"cursor": back}).content.decode()
    assert [r in again for r in receipts] == [True, True, False]
    assert reverse("intake:case_transfer", args=[cases[0].pk]) not in first
    page = client.get(reverse("intake:case_detail", args=[cases[0].pk])).content.decode()
    assert reverse("intake:case_transfer", args=[cases[0].pk]) in page
    assert reverse("intake:case_request_materials", args=[cases[0].pk]) in page
