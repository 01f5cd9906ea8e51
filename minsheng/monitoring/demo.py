"""Proactive discovery's part of the demo city: a year of the departments' signals, the warnings they raised month by
month, and their outcomes — most handled, some awaiting the township, some still to visit, some overdue — and the
一户一档 of the low-income population.

- **Signals.** For the twelve complete months before this one and this month to yesterday, one batch a month of each
  of the seven signal sources (``SOURCES``: 卫健委's serious illnesses, 应急管理局's fires and disasters, the
  utilities' arrears, 12345 calls about assistance, 教育局's dropouts, 农业农村局's 防返贫 list and 总工会's 困难职工),
  received on the month's last day (this month's: yesterday) and written by the exchange's own ``write_records``
  (IDs encrypted a chunk at a time with their blind index, then matched to the registry in two UPDATEs). Each source
  has a monthly rate per 10,000 living residents and an age range, and a share of its persons drawn from households
  with a running benefit (``low_share``: the signals concentrate on low-income households); a person appears at most
  once a year in a source; one row in a hundred is an ID the registry does not hold. A few signals of the last three
  months concern the demo accounts' village, so the village worker has warnings to visit.
- **Warnings.** ``alerts_raise`` month by month over that month's feeds (``on``: the month's last day, this month's:
  yesterday) with the feed rules in force — so the exchange demo's feeds (deaths, medical bills) raise theirs too —
  and the object rules once, on the last complete month's last day (they read the programmes' data now).
- **Outcomes**, set-based and seeded (``_fate``): a visit within the deadline mostly (``LATE_SHARE`` after it, and
  then escalated the day after the deadline), the township's confirmation one to five working days later; a visit or
  confirmation that would fall on or after today has not happened, so recent warnings are open or awaiting the
  township; ``NEGLECTED_SHARE`` were never visited (open past their deadline, escalated by ``alerts_escalate`` on the
  day after it). The outcome mix is the rule's (``OUTCOMES``): apply on the person's behalf, refer, close with
  reasons. One ``Visit`` per handled warning (``client_uuid`` unique, checked in on the visit day, no photos).
  Applications on behalf: a sample of open warnings of the last weeks (``SAMPLE_MIN`` to ``SAMPLE_MAX``) is visited
  yesterday and received today through ``visit_receive`` (which applies through
  ``intake.services.application_submit(on_behalf=True)``; the township has not confirmed them yet); the others are
  bulk-written one-window applications (帮办代办, ``on_behalf``) dated on their visit day, decided when their
  deadline has passed (mostly granted).
- **Object rules.** They read the programmes' data now, so most of their warnings (raised on the last complete
  month's last day) are still to visit.
- **一户一档.** ``population_refresh`` after the first month's feeds, after each quarter's and today, so the history
  has the households joining the 防返贫 and 困难职工 lists through the year (the programmes' groups are those of now).

No audit events for the bulk part (the relief and window histories write none either); the sample through the
services is audited as any visit. Skipped when a feed of the seven sources exists, so a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from minsheng.accounts.models import RoleAssignment, User
from minsheng.areas.models import Division
from minsheng.assistance.benefits.models import Benefit
from minsheng.catalog.models import Item
from minsheng.core.months import add_months, first_day_of_next_month, month_of
from minsheng.core.roles import Role
from minsheng.exchange.feeds import Checked, CheckedRow, write_records
from minsheng.exchange.layouts import layout_for
from minsheng.exchange.models import DataSource, Feed
from minsheng.intake.demo import history_account
from minsheng.intake.models import Application, Channel, ItemCase
from minsheng.intake.services import handling_area
from minsheng.monitoring.models import Alert, Visit, WarningRule
from minsheng.monitoring.services import (
    VisitData,
    alerts_escalate,
    alerts_raise,
    population_refresh,
    rules_in_force,
    visit_receive,
)
from minsheng.people.idnumbers import synthesize_id_number
from minsheng.people.models import Membership, Person
from minsheng.workdays.services import Calendar

CITY = "321300000000"
DEMO_COUNTY = "321302000000"  # 宿城区: the demo accounts' county (minsheng.demo.accounts)
MONTHS = 12  # complete months before this one
PRIME = 1_000_003
UNMATCHED_EVERY = 100  # one row in this many is an ID the registry does not hold
DEMO_VILLAGE_SIGNALS = 1  # a month and source, in the last three months, in the demo accounts' village
VILLAGE_SOURCES = ("hotline_12345", "utility_arrears", "serious_illness")
LATE_SHARE = 0.12  # of the visits: after the deadline
NEGLECTED_SHARE = 0.06  # of the warnings: never visited
BACKLOG_SHARE = 0.03  # of the visited warnings: the township has not confirmed
SAMPLE_MAX = 30  # warnings visited yesterday through the services (their applications through application_submit)
SAMPLE_MIN = 4
RUNNING = (Benefit.Status.ACTIVE, Benefit.Status.TAPERING)


@dataclass(frozen=True)
class Source:
    """A signal source: its rate a month per 10,000 living residents, the share of its persons drawn from households
    with a running benefit, the ages it concerns, its batch prefix, and how a record's values are made."""

    code: str
    per_10k: float
    low_share: float
    ages: tuple[int, int]
    prefix: str
    values: Callable[[random.Random, dt.date, int], dict[str, Any]]


