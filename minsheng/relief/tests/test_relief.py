"""The relief station: stays and their limit, departures at any time, tracing to reunification and to resettlement
(registered in the registry, the 特困 procedure opened and the means test run), patrols, the station staff's scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.assistance.means.selectors import result_for
from minsheng.assistance.means.services import assessment_run, economic_status_new, status_line_add
from minsheng.assistance.procedure.models import ProgrammeCase
from minsheng.assistance.rules.models import Parameter
from minsheng.audit.models import AuditEvent
from minsheng.core.crypto import blind_index
from minsheng.intake.models import ItemCase
from minsheng.people.idnumbers import synthesize_id_number
from minsheng.people.models import Household, Membership, Person
from minsheng.relief.models import Admission, Patrol, StayExtension, Tracing
from minsheng.relief.module import STAFF
from minsheng.relief.selectors import announcements_due, announcements_due_count, stays_due, stays_due_count
from minsheng.relief.services import (
    departure_record,
    patrol_record,
    stay_extend,
    tracing_check_request,
    tracing_check_result,
    tracing_resettle,
    tracing_reunite,
)
from minsheng.relief.tests.factories import admit, station
from minsheng.testing import Personas

pytestmark = pytest.mark.django_db
ZONE = timezone.get_current_timezone()


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZONE)


# --- Stays and their limit ---------------------------------------------------------------------------------------


def test_a_stay_is_limited_by_the_rule_in_force_and_extended_only_with_a_reason(personas: Personas) -> None:
    rule = Parameter.objects.get(key="relief.stay_days", area_prefix="")
    admission = admit(personas, known=True, at=_at(dt.date(2026, 1, 5)), belongings=(("手机", 1), ("背包", 1)))
    assert (admission.stay_days, admission.stay_parameter, admission.stay_until) == (10, rule.pk, dt.date(2026, 1, 15))
    assert admission.number == f"JZ{personas.county.code[:6]}202601050001"
    assert [(b.description, b.quantity, b.returned_at) for b in admission.belongings.all()] == [
        ("手机", 1, None),
        ("背包", 1, None),
    ]
    assert not Tracing.objects.unscoped().filter(admission=admission).exists()  # identity known: no tracing

    staff = personas[STAFF]
    with pytest.raises(ValidationError) as no_reason:
        stay_extend(actor=staff, admission=admission, until=dt.date(2026, 1, 20), reason="  ")
    assert no_reason.value.message_dict == {"reason": ["请说明延期的理由。"]}
    with pytest.raises(ValidationError, match="2026-01-15"):
        stay_extend(actor=staff, admission=admission, until=dt.date(2026, 1, 15), reason="住院治疗")
    extension = stay_extend(actor=staff, admission=admission, until=dt.date(2026, 1, 25), reason="住院治疗，等待出院")
    assert (extension.previous_until, extension.until) == (dt.date(2026, 1, 15), dt.date(2026, 1, 25))
    assert Admission.objects.unscoped().get(pk=admission.pk).stay_until == dt.date(2026, 1, 25)
    event = AuditEvent.objects.unscoped().get(action="relief.stay_extended")
    assert (event.before, event.after, event.reason) == (
        {"stay_until": "2026-01-15"},
        {"stay_until": "2026-01-25"},
        "住院治疗，等待出院",
    )


def test_a_stay_beyond_the_limit_without_an_extension_is_refused_and_nothing_is_written(personas: Personas) -> None:
    with pytest.raises(ValidationError) as raised:
        admit(personas, known=True, stay_days=11)
    assert "10" in raised.value.message_dict["stay_days"][0]
    assert not Admission.objects.unscoped().exists()
    assert not AuditEvent.objects.unscoped().filter(action="relief.admitted").exists()
    assert admit(personas, known=True, stay_days=4).stay_days == 4


def test_stays_reaching_their_limit_are_due_work(personas: Personas) -> None:
    today = timezone.localdate()
    late = admit(personas, known=True, at=_at(today - dt.timedelta(days=12)), name="王志强")
    due = admit(personas, known=True, at=_at(today - dt.timedelta(days=9)), name="李德明")
    admit(personas, known=True, at=_at(today - dt.timedelta(days=2)), name="赵国华")  # not yet
    staff = personas[STAFF]
    items = stays_due(staff, today, 10, None)
    assert [(i.subject, i.deadline, i.overdue) for i in items] == [
        (f"{late.number} 王志强", today - dt.timedelta(days=2), True),
        (f"{due.number} 李德明", today + dt.timedelta(days=1), False),
    ]
    assert items[0].url == reverse("relief:admission_detail", args=[late.pk])
    assert stays_due_count(staff, today) == 2
    assert stays_due_count(personas.outsider(STAFF), today) == 0
    assert stays_due_count(personas[Role.AUDITOR], today) == 0  # reads, does not change: not their work


# --- Departures ------------------------------------------------------------------------------------------------


def test_leaving_is_always_recordable_at_once(personas: Personas) -> None:
    """Whatever the state — just admitted, past the limit without an extension, belongings still kept, a tracing
    open — the person's departure is recorded at once, and what they carried is given back."""
    staff = personas[STAFF]
    just_in = admit(personas, at=timezone.now() - dt.timedelta(minutes=1), belongings=(("棉衣", 2),))
    left = departure_record(actor=staff, admission=just_in, departure="own_will")
    assert (left.status, left.departure) == ("departed", "own_will")
    assert [b.returned_at for b in left.belongings.all()] == [left.departed_at]
    tracing = Tracing.objects.unscoped().get(admission=just_in)
    assert (tracing.status, tracing.closed_at) == ("closed", left.departed_at)

    overstayed = admit(personas, known=True, at=_at(timezone.localdate() - dt.timedelta(days=30)), name="周德明")
    gone = departure_record(actor=staff, admission=overstayed, departure="returned_home", destination="安徽省阜阳市")
    assert (gone.status, gone.destination) == ("departed", "安徽省阜阳市")
    event = AuditEvent.objects.unscoped().filter(action="relief.departed", object_id=str(overstayed.pk)).get()
    assert event.after is not None and event.after["beyond_limit"] is True


