"""The demo caseload moves: households join and leave 低保 in every month from the last complete half-year to the
present, and the count of running 低保 benefits at the end of that half-year is today's (the engine's)."""

from __future__ import annotations

import datetime as dt

import pytest

from minsheng.assistance.benefits.demo import CHURN_PER_MILLE, STOP_REASON, demo_churn, demo_enrol
from minsheng.assistance.benefits.models import Benefit, BenefitChange
from minsheng.assistance.means.demo import demo_economic_statuses
from minsheng.assistance.programmes import Programme
from minsheng.people.demo import demo_city

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 5)
MONTHS = [dt.date(2026, m, 1) for m in range(1, 13)]  # 2026-01 (the last complete half-year) to 2026-12
HALF_END = dt.date(2026, 6, 1)


def running(month: dt.date) -> int:
    # unscoped: the test counts the whole demo caseload
    dibao = Benefit.objects.unscoped().filter(programme=Programme.DIBAO, first_month__lte=month)
    return dibao.exclude(status=Benefit.Status.STOPPED, stopped_from__lte=month).count()


def test_households_join_and_leave_every_month_and_the_half_year_keeps_the_engines_count() -> None:
    demo_city(scale=0.002, seed=7, today=TODAY)
    demo_economic_statuses(seed=7, today=TODAY)
    demo_enrol(seed=7, today=TODAY)
    # unscoped: the test reads the whole demo caseload
    dibao = Benefit.objects.unscoped().filter(programme=Programme.DIBAO)
    enrolled = dibao.count()
    assert enrolled > 50 and not dibao.filter(first_month__gte=MONTHS[0]).exists()

    counts = demo_churn(seed=7, today=TODAY)

    movers = round(enrolled * CHURN_PER_MILLE / 1000 * 12)
    assert (counts.joined, counts.left, counts.months) == (movers, movers, 12)
    joined = list(dibao.filter(first_month__gte=MONTHS[0]).values_list("first_month", flat=True))
    left = [m for m in dibao.filter(status=Benefit.Status.STOPPED).values_list("stopped_from", flat=True) if m]
    assert len(joined) == len(left) == movers
    # Round the months: with at least 12 movers every month has someone joining and someone leaving.
    assert movers >= 12 and set(joined) == set(left) == set(MONTHS)
    # unscoped: the test reads the stops' records
    stops = BenefitChange.objects.unscoped().filter(kind=BenefitChange.Kind.STOP, benefit__programme=Programme.DIBAO)
    assert sorted(stops.values_list("effective_month", flat=True)) == sorted(left)
    assert set(stops.values_list("reason", flat=True)) == {STOP_REASON}
    # Those who leave are other households than those on 低保 today.
    leaving = set(dibao.filter(status=Benefit.Status.STOPPED).values_list("household_id", flat=True))
    assert not leaving & set(dibao.exclude(status=Benefit.Status.STOPPED).values_list("household_id", flat=True))
    # The stock: at the end of the calibrated half-year and today, exactly what the engine enrolled.
    assert running(HALF_END) == running(MONTHS[-1]) == enrolled
    assert running(dt.date(2025, 12, 1)) == enrolled  # before: the joiners not yet in, as many leavers still paid
    assert demo_churn(seed=7, today=TODAY).joined == 0  # a second run moves nobody
