from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.models import RoleAssignment, User
from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.catalog.models import Department, Item
from minsheng.intake.models import Application, ItemCase
from minsheng.intake.services import ItemRequest, application_status, application_submit, case_decide
from minsheng.testing import Personas, make_household, make_person, make_user, pdf_text
from minsheng.workdays.services import Calendar

pytestmark = pytest.mark.django_db


def _handler(p: Personas, code: str) -> User:
    department = Department.objects.get(code=code)
    user = make_user(f"handler_{code}", None, p.county)
    RoleAssignment.objects.create(user=user, role=Role.DEPARTMENT_HANDLER, division=p.county, department=department)
    return user


def _complete(item: Item) -> ItemRequest:
    return ItemRequest(item=item, materials_provided=tuple(item.materials))


def test_three_items_three_departments_one_status(personas: Personas) -> None:
    mother = make_person(personas.village, "李秀英", birth="1970-01-01")
    make_household(personas.village, mother)
    worker = personas[Role.VILLAGE_WORKER]
    medical, school, housing = (Item.objects.get(number=n) for n in (24, 30, 35))
    application = application_submit(
        actor=worker,
        person=mother,
        requests=[_complete(medical), _complete(school), _complete(housing)],
        on_behalf=True,
    )
    assert application.receipt_number == f"321302{timezone.localdate():%Y%m%d}00001"
    assert (application.channel, application.on_behalf, application.recorded_by) == ("village", True, worker)
    departments = {c.item.number: c.department.code for c in application.cases.all()}
    assert departments == {24: "medical_security", 30: "education", 35: "housing"}

    def inbox(user: User) -> list[int]:
        return sorted(ItemCase.objects.restrict(user, "view").values_list("item__number", flat=True))

    assert inbox(personas[Role.DEPARTMENT_HANDLER]) == [30]  # the education handler of 宿城区
    assert inbox(_handler(personas, "medical_security")) == [24]
    assert inbox(_handler(personas, "housing")) == [35]
    assert inbox(personas.outsider(Role.DEPARTMENT_HANDLER)) == []  # education in 沭阳县
    assert inbox(worker) == [24, 30, 35]  # the window sees the whole application
    assert application_status(application) == "in_progress"

    case_decide(
        actor=personas[Role.DEPARTMENT_HANDLER],
        case=application.cases.get(item=school),
        granted=True,
        reason="符合条件",
    )
    assert application_status(application) == "partly_done"
    with pytest.raises(PermissionDenied):
        case_decide(
            actor=personas[Role.DEPARTMENT_HANDLER], case=application.cases.get(item=medical), granted=True, reason="x"
        )
    with pytest.raises(ValidationError):
        case_decide(
            actor=personas[Role.DEPARTMENT_HANDLER],
            case=application.cases.get(item=school),
            granted=False,
            reason="再次",
        )
    event = AuditEvent.objects.unscoped().get(action="intake.application_submitted")
    assert event.after is not None
    assert (event.actor_username, event.on_behalf_of, event.after["items"]) == (
        Role.VILLAGE_WORKER,
        "李秀英",
        [24, 30, 35],
    )


def test_missing_materials_are_listed_once_and_stop_the_clock(personas: Personas) -> None:
    person = make_person(personas.village)
    dibao = Item.objects.get(number=1)
    application = application_submit(
        actor=personas[Role.TOWNSHIP_WINDOW],
        person=person,
        requests=[ItemRequest(item=dibao, materials_provided=("申请人身份证",))],
        on_behalf=False,
    )
    case = application.cases.get()
    assert (case.status, case.deadline) == ("waiting", None)
    assert case.missing_materials == [
        "户口簿",
        "家庭成员收入情况说明",
        "家庭经济状况核对授权书（每位成年家庭成员签字）",
    ]
    assert (application.channel, application_status(application)) == ("township", "waiting")
    complete = application_submit(
        actor=personas[Role.TOWNSHIP_WINDOW],
        person=make_person(personas.village, "赵六"),
        requests=[_complete(dibao)],
        on_behalf=False,
    ).cases.get()
    assert complete.deadline == Calendar().add_working_days(timezone.localdate(), 30)
    assert complete.handling_area_code == personas.county.code  # 低保 is confirmed by the county