def test_a_departure_before_the_admission_or_twice_is_refused_and_nothing_is_lost(personas: Personas) -> None:
    staff = personas[STAFF]
    admission = admit(personas, known=True, at=_at(dt.date(2026, 1, 5), 10))
    with pytest.raises(ValidationError) as before:
        departure_record(
            actor=staff, admission=admission, departure="own_will", departed_at=_at(dt.date(2026, 1, 5), 9)
        )
    assert before.value.message_dict == {"departed_at": ["离站时间不能早于入站时间（2026-01-05 10:00）。"]}
    with pytest.raises(ValidationError) as nowhere:
        departure_record(actor=staff, admission=admission, departure="returned_home")
    assert list(nowhere.value.message_dict) == ["destination"]
    with pytest.raises(ValidationError, match="请从列表中选择离站方式"):
        departure_record(actor=staff, admission=admission, departure="resettled")
    fresh = Admission.objects.unscoped().get(pk=admission.pk)
    assert (fresh.status, fresh.departed_at, fresh.departure) == ("in_station", None, "")
    departure_record(actor=staff, admission=admission, departure="family", destination="其妻接回")
    with pytest.raises(ValidationError, match="该人员的离站已登记"):
        departure_record(actor=staff, admission=admission, departure="own_will")


def test_the_departure_page_answers_a_bad_time_with_the_reason_in_chinese(personas: Personas) -> None:
    admission = admit(personas, known=True, at=_at(dt.date(2026, 1, 5), 10))
    client = Client()
    client.force_login(personas[STAFF])
    response = client.post(
        reverse("relief:admission_depart", args=[admission.pk]),
        {"depart-departure": "own_will", "depart-departed_at": "2026-01-04T08:00"},
        follow=True,
    )
    assert "离站时间不能早于入站时间" in response.content.decode()
    assert Admission.objects.unscoped().get(pk=admission.pk).status == "in_station"


# --- Tracing --------------------------------------------------------------------------------------------------


