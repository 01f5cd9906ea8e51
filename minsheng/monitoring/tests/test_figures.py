"""Proactive discovery's figures in the statistics: exact cells per village, month and rule after warnings are
raised, visited, confirmed and escalated, kept fresh by the incremental refresh (the daily run's own audit events, no
rebuild); the persons found this way who became beneficiaries (主动发现 → 纳入保障); the county approver's dashboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.areas.models import Division
from minsheng.assistance.benefits.models import Benefit
from minsheng.assistance.benefits.services import benefit_enrol
from minsheng.assistance.benefits.tests.endpoints import Family
from minsheng.assistance.means.selectors import result_for
from minsheng.assistance.programmes import Programme
from minsheng.audit.models import AuditEvent
from minsheng.core.months import month_of
from minsheng.monitoring.models import Alert
from minsheng.monitoring.services import alert_confirm, alerts_escalate, alerts_raise
from minsheng.monitoring.tests.test_discovery import _feeds, _visit, _window
from minsheng.statistics import refresh, selectors
from minsheng.statistics.models import Cell
from minsheng.statistics.selectors import Period
from minsheng.testing import Personas, make_household, make_person

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
THIS_MONTH = month_of(TODAY)
LAST_MONTH = month_of(THIS_MONTH - dt.timedelta(days=1))
RAISED_LAST_MONTH = LAST_MONTH + dt.timedelta(days=14)

Cells = dict[tuple[str, dt.date, str], tuple[int, int]]


@pytest.fixture
def people(personas: Personas) -> dict[str, Any]:
    p = personas
    names = ["赵一", "钱二", "孙三", "李四", "周五"]
    persons = {name: make_person(p.village, name, birth="1970-01-01") for name in names}
    for person in persons.values():
        make_household(p.village, person)
    return persons


def cells(area: Division, *indicators: str) -> Cells:
    """The cells of ``area`` (at its own level) for the indicators, as (indicator, month, dimension) → values."""
    level = {"village": 12, "township": 9, "county": 6}[area.level]
    rows = Cell.objects.filter(level=level, area=int(area.code), indicator__in=indicators)
    return {(c.indicator, c.month, c.dimension): (c.value, c.value2) for c in rows}


def figures(p: Personas) -> dict[str, Any]:
    """The warning cards of the county approver's dashboard (their county) from last month to this one."""
    board = selectors.dashboard(user=p[Role.COUNTY_APPROVER], area_code=None, period=Period(LAST_MONTH, THIS_MONTH))
    return {f.key: f.value for f in board.figures if f.key.startswith(("warnings_", "found_"))}


