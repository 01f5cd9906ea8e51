"""A year of one-window history for the demo city: consultations and applications at the published volumes.

Suqian reported 78,100 consultations and 33,100 applications handled in a year (BRIEF.md); at ``scale`` the demo
makes that many times ``scale``, spread over the past 365 days and over the villages' windows, with realistic
outcomes: most old items decided (mostly granted), a few overdue, recent ones in progress or waiting for
materials. Some departments are late (``LATE_DEPARTMENTS`` of them, seeded): they decide ``LATE_SHARE`` of their items
a few working days after the deadline and leave more of them overdue, so the on-time table has something to say.
Written with ``bulk_create``; skipped when any application exists already.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from minsheng.accounts.models import User
from minsheng.areas.models import Division
from minsheng.catalog.models import Item
from minsheng.intake.models import Application, Channel, Consultation, ItemCase
from minsheng.intake.services import handling_area
from minsheng.people.models import Person
from minsheng.workdays.services import Calendar

CONSULTATIONS_AT_SCALE_1 = 78_100
APPLICATIONS_AT_SCALE_1 = 33_100
HISTORY_ACCOUNT = "history"
LATE_DEPARTMENTS = 3  # of the departments that lead an item
LATE_SHARE = 0.3  # of a late department's decided items, decided after the deadline (others: 2 %)
LATE_OPEN = 0.08  # of a late department's items past their deadline, still undecided (others: 3 %)


@dataclass
class HistoryCounts:
    consultations: int = 0
    applications: int = 0
    cases: int = 0
    overdue: int = 0


def history_account() -> User:
    """The inactive account the demo's histories (one window, temporary assistance) are recorded by."""
    city = Division.objects.all().get(code="321300000000")
    user, _created = User.objects.get_or_create(
        username=HISTORY_ACCOUNT,
        defaults={"display_name": "历史数据（演示）", "home_area": city, "is_active": False},
    )
    return user


def _lead(item: Item) -> int:
    owners = sorted(item.owners.all(), key=lambda d: (d.sort_order, d.code))
    return owners[0].pk


