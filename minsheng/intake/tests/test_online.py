from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.catalog.models import Item
from minsheng.core.sms import LogSmsSender
from minsheng.intake.models import Application, ItemCase, OnlineCode
from minsheng.testing import Personas, make_person

pytestmark = pytest.mark.django_db

PHONE = "13700001111"


def _start(client: Client, person: object, **override: str) -> object:
    data = {"id_number": person.id_number, "name": person.name, "phone": PHONE}  # type: ignore[attr-defined]
    data.update(override)
    return client.post(reverse("intake:online_start"), data)


def _code() -> str:
    match = re.search(r"(\d{6})", LogSmsSender.sent[-1][1])
    assert match is not None
    return match.group(1)


def test_a_resident_signs_in_with_a_code_applies_and_follows_the_status(personas: Personas) -> None:
    person = make_person(personas.village, "刘洋", phone=PHONE, phone_masked="137****1111")
    client = Client()
    LogSmsSender.sent.clear()
    response = _start(client, person)
    assert response.status_code == 302 and LogSmsSender.sent[-1][0] == PHONE  # type: ignore[attr-defined]
    assert client.get(reverse("intake:online_home")).status_code == 302  # not in before the code
    assert (
        client.post(
            reverse("intake:online_verify"), {"code": "000000" if _code() != "000000" else "111111"}
        ).status_code
        == 400
    )
    response = client.post(reverse("intake:online_verify"), {"code": _code()})
    assert response.status_code == 302 and response["Location"] == reverse("intake:online_home")
    school = Item.objects.get(number=30)
    response = client.post(reverse("intake:online_home"), {"items": [school.pk]})
    assert response.status_code == 302
    application = Application.objects.unscoped().get()
    assert (application.channel, application.recorded_by, application.person) == ("online", None, person)
    case = ItemCase.objects.unscoped().get()
    assert case.status == "waiting" and case.missing_materials == list(school.materials)
    # The same case reaches the education department as if it came from a window.
    assert list(ItemCase.objects.restrict(personas[Role.DEPARTMENT_HANDLER], "view")) == [case]
    page = client.get(reverse("intake:online_home")).content.decode()
    assert application.receipt_number in page and "待补充材料" in page


def test_wrong_details_get_one_answer_and_no_code(personas: Personas) -> None:
    person = make_person(personas.village, "刘洋", phone=PHONE, phone_masked="137****1111")
    client = Client()
    LogSmsSender.sent.clear()
    for override in (
        {"name": "刘阳"},
        {"phone": "13700002222"},
        {"id_number": "11010519491231002X"},
        {"id_number": "123"},
    ):
        response = _start(client, person, **override)
        assert response.status_code == 400  # type: ignore[attr-defined]
        assert "不符" in response.content.decode()  # type: ignore[attr-defined]
    assert list(LogSmsSender.sent) == []


def test_codes_are_rate_limited_and_tries_are_counted(personas: Personas, settings: object) -> None:
    person = make_person(personas.village, "刘洋", phone=PHONE, phone_masked="137****1111")
    settings.ONLINE_CODES_PER_HOUR = 2  # type: ignore[attr-defined]
    settings.ONLINE_CODE_ATTEMPTS = 2  # type: ignore[attr-defined]
    client = Client()
    assert _start(client, person).status_code == 302  # type: ignore[attr-defined]
    good = _code()
    wrong = "000000" if good != "000000" else "111111"
    for _ in range(2):
        assert client.post(reverse("intake:online_verify"), {"code": wrong}).status_code == 400
    assert client.post(reverse("intake:online_verify"), {"code": good}).status_code == 400  # locked after 2 tries
    assert _start(client, person).status_code == 302  # type: ignore[attr-defined]
    assert _start(client, person).status_code == 429  # type: ignore[attr-defined]
    assert OnlineCode.objects.count() == 2


def test_a_resident_uploads_a_document_to_their_own_application_only(personas: Personas) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from minsheng.intake.models import Attachment
    from minsheng.intake.services import ItemRequest, application_submit

    person = make_person(personas.village, "刘洋", phone=PHONE, phone_masked="137****1111")
    other = application_submit(
        actor=personas[Role.VILLAGE_WORKER],
        person=make_person(personas.village, "别人"),
        requests=[ItemRequest(item=Item.objects.get(number=30))],
        on_behalf=True,
    )
    client = Client()
    _start(client, person)
    client.post(reverse("intake:online_verify"), {"code": _code()})
    client.post(reverse("intake:online_home"), {"items": [Item.objects.get(number=30).pk]})
    mine = Application.objects.unscoped().get(person=person)
    pdf = b"%PDF-1.4 my document"
    response = client.post(
        reverse("intake:online_upload", args=[mine.pk]),
        {"material": "户口簿", "file": SimpleUploadedFile("a.pdf", pdf)},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.unscoped().get()
    assert (attachment.application, attachment.uploaded_by, attachment.material) == (mine, None, "户口簿")
    forged = client.post(
        reverse("intake:online_upload", args=[other.pk]), {"material": "x", "file": SimpleUploadedFile("b.pdf", pdf)}
    )
    assert forged.status_code == 404 and Attachment.objects.unscoped().count() == 1
