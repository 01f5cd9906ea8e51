"""Worked cases of the means test, to the fen, through the services (record the status, run the engine).

Rules in force on 2026-01-15 in Suqian (demo values, migration 0002/0004): standard ¥880; edge 1.5×; 特困 1.3× plus
care ¥100 / ¥300 / ¥600; financial assets up to 24 months of the standard per person; amounts rounded to the yuan.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from minsheng.accounts.roles import Role
from minsheng.assistance.means.models import AssessmentResult, EconomicStatus, MemberCondition
from minsheng.assistance.means.services import (
    assessment_run,
    authorisation_record,
    economic_status_new,
    status_line_add,
)
from minsheng.assistance.programmes import Programme
from minsheng.audit.models import AuditEvent
from minsheng.people.models import DisabilityCertificate, Membership
from minsheng.testing import Personas, make_household, make_person

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 1, 15)
WINDOW_END = dt.date(2026, 1, 1)


class Family:
    """A household in the reference village, its economic status and the township window user recording it."""

    def __init__(self, personas: Personas, *births: str, names: tuple[str, ...] = ()) -> None:
        self.actor = personas[Role.TOWNSHIP_WINDOW]
        names = names or tuple(["张伟", "李娜", "张强", "张敏", "张静"][: len(births)])
        self.people = [
            make_person(personas.village, name, birth=birth) for name, birth in zip(names, births, strict=True)
        ]
        relations = ["spouse", "child", "child", "child"]
        self.household = make_household(
            personas.village, self.people[0], *zip(self.people[1:], relations, strict=False)
        )
        self.status = economic_status_new(actor=self.actor, household=self.household, window_end=WINDOW_END)

    def add(self, line: str, **data: Any) -> None:
        status_line_add(actor=self.actor, status=self.status, line=line, data=data)

    def sign(self, *people: Any) -> None:
        signers = [(p, "") for p in (people or self.people)]
        authorisation_record(
            actor=self.actor,
            status=self.status,
            serial=f"SQ-{self.status.pk}",
            signed_on=WINDOW_END,
            channel="paper",
            signers=signers,
        )

    def assess(self) -> dict[tuple[str, int | None], AssessmentResult]:
        assessment = assessment_run(actor=self.actor, household=self.household, on=ON)
        return {(r.programme, r.person_id): r for r in assessment.results.unscoped().all()}


def test_a_three_person_household_below_the_standard_gets_the_gap_times_three(personas: Personas) -> None:
    family = Family(personas, "1980-05-01", "1982-03-02", "2005-09-09")
    family.add("income", person=family.people[0], kind="wage", amount_fen=1_296_000)  # ¥1,080 a month: ¥360 each
    family.sign()
    results = family.assess()
    dibao = results[(Programme.DIBAO, None)]
    assert (dibao.eligible, dibao.monthly_fen, dibao.covered, dibao.review_class) == (True, 156_000, 3, "B")
    assert dibao.explanation[-2] == "补差：（¥880.00 − ¥360.00）× 3 = ¥1,560.00/月。"
    assert dibao.explanation[-1] == "每月低保金 ¥1,560.00，保障 3 人；复核类别 B。"
    assert dibao.refusal_reasons == []
    assessment = dibao.assessment
    assert assessment.parameters["dibao.standard"]["value"] == 88000
    assert assessment.inputs["counted_income_fen"] == 1_296_000
    assert AuditEvent.objects.unscoped().filter(action="assistance.assessment_run").count() == 1


def test_exempt_income_does_not_count(personas: Personas) -> None:
    family = Family(personas, "1980-05-01", "1982-03-02", "2005-09-09")
    family.add("income", person=family.people[0], kind="wage", amount_fen=1_296_000)
    family.add("income", person=family.people[1], kind="transfer", exempt="veteran", amount_fen=500_000)
    family.add("income", person=family.people[2], kind="other", exempt="reward", amount_fen=200_000)
    family.sign()
    dibao = family.assess()[(Programme.DIBAO, None)]
    assert (dibao.eligible, dibao.monthly_fen) == (True, 156_000)
    assert dibao.assessment.inputs["exempt_income_fen"] == 700_000


def test_maintenance_owed_by_a_relative_elsewhere_counts_as_income(personas: Personas) -> None:
    family = Family(personas, "1980-05-01", "1982-03-02", "2005-09-09")
    family.add("income", person=family.people[0], kind="wage", amount_fen=1_296_000)
    family.add("maintenance", supported=family.people[0], name="张大山", monthly_fen=30_000)  # ¥300 a month
    family.sign()
    dibao = family.assess()[(Programme.DIBAO, None)]
    # (¥1,080 + ¥300) / 3 = ¥460 per person; (880 − 460) × 3 = ¥1,260.
    assert (dibao.eligible, dibao.monthly_fen) == (True, 126_000)


def test_work_costs_are_deducted_and_the_amount_is_rounded_to_the_yuan(personas: Personas) -> None:
    family = Family(personas, "1980-05-01", "1982-03-02", "2005-09-09")
    family.add("income", person=family.people[0], kind="wage", amount_fen=1_100_000, work_cost_fen=100_000)
    family.sign()
    dibao = family.assess()[(Programme.DIBAO, None)]
    # ¥10,000 / 12 = ¥833.333… a month; 3 × ¥880 − ¥833.33 = ¥1,806.67 → ¥1,807.
    assert dibao.monthly_fen == 180_700


def test_an_asset_over_the_limit_refuses_with_that_reason(personas: Personas) -> None:
    family = Family(personas, "1980-05-01", "1982-03-02", "2005-09-09")
    family.add("asset", person=family.people[0], kind="deposit", value_fen=7_000_000)
    family.add("asset", person=family.people[0], kind="vehicle", value_fen=3_000_000, exempt_reason="残疾人代步车")
    family.sign()
    results = family.assess()
    dibao = results[(Programme.DIBAO, None)]
    assert (dibao.eligible, dibao.monthly_fen) == (False, 0)
    assert dibao.refusal_reasons == ["金融资产 ¥70,000.00 超过上限 ¥63,360.00（每人 24 个月的低保标准）。"]
    assert results[(Programme.EDGE, None)].eligible is False


def test_a_household_owning_a_car_that_is_not_exempt_is_refused(personas: Personas) -> None:
    family = Family(personas, "1980-05-01")
    family.add("asset", person=family.people[0], kind="vehicle", value_fen=3_000_000)
    family.sign()
    dibao = family.assess()[(Programme.DIBAO, None)]
    assert dibao.refusal_reasons == ["家庭拥有 1 辆未豁免的机动车；允许 0 辆。"]


def test_every_adult_must_sign_the_authorisation(personas: Personas) -> None:
    family = Family(personas, "1980-05-01", "1982-03-02", "2015-09-09")
    family.sign(family.people[0])
    dibao = family.assess()[(Programme.DIBAO, None)]
    assert dibao.eligible is False
    assert dibao.refusal_reasons == ["以下成员尚未签署核对授权书：李娜。"]


def test_tekun_care_tier_follows_the_six_self_care_indicators(personas: Personas) -> None:
    family = Family(personas, "1950-02-01", names=("刘桂兰",))
    person = family.people[0]
    family.add(
        "condition",
        person=person,
        self_care_assessed=True,
        eats=True,
        dresses=False,
        gets_up=False,
        uses_toilet=False,
        walks_indoors=False,
        bathes=False,
        no_able_supporter=True,
    )
    family.sign()
    tekun = family.assess()[(Programme.TEKUN, person.pk)]
    # 1.3 × ¥880 = ¥1,144 basic support; 5 of 6 not met → 全护理 ¥600.
    assert (tekun.eligible, tekun.category, tekun.monthly_fen) == (True, "fully_unable", 174_400)
    assert tekun.explanation[-1] == "每月特困供养金 ¥1,744.00。"


@pytest.mark.parametrize(("unmet", "level", "fen"), [(0, "able", 124_400), (3, "partly_unable", 144_400)])
def test_tekun_self_care_levels(personas: Personas, unmet: int, level: str, fen: int) -> None:
    family = Family(personas, "1950-02-01", names=("刘桂兰",))
    indicators = {name: index >= unmet for index, name in enumerate(MemberCondition.SELF_CARE_FIELDS)}
    family.add("condition", person=family.people[0], self_care_assessed=True, no_able_supporter=True, **indicators)
    family.sign()
    tekun = family.assess()[(Programme.TEKUN, family.people[0].pk)]
    assert (tekun.category, tekun.monthly_fen) == (level, fen)


def test_tekun_is_refused_when_a_relative_can_support(personas: Personas) -> None:
    family = Family(personas, "1950-02-01", names=("刘桂兰",))
    family.add("condition", person=family.people[0], self_care_assessed=True, no_able_supporter=False)
    family.sign()
    tekun = family.assess()[(Programme.TEKUN, family.people[0].pk)]
    assert (tekun.eligible, tekun.refusal_reasons) == (False, ["有赡养、抚养或扶养义务的亲属具备赡养能力。"])


def test_single_person_dibao_for_a_severely_disabled_member_of_an_edge_household(personas: Personas) -> None:
    family = Family(personas, "1980-05-01", "1982-03-02", "2004-09-09")
    disabled = family.people[2]
    DisabilityCertificate.objects.create(
        person=disabled, number="x", category=4, grade=1, valid_from=dt.date(2020, 1, 1)
    )
    family.add("income", person=family.people[0], kind="wage", amount_fen=3_600_000)  # ¥3,000 a month: ¥1,000 each
    family.sign()
    results = family.assess()
    assert results[(Programme.DIBAO, None)].eligible is False
    assert results[(Programme.EDGE, None)].eligible is True
    single = results[(Programme.DIBAO, disabled.pk)]
    # Alone: ¥880 − own income ¥0 = ¥880, plus 分类施保 20 % for severe disability ¥176.
    assert (single.eligible, single.category, single.monthly_fen, single.covered) == (
        True,
        "disability_single",
        105_600,
        1,
    )
    assert results[(Programme.DISABILITY_LIVING, disabled.pk)].monthly_fen == 12_000
    assert results[(Programme.DISABILITY_CARE, disabled.pk)].monthly_fen == 12_000
    assert (Programme.DIBAO, family.people[0].pk) not in results


def test_members_not_living_together_are_not_counted(personas: Personas) -> None:
    family = Family(personas, "1980-05-01", "1982-03-02", "2005-09-09")
    Membership.objects.unscoped().filter(person=family.people[1]).update(living_together=False, exclusion="detained")
    family.add("income", person=family.people[0], kind="wage", amount_fen=864_000)  # ¥720 a month, 2 counted
    family.sign()
    dibao = family.assess()[(Programme.DIBAO, None)]
    assert (dibao.covered, dibao.monthly_fen) == (2, 104_000)  # (880 − 360) × 2


def test_a_frozen_version_cannot_be_edited_and_a_new_version_copies_its_lines(personas: Personas) -> None:
    family = Family(personas, "1980-05-01")
    family.add("income", person=family.people[0], kind="wage", amount_fen=120_000)
    family.sign()
    family.assess()
    with pytest.raises(ValidationError):
        family.add("income", person=family.people[0], kind="other", amount_fen=1)
    second = economic_status_new(actor=family.actor, household=family.household, window_end=dt.date(2026, 2, 1))
    assert second.version == 2
    assert list(second.income_lines.unscoped().values_list("amount_fen", flat=True)) == [120_000]
    assert EconomicStatus.objects.unscoped().filter(household=family.household).count() == 2


def test_a_line_for_someone_outside_the_household_is_refused(personas: Personas) -> None:
    family = Family(personas, "1980-05-01")
    stranger = make_person(personas.village, "赵六", birth="1970-01-01")
    with pytest.raises(ValidationError) as error:
        family.add("income", person=stranger, kind="wage", amount_fen=1)
    assert error.value.message_dict == {"person": ["赵六不是本户成员。"]}


def test_the_means_test_needs_an_economic_status(personas: Personas) -> None:
    head = make_person(personas.village, "孙七", birth="1970-01-01")
    household = make_household(personas.village, head)
    with pytest.raises(ValidationError):
        assessment_run(actor=personas[Role.TOWNSHIP_WINDOW], household=household, on=ON)


def test_a_member_supported_by_tekun_is_left_out_of_the_household_dibao(personas: Personas) -> None:
    family = Family(personas, "1950-02-01", "1985-06-01", names=("刘桂兰", "王军"))
    elder, son = family.people
    family.add("income", person=elder, kind="transfer", amount_fen=120_000)  # ¥100 a month of her own
    family.add("income", person=son, kind="wage", amount_fen=720_000)  # ¥600 a month
    family.add("condition", person=elder, self_care_assessed=True, no_able_supporter=True)
    family.sign()
    results = family.assess()
    assert results[(Programme.TEKUN, elder.pk)].monthly_fen == 124_400
    dibao = results[(Programme.DIBAO, None)]
    # The son alone: ¥880 − ¥600 = ¥280, not (880 − 350) × 2.
    assert (dibao.covered, dibao.monthly_fen) == (1, 28_000)
    assert dibao.explanation[0] == "刘桂兰已纳入特困供养，不计入本户低保。"


def test_the_assessment_page_shows_the_explanation_and_the_rules_in_yuan(personas: Personas) -> None:
    from django.test import Client
    from django.urls import reverse

    family = Family(personas, "1980-05-01", "1982-03-02", "2005-09-09")
    family.add("income", person=family.people[0], kind="wage", amount_fen=1_296_000)
    family.sign()
    assessment = assessment_run(actor=family.actor, household=family.household, on=ON)
    client = Client()
    client.force_login(personas[Role.TOWNSHIP_REVIEWER])
    page = client.get(reverse("assistance:assessment_detail", args=[assessment.pk])).content.decode()
    assert "补差：（¥880.00 − ¥360.00）× 3 = ¥1,560.00/月。" in page
    assert "¥880.00</td>" in page
    assert AuditEvent.objects.unscoped().filter(action="assistance.assessment_viewed").count() == 1


def test_category_codes_read_as_words() -> None:
    from minsheng.assistance.programmes import category_label

    assert [
        category_label(c) for c in ("income", "disability_single", "fully_unable", "de_facto", "4-2", "90", "x")
    ] == [
        "低收入型",
        "残疾人单列户施保",
        "全护理",
        "事实无人抚养儿童",
        "肢体残疾 二级",
        "90 岁档",
        "x",
    ]
