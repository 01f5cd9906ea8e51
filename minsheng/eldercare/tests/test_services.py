"""Elderly care's services: the registry, the target-list rules, order generation, visits and their checks,
compliance, settlement exactly once, provider scope, 尊老金's checks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from minsheng.assistance.benefits.models import Benefit
from minsheng.audit.models import AuditEvent
from minsheng.core.months import month_of
from minsheng.eldercare import services
from minsheng.eldercare.models import (
    CareItem,
    Circumstance,
    DeathFinding,
    Elder,
    LivenessCheck,
    OrderLine,
    Residency,
    ServiceOrder,
    ServiceVisit,
    Settlement,
)
from minsheng.eldercare.module import STAFF
from minsheng.eldercare.tests import factories as f
from minsheng.monitoring.models import Alert
from minsheng.payments.tests.factories import enrol
from minsheng.testing import Personas, make_person, make_user

pytestmark = pytest.mark.django_db
THIS_MONTH = month_of(timezone.localdate())


# --- The registry ----------------------------------------------------------------------------------------------------


def test_facility_registered_with_filing_and_audited(personas: Personas) -> None:
    facility = services.facility_register(
        actor=personas["county_approver"],
        area=personas.township,
        kind="institution",
        name="宿城区颐养院",
        operator="宿城区民政局",
        permit="licence",
        permit_number="苏养许321302001",
        permit_on=dt.date(2021, 3, 1),
        beds=120,
        star_rating=3,
    )
    assert (facility.kind, facility.beds, facility.star_rating, facility.area_code) == (
        "institution",
        120,
        3,
        personas.township.code,
    )
    assert AuditEvent.objects.unscoped().filter(action="eldercare.facility_registered").count() == 1
    with pytest.raises(ValidationError):  # the same licence number twice
        services.facility_register(
            actor=personas["county_approver"],
            area=personas.township,
            kind="institution",
            name="另一家",
            operator="某公司",
            permit="licence",
            permit_number="苏养许321302001",
            permit_on=dt.date(2021, 3, 1),
            beds=10,
        )
    with pytest.raises(PermissionDenied):  # another county's approver
        services.facility_register(
            actor=personas.outsider("county_approver"),
            area=personas.township,
            kind="station",
            name="站",
            operator="某",
            permit="filing",
            permit_number="X1",
            permit_on=dt.date(2021, 3, 1),
            beds=0,
        )


def test_inspection_to_rectify_needs_a_date(personas: Personas) -> None:
    facility = f.facility(personas.township)
    with pytest.raises(ValidationError):
        services.inspection_record(
            actor=personas["township_reviewer"],
            facility=facility,
            on=timezone.localdate(),
            result="rectify",
            findings="消防通道堵塞",
        )
    inspection = services.inspection_record(
        actor=personas["township_reviewer"],
        facility=facility,
        on=timezone.localdate(),
        result="rectify",
        findings="消防通道堵塞",
        rectify_by=timezone.localdate() + dt.timedelta(days=30),
    )
    assert inspection.result == "rectify"


def test_tekun_resident_links_the_programmes_benefit_and_leaves_the_home_list(personas: Personas) -> None:
    person = make_person(personas.village, "刘长春", birth=f.OLD)
    tekun = enrol(person, "tekun", 120_000, area=personas.village, category="partly_unable")
    services.targets_refresh()
    assert Elder.objects.unscoped().get(person=person).active is True
    home = f.facility(personas.township, beds=1)
    residency = services.residency_admit(
        actor=personas["township_window"], facility=home, person=person, admitted_on=timezone.localdate()
    )
    assert residency.tekun_benefit_id == tekun.pk  # 集中供养: the programme's own benefit, nothing copied
    assert Benefit.objects.unscoped().get(pk=tekun.pk).status == "active"
    with pytest.raises(ValidationError):  # the only bed is taken
        services.residency_admit(
            actor=personas["township_window"],
            facility=home,
            person=make_person(personas.village, "王五"),
            admitted_on=timezone.localdate(),
        )
    services.targets_refresh()
    elder = Elder.objects.unscoped().get(person=person)
    assert (elder.active, elder.ended_on) == (False, timezone.localdate())
    assert not CareItem.objects.unscoped().filter(elder=elder).exists()
    assert Residency.objects.unscoped().filter(person=person, left_on__isnull=True).count() == 1


# --- The target list ------------------------------------------------------------------------------------------------


def test_target_rules_from_the_parameters(personas: Personas) -> None:
    village = personas.village
    dibao_old = f.dibao_elder(village, "赵大爷")  # 低保 and 86: very old with a programme
    old_no_programme = make_person(village, "钱大娘", birth=f.OLD)  # 86, no programme: not very old enough alone
    dibao_young = f.dibao_elder(village, "孙叔", birth="1962-01-01")  # 低保 but 64, nothing else
    alone = make_person(village, "李奶奶", birth="1950-01-01")  # 76, lives alone: no programme needed
    services.circumstance_record(
        actor=personas["village_worker"], person=alone, kind="alone", since=dt.date(2024, 1, 1)
    )
    too_young_alone = make_person(village, "周阿姨", birth="1970-01-01")
    Circumstance.objects.unscoped().create(
        person=too_young_alone, area_code=village.code, kind="alone", since=dt.date(2024, 1, 1)
    )
    run = services.targets_refresh()
    listed = {e.person_id: e for e in Elder.objects.unscoped().filter(active=True)}
    assert set(listed) == {dibao_old.pk, alone.pk}
    assert listed[dibao_old.pk].categories == ["very_old"]
    assert listed[dibao_old.pk].programmes == ["dibao"]
    assert listed[alone.pk].categories == ["alone"]
    assert (run.added, run.ended, run.active) == (2, 0, 2)
    plans = {(i.elder.person_id, i.service): i.per_month for i in CareItem.objects.unscoped().select_related("elder")}
    # at least monthly for everyone; weekly (4) for those living alone
    assert plans == {(dibao_old.pk, "visit"): 1, (alone.pk, "visit"): 4}
    assert old_no_programme.pk not in listed and dibao_young.pk not in listed
    # a second run on the same data writes nothing
    again = services.targets_refresh()
    assert (again.added, again.ended, again.active) == (0, 0, 2)


def test_leaving_the_programme_ends_the_listing_and_a_death_clears_future_lines(personas: Personas) -> None:
    person = f.dibao_elder(personas.village)
    services.targets_refresh()
    Benefit.objects.unscoped().filter(payee=person).update(status="stopped", stopped_from=THIS_MONTH)
    run = services.targets_refresh()
    assert run.ended == 1
    assert Elder.objects.unscoped().get(person=person).active is False


# --- Orders ---------------------------------------------------------------------------------------------------------


def test_orders_generated_set_based_once(personas: Personas) -> None:
    the_contract = f.contract(personas)
    a = f.dibao_elder(personas.village, "甲")
    b = make_person(personas.village, "乙", birth="1950-02-02")
    Circumstance.objects.unscoped().create(
        person=b, area_code=personas.village.code, kind="disabled", since=dt.date(2024, 1, 1)
    )
    outside = f.dibao_elder(personas.other_village, "丙")  # no contract covers the other county
    services.targets_refresh()
    first = services.orders_generate(month=THIS_MONTH)
    # a: visit ×1; b (disabled): visit ×4 and cleaning ×1 — all under the township's contract
    assert (first.orders, first.lines, first.visits) == (1, 3, 6)
    lines = {(x.elder.person_id, x.service): x.owed for x in OrderLine.objects.unscoped().select_related("elder")}
    assert lines == {(a.pk, "visit"): 1, (b.pk, "visit"): 4, (b.pk, "cleaning"): 1}
    order = ServiceOrder.objects.unscoped().get()
    assert (order.contract_id, order.lines, order.owed) == (the_contract.pk, 3, 6)
    assert not OrderLine.objects.unscoped().filter(elder__person=outside).exists()
    again = services.orders_generate(month=THIS_MONTH)
    assert (again.orders, again.lines, again.visits) == (0, 0, 6)
    assert OrderLine.objects.unscoped().count() == 3


# --- Visits --------------------------------------------------------------------------------------------------------


def test_visit_recorded_verified_and_sent_twice_arrives_once(personas: Personas) -> None:
    s = f.scenario(personas)
    data = f.visit_input(latitude=Decimal("33.95"), longitude=Decimal("118.29"))
    first = services.visit_record(actor=personas[STAFF], line_id=s["line"].pk, data=data)
    again = services.visit_record(actor=personas[STAFF], line_id=s["line"].pk, data=data)
    assert (first.created, again.created, again.visit.pk) == (True, False, first.visit.pk)
    visit = first.visit
    assert (visit.status, visit.flags, visit.minutes, visit.price_fen) == ("verified", [], 40, 5000)
    elder = Elder.objects.unscoped().get(pk=s["elder"].pk)
    assert (elder.home_latitude, elder.home_longitude) == (Decimal("33.950000"), Decimal("118.290000"))
    assert ServiceVisit.objects.unscoped().count() == 1


def test_far_overlapping_and_unlocated_visits_are_flagged_not_verified(personas: Personas) -> None:
    s = f.scenario(personas)
    f.record(personas)  # sets the home position
    start = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=20)
    if start < timezone.make_aware(dt.datetime.combine(THIS_MONTH, dt.time())):
        pytest.skip("the first minutes of a month")
    far = services.visit_record(
        actor=personas[STAFF],
        line_id=s["line"].pk,
        data=f.visit_input(
            minutes=10,
            checked_in_at=start,
            checked_out_at=start + dt.timedelta(minutes=30),
            latitude=Decimal("34.10"),
            longitude=Decimal("118.29"),
        ),
    ).visit
    assert far.flags == ["far", "overlap"] and far.status == "recorded" and far.flagged
    nowhere = f.record(personas, latitude=None, longitude=None, minutes=5)
    assert "no_location" in nowhere.flags and nowhere.status == "recorded"


def test_visit_refused_for_another_provider_or_outside_the_contract_area(personas: Personas) -> None:
    s = f.scenario(personas)
    other_staff = make_user("staff2", STAFF, personas.county, organisation_id=f.provider(personas.county).pk)
    with pytest.raises(PermissionDenied):
        services.visit_record(actor=other_staff, line_id=s["line"].pk, data=f.visit_input())
    # The person moved to another township: outside the contract's area
    Elder.objects.unscoped().filter(pk=s["elder"].pk).update(area_code=personas.other_village.code)
    with pytest.raises(ValidationError) as refused:
        services.visit_record(actor=personas[STAFF], line_id=s["line"].pk, data=f.visit_input())
    assert "line" in refused.value.message_dict
    assert ServiceVisit.objects.unscoped().count() == 0


def test_impossible_times_are_refused(personas: Personas) -> None:
    s = f.scenario(personas)
    now = timezone.now()
    with pytest.raises(ValidationError) as refused:
        services.visit_record(
            actor=personas[STAFF],
            line_id=s["line"].pk,
            data=f.visit_input(checked_in_at=now, checked_out_at=now - dt.timedelta(minutes=5)),
        )
    assert "checked_out_at" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.visit_record(
            actor=personas[STAFF],
            line_id=s["line"].pk,
            data=f.visit_input(satisfaction=9, steps=("fly",)),
        )
    assert set(refused.value.message_dict) == {"satisfaction", "steps"}


def test_a_danger_finding_raises_a_monitoring_warning_for_the_village(personas: Personas) -> None:
    s = f.scenario(personas)
    visit = f.record(personas, finding="danger", finding_note="燃气灶漏气，老人独自在家")
    assert visit.alert_id is not None
    alert = Alert.objects.unscoped().get(pk=visit.alert_id)
    assert (alert.rule_code, alert.person_id, alert.area_code, alert.status, alert.severity) == (
        "eldercare_danger",
        s["person"].pk,
        personas.village.code,
        "open",
        "high",
    )
    assert alert.summary.endswith("燃气灶漏气，老人独自在家")


# --- Compliance and settlement -------------------------------------------------------------------------------------


def test_compliance_owed_delivered_on_time(personas: Personas) -> None:
    s = f.scenario(personas)
    f.record(personas)
    result = services.compliance_compute(month=THIS_MONTH)
    line = OrderLine.objects.unscoped().get(pk=s["line"].pk)
    assert (line.owed, line.delivered, line.on_time) == (1, 1, 1)
    assert (result.lines, result.owed, result.delivered, result.on_time, result.missed_lines) == (1, 1, 1, 1, 0)
    # a rejected visit no longer counts
    ServiceVisit.objects.unscoped().update(status="rejected")
    again = services.compliance_compute(month=THIS_MONTH)
    assert (again.delivered, again.on_time, again.missed_lines) == (0, 0, 1)


def test_settlement_from_verified_visits_only_maker_checker_exactly_once(personas: Personas) -> None:
    s = f.scenario(personas)
    last = month_of(THIS_MONTH - dt.timedelta(days=1))
    line = s["line"]
    OrderLine.objects.unscoped().filter(pk=line.pk).update(month=last)
    base = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=3), dt.time(9)))
    rows = [
        ServiceVisit.objects.unscoped().create(
            client_uuid=f"00000000-0000-4000-8000-00000000000{i}",
            line=line,
            provider_id=line.provider_id,
            elder=s["elder"],
            area_code=line.area_code,
            worker=personas[STAFF],
            checked_in_at=base + dt.timedelta(days=i),
            checked_out_at=base + dt.timedelta(days=i, minutes=40),
            minutes=40,
            status=status,
            price_fen=5000,
        )
        for i, status in enumerate(["verified", "verified", "recorded", "rejected"])
    ]
    provider = f.own_provider(personas)
    maker, checker = personas["county_payment_officer"], personas["county_approver"]
    settlement = services.settlement_generate(actor=maker, provider=provider, month=last)
    assert (settlement.visit_count, settlement.total_fen, settlement.status) == (2, 10000, "draft")
    again = services.settlement_generate(actor=maker, provider=provider, month=last)
    assert (again.pk, again.visit_count, again.total_fen) == (settlement.pk, 2, 10000)
    assert Settlement.objects.unscoped().count() == 1
    assert [v.settlement_id for v in ServiceVisit.objects.unscoped().order_by("checked_in_at")] == [
        settlement.pk,
        settlement.pk,
        None,
        None,
    ]
    with pytest.raises(PermissionDenied):  # the maker cannot approve
        services.settlement_approve(actor=maker, settlement=settlement)
    approved = services.settlement_approve(actor=checker, settlement=settlement)
    assert approved.status == "approved"
    with pytest.raises(ValidationError):  # frozen once approved
        services.settlement_generate(actor=maker, provider=provider, month=last)
    paid = services.settlement_pay(actor=maker, settlement=approved)
    assert paid.status == "paid"
    with pytest.raises(ValidationError):  # paid once
        services.settlement_pay(actor=maker, settlement=approved)
    assert len(rows) == 4


def test_this_month_is_not_settled(personas: Personas) -> None:
    with pytest.raises(ValidationError):
        services.settlement_generate(
            actor=personas["county_payment_officer"], provider=f.provider(personas.county), month=THIS_MONTH
        )


# --- Provider scope ---------------------------------------------------------------------------------------------------


def test_provider_staff_see_only_their_providers_lines_and_no_person(personas: Personas) -> None:
    from minsheng.areas.models import Division
    from minsheng.eldercare import selectors
    from minsheng.people.models import Person

    s = f.scenario(personas)
    township = (
        Division.objects.filter(parent=personas.county, level="township").exclude(pk=personas.township.pk).first()
    )
    assert township is not None
    village = Division.objects.filter(parent=township, level="village").order_by("code").first()
    assert village is not None
    other = f.provider(personas.county, "另一家服务中心")
    f.contract(personas, other, area=township)
    second = make_person(village, "吴奶奶", birth="1950-01-01")
    Circumstance.objects.unscoped().create(
        person=second, area_code=village.code, kind="disabled", since=dt.date(2024, 1, 1)
    )
    services.targets_refresh()
    services.orders_generate(month=THIS_MONTH)
    staff = personas[STAFF]
    mine = list(selectors.worker_lines(user=staff, month=THIS_MONTH).values_list("elder__person_id", "service"))
    assert mine == [(s["person"].pk, "visit")]
    other_staff = make_user("staff_other", STAFF, personas.county, organisation_id=other.pk)
    theirs = selectors.worker_lines(user=other_staff, month=THIS_MONTH).values_list("elder__person_id", "service")
    assert sorted(theirs) == [(second.pk, "cleaning"), (second.pk, "visit")]
    # Their to-do list reads a page after its position (the month's lines in id order), never from the start again.
    today = timezone.localdate()
    first = selectors.visits_due(other_staff, today, 1, None)
    rest = selectors.visits_due(other_staff, today, 5, first[0].position)
    lines = sorted(OrderLine.objects.unscoped().filter(elder__person=second).values_list("pk", flat=True))
    assert [item.url for item in first + rest] == [f"/eldercare/visits/lines/{pk}/" for pk in lines]
    assert selectors.visits_due(other_staff, today, 5, rest[-1].position) == []
    line = OrderLine.objects.unscoped().get(elder__person=second, service="visit")
    with pytest.raises(PermissionDenied):
        services.visit_record(actor=staff, line_id=line.pk, data=f.visit_input())
    assert not Person.objects.restrict(staff, "view").exists()
    assert not Elder.objects.restrict(staff, "view").exists()


# --- 尊老金 ----------------------------------------------------------------------------------------------------------


def test_liveness_opened_once_and_confirmed(personas: Personas) -> None:
    person = make_person(personas.village, "百岁老人", birth="1925-01-01")
    benefit = enrol(person, "elderly", 30_000, area=personas.village)
    year = timezone.localdate().year
    assert services.liveness_open(year=year) == 1
    assert services.liveness_open(year=year) == 0
    check = LivenessCheck.objects.unscoped().get(benefit=benefit)
    assert check.due_on == dt.date(year, 6, 30)  # 181 days from 1 January (demo value)
    done = services.liveness_confirm(actor=personas["village_worker"], check=check, method="visit")
    assert (done.status, done.confirmed_by_id) == ("confirmed", personas["village_worker"].pk)
    with pytest.raises(ValidationError):
        services.liveness_confirm(actor=personas["village_worker"], check=check, method="visit")


def test_death_check_from_the_exchange_then_stop(personas: Personas) -> None:
    from minsheng.exchange.tests.factories import death_feed

    person = make_person(personas.village, "高大爷", birth="1930-01-01")
    benefit = enrol(person, "elderly", 30_000, area=personas.village)
    died = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    death_feed(personas, rows=((person.id_number, person.name, died),))
    assert services.deaths_check(month=THIS_MONTH) == 1
    assert services.deaths_check(month=THIS_MONTH) == 1  # written once (unique): the second insert is ignored
    assert DeathFinding.objects.unscoped().count() == 1
    finding = DeathFinding.objects.unscoped().get()
    services.death_handle(actor=personas["county_approver"], finding=finding, stop=True, note="公安死亡数据核实")
    assert Benefit.objects.unscoped().get(pk=benefit.pk).status == "stopped"
    assert DeathFinding.objects.unscoped().get().status == "stopped"


def test_compliance_page_per_provider(personas: Personas) -> None:
    from django.test import Client
    from django.urls import reverse

    s = f.scenario(personas)
    f.record(personas)
    services.compliance_compute(month=THIS_MONTH)
    client = Client()
    client.force_login(personas["township_reviewer"])
    response = client.get(reverse("eldercare:compliance"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [
        (r["provider_id"], r["n_lines"], r["n_owed"], r["n_delivered"], r["n_on_time"], r["rate"]) for r in rows
    ] == [(s["line"].provider_id, 1, 1, 1, 1, 100.0)]
    assert client.get(reverse("eldercare:compliance"), {"month": "2026-13"}).status_code == 400
