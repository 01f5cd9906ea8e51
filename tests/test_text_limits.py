"""Free text has a length limit from one source (core.limits): forms say it and refuse more with a form error,
services refuse more with a ValidationError naming the field, so over-long input is a 400, never stored, never 500."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.audit.services import audit_record
from minsheng.catalog.models import Item
from minsheng.catalog.services import item_update
from minsheng.core.limits import COMPOSED_MAX, LABEL_MAX, REASON_MAX, TEXT_MAX
from minsheng.intake.models import Attachment, Consultation, ItemCase
from minsheng.intake.services import (
    ItemRequest,
    application_submit,
    attachment_add,
    case_decide,
    case_request_materials,
    case_transfer,
    consultation_record,
)
from minsheng.people import services as people
from minsheng.people.models import ChangeRequest
from minsheng.testing import Personas, make_person

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_a_120000_character_consultation_is_a_form_error_and_the_form_says_the_limit(personas: Personas) -> None:
    window = _client(personas[Role.TOWNSHIP_WINDOW])
    page = window.get(reverse("intake:consultations")).content.decode()
    assert f'maxlength="{TEXT_MAX}"' in page and f"最多 {TEXT_MAX} 个字。" in page
    response = window.post(reverse("intake:consultations"), {"topic": "问" * 120_000, "outcome": "answered"})
    assert response.status_code == 400
    assert response.context["form"].errors["topic"] == [f"最多 {TEXT_MAX} 个字（现有 120000 个）。"]
    assert (
        window.post(reverse("intake:consultations"), {"topic": "问" * TEXT_MAX, "outcome": "answered"}).status_code
        == 302
    )
    assert Consultation.objects.unscoped().get().topic == "问" * TEXT_MAX
    with pytest.raises(ValidationError) as refused:
        consultation_record(actor=personas[Role.TOWNSHIP_WINDOW], topic="问" * (TEXT_MAX + 1), outcome="answered")
    assert refused.value.message_dict == {"topic": [f"最多 {TEXT_MAX} 个字（现有 {TEXT_MAX + 1} 个）。"]}


def _case(personas: Personas) -> ItemCase:
    item = Item.objects.get(number=30)
    application = application_submit(
        actor=personas[Role.VILLAGE_WORKER],
        person=make_person(personas.village),
        requests=[ItemRequest(item=item, materials_provided=tuple(item.materials))],
        on_behalf=True,
    )
    return application.cases.get()


def test_a_departments_reasons_and_materials_have_limits(personas: Personas) -> None:
    case = _case(personas)
    handler = personas[Role.DEPARTMENT_HANDLER]
    inbox = _client(handler)
    response = inbox.post(
        reverse("intake:case_decide", args=[case.pk]), {"decision": "grant", "reason": "理" * (TEXT_MAX + 1)}
    )
    assert response.status_code == 302 and ItemCase.objects.unscoped().get(pk=case.pk).decision_reason == ""
    for call, kwargs in (
        (case_decide, {"granted": True, "reason": "理" * (TEXT_MAX + 1)}),
        (case_request_materials, {"materials": ["证" * (LABEL_MAX + 1)], "reason": "缺"}),
        (case_request_materials, {"materials": [f"证明{n}" for n in range(51)], "reason": "缺"}),
        (case_transfer, {"department": case.department, "reason": "转" * (REASON_MAX + 1)}),
    ):
        with pytest.raises(ValidationError):
            call(actor=handler, case=case, **kwargs)
    assert ItemCase.objects.unscoped().get(pk=case.pk).status == case.status


def test_an_over_long_material_name_of_an_upload_is_refused_not_a_server_error(personas: Personas) -> None:
    case = _case(personas)
    window = _client(personas[Role.TOWNSHIP_WINDOW])
    response = window.post(
        reverse("intake:attachment_upload", args=[case.application_id]),
        {"material": "户" * 101, "file": SimpleUploadedFile("a.pdf", b"%PDF-1.4 x")},
        follow=True,
    )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["最多 100 个字（现有 101 个）。"]
    assert not Attachment.objects.unscoped().exists()
    with pytest.raises(ValidationError):
        attachment_add(
            actor=personas[Role.TOWNSHIP_WINDOW],
            application=case.application,
            uploaded=SimpleUploadedFile("a.pdf", b"%PDF-1.4 x"),
            material="户" * 101,
        )


def test_registry_reasons_and_notes_have_limits(personas: Personas) -> None:
    person = make_person(personas.village)
    worker, reviewer = personas[Role.VILLAGE_WORKER], personas[Role.TOWNSHIP_REVIEWER]
    with pytest.raises(ValidationError) as refused:
        people.person_change(actor=worker, person=person, changes={"labour_capacity": "none"}, reason="因" * 501)
    assert list(refused.value.message_dict) == ["reason"]
    request = people.person_change(actor=worker, person=person, changes={"labour_capacity": "none"}, reason="核实")
    assert isinstance(request, ChangeRequest)
    with pytest.raises(ValidationError):
        people.change_request_reject(actor=reviewer, request=request, note="否" * (REASON_MAX + 1))
    with pytest.raises(ValidationError):
        people.change_request_confirm(actor=reviewer, request=request, note="是" * (REASON_MAX + 1))
    assert ChangeRequest.objects.unscoped().get().status == "pending"
    # The change form (fetched into the person's page when its section is opened) bounds the reason.
    page = _client(worker).get(reverse("people:person_change", args=[person.pk])).content.decode()
    assert f'maxlength="{REASON_MAX}"' in page and f"最多 {REASON_MAX} 个字。" in page


def test_catalogue_texts_have_limits(personas: Personas) -> None:
    item = Item.objects.get(number=30)
    admin = personas[Role.CITY_ADMIN]
    for changes, reason in (
        ({"legal_basis": "法" * (TEXT_MAX + 1)}, "修订"),
        ({"target_groups": "群" * (TEXT_MAX + 1)}, "修订"),
        ({"materials": ["材" * (LABEL_MAX + 1)]}, "修订"),
        ({"time_limit_days": 9}, "因" * (REASON_MAX + 1)),
    ):
        with pytest.raises(ValidationError):
            item_update(actor=admin, item=item, changes=changes, reason=reason)
    assert Item.objects.get(number=30).legal_basis == item.legal_basis


def test_the_audit_log_refuses_a_reason_beyond_the_composed_limit_so_the_change_is_refused_too(
    personas: Personas,
) -> None:
    audit_record(actor=None, action="people.person_changed", reason="理" * COMPOSED_MAX)
    with pytest.raises(ValidationError) as refused:
        audit_record(actor=None, action="people.person_changed", reason="理" * (COMPOSED_MAX + 1))
    assert list(refused.value.message_dict) == ["reason"]
    assert AuditEvent.objects.unscoped().filter(action="people.person_changed", reason__startswith="理").count() == 1