def test_the_warnings_counted_per_village_month_and_rule_through_the_loop(
    personas: Personas, people: dict[str, Any]
) -> None:
    p = personas
    refresh.cells_rebuild()
    _feeds(p, people)
    # The medical warning was raised in the middle of last month with three days to visit; the others today.
    alerts_raise(**_window(), on=RAISED_LAST_MONTH, codes=["medical_large"])
    Alert.objects.unscoped().update(due_on=RAISED_LAST_MONTH + dt.timedelta(days=3))
    alerts_raise(**_window(), codes=["death", "utility_cutoff"])
    # One system event per county and rule written.
    assert AuditEvent.objects.unscoped().filter(action="monitoring.alerts_raised", area_code=p.county.code).count() == 3

    result = refresh.cells_refresh()

    # The run's own events (one per county and rule batch) bring the figures: no rebuild for a bulk load.
    assert (result.rebuilt, result.events, result.areas) == (False, 3, [p.county.code])
    assert cells(p.village, "warnings_raised", "warnings_open") == {
        ("warnings_raised", LAST_MONTH, "medical_large"): (1, 1),
        ("warnings_raised", THIS_MONTH, "death"): (1, 1),
        ("warnings_raised", THIS_MONTH, "utility_cutoff"): (1, 1),
        ("warnings_open", LAST_MONTH, "medical_large"): (1, 0),
        ("warnings_open", THIS_MONTH, "medical_large"): (1, 0),
        ("warnings_open", THIS_MONTH, "death"): (1, 0),
        ("warnings_open", THIS_MONTH, "utility_cutoff"): (1, 0),
    }

    alerts = {a.rule_code: a for a in Alert.objects.unscoped().all()}
    _visit(p, alerts["medical_large"])  # applies on the person's behalf, after its deadline
    _visit(p, alerts["death"], outcome="closed", items=[], reason="已核实，遗属生活有着落")  # in time
    for code in ("medical_large", "death"):
        alert_confirm(actor=p[Role.TOWNSHIP_REVIEWER], alert=alerts[code], confirm=True)
    Alert.objects.unscoped().filter(rule_code="utility_cutoff").update(due_on=TODAY - dt.timedelta(days=1))
    assert alerts_escalate(today=TODAY) == 1

    assert refresh.cells_refresh().rebuilt is False
    handled = ("warnings_handled", "warnings_outcomes", "warnings_escalated", "warnings_open")
    assert cells(p.village, *handled) == {
        ("warnings_handled", THIS_MONTH, "medical_large"): (1, 0),
        ("warnings_handled", THIS_MONTH, "death"): (1, 1),
        ("warnings_outcomes", THIS_MONTH, "applied"): (1, 0),
        ("warnings_outcomes", THIS_MONTH, "closed"): (1, 1),
        ("warnings_escalated", THIS_MONTH, "utility_cutoff"): (1, 1),
        # Last month's stock stays what it was then: the medical warning was visited this month.
        ("warnings_open", LAST_MONTH, "medical_large"): (1, 0),
        ("warnings_open", THIS_MONTH, "utility_cutoff"): (1, 1),
    }
    assert cells(p.village, "warnings_raised")[("warnings_raised", THIS_MONTH, "death")] == (1, 0)
    assert figures(p) == {
        "warnings_raised": 3,
        "warnings_handled": 2,
        "warnings_on_time_rate": 500,
        "warnings_overdue": 1,
        "warnings_escalated": 1,
        "found_supported": 0,
    }

    # Visited late, then sent back by the township: open again (and still escalated); visited again and confirmed.
    utility = alerts["utility_cutoff"]
    _visit(p, utility, outcome="referred", items=[], referred_to="供电公司（缓缴）")
    alert_confirm(actor=p[Role.TOWNSHIP_REVIEWER], alert=utility, confirm=False, note="未说明家中取暖安排")
    refresh.cells_refresh()
    assert cells(p.village, "warnings_open") == {
        ("warnings_open", LAST_MONTH, "medical_large"): (1, 0),
        ("warnings_open", THIS_MONTH, "utility_cutoff"): (1, 1),
    }
    _visit(p, utility, outcome="referred", items=[], referred_to="供电公司（缓缴）及村委会")
    alert_confirm(actor=p[Role.TOWNSHIP_REVIEWER], alert=utility, confirm=True)
    refresh.cells_refresh()

    assert cells(p.village, *handled) == {
        ("warnings_handled", THIS_MONTH, "medical_large"): (1, 0),
        ("warnings_handled", THIS_MONTH, "death"): (1, 1),
        ("warnings_handled", THIS_MONTH, "utility_cutoff"): (1, 0),
        ("warnings_outcomes", THIS_MONTH, "applied"): (1, 0),
        ("warnings_outcomes", THIS_MONTH, "closed"): (1, 1),
        ("warnings_outcomes", THIS_MONTH, "referred"): (1, 0),
        ("warnings_escalated", THIS_MONTH, "utility_cutoff"): (1, 0),
        ("warnings_open", LAST_MONTH, "medical_large"): (1, 0),
    }
    # The township and the county hold the same sums; another village holds nothing.
    assert cells(p.township, "warnings_handled") == cells(p.village, "warnings_handled")
    assert cells(p.county, "warnings_outcomes") == cells(p.village, "warnings_outcomes")
    assert cells(p.other_village, *handled, "warnings_raised") == {}
    assert figures(p) == {
        "warnings_raised": 3,
        "warnings_handled": 3,
        "warnings_on_time_rate": 333,
        "warnings_overdue": 0,
        "warnings_escalated": 1,
        "found_supported": 0,
    }
    # The incremental refresh agrees with a rebuild from the records.
    before = set(Cell.objects.filter(indicator__startswith="warnings_").values_list())
    refresh.cells_rebuild()
    after = set(Cell.objects.filter(indicator__startswith="warnings_").values_list())
    assert {row[1:] for row in before} == {row[1:] for row in after}


def _enrol_found(p: Personas, family: Family, alert: Alert, programme: str = Programme.DIBAO) -> Any:
    """The benefit the on-behalf application led to, decided last month (first paid this month)."""
    result = result_for(family.assess(TODAY), programme)
    assert result is not None and result.eligible
    assert alert.application is not None
    return benefit_enrol(
        actor=p[Role.COUNTY_APPROVER],
        result=result,
        household=family.household,
        payee=family.people[0],
        decided_on=THIS_MONTH - dt.timedelta(days=1),
        item_case=alert.application.cases.get(),
    )