DIAGNOSES = (
    ("恶性肿瘤", 40),
    ("尿毒症（终末期肾病）", 12),
    ("脑卒中", 18),
    ("急性心肌梗死", 10),
    ("白血病", 5),
    ("重性精神障碍", 8),
    ("再生障碍性贫血", 2),
    ("耐多药肺结核", 5),
)
EVENTS = (("fire", 45), ("flood", 22), ("storm", 15), ("accident", 12), ("earthquake", 1), ("other", 5))
HOTLINE = (
    "咨询低保申请条件和办理流程",
    "反映家庭生活困难，请求救助",
    "询问临时救助如何办理",
    "反映低保金本月未到账",
    "咨询医疗救助报销比例",
    "反映老人无人照料，生活困难",
    "咨询残疾人两项补贴申请",
)
SCHOOLS = ("初级中学", "实验学校", "中学", "职业技术学校")
SCHOOL_TOWNS = ("宿城", "洋河", "仓集", "龙河", "耿车", "埠子", "蔡集", "罗圩")


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


def _serious_illness(rng: random.Random, day: dt.date, n: int) -> dict[str, Any]:
    return {"diagnosis": _pick(rng, DIAGNOSES), "diagnosed_on": day.isoformat()}


def _disaster(rng: random.Random, day: dt.date, n: int) -> dict[str, Any]:
    values: dict[str, Any] = {"event": _pick(rng, EVENTS), "occurred_on": day.isoformat()}
    if rng.random() < 0.85:  # the loss is optional: not every report estimates it
        values["loss"] = rng.randrange(30, 2000) * 10_000
    return values


def _utility(rng: random.Random, day: dt.date, n: int) -> dict[str, Any]:
    utility = _pick(rng, (("electricity", 50), ("water", 30), ("gas", 20)))
    return {
        "utility": utility,
        "as_of": day.isoformat(),
        "owed": rng.randrange(150, 3000) * 100 + rng.randrange(100),
        "cut_off": "yes" if rng.random() < 0.35 else "no",
    }


def _hotline(rng: random.Random, day: dt.date, n: int) -> dict[str, Any]:
    return {"ticket": f"12345-{day:%Y%m%d}-{n:05d}", "called_on": day.isoformat(), "summary": rng.choice(HOTLINE)}


def _dropout(rng: random.Random, day: dt.date, n: int) -> dict[str, Any]:
    return {"school": f"宿迁市{rng.choice(SCHOOL_TOWNS)}{rng.choice(SCHOOLS)}", "left_on": day.isoformat()}


def _anti_poverty(rng: random.Random, day: dt.date, n: int) -> dict[str, Any]:
    category = _pick(rng, (("unstable", 45), ("edge", 35), ("sudden_hardship", 20)))
    return {"category": category, "identified_on": day.isoformat()}


def _union(rng: random.Random, day: dt.date, n: int) -> dict[str, Any]:
    return {"level": _pick(rng, (("deep", 30), ("relative", 70))), "registered_on": day.isoformat()}


# Rates: new cancers and the other serious illnesses about 25 a year per 10,000; fires and disasters reported to
# 应急管理局 with a person's loss; arrears the utilities report monthly (a third with supply cut off); 12345 calls
# about assistance; dropouts of 12–17-year-olds; new 防返贫 monitoring objects and new 困难职工 files.
SOURCES = (
    Source("serious_illness", 2.0, 0.15, (25, 90), "WJ-DB", _serious_illness),
    Source("disaster", 0.4, 0.10, (18, 85), "YJ-SZ", _disaster),
    Source("utility_arrears", 3.0, 0.25, (18, 90), "SDQ-QF", _utility),
    Source("hotline_12345", 1.2, 0.40, (18, 90), "RX-SJ", _hotline),
    Source("school_dropout", 0.15, 0.30, (12, 17), "JY-CX", _dropout),
    Source("anti_poverty", 0.6, 0.35, (18, 80), "NY-FFP", _anti_poverty),
    Source("union_hardship", 0.3, 0.20, (25, 59), "ZGH-KN", _union),
)