def test_bad_applications_change_nothing(personas: Personas) -> None:
    worker = personas[Role.VILLAGE_WORKER]
    stranger = make_person(personas.other_village, "孙七")
    with pytest.raises(PermissionDenied):
        application_submit(
            actor=worker, person=stranger, requests=[_complete(Item.objects.get(number=24))], on_behalf=True
        )
    person = make_person(personas.village)
    with pytest.raises(ValidationError):
        application_submit(actor=worker, person=person, requests=[], on_behalf=True)
    item = Item.objects.get(number=24)
    with pytest.raises(ValidationError):
        application_submit(actor=worker, person=person, requests=[_complete(item), _complete(item)], on_behalf=True)
    with pytest.raises(PermissionDenied):
        application_submit(
            actor=personas[Role.DEPARTMENT_HANDLER], person=person, requests=[_complete(item)], on_behalf=False
        )
    assert not Application.objects.unscoped().exists()


def test_the_window_page_takes_an_application_and_prints_the_receipt(personas: Personas) -> None:
    person = make_person(personas.village, "周敏")
    client = Client()
    client.force_login(personas[Role.VILLAGE_WORKER])
    items = [Item.objects.get(number=n) for n in (24, 30)]
    response = client.post(
        reverse("intake:application_new"),
        {
            "id_number": person.id_number,
            "items": [i.pk for i in items],
            "on_behalf": "on",
            "materials_provided": ["申请人身份证", "户口簿"],
        },
    )
    application = Application.objects.unscoped().get()
    # 提交并打印回执: the receipt's page opens with the receipt to print on top.
    assert (
        response.status_code == 302
        and response["Location"] == reverse("intake:application_detail", args=[application.pk]) + "?new=1"
    )
    receipt = client.get(response["Location"]).content.decode()
    assert application.receipt_number in receipt and "医疗保障局" in receipt and "教育局" in receipt
    printed = reverse("intake:application_receipt", args=[application.pk])
    assert f'id="print-receipt" href="{printed}"' in receipt
    pdf = client.get(printed)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    text = pdf_text(pdf.content)
    assert application.receipt_number in text and "周敏" in text and person.id_masked in text
    assert "受理回执" in text and "医疗保障局" in text and "教育局" in text
    assert person.id_number not in text
    forged = client.get(reverse("intake:application_detail", args=[application.pk + 999]))
    assert forged.status_code == 404
    outsider = Client()
    outsider.force_login(personas.outsider(Role.VILLAGE_WORKER))
    assert outsider.get(reverse("intake:application_detail", args=[application.pk])).status_code == 404
    bad = client.post(reverse("intake:application_new"), {"id_number": person.id_number, "items": [99999]})
    assert bad.status_code == 400 and "items" in bad.context["form"].errors
    assert Application.objects.unscoped().count() == 1
    assert dt.date.today().year >= 2026


