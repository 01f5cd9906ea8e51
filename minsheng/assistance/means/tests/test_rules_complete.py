"""The rules of DOMAIN §1–3 the engine once got wrong or lacked (issue 15), each computed by hand to the fen.

Rules in force on 2026-01-15 in Suqian (demo values): standard ¥880; edge 1.5×; 特困 1.3× plus care ¥100 / ¥300 /
¥600; amounts rounded to the yuan with a smallest payment of ¥10; 分类施保 uplifts 10 % / 10 % / 20 % / 20 %.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from minsheng.assistance.means.tests.test_engine import Family
from minsheng.assistance.programmes import Programme
from minsheng.assistance.rules.models import Parameter
from minsheng.people.models import Membership
from minsheng.testing import Personas

pytestmark = pytest.mark.django_db


def county_value(personas: Personas, key: str, value: Any) -> None:
    """A value of ``key`` for the reference county from 2026-01-01 (more specific than the city's)."""
    Parameter.objects.create(
        key=key, area_prefix=personas.county.code[:6], valid_from=dt.date(2026, 1, 1), value=value, source="test"
    )


def away(person: Any, exclusion: str) -> None:
    Membership.objects.unscoped().filter(person=person).update(living_together=False, exclusion=exclusion)


# --- 1. A member who does not live with the family: their income is not the family's


def test_the_income_of_a_member_in_prison_is_not_added_to_the_family(personas: Personas) -> None:
    family = Family(personas, "1980-05-01", "1982-03-02", "2005-09-09")
    away(family.people[1], "detained")
    family.add("income", person=family.people[0], kind="wage", amount_fen=864_000)  # ¥720 a month
    family.add("income", person=family.people[1], kind="wage", amount_fen=600_000)  # ¥500 a month, not counted
    family.sign()
    dibao = family.assess()[(Programme.DIBAO, None)]
    # ¥720 / 2 members living together = ¥360 each; (880 − 360) × 2 = ¥1,040 (not (880 − 610) × 2 = ¥540).
    assert (dibao.eligible, dibao.covered, dibao.monthly_fen) == (True, 2, 104_000)
    assert dibao.assessment.inputs["counted_income_fen"] == 864_000
    assert dibao.assessment.inputs["absent_income_fen"] == 600_000
    assert "未共同生活成员的收入（¥6,000.00）属其本人，不计入家庭收入。" in dibao.explanation


def test_maintenance_owed_by_a_member_living_away_still_counts(personas: Personas) -> None:
    family = Family(personas, "1980-05-01", "1982-03-02", "2005-09-09")
    away(family.people[1], "clergy")
    family.add("income", person=family.people[0], kind="wage", amount_fen=864_000)  # ¥720 a month
    family.add("income", person=family.people[1], kind="other", amount_fen=1_200_000)  # ¥1,000 a month, not counted
    family.add("maintenance", supported=family.people[2], name="李娜", monthly_fen=20_000)  # ¥200 a month, counted
    family.sign()
    dibao = family.assess()[(Programme.DIBAO, None)]
    # (¥720 + ¥200) / 2 = ¥460 each; (880 − 460) × 2 = ¥840.
    assert (dibao.covered, dibao.monthly_fen) == (2, 84_000)


# --- 2. An eligible household whose gap rounds to ¥0 gets the smallest payment


@pytest.mark.parametrize(
    ("yearly_fen", "eligible", "monthly_fen"),
    [
        (1_055_520, True, 1_000),  # ¥879.60 a month: gap ¥0.40 → ¥0 rounded → raised to ¥10
        (1_055_988, True, 1_000),  # ¥879.99: one fen under the standard, gap ¥0.01 → ¥10
        (1_056_000, False, 0),  # ¥880.00: not below the standard
        (1_056_012, False, 0),  # ¥880.01: one fen over
        (1_049_400, True, 1_000),  # ¥874.50: gap ¥5.50 → ¥6 rounded → raised to ¥10
        (1_044_000, True, 1_000),  # ¥870.00: gap ¥10 → ¥10 exactly
        (1_043_880, True, 1_000),  # ¥869.90: gap ¥10.10 → ¥10
    ],
)
def test_an_eligible_household_is_paid_at_least_the_smallest_payment(
    personas: Personas, yearly_fen: int, eligible: bool, monthly_fen: int
) -> None:
    family = Family(personas, "1980-05-01")
    family.add("income", person=family.people[0], kind="wage", amount_fen=yearly_fen)
    family.sign()
    dibao = family.assess()[(Programme.DIBAO, None)]
    assert (dibao.eligible, dibao.monthly_fen) == (eligible, monthly_fen)
    if eligible and yearly_fen > 1_044_000:
        assert dibao.explanation[-2] == "不足最低发放额，按 ¥10.00 发放。"


# --- 3. 特困 basic support is at least 1.3 × the standard: rounded up, never down


@pytest.mark.parametrize(
    ("standard_fen", "base_fen"),
    [
        (88_000, 114_400),  # 1.3 × ¥880 = ¥1,144 exactly
        (88_100, 114_600),  # 1.3 × ¥881 = ¥1,145.30 → ¥1,146 (half-up gave ¥1,145, below the floor)
        (88_500, 115_100),  # 1.3 × ¥885 = ¥1,150.50 → ¥1,151
        (88_001, 114_500),  # 1.3 × ¥880.01 = ¥1,144.013 → ¥1,145
    ],
)
def test_tekun_basic_support_never_falls_below_its_floor(personas: Personas, standard_fen: int, base_fen: int) -> None:
    county_value(personas, "dibao.standard", standard_fen)
    family = Family(personas, "1950-02-01", names=("刘桂兰",))
    family.add("condition", person=family.people[0], self_care_assessed=True, no_able_supporter=True)
    family.sign()
    tekun = family.assess()[(Programme.TEKUN, family.people[0].pk)]
    assert tekun.monthly_fen == base_fen + 10_000  # plus care for 全自理 ¥100
    assert tekun.monthly_fen - 10_000 >= standard_fen * 13 / 10


# --- 4. 分档: the amount by band of hardship, chosen per area

BANDS = [
    {"income_below": "0.3", "share": "0.9"},
    {"income_below": "0.6", "share": "0.6"},
    {"income_below": "1", "share": "0.3"},
]


@pytest.mark.parametrize(
    ("yearly_fen", "monthly_fen"),
    [
        (1_296_000, 158_400),  # ¥360 each (0.41 × S): band 2, 0.6 × ¥880 × 3 = ¥1,584
        (950_364, 237_600),  # ¥263.99 each, one fen under 0.3 × ¥880 = ¥264: band 1, 0.9 × ¥880 × 3 = ¥2,376
        (950_400, 158_400),  # ¥264.00 each: not below 0.3 × S, band 2
        (1_900_800, 79_200),  # ¥528.00 each (0.6 × S): band 3, 0.3 × ¥880 × 3 = ¥792
        (3_167_964, 79_200),  # ¥879.99 each: still band 3
    ],
)
def test_a_county_pays_by_bands_instead_of_the_gap(personas: Personas, yearly_fen: int, monthly_fen: int) -> None:
    county_value(personas, "dibao.bands", BANDS)
    family = Family(personas, "1980-05-01", "1982-03-02", "2005-09-09")
    family.add("income", person=family.people[0], kind="wage", amount_fen=yearly_fen)
    family.sign()
    dibao = family.assess()[(Programme.DIBAO, None)]
    assert (dibao.eligible, dibao.monthly_fen) == (True, monthly_fen)
    assert dibao.explanation[-2].startswith("分档：人均收入")


def test_without_bands_the_area_pays_the_gap(personas: Personas) -> None:
    family = Family(personas, "1980-05-01", "1982-03-02", "2005-09-09")
    family.add("income", person=family.people[0], kind="wage", amount_fen=1_296_000)
    family.sign()
    assert family.assess()[(Programme.DIBAO, None)].monthly_fen == 156_000  # (880 − 360) × 3


# --- 5. 分类施保: 独居, 归侨, 退役军人 (uplifts from 2026-01-01: 独居 from 60 10 %, 归侨 5 %, 退役军人 5 %)


@pytest.mark.parametrize(("birth", "monthly_fen"), [("1960-06-01", 48_800), ("1966-06-01", 40_000)])
def test_an_older_person_living_alone_gets_the_uplift(personas: Personas, birth: str, monthly_fen: int) -> None:
    family = Family(personas, birth)
    family.add("income", person=family.people[0], kind="other", amount_fen=576_000)  # ¥480 a month
    family.sign()
    dibao = family.assess()[(Programme.DIBAO, None)]
    # Aged 65: ¥880 − ¥480 = ¥400, plus 独居 0.10 × ¥880 = ¥88 → ¥488; aged 59: ¥400 only.
    assert dibao.monthly_fen == monthly_fen


@pytest.mark.parametrize("flag", ["veteran", "returned_overseas"])
def test_a_veteran_or_returned_overseas_chinese_gets_the_uplift(personas: Personas, flag: str) -> None:
    family = Family(personas, "1980-05-01", "1982-03-02")
    family.add("income", person=family.people[0], kind="wage", amount_fen=1_152_000)  # ¥960 a month: ¥480 each
    family.add("condition", person=family.people[0], **{flag: True})
    family.sign()
    dibao = family.assess()[(Programme.DIBAO, None)]
    # (880 − 480) × 2 = ¥800, plus 0.05 × ¥880 = ¥44 → ¥844.
    assert dibao.monthly_fen == 84_400


# --- 6. 单独申请: clergy at a religious site, and the county's own categories


@pytest.mark.parametrize(("own_yearly", "eligible", "monthly_fen"), [(360_000, True, 58_000), (1_056_000, False, 0)])
def test_clergy_living_at_a_religious_site_apply_alone(
    personas: Personas, own_yearly: int, eligible: bool, monthly_fen: int
) -> None:
    family = Family(personas, "1980-05-01", "1982-03-02", "2005-09-09")
    clergy = family.people[1]
    away(clergy, "clergy")
    family.add("income", person=family.people[0], kind="wage", amount_fen=864_000)  # ¥720: ¥360 each for 2
    family.add("income", person=clergy, kind="other", amount_fen=own_yearly)  # ¥300 (or ¥880) a month of their own
    family.sign()
    results = family.assess()
    assert results[(Programme.DIBAO, None)].monthly_fen == 104_000  # (880 − 360) × 2, the clergy's income apart
    alone = results[(Programme.DIBAO, clergy.pk)]
    # ¥880 − ¥300 = ¥580; at ¥880 of their own: not below the standard.
    assert (alone.eligible, alone.category, alone.monthly_fen) == (eligible, "clergy_single", monthly_fen)


def test_a_county_category_covers_an_edge_family_member_alone(personas: Personas) -> None:
    county_value(personas, "dibao.single_categories", [{"code": "autism", "label": "孤独症患者"}])
    family = Family(personas, "1980-05-01", "1982-03-02", "2004-09-09")
    family.add("income", person=family.people[0], kind="wage", amount_fen=3_600_000)  # ¥1,000 each: an edge family
    family.add("condition", person=family.people[2], single_category="autism")
    family.add("condition", person=family.people[1], single_category="unknown")
    family.sign()
    results = family.assess()
    assert results[(Programme.EDGE, None)].eligible is True
    alone = results[(Programme.DIBAO, family.people[2].pk)]
    assert (alone.eligible, alone.category, alone.monthly_fen) == (True, "county_single", 88_000)  # ¥880 − ¥0
    assert "孤独症患者" in alone.explanation[0]
    assert (Programme.DIBAO, family.people[1].pk) not in results  # a code the county has not defined


# --- 7. Assets: housing floor area per head, trees, the housing fund


@pytest.mark.parametrize(
    ("line", "refusal"),
    [
        ({"kind": "house", "value_fen": 0, "floor_area_m2": "100.00"}, None),  # 50 m² × 2 persons
        (
            {"kind": "house", "value_fen": 0, "floor_area_m2": "100.01"},
            "住房面积 100.01 平方米超过上限 100 平方米（每人 50 平方米）。",
        ),
        ({"kind": "trees", "value_fen": 4_224_000}, None),  # 24 × ¥880 × 2 = ¥42,240
        (
            {"kind": "trees", "value_fen": 4_224_001},
            "林木价值 ¥42,240.01 超过上限 ¥42,240.00（每人 24 个月的低保标准）。",
        ),
        ({"kind": "housing_fund", "value_fen": 4_224_000}, None),
        (
            {"kind": "housing_fund", "value_fen": 4_224_001},
            "金融资产 ¥42,240.01 超过上限 ¥42,240.00（每人 24 个月的低保标准）。",
        ),
    ],
)
def test_floor_area_trees_and_the_housing_fund_are_weighed(
    personas: Personas, line: dict[str, Any], refusal: str | None
) -> None:
    family = Family(personas, "1980-05-01", "1982-03-02")
    family.add("asset", person=family.people[0], **line)
    family.sign()
    dibao = family.assess()[(Programme.DIBAO, None)]
    assert dibao.refusal_reasons == ([refusal] if refusal else [])
    assert dibao.monthly_fen == (0 if refusal else 176_000)


# --- 8. 特困 minors: candidates under 18, and while studying until 25


@pytest.mark.parametrize(
    ("birth", "studying", "candidate"),
    [
        ("2009-06-01", False, True),  # 16
        ("2008-06-01", False, True),  # 17
        ("2007-06-01", False, False),  # 18, not studying
        ("2005-06-01", True, True),  # 20 and studying
        ("2001-06-01", True, True),  # 24 and studying
        ("2000-06-01", True, False),  # 25: the age the rule ends at
    ],
)
def test_tekun_covers_minors_and_students(personas: Personas, birth: str, studying: bool, candidate: bool) -> None:
    family = Family(personas, birth, names=("周小雨",))
    person = family.people[0]
    family.add("condition", person=person, self_care_assessed=True, no_able_supporter=True, studying=studying)
    family.sign()
    tekun = family.assess().get((Programme.TEKUN, person.pk))
    if candidate:
        assert tekun is not None and (tekun.eligible, tekun.monthly_fen) == (True, 124_400)  # ¥1,144 + ¥100
    else:
        assert tekun is None


# --- 9. Obligated relatives unable to support, from their recorded conditions


@pytest.mark.parametrize(
    ("inabilities", "eligible"),
    [
        (["prison"], True),
        (["tekun", "dibao_old_disabled", "no_capacity", "missing"], True),
        (["prison", ""], False),
    ],
)
def test_relatives_unable_to_support_are_read_from_their_conditions(
    personas: Personas, inabilities: list[str], eligible: bool
) -> None:
    from minsheng.people.models import SupportingRelative

    family = Family(personas, "1950-02-01", names=("刘桂兰",))
    elder = family.people[0]
    for index, inability in enumerate(inabilities):
        SupportingRelative.objects.create(
            household=family.household, supported=elder, name=f"王{index}伟", relation="child", inability=inability
        )
    family.add("condition", person=elder, self_care_assessed=True, no_able_supporter=False)  # nothing ticked
    family.sign()
    tekun = family.assess()[(Programme.TEKUN, elder.pk)]
    assert (tekun.eligible, tekun.monthly_fen) == (eligible, 124_400 if eligible else 0)
    if eligible:
        lines = [line for line in tekun.explanation if line.startswith("赡养（抚养、扶养）义务人")]
        assert len(lines) == len(inabilities)  # each relative has its own line
    else:
        assert tekun.refusal_reasons == ["有赡养能力的义务人：王1伟。"]


# --- 11. Refused jobs (Art. 45): the member's own share cut by half, with written reasons


@pytest.mark.parametrize(
    ("offers", "reasons", "monthly_fen"),
    [
        (3, "2025-10、11、12 月三次拒绝社区推荐的保洁岗位，无正当理由", 130_000),  # 1,560 − 0.5 × 1,560 / 3
        (2, "两次拒绝", 156_000),  # under the count: not cut
        (3, "", 156_000),  # no written reasons: not cut
    ],
)
def test_refused_job_offers_cut_the_members_share(
    personas: Personas, offers: int, reasons: str, monthly_fen: int
) -> None:
    family = Family(personas, "1980-05-01", "1982-03-02", "2005-09-09")
    family.add("income", person=family.people[0], kind="wage", amount_fen=1_296_000)  # ¥360 each
    family.add("condition", person=family.people[1], refused_job_offers=offers, refused_job_reasons=reasons)
    family.sign()
    dibao = family.assess()[(Programme.DIBAO, None)]
    # (880 − 360) × 3 = ¥1,560; 李娜's share ¥520, half of it ¥260 cut → ¥1,300.
    assert (dibao.eligible, dibao.monthly_fen) == (True, monthly_fen)
    if offers == 3 and reasons:
        assert reasons in dibao.explanation[-2]


def test_a_relatives_inability_is_recorded_through_the_registry(personas: Personas) -> None:
    from django.core.exceptions import ValidationError

    from minsheng.people.services import supporting_relative_add

    family = Family(personas, "1950-02-01", names=("刘桂兰",))
    elder = family.people[0]
    relative = supporting_relative_add(
        actor=family.actor,
        household=family.household,
        supported=elder,
        name="王大伟",
        relation="child",
        monthly_support_fen=0,
        inability="prison",
    )
    assert relative.get_inability_display() == "正在服刑"
    with pytest.raises(ValidationError):
        supporting_relative_add(
            actor=family.actor,
            household=family.household,
            supported=elder,
            name="王二伟",
            relation="child",
            monthly_support_fen=0,
            inability="busy",
        )
    family.add("condition", person=elder, self_care_assessed=True)
    family.sign()
    tekun = family.assess()[(Programme.TEKUN, elder.pk)]
    assert (tekun.eligible, tekun.monthly_fen) == (True, 124_400)
    assert "赡养（抚养、扶养）义务人王大伟正在服刑：无赡养能力。" in tekun.explanation
