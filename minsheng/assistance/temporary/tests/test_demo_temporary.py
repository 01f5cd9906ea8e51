"""The demo's temporary-assistance history: the published half-year at scale, exactly, in the last complete
half-year, and the same pace since."""

from __future__ import annotations

import datetime as dt

import pytest

from minsheng.assistance.temporary.demo import (
    PAID_FEN_AT_SCALE_1,
    PERSONS_AT_SCALE_1,
    TAIL_GAP_DAYS,
    demo_temporary_history,
    fen_for,
    wanted,
)
from minsheng.assistance.temporary.models import TemporaryAid
from minsheng.intake.models import ItemCase
from minsheng.testing import Personas, make_household, make_person

pytestmark = pytest.mark.django_db

CAP = 100_000  # linshi.township_cap in the demo rules: ¥1,000
TODAY = dt.date(2026, 12, 5)
PERIOD_START, PERIOD_END = dt.date(2026, 1, 1), dt.date(2026, 6, 30)  # the last complete half-year on TODAY


def households(personas: Personas, count: int) -> None:
    for number in range(count):
        make_household(personas.village, make_person(personas.village, f"赵{number}"))


def test_the_published_figures_scale_to_whole_yuan() -> None:
    assert wanted(1.0) == (16_400, 1_458_000_000)
    assert wanted(0.01) == (164, 14_580_000)
    # ¥14,580,000 × 10 / 16,400 = ¥8,890.24, paid in whole yuan.
    assert wanted(10 / PERSONS_AT_SCALE_1) == (10, 889_000)
    assert fen_for(3) == 266_700
    assert PAID_FEN_AT_SCALE_1 == 14_580_000 * 100


def test_the_history_pays_the_scaled_persons_and_money_exactly(personas: Personas) -> None:
    households(personas, 40)
    counts = demo_temporary_history(scale=40 / PERSONS_AT_SCALE_1, seed=5, today=TODAY)

    assert counts.period == (PERIOD_START, PERIOD_END)
    every = TemporaryAid.objects.unscoped().select_related("item_case__item", "item_case__application")
    aids = [aid for aid in every if aid.created_at.date() <= PERIOD_END]
    assert (counts.persons, counts.paid_fen) == (40, fen_for(40)) == (40, 3_556_100)
    assert len(aids) == 40
    assert len({aid.person_id for aid in aids}) == 40
    assert sum(aid.paid_fen for aid in aids) == 3_556_100
    assert sum(counts.by_kind.values()) == 40
    for aid in aids:
        assert aid.status == TemporaryAid.Status.COMPLETED
        assert aid.paid_fen == aid.requested_fen > 0
        assert aid.paid_fen % 100 == 0
        assert aid.paid_at is not None and PERIOD_START <= aid.paid_at.date() <= PERIOD_END
        assert PERIOD_START <= aid.created_at.date() <= PERIOD_END
        assert aid.township_cap_fen == CAP and aid.cap_parameter is not None
        township = aid.decided_fen is None
        if township:  # 急难型 paid first by the township: within its cap, papers completed by their deadline
            assert aid.kind == TemporaryAid.Kind.URGENT
            assert aid.paid_fen <= CAP
            assert aid.papers_due is not None and aid.papers_completed_at is not None
            assert aid.papers_completed_at.date() <= aid.papers_due
        else:  # decided by the county: 支出型 at any amount, 急难型 above the cap
            assert aid.decided_fen == aid.paid_fen
            assert aid.decided_at == aid.paid_at and aid.decided_at.date() <= PERIOD_END
            assert aid.kind == TemporaryAid.Kind.EXPENSE or aid.paid_fen > CAP
        case = aid.item_case
        assert case.status == ItemCase.Status.GRANTED
        assert case.item.number == {"urgent": 6, "expense": 7}[aid.kind]
        assert case.application.person_id == aid.person_id
        assert case.accepted_on == aid.created_at.date()
    kinds = {(aid.kind, aid.decided_fen is None) for aid in aids}
    assert kinds == {("urgent", True), ("urgent", False), ("expense", False)}


def test_fewer_households_than_wanted_pay_in_proportion(personas: Personas) -> None:
    households(personas, 3)
    counts = demo_temporary_history(scale=1.0, seed=5, today=TODAY)
    assert (counts.persons, counts.paid_fen) == (3, 266_700)
    assert TemporaryAid.objects.unscoped().filter(created_at__date__lte=PERIOD_END).count() == 3


def test_running_it_again_adds_nothing(personas: Personas) -> None:
    households(personas, 12)
    first = demo_temporary_history(scale=12 / PERSONS_AT_SCALE_1, seed=5, today=TODAY)
    again = demo_temporary_history(scale=12 / PERSONS_AT_SCALE_1, seed=5, today=TODAY)
    assert (again.persons, again.paid_fen, again.since_persons) == (0, 0, 0)
    assert TemporaryAid.objects.unscoped().count() == 12 + first.since_persons == 12 + 9  # round(12 × 137 / 181)


def test_the_months_since_the_half_year_go_on_at_the_same_pace(personas: Personas) -> None:
    """From 2026-07-01 to 21 days before 2026-12-05 (2026-11-14): 137 of the half-year's 181 days, so
    round(40 × 137 / 181) = 30 persons, paid fen_for(30), every case completed by today."""
    households(personas, 40)
    counts = demo_temporary_history(scale=40 / PERSONS_AT_SCALE_1, seed=5, today=TODAY)
    later = list(TemporaryAid.objects.unscoped().filter(created_at__date__gt=PERIOD_END))
    assert (counts.since_persons, counts.since_fen) == (30, fen_for(30)) == (len(later), sum(a.paid_fen for a in later))
    last = TODAY - dt.timedelta(days=TAIL_GAP_DAYS)
    for aid in later:
        assert aid.status == TemporaryAid.Status.COMPLETED
        assert PERIOD_END < aid.created_at.date() <= last
        assert aid.paid_at is not None and aid.paid_at.date() <= last
        assert aid.papers_completed_at is None or aid.papers_completed_at.date() <= TODAY
    assert demo_temporary_history(scale=1.0, seed=5, today=TODAY).persons == 0  # a second run adds nothing