@transaction.atomic
def demo_history(*, scale: float, seed: int, today: dt.date | None = None) -> HistoryCounts:
    counts = HistoryCounts()
    # unscoped: demo city built by the system: the generator reads the whole registry and catalogue
    if Application.objects.unscoped().exists():
        return counts
    today = today or timezone.localdate()
    rng = random.Random(f"history:{seed}")
    recorder = history_account()
    items = list(Item.objects.filter(active=True).prefetch_related("owners"))
    # 民政's items are asked for most; the others share the rest.
    weights = [8 if item.number <= 13 else 1 for item in items]
    lead = {item.pk: _lead(item) for item in items}
    # unscoped: demo city built by the system: applicants drawn from the whole registry
    person_ids = list(Person.objects.unscoped().filter(status="living").values_list("pk", "hukou_area_id"))
    if not person_ids:
        return counts
    villages = sorted({area for _pk, area in person_ids})
    calendar = Calendar()

    consultations = []
    for _ in range(round(CONSULTATIONS_AT_SCALE_1 * scale)):
        village = rng.choice(villages)
        level = rng.choices(["village", "township", "county"], [0.5, 0.4, 0.1])[0]
        area = {"village": village, "township": village[:9] + "000", "county": village[:6] + "000000"}[level]
        outcome = rng.choices(["answered", "applied", "referred"], [0.6, 0.3, 0.1])[0]
        item = rng.choices(items, weights)[0]
        consultations.append(
            Consultation(
                area_code=area,
                channel=Channel(level).value,
                topic=f"咨询：{item.name}",
                outcome=outcome,
                referred_to_id=lead[item.pk] if outcome == "referred" else None,
                recorded_by=recorder,
                recorded_at=timezone.make_aware(
                    dt.datetime.combine(today - dt.timedelta(days=rng.randint(0, 364)), dt.time(rng.randint(8, 17)))
                ),
            )
        )
    Consultation.objects.bulk_create(consultations, batch_size=2000)
    counts.consultations = len(consultations)

    sequences: dict[str, int] = {}
    applications: list[Application] = []
    plans: list[tuple[dt.date, list[Item]]] = []
    for _ in range(round(APPLICATIONS_AT_SCALE_1 * scale)):
        person_pk, area = rng.choice(person_ids)
        day = today - dt.timedelta(days=rng.randint(0, 364))
        prefix = f"{area[:6]}{day:%Y%m%d}"
        sequences[prefix] = sequences.get(prefix, 0) + 1
        chosen = list({item.pk: item for item in rng.choices(items, weights, k=rng.choice([1, 1, 1, 2, 3]))}.values())
        channel = rng.choices(
            [Channel.VILLAGE, Channel.TOWNSHIP, Channel.COUNTY, Channel.ONLINE], [0.45, 0.35, 0.05, 0.15]
        )[0]
        applications.append(
            Application(
                receipt_number=f"{prefix}{sequences[prefix]:05d}",
                area_code=area,
                person_id=person_pk,
                channel=channel,
                on_behalf=channel == Channel.VILLAGE,
                recorded_by=None if channel == Channel.ONLINE else recorder,
                submitted_at=timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(8, 17)))),
            )
        )
        plans.append((day, chosen))
    Application.objects.bulk_create(applications, batch_size=2000)
    counts.applications = len(applications)

    remind_after = settings.MATERIALS_REMINDER_WORKING_DAYS
    late = set(rng.sample(sorted(set(lead.values())), min(LATE_DEPARTMENTS, len(set(lead.values())))))
    cases = []
    for application, (day, chosen) in zip(applications, plans, strict=True):
        for item in chosen:
            deadline = calendar.add_working_days(day, item.time_limit_days)
            slow = lead[item.pk] in late
            decided_on = deadline
            if rng.random() < (LATE_SHARE if slow else 0.02):
                decided_on = calendar.add_working_days(deadline, rng.randint(1, 10))
            roll = rng.random()
            if decided_on < today and roll < 1 - (LATE_OPEN if slow else 0.03):
                status = ItemCase.Status.GRANTED if rng.random() < 0.85 else ItemCase.Status.REFUSED
            elif roll < 0.1:
                status = ItemCase.Status.WAITING_MATERIALS
            else:
                status = ItemCase.Status.ACCEPTED
            waiting = status == ItemCase.Status.WAITING_MATERIALS
            decided = status in {ItemCase.Status.GRANTED, ItemCase.Status.REFUSED}
            # History: a pause long enough was reminded on its day (the nightly job reminds new pauses only).
            remind_on = calendar.add_working_days(day, remind_after) if waiting else None
            counts.overdue += int(status == ItemCase.Status.ACCEPTED and deadline < today)
            cases.append(
                ItemCase(
                    application=application,
                    item=item,
                    department_id=lead[item.pk],
                    area_code=application.area_code,
                    handling_area_code=handling_area(application.area_code, item.deciding_level),
                    status=status,
                    materials=list(item.materials),
                    missing_materials=list(item.materials[-1:]) if waiting else [],
                    waiting_since=day if waiting else None,
                    reminded_on=remind_on if remind_on is not None and remind_on <= today else None,
                    accepted_on=day,
                    clock_started_on=None if waiting else day,
                    deadline=None if waiting else deadline,
                    decided_at=timezone.make_aware(dt.datetime.combine(decided_on, dt.time(16))) if decided else None,
                    decision_reason=(
                        "符合条件，予以批准" if status == ItemCase.Status.GRANTED else "家庭收入超过标准，不予批准"
                    )
                    if decided
                    else "",
                )
            )
    ItemCase.objects.bulk_create(cases, batch_size=2000)
    counts.cases = len(cases)
    return counts


def demo_step(scale: float, seed: int, say: Callable[[str], None]) -> str:
    """The one window's part of ``manage.py demo_city``: a year of consultations and applications."""
    history = demo_history(scale=scale, seed=seed)
    return (
        f"one window: {history.consultations:,} consultations, {history.applications:,} applications "
        f"({history.cases:,} items, {history.overdue:,} overdue) over the past year"
    )
