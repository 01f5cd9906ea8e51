"""Temporary-assistance amounts (DOMAIN §3, issue 15 point 10): the limit per person (6 × the standard, 12 × in
special hardship), payments a year, the 支出型 amount from the rigid spending, aid in goods and the year's totals.

Rules in force (demo values): standard ¥880; township cap ¥1,000; limits 6 / 12 months of the standard per person
and 2 payments a year; 支出型: the family bears 30 % of its income, half of the spending above it is paid.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.assistance.means.services import assessment_run, economic_status_new, status_line_add
from minsheng.assistance.temporary.models import TemporaryAid
from minsheng.assistance.temporary.services import (
    temporary_aid_decide,
    temporary_aid_open,
    temporary_aid_papers_complete,
)
from minsheng.testing import Personas, make_household, make_person

pytestmark = pytest.mark.django_db
Status = TemporaryAid.Status


def _person(p: Personas, name: str = "张伟", *others: str) -> Any:
    head = make_person(p.village, name)
    make_household(p.village, head, *((make_person(p.village, other), "child") for other in others))
    return head


def _open(p: Personas, fen: int, person: Any, **extra: Any) -> TemporaryAid:
    return temporary_aid_open(
        actor=p[Role.TOWNSHIP_WINDOW],
        person=person,
        kind=extra.pop("kind", "urgent"),
        event="家中失火，衣物被褥烧毁",
        requested_fen=fen,
        **extra,
    )


@pytest.mark.parametrize(
    ("others", "special", "fen", "limit", "beyond"),
    [
        ((), False, 528_000, 528_000, False),  # 6 × ¥880 × 1
        ((), False, 528_001, 528_000, True),  # one fen over
        ((), True, 1_056_000, 1_056_000, False),  # 12 × ¥880 × 1 in special hardship
        ((), True, 1_056_001, 1_056_000, True),
        (("张强",), False, 1_056_000, 1_056_000, False),  # 6 × ¥880 × 2 persons
        (("张强",), False, 1_056_001, 1_056_000, True),
    ],
)
def test_the_limit_per_person_sends_larger_amounts_to_the_county(
    personas: Personas, others: tuple[str, ...], special: bool, fen: int, limit: int, beyond: bool
) -> None:
    aid = _open(personas, fen, _person(personas, "张伟", *others), special_hardship=special)
    assert (aid.status, aid.limit_fen, bool(aid.beyond_limits)) == (Status.WITH_COUNTY, limit, beyond)
    if beyond:
        assert aid.beyond_limits == f"¥{fen / 100:,.2f} 超过本户上限 ¥{limit / 100:,.2f}。"
    granted = temporary_aid_decide(
        actor=personas[Role.COUNTY_APPROVER], aid=aid, granted=True, amount_fen=fen, reason="县级审批：火灾损失严重"
    )
    assert granted.paid_fen == fen


def test_cash_and_goods_count_together_against_the_limit(personas: Personas) -> None:
    person = _person(personas)
    aid = _open(personas, 80_000, person, goods="棉被 2 床、大米 50 斤", goods_value_fen=30_000)
    assert (aid.status, aid.paid_fen, aid.goods, aid.goods_value_fen) == (
        Status.PAID_FIRST,
        80_000,
        "棉被 2 床、大米 50 斤",
        30_000,
    )
    other = _open(personas, 500_000, _person(personas, "李娜"), goods="衣物", goods_value_fen=28_001)
    assert other.beyond_limits == "¥5,280.01 超过本户上限 ¥5,280.00。"  # ¥5,000 cash + ¥280.01 goods
    with pytest.raises(ValidationError):
        _open(personas, 10_000, _person(personas, "王强"), goods="", goods_value_fen=10_000)  # goods not described


def test_the_yearly_count_sends_the_third_payment_to_the_county(personas: Personas) -> None:
    window = personas[Role.TOWNSHIP_WINDOW]
    person = _person(personas)
    for _ in range(2):
        aid = _open(personas, 50_000, person)
        assert aid.status == Status.PAID_FIRST
        temporary_aid_papers_complete(actor=window, aid=aid)
    third = _open(personas, 50_000, person)
    year = timezone.localdate().year
    assert (third.status, third.paid_fen) == (Status.WITH_COUNTY, 0)
    assert third.beyond_limits == f"{year} 年已救助 2 次；每年最多 2 次。"
    # The deciding user sees the person's other temporary assistance of the year.
    client = Client()
    client.force_login(personas[Role.COUNTY_APPROVER])
    page = client.get(reverse("assistance:temporary_detail", args=[third.pk])).content.decode()
    assert "2 次：现金 ¥1,000.00，实物 ¥0.00" in page


@pytest.mark.parametrize(
    ("rigid", "income", "computed"),
    [
        (460_000, 1_200_000, 50_000),  # ¥4,600 − 0.3 × ¥12,000 = ¥1,000 above; half: ¥500
        (2_000_000, 0, 528_000),  # ¥20,000 above, half ¥10,000: capped at 6 × ¥880
        (360_000, 1_200_000, 0),  # exactly what the family can bear: nothing
    ],
)
def test_expense_driven_amount_follows_the_rigid_spending(
    personas: Personas, rigid: int, income: int, computed: int
) -> None:
    window, reviewer = personas[Role.TOWNSHIP_WINDOW], personas[Role.TOWNSHIP_REVIEWER]
    person = _person(personas, "孙丽")
    aid = _open(personas, 50_000, person, kind="expense")
    household = aid.household
    assert household is not None
    status = economic_status_new(actor=window, household=household, window_end=dt.date(2026, 1, 1))
    status_line_add(actor=window, status=status, line="expense", data={"kind": "medical", "amount_fen": rigid})
    if income:
        status_line_add(
            actor=window, status=status, line="income", data={"person": person, "kind": "wage", "amount_fen": income}
        )
    assessment_run(actor=window, household=household, on=dt.date(2026, 1, 15))
    client = Client()
    client.force_login(reviewer)
    page = client.get(reverse("assistance:temporary_detail", args=[aid.pk])).content.decode()
    assert f"按规定 ¥{computed / 100:,.2f}" in page
    if computed < 50_000:
        with pytest.raises(ValidationError) as refused:
            temporary_aid_decide(actor=reviewer, aid=aid, granted=True, amount_fen=computed + 1, reason="医疗")
        assert refused.value.message_dict == {
            "amount": [f"按规定此项支出可救助 ¥{computed / 100:,.2f}；超出部分由县级决定。"]
        }
    else:
        granted = temporary_aid_decide(actor=reviewer, aid=aid, granted=True, amount_fen=50_000, reason="医疗")
        assert granted.paid_fen == 50_000


def test_an_expense_case_beyond_the_limits_is_the_countys(personas: Personas) -> None:
    window, reviewer = personas[Role.TOWNSHIP_WINDOW], personas[Role.TOWNSHIP_REVIEWER]
    aid = _open(personas, 528_001, _person(personas, "孙丽"), kind="expense")
    assert (aid.status, aid.beyond_limits) == (Status.VERIFYING, "¥5,280.01 超过本户上限 ¥5,280.00。")
    household = aid.household
    assert household is not None
    status = economic_status_new(actor=window, household=household, window_end=dt.date(2026, 1, 1))
    status_line_add(actor=window, status=status, line="expense", data={"kind": "medical", "amount_fen": 2_000_000})
    assessment_run(actor=window, household=household, on=dt.date(2026, 1, 15))
    with pytest.raises(ValidationError) as refused:  # within the township cap, but the case is beyond the limits
        temporary_aid_decide(actor=reviewer, aid=aid, granted=True, amount_fen=50_000, reason="医疗")
    assert refused.value.message_dict == {"amount": ["超出临时救助限额的，由县级决定。"]}
