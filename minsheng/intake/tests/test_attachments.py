from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.catalog.models import Item
from minsheng.intake.models import Application, Attachment
from minsheng.intake.services import ItemRequest, application_submit, attachment_add
from minsheng.testing import Personas, make_person

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def application(personas: Personas) -> Application:
    return application_submit(
        actor=personas[Role.VILLAGE_WORKER],
        person=make_person(personas.village),
        requests=[ItemRequest(item=Item.objects.get(number=30))],
        on_behalf=True,
    )


def test_a_document_is_stored_outside_the_web_root_and_served_only_in_scope(
    personas: Personas, application: Application
) -> None:
    attachment = attachment_add(
        actor=personas[Role.VILLAGE_WORKER],
        application=application,
        uploaded=SimpleUploadedFile("户口簿.pdf", PDF),
        material="户口簿",
    )
    path = Path(settings.MEDIA_ROOT) / attachment.stored_file
    assert path.read_bytes() == PDF and not str(path).startswith(str(settings.STATIC_ROOT))
    assert (attachment.content_type, attachment.size, attachment.original_name) == (
        "application/pdf",
        len(PDF),
        "户口簿.pdf",
    )
    client = Client()
    client.force_login(personas[Role.TOWNSHIP_WINDOW])
    response = client.get(reverse("intake:attachment_download", args=[attachment.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert (
        AuditEvent.objects.unscoped()
        .filter(action="intake.attachment_viewed", actor_username=Role.TOWNSHIP_WINDOW)
        .count()
        == 1
    )
    outsider = Client()
    outsider.force_login(personas.outsider(Role.TOWNSHIP_WINDOW))
    assert outsider.get(reverse("intake:attachment_download", args=[attachment.pk])).status_code == 404
    assert client.get(reverse("intake:attachment_download", args=[attachment.pk + 1000])).status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("setup.exe", b"MZ\x90\x00", "PDF"),
        ("invoice.pdf", b"MZ\x90\x00 an executable renamed", "content"),
        ("photo.png", b"", "empty"),
    ],
)
def test_bad_documents_are_refused_and_nothing_is_stored(
    personas: Personas, application: Application, name: str, content: bytes, fragment: str
) -> None:
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as raised:
        attachment_add(
            actor=personas[Role.VILLAGE_WORKER],
            application=application,
            uploaded=SimpleUploadedFile(name, content),
            material="户口簿",
        )
    assert fragment in " ".join(raised.value.messages)
    assert not Attachment.objects.unscoped().exists()


def test_an_oversized_document_is_refused(personas: Personas, application: Application, settings: object) -> None:
    settings.ATTACHMENT_MAX_BYTES = 1024  # type: ignore[attr-defined]
    with pytest.raises(ValidationError):
        attachment_add(
            actor=personas[Role.VILLAGE_WORKER],
            application=application,
            uploaded=SimpleUploadedFile("big.pdf", PDF + b"0" * 2048),
            material="收入证明",
        )
    with pytest.raises(PermissionDenied):
        attachment_add(
            actor=personas.outsider(Role.VILLAGE_WORKER),
            application=application,
            uploaded=SimpleUploadedFile("a.pdf", PDF),
            material="收入证明",
        )
    assert not Attachment.objects.unscoped().exists()