# The outcome of a visit by rule: weights of (applied, referred, closed), the catalogue items applied for (one of
# them), and to whom a warning is referred.
OUTCOMES: dict[str, tuple[tuple[int, int, int], tuple[int, ...], str]] = {
    "death": ((30, 20, 50), (20, 6), "县殡葬管理所"),
    "medical_large": ((45, 35, 20), (24, 7), "县医疗保障局"),
    "serious_illness": ((40, 35, 25), (24, 7), "县医疗保障局"),
    "unemployment": ((25, 45, 30), (37, 1), "县人力资源和社会保障局"),
    "disability_new": ((40, 30, 30), (8, 9), "县残疾人联合会"),
    "disaster": ((45, 35, 20), (41, 6), "县应急管理局"),
    "utility_cutoff": ((35, 25, 40), (54, 7), "供电公司、水务公司"),
    "hotline": ((40, 20, 40), (1, 6), "12345热线（已回复来电人）"),
    "school_dropout": ((30, 50, 20), (30, 31), "县教育局"),
    "anti_poverty": ((30, 40, 30), (53, 1), "县农业农村局"),
    "union_hardship": ((25, 50, 25), (48,), "县总工会"),
    "about_to_qualify": ((70, 5, 25), (1,), "乡镇社会救助窗口"),
    "about_to_leave": ((0, 30, 70), (), "乡镇社会救助窗口（渐退）"),
    "edge": ((55, 10, 35), (2,), "乡镇社会救助窗口"),
    "disability_doubt": ((0, 40, 60), (), "县残疾人联合会"),
    "verification_doubt": ((0, 60, 40), (), "县级核对机构（复查）"),
}
DEFAULT_OUTCOME = ((30, 30, 40), (6,), "乡镇社会救助窗口")
CLOSED = (
    "入户核实：家庭收入稳定，暂无救助需求",
    "入户核实：已享受相关救助，无需另行申请",
    "本人明确表示不申请救助，已告知政策",
    "有法定赡养人且赡养能力充足，告知政策后结案",
    "入户核实：情况已好转，继续常态化监测",
)
REFUSAL = "经核对，家庭经济状况超过标准，不予批准"
GRANT = "符合条件，予以批准"


