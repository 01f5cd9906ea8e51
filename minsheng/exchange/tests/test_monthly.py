"""The monthly bulk verification: findings from the feeds since the last check, the programmes' thresholds bringing a
running benefit's review forward, the to-do list, idempotence, the command and the task."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.roles import Role
from minsheng.assistance.benefits.models import Benefit
from minsheng.audit.models import AuditEvent
from minsheng.core.modules import modules
from minsheng.core.months import month_of
from minsheng.exchange.models import Finding, MonthlyCheck
from minsheng.exchange.services import feed_upload, finding_close, monthly_check_start
from minsheng.exchange.tests.factories import OFFICER, csv_of, family, source, upload_contributions
from minsheng.payments.tests.factories import enrol
from minsheng.testing import PASSWORD, Personas, make_household, make_person


def _vehicle(p: Personas, person: Any, batch: str = "JG-1") -> None:
    content = csv_of(
        ["id_number", "name", "plate", "kind", "registered_on"],
        [person.id_number, person.name, "苏N0001", "car", "2026-09-01"],
    )
    feed_upload(actor=p[OFFICER], source=source("vehicle"), batch=batch, content=content, filename="v.csv")


def _assets(p: Personas, person: Any, yuan: str) -> None:
    content = csv_of(
        ["id_number", "name", "institution", "kind", "as_of", "balance"],
        [person.id_number, person.name, "某银行", "deposit", "2026-10-31", yuan],
    )
    feed_upload(actor=p[OFFICER], source=source("financial_asset"), batch="YH-1", content=content, filename="b.csv")


def _due(user: Any) -> tuple[int, list[Any]]:
    work = next(w for m in modules() for w in m.due_work if w.key == "verification_finding")
    today = timezone.localdate()
    return work.count(user, today), work.items(user, today, 10, None)


def test_findings_bring_a_running_benefits_review_forward_and_reach_the_to_do_list(personas: Personas) -> None:
    p = personas
    household, head, spouse, _ = family(p)
    benefit = enrol(head, "dibao", 156_000, first_month=dt.date(2026, 6, 1))
    other = make_person(p.village, "吴九")
    make_household(p.village, other)
    _vehicle(p, spouse)
    upload_contributions(p, [(head, "1000"), (other, "9000")])  # 1,000 yuan: below the 1,500 yuan threshold
    _assets(p, other, "80000")
    month = month_of(timezone.localdate())

    check = monthly_check_start(actor=None, month=month)

    # 吴九's household receives nothing: the check writes no finding about it (the records stay in the feeds).
    assert (check.status, check.findings, check.households, check.reviews) == ("done", 2, 1, 1)
    findings = Finding.objects.unscoped().order_by("person__name", "kind")
    assert [(f.person.name, f.kind, f.outcome, f.amount_fen, f.area_code) for f in findings] == [
        ("林二", "vehicle", "review", None, p.village.code),
        ("陈一", "income", "below", 100_000, p.village.code),
    ]
    assert Benefit.objects.unscoped().get(pk=benefit.pk).next_review_on == timezone.localdate()
    event = AuditEvent.objects.unscoped().get(action="assistance.benefit_review_brought_forward")
    assert event.after == {"next_review_on": timezone.localdate().isoformat(), "findings": ["vehicle"]}

    reviewer = p[Role.TOWNSHIP_REVIEWER]
    count, items = _due(reviewer)
    assert count == 1 and items[0].subject == f"{household.number} 林二 {spouse.id_masked}"
    assert _due(p.outsider(Role.TOWNSHIP_REVIEWER))[0] == 0
    finding_close(actor=reviewer, finding=findings[0], note="车辆已出售，复核仍符合")
    assert _due(reviewer)[0] == 0


def test_a_check_runs_once_a_month_and_the_next_sees_only_newer_feeds(personas: Personas) -> None:
    p = personas
    _, head, spouse, _ = family(p)
    enrol(head, "dibao", 156_000, first_month=dt.date(2026, 6, 1))
    _vehicle(p, spouse)
    last = month_of(timezone.localdate() - dt.timedelta(days=40))
    first = monthly_check_start(actor=None, month=last)
    again = monthly_check_start(actor=None, month=last)
    assert (again.pk, again.findings, Finding.objects.unscoped().count()) == (first.pk, 1, 1)

    now = monthly_check_start(actor=None, month=month_of(timezone.localdate()))
    assert (now.status, now.findings) == ("done", 0)
    _vehicle(p, head, batch="JG-2")
    out = io.StringIO()
    call_command("exchange_monthly_check", "--month", f"{timezone.localdate():%Y-%m}", stdout=out)
    assert "0 findings" in out.getvalue()  # the month is done: a new feed waits for next month's check


def test_the_officer_starts_the_check_on_its_page_and_it_runs_as_a_task(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    p = personas
    web = Client()
    web.login(username=p[OFFICER].username, password=PASSWORD)
    month = f"{timezone.localdate():%Y-%m}"
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post(reverse("exchange:check_start"), {"month": month})
    assert response.status_code == 302
    check = MonthlyCheck.objects.get()
    assert (check.status, check.started_by) == ("done", p[OFFICER])
    page = web.get(reverse("exchange:check_list")).content.decode()
    assert f"{timezone.localdate():%Y-%m}" in page
    assert web.post(reverse("exchange:check_start"), {"month": "2099-01"}).status_code == 302
    assert MonthlyCheck.objects.count() == 1