def test_a_person_found_by_a_warning_who_became_a_beneficiary(personas: Personas) -> None:
    p = personas
    refresh.cells_rebuild()
    found = Family(p, names=("陈刚",), wage_fen=0)  # no income: the means test finds 低保 eligible
    applied_alone = Family(p, names=("林芳",), wage_fen=0)  # applies at the window, no warning
    found.assess(TODAY)
    alerts_raise(**_window(), codes=["about_to_qualify"])
    alert = Alert.objects.unscoped().get(person=found.people[0])
    assert alert.rule_code == "about_to_qualify"
    _visit(p, alert, outcome="applied", items=[1], reason="即将进保，上门帮办低保申请")
    alert.refresh_from_db()
    alert_confirm(actor=p[Role.TOWNSHIP_REVIEWER], alert=alert, confirm=True)
    refresh.cells_refresh()
    assert cells(p.village, "found_supported") == {}  # applied, not yet a beneficiary

    benefit = _enrol_found(p, found, alert)
    applied_alone.enrol(assessed_on=TODAY, decided_on=THIS_MONTH - dt.timedelta(days=1))
    result = refresh.cells_refresh()

    assert (result.rebuilt, benefit.first_month) == (False, THIS_MONTH)
    assert cells(p.village, "found_supported") == {("found_supported", THIS_MONTH, ""): (1, 0)}
    assert cells(p.county, "found_supported") == {("found_supported", THIS_MONTH, ""): (1, 0)}
    assert figures(p)["found_supported"] == 1
    # Another warning of the same person applied again: still one person found.
    rule = Alert.objects.unscoped().get(pk=alert.pk).rule
    second = Alert.objects.unscoped().create(
        rule=rule,
        rule_code="edge",
        person=alert.person,
        household=alert.household,
        area_code=alert.area_code,
        period=LAST_MONTH,
        severity=alert.severity,
        raised_on=TODAY,
        due_on=TODAY,
        status=Alert.Status.DONE,
        outcome=Alert.Outcome.APPLIED,
        application=alert.application,
    )
    refresh.cells_rebuild()
    assert cells(p.village, "found_supported") == {("found_supported", THIS_MONTH, ""): (1, 0)}
    # A benefit stopped before it paid its first month led to no support: not counted.
    second.delete()
    Benefit.objects.unscoped().filter(pk=benefit.pk).update(status="stopped", stopped_from=THIS_MONTH)
    refresh.cells_rebuild()
    assert cells(p.village, "found_supported") == {}


def test_the_county_approver_sees_the_warning_figures_on_the_dashboard(
    personas: Personas, people: dict[str, Any]
) -> None:
    p = personas
    _feeds(p, people)
    alerts_raise(**_window())
    alerts = {a.rule_code: a for a in Alert.objects.unscoped().all()}
    _visit(p, alerts["death"], outcome="closed", items=[], reason="已核实，遗属生活有着落")
    alert_confirm(actor=p[Role.TOWNSHIP_REVIEWER], alert=alerts["death"], confirm=True)
    refresh.cells_refresh()  # the task's work: the dashboard reads the last complete summary
    client = Client()
    client.force_login(p[Role.COUNTY_APPROVER])

    response = client.get(reverse("statistics:dashboard"), {"start": f"{LAST_MONTH:%Y-%m}", "end": f"{TODAY:%Y-%m}"})

    assert response.status_code == 200
    shown = {f.key: f for f in response.context["dashboard"].figures}
    assert (shown["warnings_raised"].value, shown["warnings_handled"].value) == (3, 1)
    assert (shown["warnings_on_time_rate"].value, shown["warnings_overdue"].value) == (1000, 0)
    html = response.content.decode()
    assert shown["warnings_raised"].label == "风险预警"
    for label in ("风险预警", "预警处置完成", "预警按时核查率", "逾期未处置预警", "主动发现纳入保障"):
        assert label in html, label
    assert "2 条尚待核查" in html and "上门帮办申请 0 条，转介 0 条，说明理由关闭 1 条" in html
    # The tables: by township (each row drilling down to it), by rule (named), by outcome.
    tables = {t.key: t for t in response.context["dashboard"].tables}
    by_area = tables["warnings_by_area"]
    row = by_area.rows[by_area.drill.index(p.township.code)]
    assert row == [p.township.name, 3, 1, 1, 1000, 0, 0, 0]
    assert sum(r[1] for r in by_area.rows) == 3
    assert tables["warnings_by_rule"].rows == [
        ["家庭成员死亡", 1, 1, 1000, 0, 0],
        ["大额医疗费用（自付≥2万元）", 1, 0, None, 0, 0],
        ["水电气欠费停供", 1, 0, None, 0, 0],
    ]
    assert (tables["warnings_by_rule"].columns[0], tables["warnings_by_rule"].drill) == ("预警规则", None)
    assert tables["warnings_by_outcome"].rows == [["说明理由后关闭", 1, 1]]
    assert f'href="/statistics/?area={p.township.code}' in html
    # Drilled down to the township, then its village: the same figures, the village's row not drillable.
    township = client.get(reverse("statistics:dashboard"), {"area": p.township.code})
    village_rows = {t.key: t for t in township.context["dashboard"].tables}["warnings_by_area"]
    assert village_rows.rows[village_rows.drill.index(p.village.code)][1:4] == [3, 1, 1]
    village = client.get(reverse("statistics:dashboard"), {"area": p.village.code})
    at_village = {f.key: f.value for f in village.context["dashboard"].figures}
    assert (at_village["warnings_raised"], at_village["warnings_handled"]) == (3, 1)
    assert {t.key: t for t in village.context["dashboard"].tables}["warnings_by_area"].drill == [None]
