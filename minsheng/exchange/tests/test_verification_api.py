"""The shared service over the API: another department's system (public housing, student aid, legal aid) requests a
核对 of its applicant's household under the family's 授权书 and reads the report; it reads only its own requests,
every refusal says why in Chinese, and the bureau sees who asked what (the request's client, the audit, the count on
the client list)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.core.crypto import mask_id_number
from minsheng.exchange.authorisations import authorisation_end
from minsheng.exchange.models import DepartmentClient, Verification
from minsheng.exchange.services import client_create, client_may_verify_set, feed_upload
from minsheng.exchange.tests.factories import (
    OFFICER,
    authorise,
    client,
    csv_of,
    family,
    id_number,
    source,
    upload_contributions,
)
from minsheng.exchange.verification import verification_request, verification_review
from minsheng.testing import PASSWORD, Personas, make_person

pytestmark = pytest.mark.django_db

URL = "/api/v1/exchange/verifications/"
TODAY = timezone.localdate()
PURPOSES_REFUSED = (
    "部门系统只能为 housing（公共租赁住房（住建））、student_aid（学生资助（教育））、legal_aid（法律援助（司法））"
    "申请核对，不能为本平台自身的救助项目申请。"
)


def verifier(p: Personas, name: str = "住建局公租房系统", *, may_verify: bool = True) -> tuple[DepartmentClient, str]:
    made: tuple[DepartmentClient, str] = client_create(
        actor=p["city_admin"],
        name=name,
        area_code=p.city.code,
        sources=[source("property")],
        may_verify=may_verify,
    )
    return made


def post(key: str, body: dict[str, Any]) -> Any:
    return Client().post(URL, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")


def get(key: str, path: str = "") -> Any:
    return Client().get(f"{URL}{path}", HTTP_AUTHORIZATION=f"Bearer {key}")


def body(person: Any, *, name: str | None = None, serial: str = "SQ2026-0001", purpose: str = "housing") -> Any:
    return {
        "id_number": person.id_number,
        "name": person.name if name is None else name,
        "authorisation": serial,
        "purpose": purpose,
    }


def authorised(p: Personas) -> tuple[Any, Any, Any, Any]:
    """The reference village's family with its 授权书 SQ2026-0001 signed by both adults: (household, head, spouse,
    authorisation)."""
    household, head, spouse, _child = family(p)
    return household, head, spouse, authorise(p, household, [head, spouse])


def test_a_client_requests_a_verification_and_reads_the_report_once_the_county_has_answered(
    personas: Personas,
) -> None:
    p = personas
    housing, key = verifier(p)
    household, head, spouse, authorisation = authorised(p)

    response = post(key, body(head))

    assert response.status_code == 201, response.json()
    verification = Verification.objects.unscoped().get()
    assert response.json() == {"number": verification.number, "status": "submitted"}
    assert (verification.client, verification.requested_by, verification.household) == (
        housing,
        housing.user,
        household,
    )
    assert (verification.purpose, verification.authorisation, verification.area_code) == (
        "housing",
        authorisation,
        p.village.code,
    )
    requested = AuditEvent.objects.unscoped().get(action="exchange.verification_requested")
    assert (requested.actor_id, requested.kind) == (housing.user.pk, "system")
    assert requested.after is not None
    assert (requested.after["client"], requested.after["authorisation"]) == ("住建局公租房系统", "SQ2026-0001")

    waiting = get(key, f"{verification.number}/")
    assert waiting.status_code == 200
    assert waiting.json() | {"requested_at": None} == {
        "number": verification.number,
        "purpose": "housing",
        "status": "submitted",
        "requested_at": None,
        "reported_at": None,
        "conclusion": "",
        "valid_until": None,
        "findings": "",
        "refusal": "",
        "superseded": False,
        "items": [],
    }

    # The county dispatches; the 人社 data is held (¥3,000 for the spouse in October), the bank answers by file.
    upload_contributions(p, [(spouse, "3000.00")], batch="RS-2026-10")
    verification = verification_review(actor=p[OFFICER], verification=verification, dispatch=True)
    bank = verification.queries.get(source__code="financial_asset")
    answer = csv_of(
        ["id_number", "name", "institution", "kind", "as_of", "balance"],
        [head.id_number, head.name, "宿迁农商行", "deposit", (TODAY - dt.timedelta(days=3)).isoformat(), "80000.00"],
    )
    feed_upload(actor=p[OFFICER], source=bank.source, batch=bank.reference, content=answer, filename="answer.csv")

    report = get(key, f"{verification.number}/")

    assert report.status_code == 200
    data = report.json()
    assert (data["status"], data["conclusion"], data["valid_until"]) == (
        "reported",
        "doubtful",  # housing is not the platform's to calculate: the differences are the 疑点
        (TODAY + dt.timedelta(days=90)).isoformat(),
    )
    assert data["items"] == [
        {
            "item": "income",
            "declared": 0,
            "verified": 300_000,
            "unit": "fen",
            "sources": "社会保险缴费基数",
            "differs": True,
        },
        {
            "item": "asset",
            "declared": 0,
            "verified": 8_000_000,
            "unit": "fen",
            "sources": "存款、理财、证券及保险现金价值",
            "differs": True,
        },
        {"item": "vehicle", "declared": 0, "verified": 0, "unit": "count", "sources": "", "differs": False},
        {"item": "property", "declared": 0, "verified": 0, "unit": "count", "sources": "", "differs": False},
        {"item": "company", "declared": 0, "verified": 0, "unit": "count", "sources": "", "differs": False},
        {"item": "public_pay", "declared": 0, "verified": 0, "unit": "count", "sources": "", "differs": False},
    ]
    assert "¥80,000.00" in data["findings"] and "¥3,000.00" in data["findings"]
    reads = AuditEvent.objects.unscoped().filter(action="exchange.verification_read", kind="view")
    assert reads.count() == 2
    assert {(e.actor_id, e.object_id, e.area_code) for e in reads} == {
        (housing.user.pk, str(verification.pk), p.village.code)
    }

    listed = get(key)
    assert listed.status_code == 200
    assert listed.json()["count"] == 1
    assert [(r["number"], r["status"], r["conclusion"]) for r in listed.json()["results"]] == [
        (verification.number, "reported", "doubtful")
    ]
    assert AuditEvent.objects.unscoped().get(action="exchange.verifications_listed").after == {
        "numbers": [verification.number]
    }


def test_another_client_does_not_find_the_request(personas: Personas) -> None:
    p = personas
    _housing, key = verifier(p)
    _, other_key = verifier(p, "教育局学生资助系统")
    _household, head, _spouse, _authorisation = authorised(p)
    number = post(key, body(head)).json()["number"]

    assert get(other_key, f"{number}/").status_code == 404
    assert get(other_key).json()["count"] == 0
    for bad in ("x" * 25, "HD%00", "%E4%BD%A0"):
        assert get(key, f"{bad}/").status_code == 404
    assert not AuditEvent.objects.unscoped().filter(action="exchange.verification_read").exists()


def test_a_client_not_allowed_to_verify_is_refused_403_and_nothing_is_written(personas: Personas) -> None:
    p = personas
    _police, key = client(p)  # sends feeds only
    _household, head, _spouse, _authorisation = authorised(p)

    refused = post(key, body(head))

    assert refused.status_code == 403 and refused.json() == {"detail": "该接入系统无权申请核对。"}
    assert get(key).status_code == 403
    assert get(key, "HD2026120500000001/").status_code == 403
    assert not Verification.objects.unscoped().exists()


def test_the_platforms_own_purposes_are_not_a_departments_to_ask(personas: Personas) -> None:
    p = personas
    housing, key = verifier(p)
    household, head, _spouse, _authorisation = authorised(p)

    for purpose in ("dibao", "temporary", "nothing"):
        refused = post(key, body(head, purpose=purpose))
        assert refused.status_code == 400
        assert refused.json() == {"detail": f"purpose：{PURPOSES_REFUSED}", "errors": {"purpose": [PURPOSES_REFUSED]}}
    with pytest.raises(ValidationError):  # the service itself refuses it too
        verification_request(actor=housing.user, household=household, purpose="dibao", client=housing)
    assert not Verification.objects.unscoped().exists()


def _refusal(p: Personas, case: str) -> tuple[dict[str, Any], str]:
    """The request body of each bad case, and the reason the answer gives."""
    household, head, spouse, authorisation = authorised(p)
    masked = mask_id_number(head.id_number)
    if case == "unknown ID":
        number = id_number(77)
        return body(head) | {"id_number": number}, f"户籍登记中没有身份证号码为 {mask_id_number(number)} 的人员。"
    if case == "wrong name":
        return body(head, name="陈二"), f"姓名与登记的身份证号码为 {masked} 的人员不符。"
    if case == "no household":
        alone = make_person(p.village, "吴六")
        return body(alone), f"身份证号码为 {mask_id_number(alone.id_number)} 的人员不属于任何家庭户。"
    not_theirs = "授权书 %s 不是身份证号码为 " + masked + " 的人员所在家庭的授权书。"
    if case == "unknown serial":
        return body(head, serial="SQ2026-9999"), not_theirs % "SQ2026-9999"
    if case == "another household's serial":
        other, other_head, other_spouse, _child = _other_family(p)
        authorise(p, other, [other_head, other_spouse], serial="SQ2026-0002")
        return body(head, serial="SQ2026-0002"), not_theirs % "SQ2026-0002"
    if case == "expired":
        authorise(p, household, [head, spouse], serial="SQ2026-0003", valid_until=dt.date(2026, 2, 1))
        return body(head, serial="SQ2026-0003"), "授权书 SQ2026-0003 的有效期至 2026-02-01。"
    if case == "ended":
        authorisation_end(actor=p[Role.TOWNSHIP_REVIEWER], authorisation=authorisation, on=TODAY, reason="退出救助")
        return body(head), f"授权书 SQ2026-0001 已于 {TODAY.isoformat()} 终止（退出救助）。"
    if case == "replaced":
        authorise(p, household, [head, spouse], serial="SQ2026-0004", signed_on=dt.date(2026, 3, 1))
        return body(head), "授权书 SQ2026-0001 已于 2026-03-01 终止（由第 2 版取代）。"
    raise AssertionError(case)


def _other_family(p: Personas) -> Any:
    from minsheng.testing import make_household

    head = make_person(p.village, "周七", birth="1975-01-01")
    spouse = make_person(p.village, "郑八", birth="1976-01-01")
    return make_household(p.village, head, (spouse, "spouse")), head, spouse, None


@pytest.mark.parametrize(
    "case",
    [
        "unknown ID",
        "wrong name",
        "no household",
        "unknown serial",
        "another household's serial",
        "expired",
        "ended",
        "replaced",
    ],
)
def test_a_request_the_registry_or_the_authorisation_does_not_bear_out_is_a_400_with_the_reason(
    personas: Personas, case: str
) -> None:
    p = personas
    housing, key = verifier(p)
    request, reason = _refusal(p, case)

    refused = post(key, request)

    assert refused.status_code == 400
    assert refused.json() == {"detail": reason}
    assert not Verification.objects.unscoped().exists()
    audited = AuditEvent.objects.unscoped().get(action="exchange.verification_refused")
    assert (audited.actor_id, audited.object_id, audited.reason) == (housing.user.pk, str(housing.pk), reason)
    assert audited.after == {
        "id_number": mask_id_number(request["id_number"]),
        "purpose": "housing",
        "authorisation": request["authorisation"],
    }


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id_number", "12345"),
        ("id_number", "3" * 19),
        ("name", "张" * 51),
        ("authorisation", "S" * 31),
        ("purpose", ""),
        ("name", "陈\x00一"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(personas: Personas, field: str, value: str) -> None:
    p = personas
    _housing, key = verifier(p)
    _household, head, _spouse, _authorisation = authorised(p)

    refused = post(key, body(head) | {field: value})

    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == [field]
    assert not Verification.objects.unscoped().exists()
    missing = post(key, {})
    assert missing.status_code == 400
    assert sorted(missing.json()["errors"]) == ["authorisation", "id_number", "name", "purpose"]


def test_no_second_request_while_one_is_under_way(personas: Personas) -> None:
    p = personas
    _housing, key = verifier(p)
    _, aid_key = verifier(p, "教育局学生资助系统")
    household, head, spouse, _authorisation = authorised(p)
    number = post(key, body(head)).json()["number"]

    again = post(key, body(spouse))  # the same household through another member: the same request is open
    assert again.status_code == 400
    assert again.json() == {"detail": f"本系统对该户的核对申请 {number} 仍在办理中，请查询该申请。"}
    other = post(aid_key, body(head, purpose="student_aid"))
    assert other.status_code == 400
    assert other.json() == {"detail": f"家庭 {household.number} 已有正在进行的核对。"}
    assert Verification.objects.unscoped().count() == 1
    assert AuditEvent.objects.unscoped().filter(action="exchange.verification_refused").count() == 2

    Verification.objects.unscoped().update(status=Verification.Status.REFUSED)  # the centre returned it
    assert post(key, body(head)).status_code == 201


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer mx_wrong", "Token mx_wrong"])
def test_a_request_without_a_valid_key_is_401(personas: Personas, header: str) -> None:
    headers = {"Authorization": header} if header else {}
    assert Client().post(URL, {}, content_type="application/json", headers=headers).status_code == 401
    assert Client().get(URL, headers=headers).status_code == 401
    assert Client().get(f"{URL}HD2026120500000001/", headers=headers).status_code == 401


def test_a_staff_session_is_no_client(personas: Personas) -> None:
    web = Client()
    web.login(username=personas["city_admin"].username, password=PASSWORD)
    assert web.get(URL).status_code == 401


def test_the_list_is_paginated_with_a_bounded_page(personas: Personas) -> None:
    p = personas
    _housing, key = verifier(p)
    _household, head, _spouse, _authorisation = authorised(p)
    post(key, body(head))

    assert get(key, "?limit=1").json()["count"] == 1
    assert get(key, "?limit=1000").status_code == 400
    assert get(key, "?offset=-1").status_code == 400


def test_a_city_administrator_allows_a_client_to_verify_and_sees_what_it_asked(personas: Personas) -> None:
    p = personas
    web = Client()
    web.login(username=p["city_admin"].username, password=PASSWORD)
    created = web.post(
        reverse("exchange:client_new"),
        {"name": "司法局法律援助系统", "area": p.city.code, "sources": [source("property").pk], "may_verify": "on"},
    )
    assert created.status_code == 200
    legal = DepartmentClient.objects.unscoped().get(name="司法局法律援助系统")
    assert legal.may_verify is True
    made = AuditEvent.objects.unscoped().get(action="exchange.client_created", object_id=str(legal.pk))
    assert made.after is not None and made.after["may_verify"] is True

    police, _key = client(p)
    allowed = web.post(reverse("exchange:client_may_verify", args=[police.pk]), {"may_verify": "1"})
    assert allowed.status_code == 302
    police.refresh_from_db()
    assert police.may_verify is True
    changed = AuditEvent.objects.unscoped().get(action="exchange.client_changed")
    assert changed.before is not None and changed.after is not None
    assert (changed.actor_id, changed.before["may_verify"], changed.after["may_verify"]) == (
        p["city_admin"].pk,
        False,
        True,
    )
    client_may_verify_set(actor=p["city_admin"], client=police, may_verify=True)  # set already: nothing written
    assert AuditEvent.objects.unscoped().filter(action="exchange.client_changed").count() == 1
    web.post(reverse("exchange:client_may_verify", args=[police.pk]), {"may_verify": "0"})
    police.refresh_from_db()
    assert police.may_verify is False
    assert AuditEvent.objects.unscoped().filter(action="exchange.client_changed").count() == 2

    household, _head, _spouse, _authorisation = authorised(p)
    verification_request(actor=legal.user, household=household, purpose="legal_aid", client=legal)
    page = web.get(reverse("exchange:client_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "可申请核对" in html and "已申请核对" in html and "取消许可" in html and "可为其申请人的家庭申请核对" in html
    rows = {c.name: (c.may_verify, c.verifications_asked) for c in page.context["clients"]}
    assert rows == {"司法局法律援助系统": (True, 1), "公安局人口信息系统": (False, 0)}
    outsider = p[Role.TOWNSHIP_WINDOW]
    assert not outsider.has_perm("exchange.change_departmentclient")


def test_the_list_costs_the_same_queries_for_one_request_or_many(personas: Personas) -> None:
    p = personas
    _housing, key = verifier(p)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert get(key).status_code == 200
        return len(captured)

    _household, head, _spouse, _authorisation = authorised(p)
    post(key, body(head))
    one = queries()
    for serial in ("SQ2026-0011", "SQ2026-0012"):
        household, other_head, other_spouse, _none = _other_family(p)
        authorise(p, household, [other_head, other_spouse], serial=serial)
        assert post(key, body(other_head, serial=serial)).status_code == 201

    assert get(key).json()["count"] == 3
    assert queries() == one
