"""Needs of elderly care and of children's cases as tasks (issue 21 point 5), and social organisations taking tasks:
the care plan items no provider covers become one task per village, service and month (in bulk, counts only) whose
outcome reaches the need; a child referred to a social organisation becomes a task without any of the child's data
whose outcome reaches the referral; an organisation of the task's area takes it through the page, one outside the
area or deregistered is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.children import services as children
from minsheng.children.models import Referral
from minsheng.children.module import DIRECTOR
from minsheng.children.tests.factories import child_case
from minsheng.core.months import month_of
from minsheng.eldercare import services as eldercare
from minsheng.eldercare.models import Circumstance, UncoveredNeed
from minsheng.eldercare.tests import factories as care
from minsheng.social.models import Organisation
from minsheng.social.tests.factories import code, organisation
from minsheng.testing import Personas, make_person
from minsheng.volunteers import events, services
from minsheng.volunteers.models import Task
from minsheng.volunteers.tests.factories import team, volunteer

pytestmark = pytest.mark.django_db


def _tasks() -> list[tuple[str, str, str, str, str]]:
    # unscoped: the test reads what the events wrote
    rows = Task.objects.unscoped().order_by("source_app", "source_id")
    return list(rows.values_list("source_app", "source_kind", "source_id", "area_code", "title"))


# --- Elderly care: plan items no provider covers --------------------------------------------------------------------


def _disabled(p: Personas, name: str) -> Any:
    person = make_person(p.village, name, birth="1950-02-02")
    Circumstance.objects.unscoped().create(
        person=person, area_code=p.village.code, kind="disabled", since=dt.date(2024, 1, 1)
    )
    return person


def test_care_needs_no_provider_covers_become_one_task_per_village_service_and_month(personas: Personas) -> None:
    # The township's contract covers caring visits only: the cleaning of the two disabled old people of the village
    # and the visits of the old person of the other county (no contract there) are needs no provider covers.
    care.contract(personas, prices={"visit": 5000})
    care.dibao_elder(personas.village, "甲")
    _disabled(personas, "乙")
    _disabled(personas, "丁")
    care.dibao_elder(personas.other_village, "丙")
    eldercare.targets_refresh()
    month = month_of(timezone.localdate())
    first = eldercare.orders_generate(month=month)
    assert (first.lines, first.uncovered) == (3, 2)
    # unscoped: the test reads the needs the job wrote
    needs = UncoveredNeed.objects.unscoped().order_by("area_code", "service")
    assert list(needs.values_list("area_code", "service", "month", "elders", "status")) == sorted(
        [
            (personas.village.code, "cleaning", month, 2, "open"),
            (personas.other_village.code, "visit", month, 1, "open"),
        ]
    )
    ym = f"{month:%Y-%m}"
    assert _tasks() == sorted(
        [
            (
                "eldercare",
                "uncovered",
                f"{personas.village.code}:cleaning:{ym}",
                personas.village.code,
                "助洁：2位老人本月无服务商",
            ),
            (
                "eldercare",
                "uncovered",
                f"{personas.other_village.code}:visit:{ym}",
                personas.other_village.code,
                "探访关爱：1位老人本月无服务商",
            ),
        ]
    )
    # Counts and the service only: no name of the old people in any task.
    # unscoped: the test reads what the event wrote
    words = " ".join(t + d for t, d in Task.objects.unscoped().values_list("title", "detail"))
    assert not any(name in words for name in ("甲", "乙", "丙", "丁"))
    # A second run adds nothing: the needs and the tasks exist once.
    again = eldercare.orders_generate(month=month)
    assert again.uncovered == 0
    assert (UncoveredNeed.objects.unscoped().count(), Task.objects.unscoped().count()) == (2, 2)

    # A village team takes the cleaning, does it, and the outcome and hours reach the need.
    actor = personas[Role.TOWNSHIP_WINDOW]
    # unscoped: the test reads what the event wrote
    task = Task.objects.unscoped().get(area_code=personas.village.code)
    t = team(personas)
    helper = volunteer(personas, "张伟")
    services.team_join(actor=actor, team=t, volunteer=helper)
    services.task_take(actor=actor, task=task, team=t)
    services.task_complete(
        actor=actor,
        task=task,
        served_on=timezone.localdate(),
        outcome="两户已清扫",
        served=[services.Served(helper, 20, "上门清扫")],
    )
    need = needs.get(area_code=personas.village.code)
    assert (need.status, need.outcome, need.hours_tenths) == (
        "done",
        "两户已清扫（志愿者已完成任务：1名志愿者共2小时）",
        20,
    )
    assert need.done_at is not None
    event = AuditEvent.objects.unscoped().get(action="eldercare.need_met")
    assert (event.area_code, event.object_id) == (personas.village.code, str(need.pk))
    assert needs.get(area_code=personas.other_village.code).status == "open"


def test_the_months_needs_are_raised_in_bulk(personas: Personas, django_assert_num_queries: Any) -> None:
    def payload(villages: int) -> eldercare.UncoveredNeeds:
        month = dt.date(2026, 3, 1)
        areas = [f"{personas.township.code[:9]}{n:03d}" for n in range(1, villages + 1)]
        rows = tuple(
            eldercare.NeedRow(f"{area}:bathing:2026-03", area, "bathing", "助浴", n)
            for n, area in enumerate(areas, start=1)
        )
        return eldercare.UncoveredNeeds(month=month, needs=rows)

    with django_assert_num_queries(1):
        events._from_uncovered_needs(payload(3))
    with django_assert_num_queries(1):
        events._from_uncovered_needs(payload(40))  # 3 of them raised already: left alone
    assert Task.objects.unscoped().count() == 40
    # unscoped: the test reads what the batch wrote
    assert Task.objects.unscoped().filter(source_id__endswith="012:bathing:2026-03").get().title == (
        "助浴：12位老人本月无服务商"
    )


# --- Children: a referral to a social organisation -----------------------------------------------------------------


def _refer(p: Personas, to_kind: str = "organisation") -> Referral:
    child = child_case(p, "王小明")
    return children.referral_make(
        actor=p[DIRECTOR],
        child_id=child.pk,
        to_kind=to_kind,
        to_name="宿城区阳光儿童服务中心",
        reason="父母离异，情绪低落，需要心理辅导",
        on=timezone.localdate(),
    )


def test_a_child_referred_to_an_organisation_is_a_task_without_the_childs_data(personas: Personas) -> None:
    referral = _refer(personas)
    # unscoped: the test reads what the event wrote
    task = Task.objects.unscoped().get()
    assert (task.source_app, task.source_kind, task.source_id, task.area_code, task.status) == (
        "children",
        "referral",
        str(referral.pk),
        personas.village.code,
        "open",
    )
    assert (task.title, task.detail) == (
        "儿童个案转介：宿城区阳光儿童服务中心",
        "请社会组织与本村（社区）儿童主任联系，了解个案情况。",
    )
    child = referral.child
    row = " ".join(str(v) for v in Task.objects.unscoped().values().get().values())
    for secret in ("王小明", child.person.id_number, child.person.id_masked, "心理辅导", "离异"):
        assert secret not in row

    # A social organisation of the village takes it and reports it done: the referral, still waiting for an answer,
    # is accepted implicitly and gets its outcome, audited in the child's village.
    org = organisation(personas, name="宿城区阳光儿童服务中心", service_field="children")
    actor = personas[Role.VILLAGE_WORKER]
    services.task_take(actor=actor, task=task, organisation=org)
    services.task_complete(actor=actor, task=task, served_on=timezone.localdate(), outcome="已开展三次心理辅导")
    referral.refresh_from_db()
    today = timezone.localdate()
    assert (referral.status, referral.outcome, referral.outcome_on, referral.answered_on) == (
        Referral.Status.DONE,
        "已开展三次心理辅导（五社联动任务已完成）",
        today,
        today,
    )
    assert referral.answer_note == "已接收：任务已被认领并完成。"
    event = AuditEvent.objects.unscoped().get(action="children.referral_outcome")
    assert event.area_code == personas.village.code
    assert event.before == {"status": "pending"}


def test_a_declined_referral_keeps_its_answer_and_other_referrals_are_no_task(personas: Personas) -> None:
    _refer(personas, "station")
    _refer(personas, "department")
    assert Task.objects.unscoped().count() == 0
    referral = _refer(personas)
    children.referral_answer(
        actor=personas[DIRECTOR],
        child_id=referral.child_id,
        referral_id=referral.pk,
        accepted=False,
        note="服务已满员",
        on=timezone.localdate(),
    )
    task = Task.objects.unscoped().get()
    t = team(personas)
    services.task_take(actor=personas[Role.TOWNSHIP_WINDOW], task=task, team=t)
    services.task_complete(
        actor=personas[Role.TOWNSHIP_WINDOW], task=task, served_on=timezone.localdate(), outcome="已联系"
    )
    referral.refresh_from_db()
    assert (referral.status, referral.outcome, referral.answer_note) == (Referral.Status.DECLINED, "", "服务已满员")
    assert not AuditEvent.objects.unscoped().filter(action="children.referral_outcome").exists()


# --- Social organisations take tasks ---------------------------------------------------------------------------------


def _other_village(p: Personas) -> Any:
    other = p.township.children.exclude(code=p.village.code).order_by("code").first()
    assert other is not None
    return other


def test_an_organisation_outside_the_area_or_deregistered_is_refused(personas: Personas) -> None:
    actor = personas[Role.TOWNSHIP_WINDOW]
    task = services.task_raise(source=("tests", "need", "org"), area_code=personas.village.code, title="陪同就医")
    elsewhere = organisation(
        personas, name="邻村互助会", area_code=_other_village(personas).code, credit_code=code("1", "321302", 8)
    )
    with pytest.raises(ValidationError) as error:
        services.task_take(actor=actor, task=task, organisation=elsewhere)
    assert error.value.message_dict == {"taker": ["该任务不在邻村互助会的地区：社会组织只能认领其住所所在地区的任务。"]}
    ended = organisation(
        personas,
        name="已注销协会",
        credit_code=code("1", "321302", 9),
        status=Organisation.Status.DEREGISTERED,
        ended_on=dt.date(2025, 12, 31),
    )
    with pytest.raises(ValidationError) as error:
        services.task_take(actor=actor, task=task, organisation=ended)
    assert error.value.message_dict == {"taker": ["已注销协会已不再登记（注销于2025-12-31），不能认领任务。"]}
    task.refresh_from_db()
    assert (task.status, task.organisation_id, task.team_id) == ("open", None, None)
    # A county's organisation serves the county's villages.
    county = organisation(
        personas, name="宿城区志愿服务联合会", area_code=personas.county.code, credit_code=code("1", "321302", 10)
    )
    services.task_take(actor=actor, task=task, organisation=county)
    task.refresh_from_db()
    assert (task.status, task.organisation_id, task.team_id) == ("taken", county.pk, None)


def test_the_take_form_offers_teams_and_organisations_of_the_area_and_the_board_shows_who_took_it(
    personas: Personas,
) -> None:
    task = services.task_raise(source=("tests", "need", "page"), area_code=personas.village.code, title="助餐")
    t = team(personas)
    here = organisation(personas, name="幸福里邻里互助会", area_code=personas.village.code)
    organisation(
        personas, name="邻村互助会", area_code=_other_village(personas).code, credit_code=code("1", "321302", 8)
    )
    organisation(
        personas,
        name="已注销协会",
        credit_code=code("1", "321302", 9),
        status=Organisation.Status.DEREGISTERED,
        ended_on=dt.date(2025, 12, 31),
    )
    client = Client()
    client.force_login(personas[Role.TOWNSHIP_WINDOW])
    url = reverse("volunteers:task_detail", args=[task.pk])
    form = client.get(url).context["take_form"]
    assert form.fields["taker"].choices == [
        ("志愿服务队伍", [(f"team-{t.pk}", "幸福社区志愿服务队")]),
        ("社会组织", [(f"organisation-{here.pk}", "幸福里邻里互助会")]),
    ]
    # A choice not offered (the other village's organisation) is refused by the form, and nothing changes.
    # unscoped: the test picks the other village's organisation
    other = Organisation.objects.unscoped().get(name="邻村互助会")
    response = client.post(reverse("volunteers:task_take", args=[task.pk]), {"taker": f"organisation-{other.pk}"})
    assert response.status_code == 400
    assert response.context["take_form"].errors == {"taker": ["请选择任务所在地区的本人服务队或已登记的社会组织。"]}
    task.refresh_from_db()
    assert task.status == "open"
    response = client.post(reverse("volunteers:task_take", args=[task.pk]), {"taker": f"organisation-{here.pk}"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.organisation_id, task.team_id, task.taken_by) == (
        "taken",
        here.pk,
        None,
        personas[Role.TOWNSHIP_WINDOW],
    )
    public = reverse("social:public_detail", args=[here.pk])
    detail = client.get(url).content.decode()
    assert f'<a href="{public}" class="task-taker">幸福里邻里互助会</a>' in detail
    board = client.get(reverse("volunteers:task_board")).content.decode()
    assert f'<a href="{public}" class="task-taker">幸福里邻里互助会</a>' in board
