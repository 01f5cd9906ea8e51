"""Proactive discovery: each rule kind raising exactly the expected warnings from a feed (and none twice), the object
rules, the loop to an application made on the person's behalf, escalation, the to-do list per role, the rule preview,
and bad input."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.audit.models import AuditEvent
from minsheng.core.modules import modules
from minsheng.desk.models import Notice
from minsheng.exchange.services import feed_upload
from minsheng.exchange.tests.factories import OFFICER, csv_of, source
from minsheng.intake.models import Application
from minsheng.monitoring.models import Alert, MonitoredHousehold, Visit, WarningRule
from minsheng.monitoring.services import (
    VisitData,
    alert_confirm,
    alerts_escalate,
    alerts_raise,
    discover,
    population_refresh,
    rule_preview,
    rule_save,
    visit_receive,
)
from minsheng.testing import Personas, make_household, make_person

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = (TODAY - dt.timedelta(days=1)).isoformat()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _upload(p: Personas, code: str, header: list[str], rows: list[list[str]], batch: str) -> Any:
    feed, _new = feed_upload(
        actor=p[OFFICER], source=source(code), batch=batch, content=csv_of(header, *rows), filename=f"{code}.csv"
    )
    return feed


def _window() -> dict[str, Any]:
    now = timezone.now()
    return {"since": now - dt.timedelta(hours=1), "until": now + dt.timedelta(seconds=1)}


@pytest.fixture
def people(personas: Personas) -> dict[str, Any]:
    p = personas
    names = ["赵一", "钱二", "孙三", "李四", "周五"]
    persons = {name: make_person(p.village, name, birth="1970-01-01") for name in names}
    for person in persons.values():
        make_household(p.village, person)
    return persons


def _feeds(p: Personas, people: dict[str, Any], suffix: str = "1") -> None:
    a, b, c, d, e = people.values()
    _upload(
        p,
        "medical_bill",
        ["id_number", "name", "bill", "settled_on", "total", "self_paid"],
        [
            [a.id_number, a.name, f"YB{suffix}1", YESTERDAY, "80000", "25000"],  # ¥25,000 own share: a warning
            [b.id_number, b.name, f"YB{suffix}2", YESTERDAY, "30000", "9000"],  # ¥9,000: below the rule
        ],
        f"YB-{suffix}",
    )
    _upload(p, "police_death", ["id_number", "name", "died_on"], [[c.id_number, c.name, YESTERDAY]], f"GA-{suffix}")
    _upload(
        p,
        "utility_arrears",
        ["id_number", "name", "utility", "as_of", "owed", "cut_off"],
        [
            [d.id_number, d.name, "electricity", YESTERDAY, "640", "yes"],
            [e.id_number, e.name, "water", YESTERDAY, "80", "no"],
        ],
        f"SD-{suffix}",
    )


def test_each_feed_rule_raises_exactly_the_expected_warnings_and_none_twice(
    personas: Personas, people: dict[str, Any]
) -> None:
    p = personas
    _feeds(p, people)

    raised = alerts_raise(**_window())

    assert {code: n for code, n in raised.by_rule.items() if n} == {"medical_large": 1, "death": 1, "utility_cutoff": 1}
    alerts = {a.rule_code: a for a in Alert.objects.unscoped().all()}
    a, _b, c, d, _e = people.values()
    assert (alerts["medical_large"].person, alerts["death"].person, alerts["utility_cutoff"].person) == (a, c, d)
    medical = alerts["medical_large"]
    assert (medical.area_code, medical.severity, medical.status, medical.raised_on) == (
        p.village.code,
        "high",
        "open",
        TODAY,
    )
    assert medical.due_on > TODAY and medical.household is not None
    assert "¥25,000.00" in medical.summary
    # The same window again: nothing new (one warning per person, rule and period).
    assert alerts_raise(**_window()).total == 0
    assert Alert.objects.unscoped().count() == 3


def test_object_rules_about_to_qualify_and_about_to_leave(personas: Personas) -> None:
    from minsheng.assistance.means.services import assessment_run, economic_status_new, status_line_add
    from minsheng.assistance.means.services import authorisation_record as status_signed

    p = personas
    actor = p[Role.TOWNSHIP_WINDOW]
    head = make_person(p.village, "吴六", birth="1960-01-01")
    household = make_household(p.village, head)
    status = economic_status_new(actor=actor, household=household, window_end=TODAY.replace(day=1))
    status_line_add(actor=actor, status=status, line="income", data={"person": head, "kind": "wage", "amount_fen": 100})
    status_signed(actor=actor, status=status, serial="SQ-O1", signed_on=TODAY, channel="paper", signers=[(head, "")])
    assessment_run(actor=actor, household=household)

    raised = alerts_raise(**_window(), codes=["about_to_qualify", "about_to_leave", "edge"])

    assert {k: v for k, v in raised.by_rule.items() if v} == {"about_to_qualify": 1}
    alert = Alert.objects.unscoped().get()
    assert (alert.person, alert.household, alert.rule_code) == (head, household, "about_to_qualify")
    # Handled; next month the same assessment is the same data: no new warning. A new means test is new data.
    Alert.objects.unscoped().update(status=Alert.Status.DONE)
    next_month = (TODAY.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    again = alerts_raise(**_window(), on=next_month, codes=["about_to_qualify"])
    assert (again.total, again.skipped_closed) == (0, 1)
    assessment_run(actor=actor, household=household)
    assert alerts_raise(**_window(), on=next_month, codes=["about_to_qualify"]).total == 1


def _visit(p: Personas, alert: Alert, **fields: Any) -> Any:
    data: dict[str, Any] = {
        "client_uuid": uuid.uuid4(),
        "person": alert.person,
        "alert": alert,
        "checked_in_at": timezone.now() - dt.timedelta(minutes=30),
        "outcome": "applied",
        "items": [1],
        "reason": "家中主要劳动力大病住院，收入骤减",
        "photos": [PNG],
        "latitude": "33.9630",
        "longitude": "118.2750",
    }
    data.update(fields)
    return visit_receive(actor=p[Role.VILLAGE_WORKER], data=VisitData(**data))


def test_the_loop_to_an_application_made_on_the_persons_behalf(personas: Personas, people: dict[str, Any]) -> None:
    p = personas
    _feeds(p, people)
    alerts_raise(**_window())
    alert = Alert.objects.unscoped().get(rule_code="medical_large")

    received = _visit(p, alert)

    alert.refresh_from_db()
    assert (received.created, received.applied, alert.status, alert.outcome) == (True, True, "visited", "applied")
    application = Application.objects.unscoped().get()
    assert (alert.application, application.person, application.on_behalf) == (application, alert.person, True)
    assert application.recorded_by == p[Role.VILLAGE_WORKER]
    visit = Visit.objects.unscoped().get()
    assert (visit.photos.count(), str(visit.latitude), visit.applied) == (1, "33.963000", True)
    # The phone sends it again (the connection dropped before the answer): one visit, one application.
    again = visit_receive(
        actor=p[Role.VILLAGE_WORKER],
        data=VisitData(client_uuid=visit.client_uuid, person=alert.person, alert=alert, checked_in_at=timezone.now()),
    )
    assert (again.created, again.visit, Visit.objects.unscoped().count(), Application.objects.unscoped().count()) == (
        False,
        visit,
        1,
        1,
    )

    alert_confirm(actor=p[Role.TOWNSHIP_REVIEWER], alert=alert, confirm=True)

    alert.refresh_from_db()
    assert (alert.status, alert.confirmed_by) == ("done", p[Role.TOWNSHIP_REVIEWER])
    # A visit arriving after the warning was handled is kept, and changes nothing.
    late = _visit(p, alert, outcome="closed", items=[], reason="复访")
    alert.refresh_from_db()
    assert (late.created, late.applied, alert.outcome, Application.objects.unscoped().count()) == (
        True,
        False,
        "applied",
        1,
    )
    assert AuditEvent.objects.unscoped().filter(action="monitoring.visit_recorded").count() == 2


def test_the_township_sends_a_visit_back_with_a_reason(personas: Personas, people: dict[str, Any]) -> None:
    p = personas
    _feeds(p, people)
    alerts_raise(**_window())
    alert = Alert.objects.unscoped().get(rule_code="death")
    _visit(p, alert, outcome="referred", items=[], referred_to="殡葬服务（惠民殡葬）")
    with pytest.raises(ValidationError):
        alert_confirm(actor=p[Role.TOWNSHIP_REVIEWER], alert=alert, confirm=False, note="")
    alert_confirm(actor=p[Role.TOWNSHIP_REVIEWER], alert=alert, confirm=False, note="未核实遗属生活情况")
    alert.refresh_from_db()
    assert (alert.status, alert.outcome) == ("open", "")


def test_bad_visits_are_refused_with_a_reason_and_nothing_is_written(
    personas: Personas, people: dict[str, Any]
) -> None:
    p = personas
    _feeds(p, people)
    alerts_raise(**_window())
    alert = Alert.objects.unscoped().get(rule_code="utility_cutoff")
    with pytest.raises(ValidationError) as closed:
        _visit(p, alert, outcome="closed", items=[], reason=" ")
    assert "需要填写原因" in str(closed.value) or "reasons" in str(closed.value)
    with pytest.raises(ValidationError):
        _visit(p, alert, photos=[b"GIF89a not a photo"])
    with pytest.raises(ValidationError):
        _visit(p, alert, checked_in_at=timezone.now() + dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        _visit(p, alert, latitude="95", longitude="118")
    with pytest.raises(ValidationError):
        _visit(p, alert, outcome="referred", items=[], referred_to="")
    assert (Visit.objects.unscoped().count(), Alert.objects.unscoped().get(pk=alert.pk).status) == (0, "open")


def test_overdue_warnings_are_escalated_once_with_notices(personas: Personas, people: dict[str, Any]) -> None:
    p = personas
    _feeds(p, people)
    alerts_raise(**_window())
    Alert.objects.unscoped().filter(rule_code="death").update(due_on=TODAY - dt.timedelta(days=1))

    assert alerts_escalate(today=TODAY) == 1
    assert alerts_escalate(today=TODAY) == 0
    assert Alert.objects.unscoped().get(rule_code="death").escalated_on == TODAY
    assert Notice.objects.filter(recipient__in=[p[Role.TOWNSHIP_REVIEWER], p[Role.COUNTY_APPROVER]]).count() == 2


def test_the_to_do_list_per_role(personas: Personas, people: dict[str, Any]) -> None:
    p = personas
    _feeds(p, people)
    alerts_raise(**_window())
    work = {w.key: w for m in modules() for w in m.due_work}
    visit, confirm = work["warning_visit"], work["warning_confirm"]
    worker = p[Role.VILLAGE_WORKER]
    assert worker.has_perm(visit.permission) and not worker.has_perm(confirm.permission)
    assert visit.count(worker, TODAY) == 3
    items = visit.items(worker, TODAY, 10, None)
    assert [i.kind for i in items] == ["warning_visit"] * 3
    assert all("*" in i.subject for i in items)  # names masked on the list
    assert visit.count(p.outsider(Role.VILLAGE_WORKER), TODAY) == 0  # another county's worker sees none
    _visit(p, Alert.objects.unscoped().get(rule_code="death"), outcome="closed", items=[], reason="已核实，无困难")
    assert (visit.count(worker, TODAY), confirm.count(p[Role.TOWNSHIP_REVIEWER], TODAY)) == (2, 1)


def test_a_rule_change_is_previewed_then_saved_as_a_new_version(personas: Personas, people: dict[str, Any]) -> None:
    p = personas
    _feeds(p, people)
    admin = p[Role.CITY_ADMIN]
    current = WarningRule.objects.get(code="medical_large")
    draft = WarningRule(
        code="medical_large",
        name=current.name,
        kind="feed",
        source="medical_bill",
        condition={"amount_at_least_fen": 500_000},  # ¥5,000: both bills
        severity="high",
        deadline_days=5,
        area_prefix="3213",
        valid_from=TODAY,
    )
    assert rule_preview(actor=admin, rule=draft).by_rule["medical_large"] == 2
    assert Alert.objects.unscoped().count() == 0
    rule = rule_save(
        actor=admin,
        code="medical_large",
        name="大额医疗费用（自付≥5千元）",
        kind="feed",
        source="medical_bill",
        condition={"amount_at_least_fen": 500_000},
        severity="high",
        deadline_days=5,
        recipients="village",
        area_prefix="3213",
        valid_from=TODAY,
        note="按新办法下调门槛",
    )
    current.refresh_from_db()
    assert (rule.version, current.valid_to) == (2, TODAY - dt.timedelta(days=1))
    assert alerts_raise(**_window()).by_rule["medical_large"] == 2
    with pytest.raises(ValidationError):
        rule_preview(
            actor=admin,
            rule=WarningRule(
                code="x", kind="feed", source="police_death", condition={"amount_at_least_fen": 1}, deadline_days=5
            ),
        )
    with pytest.raises(ValidationError):
        rule_save(
            actor=admin,
            code="y",
            name="y",
            kind="feed",
            source="utility_arrears",
            condition={"column": "cut_off", "in": ["maybe"]},
            severity="high",
            deadline_days=5,
            recipients="village",
            area_prefix="",
            valid_from=TODAY,
        )
    with pytest.raises(ValidationError):
        rule_save(
            actor=admin,
            code="y",
            name="y",
            kind="object",
            source="edge",
            condition={},
            severity="high",
            deadline_days=0,
            recipients="village",
            area_prefix="",
            valid_from=TODAY,
        )


def test_the_low_income_population_and_the_daily_run(personas: Personas, people: dict[str, Any]) -> None:
    p = personas
    a = people["赵一"]
    _upload(
        p,
        "anti_poverty",
        ["id_number", "name", "category", "identified_on"],
        [[a.id_number, a.name, "sudden_hardship", YESTERDAY]],
        "NY-1",
    )
    assert population_refresh(on=TODAY) == {"households": 1, "new": 1, "changed": 0, "left": 0}
    monitored = MonitoredHousehold.objects.unscoped().get()
    assert (monitored.groups, monitored.area_code) == (["anti_poverty"], p.village.code)
    assert population_refresh(on=TODAY)["new"] == 0

    run = discover()

    assert (run.status, run.raised) == ("done", 1)  # the 防返贫 rule
    assert discover().raised == 0  # the next run starts where this one ended


def test_a_visit_refused_while_applying_leaves_no_photo_on_disk(
    personas: Personas, people: dict[str, Any], tmp_path: Any, settings: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    _feeds(personas, people)
    alerts_raise(**_window())
    alert = Alert.objects.unscoped().get(rule_code="medical_large")
    with pytest.raises(ValidationError):
        _visit(personas, alert, items=[99_999])  # no such item: the application is refused
    assert (Visit.objects.unscoped().count(), list(tmp_path.rglob("*.png"))) == (0, [])
    _visit(personas, alert)
    assert len(list(tmp_path.rglob("*.png"))) == 1


def test_disability_doubt_needs_a_means_test_that_no_longer_finds_the_allowance_due(personas: Personas) -> None:
    from minsheng.assistance.means.services import assessment_run, economic_status_new
    from minsheng.assistance.means.services import authorisation_record as status_signed
    from minsheng.payments.tests.factories import enrol

    p = personas
    actor = p[Role.TOWNSHIP_WINDOW]
    head = make_person(p.village, "郑十", birth="1960-01-01")
    household = make_household(p.village, head)
    enrol(head, "disability_living", 9_000, first_month=TODAY.replace(day=1))
    assert alerts_raise(**_window(), codes=["disability_doubt"]).total == 0  # never means-tested: nothing to doubt by
    status = economic_status_new(actor=actor, household=household, window_end=TODAY.replace(day=1))
    status_signed(actor=actor, status=status, serial="SQ-D1", signed_on=TODAY, channel="paper", signers=[(head, "")])
    assessment_run(actor=actor, household=household)  # no certificate: the allowance is not due

    assert alerts_raise(**_window(), codes=["disability_doubt"]).by_rule["disability_doubt"] == 1
    assert Alert.objects.unscoped().get().person == head


def test_a_rule_sent_to_the_township_is_on_the_township_reviewers_list_not_the_village_workers(
    personas: Personas, people: dict[str, Any]
) -> None:
    p = personas
    WarningRule.objects.filter(code="death").update(recipients=WarningRule.Recipients.TOWNSHIP)
    _feeds(p, people)
    alerts_raise(**_window())
    visit = next(w for m in modules() for w in m.due_work if w.key == "warning_visit")
    worker, reviewer = p[Role.VILLAGE_WORKER], p[Role.TOWNSHIP_REVIEWER]
    assert sorted(a.rule_code for a in visit_list(worker)) == ["medical_large", "utility_cutoff"]
    assert [a.rule_code for a in visit_list(reviewer)] == ["death"]
    assert (visit.count(worker, TODAY), visit.count(reviewer, TODAY)) == (2, 1)


def visit_list(user: Any) -> list[Alert]:
    from minsheng.monitoring.selectors import to_visit

    return list(to_visit(user=user))