def test_an_unknown_identity_opens_a_tracing_with_its_announcement_deadline_in_working_days(
    personas: Personas,
) -> None:
    admission = admit(personas, at=_at(dt.date(2026, 1, 9)))  # a Friday; 7 working days on
    tracing = Tracing.objects.unscoped().get(admission=admission)
    rule = Parameter.objects.get(key="relief.announcement_days")
    assert (tracing.status, tracing.announcement_due, tracing.announcement_parameter) == (
        "open",
        dt.date(2026, 1, 20),
        rule.pk,
    )
    staff = personas[STAFF]
    items = announcements_due(staff, dt.date(2026, 1, 21), 5, None)
    assert [(i.kind, i.deadline, i.overdue) for i in items] == [("relief_announcement", dt.date(2026, 1, 20), True)]
    assert announcements_due_count(staff, dt.date(2026, 1, 21)) == 1
    assert announcements_due_count(personas.outsider(STAFF), dt.date(2026, 1, 21)) == 0
    with pytest.raises(ValidationError, match="请勾选“身份已知”"):
        admit(
            personas, id_number=synthesize_id_number(address_code="321302", birth_date=dt.date(1970, 1, 1), sequence=1)
        )


def test_police_checks_are_requested_and_their_results_recorded_once(personas: Personas) -> None:
    staff = personas[STAFF]
    tracing = admit(personas).tracing
    today = timezone.localdate()
    check = tracing_check_request(actor=staff, tracing=tracing, kind="dna", requested_on=today)
    done = tracing_check_result(actor=staff, check=check, result="no_match", result_on=today, note="库中无比中")
    assert (done.kind, done.result, done.result_on, done.note) == ("dna", "no_match", today, "库中无比中")
    with pytest.raises(ValidationError, match="该查询结果已登记"):
        tracing_check_result(actor=staff, check=check, result="match", result_on=today)
    with pytest.raises(PermissionDenied):
        tracing_check_request(actor=personas.outsider(STAFF), tracing=tracing, kind="face", requested_on=today)


def test_reunification_ends_the_tracing_and_the_stay(personas: Personas) -> None:
    staff = personas[STAFF]
    admission = admit(personas, belongings=(("手机", 1),))
    tracing = tracing_reunite(actor=staff, tracing=admission.tracing, note="其子张伟从安徽来接，经DNA比对确认")
    assert (tracing.status, tracing.outcome_note) == ("reunited", "其子张伟从安徽来接，经DNA比对确认")
    admission.refresh_from_db()
    assert (admission.status, admission.departure, admission.departed_at) == ("departed", "family", tracing.closed_at)
    assert admission.belongings.get().returned_at == tracing.closed_at
    with pytest.raises(ValidationError, match="该寻亲已结束"):
        tracing_reunite(actor=staff, tracing=tracing, note="再次")


