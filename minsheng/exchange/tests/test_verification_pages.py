"""The pages of 核对 for one household: the request from the person's file, the list, the detail with the review, the
query file and the answer upload, the report with its PDF, the objection, and the officer's to-do list."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.exchange.models import Verification, VerificationQuery
from minsheng.exchange.tests.factories import OFFICER, authorise, csv_of, family
from minsheng.exchange.tests.test_verification import _bank_answer, _declared, _requested
from minsheng.exchange.verification import verification_review
from minsheng.testing import Personas, pdf_text

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _dispatched(p: Personas) -> tuple[Verification, Any]:
    verification, _household, head, _spouse = _requested(p)
    verification = verification_review(actor=p[OFFICER], verification=verification, dispatch=True)
    return verification, head


def _reported(p: Personas) -> Verification:
    verification, head = _dispatched(p)
    _bank_answer(p, verification.queries.get(source__code="financial_asset"), [(head, "80000.00")])
    verification.refresh_from_db()
    return verification


def test_the_township_requests_from_the_persons_file(personas: Personas) -> None:
    p = personas
    household, head, spouse, _child = family(p)
    authorise(p, household, [head, spouse])
    _declared(p, household, head, spouse)
    window = _client(p[Role.TOWNSHIP_WINDOW])
    file = window.get(reverse("people:person_detail", args=[head.pk])).content.decode()
    url = reverse("exchange:verification_new", args=[household.pk])
    assert url in file and "申请家庭经济状况核对" in file

    form = window.get(url)
    assert form.status_code == 200 and "低保" in form.content.decode()
    response = window.post(url, {"purpose": "dibao"})

    verification = Verification.objects.unscoped().get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "exchange:verification_detail", args=[verification.pk]
    )
    assert (verification.status, verification.purpose, verification.requested_by) == (
        "submitted",
        "dibao",
        p[Role.TOWNSHIP_WINDOW],
    )
    # A second request while the first is open: the refusal on the form, in Chinese, nothing written.
    again = window.post(url, {"purpose": "housing"})
    assert again.status_code == 400 and "已有正在进行的核对" in again.content.decode()
    bad = window.post(url, {"purpose": "lottery"})
    assert bad.status_code == 400 and "有效的选项" in bad.content.decode()
    assert Verification.objects.unscoped().count() == 1


def test_a_request_without_an_authorisation_is_refused_on_the_form(personas: Personas) -> None:
    p = personas
    household, *_members = family(p)
    response = _client(p[Role.TOWNSHIP_WINDOW]).post(
        reverse("exchange:verification_new", args=[household.pk]), {"purpose": "dibao"}
    )
    assert response.status_code == 400 and "授权书" in response.content.decode()
    assert not Verification.objects.unscoped().exists()


def test_who_may_request_and_who_may_see(personas: Personas) -> None:
    p = personas
    verification, household, _head, _spouse = _requested(p)
    new = reverse("exchange:verification_new", args=[household.pk])
    detail = reverse("exchange:verification_detail", args=[verification.pk])
    assert _client(p[Role.VILLAGE_WORKER]).get(new).status_code == 403
    assert _client(p[Role.AUDITOR]).get(new).status_code == 403
    assert _client(p.outsider(Role.TOWNSHIP_WINDOW)).get(new).status_code == 404  # another county's household
    for role in (Role.TOWNSHIP_WINDOW, Role.TOWNSHIP_REVIEWER, OFFICER, Role.COUNTY_APPROVER, Role.AUDITOR):
        assert _client(p[role]).get(detail).status_code == 200, role
    assert _client(p[Role.VILLAGE_WORKER]).get(detail).status_code == 403
    assert _client(p.outsider(OFFICER)).get(detail).status_code == 404
    assert _client(p.outsider(Role.COUNTY_APPROVER)).get(detail).status_code == 404
    assert Client().get(detail).status_code == 302  # to the login page


def test_the_list_is_scoped_filtered_and_counts_the_open_requests_per_county(personas: Personas) -> None:
    p = personas
    verification, *_rest = _requested(p)
    officer = _client(p[OFFICER])
    url = reverse("exchange:verification_list")
    page = officer.get(url)
    html = page.content.decode()
    assert page.status_code == 200 and verification.number in html
    assert page.context["pending"] == [(p.county.code[:6], p.county.name, 1)]
    assert verification.number in officer.get(url, {"status": "submitted", "requester": "staff"}).content.decode()
    assert verification.number not in officer.get(url, {"status": "reported"}).content.decode()
    assert verification.number not in officer.get(url, {"requester": "client"}).content.decode()
    assert verification.number not in officer.get(url, {"purpose": "housing"}).content.decode()
    bad = officer.get(url, {"status": "lost"})
    assert bad.status_code == 400 and "有效的选项" in bad.content.decode()
    outsider = _client(p.outsider(OFFICER)).get(url)
    assert verification.number not in outsider.content.decode() and outsider.context["pending"] == []
    assert _client(p[Role.VILLAGE_WORKER]).get(url).status_code == 403
    # In the navigation of the data exchange, for those who read verifications.
    assert "家庭经济状况核对" in _client(p[Role.AUDITOR]).get(reverse("home")).content.decode()


def test_the_officer_finds_the_request_on_the_to_do_list_and_dispatches_it(personas: Personas) -> None:
    p = personas
    verification, *_rest = _requested(p)
    officer = _client(p[OFFICER])
    todo = officer.get(reverse("desk:todo")).content.decode()
    assert verification.number in todo and reverse("exchange:verification_detail", args=[verification.pk]) in todo
    assert verification.number not in _client(p.outsider(OFFICER)).get(reverse("desk:todo")).content.decode()
    detail = officer.get(reverse("exchange:verification_detail", args=[verification.pk])).content.decode()
    assert 'id="dispatch-form"' in detail and 'id="return-form"' in detail
    review = reverse("exchange:verification_review", args=[verification.pk])
    # Another county's officer cannot review it; the township cannot either.
    assert _client(p.outsider(OFFICER)).post(review, {"decision": "dispatch"}).status_code == 404
    assert _client(p[Role.TOWNSHIP_WINDOW]).post(review, {"decision": "dispatch"}).status_code == 403
    assert Verification.objects.unscoped().get().status == "submitted"

    response = officer.post(review, {"decision": "dispatch"})

    assert response.status_code == 302
    verification.refresh_from_db()
    assert verification.status == "dispatched"
    assert verification.number not in officer.get(reverse("desk:todo")).content.decode()
    again = officer.post(review, {"decision": "dispatch"})
    assert again.status_code == 400 and "该申请已处理过" in again.content.decode()


def test_a_return_needs_a_reason(personas: Personas) -> None:
    p = personas
    verification, *_rest = _requested(p)
    officer = _client(p[OFFICER])
    review = reverse("exchange:verification_review", args=[verification.pk])
    empty = officer.post(review, {"decision": "return", "reason": " "})
    assert empty.status_code == 400 and "请填写退回原因" in empty.content.decode()
    assert officer.post(review, {"decision": "maybe"}).status_code == 400
    assert officer.post(review, {"decision": "return", "reason": "授权书扫描件不清晰"}).status_code == 302
    verification.refresh_from_db()
    assert (verification.status, verification.refusal) == ("refused", "授权书扫描件不清晰")
    html = _client(p[Role.TOWNSHIP_WINDOW]).get(reverse("exchange:verification_detail", args=[verification.pk]))
    assert "授权书扫描件不清晰" in html.content.decode()


def test_the_query_file_and_the_answer_upload(personas: Personas) -> None:
    p = personas
    verification, head = _dispatched(p)
    query = verification.queries.get(source__code="financial_asset")
    held = verification.queries.get(source__code="vehicle")
    officer = _client(p[OFFICER])
    file_url = reverse("exchange:verification_query_file", args=[verification.pk, query.pk])
    assert _client(p[Role.TOWNSHIP_WINDOW]).get(file_url).status_code == 403
    assert _client(p.outsider(OFFICER)).get(file_url).status_code == 404
    assert officer.get(reverse("exchange:verification_query_file", args=[verification.pk, held.pk])).status_code == 404
    assert not AuditEvent.objects.unscoped().filter(action="exchange.query_file_read").exists()

    response = officer.get(file_url)

    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "reference,id_number,name" and f"{query.reference},{head.id_number},{head.name}" in lines
    assert AuditEvent.objects.unscoped().filter(action="exchange.query_file_read").count() == 1

    answer = reverse("exchange:verification_answer", args=[verification.pk, query.pk])
    # A file with a bad row is refused with the row's number; nothing is answered.
    bad = csv_of(
        ["id_number", "name", "institution", "kind", "as_of", "balance"],
        [head.id_number, head.name, "宿迁农商行", "deposit", "2026-13-01", "lots"],
    )
    refused = officer.post(answer, {"file": SimpleUploadedFile("answer.csv", bad, "text/csv")})
    assert refused.status_code == 400 and 'id="feed-problems"' in refused.content.decode()
    assert [row for row, _reasons in refused.context["problems"].problems] == [2]
    assert VerificationQuery.objects.get(pk=query.pk).status == "waiting"
    assert officer.post(answer, {}).status_code == 400

    good = csv_of(
        ["id_number", "name", "institution", "kind", "as_of", "balance"],
        [head.id_number, head.name, "宿迁农商行", "deposit", "2026-11-20", "80000.00"],
    )
    response = officer.post(answer, {"file": SimpleUploadedFile("answer.csv", good, "text/csv")})

    assert response.status_code == 302
    verification.refresh_from_db()
    assert (verification.status, verification.conclusion) == ("reported", "inconsistent")
    assert VerificationQuery.objects.get(pk=query.pk).answered_from == "file"
    late = officer.post(answer, {"file": SimpleUploadedFile("answer.csv", good, "text/csv")})
    assert late.status_code == 400 and "该查询已答复" in late.content.decode()


def test_the_report_page_and_its_pdf_are_audited(personas: Personas) -> None:
    p = personas
    verification = _reported(p)
    detail = reverse("exchange:verification_detail", args=[verification.pk])
    response = _client(p[Role.COUNTY_APPROVER]).get(detail)
    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert 'id="item-asset" class="table-warning" data-differs="true"' in html
    assert "¥80,000.00" in html and "不符合" in html
    assert 'id="objection-form"' not in html  # the county approver does not file objections
    assert "陈一" not in html and "陈*" in html  # the members masked
    assert (
        AuditEvent.objects.unscoped().filter(action="exchange.report_viewed", object_id=str(verification.pk)).count()
        == 1
    )

    pdf = _client(p[Role.AUDITOR]).get(reverse("exchange:verification_pdf", args=[verification.pk]))

    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf["Cache-Control"] == "no-store"
    text = pdf_text(pdf.content)
    assert verification.number in text and "80,000.00" in text
    event = AuditEvent.objects.unscoped().filter(action="exchange.report_viewed").order_by("-id").first()
    assert event is not None and event.actor == p[Role.AUDITOR] and event.reason == "打印核对报告（PDF）"
    assert (
        _client(p.outsider(Role.AUDITOR)).get(reverse("exchange:verification_pdf", args=[verification.pk])).status_code
        == 404
    )


def test_no_pdf_before_the_report(personas: Personas) -> None:
    verification, *_rest = _requested(personas)
    response = _client(personas[OFFICER]).get(reverse("exchange:verification_pdf", args=[verification.pk]))
    assert response.status_code == 404


def test_an_objection_files_a_recheck(personas: Personas) -> None:
    p = personas
    verification = _reported(p)
    window = _client(p[Role.TOWNSHIP_WINDOW])
    detail = window.get(reverse("exchange:verification_detail", args=[verification.pk])).content.decode()
    assert 'id="objection-form"' in detail
    url = reverse("exchange:verification_object", args=[verification.pk])
    empty = window.post(url, {"objection": ""})
    assert empty.status_code == 400 and "该字段是必填项" in empty.content.decode()
    assert _client(p[OFFICER]).post(url, {"objection": "存款为代管资金"}).status_code == 403

    response = window.post(url, {"objection": "存款为代管的集体资金"})

    recheck = Verification.objects.unscoped().get(recheck_of=verification)
    assert response.status_code == 302 and response["Location"] == reverse(
        "exchange:verification_detail", args=[recheck.pk]
    )
    assert (recheck.status, recheck.objection) == ("submitted", "存款为代管的集体资金")
    again = window.post(url, {"objection": "再次异议"})
    assert again.status_code == 400 and "已申请复查" in again.content.decode()
    page = window.get(reverse("exchange:verification_detail", args=[verification.pk])).content.decode()
    assert 'id="recheck-link"' in page and recheck.number in page


def test_bad_ids_are_not_found(personas: Personas) -> None:
    officer = _client(personas[OFFICER])
    assert officer.get("/exchange/verifications/99999999999999999999999/").status_code == 404
    assert officer.get(reverse("exchange:verification_detail", args=[12345])).status_code == 404


def test_the_list_reads_a_fixed_number_of_queries(personas: Personas) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from minsheng.exchange.verification import verification_request

    p = personas
    officer = _client(p[OFFICER])

    def request_one(serial: str) -> None:
        household, head, spouse, _child = family(p)
        authorise(p, household, [head, spouse], serial=serial)
        verification_request(actor=p[Role.TOWNSHIP_WINDOW], household=household, purpose="dibao")

    request_one("SQ-A")
    officer.get(reverse("exchange:verification_list"))  # the header's counts are cached from here on
    with CaptureQueriesContext(connection) as one:
        assert officer.get(reverse("exchange:verification_list")).status_code == 200
    for serial in ("SQ-B", "SQ-C", "SQ-D"):
        request_one(serial)
    with CaptureQueriesContext(connection) as four:
        page = officer.get(reverse("exchange:verification_list"))
    assert len(page.context["page"].object_list) == 4
    assert len(four.captured_queries) == len(one.captured_queries)
