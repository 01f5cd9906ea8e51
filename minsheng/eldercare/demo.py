"""Elderly care's part of the demo city (demo step 90, after the programmes, the exchange and monitoring):

- the facilities Suqian published (145 care institutions, 16 rural regional centres, 24 medical-care homes, 793 home
  and community care stations, 16 day-care centres; scaled below 1.0, at least one of each), with licences or
  filings, beds, star ratings and residents: the 特困 of the demo's caseload who have lost self-care in whole are in
  集中供养 where a bed is free;
- the 特殊困难老年人 list derived from the caseload by ``targets_refresh`` and topped up to the published 160,000
  (scaled) with circumstances a village worker would record (living alone, empty-nest, 计划生育特殊家庭) among the
  city's old people — so the published figure is reproduced by the rules, not written;
- three providers per county, one contract per township, the orders of the months of the demo's history and their
  visits (set-based: most lines delivered, a few missed, some visits late), compliance, and each ended month's
  settlement approved and paid by the bureau's history accounts.

Idempotent: a second run adds nothing (it finds the facilities)."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable

from django.db import connection
from django.utils import timezone

from minsheng.accounts.models import User
from minsheng.areas.models import Division
from minsheng.core.months import first_day_of_next_month, month_of, months_between
from minsheng.eldercare import services
from minsheng.eldercare.models import (
    Circumstance,
    Contract,
    Elder,
    Facility,
    OrderLine,
    Provider,
    Residency,
    ServiceVisit,
    Settlement,
)
from minsheng.intake.demo import history_account
from minsheng.people.models import Person

CITY = "321300000000"
PUBLISHED = {  # BRIEF.md, end of Q2 2023
    Facility.Kind.INSTITUTION: 145,
    Facility.Kind.RURAL_CENTRE: 16,
    Facility.Kind.MEDICAL_CARE: 24,
    Facility.Kind.STATION: 793,
    Facility.Kind.DAY_CARE: 16,
}
HOME_CARE_ELDERLY = 160_000
BEDS = {
    Facility.Kind.INSTITUTION: (60, 300),
    Facility.Kind.RURAL_CENTRE: (100, 250),
    Facility.Kind.MEDICAL_CARE: (120, 400),
    Facility.Kind.STATION: (0, 0),
    Facility.Kind.DAY_CARE: (0, 0),
}
NAMES = {
    Facility.Kind.INSTITUTION: "敬老院",
    Facility.Kind.RURAL_CENTRE: "区域性养老服务中心",
    Facility.Kind.MEDICAL_CARE: "医养结合中心",
    Facility.Kind.STATION: "居家养老服务站",
    Facility.Kind.DAY_CARE: "老年人日间照料中心",
}
# Circumstances recorded to reach the published figure (shares of the top-up).
TOP_UP = (("empty_nest", 0.66), ("alone", 0.30), ("family_planning", 0.04))
PRICES = {"visit": 4000, "cleaning": 6000, "bathing": 8000, "meal": 1500}
HISTORY_MONTHS = 12
DELIVERED_PER_CENT = 93  # of the visits owed, delivered
LATE_PER_CENT = 6  # of those delivered, after their share of the month


def demo_step(scale: float, seed: int, say: Callable[[str], None]) -> str | None:
    # unscoped: the demo is a system job; a second run finds its facilities and adds nothing
    if Facility.objects.unscoped().exists():
        return None
    started = time.monotonic()
    rng = random.Random(seed * 18 + 1)
    today = timezone.localdate()
    divisions = list(Division.objects.filter(code__startswith="3213").values_list("code", "level", "name"))
    facilities = _facilities(divisions, scale, rng)
    say(f"  eldercare: {facilities:,} facilities")
    residents = _residents(today, rng)
    providers, contracts = _providers(divisions, today, rng)
    say(f"  eldercare: {providers} providers, {contracts} contracts, {residents:,} in 集中供养")
    base = services.targets_refresh(on=today).active
    target = round(HOME_CARE_ELDERLY * scale)
    added = _top_up(target - base, today, rng)
    run = services.targets_refresh(on=today)
    say(f"  eldercare: {base:,} old people from the caseload, {added:,} circumstances recorded, {run.active:,} listed")
    months = months_between(_back(today, 1 if scale < 0.05 else HISTORY_MONTHS - 1), month_of(today))
    first = months[0]
    # unscoped: the demo backdates the list to the start of its history (the statistics' stock by month)
    Elder.objects.unscoped().filter(since=today).update(since=first)
    visits = history(months, today, seed, say)
    return (
        f"eldercare: {facilities:,} facilities, {run.active:,} old people on the care list, {providers} providers, "
        f"{visits:,} visits over {len(months)} months in {time.monotonic() - started:.1f}s"
    )


def history(months: list[dt.date], today: dt.date, seed: int, say: Callable[[str], None]) -> int:
    """The orders of ``months``, their visits, compliance, and each ended month's settlement."""
    visits = 0
    for month in months:
        generated = services.orders_generate(month=month)
        visits += _visits(month, today, seed)
        services.compliance_compute(month=month)
        if month < month_of(today):
            _settle(month)
        say(f"  eldercare: {month:%Y-%m}: {generated.lines:,} lines, {generated.visits:,} visits owed")
    return visits


