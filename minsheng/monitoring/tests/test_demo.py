"""The demo's year of signals, warnings and outcomes on a small city: a household a village from the registry's demo,
one in eight of them on 低保, the signal rates raised eightfold and one warning in five never visited, so that every
status, overdue warnings and the applications through the services are there to check."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from minsheng.audit.models import AuditEvent
from minsheng.core.months import add_months, month_of
from minsheng.exchange.models import Feed, FeedRecord
from minsheng.intake.models import Application
from minsheng.monitoring import demo
from minsheng.monitoring.models import Alert, MonitoredChange, MonitoredHousehold, Visit
from minsheng.payments.tests.factories import enrol
from minsheng.people.demo import demo_city
from minsheng.people.models import Membership, Person

pytestmark = pytest.mark.django_db

SEVEN = {s.code for s in demo.SOURCES}


@pytest.fixture
def city(monkeypatch: pytest.MonkeyPatch) -> set[int]:
    """The small city; returns the households on 低保."""
    demo_city(scale=0.0003, seed=7, today=timezone.localdate())
    monkeypatch.setattr(demo, "SOURCES", tuple(dataclasses.replace(s, per_10k=s.per_10k * 8) for s in demo.SOURCES))
    monkeypatch.setattr(demo, "NEGLECTED_SHARE", 0.2)
    # unscoped: the test's own small city
    heads = Membership.objects.unscoped().filter(relation="head").select_related("person").order_by("household_id")
    assisted = set()
    for membership in heads[::8]:
        enrol(membership.person, first_month=dt.date(2025, 1, 1))
        assisted.add(membership.household_id)
    return assisted


def test_a_year_of_signals_raises_warnings_with_realistic_outcomes_once(city: set[int]) -> None:
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    done = demo.demo_monitoring(scale=0.01, seed=3)

    # The feeds: the seven sources, one batch a month, received in that month (this month's yesterday), their
    # records dated inside the month and not after the batch arrived; nothing but the seven sources is sent.
    feeds = list(Feed.objects.unscoped().select_related("source"))
    assert {f.source.code for f in feeds} == SEVEN
    assert done.feeds == len(feeds)
    first = add_months(month_of(today), -demo.MONTHS)
    for feed in feeds:
        received = timezone.localtime(feed.received_at).date()
        assert first <= received <= yesterday
        assert feed.batch.endswith(f"-{received:%Y%m}")
        assert feed.rows == feed.matched + feed.ambiguous + feed.unmatched
        dates = set(FeedRecord.objects.unscoped().filter(feed=feed).values_list("on", flat=True))
        assert None not in dates
        assert all(d is not None and month_of(received) <= d <= received for d in dates)
    assert Counter(f.source.code for f in feeds).most_common(1)[0][1] <= demo.MONTHS + 1
    # Concentrated on low-income households: their members are more often in the feeds than the others.
    # unscoped: the test's own small city
    members = dict(Membership.objects.unscoped().filter(left_on__isnull=True).values_list("person_id", "household_id"))
    signalled = set(
        # unscoped: the test's own small city
        FeedRecord.objects.unscoped().filter(match="matched").values_list("person_id", flat=True)
    )
    low = {p for p, h in members.items() if h in city}
    assert len(signalled & low) / len(low) > 2 * len(signalled - low) / (len(members) - len(low))

    # Warnings: one per person, rule and period; every status; open ones past their deadline escalated the day
    # after it; those visited late escalated too.
    # unscoped: the test's own small city
    alerts = list(Alert.objects.unscoped().all())
    assert len(alerts) == done.alerts == len({(a.person_id, a.rule_code, a.period) for a in alerts})
    assert {a.status for a in alerts} == {"open", "visited", "done"}
    overdue = [a for a in alerts if a.status == "open" and a.due_on < today]
    assert overdue and done.overdue == len(overdue)
    assert all(a.escalated_on == a.due_on + dt.timedelta(days=1) for a in overdue)
    assert all(a.escalated_on is None for a in alerts if a.status == "open" and a.due_on >= today)
    for alert in alerts:
        assert alert.raised_on <= yesterday
        if alert.status == "open":
            assert (alert.outcome, alert.visited_on, alert.application_id) == ("", None, None)
            continue
        assert alert.visited_on is not None and alert.raised_on <= alert.visited_on <= today
        assert alert.outcome in {"applied", "referred", "closed"}
        assert (alert.application_id is not None) == (alert.outcome == "applied")
        assert bool(alert.referred_to) == (alert.outcome == "referred")
        assert bool(alert.reason) == (alert.outcome == "closed")
        if alert.visited_on > alert.due_on:
            assert alert.escalated_on == alert.due_on + dt.timedelta(days=1)
        if alert.status == "done":
            assert alert.confirmed_on is not None and alert.visited_on < alert.confirmed_on < today
        else:
            assert alert.confirmed_on is None
    assert Counter(a.outcome for a in alerts if a.outcome).keys() == {"applied", "referred", "closed"}

    # One visit per handled warning, checked in on its visit day (the sample: yesterday, received today); none for
    # an open one.
    # unscoped: the test's own small city
    visits = list(Visit.objects.unscoped().all())
    assert done.visits == len(visits) == sum(1 for a in alerts if a.status != "open")
    assert sorted(v.alert_id or 0 for v in visits) == sorted(a.pk for a in alerts if a.status != "open")
    by_alert = {a.pk: a for a in alerts}
    through_services = 0
    for visit in visits:
        assert visit.alert_id is not None
        alert = by_alert[visit.alert_id]
        assert (visit.kind, visit.person_id, visit.area_code, visit.outcome, visit.applied) == (
            "warning",
            alert.person_id,
            alert.area_code,
            alert.outcome,
            True,
        )
        checked_in = timezone.localtime(visit.checked_in_at).date()
        if alert.visited_on == today:
            assert checked_in == yesterday
            through_services += 1
        else:
            assert checked_in == alert.visited_on
    assert through_services == done.through_services >= demo.SAMPLE_MIN

    # Applications on the person's behalf: one per warning applied for, 帮办代办, the warning's person; those of
    # the sample through application_submit (audited with whom it was done for), the older ones dated on their visit.
    applied = [a for a in alerts if a.outcome == "applied"]
    # unscoped: the test's own small city
    applications = Application.objects.unscoped().in_bulk([a.application_id for a in applied])
    assert len(applications) == len(applied) == done.applications
    for alert in applied:
        application = applications[alert.application_id]
        assert (application.on_behalf, application.person_id, application.channel) == (True, alert.person_id, "village")
        assert timezone.localtime(application.submitted_at).date() == alert.visited_on
        assert application.cases.count() == 1
    # unscoped: the test's own small city
    submitted = AuditEvent.objects.unscoped().filter(action="intake.application_submitted")
    assert submitted.count() == through_services
    assert all(e.on_behalf_of for e in submitted)

    # The 一户一档: the households on 低保 and on the 防返贫 and 困难职工 lists, with a history of more than one day.
    # unscoped: the test's own small city
    monitored = list(MonitoredHousehold.objects.unscoped().all())
    assert done.households == len(monitored) > len(city)
    assert city <= {m.household_id for m in monitored}
    assert {g for m in monitored for g in m.groups} >= {"dibao", "anti_poverty", "union_hardship"}
    assert len(set(MonitoredChange.objects.values_list("on", flat=True))) > 1

    # A second run adds nothing.
    assert demo.demo_monitoring(scale=0.01, seed=3).feeds == 0
    # unscoped: the test's own small city
    assert (Alert.objects.unscoped().count(), Visit.objects.unscoped().count()) == (len(alerts), len(visits))


def test_the_step_says_nothing_without_a_registry() -> None:
    assert demo.demo_step(0.01, 1, print) is None
    # unscoped: an empty database
    assert not Person.objects.unscoped().exists()
