"""The relief station's part of the demo city: a station per county and, from the last complete half-year to the
present, admissions, tracing and patrols at the published volume.

Suqian reported 155 person-times of homeless and vagrant people helped and 15 reunited with their families in the
first half of 2023 (BRIEF.md). At ``scale`` the last complete half-year (``core.months.last_complete_half``) holds
exactly ``round(155 × scale)`` admissions and ``round(15 × scale)`` reunifications (tracings ended by reunification,
dated inside the half-year); the days since, to yesterday, carry ``HALF2_ADMISSIONS`` and ``HALF2_REUNITED`` a
half-year at the same scale, in proportion to their days (``wanted_since``). Every stay has ended, except the last
``OPEN_TRACINGS`` persons of unknown identity transferred to care, whose tracing is open with its announcement
published (the public page shows them, with a plain grey placeholder photo made here). Patrols: one a week per
station, the winter campaign (寒冬送温暖) in January, February and December and the summer one (夏季送清凉) in July and
August.

Written with ``bulk_create`` (no audit events: the statistics step rebuilds the summary afterwards); skipped when any
admission of the half-year exists, so a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from minsheng.areas.models import Division
from minsheng.assistance.rules.selectors import parameter_for
from minsheng.core.months import first_day_of_next_month, last_complete_half
from minsheng.intake.demo import history_account
from minsheng.relief.models import Admission, Belonging, Patrol, Station, Tracing, TracingCheck
from minsheng.relief.services import ANNOUNCEMENT_DAYS, STAY_DAYS
from minsheng.workdays.services import Calendar

CITY = "321300000000"  # 宿迁市
HELPED_AT_SCALE_1 = 155
REUNITED_AT_SCALE_1 = 15
HALF2_ADMISSIONS = 168
HALF2_REUNITED = 17
UNKNOWN_SHARE = 0.3  # admitted with an unknown identity
OPEN_TRACINGS = 3
REFERRALS = (("police", 45), ("patrol", 30), ("self", 20), ("other_station", 3), ("other", 2))
PLACES = ("火车站广场", "汽车客运站", "人民公园", "商业步行街地下通道", "高速公路服务区", "医院门诊大厅", "桥洞")
LOOKS = (
    "身高约170厘米，偏瘦，短发，说话带北方口音",
    "身高约160厘米，中等身材，左手有旧伤疤",
    "身高约175厘米，偏胖，头发花白，言语不清",
    "身高约155厘米，瘦小，穿深色棉衣，智力似有障碍",
)
NAMES = ("张", "王", "李", "赵", "刘", "陈", "杨", "黄", "周", "吴")
GIVEN = ("建国", "秀英", "志强", "桂兰", "国华", "玉梅", "德明", "春花")


def wanted(scale: float) -> dict[str, int]:
    return {
        "half1": round(HELPED_AT_SCALE_1 * scale),
        "half1_reunited": round(REUNITED_AT_SCALE_1 * scale),
        "half2": round(HALF2_ADMISSIONS * scale),
        "half2_reunited": round(HALF2_REUNITED * scale),
    }


def periods(today: dt.date) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """(first, last day) of the calibrated half-year, and of the days since it to yesterday."""
    first, last = last_complete_half(today)
    end = first_day_of_next_month(last) - dt.timedelta(days=1)
    return (first, end), (end + dt.timedelta(days=1), today - dt.timedelta(days=1))


def wanted_since(scale: float, today: dt.date) -> dict[str, int]:
    """The calibrated half-year's counts and those of the days since (a half-year's ``HALF2_*`` in proportion to the
    days that leave room for a stay to end before today)."""
    counts = wanted(scale)
    (_s1, _e1), (start, end) = periods(today)
    share = max(0, (end - dt.timedelta(days=14) - start).days + 1) / 184
    counts["half2"] = round(HALF2_ADMISSIONS * scale * share)
    counts["half2_reunited"] = min(round(HALF2_REUNITED * scale * share), counts["half2"])
    return counts


def placeholder_png(width: int = 120, height: int = 160) -> bytes:
    """A plain grey PNG: the demo's stand-in for a photo (no asset from anywhere)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xb0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def demo_stations() -> list[Station]:
    """A station in every county of the city (created once)."""
    # A system job: the demo picks its areas from the whole table.
    counties = Division.objects.all().filter(parent_id=CITY, level="county").order_by("code")
    stations = []
    for number, county in enumerate(counties):
        # unscoped: demo city built by the system: one station per county, created once
        station, _created = Station.objects.unscoped().get_or_create(
            area_code=county.code,
            name=f"{county.name}救助管理站",
            defaults={"address": f"{county.name}民政局救助管理站", "phone": f"0527-8{number + 1:02d}12345"},
        )
        stations.append(station)
    return stations