def _back(today: dt.date, months: int) -> dt.date:
    month = month_of(today)
    for _ in range(months):
        month = month_of(month - dt.timedelta(days=1))
    return month


def _facilities(divisions: list[tuple[str, str, str]], scale: float, rng: random.Random) -> int:
    by_level: dict[str, list[tuple[str, str]]] = {}
    for code, level, name in divisions:
        by_level.setdefault(level, []).append((code, name))
    places = {
        Facility.Kind.INSTITUTION: by_level.get("township", []),
        Facility.Kind.RURAL_CENTRE: by_level.get("township", []),
        Facility.Kind.MEDICAL_CARE: by_level.get("county", []),
        Facility.Kind.STATION: by_level.get("village", []),
        Facility.Kind.DAY_CARE: by_level.get("township", []),
    }
    rows = []
    for kind, published in PUBLISHED.items():
        n = max(1, round(published * scale))
        where = places[kind]
        chosen = rng.sample(where, n) if n <= len(where) else [rng.choice(where) for _ in range(n)]
        low, high = BEDS[kind]
        for i, (code, name) in enumerate(chosen):
            filing = kind in (Facility.Kind.STATION, Facility.Kind.DAY_CARE)
            rows.append(
                Facility(
                    kind=kind,
                    name=f"{name}{NAMES[kind]}" + (f"（{i + 1}）" if i >= len(where) else ""),
                    operator=f"{name}人民政府" if rng.random() < 0.6 else f"{name}颐养服务有限公司",
                    public=rng.random() < 0.6,
                    area_code=code,
                    permit=Facility.Permit.FILING if filing else Facility.Permit.LICENCE,
                    permit_number=f"{'苏养备' if filing else '苏养许'}{kind[:2].upper()}{code}{i:04d}",
                    permit_on=dt.date(2015 + rng.randrange(8), rng.randrange(1, 13), 1),
                    beds=rng.randint(low, high) if high else 0,
                    star_rating=rng.choice((0, 1, 2, 2, 3, 3, 4, 5)) if not filing else 0,
                )
            )
    Facility.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _residents(today: dt.date, rng: random.Random) -> int:
    """The 特困 of the caseload who have lost self-care in whole live in an institution of their county."""
    from minsheng.assistance.benefits.models import Benefit

    # unscoped: the demo's own reading of the caseload and the homes it just made
    homes = list(
        Facility.objects.unscoped()
        .filter(kind__in=[Facility.Kind.INSTITUTION, Facility.Kind.RURAL_CENTRE])
        .values_list("id", "area_code", "beds")
    )
    free = {pk: beds for pk, _area, beds in homes}
    by_county: dict[str, list[int]] = {}
    for pk, area, _beds in homes:
        by_county.setdefault(area[:6], []).append(pk)
    # unscoped: the running 特困 benefits of fully dependent persons (the demo's system read)
    tekun = Benefit.objects.unscoped().filter(programme="tekun", status="active", category="fully_unable")
    rows = []
    for benefit_id, person_id, area in tekun.values_list("id", "payee_id", "area_code"):
        choices = [pk for pk in by_county.get(area[:6], []) if free[pk] > 0]
        if not choices:
            continue
        home = rng.choice(choices)
        free[home] -= 1
        area_code = next(a for pk, a, _b in homes if pk == home)
        rows.append(
            Residency(
                facility_id=home,
                person_id=person_id,
                area_code=area_code,
                tekun_benefit_id=benefit_id,
                admitted_on=today - dt.timedelta(days=rng.randrange(30, 1500)),
            )
        )
    Residency.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(rows)


