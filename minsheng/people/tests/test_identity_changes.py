"""Changes that move identity or money wait for a second person: the phone (the online channel's codes go to it),
the bank account, and the members of a household that receives benefits. The old phone is told of a new number."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from minsheng.accounts.models import User
from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.core.crypto import is_token
from minsheng.core.sms import LogSmsSender
from minsheng.intake.online import online_code_request
from minsheng.payments.tests.factories import enrol
from minsheng.people import services
from minsheng.people.models import ChangeRequest, Household, Membership, Person
from minsheng.testing import Personas, make_household, make_person

pytestmark = pytest.mark.django_db

OLD, NEW = "13900001111", "13722223333"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_village_worker_cannot_change_a_phone_at_once_and_the_old_phone_is_told(
    personas: Personas, django_capture_on_commit_callbacks: object
) -> None:
    person = make_person(personas.village, "刘洋", phone=OLD, phone_masked="139****1111")
    worker, reviewer = personas[Role.VILLAGE_WORKER], personas[Role.TOWNSHIP_REVIEWER]
    request = services.person_change(actor=worker, person=person, changes={"phone": NEW}, reason="本人换号")
    assert isinstance(request, ChangeRequest) and request.status == "pending"
    person.refresh_from_db()
    assert (person.phone, person.phone_masked) == (OLD, "139****1111")
    assert is_token(request.changes["phone"]) and NEW not in str(request.changes)  # encrypted while it waits
    requested = AuditEvent.objects.unscoped().get(action="people.change_requested")
    assert requested.after == {"phone": "137****3333"}
    # Until a second person confirms, the online channel's code still goes to the registered (old) phone only.
    with pytest.raises(ValidationError):
        online_code_request(id_number=person.id_number, name="刘洋", phone=NEW, client_ip=None)
    with pytest.raises(PermissionDenied):
        services.change_request_confirm(actor=worker, request=request)

    LogSmsSender.sent.clear()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        services.change_request_confirm(actor=reviewer, request=request, note="核对身份证")
    person.refresh_from_db()
    assert (person.phone, person.phone_masked) == (NEW, "137****3333")
    assert list(LogSmsSender.sent) == [
        (
            OLD,
            "【民生】您在民政部门登记的手机号已改为 137****3333。"
            "如非本人申请，请立即联系所在村（社区）或乡镇（街道）窗口。",
        )
    ]
    confirmed = AuditEvent.objects.unscoped().get(action="people.change_confirmed")
    assert confirmed.before is not None and confirmed.after is not None
    assert (confirmed.before["phone"], confirmed.after["phone"]) == ("139****1111", "137****3333")
    assert NEW not in str(confirmed.after) and OLD not in str(confirmed.before)


def test_a_first_phone_is_confirmed_too_and_tells_nobody(
    personas: Personas, django_capture_on_commit_callbacks: object
) -> None:
    person = make_person(personas.village)
    request = services.person_change(
        actor=personas[Role.VILLAGE_WORKER], person=person, changes={"phone": NEW}, reason="补登"
    )
    assert request is not None
    LogSmsSender.sent.clear()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        services.change_request_confirm(actor=personas[Role.TOWNSHIP_REVIEWER], request=request)
    assert Person.objects.unscoped().get(pk=person.pk).phone == NEW and list(LogSmsSender.sent) == []


def test_the_page_files_the_phone_change_and_the_list_shows_it_masked(personas: Personas) -> None:
    person = make_person(personas.village, "刘洋", phone=OLD, phone_masked="139****1111")
    worker = _client(personas[Role.VILLAGE_WORKER])
    response = worker.post(
        reverse("people:person_change", args=[person.pk]),
        {
            "name": "刘洋",
            "phone": NEW,
            "status": "living",
            "hukou_area": personas.village.code,
            "residence_area": personas.village.code,
            "labour_capacity": "full",
            "reason": "本人换号",
        },
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == ["该变更涉及待遇或身份信息，需另一名工作人员确认后生效。"]
    assert Person.objects.unscoped().get(pk=person.pk).phone == OLD
    listing = _client(personas[Role.TOWNSHIP_REVIEWER]).get(reverse("people:change_requests")).content.decode()
    assert 'data-field="phone">联系电话 → <span class="font-monospace">137****3333</span>' in listing
    assert NEW not in listing


def _enrolled(personas: Personas) -> tuple[Household, Person]:
    head = make_person(personas.village, "王建国")
    household = make_household(personas.village, head)
    enrol(head)
    return household, head


def test_members_of_an_enrolled_household_join_and_leave_only_when_a_second_person_confirms(
    personas: Personas,
) -> None:
    household, _head = _enrolled(personas)
    worker, reviewer = personas[Role.VILLAGE_WORKER], personas[Role.TOWNSHIP_REVIEWER]
    newcomer = make_person(personas.village, "王小华")
    request = services.household_member_join(
        actor=worker,
        household=household,
        person=newcomer,
        relation="grandchild",
        joined_on=dt.date(2026, 2, 10),
        reason="出生入户",
    )
    assert isinstance(request, ChangeRequest) and request.person == newcomer
    assert not Membership.objects.unscoped().filter(person=newcomer).exists()
    assert services.change_request_display(request) == [
        ("membership", f"加入户 {household.number}，与户主关系：孙子女，自 2026-02-10")
    ]
    with pytest.raises(PermissionDenied):
        services.change_request_confirm(actor=worker, request=request)
    services.change_request_confirm(actor=reviewer, request=request)
    joined = Membership.objects.unscoped().get(person=newcomer)
    assert (joined.household_id, joined.relation, joined.joined_on) == (
        household.pk,
        "grandchild",
        dt.date(2026, 2, 10),
    )
    added = AuditEvent.objects.unscoped().get(action="people.member_added")
    assert (added.actor_username, added.reason) == (Role.TOWNSHIP_REVIEWER, "出生入户")

    leaving = services.household_member_leave(
        actor=worker, membership=joined, left_on=dt.date(2026, 9, 1), reason="户口迁出"
    )
    assert isinstance(leaving, ChangeRequest)
    assert Membership.objects.unscoped().get(pk=joined.pk).left_on is None
    services.change_request_confirm(actor=reviewer, request=leaving)
    assert Membership.objects.unscoped().get(pk=joined.pk).left_on == dt.date(2026, 9, 1)


def test_a_household_without_a_running_benefit_changes_members_at_once(personas: Personas) -> None:
    head = make_person(personas.village, "王建国")
    household = make_household(personas.village, head)
    enrol(head, status="stopped", stopped_from=dt.date(2026, 3, 1))
    member = services.household_member_join(
        actor=personas[Role.VILLAGE_WORKER],
        household=household,
        person=make_person(personas.village, "李秀英"),
        relation="spouse",
        joined_on=dt.date(2026, 4, 1),
    )
    assert isinstance(member, Membership) and not ChangeRequest.objects.unscoped().exists()


def test_a_refused_member_change_is_refused_before_anybody_is_asked(personas: Personas) -> None:
    household, head = _enrolled(personas)
    worker = personas[Role.VILLAGE_WORKER]
    with pytest.raises(ValidationError):  # no reason
        services.household_member_join(
            actor=worker,
            household=household,
            person=make_person(personas.village),
            relation="child",
            joined_on=dt.date(2026, 1, 1),
        )
    with pytest.raises(ValidationError):  # the head cannot leave
        services.household_member_leave(
            actor=worker,
            membership=Membership.objects.unscoped().select_related("household").get(person=head),
            left_on=dt.date(2026, 5, 1),
            reason="x",
        )
    assert not ChangeRequest.objects.unscoped().exists()


def test_the_household_page_files_a_request_for_an_enrolled_household(personas: Personas) -> None:
    household, _head = _enrolled(personas)
    newcomer = make_person(personas.village, "王小华")
    response = _client(personas[Role.VILLAGE_WORKER]).post(
        reverse("people:member_add", args=[household.pk]),
        {
            "id_number": newcomer.id_number,
            "relation": "grandchild",
            "living_together": "on",
            "joined_on": "2026-02-10",
            "reason": "出生入户",
        },
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == [
        "该户正在享受保障待遇：成员变更需另一名工作人员确认后生效。"
    ]
    assert ChangeRequest.objects.unscoped().get().person == newcomer
    assert not Membership.objects.unscoped().filter(person=newcomer).exists()
    listing = _client(personas[Role.TOWNSHIP_REVIEWER]).get(reverse("people:change_requests")).content.decode()
    assert "家庭成员 → " in listing and "加入户" in listing
