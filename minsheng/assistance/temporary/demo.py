"""Temporary-assistance history (临时救助) of the demo city: the last complete half-year at the published volume, and
the months since at the same pace.

Suqian reported 14.58 million yuan of temporary assistance paid to 16,400 people in the first half of 2023 (BRIEF.md);
the demo pays that in the last complete half-year (``core.months.last_complete_half``, the period the payroll history
starts with, ``payments/demo.py``). At ``scale`` it helps ``round(16,400 × scale)`` persons there, one paid case each,
and pays exactly ``14.58 million yuan × persons / 16,400`` (rounded to the yuan) in all. From the half-year's end to
``TAIL_GAP_DAYS`` before today the same pace goes on (persons in proportion to the days), so the present is alive.

Who: heads of living households, those the bureau knows (with an economic status) first, in a seeded order. Each
case runs on its own one-window application and item (item 6 急难型 or 7 支出型), dated on a day of the half year and
granted (its own items, apart from the intake demo's history).

How (DOMAIN §3): ``TOWNSHIP_SHARE`` of the cases are 急难型 paid first by the township within its cap
(``linshi.township_cap`` of the area on the day; amounts from ¥200 to the cap in steps of ¥10), their papers
completed within ``linshi.papers_deadline`` working days. The rest is decided by the county: 支出型 cases
(``EXPENSE_SHARE`` of all, at least ¥200) and 急难型 cases above the cap (at least ¥10 above it); the last case is
always the county's. They share what remains of the total, weighted by a seeded draw, in whole yuan; the last one
takes the rounding. The county decides and pays ``COUNTY_WORKING_DAYS`` after the application, and its cases are
applied for early enough that every payment falls inside the half year (the statistics count by the month of
payment). The cases are completed and carry no open prompt.

Written with ``bulk_create``; skipped when any temporary-assistance case exists in the half-year.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from minsheng.assistance.means.models import EconomicStatus
from minsheng.assistance.rules.models import Parameter
from minsheng.assistance.rules.selectors import most_specific
from minsheng.assistance.temporary.models import TEMPORARY_ITEMS, TemporaryAid
from minsheng.catalog.models import Item
from minsheng.core.months import first_day_of_next_month, last_complete_half
from minsheng.core.numbers import parse_int
from minsheng.core.templatetags.money import yuan
from minsheng.intake.demo import history_account
from minsheng.intake.models import Application, Channel, ItemCase
from minsheng.intake.services import handling_area
from minsheng.people.models import Membership, Person
from minsheng.workdays.services import Calendar

# The months after the half-year run to this many days before today, so that every paper is complete by today.
TAIL_GAP_DAYS = 21
PERSONS_AT_SCALE_1 = 16_400
PAID_FEN_AT_SCALE_1 = 1_458_000_000  # 14.58 million yuan
TOWNSHIP_SHARE = 0.72  # 急难型 paid first within the township cap
EXPENSE_SHARE = 0.2  # 支出型, decided by the county; the rest is 急难型 above the cap
TOWNSHIP_FROM_FEN = 20_000
COUNTY_WORKING_DAYS = (3, 10)  # from the application to the county's decision and payment

URGENT_EVENTS = (
    "家中突发火灾，衣物和生活用品损毁",
    "遭遇交通事故，急需支付医疗费用",
    "突发重病住院，无力支付住院押金",
    "家庭主要劳动力意外死亡，生活陷入困境",
    "暴雨导致房屋受损，需临时安置",
)
EXPENSE_EVENTS = (
    "大病医疗自付费用超过家庭承受能力",
    "长期慢性病医疗支出较大，基本生活困难",
    "子女就学支出较大，基本生活出现困难",
)
COUNTY_REASON = "经入户调查和审核，符合临时救助条件，予以救助。"


@dataclass
class TemporaryHistoryCounts:
    """The calibrated half-year's persons and money, and the months since."""

    persons: int = 0
    paid_fen: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    period: tuple[dt.date, dt.date] | None = None
    since_persons: int = 0
    since_fen: int = 0


@dataclass
class _Plan:
    person_id: int
    household_id: int
    village: str
    day: dt.date
    cap: Parameter
    kind: str
    township: bool
    amount_fen: int
    weight: float = 0.0


def wanted(scale: float) -> tuple[int, int]:
    """(persons, fen) at ``scale``: the published half year, the money in proportion to the persons, whole yuan."""
    persons = round(PERSONS_AT_SCALE_1 * scale)
    return persons, fen_for(persons)


def fen_for(persons: int) -> int:
    return round(PAID_FEN_AT_SCALE_1 * persons / PERSONS_AT_SCALE_1 / 100) * 100