def test_asking_for_materials_stops_the_clock_and_receiving_them_restarts_it(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    school = Item.objects.get(number=30)  # 20 working days (demo value)
    days = iter([dt.date(2025, 9, 22), dt.date(2025, 9, 26), dt.date(2025, 10, 9)])
    today = {"value": next(days)}
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: today["value"])
    application = application_submit(
        actor=personas[Role.VILLAGE_WORKER],
        person=make_person(personas.village),
        requests=[_complete(school)],
        on_behalf=True,
    )
    case = application.cases.get()
    calendar = Calendar()
    assert case.deadline == calendar.add_working_days(dt.date(2025, 9, 22), 20)
    today["value"] = next(days)  # Friday 9/26: 4 working days used (9/23-9/26)
    from minsheng.intake.services import case_materials_received, case_request_materials, case_transfer, overdue_cases

    case = case_request_materials(
        actor=personas[Role.DEPARTMENT_HANDLER], case=case, materials=["学籍证明"], reason="缺学籍证明"
    )
    assert (case.status, case.deadline, case.used_working_days, case.missing_materials) == (
        "waiting",
        None,
        4,
        ["学籍证明"],
    )
    today["value"] = next(days)  # Thursday 10/9, after the National Day holiday: 16 working days are left
    with pytest.raises(PermissionDenied):
        case_materials_received(actor=personas[Role.DEPARTMENT_HANDLER], case=case)  # the window receives them
    case = case_materials_received(actor=personas[Role.VILLAGE_WORKER], case=case)
    assert case.deadline == calendar.add_working_days(dt.date(2025, 10, 9), 16)
    assert case.timing(dt.date(2025, 10, 9), calendar) == "on_time"
    assert case.timing(case.deadline + dt.timedelta(days=1), calendar) == "overdue"
    assert [
        c.pk for c in overdue_cases(user=personas[Role.VILLAGE_WORKER], today=case.deadline + dt.timedelta(days=1))
    ] == [case.pk]
    housing = Department.objects.get(code="housing")
    case = case_transfer(actor=personas[Role.DEPARTMENT_HANDLER], case=case, department=housing, reason="属住建事项")
    assert case.department == housing
    assert ItemCase.objects.restrict(personas[Role.DEPARTMENT_HANDLER], "view").count() == 0  # gone from education
    actions = list(AuditEvent.objects.unscoped().filter(action__startswith="intake.").values_list("action", flat=True))
    assert actions.count("intake.case_transferred") == 1 and "intake.materials_received" in actions


def test_the_demo_history_has_the_published_volumes_and_valid_cases(personas: Personas) -> None:
    from minsheng.intake.demo import demo_history
    from minsheng.intake.models import Consultation

    for i in range(30):
        make_person(personas.village if i % 2 else personas.other_village, "演示", birth=f"19{50 + i}-01-01")
    counts = demo_history(scale=0.01, seed=1, today=dt.date(2026, 11, 29))
    assert (counts.consultations, counts.applications) == (781, 331)
    assert Consultation.objects.unscoped().count() == 781 and Application.objects.unscoped().count() == 331
    cases = list(ItemCase.objects.unscoped().select_related("item", "department"))
    assert len(cases) == counts.cases and counts.cases >= 331
    for case in cases:
        assert case.department in case.item.owners.all()
        assert (case.deadline is None) == (case.status == "waiting")
        assert bool(case.decision_reason) == (case.status in {"granted", "refused"})
    assert len({a.receipt_number for a in Application.objects.unscoped()}) == 331
    assert demo_history(scale=0.01, seed=1).applications == 0  # a second run adds nothing


def test_granting_dibao_pushes_the_follow_on_items_to_their_departments(personas: Personas) -> None:
    from minsheng.intake.models import Notification
    from minsheng.intake.services import case_receive

    civil = _handler(personas, "civil_affairs")
    medical = _handler(personas, "medical_security")
    dibao = Item.objects.get(number=1)
    application = application_submit(
        actor=personas[Role.TOWNSHIP_WINDOW],
        person=make_person(personas.village),
        requests=[_complete(dibao)],
        on_behalf=False,
    )
    case = application.cases.get()
    case_receive(actor=civil, case=case)
    with pytest.raises(ValidationError):
        case_receive(actor=civil, case=case)
    with pytest.raises(PermissionDenied):
        case_receive(actor=medical, case=case)
    case_decide(actor=civil, case=case, granted=True, reason="人均收入低于低保标准")
    pushed = {
        c.item.number: (c.department.code, c.status, c.pushed_from_id) for c in application.cases.exclude(pk=case.pk)
    }
    assert pushed == {
        24: ("medical_security", "accepted", case.pk),
        25: ("medical_security", "accepted", case.pk),
        54: ("power_supply", "accepted", case.pk),
    }
    assert sorted(ItemCase.objects.restrict(medical, "view").values_list("item__number", flat=True)) == [24, 25]
    assert Notification.objects.filter(recipient=medical, kind="new_case").count() == 2
    assert application_status(application) == "partly_done"
