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


# --- 1. A member who does not live with the family: their income is not the family's ----------------------------


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


# --- 2. An eligible household whose gap rounds to ¥0 gets the smallest payment -----------------------------------


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


# --- 3. 特困 basic support is at least 1.3 × the standard: rounded up, never down --------------------------------


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