def _candidates(count: int, seed: str) -> list[tuple[int, int, str]]:
    """(person, household, village) of ``count`` heads of living households, known households first, seeded order."""
    if count <= 0:
        return []
    q = connection.ops.quote_name
    membership, person, status = (q(m._meta.db_table) for m in (Membership, Person, EconomicStatus))
    salt = random.Random(f"{seed}:temporary").randrange(1, 1_000_003)
    sql = f"""
        SELECT m.person_id, m.household_id, p.hukou_area_id
        FROM {membership} m JOIN {person} p ON p.id = m.person_id
        WHERE m.relation = 'head' AND m.left_on IS NULL AND p.status = 'living'
        ORDER BY CASE WHEN EXISTS (SELECT 1 FROM {status} e WHERE e.household_id = m.household_id) THEN 0 ELSE 1 END,
            (m.household_id * 7919 + %s) %% 1000003, m.household_id
        LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [salt, count])
        return [(int(a), int(b), str(c)) for a, b, c in cursor.fetchall()]


def _aware(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _receipts(start: dt.date, end: dt.date) -> dict[str, int]:
    """The last receipt sequence used per county and day from ``start`` to ``end``."""
    last: dict[str, int] = defaultdict(int)
    # unscoped: demo city built by the system: receipt numbers are unique across the city
    numbers = Application.objects.unscoped().filter(
        submitted_at__gte=_aware(start - dt.timedelta(days=1), 0),
        submitted_at__lt=_aware(end + dt.timedelta(days=2), 0),
    )
    for number in numbers.values_list("receipt_number", flat=True):
        prefix, sequence = number[:14], number[14:]
        value = parse_int(sequence, minimum=0)
        if value is not None:
            last[prefix] = max(last[prefix], value)
    return last


def _split(total_fen: int, weights: list[float]) -> list[int]:
    """``total_fen`` shared by ``weights`` in whole yuan; the last share takes the rounding."""
    if not weights:
        return []
    whole = sum(weights)
    shares = [int(total_fen * w / whole) // 100 * 100 for w in weights]
    shares[-1] += total_fen - sum(shares)
    return shares


def half_year(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and the last day of the calibrated half-year."""
    first, last = last_complete_half(today)
    return first, first_day_of_next_month(last) - dt.timedelta(days=1)


@transaction.atomic
def demo_temporary_history(*, scale: float, seed: int, today: dt.date | None = None) -> TemporaryHistoryCounts:
    """Paid temporary-assistance cases: the last complete half-year at ``scale`` of the published volume, then the
    days since at the same pace."""
    today = today or timezone.localdate()
    start, end = half_year(today)
    counts = TemporaryHistoryCounts(period=(start, end))
    # unscoped: demo city built by the system: the half year is generated once over the whole city
    if (
        TemporaryAid.objects.unscoped()
        .filter(created_at__gte=_aware(start, 0))
        .filter(created_at__lt=_aware(end + dt.timedelta(days=1), 0))
        .exists()
    ):
        return counts
    persons, _fen = wanted(scale)
    aids = _history(start, end, persons, f"{seed}", today)
    counts.persons = len(aids)
    counts.paid_fen = sum(aid.paid_fen for aid in aids)
    for aid in aids:
        counts.by_kind[aid.kind] = counts.by_kind.get(aid.kind, 0) + 1
    since_end = today - dt.timedelta(days=TAIL_GAP_DAYS)
    if counts.persons and since_end > end:
        since = round(persons * (since_end - end).days / ((end - start).days + 1))
        later = _history(end + dt.timedelta(days=1), since_end, since, f"{seed}:since", today)
        counts.since_persons, counts.since_fen = len(later), sum(aid.paid_fen for aid in later)
    return counts


