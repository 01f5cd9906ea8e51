"""The case file: colour → visit frequency, the derived stage, referrals, closure, the mandatory report's urgent path,
visits and their recomputation, care projects, and the narrower visibility of a child's file."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.assistance.rules.models import Parameter
from minsheng.audit.models import AuditEvent
from minsheng.children import services
from minsheng.children.models import CareProject, Child, MandatoryReport, Referral
from minsheng.children.module import COUNTY_STAFF, DIRECTOR, SUPERVISOR
from minsheng.children.tests.factories import child_case
from minsheng.desk.models import Notice
from minsheng.people.models import Person
from minsheng.testing import Personas, make_user

pytestmark = pytest.mark.django_db


def _reload(child: Child) -> Child:
    return Child.objects.unscoped().get(pk=child.pk)


@pytest.mark.parametrize(
    ("factors", "colour", "days"),
    [
        (["poverty", "abuse"], "red", 30),
        (["guardian_unable"], "orange", 60),
        (["alone"], "yellow", 90),
        ([], "green", 180),
    ],
)
def test_assessment_sets_the_colour_and_the_visit_frequency(
    personas: Personas, factors: list[str], colour: str, days: int
) -> None:
    child = child_case(personas)
    today = timezone.localdate()
    assessment = services.child_assess(actor=personas[DIRECTOR], child_id=child.pk, factors=factors, note="", on=today)
    child = _reload(child)
    assert (assessment.colour, child.colour) == (colour, colour)
    assert child.next_visit_due == today + dt.timedelta(days=days)
    assert assessment.rule == Parameter.objects.get(key="children.risk_factors").pk


def test_the_colours_are_data_a_county_may_set_its_own(personas: Personas) -> None:
    child = child_case(personas)
    Parameter.objects.create(
        key="children.risk_factors",
        area_prefix=personas.county.code[:6],
        valid_from=dt.date(2025, 1, 1),
        value=[{"factor": "alone", "colour": "red"}],
    )
    today = timezone.localdate()
    services.child_assess(actor=personas[DIRECTOR], child_id=child.pk, factors=["alone"], note="", on=today)
    assert _reload(child).colour == "red"
    with pytest.raises(ValidationError):
        services.child_assess(actor=personas[DIRECTOR], child_id=child.pk, factors=["unknown"], note="", on=today)


def test_the_stage_is_derived_from_the_facts(personas: Personas) -> None:
    director, today = personas[DIRECTOR], timezone.localdate()
    child = child_case(personas, opened_on=today)
    assert _reload(child).stage == "assessment"
    services.child_assess(actor=director, child_id=child.pk, factors=["out_of_school"], note="", on=today)
    assert _reload(child).stage == "plan"
    services.plan_make(actor=director, child_id=child.pk, goal="复学", on=today)
    assert _reload(child).stage == "plan"
    with pytest.raises(ValidationError):
        services.plan_make(actor=director, child_id=child.pk, goal="第二份计划", on=today)
    services.plan_service_add(
        actor=director, child_id=child.pk, service="送教上门", responsible="李老师", follow_up_on=today
    )
    assert _reload(child).stage == "services"
    services.child_close(actor=director, child_id=child.pk, closure="ended", note="已复学", handover="", on=today)
    child = _reload(child)
    assert (child.stage, child.status, child.plans.get().closed_on) == ("closed", "closed", today)
    services.child_reopen(actor=director, child_id=child.pk, reason="再次辍学", on=today)
    assert _reload(child).stage == "assessment"


def test_referrals_accept_decline_outcome(personas: Personas) -> None:
    director, today = personas[DIRECTOR], timezone.localdate()
    child = child_case(personas)
    ref = services.referral_make(
        actor=director, child_id=child.pk, to_kind="station", to_name="未成年人保护工作站", reason="心理", on=today
    )
    with pytest.raises(ValidationError):  # an outcome before an acceptance
        services.referral_outcome(actor=director, child_id=child.pk, referral_id=ref.pk, outcome="好", on=today)
    with pytest.raises(ValidationError):  # a decline says why
        services.referral_answer(
            actor=director, child_id=child.pk, referral_id=ref.pk, accepted=False, note="", on=today
        )
    services.referral_answer(actor=director, child_id=child.pk, referral_id=ref.pk, accepted=True, note="", on=today)
    services.referral_outcome(actor=director, child_id=child.pk, referral_id=ref.pk, outcome="每周辅导", on=today)
    ref.refresh_from_db()
    assert (ref.status, ref.outcome, ref.answered_on) == (Referral.Status.DONE, "每周辅导", today)


def test_a_guardian_is_neither_the_child_nor_a_deceased_person(personas: Personas) -> None:
    child = child_case(personas)
    parent = services.guardian_choices(child)[0]
    common = {"guardian_relation": "父亲", "school": "", "health": "", "disability": "", "needs": ""}
    with pytest.raises(ValidationError) as caught:
        services.child_update(
            actor=personas[DIRECTOR], child_id=child.pk, guardian_id=child.person_id, recorded_categories=[], **common
        )
    assert caught.value.message_dict == {"guardian": ["儿童本人不能作为自己的监护人。"]}
    Person.objects.unscoped().filter(pk=parent.pk).update(status="deceased", status_date=dt.date(2026, 1, 1))
    with pytest.raises(ValidationError) as caught:
        services.child_update(
            actor=personas[DIRECTOR], child_id=child.pk, guardian_id=parent.pk, recorded_categories=[], **common
        )
    assert caught.value.message_dict == {"guardian": ["该监护人已死亡，请选择在世的监护人。"]}


def test_closure_at_18_needs_the_age_and_a_hand_over(personas: Personas) -> None:
    today = timezone.localdate()
    young = child_case(personas, derived_categories=["poor_family"])
    with pytest.raises(ValidationError):
        services.child_close(
            actor=personas[DIRECTOR], child_id=young.pk, closure="adult", note="", handover="", on=today
        )
    grown = child_case(personas, "陈成年", birth="2008-01-01", derived_categories=["poor_family"])
    with pytest.raises(ValidationError) as caught:
        services.child_close(
            actor=personas[DIRECTOR], child_id=grown.pk, closure="adult", note="", handover="", on=today
        )
    assert "handover" in caught.value.message_dict
    services.child_close(
        actor=personas[DIRECTOR],
        child_id=grown.pk,
        closure="adult",
        note="",
        handover="低保（成年后单独审核）",
        on=today,
    )
    assert _reload(grown).handover == "低保（成年后单独审核）"


def test_the_mandatory_report_takes_the_urgent_path(personas: Personas) -> None:
    child = child_case(personas)
    now = timezone.now()
    report = services.report_file(
        actor=personas[DIRECTOR], child_id=child.pk, kind="abuse", description="身上多处淤青", at=now
    )
    assert report.deadline_at == now + dt.timedelta(hours=24)
    told = set(Notice.objects.filter(link=f"/children/reports/{report.pk}/").values_list("recipient_id", flat=True))
    assert told == {personas[SUPERVISOR].pk, personas[COUNTY_STAFF].pk}
    # The case cannot close while the report is open; the director cannot close the report; abuse needs the police.
    with pytest.raises(ValidationError):
        services.child_close(
            actor=personas[DIRECTOR], child_id=child.pk, closure="ended", note="搬走", handover="", on=now.date()
        )
    with pytest.raises(PermissionDenied):
        services.report_close(actor=personas[DIRECTOR], report_id=report.pk, review="已处理")
    with pytest.raises(ValidationError):
        services.report_close(actor=personas[SUPERVISOR], report_id=report.pk, review="已处理")
    services.report_police(actor=personas[DIRECTOR], report_id=report.pk, unit="宿城派出所", reference="J1", at=now)
    services.report_close(actor=personas[SUPERVISOR], report_id=report.pk, review="警方已立案，监护人已变更")
    report.refresh_from_db()
    assert (report.status, report.reviewed_by_id) == (MandatoryReport.Status.CLOSED, personas[SUPERVISOR].pk)


def test_a_visit_outside_the_directors_village_is_refused(personas: Personas) -> None:
    child = child_case(personas)
    other = make_user("director_elsewhere", DIRECTOR, personas.other_village)
    with pytest.raises(PermissionDenied):
        services.case_visit_record(actor=other, child_id=child.pk, visited_on=timezone.localdate())
    assert not child.visits.exists()


def test_visits_on_time_and_the_monthly_recomputation(personas: Personas) -> None:
    today = timezone.localdate()
    child = child_case(personas, colour="red", next_visit_due=today - dt.timedelta(days=3), opened_on=today)
    visit = services.case_visit_record(actor=personas[DIRECTOR], child_id=child.pk, visited_on=today)
    assert (visit.on_time, visit.colour) == (False, "red")
    assert _reload(child).next_visit_due == today + dt.timedelta(days=30)
    # The red child unvisited past the due date is escalated once to the township's supervisor.
    late = child_case(personas, "吴迟", colour="red", opened_on=today - dt.timedelta(days=40))
    counts = services.visits_due_recompute(today=today)
    assert _reload(late).next_visit_due == today - dt.timedelta(days=10)
    assert counts["escalated"] == 1
    assert Notice.objects.filter(recipient=personas[SUPERVISOR], link="/children/?due=overdue").count() == 1
    assert services.visits_due_recompute(today=today)["escalated"] == 0


def test_a_child_counts_once_per_project_within_capacity(personas: Personas) -> None:
    today = timezone.localdate()
    project = CareProject.objects.create(
        name="爱心暑托班", area_code=personas.township.code, capacity=1, starts_on=today, ends_on=today
    )
    one, two = child_case(personas), child_case(personas, "孙二")
    services.enrolment_add(actor=personas[SUPERVISOR], project_id=project.pk, child_id=one.pk, on=today)
    with pytest.raises(ValidationError):
        services.enrolment_add(actor=personas[SUPERVISOR], project_id=project.pk, child_id=one.pk, on=today)
    with pytest.raises(ValidationError):
        services.enrolment_add(actor=personas[SUPERVISOR], project_id=project.pk, child_id=two.pk, on=today)
    written = services.attendance_record(
        actor=personas[SUPERVISOR], project_id=project.pk, on=today, child_ids=[one.pk]
    )
    again = services.attendance_record(actor=personas[SUPERVISOR], project_id=project.pk, on=today, child_ids=[one.pk])
    assert (project.enrolments.count(), written, again) == (1, 1, 0)


def test_a_childs_file_is_seen_by_its_director_supervisor_and_county_staff_only(personas: Personas) -> None:
    child = child_case(personas)
    url = reverse("children:child_detail", args=[child.pk])
    client = Client()
    # A village worker of the same village without the director role: refused.
    client.force_login(personas[Role.VILLAGE_WORKER])
    assert client.get(url).status_code == 403
    client.force_login(make_user("director_other", DIRECTOR, personas.other_village))
    assert client.get(url).status_code == 404
    for role in (DIRECTOR, SUPERVISOR, COUNTY_STAFF):
        client.force_login(personas[role])
        response = client.get(url)
        assert response.status_code == 200
        assert "李小花" in response.content.decode()
    viewed = AuditEvent.objects.unscoped().filter(action="children.file_viewed", object_id=str(child.pk))
    assert sorted(viewed.values_list("actor_username", flat=True)) == sorted([DIRECTOR, SUPERVISOR, COUNTY_STAFF])
    # The list shows the name masked.
    client.force_login(personas[DIRECTOR])
    listed = client.get(reverse("children:child_list")).content.decode()
    assert "李**" in listed and "李小花" not in listed
    assert (
        AuditEvent.objects.unscoped().filter(action="personal_data.listed", object_type="children.child").count() == 1
    )


def test_de_facto_determination_needs_evidence_for_each_parent(personas: Personas) -> None:
    child = child_case(personas)
    kwargs: dict[str, Any] = {"actor": personas[DIRECTOR], "child_id": child.pk, "on": timezone.localdate()}
    with pytest.raises(ValidationError):
        services.child_de_facto_determine(
            father="prison", father_evidence="判决书", mother="ill", mother_evidence="", **kwargs
        )
    with pytest.raises(ValidationError):
        services.child_de_facto_determine(
            father="prison", father_evidence="判决书", mother="present", mother_evidence="同住", **kwargs
        )
    services.child_de_facto_determine(
        father="prison", father_evidence="判决书", mother="ill", mother_evidence="三甲医院诊断证明", **kwargs
    )
    assert _reload(child).derived_categories == ["de_facto"]


def test_the_daily_run_opens_cases_and_recomputes_the_visits(personas: Personas) -> None:
    from minsheng.children.tasks import daily
    from minsheng.payments.tests.factories import enrol

    orphan = child_case(personas).person
    child_case(personas, "郑红", colour="red", opened_on=timezone.localdate() - dt.timedelta(days=40))
    Child.objects.unscoped().filter(person=orphan).delete()
    enrol(orphan, "orphan", 160_000, category="orphan")
    done = daily()
    assert (done["opened"], done["updated"], done["escalated"]) == (1, 2, 1)
    assert Child.objects.unscoped().get(person=orphan).derived_categories == ["orphan"]
    assert AuditEvent.objects.unscoped().filter(action="children.visits_recomputed").count() == 1
