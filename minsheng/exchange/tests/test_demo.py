"""The data exchange's demo step on a small demo city: feeds consistent with the registry, a 授权书 in force for every
household on assistance, the last complete month's check with findings, and 核对 requests at every stage."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.apps import apps
from django.utils import timezone

from minsheng.core.months import add_months, demo_history_months, month_of
from minsheng.demo.city import demo_steps
from minsheng.exchange import demo
from minsheng.exchange.authorisations import authorisation_for, members_on
from minsheng.exchange.models import (
    Authorisation,
    DepartmentClient,
    Feed,
    FeedRecord,
    Finding,
    MonthlyCheck,
    Verification,
    VerificationQuery,
)
from minsheng.people.models import ChangeRequest, Household, Person

pytestmark = pytest.mark.django_db

SCALE = 0.002  # about 10,000 residents


def test_the_exchange_demo_is_consistent_with_the_registry_and_has_every_stage() -> None:
    for step in demo_steps():
        if step.order < 70:
            step.run(SCALE, 7, lambda line: None)
    today = timezone.localdate()
    # unscoped: the test reads the whole demo city
    running = apps.get_model("assistance", "Benefit").objects.unscoped().filter(status__in=demo.RUNNING)
    households = set(running.values_list("household_id", flat=True))
    deceased_before = dict(
        Person.objects.unscoped()
        .filter(status="deceased", status_date__gte=demo_history_months(today)[0], status_date__lt=today)
        .values_list("pk", "status_date")
    )

    line = demo.demo_step(SCALE, 7, lambda text: None)

    assert line is not None and line.startswith("exchange: 7 department clients")
    assert "mx_" not in line  # no key is shown
    clients = DepartmentClient.objects.unscoped()
    assert clients.count() == 7
    assert list(clients.filter(may_verify=True).values_list("name", flat=True)) == [demo.HOUSING]
    assert clients.get(name=demo.BANK).may_verify is False

    # Every feed's rows are counted once, as matched, ambiguous or unmatched, and the counts are its records'.
    feeds = list(Feed.objects.unscoped().select_related("source"))
    assert {f.source.code for f in feeds} >= {
        "police_death",
        "hrss_pension",
        "hrss_contribution",
        "vehicle",
        "property",
        "medical_bill",
        "financial_asset",
    }
    for feed in feeds:
        by_match = Counter(FeedRecord.objects.unscoped().filter(feed=feed).values_list("match", flat=True))
        assert feed.matched + feed.ambiguous + feed.unmatched == feed.rows == sum(by_match.values()), feed.batch
        assert (feed.matched, feed.ambiguous, feed.unmatched) == (
            by_match["matched"],
            by_match["ambiguous"],
            by_match["unmatched"],
        )
        assert feed.received_at.date() <= today
    assert sum(f.unmatched for f in feeds) > 0 and sum(f.ambiguous for f in feeds) > 0

    # A death the registry holds is in the 公安 feed, matched, on the registry's date.
    deaths = FeedRecord.objects.unscoped().filter(feed__source__code="police_death", match="matched")
    reported = dict(deaths.values_list("person_id", "on"))
    assert deceased_before and all(reported[pk] == day for pk, day in deceased_before.items())
    # The payees who died last month wait for a second user's confirmation: still living, benefit still running.
    pending = ChangeRequest.objects.unscoped().filter(status=ChangeRequest.Status.PENDING)
    assert pending.count() >= 1
    for request in pending:
        assert request.person.status == "living"
        died = reported[request.person_id]
        assert died == dt.date.fromisoformat(request.changes["status_date"])
        assert died is not None and month_of(died) == add_months(month_of(today), -1)

    # Every household on assistance has a 授权书 in force that every living member passes.
    assert set(Authorisation.objects.unscoped().values_list("household_id", flat=True)) == households
    for household in Household.objects.unscoped().filter(pk__in=households):
        for person in members_on(household, today):
            assert authorisation_for(person=person, on=today).household_id == household.pk

    # The last complete month's check is done, with findings, some of them bringing a review forward.
    check = MonthlyCheck.objects.get()
    assert (check.month, check.status) == (add_months(month_of(today), -1), MonthlyCheck.Status.DONE)
    findings = Finding.objects.unscoped()
    assert check.findings == findings.count() > 0
    assert findings.filter(outcome=Finding.Outcome.REVIEW).exists() and check.reviews > 0
    reviewed = Counter(findings.filter(outcome=Finding.Outcome.REVIEW).values_list("household_id", "kind"))
    assert max(reviewed.values()) <= 3  # a few findings on a household, not one household found over and over

    # 核对 at every stage.
    verifications = Verification.objects.unscoped()
    stages = Counter(
        (v.status, v.conclusion, v.recheck_of_id is not None) for v in verifications.filter(recheck_of__isnull=True)
    )
    counties = len({v.area_code[:6] for v in verifications})
    assert counties >= 2
    assert stages == {
        ("submitted", "", False): counties,
        ("refused", "", False): counties,
        ("dispatched", "", False): counties,
        ("reported", "consistent", False): counties,
        ("reported", "doubtful", False): counties,
        ("reported", "inconsistent", False): 2 * counties,  # one objected to
    }
    rechecks = verifications.filter(recheck_of__isnull=False)
    assert rechecks.count() == counties
    assert {(v.status, v.recheck_of.conclusion if v.recheck_of else "") for v in rechecks} == {
        ("dispatched", "inconsistent")
    }
    waiting = VerificationQuery.objects.filter(status=VerificationQuery.Status.WAITING)
    assert set(waiting.values_list("source__code", flat=True)) == {"financial_asset"}
    assert waiting.count() == 2 * counties  # the dispatched requests and the re-checks wait for the bank
    assert verifications.filter(refusal=demo.RETURNED).count() == counties
    assert verifications.filter(client__name=demo.HOUSING, purpose="housing").exists()

    # A second run adds nothing.
    assert demo.demo_step(SCALE, 7, lambda text: None) is None
    assert Feed.objects.unscoped().count() == len(feeds)
