"""The 低保 / 特困 procedure: every step, its guards, and the pages (DOMAIN §1.2).

The worked family: three working-age adults; the son earned ¥14,400 in wages over the 12 months, so the household
lives on ¥1,200 a month, ¥400 per person, against a 低保 standard of ¥880 (demo value from 2025-07): the benefit is
(880 − 400) × 3 = ¥1,440 a month, review class B (working-age members with wages: every 6 months).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone, translation

from minsheng.accounts.roles import Role
from minsheng.assistance.benefits.models import Benefit, BenefitChange
from minsheng.assistance.means.services import authorisation_record, economic_status_new, status_line_add
from minsheng.assistance.procedure import selectors, services, views
from minsheng.assistance.procedure.models import Objection, ProgrammeCase
from minsheng.assistance.procedure.steps import STEP_BY_KEY, STEPS
from minsheng.catalog.models import Department, Item
from minsheng.intake.models import Application, ItemCase
from minsheng.intake.services import ItemRequest, application_submit, case_decide
from minsheng.people.models import Person
from minsheng.testing import Personas, build_personas, make_household, make_person, make_user
from minsheng.workdays.services import Calendar

if TYPE_CHECKING:
    from minsheng.accounts.models import User

Stage = ProgrammeCase.Stage
MONDAY = dt.date(2026, 3, 2)


@contextlib.contextmanager
def on(day: dt.date) -> Iterator[None]:
    """Run the services as if today were ``day`` (they read the date through ``django.utils.timezone``)."""
    saved = timezone.localdate, timezone.now
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
    timezone.localdate = lambda *a, **k: day
    timezone.now = lambda: moment
    try:
        yield
    finally:
        timezone.localdate, timezone.now = saved


class Clock:
    """Moves "today" for a test; pytest's monkeypatch puts the real clock back afterwards."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch

    def set(self, day: dt.date) -> None:
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
        self.monkeypatch.setattr(timezone, "localdate", lambda *a, **k: day)
        self.monkeypatch.setattr(timezone, "now", lambda: moment)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The errors are matched in English (the interface is Chinese once the catalogue is compiled)."""
    with translation.override("en"):
        yield


# --- Building a case --------------------------------------------------------------------------------------------


def family(p: Personas, *, wage_fen: int = 1_440_000, name: str = "张建国", alone: bool = False) -> tuple[Any, Any]:
    """The worked household, with its economic status and the authorisation signed by every adult.

    ``alone``: the head only, earning the wage himself (the permission matrix builds hundreds of cases)."""
    head = make_person(p.village, name, birth="1970-05-01")
    if alone:  # ¥400 a month: a 低保 of ¥480
        son, wage_fen = head, wage_fen // 3
        household = make_household(p.village, head)
    else:
        spouse = make_person(p.village, "李桂兰", birth="1972-08-09")
        son = make_person(p.village, "张磊", birth="1998-01-15")
        household = make_household(p.village, head, (spouse, "spouse"), (son, "child"))
    members = household.memberships.values_list("person", flat=True)
    worker = p[Role.VILLAGE_WORKER]
    today = timezone.localdate()
    status = economic_status_new(actor=worker, household=household, window_end=today.replace(day=1))
    status_line_add(
        actor=worker,
        status=status,
        line="income",
        data={"person": son, "kind": "wage", "amount_fen": wage_fen, "description": "外出务工"},
    )
    authorisation_record(
        actor=worker,
        status=status,
        serial=f"SQ{household.pk:08d}",
        signed_on=today,
        channel="paper",
        signers=[(member, "") for member in Person.objects.unscoped().filter(pk__in=members)],
    )
    return head, household


def apply(p: Personas, applicant: Any, number: int = 1) -> ProgrammeCase:
    """The village worker takes the application with every material: 受理 opens the procedure."""
    item = Item.objects.get(number=number)
    application = application_submit(
        actor=p[Role.VILLAGE_WORKER],
        person=applicant,
        requests=[ItemRequest(item=item, materials_provided=tuple(item.materials))],
        on_behalf=True,
    )
    return ProgrammeCase.objects.unscoped().get(case__application=application)


def investigate(p: Personas, case: ProgrammeCase, *, second: Any = None) -> ProgrammeCase:
    return services.programme_case_investigate(
        actor=p[Role.TOWNSHIP_WINDOW],
        case=case,
        investigated_on=timezone.localdate(),
        investigator_1=p[Role.VILLAGE_WORKER],
        investigator_2=second or p[Role.TOWNSHIP_WINDOW],
        findings="家中无贵重物品，收入以务工为主",
    )


def verify(p: Personas, case: ProgrammeCase, result: str = "eligible") -> ProgrammeCase:
    case = services.programme_case_verification_request(actor=p[Role.TOWNSHIP_WINDOW], case=case)
    return services.programme_case_verification_result(
        actor=p[Role.TOWNSHIP_WINDOW], case=case, result=result, report="核对中心报告"
    )


def review(p: Personas, case: ProgrammeCase, *, approve: bool = True, reviewer: User | None = None) -> ProgrammeCase:
    return services.programme_case_initial_review(
        actor=reviewer or p[Role.TOWNSHIP_REVIEWER], case=case, approve=approve, opinion="人均收入低于低保标准"
    )


def publicize(p: Personas, case: ProgrammeCase) -> ProgrammeCase:
    return services.programme_case_publicity_start(
        actor=p[Role.TOWNSHIP_REVIEWER], case=case, start=timezone.localdate()
    )


def close(p: Personas, case: ProgrammeCase, *, democratic_review: bool = False) -> ProgrammeCase:
    return services.programme_case_publicity_close(
        actor=p[Role.TOWNSHIP_REVIEWER], case=case, democratic_review=democratic_review
    )


def case_at(p: Personas, stage: str, *, alone: bool = False) -> ProgrammeCase:
    """A case of the worked family at ``stage`` (also used by the permission matrix, with ``alone``)."""
    today = timezone.localdate()
    past = today - dt.timedelta(days=20)
    with on(past if stage in {"publicity_over", "democratic", "county_review"} else today):
        head, _household = family(p, name=f"张{stage[:1]}国", alone=alone)
        case = apply(p, head)
        if stage == "accepted":
            return case
        case = investigate(p, case)
        if stage == "verification":
            return case
        if stage == "verification_requested":
            return services.programme_case_verification_request(actor=p[Role.TOWNSHIP_WINDOW], case=case)
        case = verify(p, case)
        if stage == "initial_review":
            return case
        case = review(p, case)
        if stage == "publicity":
            return case
        case = publicize(p, case)
        if stage == "publicity_running":
            return case
        if stage == "democratic":
            objection = services.programme_case_objection(
                actor=p[Role.TOWNSHIP_WINDOW], case=case, received_on=past, text="反映其子有车"
            )
            assert objection.pk
    if stage == "publicity_over":
        return case
    case = close(p, case, democratic_review=stage == "democratic")
    assert case.stage == {"democratic": Stage.DEMOCRATIC_REVIEW, "county_review": Stage.COUNTY_REVIEW}[stage]
    return case


def second_user(p: Personas, role: str, name: str) -> Any:
    return make_user(name, role, p.area_for(role))


# --- The happy path, step by step ------------------------------------------------------------------------------


def test_a_dibao_application_goes_through_every_step_to_enrolment(personas: Personas, clock: Clock) -> None:
    p = personas
    clock.set(MONDAY)
    head, household = family(p)
    case = apply(p, head)
    assert (case.stage, case.programme, case.household_id, case.applicant_id) == (
        "accepted",
        "dibao",
        household.pk,
        head.pk,
    )
    assert (case.area_code, case.approval_devolved, case.staff_relative) == (p.village.code, False, False)
    assert selectors.investigation_due(case) == dt.date(2026, 3, 5)  # 3 working days after Monday 2026-03-02

    clock.set(dt.date(2026, 3, 4))
    case = investigate(p, case)
    assert (case.stage, case.investigated_on) == ("verification", dt.date(2026, 3, 4))
    assert {case.investigator_1_id, case.investigator_2_id} == {p[Role.VILLAGE_WORKER].pk, p[Role.TOWNSHIP_WINDOW].pk}
    case = services.programme_case_verification_request(actor=p[Role.TOWNSHIP_WINDOW], case=case)
    assert case.verification_requested_at is not None and case.stage == "verification"
    case = services.programme_case_verification_result(
        actor=p[Role.TOWNSHIP_WINDOW], case=case, result="eligible", report="收入、车辆、房产核对无异常"
    )
    assert (case.stage, case.verification_result) == ("initial_review", "eligible")

    clock.set(dt.date(2026, 3, 9))
    case = review(p, case)
    assert (case.stage, case.initial_opinion_by_id) == ("publicity", p[Role.TOWNSHIP_REVIEWER].pk)
    result = selectors.programme_result(case)
    assert result is not None and (result.eligible, result.monthly_fen, result.covered) == (True, 144_000, 3)
    assert result.review_class == "B" and result.explanation  # the steps, as the family reads them
    assert selectors.proposal(case) == "approve"

    clock.set(dt.date(2026, 3, 10))
    case = publicize(p, case)
    assert (case.publicity_start, case.publicity_end) == (dt.date(2026, 3, 10), dt.date(2026, 3, 16))
    clock.set(dt.date(2026, 3, 17))  # the eighth day
    case = close(p, case)
    assert case.stage == "county_review"

    clock.set(dt.date(2026, 3, 18))
    benefit = services.programme_case_approve(actor=p[Role.COUNTY_APPROVER], case=case, reason="符合低保条件")
    assert (benefit.programme, benefit.payee_id, benefit.household_id, benefit.area_code) == (
        "dibao",
        head.pk,
        household.pk,
        p.village.code,
    )
    assert (benefit.monthly_fen, benefit.covered, benefit.first_month) == (144_000, 3, dt.date(2026, 4, 1))
    assert (benefit.review_months, benefit.next_review_on, benefit.status) == (6, dt.date(2026, 10, 1), "active")
    assert (benefit.programme_case_id, benefit.item_case_id, benefit.assessment_result_id) == (
        case.pk,
        case.case_id,
        result.pk,
    )
    assert BenefitChange.objects.unscoped().get(benefit=benefit).kind == "enrol"
    case.refresh_from_db()
    assert (case.stage, case.decided_by_id, case.decision_reason) == (
        "enrolled",
        p[Role.COUNTY_APPROVER].pk,
        "符合低保条件",
    )
    item_case = ItemCase.objects.unscoped().get(pk=case.case_id)
    assert (item_case.status, item_case.decided_by_id) == ("granted", p[Role.COUNTY_APPROVER].pk)
    assert item_case.decision_reason.startswith("符合低保条件")
    assert "1,440.00" in item_case.decision_reason and "2026-04" in item_case.decision_reason
    # The one window pushes the follow-on items of a granted 低保 (医疗救助, 参保资助, 水电气减免).
    pushed = ItemCase.objects.unscoped().filter(pushed_from=item_case).values_list("item__number", flat=True)
    assert sorted(pushed) == [24, 25, 54]
    actions = [e.action.rsplit(".", 1)[1] for e in selectors.history(case)]
    assert actions == [
        "programme_case_opened",
        "programme_case_investigated",
        "programme_case_verification_requested",
        "programme_case_verification_returned",
        "programme_case_initial_review",
        "programme_case_publicity_started",
        "programme_case_publicity_closed",
        "programme_case_approved",
    ]
    with pytest.raises(ValidationError):  # decided once
        services.programme_case_approve(actor=p[Role.COUNTY_APPROVER], case=case)
    assert Benefit.objects.unscoped().count() == 1


def test_a_tekun_case_enrols_the_applicant_with_the_tekun_amount(personas: Personas, clock: Clock) -> None:
    p = personas
    clock.set(MONDAY)
    elder = make_person(p.village, "王老汉", birth="1948-02-02")
    household = make_household(p.village, elder)
    worker = p[Role.VILLAGE_WORKER]
    status = economic_status_new(actor=worker, household=household, window_end=dt.date(2026, 3, 1))
    status_line_add(
        actor=worker,
        status=status,
        line="condition",
        data={"person": elder, "self_care_assessed": True, "no_able_supporter": True},
    )
    authorisation_record(
        actor=worker, status=status, serial="SQTK0001", signed_on=MONDAY, channel="paper", signers=[(elder, "")]
    )
    case = apply(p, elder, number=4)
    assert (case.programme, case.stage) == ("tekun", "accepted")
    case = review(p, verify(p, investigate(p, case)))
    case = publicize(p, case)
    clock.set(MONDAY + dt.timedelta(days=8))
    case = close(p, case)
    benefit = services.programme_case_approve(actor=p[Role.COUNTY_APPROVER], case=case)
    # 1.3 × ¥880 = ¥1,144 basic support + ¥100 care for a person who meets all six self-care indicators.
    assert (benefit.programme, benefit.payee_id, benefit.monthly_fen, benefit.first_month) == (
        "tekun",
        elder.pk,
        124_400,
        dt.date(2026, 4, 1),
    )
    assert (benefit.category, benefit.review_months) == ("able", 12)


# --- 公示 --------------------------------------------------------------------------------------------------------


def test_the_public_notice_lasts_seven_days(personas: Personas, clock: Clock) -> None:
    p = personas
    clock.set(MONDAY)
    case = review(p, verify(p, investigate(p, apply(p, family(p)[0]))))
    with pytest.raises(ValidationError):  # not posted yet
        close(p, case)
    case = publicize(p, case)  # day 1 is Monday 2026-03-02
    for day in (6, 7):
        clock.set(MONDAY + dt.timedelta(days=day - 1))
        with pytest.raises(ValidationError, match="2026-03-08"):
            close(p, case)
        case.refresh_from_db()
        assert case.stage == "publicity"
    clock.set(MONDAY + dt.timedelta(days=7))  # day 8
    assert close(p, case).stage == "county_review"


def test_an_objection_needs_a_democratic_review_and_the_county_visit(personas: Personas, clock: Clock) -> None:
    p = personas
    clock.set(MONDAY)
    case = publicize(p, review(p, verify(p, investigate(p, apply(p, family(p)[0])))))
    clock.set(MONDAY + dt.timedelta(days=2))
    with pytest.raises(ValidationError):  # not in the future
        services.programme_case_objection(
            actor=p[Role.TOWNSHIP_WINDOW], case=case, received_on=MONDAY + dt.timedelta(days=3), text="x"
        )
    objection = services.programme_case_objection(
        actor=p[Role.TOWNSHIP_WINDOW], case=case, received_on=MONDAY + dt.timedelta(days=2), text="邻居反映其子有车"
    )
    clock.set(MONDAY + dt.timedelta(days=7))
    with pytest.raises(ValidationError, match="democratic review"):
        close(p, case)
    case = close(p, case, democratic_review=True)
    assert case.stage == "democratic"
    case = services.programme_case_democratic_review(
        actor=p[Role.TOWNSHIP_REVIEWER], case=case, record="村民代表7人评议：车辆系其子所有且已分户，异议不成立"
    )
    assert case.stage == "county_review"
    objection.refresh_from_db()
    assert objection.resolved_at is not None and "异议不成立" in objection.resolution
    assert selectors.county_visit_required(case)
    with pytest.raises(ValidationError, match="visit"):
        services.programme_case_approve(actor=p[Role.COUNTY_APPROVER], case=case)
    services.programme_case_county_visit(
        actor=p[Role.COUNTY_APPROVER], case=case, visited_on=timezone.localdate(), note="县级入户核实属实"
    )
    benefit = services.programme_case_approve(actor=p[Role.COUNTY_APPROVER], case=case)
    assert (benefit.monthly_fen, benefit.first_month) == (144_000, dt.date(2026, 4, 1))


def test_an_objection_can_send_the_case_back_for_investigation(personas: Personas, clock: Clock) -> None:
    p = personas
    clock.set(MONDAY)
    case = publicize(p, review(p, verify(p, investigate(p, apply(p, family(p)[0])))))
    services.programme_case_objection(actor=p[Role.TOWNSHIP_WINDOW], case=case, received_on=MONDAY, text="有经营收入")
    with pytest.raises(PermissionDenied):  # the window records objections; the reviewer decides what follows
        services.programme_case_reinvestigate(actor=p[Role.TOWNSHIP_WINDOW], case=case, reason="再查")
    case = services.programme_case_reinvestigate(actor=p[Role.TOWNSHIP_REVIEWER], case=case, reason="核实经营收入")
    assert (case.stage, case.publicity_start, case.publicity_end) == ("investigation", None, None)
    assert not Objection.objects.unscoped().filter(programme_case=case, resolved_at__isnull=True).exists()
    case = investigate(p, case)
    assert (case.stage, case.verification_requested_at, case.verification_result) == ("verification", None, "")


# --- 核对 results ------------------------------------------------------------------------------------------------


def test_verification_queries_go_back_to_investigation(personas: Personas, clock: Clock) -> None:
    p = personas
    clock.set(MONDAY)
    case = investigate(p, apply(p, family(p)[0]))
    with pytest.raises(ValidationError):  # the request comes first
        services.programme_case_verification_result(
            actor=p[Role.TOWNSHIP_WINDOW], case=case, result="eligible", report="x"
        )
    case = verify(p, case, "queries")
    assert (case.stage, case.verification_result, case.verification_note) == (
        "investigation",
        "queries",
        "核对中心报告",
    )
    assert verify(p, investigate(p, case)).stage == "initial_review"


def test_an_ineligible_verification_is_refused_with_reasons_due_in_three_working_days(
    personas: Personas, clock: Clock
) -> None:
    p = personas
    clock.set(dt.date(2026, 3, 6))  # a Friday
    case = verify(p, investigate(p, apply(p, family(p)[0])), "ineligible")
    assert (case.stage, case.verification_result) == ("verification", "ineligible")
    with pytest.raises(ValidationError):
        review(p, case)
    with pytest.raises(PermissionDenied):  # the township reviewer ends it, not the window
        services.programme_case_refuse(actor=p[Role.TOWNSHIP_WINDOW], case=case, reason="x")
    with pytest.raises(ValidationError):
        services.programme_case_refuse(actor=p[Role.TOWNSHIP_REVIEWER], case=case, reason="  ")
    case = services.programme_case_refuse(
        actor=p[Role.TOWNSHIP_REVIEWER], case=case, reason="核对发现家庭成员名下有登记车辆一辆，不符合低保条件"
    )
    assert (case.stage, case.refusal_notice_due) == ("refused", dt.date(2026, 3, 11))  # Mon 9, Tue 10, Wed 11
    item_case = ItemCase.objects.unscoped().get(pk=case.case_id)
    assert (item_case.status, item_case.decision_reason) == (
        "refused",
        "核对发现家庭成员名下有登记车辆一辆，不符合低保条件",
    )
    assert not Benefit.objects.unscoped().exists()


def test_the_county_refuses_a_proposed_refusal_in_writing(personas: Personas, clock: Clock) -> None:
    p = personas
    clock.set(MONDAY)
    head, _household = family(p, wage_fen=3_600_000)  # ¥1,000 per person: above the standard
    case = verify(p, investigate(p, apply(p, head)))
    with pytest.raises(ValidationError, match="eligible"):
        review(p, case)  # approval cannot be proposed against the means test
    case.refresh_from_db()
    assert (case.stage, case.assessment_id) == ("initial_review", None)
    case = review(p, case, approve=False)
    assert (case.stage, selectors.proposal(case)) == ("county_review", "refuse")
    result = selectors.programme_result(case)
    assert result is not None and not result.eligible and result.refusal_reasons
    with pytest.raises(ValidationError, match="refusal"):
        services.programme_case_approve(actor=p[Role.COUNTY_APPROVER], case=case)
    clock.set(dt.date(2026, 3, 20))  # a Friday: Mon 23, Tue 24, Wed 25
    case = services.programme_case_refuse(actor=p[Role.COUNTY_APPROVER], case=case, reason="家庭人均收入高于低保标准")
    assert (case.stage, case.refusal_notice_due, case.decided_by_id) == (
        "refused",
        dt.date(2026, 3, 25),
        p[Role.COUNTY_APPROVER].pk,
    )
    assert ItemCase.objects.unscoped().get(pk=case.case_id).status == "refused"


# --- Guards ------------------------------------------------------------------------------------------------------


def test_a_relative_of_staff_needs_the_countys_own_visit(personas: Personas, clock: Clock) -> None:
    p = personas
    clock.set(MONDAY)
    case = apply(p, family(p)[0])
    with pytest.raises(PermissionDenied):
        services.programme_case_flag_relative(actor=p[Role.VILLAGE_WORKER], case=case, note="x")
    case = services.programme_case_flag_relative(
        actor=p[Role.TOWNSHIP_WINDOW], case=case, note="申请人之子为村委会委员"
    )
    assert case.staff_relative
    case = publicize(p, review(p, verify(p, investigate(p, case))))
    clock.set(MONDAY + dt.timedelta(days=7))
    case = close(p, case)
    with pytest.raises(ValidationError, match="visit"):
        services.programme_case_approve(actor=p[Role.COUNTY_APPROVER], case=case)
    with pytest.raises(PermissionDenied):  # the county's own visit, not the township's
        services.programme_case_county_visit(
            actor=p[Role.TOWNSHIP_REVIEWER], case=case, visited_on=timezone.localdate(), note="x"
        )
    services.programme_case_county_visit(
        actor=p[Role.COUNTY_APPROVER], case=case, visited_on=timezone.localdate(), note="县民政局入户核实"
    )
    assert services.programme_case_approve(actor=p[Role.COUNTY_APPROVER], case=case).monthly_fen == 144_000


def test_investigators_must_be_two_different_staff_of_the_area(personas: Personas, clock: Clock) -> None:
    p = personas
    clock.set(MONDAY)
    case = apply(p, family(p)[0])
    window, worker = p[Role.TOWNSHIP_WINDOW], p[Role.VILLAGE_WORKER]

    def record(first: Any, second: Any, day: dt.date = MONDAY) -> Any:
        return services.programme_case_investigate(
            actor=window, case=case, investigated_on=day, investigator_1=first, investigator_2=second, findings="x"
        )

    with pytest.raises(ValidationError, match="two different"):
        record(worker, worker)
    with pytest.raises(ValidationError, match="does not work"):
        record(worker, p.outsider(Role.VILLAGE_WORKER))
    with pytest.raises(ValidationError, match="does not work"):  # the county approver stays independent
        record(worker, p[Role.COUNTY_APPROVER])
    with pytest.raises(ValidationError, match="future"):
        record(worker, window, MONDAY + dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        services.programme_case_investigate(
            actor=worker, case=case, investigated_on=MONDAY, investigator_1=worker, investigator_2=window, findings="x"
        )
    assert ProgrammeCase.objects.unscoped().get(pk=case.pk).stage == "accepted"


def test_an_investigation_not_started_in_three_working_days_is_overdue(personas: Personas, clock: Clock) -> None:
    p = personas
    clock.set(dt.date(2026, 3, 5))  # Thursday
    case = apply(p, family(p)[0])
    calendar = Calendar()
    assert selectors.investigation_due(case) == dt.date(2026, 3, 10)  # Fri 6, Mon 9, Tue 10
    assert selectors.flags(case, dt.date(2026, 3, 10), calendar) == []
    assert selectors.flags(case, dt.date(2026, 3, 11), calendar) == ["investigation_overdue"]
    clock.set(dt.date(2026, 3, 10))
    assert not selectors.programme_case_list(user=p[Role.TOWNSHIP_WINDOW], flag="investigation_overdue").exists()
    clock.set(dt.date(2026, 3, 11))
    overdue = selectors.programme_case_list(user=p[Role.TOWNSHIP_WINDOW], flag="investigation_overdue")
    assert list(overdue) == [case]
    case = investigate(p, case)
    assert selectors.flags(case, dt.date(2026, 3, 11), calendar) == ["investigation_late"]
    assert not selectors.programme_case_list(user=p[Role.TOWNSHIP_WINDOW], flag="investigation_overdue").exists()


def test_who_investigated_or_reviewed_cannot_approve(personas: Personas, clock: Clock) -> None:
    """Where approval is devolved, the township approves, but never the people who investigated or reviewed."""
    p = personas
    Item.objects.filter(number=1).update(deciding_level="township")
    reviewer_2 = second_user(p, Role.TOWNSHIP_REVIEWER, "reviewer_2")
    reviewer_3 = second_user(p, Role.TOWNSHIP_REVIEWER, "reviewer_3")
    clock.set(MONDAY)
    case = apply(p, family(p)[0])
    assert case.approval_devolved
    case = investigate(p, case, second=reviewer_2)
    case = publicize(p, review(p, verify(p, case)))
    clock.set(MONDAY + dt.timedelta(days=7))
    case = close(p, case)
    for involved in (p[Role.TOWNSHIP_REVIEWER], reviewer_2):  # made the initial review; investigated
        with pytest.raises(ValidationError, match="another person"):
            services.programme_case_approve(actor=involved, case=case)
    with pytest.raises(PermissionDenied):
        services.programme_case_approve(actor=p.outsider(Role.TOWNSHIP_REVIEWER), case=case)
    benefit = services.programme_case_approve(actor=reviewer_3, case=case)
    assert (benefit.monthly_fen, ProgrammeCase.objects.unscoped().get(pk=case.pk).decided_by_id) == (
        144_000,
        reviewer_3.pk,
    )


def test_the_township_cannot_approve_where_approval_is_not_devolved(personas: Personas) -> None:
    p = personas
    case = case_at(p, "county_review")
    reviewer_3 = second_user(p, Role.TOWNSHIP_REVIEWER, "reviewer_3")
    with pytest.raises(PermissionDenied):
        services.programme_case_approve(actor=reviewer_3, case=case)
    with pytest.raises(PermissionDenied):
        services.programme_case_approve(actor=p.outsider(Role.COUNTY_APPROVER), case=case)
    assert not Benefit.objects.unscoped().exists()


def test_a_round_of_investigation_is_remembered_after_the_case_is_sent_back(personas: Personas) -> None:
    p = personas
    case = case_at(p, "county_review")
    first_round = {case.investigator_1_id, case.investigator_2_id}
    case = services.programme_case_reinvestigate(actor=p[Role.COUNTY_APPROVER], case=case, reason="收入需再核实")
    reviewer_2 = second_user(p, Role.TOWNSHIP_REVIEWER, "reviewer_2")
    case = investigate(p, case, second=reviewer_2)
    assert first_round | {reviewer_2.pk, p[Role.TOWNSHIP_REVIEWER].pk} <= selectors.involved_user_ids(case)


def test_the_department_inbox_cannot_decide_an_item_run_by_the_procedure(personas: Personas) -> None:
    p = personas
    case = apply(p, family(p)[0])
    civil = make_user(
        "civil_handler", Role.DEPARTMENT_HANDLER, p.county, department=Department.objects.get(code="civil_affairs")
    )
    with pytest.raises(ValidationError, match="procedure"):
        case_decide(actor=civil, case=ItemCase.objects.unscoped().get(pk=case.case_id), granted=True, reason="x")
    assert ItemCase.objects.unscoped().get(pk=case.case_id).status == "accepted"


def test_an_applicant_without_a_household_gets_no_procedure(personas: Personas) -> None:
    p = personas
    item = Item.objects.get(number=1)
    alone = make_person(p.village, "赵六")
    application_submit(
        actor=p[Role.VILLAGE_WORKER],
        person=alone,
        requests=[ItemRequest(item=item, materials_provided=tuple(item.materials))],
        on_behalf=True,
    )
    assert not ProgrammeCase.objects.unscoped().exists()


def test_waiting_for_materials_opens_the_procedure_when_they_arrive(personas: Personas) -> None:
    from minsheng.intake.services import case_materials_received

    p = personas
    head, _household = family(p)
    application = application_submit(
        actor=p[Role.VILLAGE_WORKER],
        person=head,
        requests=[ItemRequest(item=Item.objects.get(number=1))],
        on_behalf=True,
    )
    assert not ProgrammeCase.objects.unscoped().exists()
    case_materials_received(actor=p[Role.VILLAGE_WORKER], case=application.cases.get())
    assert ProgrammeCase.objects.unscoped().get().stage == "accepted"


# --- Two approvals at once ---------------------------------------------------------------------------------------


def test_two_approvals_of_one_case_make_one_benefit_and_one_error(personas: Personas) -> None:
    p = personas
    case = case_at(p, "county_review")
    county_2 = second_user(p, Role.COUNTY_APPROVER, "county_2")
    stale_1 = ProgrammeCase.objects.unscoped().get(pk=case.pk)
    stale_2 = ProgrammeCase.objects.unscoped().get(pk=case.pk)
    services.programme_case_approve(actor=p[Role.COUNTY_APPROVER], case=stale_1)
    with pytest.raises(ValidationError, match="not possible now"):
        services.programme_case_approve(actor=county_2, case=stale_2)
    with pytest.raises(ValidationError, match="not possible now"):
        services.programme_case_refuse(actor=county_2, case=stale_2, reason="x")
    assert Benefit.objects.unscoped().count() == 1
    assert ItemCase.objects.unscoped().get(pk=case.case_id).status == "granted"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a server database with real row locks")
def test_two_simultaneous_approvals_on_postgresql_make_one_benefit() -> None:
    p = build_personas()
    case = case_at(p, "county_review")
    county_2 = second_user(p, Role.COUNTY_APPROVER, "county_2")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(actor: User) -> None:
        try:
            stale = ProgrammeCase.objects.unscoped().get(pk=case.pk)
            barrier.wait()
            services.programme_case_approve(actor=actor, case=stale)
            outcomes.append("approved")
        except ValidationError:
            outcomes.append("error")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve, args=(user,)) for user in (p[Role.COUNTY_APPROVER], county_2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["approved", "error"]
    assert Benefit.objects.unscoped().count() == 1
    assert ProgrammeCase.objects.unscoped().get(pk=case.pk).stage == "enrolled"


# --- Pages ---------------------------------------------------------------------------------------------------------


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_cases_in_scope_by_stage(personas: Personas) -> None:
    p = personas
    accepted = case_at(p, "accepted")
    review_case = case_at(p, "county_review")
    url = reverse("assistance:programme_cases")
    page = _client(p[Role.VILLAGE_WORKER]).get(url)
    assert page.status_code == 200
    assert [c.pk for c, _flags in page.context["rows"]] == [accepted.pk, review_case.pk]
    only = _client(p[Role.COUNTY_APPROVER]).get(url, {"stage": "county_review"})
    assert [c.pk for c, _flags in only.context["rows"]] == [review_case.pk]
    assert _client(p.outsider(Role.COUNTY_APPROVER)).get(url).context["rows"] == []


def test_the_case_page_shows_only_the_steps_the_user_may_take(personas: Personas) -> None:
    p = personas
    case = case_at(p, "county_review")
    url = reverse("assistance:programme_case", args=[case.pk])
    county = _client(p[Role.COUNTY_APPROVER]).get(url)
    assert county.status_code == 200
    assert county.context["actions"] == {"county_visit", "approve", "refuse", "reinvestigate"}
    html = county.content.decode()
    assert 'id="action-approve"' in html and 'id="action-investigation"' not in html
    result = selectors.programme_result(case)
    assert result is not None and result.explanation[0] in html and 'id="programme-amount">1,440.00<' in html
    worker = _client(p[Role.VILLAGE_WORKER]).get(url)
    assert worker.context["actions"] == set() and 'id="no-actions"' in worker.content.decode()
    reviewer = _client(p[Role.TOWNSHIP_REVIEWER]).get(url)
    assert reviewer.context["actions"] == {"relative"}  # may flag a relative; approval is not devolved
    assert _client(p.outsider(Role.COUNTY_APPROVER)).get(url).status_code == 404
    fresh = case_at(p, "accepted")
    window = _client(p[Role.TOWNSHIP_WINDOW]).get(reverse("assistance:programme_case", args=[fresh.pk]))
    assert window.context["actions"] == {"investigation", "relative"}
    field = window.context["forms"]["investigation"].fields["investigator_1"]
    choices = set(field.queryset.values_list("pk", flat=True))
    assert choices == {p[Role.VILLAGE_WORKER].pk, p[Role.TOWNSHIP_WINDOW].pk, p[Role.TOWNSHIP_REVIEWER].pk}


def test_approving_through_the_page(personas: Personas) -> None:
    p = personas
    case = case_at(p, "county_review")
    client = _client(p[Role.COUNTY_APPROVER])
    response = client.post(reverse("assistance:programme_case_approve", args=[case.pk]), {"reason": "符合条件"})
    assert response.status_code == 302 and response["Location"] == reverse("assistance:programme_case", args=[case.pk])
    assert Benefit.objects.unscoped().get().monthly_fen == 144_000
    again = client.post(
        reverse("assistance:programme_case_approve", args=[case.pk]), {"reason": "符合条件"}, follow=True
    )
    assert [m.level_tag for m in again.context["messages"]] == ["success", "error"]  # the first one, then the second
    assert Benefit.objects.unscoped().count() == 1
    outsider = _client(p.outsider(Role.COUNTY_APPROVER))
    assert (
        outsider.post(reverse("assistance:programme_case_refuse", args=[case.pk]), {"reason": "x"}).status_code == 404
    )


def test_the_list_reads_a_constant_number_of_queries(personas: Personas) -> None:
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    p = personas
    client = _client(p[Role.TOWNSHIP_WINDOW])
    url = reverse("assistance:programme_cases")
    case_at(p, "accepted", alone=True)
    client.get(url)  # warm the session and the calendar
    with CaptureQueriesContext(db) as one:
        assert client.get(url).status_code == 200
    for _ in range(3):
        case_at(p, "accepted", alone=True)
    with CaptureQueriesContext(db) as four:
        assert len(client.get(url).context["rows"]) == 4
    assert len(four) == len(one)


# --- The table of steps -----------------------------------------------------------------------------------------


def test_every_step_of_the_table_is_a_url_of_the_one_step_view() -> None:
    assert len({step.path for step in STEPS}) == len(STEPS) == len(STEP_BY_KEY)
    for step in STEPS:
        match = resolve(reverse(step.view_name, args=[7]))
        assert match.func is views.programme_case_step
        assert match.kwargs == {"pk": 7, "step": step.key}
    assert reverse("assistance:programme_case_verification_request", args=[7]) == (
        "/assistance/programme-cases/7/verification/request/"
    )


def test_a_step_is_posted_only(personas: Personas) -> None:
    case = case_at(personas, "accepted", alone=True)
    response = _client(personas[Role.TOWNSHIP_WINDOW]).get(
        reverse("assistance:programme_case_relative", args=[case.pk])
    )
    assert response.status_code == 405
    assert ProgrammeCase.objects.unscoped().get(pk=case.pk).staff_relative is False


def test_a_step_the_page_does_not_offer_is_refused_by_its_service(personas: Personas) -> None:
    """The table decides what the page offers; the services stay the guard of the stage."""
    p = personas
    case = case_at(p, "accepted", alone=True)
    client = _client(p[Role.TOWNSHIP_REVIEWER])
    page = client.get(reverse("assistance:programme_case", args=[case.pk]))
    assert "initial_review" not in page.context["actions"]
    response = client.post(
        reverse("assistance:programme_case_initial_review", args=[case.pk]),
        {"proposal": "approve", "opinion": "符合低保条件"},
        follow=True,
    )
    # The pages speak Chinese whatever the test's language.
    assert [str(m) for m in response.context["messages"]] == [
        "当前无法办理此环节：案件处于“受理”。请刷新页面查看最新情况。"
    ]
    refreshed = ProgrammeCase.objects.unscoped().get(pk=case.pk)
    assert (refreshed.stage, refreshed.initial_opinion, refreshed.assessment_id) == (Stage.ACCEPTED, "", None)


# --- One open case per household and programme ------------------------------------------------------------------


def test_a_household_has_one_open_case_per_programme(personas: Personas) -> None:
    p = personas
    head, household = family(p)
    spouse = household.memberships.exclude(person=head).order_by("id").first().person
    first = apply(p, head)
    receipt = first.case.application.receipt_number
    with pytest.raises(ValidationError) as refused:
        apply(p, spouse)  # another member of the household applies for 低保 while the head's case runs
    assert refused.value.messages == [
        f"The household {household.number} has an open 低保 (minimum living guarantee) application already "
        f"(receipt {receipt}); another is accepted only after it is decided."
    ]
    assert not Application.objects.unscoped().filter(person=spouse).exists()  # the whole application is undone
    assert list(ProgrammeCase.objects.unscoped().filter(household=household)) == [first]
    tekun = apply(p, head, number=4)  # another programme has its own procedure
    assert (tekun.programme, tekun.household_id) == ("tekun", household.pk)
    # The database holds the rule too, whoever writes the row.
    other_item = application_submit(
        actor=p[Role.VILLAGE_WORKER],
        person=spouse,
        requests=[ItemRequest(item=Item.objects.get(number=2), materials_provided=())],
        on_behalf=True,
    ).cases.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammeCase.objects.create(
            case=other_item, programme="dibao", household=household, applicant=spouse, area_code=first.area_code
        )
    # Once the running case is decided, the household may apply again.
    ProgrammeCase.objects.unscoped().filter(pk=first.pk).update(stage=Stage.REFUSED)  # set-up: decided
    again = apply(p, spouse)
    assert (again.programme, again.household_id, again.stage) == ("dibao", household.pk, Stage.ACCEPTED)


def test_a_second_application_at_the_window_is_refused_in_chinese(personas: Personas) -> None:
    p = personas
    head, household = family(p)
    spouse = household.memberships.exclude(person=head).order_by("id").first().person
    first = apply(p, head)
    item = Item.objects.get(number=1)
    response = _client(p[Role.VILLAGE_WORKER]).post(
        reverse("intake:application_new"),
        {
            "id_number": spouse.id_number,
            "items": [item.pk],
            "on_behalf": "on",
            "materials_provided": list(item.materials),
        },
    )
    assert response.status_code == 400
    receipt = first.case.application.receipt_number
    expected = (
        f"该户（户号 {household.number}）已有正在办理的最低生活保障（低保）申请，受理编号 {receipt}；"
        "办结后才能再次受理。"
    )
    assert expected in response.content.decode()
    assert ProgrammeCase.objects.unscoped().filter(household=household).count() == 1