def _moment(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def _days(start: dt.date, end: dt.date, count: int, rng: random.Random) -> list[dt.date]:
    span = (end - start).days
    return sorted(start + dt.timedelta(days=rng.randrange(span + 1)) for _ in range(count))


@transaction.atomic
def demo_relief(*, scale: float, seed: int, today: dt.date | None = None) -> dict[str, int]:
    """The city's relief stations from the last complete half-year to the present (see the module's docstring)."""
    today = today or timezone.localdate()
    half1, half2 = periods(today)
    stations = demo_stations()
    # unscoped: demo city built by the system: the whole table is checked for its own earlier run
    earlier = Admission.objects.unscoped().filter(
        admitted_at__gte=_moment(half1[0], 0), admitted_at__lt=_moment(half2[0], 0)
    )
    if not stations or earlier.exists():
        return {}
    rng = random.Random(f"relief:{seed}")
    recorder = history_account()
    calendar = Calendar()
    counts = wanted_since(scale, today)
    admissions: list[Admission] = []
    plans: list[tuple[Admission, str]] = []  # (admission, what happens: reunited, known, unknown_left, open)
    sequence: dict[str, int] = {}
    photo = placeholder_png()
    for half, (start, end), key in ((1, half1, "half1"), (2, half2, "half2")):
        total, reunited = counts[key], counts[f"{key}_reunited"]
        if total == 0:
            continue
        unknown = max(round(total * UNKNOWN_SHARE), reunited + (OPEN_TRACINGS if half == 2 else 0))
        unknown = min(unknown, total)
        fates = ["reunited"] * reunited + ["unknown_left"] * (unknown - reunited) + ["known"] * (total - unknown)
        if half == 2:
            opened = min(OPEN_TRACINGS, unknown - reunited)
            fates[reunited : reunited + opened] = ["open"] * opened
        rng.shuffle(fates)
        # Reunifications fall at most 12 days after the admission: those admissions come early enough to end inside
        # the half year; open tracings are the year's last admissions.
        days = _days(start, end - dt.timedelta(days=14), total, rng)
        for day, fate in zip(days, fates, strict=True):
            station = rng.choice(stations)
            stay = parameter_for(STAY_DAYS, area_code=station.area_code, on=day)
            prefix = f"JZ{station.area_code[:6]}{day:%Y%m%d}"
            sequence[prefix] = sequence.get(prefix, 0) + 1
            known = fate == "known"
            admitted_at = _moment(day, rng.randrange(7, 22))
            stayed = rng.randrange(1, 6 if fate != "reunited" else 12)
            departed_at = admitted_at + dt.timedelta(days=stayed, hours=rng.randrange(1, 8))
            stay_until = day + dt.timedelta(days=int(stay.value))
            if fate == "open":
                departure, destination = Admission.Departure.CARE, f"{station.name[:-6]}社会福利中心"
            elif fate == "reunited":
                departure, destination = Admission.Departure.FAMILY, "家属接回"
            elif fate == "unknown_left":
                departure, destination = rng.choice(
                    [(Admission.Departure.OWN_WILL, ""), (Admission.Departure.HOSPITAL, "市第一人民医院")]
                )
            else:
                departure, destination = rng.choice(
                    [
                        (Admission.Departure.RETURNED_HOME, "返乡（车票）"),
                        (Admission.Departure.FAMILY, "家属接回"),
                        (Admission.Departure.OWN_WILL, ""),
                    ]
                )
            referral = rng.choices([r for r, _w in REFERRALS], weights=[w for _r, w in REFERRALS])[0]
            admission = Admission(
                station=station,
                area_code=station.area_code,
                number=f"{prefix}{sequence[prefix]:04d}",
                admitted_at=admitted_at,
                referral=referral,
                identity_known=known,
                name=f"{rng.choice(NAMES)}{rng.choice(GIVEN)}" if known else "无名氏",
                gender=rng.choice(["M", "M", "F"]),
                apparent_age=rng.randrange(18, 80),
                found_at=rng.choice(PLACES),
                description=rng.choice(LOOKS),
                health=rng.choices(["normal", "care", "urgent"], weights=[80, 17, 3])[0],
                services=sorted(rng.sample(["food", "lodging", "clothing", "medical", "contact", "ticket"], 3)),
                stay_days=int(stay.value),
                stay_parameter=stay.pk,
                stay_until=stay_until,
                status=Admission.Status.DEPARTED,
                departed_at=departed_at,
                departure=departure,
                destination=destination,
                recorded_by=recorder,
                departed_by=recorder,
            )
            admissions.append(admission)
            plans.append((admission, fate))
    Admission.objects.bulk_create(admissions)
    Belonging.objects.bulk_create(
        [
            Belonging(admission=a, description=rng.choice(["手机", "背包", "身份证复印件", "衣物"]), quantity=1,
                      recorded_at=a.admitted_at, returned_at=a.departed_at)
            for a, _fate in plans
            if rng.random() < 0.6
        ]
    )  # fmt: skip
    tracings: list[Tracing] = []
    media = Path(settings.MEDIA_ROOT) / "relief"
    for admission, fate in plans:
        if fate == "known":
            continue
        day = admission.admitted_at.date()
        rule = parameter_for(ANNOUNCEMENT_DAYS, area_code=admission.area_code, on=day)
        due = calendar.add_working_days(day, int(rule.value))
        published = _moment(min(due, (admission.departed_at or admission.admitted_at).date()), 16)
        published = max(published, admission.admitted_at + dt.timedelta(hours=2))
        tracing = Tracing(
            admission=admission,
            area_code=admission.area_code,
            opened_at=admission.admitted_at,
            announcement_due=due,
            announcement_parameter=rule.pk,
            published_at=published,
            public_description=f"{admission.description}。于{admission.found_at}被发现，"
            f"自称记不清家庭住址。请知情者与救助站联系。",
        )
        if fate == "open":
            tracing.status = Tracing.Status.OPEN
            tracing.photo_file = f"relief/demo-{admission.number}.png"
            tracing.photo_type = "image/png"
            tracing.photo_size = len(photo)
            media.mkdir(parents=True, exist_ok=True)
            (media / f"demo-{admission.number}.png").write_bytes(photo)
        else:
            tracing.status = Tracing.Status.REUNITED if fate == "reunited" else Tracing.Status.CLOSED
            tracing.closed_at = admission.departed_at
            tracing.taken_down_at = admission.departed_at
            tracing.outcome_note = admission.destination
        tracings.append(tracing)
    Tracing.objects.bulk_create(tracings)
    TracingCheck.objects.bulk_create(
        [
            TracingCheck(
                tracing=t, kind=kind, requested_on=t.opened_at.date(), requested_by=recorder,
                result="match" if t.status == "reunited" and kind == "dna" else "no_match",
                result_on=t.opened_at.date() + dt.timedelta(days=1),
            )
            for t in tracings
            for kind in ("fingerprint", "dna", "face")
        ]
    )  # fmt: skip
    patrols = []
    weeks = (half2[1] - half1[0]).days // 7 + 1
    for station in stations:
        for week in range(weeks):
            day = half1[0] + dt.timedelta(days=1, weeks=week)
            if day >= today:
                break
            kind = "winter" if day.month in (1, 2, 12) else "summer" if day.month in (7, 8) else "patrol"
            reached = rng.randrange(2, 12)
            patrols.append(
                Patrol(
                    station=station,
                    area_code=station.area_code,
                    kind=kind,
                    on=day,
                    places="、".join(rng.sample(PLACES, 2)),
                    persons_reached=reached,
                    persons_admitted=rng.randrange(0, min(reached, 2) + 1),
                    given={"winter": "棉被、棉衣、热食", "summer": "矿泉水、防暑药品、食品"}.get(kind, "食品、饮用水"),
                    recorded_by=recorder,
                    recorded_at=_moment(day, 22),
                )
            )
    Patrol.objects.bulk_create(patrols)
    return {
        "stations": len(stations),
        "admissions": len(admissions),
        "half1": counts["half1"],
        "half1_reunited": counts["half1_reunited"],
        "open": sum(1 for _a, fate in plans if fate == "open"),
        "patrols": len(patrols),
    }


def demo_step(scale: float, seed: int, say: Callable[[str], None]) -> str | None:
    done = demo_relief(scale=scale, seed=seed)
    if not done:
        return None
    since = periods(timezone.localdate())[0][0]
    return (
        f"relief: {done['stations']} stations, {done['admissions']:,} admissions since {since} "
        f"({done['half1']:,} person-times and {done['half1_reunited']:,} reunited in the first half-year), "
        f"{done['open']} tracings announced, {done['patrols']:,} patrols"
    )