def _providers(divisions: list[tuple[str, str, str]], today: dt.date, rng: random.Random) -> tuple[int, int]:
    counties = [(c, n) for c, level, n in divisions if level == "county"]
    townships = [(c, n) for c, level, n in divisions if level == "township"]
    signer = history_account()
    providers: dict[str, list[Provider]] = {}
    serial = 0
    for code, name in counties:
        for label in ("颐康", "福寿", "安馨"):
            serial += 1
            providers.setdefault(code[:6], []).append(
                Provider(
                    name=f"{name}{label}居家养老服务中心",
                    credit_code=f"52{code[:6]}YL{serial:08d}",
                    area_code=code,
                    contact=f"{label}服务热线",
                )
            )
    Provider.objects.bulk_create([p for rows in providers.values() for p in rows])
    # unscoped: the providers the demo just made, with their ids
    made = {p.credit_code: p for p in Provider.objects.unscoped().all()}
    contracts = []
    start = dt.date(today.year - 1, 1, 1)
    for i, (code, _name) in enumerate(townships):
        choices = providers.get(code[:6], [])
        if not choices:
            continue
        provider = made[choices[i % len(choices)].credit_code]
        contracts.append(
            Contract(
                provider=provider,
                number=f"SQYL-{code[:9]}-{start.year}",
                area_code=code,
                area_prefix=code[:9],
                services=sorted(PRICES),
                prices=PRICES,
                valid_from=start,
                valid_to=dt.date(today.year + 1, 12, 31),
                signed_by=signer,
            )
        )
    Contract.objects.bulk_create(contracts, batch_size=2000)
    return len(made), len(contracts)