def test_resettlement_registers_the_person_and_runs_the_tekun_procedure_through_the_programmes(
    personas: Personas,
) -> None:
    """落户安置: the person is registered in the registry with a household of their own, and their 特困 application
    is taken on their behalf: the one window accepts item 4, which opens the 特困 procedure, whose means test finds the
    person eligible."""
    admission = admit(personas, apparent_age=68)
    number = synthesize_id_number(address_code="321302", birth_date=dt.date(1958, 5, 1), sequence=731)
    approver = personas[Role.COUNTY_APPROVER]
    with pytest.raises(PermissionDenied):
        tracing_resettle(
            actor=personas[STAFF], tracing=admission.tracing, name="宿安民", id_number=number, village=personas.village
        )
    tracing = tracing_resettle(
        actor=approver, tracing=admission.tracing, name="宿安民", id_number=number, village=personas.village
    )
    person = Person.objects.unscoped().get(id_index=blind_index(number))
    assert (person.name, person.hukou_area_id, person.status) == ("宿安民", personas.village.code, "living")
    assert (tracing.status, tracing.resettled_person_id) == ("resettled", person.pk)
    household = Household.objects.unscoped().get(memberships__person=person)
    assert (household.area_id, Membership.objects.unscoped().get(person=person).relation) == (
        personas.village.code,
        "head",
    )
    assert tracing.tekun_item_case_id is not None
    item_case = ItemCase.objects.unscoped().get(pk=tracing.tekun_item_case_id)
    assert (item_case.item.number, item_case.status, item_case.application.on_behalf) == (4, "accepted", True)
    procedure = ProgrammeCase.objects.unscoped().get(case=item_case)
    assert (procedure.programme, procedure.stage, procedure.household_id, procedure.applicant_id) == (
        "tekun",
        "accepted",
        household.pk,
        person.pk,
    )
    admission.refresh_from_db()
    assert (admission.status, admission.departure, admission.person_id) == ("departed", "resettled", person.pk)

    # The programmes' means test on the new household: no income, no able supporter, self-care assessed.
    village = personas[Role.VILLAGE_WORKER]
    status = economic_status_new(actor=village, household=household, window_end=timezone.localdate().replace(day=1))
    status_line_add(
        actor=village,
        status=status,
        line="condition",
        data={"person": person, "self_care_assessed": True, "no_able_supporter": True},
    )
    assessment = assessment_run(actor=personas[Role.TOWNSHIP_WINDOW], household=household)
    result = result_for(assessment, "tekun", person)
    assert result is not None
    assert (result.eligible, result.category, result.monthly_fen) == (True, "able", 124_400)


def test_resettlement_refuses_an_id_registered_already_and_leaves_everything_as_it_was(personas: Personas) -> None:
    from minsheng.testing import make_person

    existing = make_person(personas.village, "王芳")
    admission = admit(personas)
    with pytest.raises(ValidationError, match="该证件号码已登记"):
        tracing_resettle(
            actor=personas[Role.COUNTY_APPROVER],
            tracing=admission.tracing,
            name="宿安民",
            id_number=existing.id_number,
            village=personas.village,
        )
    tracing = Tracing.objects.unscoped().get(pk=admission.tracing.pk)
    assert (tracing.status, tracing.resettled_person_id) == ("open", None)
    assert not Household.objects.unscoped().filter(memberships__person=existing).exists()


# --- Patrols and the station staff's scope ------------------------------------------------------------------------


def test_patrols_and_campaigns_record_what_was_given_to_how_many(personas: Personas) -> None:
    staff = personas[STAFF]
    patrol = patrol_record(
        actor=staff,
        station=station(personas),
        kind="winter",
        on=dt.date(2026, 1, 10),
        places="火车站广场、人民公园",
        persons_reached=8,
        persons_admitted=2,
        given="棉被8床、热食",
    )
    assert (patrol.area_code, patrol.kind, patrol.persons_reached, patrol.persons_admitted) == (
        personas.county.code,
        "winter",
        8,
        2,
    )
    with pytest.raises(ValidationError) as raised:
        patrol_record(
            actor=staff, station=station(personas), kind="summer", on=dt.date(2026, 1, 10), places="公园",
            persons_reached=1, persons_admitted=3,
        )  # fmt: skip
    assert list(raised.value.message_dict) == ["persons_admitted"]
    with pytest.raises(PermissionDenied):
        patrol_record(
            actor=personas.outsider(STAFF), station=station(personas), kind="patrol", on=dt.date(2026, 1, 10),
            places="公园", persons_reached=1,
        )  # fmt: skip
    assert Patrol.objects.unscoped().count() == 1


def test_station_staff_see_their_county_only_and_not_the_registry(personas: Personas) -> None:
    ours = admit(personas)
    staff = personas[STAFF]
    assert list(Admission.objects.restrict(staff, "view")) == [ours]
    assert list(Admission.objects.restrict(personas.outsider(STAFF), "view")) == []
    assert Person.objects.restrict(staff, "view").count() == 0
    client = Client()
    client.force_login(staff)
    assert client.get(reverse("people:search")).status_code == 403
    page = client.get(reverse("relief:admission_detail", args=[ours.pk]))
    assert page.status_code == 200
    assert StayExtension.objects.count() == 0