def _history(start: dt.date, end: dt.date, persons: int, seed: str, today: dt.date) -> list[TemporaryAid]:
    """``persons`` paid cases from ``start`` to ``end`` sharing ``fen_for(persons)`` (see the module's docstring)."""
    chosen = _candidates(persons, seed)
    if not chosen:
        return []
    total_fen = fen_for(len(chosen))
    rng = random.Random(f"{seed}:temporary:cases")
    recorder = history_account()
    calendar = Calendar()
    items = {
        kind: Item.objects.prefetch_related("owners").get(number=number) for number, kind in TEMPORARY_ITEMS.items()
    }
    lead = {kind: sorted(item.owners.all(), key=lambda d: (d.sort_order, d.code))[0].pk for kind, item in items.items()}
    caps = list(Parameter.objects.filter(key="linshi.township_cap"))
    deadlines = list(Parameter.objects.filter(key="linshi.papers_deadline"))

    def rule(rows: list[Parameter], area: str, day: dt.date) -> Parameter:
        valid = [r for r in rows if r.valid_from <= day and (r.valid_to is None or r.valid_to >= day)]
        row = most_specific(valid, area)
        if row is None:
            raise ValueError(f"no temporary-assistance rule for {area} on {day}: load the rules first")
        return row

    days = (end - start).days
    # The county decides (and pays) within COUNTY_WORKING_DAYS of the application; its cases are applied for early
    # enough that the decision and the payment fall inside the half year.
    county_last = end
    while calendar.add_working_days(county_last, COUNTY_WORKING_DAYS[1]) > end:
        county_last -= dt.timedelta(days=1)
    plans: list[_Plan] = []
    for person_id, household_id, village in chosen:
        day = start + dt.timedelta(days=rng.randint(0, days))
        draw = rng.random()
        township = draw < TOWNSHIP_SHARE and len(plans) < len(chosen) - 1  # the last case is the county's, see below
        if not township and day > county_last:
            day = start + dt.timedelta(days=rng.randint(0, (county_last - start).days))
        cap = rule(caps, village, day)
        plan = _Plan(person_id, household_id, village, day, cap, TemporaryAid.Kind.URGENT, False, 0)
        if township:
            plan.township = True
            top = max(int(cap.value), TOWNSHIP_FROM_FEN)
            plan.amount_fen = rng.randrange(TOWNSHIP_FROM_FEN, top + 1, 1_000) if top > TOWNSHIP_FROM_FEN else top
        elif draw < TOWNSHIP_SHARE + EXPENSE_SHARE:
            plan.kind, plan.amount_fen, plan.weight = TemporaryAid.Kind.EXPENSE, TOWNSHIP_FROM_FEN, rng.uniform(0.5, 3)
        else:  # 急难型 above the cap: at least ¥10 more
            plan.amount_fen, plan.weight = int(cap.value) + 1_000, rng.uniform(1, 2)
        plans.append(plan)
    # The county's cases share what the township's and their own least amounts leave, so the total is exact.
    rest = total_fen - sum(plan.amount_fen for plan in plans)
    if rest < 0:
        raise ValueError(f"{len(plans)} persons are too few to share ¥{total_fen // 100} by the demo's rule")
    county = [plan for plan in plans if not plan.township]
    for plan, share in zip(county, _split(rest, [plan.weight for plan in county]), strict=True):
        plan.amount_fen += share

    sequences = _receipts(start, end)
    applications, cases, aids = [], [], []
    with translation.override("zh-hans"):
        for plan in plans:
            village, day, kind, township, amount = plan.village, plan.day, plan.kind, plan.township, plan.amount_fen
            prefix = f"{village[:6]}{day:%Y%m%d}"
            sequences[prefix] += 1
            submitted = _aware(day, rng.randint(8, 16))
            channel = rng.choices([Channel.TOWNSHIP, Channel.VILLAGE], [0.7, 0.3])[0]
            applications.append(
                Application(
                    receipt_number=f"{prefix}{sequences[prefix]:05d}",
                    area_code=village,
                    person_id=plan.person_id,
                    channel=channel,
                    on_behalf=channel == Channel.VILLAGE,
                    recorded_by=recorder,
                    submitted_at=submitted,
                )
            )
            papers_due = None
            completed = None
            if township:
                deadline = int(rule(deadlines, village, day).value)
                papers_due = calendar.add_working_days(day, deadline)
                completed_on = min(calendar.add_working_days(day, rng.randint(1, max(deadline, 1))), today)
                completed = _aware(completed_on, rng.randint(9, 17))
                decided_at, paid_at = completed, submitted
                reason = _("Paid first ¥%(amount)s; the papers are complete.") % {"amount": yuan(amount)}
            else:
                decided_on = calendar.add_working_days(day, rng.randint(*COUNTY_WORKING_DAYS))
                decided_at = _aware(decided_on, rng.randint(9, 17))
                paid_at = decided_at
                reason = _("Granted ¥%(amount)s. %(reason)s") % {"amount": yuan(amount), "reason": COUNTY_REASON}
            item = items[kind]
            cases.append(
                ItemCase(
                    item=item,
                    department_id=lead[kind],
                    area_code=village,
                    handling_area_code=handling_area(village, item.deciding_level),
                    status=ItemCase.Status.GRANTED,
                    accepted_on=day,
                    decided_at=decided_at,
                    decided_by=recorder,
                    decision_reason=reason,
                )
            )
            events = URGENT_EVENTS if kind == TemporaryAid.Kind.URGENT else EXPENSE_EVENTS
            aids.append(
                TemporaryAid(
                    kind=kind,
                    person_id=plan.person_id,
                    household_id=plan.household_id,
                    area_code=village,
                    event=rng.choice(events),
                    requested_fen=amount,
                    township_cap_fen=int(plan.cap.value),
                    cap_parameter=plan.cap,
                    status=TemporaryAid.Status.COMPLETED,
                    paid_fen=amount,
                    paid_at=paid_at,
                    paid_by=recorder,
                    papers_due=papers_due,
                    papers_completed_at=completed,
                    decided_fen=None if township else amount,
                    decided_by=None if township else recorder,
                    decided_at=None if township else decided_at,
                    decision_reason="" if township else COUNTY_REASON,
                    created_by=recorder,
                    created_at=submitted,
                )
            )
    Application.objects.bulk_create(applications, batch_size=2000)
    for application, case in zip(applications, cases, strict=True):
        case.application = application
    ItemCase.objects.bulk_create(cases, batch_size=2000)
    for case, aid in zip(cases, aids, strict=True):
        aid.item_case = case
    TemporaryAid.objects.bulk_create(aids, batch_size=2000)
    return aids
