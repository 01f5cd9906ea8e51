"""Needs matched: a referred visit and a temporary-assistance referral become tasks; a team of the area takes one
(refused outside its area), does it and the hours are credited; the outcome reaches the originating case."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.assistance.temporary.models import Referral
from minsheng.assistance.temporary.services import referral_record, temporary_aid_open
from minsheng.audit.models import AuditEvent
from minsheng.core.modules import publish
from minsheng.monitoring.services import VisitData, visit_receive
from minsheng.monitoring.tests.factories import open_alert
from minsheng.testing import Personas, make_household, make_person
from minsheng.volunteers import services
from minsheng.volunteers.models import MonthlyHours, ServiceRecord, Task, Volunteer
from minsheng.volunteers.tests.factories import team, volunteer

pytestmark = pytest.mark.django_db


def _referral(p: Personas, kind: str = "charity") -> Referral:
    person = make_person(p.village, "林芳")
    make_household(p.village, person)
    aid = temporary_aid_open(
        actor=p[Role.TOWNSHIP_WINDOW], person=person, kind="urgent", event="家中失火", requested_fen=80000
    )
    return referral_record(
        actor=p[Role.TOWNSHIP_WINDOW], aid=aid, kind=kind, organisation="宿迁市慈善总会", note="需上门清理火灾现场"
    )


def test_a_referral_outward_becomes_a_task_and_its_outcome_comes_back(personas: Personas) -> None:
    actor = personas[Role.TOWNSHIP_WINDOW]
    referral = _referral(personas)
    # unscoped: the test reads what the event wrote
    task = Task.objects.unscoped().get()
    assert (task.source_app, task.source_kind, task.source_id) == ("assistance", "referral", str(referral.pk))
    assert (task.area_code, task.status, task.title, task.detail) == (
        personas.village.code,
        "open",
        "临时救助转介至宿迁市慈善总会",
        "需上门清理火灾现场",
    )
    t = team(personas)
    a, b = volunteer(personas, "张伟"), volunteer(personas, "李娜")
    for v in (a, b):
        services.team_join(actor=actor, team=t, volunteer=v)
    services.task_take(actor=actor, task=task, team=t)
    day = timezone.localdate()
    services.task_complete(
        actor=actor,
        task=task,
        served_on=day,
        outcome="已清理完毕",
        served=[services.Served(a, 30, "清理现场"), services.Served(b, 25, "搬运物品")],
    )
    task.refresh_from_db()
    assert (task.status, task.hours_tenths, task.outcome) == ("done", 55, "已清理完毕")
    records = ServiceRecord.objects.unscoped().filter(task=task).order_by("hours_tenths")
    assert [(r.volunteer_id, r.hours_tenths, r.served_on) for r in records] == [(b.pk, 25, day), (a.pk, 30, day)]
    hours = dict(Volunteer.objects.unscoped().values_list("name", "hours_tenths"))
    assert hours == {"张伟": 30, "李娜": 25}
    assert MonthlyHours.objects.get().hours_tenths == 55
    # The referral's outcome, written by the assistance module's subscriber, audited in the case's area.
    referral.refresh_from_db()
    assert referral.outcome == "已清理完毕（志愿者已完成任务：2名志愿者共5.5小时）"
    event = AuditEvent.objects.unscoped().get(action="assistance.referral_outcome")
    assert event.after is not None
    assert (event.area_code, event.after["task"]) == (personas.village.code, task.pk)
    # Done once: a second report is refused and nothing is credited twice.
    with pytest.raises(ValidationError):
        services.task_complete(actor=actor, task=task, served_on=day, outcome="再次", served=[])
    assert ServiceRecord.objects.unscoped().count() == 2


def test_a_referral_to_another_programme_is_no_task(personas: Personas) -> None:
    _referral(personas, kind="department")
    assert Task.objects.unscoped().count() == 0


def test_a_referred_visit_becomes_a_task(personas: Personas) -> None:
    alert = open_alert(personas)
    visit_receive(
        actor=personas[Role.VILLAGE_WORKER],
        data=VisitData(
            client_uuid=uuid.uuid4(),
            person=alert.person,
            alert=alert,
            checked_in_at=timezone.now() - dt.timedelta(minutes=30),
            outcome="referred",
            referred_to="社区志愿者助餐",
            reason="独居老人，行动不便，需要助餐",
        ),
    )
    task = Task.objects.unscoped().get()
    assert (task.source_app, task.source_kind, task.source_id, task.area_code) == (
        "monitoring",
        "alert",
        str(alert.pk),
        personas.village.code,
    )
    assert (task.title, task.detail) == ("走访转介：社区志愿者助餐", "独居老人，行动不便，需要助餐")
    # The same event again (a repeated delivery) does not double the task.
    publish("monitoring.visit_referred", alert)
    assert Task.objects.unscoped().count() == 1


def test_a_team_takes_only_tasks_of_its_area_and_only_once(personas: Personas) -> None:
    actor = personas[Role.TOWNSHIP_WINDOW]
    other_village = personas.township.children.exclude(code=personas.village.code).order_by("code").first()
    assert other_village is not None
    task = services.task_raise(source=("tests", "need", "1"), area_code=other_village.code, title="陪同就医")
    village_team = team(personas)
    with pytest.raises(ValidationError) as error:
        services.task_take(actor=actor, task=task, team=village_team)
    assert error.value.message_dict == {"taker": ["该任务不在服务队所在地区：服务队只能认领本地区的任务。"]}
    task.refresh_from_db()
    assert (task.status, task.team_id) == ("open", None)
    township_team = team(personas, "镇志愿者协会", area_code=personas.township.code)
    services.task_take(actor=actor, task=task, team=township_team)
    with pytest.raises(ValidationError) as error:
        services.task_take(actor=actor, task=task, team=township_team)
    assert error.value.messages == ["该任务已被认领。"]
    task.refresh_from_db()
    assert (task.status, task.team_id) == ("taken", township_team.pk)


def test_only_members_are_credited_for_a_task(personas: Personas) -> None:
    actor = personas[Role.TOWNSHIP_WINDOW]
    task = services.task_raise(source=("tests", "need", "2"), area_code=personas.village.code, title="助餐")
    t = team(personas)
    services.task_take(actor=actor, task=task, team=t)
    stranger = volunteer(personas, "王强")
    with pytest.raises(ValidationError):
        services.task_complete(
            actor=actor,
            task=task,
            served_on=timezone.localdate(),
            outcome="完成",
            served=[services.Served(stranger, 10, "送餐")],
        )
    task.refresh_from_db()
    assert task.status == "taken"
    assert ServiceRecord.objects.unscoped().count() == 0
