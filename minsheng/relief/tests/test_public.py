"""The public tracing announcements (no login): what they show and never show, the photo checked by content and
served through a view, taken down on reunification; the relief figures and the demo's published half year."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.core.middleware import CONTENT_SECURITY_POLICY
from minsheng.people.idnumbers import synthesize_id_number
from minsheng.relief.demo import demo_relief, wanted, wanted_since
from minsheng.relief.models import Admission, Station, Tracing
from minsheng.relief.module import STAFF
from minsheng.relief.services import announcement_publish, tracing_reunite
from minsheng.relief.tests.factories import JPEG, PNG, admit
from minsheng.statistics.refresh import cells_rebuild
from minsheng.statistics.selectors import Period, dashboard
from minsheng.testing import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(tmp_path: Path) -> object:
    with override_settings(MEDIA_ROOT=tmp_path):
        yield tmp_path


def _published(personas: Personas, **fields: object) -> Tracing:
    id_seen = synthesize_id_number(address_code="341202", birth_date=dt.date(1966, 3, 3), sequence=11)
    admission = admit(personas, name="自称老李", health_note=f"证件 {id_seen}", **fields)  # type: ignore[arg-type]
    return announcement_publish(
        actor=personas[STAFF],
        tracing=admission.tracing,
        text="男，约55岁，身高约170厘米，偏瘦，穿灰色外套，说话带安徽口音。",
        photo=SimpleUploadedFile("photo.jpg", JPEG, content_type="image/jpeg"),
    )


def test_the_announcement_shows_the_photo_description_place_and_contact_and_nothing_more(
    personas: Personas,
) -> None:
    tracing = _published(personas)
    client = Client()  # nobody signed in
    listing = client.get(reverse("relief:public_announcements"))
    assert listing.status_code == 200
    assert listing["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    page = client.get(reverse("relief:public_announcement", args=[tracing.public_id]))
    html = page.content.decode()
    assert page.status_code == 200
    for shown in ("男，约55岁，身高约170厘米", "宿迁汽车站", "宿城区救助管理站", "0527-84001234", "宿城区幸福路1号"):
        assert shown in html
    admission = tracing.admission
    for hidden in ("自称老李", admission.number, "证件", "341202", admission.health_note, "police", "公安机关"):
        assert hidden not in html
    assert "<script>" not in html and "style=" not in html
    photo = client.get(reverse("relief:public_photo", args=[tracing.public_id]))
    assert (photo.status_code, photo["Content-Type"], photo.getvalue()) == (200, "image/jpeg", JPEG)
    assert not tracing.photo_file.startswith("/") and (Path(settings.MEDIA_ROOT) / tracing.photo_file).is_file()


def test_reunification_takes_the_announcement_and_its_photo_down(personas: Personas) -> None:
    tracing = _published(personas)
    client = Client()
    url = reverse("relief:public_announcement", args=[tracing.public_id])
    assert client.get(url).status_code == 200
    tracing_reunite(actor=personas[STAFF], tracing=tracing, note="其女从阜阳来接")
    assert client.get(url).status_code == 404
    assert client.get(reverse("relief:public_photo", args=[tracing.public_id])).status_code == 404
    assert str(tracing.public_id) not in client.get(reverse("relief:public_announcements")).content.decode()
    stored = Tracing.objects.unscoped().get(pk=tracing.pk)
    assert (stored.status, stored.taken_down_at) == ("reunited", stored.closed_at)


def test_an_announcement_refuses_an_id_number_a_disguised_photo_and_an_oversized_one(personas: Personas) -> None:
    tracing = admit(personas).tracing
    staff = personas[STAFF]
    with pytest.raises(ValidationError) as with_id:
        announcement_publish(
            actor=staff,
            tracing=tracing,
            text="身份证号321302196803140011的男子",
            photo=SimpleUploadedFile("p.jpg", JPEG),
        )
    assert list(with_id.value.message_dict) == ["text"]
    with pytest.raises(ValidationError) as disguised:
        announcement_publish(actor=staff, tracing=tracing, text="男，约50岁", photo=SimpleUploadedFile("p.jpg", PNG))
    assert disguised.value.message_dict == {"photo": ["文件内容与文件名不符，请上传照片本身。"]}
    with pytest.raises(ValidationError) as pdf:
        announcement_publish(
            actor=staff, tracing=tracing, text="男，约50岁", photo=SimpleUploadedFile("p.pdf", b"%PDF-")
        )
    assert list(pdf.value.message_dict) == ["photo"]
    with override_settings(RELIEF_PHOTO_MAX_BYTES=1024), pytest.raises(ValidationError) as big:
        announcement_publish(
            actor=staff, tracing=tracing, text="男，约50岁", photo=SimpleUploadedFile("p.png", PNG + b"\x00" * 2000)
        )
    assert big.value.message_dict == {"photo": ["照片大于1 KB。"]}
    with pytest.raises(ValidationError, match="须附照片"):
        announcement_publish(actor=staff, tracing=tracing, text="男，约50岁")
    fresh = Tracing.objects.unscoped().get(pk=tracing.pk)
    assert (fresh.published_at, fresh.photo_file) == (None, "")


def test_an_unknown_or_malformed_announcement_reference_is_a_404(personas: Personas) -> None:
    client = Client()
    assert client.get(reverse("relief:public_announcement", args=["not-a-uuid"])).status_code == 404
    unpublished = admit(personas).tracing
    assert client.get(reverse("relief:public_announcement", args=[unpublished.public_id])).status_code == 404


# --- Figures ---------------------------------------------------------------------------------------------------


def test_person_times_helped_and_persons_reunited_are_the_headline_figures(personas: Personas) -> None:
    staff = personas[STAFF]
    january = dt.datetime(2026, 1, 6, 9, tzinfo=timezone.get_current_timezone())
    first = admit(personas, at=january)
    admit(personas, at=january + dt.timedelta(days=1), known=True)
    admit(personas, at=january + dt.timedelta(days=2), referral="self")
    tracing_reunite(actor=staff, tracing=first.tracing, note="家属接回", at=january + dt.timedelta(days=3))
    admit(personas, at=january.replace(month=2))  # outside the period read
    cells_rebuild()
    board = dashboard(
        user=personas[Role.CITY_ADMIN],
        area_code=None,
        period=Period(dt.date(2026, 1, 1), dt.date(2026, 1, 1)),
    )
    figures = {f.key: (f.available, f.value) for f in board.figures}
    assert figures["vagrants_helped"] == (True, 3)
    assert figures["vagrants_reunited"] == (True, 1)


def test_the_demo_reproduces_the_published_half_year_and_adds_nothing_the_second_time(personas: Personas) -> None:
    assert wanted(1.0) == {"half1": 155, "half1_reunited": 15, "half2": 168, "half2_reunited": 17}
    today = dt.date(2026, 12, 5)  # the half-year 2026-01 to 2026-06; since: 2026-07-01 to 2026-12-04
    # 2026-07-01 to 2026-11-20 (a stay's room before yesterday): 143 of 184 days of the second half's 168 and 17.
    assert wanted_since(0.1, today) == {"half1": 16, "half1_reunited": 2, "half2": 13, "half2_reunited": 1}
    done = demo_relief(scale=0.1, seed=7, today=today)
    assert (done["stations"], done["half1"], done["half1_reunited"]) == (6, 16, 2)  # round(15.5), round(1.5)
    assert done["admissions"] == 16 + 13
    zone = timezone.get_current_timezone()
    half = (dt.datetime(2026, 1, 1, tzinfo=zone), dt.datetime(2026, 7, 1, tzinfo=zone))
    admissions = Admission.objects.unscoped()
    assert admissions.filter(admitted_at__gte=half[0], admitted_at__lt=half[1]).count() == 16
    reunited = Tracing.objects.unscoped().filter(status="reunited", closed_at__gte=half[0], closed_at__lt=half[1])
    assert reunited.count() == 2
    assert admissions.filter(status="in_station").count() == 0
    shown = Tracing.objects.unscoped().filter(status="open", taken_down_at__isnull=True, published_at__isnull=False)
    assert shown.count() == 3
    before = (admissions.count(), Station.objects.unscoped().count())
    assert demo_relief(scale=0.1, seed=7, today=today) == {}
    assert not admissions.filter(admitted_at__date__gte=today).exists()
    assert (admissions.count(), Station.objects.unscoped().count()) == before
    cells_rebuild()
    board = dashboard(
        user=personas[Role.CITY_ADMIN], area_code=None, period=Period(dt.date(2026, 1, 1), dt.date(2026, 6, 1))
    )
    figures = {f.key: f.value for f in board.figures}
    assert (figures["vagrants_helped"], figures["vagrants_reunited"]) == (16, 2)
