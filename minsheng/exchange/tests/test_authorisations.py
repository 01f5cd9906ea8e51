"""The 授权书 as a versioned record, and the query about a person that must name a valid one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.exchange.authorisations import NotAuthorised, Signer, authorisation_end, authorisation_for
from minsheng.exchange.models import Authorisation, DataSource
from minsheng.exchange.tests.factories import authorise, family, upload_contributions
from minsheng.people.models import Membership
from minsheng.testing import PASSWORD, Personas, make_person

ON = dt.date(2026, 3, 1)


def test_every_adult_signs_or_a_guardian_for_them_and_a_child_is_covered(personas: Personas) -> None:
    p = personas
    household, head, spouse, child = family(p)
    with pytest.raises(ValidationError, match="林二"):
        authorise(p, household, [head])

    authorisation = authorise(p, household, [head, Signer(spouse, "林大", _guardian_id())])

    assert (authorisation.version, authorisation.area_code, authorisation.ended_on) == (1, p.village.code, None)
    signer = authorisation.signers.get(person=spouse)
    assert (signer.guardian_name, signer.guardian_id_masked) == (
        "林大",
        _guardian_id()[:6] + "********" + _guardian_id()[-4:],
    )
    assert authorisation_for(person=child, on=ON) == authorisation
    assert authorisation_for(person=spouse, on=ON, source=DataSource.objects.get(code="vehicle")) == authorisation
    event = AuditEvent.objects.unscoped().get(action="exchange.authorisation_recorded")
    assert event.after is not None and _guardian_id() not in str(event.after)


def _guardian_id() -> str:
    from minsheng.exchange.tests.factories import id_number

    return id_number(300, dt.date(1980, 1, 1))


def test_a_query_without_a_valid_authorisation_is_refused_with_the_reason(personas: Personas) -> None:
    p = personas
    household, head, spouse, _ = family(p)
    with pytest.raises(NotAuthorised) as none:
        authorisation_for(person=head, on=ON)
    assert none.value.messages == [f"家庭 {household.number} 没有授权书，须先由家庭签署。"]

    first = authorise(p, household, [head, spouse], sources=DataSource.objects.filter(code="vehicle"))
    with pytest.raises(NotAuthorised) as caught:
        authorisation_for(person=head, on=ON, source=DataSource.objects.get(code="property"))
    assert caught.value.messages == ["授权书 SQ2026-0001 不包括 不动产登记中心·不动产登记。"]

    newcomer = make_person(p.village, "周四", birth="1990-01-01")
    Membership.objects.create(household=household, person=newcomer, relation="other", joined_on=dt.date(2026, 2, 1))
    with pytest.raises(NotAuthorised, match="周四"):
        authorisation_for(person=newcomer, on=ON)

    second = authorise(p, household, [head, spouse, newcomer], serial="SQ2026-0002", signed_on=dt.date(2026, 2, 10))
    first.refresh_from_db()
    assert (second.version, first.ended_on, first.end_reason) == (2, dt.date(2026, 2, 10), "由第 2 版取代")
    assert authorisation_for(person=newcomer, on=ON) == second

    authorisation_end(
        actor=p[Role.TOWNSHIP_REVIEWER], authorisation=second, on=dt.date(2026, 2, 20), reason="不符合条件"
    )
    with pytest.raises(NotAuthorised) as ended:
        authorisation_for(person=head, on=ON)
    assert ended.value.messages == ["授权书 SQ2026-0002 已于 2026-02-20 终止（不符合条件）。"]


def test_a_paper_authorisation_needs_its_scan_and_the_serial_is_unique(personas: Personas, tmp_path: Path) -> None:
    p = personas
    household, head, spouse, _ = family(p)
    with pytest.raises(ValidationError, match="扫描件"):
        authorise(p, household, [head, spouse], channel=Authorisation.Channel.PAPER)
    with override_settings(MEDIA_ROOT=tmp_path):
        scan = SimpleUploadedFile("授权书.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
        paper = authorise(p, household, [head, spouse], channel=Authorisation.Channel.PAPER, scan=scan)
        assert (tmp_path / paper.scan_file).read_bytes() == b"%PDF-1.4 signed" and len(paper.scan_sha256) == 64
    with pytest.raises(ValidationError, match="编号"):
        authorise(p, household, [head, spouse])
    assert Authorisation.objects.unscoped().count() == 1


def test_the_person_page_query_names_the_authorisation_or_says_why_not(personas: Personas) -> None:
    p = personas
    household, head, spouse, _ = family(p)
    upload_contributions(p, [(head, "4000")])
    web = Client()
    web.login(username=p[Role.TOWNSHIP_REVIEWER].username, password=PASSWORD)
    url = reverse("exchange:person_records", args=[head.pk])

    refused = web.get(url)
    assert refused.status_code == 403 and "授权书" in refused.content.decode()
    assert not AuditEvent.objects.unscoped().filter(action="exchange.person_queried").exists()

    authorise(p, household, [head, spouse])
    answer = web.get(url)

    assert answer.status_code == 200
    assert [r.amount_fen for r in answer.context["records"]] == [400_000]
    event = AuditEvent.objects.unscoped().get(action="exchange.person_queried")
    assert (event.object_id, event.reason, event.kind) == (str(head.pk), "依据授权书 SQ2026-0001", "view")
    outsider = Client()
    outsider.login(username=p.outsider(Role.TOWNSHIP_REVIEWER).username, password=PASSWORD)
    assert outsider.get(url).status_code == 404


def test_the_window_records_an_authorisation_on_its_page(personas: Personas) -> None:
    p = personas
    household, head, spouse, child = family(p)
    web = Client()
    web.login(username=p[Role.TOWNSHIP_WINDOW].username, password=PASSWORD)
    url = reverse("exchange:authorisation_new", args=[household.pk])
    page = web.get(url)
    assert page.status_code == 200 and f"signed_{child.pk}" not in page.context["form"].fields

    response = web.post(
        url,
        {
            "serial": "SQ-9",
            "channel": "electronic",
            "signed_on": timezone.localdate().isoformat(),
            "sources": list(DataSource.objects.values_list("pk", flat=True)),
            f"signed_{head.pk}": "on",
            f"guardian_name_{spouse.pk}": "林大",
            f"guardian_id_{spouse.pk}": _guardian_id(),
        },
    )

    authorisation = Authorisation.objects.unscoped().get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "exchange:authorisation_detail", args=[authorisation.pk]
    )
    assert sorted(authorisation.signers.values_list("person__name", "guardian_name")) == [
        ("林二", "林大"),
        ("陈一", ""),
    ]
    missing = web.post(
        url,
        {
            "serial": "SQ-10",
            "channel": "electronic",
            "signed_on": "2026-01-01",
            "sources": [DataSource.objects.get(code="vehicle").pk],
            f"signed_{head.pk}": "on",
        },
    )
    assert missing.status_code == 400 and "林二" in missing.content.decode()


def test_the_persons_file_shows_the_authorisation_in_force_and_the_way_to_the_query(personas: Personas) -> None:
    p = personas
    household, head, spouse, _ = family(p)
    web = Client()
    web.login(username=p[Role.TOWNSHIP_REVIEWER].username, password=PASSWORD)
    page = web.get(reverse("people:person_detail", args=[head.pk])).content.decode()
    assert f"家庭 {household.number} 没有授权书" in page

    authorise(p, household, [head, spouse])
    page = web.get(reverse("people:person_detail", args=[head.pk])).content.decode()

    assert "授权书 SQ2026-0001（第 1 版，2026-01-05 签署）有效。" in page
    assert reverse("exchange:person_records", args=[head.pk]) in page