@dataclass
class MonitoringDemoCounts:
    feeds: int = 0
    rows: int = 0
    matched: int = 0
    alerts: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    escalated: int = 0
    visits: int = 0
    applications: int = 0
    through_services: int = 0
    households: int = 0
    seconds: float = 0.0


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _moment(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


@dataclass(frozen=True)
class Month:
    first: dt.date
    last: dt.date  # the last day of its records (this month's: yesterday)
    received: dt.datetime
    days: int  # days in the whole month


def _months(today: dt.date) -> list[Month]:
    """The ``MONTHS`` complete months before this one and this month to yesterday (if it has begun)."""
    yesterday = today - dt.timedelta(days=1)
    out = []
    this = month_of(today)
    for n in range(-MONTHS, 1):
        first = add_months(this, n)
        end = first_day_of_next_month(first) - dt.timedelta(days=1)
        last = min(end, yesterday)
        if last < first:
            continue
        out.append(Month(first, last, _moment(last, 18), (end - first).days + 1))
    return out


@dataclass(frozen=True)
class Resident:
    id: int
    id_number: str
    name: str


def _years_ago(today: dt.date, years: int) -> dt.date:
    return dt.date(today.year - years, today.month, min(today.day, 28))


class _Population:
    """Who the signals may concern, read once: the living members of households with a running benefit and the
    demo accounts' village (with their birth dates), and the range of the registry's ids, from which the others are
    drawn at random and read by primary key (no scan of the registry per source)."""

    def __init__(self, today: dt.date, village: str) -> None:
        self.today = today
        p, m, b = _q(Person._meta.db_table), _q(Membership._meta.db_table), _q(Benefit._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT p.id, p.birth_date FROM {b} b "
                f"JOIN {m} m ON m.household_id = b.household_id AND m.left_on IS NULL "
                f"JOIN {p} p ON p.id = m.person_id WHERE b.status IN (%s, %s) AND p.status = 'living' ORDER BY p.id",
                list(RUNNING),
            )
            self.low = [(int(pk), _as_date(birth)) for pk, birth in cursor.fetchall()]
        self.low_ids = {pk for pk, _b in self.low}
        # unscoped: demo city built by the system: the village the demo accounts work in
        self.village = list(
            Person.objects.unscoped()
            .filter(hukou_area_id=village, status=Person.Status.LIVING)
            .order_by("pk")
            .values_list("pk", "birth_date")
            if village
            else []
        )
        # unscoped: demo city built by the system: the range of the registry's ids
        bounds = Person.objects.unscoped().aggregate(low=Min("pk"), high=Max("pk"))
        self.first, self.last = bounds["low"] or 0, bounds["high"] or 0

    def ages(self, source: Source) -> tuple[dt.date, dt.date]:
        """(born after, born on or before) for the source's ages."""
        youngest, oldest = source.ages
        return _years_ago(self.today, oldest + 1), _years_ago(self.today, youngest)

    def among(
        self, people: list[tuple[int, dt.date]], source: Source, count: int, taken: set[int], rng: random.Random
    ) -> list[int]:
        after, until = self.ages(source)
        fits = [pk for pk, birth in people if after < birth <= until and pk not in taken]
        return rng.sample(fits, min(count, len(fits)))

    def others(self, source: Source, count: int, taken: set[int], rng: random.Random) -> list[int]:
        """``count`` living persons of the source's ages outside the households with a benefit, by random ids."""
        after, until = self.ages(source)
        share = min(1.0, (source.ages[1] - source.ages[0] + 1) / 80)
        chosen: list[int] = []
        for _round in range(30):
            need = count - len(chosen)
            if need <= 0 or self.last <= self.first:
                break
            ids = {rng.randint(self.first, self.last) for _ in range(max(100, int(need * 2 / share)))}
            ids -= taken | self.low_ids
            ordered = sorted(ids)
            for start in range(0, len(ordered), 2000):
                chunk = ordered[start : start + 2000]
                found = (
                    # unscoped: demo city built by the system: persons drawn at random from the registry
                    Person.objects.unscoped()
                    .filter(pk__in=chunk, status=Person.Status.LIVING, birth_date__gt=after, birth_date__lte=until)
                    .values_list("pk", flat=True)
                )
                fresh = sorted(set(found) - taken)
                rng.shuffle(fresh)
                chosen += fresh[: count - len(chosen)]
                taken.update(fresh)
        return chosen


def _residents(ids: list[int]) -> list[Resident]:
    """The drawn persons' ID numbers and names, in the order drawn."""
    found: dict[int, Resident] = {}
    for start in range(0, len(ids), 2000):
        # unscoped: demo city built by the system: the persons the signals concern
        rows = Person.objects.unscoped().filter(pk__in=ids[start : start + 2000]).values_list("pk", "id_number", "name")
        found.update({pk: Resident(pk, number, name) for pk, number, name in rows})
    return [found[pk] for pk in ids if pk in found]


def _monthly_counts(source: Source, months: list[Month], residents: int, rng: random.Random) -> list[int]:
    """Rows a month at the source's rate (a partial month in proportion to its days), rounded at random."""
    counts = []
    for month in months:
        expected = source.per_10k * residents / 10_000 * ((month.last - month.first).days + 1) / month.days
        whole = int(expected)
        counts.append(whole + (1 if rng.random() < expected - whole else 0))
    return counts


class _Writer:
    def __init__(self, recorder: User, counts: MonitoringDemoCounts) -> None:
        self.recorder = recorder
        self.counts = counts
        self.sources = {s.code: s for s in DataSource.objects.filter(code__in=[s.code for s in SOURCES])}
        self.strangers = 0

    def stranger(self) -> Resident:
        """An ID number the registry does not hold (a resident of another province) and a name."""
        self.strangers += 1
        birth = dt.date(1950 + self.strangers % 50, 1 + self.strangers % 12, 1 + self.strangers % 28)
        number = synthesize_id_number(address_code="410102", birth_date=birth, sequence=self.strangers % 1000)
        return Resident(0, number, "赵" + "立明晓华"[self.strangers % 4] + "军")

    def write(self, source: Source, month: Month, persons: list[Resident], rng: random.Random) -> None:
        if not persons:
            return
        data_source = self.sources[source.code]
        layout = layout_for(source.code, data_source.layout_version)
        assert layout is not None
        share = len(persons) / UNMATCHED_EVERY
        strangers = int(share) + (1 if rng.random() < share - int(share) else 0)
        persons = persons + [self.stranger() for _ in range(strangers)]
        span = (month.last - month.first).days
        checked = Checked()
        digest = hashlib.sha256()
        for number, person in enumerate(persons, start=1):
            day = month.first + dt.timedelta(days=rng.randrange(span + 1))
            values = source.values(rng, day, number)
            checked.rows.append(
                CheckedRow(
                    row=number,
                    id_number=person.id_number,
                    name=person.name,
                    values=values,
                    on=day,
                    amount_fen=values.get(layout.amount) if layout.amount else None,
                )
            )
            digest.update(f"{person.id_number}|{person.name}|{sorted(values.items())}\n".encode())
        feed = Feed.objects.create(
            source=data_source,
            layout_version=layout.version,
            batch=f"{source.prefix}-{month.first:%Y%m}",
            digest=digest.hexdigest(),
            channel=Feed.Channel.FILE,
            submitted_by=self.recorder,
            area_code=CITY,
            received_at=month.received,
        )
        write_records(feed, checked)
        self.counts.feeds += 1
        self.counts.rows += feed.rows
        self.counts.matched += feed.matched


def _demo_village() -> str:
    """The demo accounts' village (``minsheng.demo.accounts``: the first village of 宿城区's first township)."""
    # A system job: the demo picks its areas from the whole table.
    township = Division.objects.all().filter(parent_id=DEMO_COUNTY, level="township").order_by("code").first()
    if township is None:
        return ""
    village = Division.objects.all().filter(parent=township, level="village").order_by("code").first()
    return village.code if village else ""


Planned = list[list[tuple[Source, list[Resident], random.Random]]]


def _plan(months: list[Month], today: dt.date, seed: int) -> Planned:
    """Each month's persons of each source: the source's year drawn once (nobody twice in a source), dealt out to
    the months; with each source's own seeded generator, for the records' values."""
    # unscoped: demo city built by the system: the rates are over the whole city's living residents
    residents = Person.objects.unscoped().filter(status=Person.Status.LIVING).count()
    population = _Population(today, _demo_village())
    recent = {m.first for m in months[-3:]}
    plan: Planned = [[] for _m in months]
    for source in SOURCES:
        rng = random.Random(f"monitoring:{seed}:{source.code}")
        counts = _monthly_counts(source, months, residents, rng)
        total = sum(counts)
        taken: set[int] = set()
        low = population.among(population.low, source, round(total * source.low_share), taken, rng)
        taken.update(low)
        ids = low + population.others(source, total - len(low), taken, rng)
        rng.shuffle(ids)
        extra: list[int] = []
        if source.code in VILLAGE_SOURCES:
            extra = population.among(population.village, source, DEMO_VILLAGE_SIGNALS * len(recent), taken, rng)
        drawn = _residents(ids)
        near = _residents(extra)
        start = 0
        for number, (month, count) in enumerate(zip(months, counts, strict=True)):
            persons = drawn[start : start + count]
            start += count
            if month.first in recent and near:
                persons = persons + near[:DEMO_VILLAGE_SIGNALS]
                near = near[DEMO_VILLAGE_SIGNALS:]
            plan[number].append((source, persons, rng))
    return plan


# --- Outcomes ---------------------------------------------------------------------------------------------------


@dataclass
class Fate:
    status: str
    outcome: str = ""
    visited_on: dt.date | None = None
    confirmed_on: dt.date | None = None
    escalated_on: dt.date | None = None
    reason: str = ""
    referred_to: str = ""
    item: int | None = None


def _fate(
    rng: random.Random,
    calendar: Calendar,
    code: str,
    raised_on: dt.date,
    due_on: dt.date,
    deadline: int,
    today: dt.date,
) -> Fate:
    """What became of one warning by ``today`` (see the module's docstring)."""
    yesterday = today - dt.timedelta(days=1)
    if rng.random() < NEGLECTED_SHARE:
        return Fate(Alert.Status.OPEN)
    lag = rng.randint(deadline + 1, deadline + 8) if rng.random() < LATE_SHARE else rng.randint(0, deadline)
    visited = calendar.add_working_days(raised_on, lag) if lag else raised_on
    if visited > yesterday:
        return Fate(Alert.Status.OPEN)
    (weights, items, referred_to) = OUTCOMES.get(code, DEFAULT_OUTCOME)
    outcome = rng.choices(list(Alert.Outcome.values), weights=list(weights))[0]
    fate = Fate(Alert.Status.VISITED, outcome=outcome, visited_on=visited)
    if visited > due_on:
        fate.escalated_on = due_on + dt.timedelta(days=1)
    if outcome == Alert.Outcome.APPLIED:
        fate.item = rng.choice(items)
    elif outcome == Alert.Outcome.REFERRED:
        fate.referred_to = referred_to
    else:
        fate.reason = rng.choice(CLOSED)
    confirmed = calendar.add_working_days(visited, rng.randint(1, 5))
    if confirmed <= yesterday and rng.random() >= BACKLOG_SHARE:
        fate.status, fate.confirmed_on = Alert.Status.DONE, confirmed
    return fate


def _lead(item: Item) -> int:
    owners = sorted(item.owners.all(), key=lambda d: (d.sort_order, d.code))
    return owners[0].pk


def _applications(
    planned: list[tuple[int, int, str, Fate]], recorder: User, calendar: Calendar, today: dt.date, rng: random.Random
) -> dict[int, int]:
    """The one-window applications of the older visits that applied on the person's behalf, in bulk: alert id →
    application id. Dated on the visit day; decided (mostly granted) once their deadline has passed."""
    if not planned:
        return {}
    items = {i.number: i for i in Item.objects.filter(active=True).prefetch_related("owners")}
    days = sorted({f.visited_on for _a, _p, _area, f in planned if f.visited_on})
    # unscoped: receipt numbering: the counties' last numbers of the visit days, whoever may see them
    taken = Application.objects.unscoped().filter(
        submitted_at__gte=_moment(days[0], 0), submitted_at__lt=_moment(days[-1] + dt.timedelta(days=2), 0)
    )
    sequences: dict[str, int] = defaultdict(int)
    for number in taken.values_list("receipt_number", flat=True):
        prefix = number[:14]
        if number[14:].isdigit():
            sequences[prefix] = max(sequences[prefix], int(number[14:]))
    rows: list[tuple[int, Application, Item, dt.date]] = []
    for alert_id, person_id, area, fate in planned:
        item = items.get(fate.item or 0)
        if item is None or fate.visited_on is None:
            continue
        prefix = f"{area[:6]}{fate.visited_on:%Y%m%d}"
        sequences[prefix] += 1
        application = Application(
            receipt_number=f"{prefix}{sequences[prefix]:05d}",
            area_code=area,
            person_id=person_id,
            channel=Channel.VILLAGE,
            on_behalf=True,
            recorded_by=recorder,
            submitted_at=_moment(fate.visited_on, rng.randint(16, 17), rng.randrange(60)),
        )
        rows.append((alert_id, application, item, fate.visited_on))
    Application.objects.bulk_create([a for _i, a, _t, _d in rows], batch_size=2000)
    cases = []
    for _alert, application, item, day in rows:
        deadline = calendar.add_working_days(day, item.time_limit_days)
        decided = deadline < today
        granted = rng.random() < 0.8
        status = (
            (ItemCase.Status.GRANTED if granted else ItemCase.Status.REFUSED) if decided else ItemCase.Status.ACCEPTED
        )
        decided_on = calendar.add_working_days(
            day, rng.randint(max(1, item.time_limit_days // 2), item.time_limit_days)
        )
        cases.append(
            ItemCase(
                application=application,
                item=item,
                department_id=_lead(item),
                area_code=application.area_code,
                handling_area_code=handling_area(application.area_code, item.deciding_level),
                status=status,
                materials=list(item.materials),
                accepted_on=day,
                clock_started_on=day,
                deadline=deadline,
                decided_at=_moment(decided_on, 16) if decided else None,
                decision_reason=(GRANT if granted else REFUSAL) if decided else "",
            )
        )
    ItemCase.objects.bulk_create(cases, batch_size=2000)
    return {alert_id: application.pk for alert_id, application, _i, _d in rows}


def _update_alerts(rows: list[tuple[Any, ...]]) -> None:
    """The outcomes, written by ``executemany`` (one statement, no ORM object per warning)."""
    table = _q(Alert._meta.db_table)
    sql = (
        f"UPDATE {table} SET status = %s, outcome = %s, reason = %s, referred_to = %s, application_id = %s, "
        "visited_by_id = %s, visited_on = %s, confirmed_by_id = %s, confirmed_on = %s, escalated_on = %s WHERE id = %s"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 2000):
            cursor.executemany(sql, rows[start : start + 2000])


def _visit_account(villages: list[str]) -> User:
    """The village worker who sends the sample's visits from a phone: active (the services check its scope), no
    usable password (nobody signs in with it), a village worker in each village of the sample."""
    city = Division.objects.all().get(code=CITY)
    user, created = User.objects.get_or_create(
        username="monitoring-visits", defaults={"display_name": "入户走访（演示）", "home_area": city}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    for village in villages:
        RoleAssignment.objects.get_or_create(user=user, role=Role.VILLAGE_WORKER, division_id=village, department=None)
    return User.objects.get(pk=user.pk)  # fresh: the assignments are cached on the instance


def _sample(
    alerts: list[tuple[Any, ...]], fates: dict[int, Fate], scale: float, today: dt.date
) -> list[tuple[Any, ...]]:
    """Open warnings of the last weeks whose rule applies on the person's behalf: visited yesterday, received today."""
    size = max(SAMPLE_MIN, min(SAMPLE_MAX, round(scale * 300)))
    yesterday = today - dt.timedelta(days=1)
    chosen = [
        a
        for a in alerts
        if fates[a[0]].status == Alert.Status.OPEN
        and today - dt.timedelta(days=40) <= a[4] < yesterday
        and OUTCOMES.get(a[1], DEFAULT_OUTCOME)[0][0] > 0
    ]
    return chosen[:size]


def _outcomes(scale: float, seed: int, today: dt.date, counts: MonitoringDemoCounts) -> None:
    rng = random.Random(f"monitoring:outcomes:{seed}")
    calendar = Calendar()
    recorder = history_account()
    deadlines = dict(WarningRule.objects.values_list("pk", "deadline_days"))
    # unscoped: demo city built by the system: every warning the step raised
    alerts = list(
        Alert.objects.unscoped()
        .filter(status=Alert.Status.OPEN, visited_on__isnull=True)
        .order_by("-raised_on", "id")
        .values_list("id", "rule_code", "person_id", "area_code", "raised_on", "due_on", "rule_id")
    )
    fates = {a[0]: _fate(rng, calendar, a[1], _as_date(a[4]), _as_date(a[5]), deadlines[a[6]], today) for a in alerts}
    sample = _sample(alerts, fates, scale, today)
    sampled = {a[0] for a in sample}
    applied = [
        (a[0], a[2], a[3], fates[a[0]])
        for a in alerts
        if fates[a[0]].outcome == Alert.Outcome.APPLIED and a[0] not in sampled
    ]
    application_of = _applications(applied, recorder, calendar, today, rng)
    rows, visits = [], []
    for alert_id, _code, person_id, area, _raised, _due, _rule in alerts:
        fate = fates[alert_id]
        if fate.visited_on is None or alert_id in sampled:
            continue
        rows.append(
            (
                fate.status,
                fate.outcome,
                fate.reason,
                fate.referred_to,
                application_of.get(alert_id),
                recorder.pk,
                fate.visited_on,
                recorder.pk if fate.confirmed_on else None,
                fate.confirmed_on,
                fate.escalated_on,
                alert_id,
            )
        )
        checked_in = _moment(fate.visited_on, rng.randint(8, 14), rng.randrange(60))  # before the application
        visits.append(
            Visit(
                client_uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                kind=Visit.Kind.WARNING,
                subject_id=alert_id,
                person_id=person_id,
                alert_id=alert_id,
                area_code=area,
                checked_in_at=checked_in,
                outcome=fate.outcome,
                note=(fate.reason or fate.referred_to)[:500],
                applied=True,
                recorded_by=recorder,
                received_at=checked_in + dt.timedelta(minutes=rng.randint(1, 240)),
            )
        )
    _update_alerts(rows)
    Visit.objects.bulk_create(visits, batch_size=2000)
    counts.visits += len(visits)
    counts.applications += len(application_of)
    # Not visited: escalated the day after the deadline, as the daily run would have (one call per deadline day).
    # unscoped: demo city built by the system: the open warnings past their deadline
    overdue = Alert.objects.unscoped().filter(status=Alert.Status.OPEN, due_on__lt=today, escalated_on__isnull=True)
    for due in sorted(set(overdue.values_list("due_on", flat=True))):
        counts.escalated += alerts_escalate(today=_as_date(due) + dt.timedelta(days=1))
    _through_services(sample, rng, today, counts)


def _through_services(
    sample: list[tuple[Any, ...]], rng: random.Random, today: dt.date, counts: MonitoringDemoCounts
) -> None:
    """The sample's visits as a phone sends them: ``visit_receive`` applies through ``application_submit``."""
    if not sample:
        return
    actor = _visit_account(sorted({a[3] for a in sample}))
    # unscoped: demo city built by the system: the persons of the sample's warnings
    persons = Person.objects.unscoped().in_bulk([a[2] for a in sample])
    # unscoped: demo city built by the system: the sample's warnings
    alerts = Alert.objects.unscoped().in_bulk([a[0] for a in sample])
    yesterday = today - dt.timedelta(days=1)
    for alert_id, code, person_id, _area, _raised, _due, _rule in sample:
        items = OUTCOMES.get(code, DEFAULT_OUTCOME)[1]
        received = visit_receive(
            actor=actor,
            data=VisitData(
                client_uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                person=persons[person_id],
                checked_in_at=_moment(yesterday, rng.randint(9, 16), rng.randrange(60)),
                alert=alerts[alert_id],
                outcome=Alert.Outcome.APPLIED,
                items=[rng.choice(items)],
            ),
        )
        counts.visits += int(received.created)
        counts.applications += int(received.applied)
        counts.through_services += int(received.applied)


# --- The step ---------------------------------------------------------------------------------------------------


@transaction.atomic
def demo_monitoring(*, scale: float, seed: int) -> MonitoringDemoCounts:
    """A year of signals, their warnings and outcomes, and the 一户一档 (see the module's docstring). ``today`` is the
    real one: the sample's visits go through the services, which check the check-in time against the clock."""
    counts = MonitoringDemoCounts()
    started = time.monotonic()
    # unscoped: demo city built by the system: the step's own feeds, from an earlier run
    if Feed.objects.unscoped().filter(source__code__in=[s.code for s in SOURCES]).exists():
        return counts
    # unscoped: demo city built by the system: no registry, nothing to signal
    if not Person.objects.unscoped().exists():
        return counts
    today = timezone.localdate()
    months = _months(today)
    writer = _Writer(history_account(), counts)
    plan = _plan(months, today, seed)
    feed_codes = [code for code, rules in rules_in_force(today).items() if rules[0].kind == WarningRule.Kind.FEED]
    object_codes = [code for code, rules in rules_in_force(today).items() if rules[0].kind == WarningRule.Kind.OBJECT]
    for number, month in enumerate(months):
        last = month is months[-1]
        until = timezone.now() if last else _moment(first_day_of_next_month(month.first), 0)
        for source, persons, rng in plan[number]:
            writer.write(source, month, persons, rng)
        alerts_raise(since=_moment(month.first, 0), until=until, on=month.last, codes=feed_codes)
        if month.first == add_months(month_of(today), -1) or (last and len(months) == 1):
            alerts_raise(since=_moment(month.first, 0), until=until, on=month.last, codes=object_codes)
        if (month.first.month % 3 == 0 or not number) and not last:
            population_refresh(on=month.last)
    _outcomes(scale, seed, today, counts)
    counts.households = population_refresh(on=today)["households"]
    # unscoped: demo city built by the system: what the step made, counted for its line
    made = Alert.objects.unscoped()
    counts.alerts = made.count()
    counts.by_status = dict(made.values_list("status").annotate(n=Count("id")).order_by())
    counts.overdue = made.filter(status=Alert.Status.OPEN, due_on__lt=today).count()
    counts.seconds = time.monotonic() - started
    return counts


def demo_step(scale: float, seed: int, say: Callable[[str], None]) -> str | None:
    done = demo_monitoring(scale=scale, seed=seed)
    if not done.feeds:
        return None
    status = done.by_status
    return (
        f"monitoring: {done.feeds} signal feeds ({done.rows:,} rows, {done.matched:,} matched) over the past year, "
        f"{done.alerts:,} warnings ({status.get('done', 0):,} handled, {status.get('visited', 0):,} awaiting the "
        f"township, {status.get('open', 0):,} to visit of which {done.overdue:,} overdue), {done.visits:,} visits, "
        f"{done.applications:,} applications on the person's behalf ({done.through_services} through the services), "
        f"{done.households:,} households in the 一户一档 in {done.seconds:.1f} s"
    )
