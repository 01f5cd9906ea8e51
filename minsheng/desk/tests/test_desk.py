"""我的待办: every role's due work from every module on one page, and the notices the services send."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.desk.models import Notice
from minsheng.desk.selectors import PAGE_SIZE
from minsheng.funeral.module import STAFF as FUNERAL_STAFF
from minsheng.relief.module import STAFF as RELIEF_STAFF
from minsheng.testing import Personas

if TYPE_CHECKING:
    from minsheng.accounts.models import User


@pytest.fixture(autouse=True)
def _fresh_counts() -> None:
    cache.clear()


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _kinds(user: User, **params: Any) -> list[str]:
    response = _client(user).get(reverse("desk:todo"), params)
    assert response.status_code == 200
    return sorted({item.kind for item in response.context["due"].rows})


def _everything(p: Personas) -> None:
    """Something due of every kind in the reference county."""
    from minsheng.assistance.benefits.models import Benefit
    from minsheng.assistance.procedure.tests.endpoints import _case, _enrolled_case
    from minsheng.assistance.temporary.tests.endpoints import _paid_first, _with_county
    from minsheng.funeral.tests.factories import filing
    from minsheng.intake.services import case_receive
    from minsheng.intake.tests.endpoints import _application, _waiting_case
    from minsheng.payments.tests.endpoints import _batch
    from minsheng.relief.tests.factories import admit

    _application(p)  # an education item to receive
    received = _second_education_item(p)
    case_receive(actor=p[Role.DEPARTMENT_HANDLER], case=received)  # one to decide
    _waiting_case(p)  # waiting for materials
    _case(p, "accepted")  # the investigators' step
    _case(p, "initial_review")  # the township reviewer's
    _case(p, "county_review")  # the county's
    _enrolled_case(p)
    Benefit.objects.unscoped().update(next_review_on=timezone.localdate() - dt.timedelta(days=1))
    _paid_first(p)
    _with_county(p)
    _batch(p)
    admit(p, known=True, at=timezone.now() - dt.timedelta(days=12), name="王志强")  # a stay past its limit
    filing(p)  # a funeral home's price filing for the county to review


def _second_education_item(p: Personas) -> Any:
    from minsheng.catalog.models import Item
    from minsheng.intake.services import ItemRequest, application_submit
    from minsheng.testing import make_person

    item = Item.objects.get(number=30)
    application = application_submit(
        actor=p[Role.TOWNSHIP_WINDOW],
        person=make_person(p.village, "孙丽"),
        requests=[ItemRequest(item=item, materials_provided=tuple(item.materials))],
        on_behalf=False,
    )
    return application.cases.get()


EXPECTED = {
    Role.VILLAGE_WORKER: ["intake_materials"],
    Role.TOWNSHIP_WINDOW: ["intake_materials", "procedure_step", "temporary_papers"],
    Role.TOWNSHIP_REVIEWER: ["intake_materials", "procedure_step", "temporary_papers"],
    Role.COUNTY_APPROVER: [
        "benefit_review",
        "funeral_filing",
        "intake_materials",
        "payroll_approve",
        "procedure_step",
        "temporary_decide",
    ],
    Role.COUNTY_PAYMENT_OFFICER: [],
    Role.DEPARTMENT_HANDLER: ["intake_decide", "intake_receive"],
    Role.CITY_ADMIN: [],
    Role.AUDITOR: [],
    RELIEF_STAFF: ["relief_stay"],
    FUNERAL_STAFF: [],  # a funeral home does not review its own filing
}


def test_the_to_do_page_lists_each_kind_for_each_role(personas: Personas) -> None:
    _everything(personas)
    for role, kinds in EXPECTED.items():
        assert _kinds(personas[role]) == kinds, role
        assert _kinds(personas.outsider(role)) == [], role  # nothing of another county


def test_the_list_is_by_deadline_filterable_and_paginated(personas: Personas) -> None:
    from minsheng.catalog.models import Item
    from minsheng.intake.services import ItemRequest, application_submit
    from minsheng.testing import make_person

    item = Item.objects.get(number=30)
    for n in range(PAGE_SIZE + 2):
        application_submit(
            actor=personas[Role.TOWNSHIP_WINDOW],
            person=make_person(personas.village, f"学生{n}"),
            requests=[ItemRequest(item=item, materials_provided=tuple(item.materials))],
            on_behalf=False,
        )
    _everything(personas)
    handler = _client(personas[Role.DEPARTMENT_HANDLER])
    first = handler.get(reverse("desk:todo")).context["due"]
    assert (first.total, len(first.rows), first.has_next) == (PAGE_SIZE + 4, PAGE_SIZE, True)
    deadlines = [row.deadline for row in first.rows]
    assert deadlines == sorted(deadlines)
    second = handler.get(reverse("desk:todo"), {"cursor": first.next_cursor}).context["due"]
    assert (len(second.rows), second.has_next) == (4, False)
    assert second.rows[0].deadline >= deadlines[-1]
    assert not {r.url for r in first.rows} & {r.url for r in second.rows}  # each item once
    only = handler.get(reverse("desk:todo"), {"kind": "intake_decide"}).context["due"]
    assert (only.total, [r.kind for r in only.rows]) == (1, ["intake_decide"])
    assert handler.get(reverse("desk:todo"), {"page": "x"}).status_code == 200  # the old page numbers: the first
    assert handler.get(reverse("desk:todo"), {"cursor": "forged"}).status_code == 400


def test_the_header_counts_what_is_due(personas: Personas) -> None:
    _everything(personas)
    response = _client(personas[Role.DEPARTMENT_HANDLER]).get(reverse("home"))
    assert response.context["nav_badges"]["todo"] == 2
    assert 'id="todo-count">2<' in response.content.decode()


def test_the_to_do_page_reads_in_a_fixed_number_of_queries(personas: Personas) -> None:
    from minsheng.catalog.models import Item
    from minsheng.intake.services import ItemRequest, application_submit
    from minsheng.testing import make_person

    _everything(personas)
    client = _client(personas[Role.COUNTY_APPROVER])
    client.get(reverse("desk:todo"))  # warm the session and the calendar

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("desk:todo")).status_code == 200
        return len(captured)

    before = queries()
    total = client.get(reverse("desk:todo")).context["due"].total
    item = Item.objects.get(number=30)
    for name in ("钱一", "钱二", "钱三"):  # three more items waiting for materials
        person = make_person(personas.village, name)
        application_submit(
            actor=personas[Role.TOWNSHIP_WINDOW], person=person, requests=[ItemRequest(item=item)], on_behalf=False
        )
    assert client.get(reverse("desk:todo")).context["due"].total == total + 3
    assert queries() == before


def test_notices_for_an_online_application_an_upload_and_a_decision(personas: Personas) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from minsheng.catalog.models import Item
    from minsheng.intake.services import (
        ItemRequest,
        application_submit_online,
        attachment_add_online,
        case_decide,
        case_receive,
    )
    from minsheng.testing import make_person

    item = Item.objects.get(number=30)
    person = make_person(personas.village, "周敏")
    application = application_submit_online(person=person, requests=[ItemRequest(item=item)])
    window = {personas[Role.VILLAGE_WORKER], personas[Role.TOWNSHIP_WINDOW]}
    new = Notice.objects.filter(text__contains=application.receipt_number)
    assert {n.recipient for n in new} == window
    assert {n.link for n in new} == {reverse("intake:application_detail", args=[application.pk])}

    attachment_add_online(
        person=person, application=application, uploaded=SimpleUploadedFile("a.pdf", b"%PDF-1.4"), material="户口簿"
    )
    case = application.cases.get()
    uploaded = Notice.objects.filter(text__contains="户口簿")
    assert sorted((n.recipient.username, n.link) for n in uploaded) == sorted(
        [
            (personas[Role.DEPARTMENT_HANDLER].username, reverse("intake:case_detail", args=[case.pk])),
            *((u.username, reverse("intake:application_detail", args=[application.pk])) for u in window),
        ]
    )

    attachment_add_online(
        person=person,
        application=application,
        uploaded=SimpleUploadedFile("b.pdf", b"%PDF-1.4"),
        material="申请人身份证",
    )
    from minsheng.intake.services import case_materials_received

    case_materials_received(actor=personas[Role.VILLAGE_WORKER], case=case)
    handler = personas[Role.DEPARTMENT_HANDLER]
    case_receive(actor=handler, case=case)
    case_decide(actor=handler, case=case, granted=True, reason="符合条件")
    decided = Notice.objects.filter(text__startswith="已办结")
    assert {n.recipient for n in decided} == window  # applied online: the window of the village hears

    client = _client(personas[Role.VILLAGE_WORKER])
    page = client.get(reverse("desk:todo"))
    assert page.context["nav_badges"]["desk_notices"] == 4  # the application, two uploads, the decision
    assert client.post(reverse("desk:notices_read")).status_code == 302
    assert not Notice.objects.filter(recipient=personas[Role.VILLAGE_WORKER], read=False).exists()
    assert client.get(reverse("desk:todo")).context["nav_badges"]["desk_notices"] == 0