def _top_up(need: int, today: dt.date, rng: random.Random) -> int:
    """Record circumstances for ``need`` old people of the city not yet listed, living at home."""
    if need <= 0:
        return 0
    cutoff = (
        today.replace(year=today.year - 60)
        if not (today.month == 2 and today.day == 29)
        else today.replace(year=today.year - 60, day=28)
    )
    # unscoped: the demo's system read of the listed and of those living in an institution
    listed = set(Elder.objects.unscoped().filter(active=True).values_list("person_id", flat=True))
    # unscoped: the same demo read
    listed |= set(Residency.objects.unscoped().filter(left_on__isnull=True).values_list("person_id", flat=True))
    # unscoped: the city's living old people (ids and where they live), the demo's system read
    old = [
        (pk, area)
        for pk, area in Person.objects.unscoped()
        .filter(status=Person.Status.LIVING, birth_date__lte=cutoff, residence_area__code__startswith="3213")
        .values_list("id", "residence_area_id")
        .iterator(chunk_size=20000)
        if pk not in listed
    ]
    chosen = rng.sample(old, min(need, len(old)))
    since = today - dt.timedelta(days=730)
    kinds = [k for k, _share in TOP_UP]
    weights = [share for _k, share in TOP_UP]
    rows = [
        Circumstance(person_id=pk, area_code=area, kind=rng.choices(kinds, weights)[0], since=since)
        for pk, area in chosen
    ]
    Circumstance.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def _visits(month: dt.date, today: dt.date, seed: int) -> int:
    """The visits of a month's lines, set-based: for the k-th visit owed of each line, a visit on its share of the
    month for most lines (a deterministic hash of the line decides), a few late, a few missing; only up to today."""
    line, visit = (connection.ops.quote_name(m._meta.db_table) for m in (OrderLine, ServiceVisit))
    start = timezone.make_aware(dt.datetime.combine(month, dt.time(9)))
    days = (first_day_of_next_month(month) - month).days
    worker = history_account()
    # unscoped: the largest number of visits owed by a line of the month (the demo's system read)
    most = max(OrderLine.objects.unscoped().filter(month=month).values_list("owed", flat=True), default=0)
    postgres = connection.vendor == "postgresql"
    uuid = "gen_random_uuid()" if postgres else "lower(hex(randomblob(16)))"
    now = timezone.now()
    written = 0
    # the visits are 45 minutes long and priced by the demo's contracts
    out = "x.at + interval '45 minutes'" if postgres else "datetime(x.at, '+45 minutes')"
    price = "CASE l.service " + " ".join(f"WHEN '{s}' THEN {fen}" for s, fen in PRICES.items()) + " ELSE 0 END"
    for k in range(1, most + 1):
        # the day of the k-th visit: within its share of the month, or a few days after it when late
        offset = (
            f"(((%s - 1) * {days}) / l.owed + (l.id * 7 + %s) %% GREATEST(1, {days} / l.owed) "
            f"+ CASE WHEN (l.id * 13 + %s) %% 100 < {LATE_PER_CENT} THEN 5 ELSE 0 END)"
        )
        if not postgres:
            offset = offset.replace("GREATEST", "MAX")
        if postgres:
            at = f"(%s::timestamptz + make_interval(days => CAST({offset} AS integer)))"
        else:
            at = f"datetime(%s, '+' || {offset} || ' days')"
        params_at = [connection.ops.adapt_datetimefield_value(start), k, seed, k + seed]
        sql = (
            f"INSERT INTO {visit} (client_uuid, line_id, provider_id, elder_id, area_code, worker_id, checked_in_at, "
            f"checked_out_at, minutes, steps, family_note, finding, finding_note, flags, flagged, status, "
            f"verified_at, price_fen, received_at) "
            f"SELECT {uuid}, l.id, l.provider_id, l.elder_id, l.area_code, %s, x.at, {out}, 45, '[]', '', 'none', "
            f"'', '[]', {'false' if postgres else '0'}, 'verified', %s, {price}, %s "
            f"FROM {line} l JOIN (SELECT l2.id AS id, {at.replace('l.', 'l2.')} AS at FROM {line} l2 "
            f"WHERE l2.month = %s AND l2.owed >= %s) x ON x.id = l.id "
            f"WHERE l.month = %s AND (l.id * 31 + %s) %% 100 < {DELIVERED_PER_CENT}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [worker.pk, now, now, *params_at, month, k, month, k + seed])
            written += cursor.rowcount
    # none after today
    limit = timezone.make_aware(dt.datetime.combine(today, dt.time()))
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {visit} WHERE checked_in_at >= %s AND line_id IN (SELECT id FROM {line} WHERE month = %s)",
            [limit, month],
        )
        written -= cursor.rowcount
    return int(written)


def _settle(month: dt.date) -> None:
    """Each provider's settlement of an ended month from its verified visits, approved and paid (history)."""
    maker, checker = history_account(), _checker()
    now = timezone.now()
    # unscoped: the demo's providers
    for provider in Provider.objects.unscoped().all():
        # unscoped: the demo's own settlement of the provider and month
        settlement, _created = Settlement.objects.unscoped().get_or_create(
            provider=provider, month=month, defaults={"area_code": provider.area_code}
        )
        # unscoped: the demo settles the provider's verified visits of the month once
        ServiceVisit.objects.unscoped().filter(
            provider=provider, line__month=month, status="verified", settlement__isnull=True
        ).update(settlement=settlement)
        from django.db.models import Count, Sum

        totals = settlement.visits.aggregate(n=Count("id"), total=Sum("price_fen"))
        settlement.visit_count, settlement.total_fen = totals["n"] or 0, totals["total"] or 0
        settlement.prepared_by, settlement.prepared_at = maker, now
        settlement.status, settlement.approved_by, settlement.approved_at = "paid", checker, now
        settlement.paid_by, settlement.paid_at = maker, now
        settlement.save()


def _checker() -> User:
    city = Division.objects.get(code=CITY)
    user, _created = User.objects.get_or_create(
        username="eldercare-checker",
        defaults={"display_name": "养老服务结算复核（演示）", "home_area": city, "is_active": False},
    )
    return user
