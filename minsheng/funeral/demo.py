"""Funeral services' part of the demo city: the facilities, a year of price filings with the published cuts, and a
year of 惠民殡葬 waivers with their monthly settlements.

Suqian reported five commercial cemeteries with filed prices, cut by 5 %–30 % (BRIEF.md). The demo has, whatever the
scale: a funeral home and a public-welfare cemetery in every county, the city's crematorium, and the five commercial
cemeteries (``COMMERCIAL``), each with a catalogue of plots and services. Every cemetery's first filing takes effect on
2022-01-01; each commercial cemetery files its cuts effective 2023-03-01 — every item cut by a seeded whole per cent
from 5 to 30, the first item of the first cemetery by exactly 5 % and its last item by exactly 30 % — and two of them
file small rises effective 2023-10-01. All filings are accepted by the bureau.

Waivers: ``round(WAIVERS_AT_SCALE_1 × scale)`` persons with a running 特困 benefit, or a single-person 低保 benefit
that started before, die in the twelve months before today (``waiver_days``, seeded); the funeral home of their county
registers, cremates and waives the basic services in force. Their registry status becomes deceased and the benefit
stops from the month after the death (a ``BenefitChange``), as the registry and the programmes would have it; the
demo runs this before the payroll history, which therefore pays them up to their death. Each funeral home's month is
settled: prepared, approved by another account and paid, except the last month's, left as a draft.

Written with ``bulk_create`` (no audit events: the statistics step rebuilds the summary); skipped when the demo's first
commercial cemetery exists, so a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone

from minsheng.accounts.models import User
from minsheng.areas.models import Division
from minsheng.assistance.benefits.models import Benefit, BenefitChange
from minsheng.assistance.rules.selectors import parameter_for
from minsheng.core.crypto import mask_id_number
from minsheng.core.months import add_months, month_of
from minsheng.funeral.models import Facility, FiledPrice, FuneralCase, PriceFiling, PriceItem, Settlement, Waiver
from minsheng.funeral.services import WAIVER_GROUPS, WAIVER_SERVICES
from minsheng.intake.demo import history_account
from minsheng.people.models import Person

CITY = "321300000000"
FIRST_FILING = dt.date(2022, 1, 1)
CUT_FILING = dt.date(2023, 3, 1)
RISE_FILING = dt.date(2023, 10, 1)
CUT_RANGE = (5, 30)  # per cent
WAIVERS_AT_SCALE_1 = 900
# (name, county code, operator, approval number)
COMMERCIAL = (
    ("宿迁永安陵园", "321302", "宿迁永安陵园有限公司", "苏民殡〔2008〕12号"),
    ("宿豫福寿园", "321311", "宿迁福寿园陵园管理有限公司", "苏民殡〔2010〕7号"),
    ("沭阳仙鹤陵园", "321322", "沭阳仙鹤陵园有限公司", "苏民殡〔2006〕21号"),
    ("泗阳安息园", "321323", "泗阳县安息园公墓有限公司", "苏民殡〔2011〕3号"),
    ("泗洪静思园", "321324", "泗洪县静思园陵园有限公司", "苏民殡〔2009〕15号"),
)
# (kind, name, unit, price of 2022 in yuan) of a commercial cemetery's catalogue.
COMMERCIAL_ITEMS = (
    ("plot", "单穴墓", "座", 28000),
    ("plot", "双穴墓", "座", 46000),
    ("plot", "艺术墓", "座", 88000),
    ("plot", "壁葬格位", "格", 9800),
    ("service", "安葬服务费", "次", 1200),
    ("service", "墓碑刻字", "字", 10),
    ("service", "墓位维护管理费（20年）", "座", 3000),
)
PUBLIC_ITEMS = (("plot", "公益性墓穴", "座", 3500), ("service", "安葬服务费", "次", 300))


def _users() -> tuple[User, User, User]:
    """(facility history account, the bureau's history account, a second bureau account for maker-checker)."""
    city = Division.objects.all().get(code=CITY)
    accounts = []
    for username, name in (
        ("funeral-history", "殡葬机构历史数据（演示）"),
        ("funeral-checker", "殡葬结算复核（演示）"),
    ):
        user, _created = User.objects.get_or_create(
            username=username, defaults={"display_name": name, "home_area": city, "is_active": False}
        )
        accounts.append(user)
    return accounts[0], history_account(), accounts[1]


def _county_names() -> dict[str, str]:
    rows = Division.objects.all().filter(parent_id=CITY, level="county").order_by("code")
    return {d.code[:6]: d.name for d in rows}


def _facilities(counties: dict[str, str]) -> list[Facility]:
    rows = []
    for prefix, name in counties.items():
        code = prefix.ljust(12, "0")
        rows.append(
            Facility(
                kind="funeral_home",
                name=f"{name}殡仪馆",
                area_code=code,
                operator=f"{name}民政局",
                address=f"{name}殡仪馆路1号",
                phone=f"0527-8{prefix[-2:]}6000",
            )
        )
        rows.append(
            Facility(
                kind="public_cemetery",
                name=f"{name}公益性公墓",
                area_code=code,
                operator=f"{name}民政局",
                approval_number=f"宿民殡〔2015〕{prefix[-2:]}号",
                approved_by="宿迁市民政局",
                approved_on=dt.date(2015, 6, 1),
                address=f"{name}城郊",
                phone=f"0527-8{prefix[-2:]}6100",
            )
        )
    rows.append(
        Facility(
            kind="crematorium",
            name="宿迁市火化场",
            area_code="321302000000",
            operator="宿迁市民政局",
            address="宿城区殡仪馆路9号",
            phone="0527-84396000",
        )
    )
    for name, prefix, operator, approval in COMMERCIAL:
        rows.append(
            Facility(
                kind="commercial_cemetery",
                name=name,
                area_code=prefix.ljust(12, "0"),
                operator=operator,
                approval_number=approval,
                approved_by="江苏省民政厅",
                approved_on=dt.date(2008, 1, 1),
                address=f"{counties.get(prefix, '')}境内",
                phone=f"0527-8{prefix[-2:]}7000",
            )
        )
    return Facility.objects.bulk_create(rows)  # fmt: skip


def _filings(facilities: list[Facility], staff: User, bureau: User, rng: random.Random) -> int:
    items: list[PriceItem] = []
    for facility in facilities:
        if facility.kind not in Facility.CEMETERIES:
            continue
        offered = COMMERCIAL_ITEMS if facility.kind == "commercial_cemetery" else PUBLIC_ITEMS
        items += [
            PriceItem(facility=facility, kind=kind, name=name, unit=unit, sort_order=n)
            for n, (kind, name, unit, _price) in enumerate(offered, 1)
        ]
    PriceItem.objects.bulk_create(items)
    by_facility: dict[int, list[PriceItem]] = defaultdict(list)
    for item in items:
        by_facility[item.facility_id].append(item)
    base = {name: price * 100 for _k, name, _u, price in (*COMMERCIAL_ITEMS, *PUBLIC_ITEMS)}

    def filing(facility: Facility, effective: dt.date) -> PriceFiling:
        submitted = dt.datetime.combine(
            effective - dt.timedelta(days=20), dt.time(10), tzinfo=timezone.get_current_timezone()
        )
        return PriceFiling(facility=facility, area_code=facility.area_code, effective_from=effective,
                           status="accepted", submitted_by=staff, submitted_at=submitted, reviewed_by=bureau,
                           reviewed_at=submitted + dt.timedelta(days=5), review_note="经审核，准予备案。")  # fmt: skip

    plans: list[tuple[PriceFiling, list[tuple[PriceItem, int, int | None]]]] = []
    commercial = [f for f in facilities if f.kind == "commercial_cemetery"]
    for facility in facilities:
        if facility.kind not in Facility.CEMETERIES:
            continue
        catalogue = by_facility[facility.pk]
        first: list[tuple[PriceItem, int, int | None]] = [(item, base[item.name], None) for item in catalogue]
        plans.append((filing(facility, FIRST_FILING), first))
        if facility.kind != "commercial_cemetery":
            continue
        cuts: list[tuple[PriceItem, int, int | None]] = []
        for n, (item, price, _prev) in enumerate(first):
            percent = rng.randrange(CUT_RANGE[0], CUT_RANGE[1] + 1)
            if facility is commercial[0] and n == 0:
                percent = CUT_RANGE[0]
            elif facility is commercial[0] and n == len(first) - 1:
                percent = CUT_RANGE[1]
            cuts.append((item, price * (100 - percent) // 100, price))
        plans.append((filing(facility, CUT_FILING), cuts))
        if facility in commercial[1:3]:
            rises: list[tuple[PriceItem, int, int | None]] = [
                (item, price + price // 50, price) for item, price, _p in cuts[:2]
            ]  # +2 % on two plots
            plans.append((filing(facility, RISE_FILING), rises))
    PriceFiling.objects.bulk_create([f for f, _rows in plans])
    FiledPrice.objects.bulk_create(
        [FiledPrice(filing=f, item=item, price_fen=price, previous_fen=previous)
         for f, rows in plans for item, price, previous in rows]
    )  # fmt: skip
    return len(plans)


def waiver_days(today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and the last day of death of the demo's waivers: the twelve months before today's month, and this
    month to yesterday."""
    return add_months(month_of(today), -12), today - dt.timedelta(days=1)


def _deaths(count: int, seed: int, started_by: dt.date) -> list[tuple[int, int, str, str]]:
    """(person, benefit, programme, county prefix) of ``count`` payees of a running 特困 or single-person 低保
    benefit whose first month is before ``started_by``."""
    if count <= 0:
        return []
    q = connection.ops.quote_name
    benefit, person = q(Benefit._meta.db_table), q(Person._meta.db_table)
    salt = random.Random(f"{seed}:funeral").randrange(1, 1_000_003)
    sql = f"""
        SELECT b.payee_id, b.id, b.programme, b.area_code FROM {benefit} b JOIN {person} p ON p.id = b.payee_id
        WHERE b.status = 'active' AND p.status = 'living' AND b.first_month < %s
          AND (b.programme = 'tekun' OR (b.programme = 'dibao' AND b.covered = 1))
          AND NOT EXISTS (SELECT 1 FROM {benefit} o WHERE o.payee_id = b.payee_id AND o.status <> 'stopped'
                          AND o.programme IN ('tekun', 'dibao') AND o.id < b.id)
        ORDER BY (b.id * 7919 + %s) %% 1000003, b.id
        LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [started_by, salt, count])
        return [(int(p), int(b), str(g), str(a)[:6]) for p, b, g, a in cursor.fetchall()]


def _waivers(
    facilities: list[Facility], scale: float, seed: int, today: dt.date, users: tuple[User, User, User]
) -> tuple[int, int]:
    staff, maker, checker = users
    first, last_day = waiver_days(today)
    homes = {f.area_code[:6]: f for f in facilities if f.kind == "funeral_home"}
    deaths = [d for d in _deaths(round(WAIVERS_AT_SCALE_1 * scale), seed, first) if d[3] in homes]
    if not deaths:
        return 0, 0
    rng = random.Random(f"funeral-waivers:{seed}")
    zone = timezone.get_current_timezone()
    now = timezone.now()
    span = (last_day - first).days
    # unscoped: demo city built by the system: the persons chosen as the deceased of the waivers
    persons = Person.objects.unscoped().in_bulk([d[0] for d in deaths])
    cases, waivers, stops = [], [], []
    for number, (person_id, benefit_id, programme, county) in enumerate(deaths, 1):
        person = persons[person_id]
        home = homes[county]
        died = first + dt.timedelta(days=rng.randrange(span + 1))
        registered = dt.datetime.combine(min(died + dt.timedelta(days=1), last_day), dt.time(9), tzinfo=zone)
        services_rule = parameter_for(WAIVER_SERVICES, area_code=home.area_code, on=died)
        groups_rule = parameter_for(WAIVER_GROUPS, area_code=home.area_code, on=died)
        case = FuneralCase(
            facility=home, area_code=home.area_code, number=f"BZ{county}{registered:%Y%m%d}{number:04d}",
            deceased_name=person.name, id_number=person.id_number, id_index=person.id_index,
            id_masked=mask_id_number(person.id_number), died_on=died, registered_at=registered, registered_by=staff,
            cremated_on=min(died + dt.timedelta(days=3), last_day), cremation_certificate=f"HH{county}{number:06d}",
        )  # fmt: skip
        cases.append(case)
        lines = [
            {"service": row["service"], "label": row["label"], "fen": int(row["fen"])} for row in services_rule.value
        ]
        waivers.append(
            Waiver(case=case, facility=home, area_code=home.area_code, group=programme, benefit_id=benefit_id,
                   services=lines, total_fen=sum(line["fen"] for line in lines), services_parameter=services_rule.pk,
                   groups_parameter=groups_rule.pk, month=month_of(registered.date()), registered_at=registered,
                   registered_by=staff)
        )  # fmt: skip
        stops.append((benefit_id, died))
        person.status, person.status_date = Person.Status.DECEASED, died
    FuneralCase.objects.bulk_create(cases)
    for waiver in waivers:
        waiver.case_id = waiver.case.pk
    Waiver.objects.bulk_create(waivers)
    # unscoped: demo city built by the system: the chosen persons recorded as deceased
    Person.objects.unscoped().bulk_update(list(persons.values()), ["status", "status_date"])
    # unscoped: demo city built by the system: the benefits of the chosen deceased
    benefits = Benefit.objects.unscoped().in_bulk([b for b, _d in stops])
    changes = []
    for benefit_id, died in stops:
        benefit = benefits[benefit_id]
        benefit.status, benefit.stopped_from = Benefit.Status.STOPPED, add_months(month_of(died), 1)
        changes.append(
            BenefitChange(
                benefit=benefit,
                kind=BenefitChange.Kind.STOP,
                effective_month=benefit.stopped_from,
                old_fen=benefit.monthly_fen,
                new_fen=0,
                reason="受助人员死亡（殡葬数据）",
            )
        )
    # unscoped: demo city built by the system: those benefits stopped after the death
    Benefit.objects.unscoped().bulk_update(list(benefits.values()), ["status", "stopped_from"])
    BenefitChange.objects.bulk_create(changes)
    # Settle every funeral home's months: prepared, approved and paid, the last month left a draft.
    months: dict[tuple[int, dt.date], list[Waiver]] = defaultdict(list)
    for waiver in waivers:
        months[(waiver.facility_id, waiver.month)].append(waiver)
    last = max(month for _f, month in months)
    settlements = []
    for (facility_id, month), rows in sorted(months.items()):
        prepared = min(dt.datetime.combine(add_months(month, 1) + dt.timedelta(days=4), dt.time(10), tzinfo=zone), now)
        done = month != last
        settlements.append(
            Settlement(facility_id=facility_id, area_code=rows[0].area_code, period=month,
                       status="paid" if done else "draft", case_count=len(rows),
                       total_fen=sum(w.total_fen for w in rows), prepared_by=maker, prepared_at=prepared,
                       approved_by=checker if done else None,
                       approved_at=prepared + dt.timedelta(days=1) if done else None,
                       paid_by=maker if done else None, paid_at=prepared + dt.timedelta(days=3) if done else None)
        )  # fmt: skip
    Settlement.objects.bulk_create(settlements)
    for settlement in settlements:
        for waiver in months[(settlement.facility_id, settlement.period)]:
            waiver.settlement = settlement
    # unscoped: demo city built by the system: the waivers just written join their settlements
    Waiver.objects.unscoped().bulk_update(waivers, ["settlement"])
    return len(waivers), len(settlements)


@transaction.atomic
def demo_funeral(*, scale: float, seed: int, today: dt.date | None = None) -> dict[str, int]:
    # unscoped: demo city built by the system: the whole table is checked for its own earlier run
    if Facility.objects.unscoped().filter(name=COMMERCIAL[0][0]).exists():
        return {}
    counties = _county_names()
    if not counties:
        return {}
    staff, bureau, checker = _users()
    rng = random.Random(f"funeral:{seed}")
    facilities = _facilities(counties)
    filings = _filings(facilities, staff, bureau, rng)
    users = (staff, bureau, checker)
    waivers, settlements = _waivers(facilities, scale, seed, today or timezone.localdate(), users)
    return {"facilities": len(facilities), "filings": filings, "waivers": waivers, "settlements": settlements}


def demo_step(scale: float, seed: int, say: Callable[[str], None]) -> str | None:
    done = demo_funeral(scale=scale, seed=seed)
    if not done:
        return None
    return (
        f"funeral: {done['facilities']} facilities (5 commercial cemeteries, prices cut 5–30 % from 2023-03), "
        f"{done['filings']} price filings, {done['waivers']:,} waivers in {done['settlements']:,} monthly settlements"
    )
