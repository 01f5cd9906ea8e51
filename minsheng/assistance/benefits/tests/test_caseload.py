"""The demo caseload against the simulation: on 10,000 demo households the set-based simulation equals the single
decisions, and enrolment from the same engine gives the simulation's 低保 and 特困 counts over the whole city."""

from __future__ import annotations

import datetime as dt

import pytest

from minsheng.assistance.benefits.demo import demo_enrol, published_figures
from minsheng.assistance.benefits.models import Benefit
from minsheng.assistance.means.demo import demo_economic_statuses
from minsheng.assistance.means.engine import assess
from minsheng.assistance.means.facts import RuleBook, current_statuses, facts_for
from minsheng.assistance.means.models import EconomicStatus
from minsheng.assistance.means.simulation import Totals, simulate
from minsheng.assistance.programmes import Programme
from minsheng.people.demo import demo_city

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 1, 15)


def test_the_simulation_equals_the_sum_of_single_decisions_on_10000_households() -> None:
    """The demo city's households, each decided alone (facts read for that household, explanations on), against
    one set-based run over the same 10,000: every total must match, under the rules in force and a new standard."""
    demo_city(scale=0.012, seed=7, today=ON)
    demo_economic_statuses(seed=7, today=ON, sample_per_mille=1000)  # every household has a status
    sample_ids = list(current_statuses("3213").order_by("id").values_list("id", flat=True)[:10_000])
    assert len(sample_ids) == 10_000
    sample = EconomicStatus.objects.unscoped().filter(id__in=sample_ids)
    bulk = simulate(area_prefix="3213", on=ON, standard_fen=95_000, statuses=sample)
    book = RuleBook(ON)
    before, after = Totals(), Totals()
    for status in sample.order_by("id"):
        facts = facts_for(status, ON)
        rules = book.for_area(facts.area_code)
        before.add(facts, assess(facts, rules, explain=True))
        after.add(facts, assess(facts, rules.with_standard(95_000), explain=True))
    assert bulk.households_assessed == 10_000
    assert bulk.before.as_dict() == before.as_dict()
    assert bulk.after.as_dict() == after.as_dict()
    assert bulk.before.dibao_households > 500  # the sample is a real caseload, not an empty one
    # And enrolment from the same engine gives the same 低保 and 特困 counts over the whole city.
    demo_enrol(seed=7, today=ON)
    everything = simulate(area_prefix="3213", on=ON)
    figures = published_figures()
    assert figures["dibao_persons"] == everything.before.dibao_persons
    assert figures["tekun_persons"] == everything.before.tekun_persons
    household_dibao = Benefit.objects.unscoped().filter(programme=Programme.DIBAO, category="income")
    assert household_dibao.count() == everything.before.dibao_households
