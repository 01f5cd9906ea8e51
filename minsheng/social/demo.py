"""五社联动's organisations half of the demo city: the published figures of Suqian (BRIEF.md, end of Q2 2023) at the
demo's scale, and what surrounds them.

At scale 1.0: 3,601 registered social organisations (``ORGANISATIONS``), 939 of them community social organisations
filed with their townships; 1,401 of the city's villages and communities have a service centre meeting the standard
(``STANDARD_CENTRES``) and 39 more a centre that does not yet; 1,529 licensed social workers (``LICENSED_WORKERS``)
and 300 unlicensed staff, employed by the township stations, by social service agencies or by nobody here. Every
figure is ``round(figure × scale)``; the townships' social-work stations are ``round(109 × scale)`` (at least one).
A few organisations deregistered before 2023 are added (they do not count). Evaluation grades, charity recognition
and public fundraising go to a seeded share; charity projects accept referrals, each with a few gifts.

The step needs only the division table (none of the people or the caseload), so a test runs it whole at scale 1.0.
Every registered organisation has a credit code valid to GB 32100-2015: ``5``, its type, the registrar's six digits,
an organisation code ``5`` + seven digits + its GB 11714 check, and the check character.

Written with ``bulk_create`` (no audit events: the statistics step rebuilds the summary); skipped when the demo's
first organisation exists, so a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from minsheng.areas.models import Division
from minsheng.intake.demo import history_account
from minsheng.social.credit_code import check_character, organisation_check
from minsheng.social.models import CharityProject, Donation, Organisation, SocialWorker, Station
from minsheng.social.services import valid_until

CITY = "321300000000"
# kind → (count at scale 1.0, type character of the credit code); the total is the published 3,601.
ORGANISATIONS = {
    Organisation.Kind.SOCIAL_GROUP: (1100, "1"),
    Organisation.Kind.PRIVATE_NON_ENTERPRISE: (1480, "2"),
    Organisation.Kind.FOUNDATION: (82, "3"),
    Organisation.Kind.COMMUNITY: (939, ""),
}
DEREGISTERED = 60
STANDARD_CENTRES = 1401
OTHER_CENTRES = 39
STATIONS = 109
LICENSED_WORKERS = 1529
UNLICENSED_STAFF = 300
PROJECTS = 60
DONATIONS = 600
PUBLISHED_ON = dt.date(2023, 6, 30)
GRADE_MONTHS = 60  # the rule social.grade_valid_months as shipped (migration 0002)
CITY_SHARE = 0.15  # of the registered (non-community) organisations, registered by the city bureau
THEMES = {
    Organisation.Kind.SOCIAL_GROUP: (
        ("养老服务", "elderly"),
        ("慈善", "charity"),
        ("志愿者", "community"),
        ("老年体育", "culture"),
        ("书法家", "culture"),
        ("摄影家", "culture"),
        ("青年创业", "industry"),
        ("餐饮行业", "industry"),
        ("物流行业", "industry"),
        ("花木", "industry"),
        ("残疾人福利", "disability"),
        ("律师", "legal"),
        ("医学", "health"),
        ("教育", "education"),
        ("环境保护", "environment"),
        ("社会工作", "assistance"),
    ),
    Organisation.Kind.PRIVATE_NON_ENTERPRISE: (
        ("颐养院", "elderly"),
        ("居家养老服务中心", "elderly"),
        ("社会工作服务中心", "assistance"),
        ("幼儿园", "education"),
        ("培训学校", "education"),
        ("康复中心", "disability"),
        ("诊所", "health"),
        ("儿童服务中心", "children"),
        ("社区服务中心", "community"),
        ("法律服务所", "legal"),
    ),
    Organisation.Kind.FOUNDATION: (
        ("慈善基金会", "charity"),
        ("教育基金会", "education"),
        ("助学基金会", "children"),
        ("扶老基金会", "elderly"),
    ),
    Organisation.Kind.COMMUNITY: (
        ("志愿服务队", "community"),
        ("老年协会", "elderly"),
        ("文体队", "culture"),
        ("调解会", "legal"),
        ("邻里互助会", "community"),
        ("护绿队", "environment"),
        ("儿童之家志愿队", "children"),
    ),
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志文斌海燕晓东雪婷佳怡子涵宇轩浩然思雨"


def _n(figure: int, scale: float) -> int:
    return round(figure * scale)


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def credit_code_for(type_char: str, region: str, serial: int) -> str:
    """A valid credit code of the demo: ``5``, the type, the region, an organisation code ``5`` + seven digits and
    its check, and the check character."""
    body = f"5{serial:07d}"
    first17 = f"5{type_char}{region}{body}{organisation_check(body)}"
    return first17 + check_character(first17)


def _divisions() -> tuple[list[Division], list[Division], list[Division]]:
    rows = Division.objects.all().filter(code__startswith="3213").order_by("code")
    counties = [d for d in rows if d.level == "county"]
    towns = [d for d in rows if d.level == "township"]
    villages = [d for d in rows if d.level == "village"]
    return counties, towns, villages


def _organisations(rng: random.Random, scale: float) -> list[Organisation]:
    counties, towns, villages = _divisions()
    villages_of: dict[str, list[Division]] = {}
    for village in villages:
        villages_of.setdefault(village.code[:9], []).append(village)
    names: set[tuple[str, str]] = set()
    rows: list[Organisation] = []
    serial = 0
    short = {d.code: d.name.replace("经济技术开发区", "经开区") for d in counties}

    def add(kind: str, registrar: str, area: str, place: str, ended: bool) -> None:
        nonlocal serial
        theme, field = rng.choice(THEMES[Organisation.Kind(kind)])
        name, k = f"{place}{theme}", 1
        if kind == Organisation.Kind.SOCIAL_GROUP:
            name += "协会"
        while (registrar, name) in names:
            k += 1
            name = f"{place}{theme}（{k}）" if kind != Organisation.Kind.SOCIAL_GROUP else f"{place}第{k}{theme}协会"
        names.add((registrar, name))
        serial += 1
        type_char = ORGANISATIONS[Organisation.Kind(kind)][1]
        registered = _day(rng, dt.date(2000, 1, 1), PUBLISHED_ON)
        org = Organisation(
            kind=kind,
            name=name,
            credit_code=credit_code_for(type_char, registrar[:6], serial) if type_char else "",
            service_field=field,
            area_code=area,
            registrar_code=registrar,
            registered_on=registered,
            legal_representative=_person(rng),
            address=f"{place}人民路{rng.randrange(1, 300)}号",
        )
        if ended:
            org.status = rng.choice((Organisation.Status.DEREGISTERED, Organisation.Status.REVOKED))
            org.registered_on = _day(rng, dt.date(2000, 1, 1), dt.date(2015, 12, 31))
            org.ended_on = _day(rng, org.registered_on + dt.timedelta(days=365), dt.date(2022, 12, 31))
        elif kind != Organisation.Kind.COMMUNITY and rng.random() < 0.2:
            org.grade = rng.choice((2, 3, 3, 3, 4, 4, 5))
            org.graded_on = _day(rng, max(registered, dt.date(2019, 1, 1)), PUBLISHED_ON)
            org.grade_until = valid_until(org.graded_on, GRADE_MONTHS)
        charity = kind == Organisation.Kind.FOUNDATION or (
            kind == Organisation.Kind.SOCIAL_GROUP and rng.random() < 0.03
        )
        if not ended and charity:
            org.charity_since = max(registered, dt.date(2016, 9, 1))
            if kind == Organisation.Kind.FOUNDATION and rng.random() < 0.3:
                fundraising = org.charity_since + dt.timedelta(days=730)
                org.public_fundraising_since = fundraising if fundraising <= PUBLISHED_ON else None
        rows.append(org)

    for kind, (figure, _type) in ORGANISATIONS.items():
        for i in range(_n(figure, scale)):
            if kind == Organisation.Kind.COMMUNITY:
                town = towns[i % len(towns)]
                village = rng.choice(villages_of.get(town.code[:9]) or [town])
                add(kind, town.code, village.code, village.name, ended=False)
            elif rng.random() < CITY_SHARE:
                county = rng.choice(counties)
                add(kind, CITY, rng.choice(towns).code, "宿迁市", ended=False)
            else:
                county = counties[i % len(counties)]
                add(kind, county.code, county.code, short[county.code], ended=False)
    for i in range(_n(DEREGISTERED, scale)):
        county = counties[i % len(counties)]
        add(Organisation.Kind.SOCIAL_GROUP, county.code, county.code, short[county.code], ended=True)
    return rows


def _stations(rng: random.Random, scale: float) -> list[Station]:
    _counties, towns, villages = _divisions()
    picked = rng.sample(villages, min(len(villages), _n(STANDARD_CENTRES, scale) + _n(OTHER_CENTRES, scale)))
    standard = set(v.code for v in picked[: _n(STANDARD_CENTRES, scale)])
    rows = [
        Station(
            kind=Station.Kind.CENTRE,
            name=f"{v.name}党群服务中心",
            area_code=v.code,
            standard=v.code in standard,
            floor_area=rng.randrange(300, 1500) if v.code in standard else rng.randrange(80, 300),
            opened_on=_day(rng, dt.date(2012, 1, 1), dt.date(2022, 12, 31)),
            address=f"{v.name}",
        )
        for v in sorted(picked, key=lambda d: d.code)
    ]
    for town in towns[: max(1, _n(STATIONS, scale))]:
        rows.append(
            Station(
                kind=Station.Kind.STATION,
                name=f"{town.name}社会工作服务站",
                area_code=town.code,
                floor_area=rng.randrange(100, 400),
                opened_on=_day(rng, dt.date(2020, 6, 1), dt.date(2022, 12, 31)),
                address=f"{town.name}便民服务中心",
            )
        )
    return rows


def _workers(
    rng: random.Random, scale: float, stations: list[Station], agencies: list[Organisation]
) -> list[SocialWorker]:
    townships = [s for s in stations if s.kind == Station.Kind.STATION]
    counties, _towns, _villages = _divisions()
    rows = []
    levels = (
        [SocialWorker.Level.ASSISTANT] * 70 + [SocialWorker.Level.SOCIAL_WORKER] * 28 + [SocialWorker.Level.SENIOR] * 2
    )
    tz = timezone.get_current_timezone()
    for i in range(_n(LICENSED_WORKERS, scale) + _n(UNLICENSED_STAFF, scale)):
        licensed = i < _n(LICENSED_WORKERS, scale)
        level = rng.choice(levels) if licensed else SocialWorker.Level.NONE
        year = rng.randrange(2010, 2023)
        employer = rng.random()
        station = rng.choice(townships) if townships and (employer < 0.45 or not licensed) else None
        agency = rng.choice(agencies) if agencies and station is None and employer < 0.85 else None
        area = station.area_code if station else agency.area_code if agency else rng.choice(counties).code
        rows.append(
            SocialWorker(
                name=_person(rng),
                level=level,
                certificate_number=f"S{year}32{i + 1:06d}" if licensed else "",
                certified_year=year if licensed else None,
                area_code=area,
                station=station,
                organisation=agency,
                created_at=dt.datetime.combine(_day(rng, dt.date(year, 1, 1), dt.date(2023, 6, 1)), dt.time(9), tz),
            )
        )
    return rows


def _charity(rng: random.Random, scale: float, charities: list[Organisation]) -> tuple[int, int]:
    account = history_account()
    projects = []
    offers = (
        ("助医", "assistance", "为重病患者家庭提供医疗费用补助"),
        ("助学", "children", "资助困难家庭学生学杂费、生活费"),
        ("温暖冬衣", "assistance", "为困难群众发放冬衣、棉被"),
        ("助老餐桌", "elderly", "为高龄、独居老人提供助餐服务"),
        ("助残康复", "disability", "为困难残疾人提供康复器具和训练"),
        ("微心愿", "children", "认领困境儿童的微心愿"),
    )
    for i in range(max(1, _n(PROJECTS, scale))):
        label, field, description = offers[i % len(offers)]
        owner = charities[i % len(charities)] if charities else None
        area = owner.registrar_code if owner else CITY
        projects.append(
            CharityProject(
                name=f"{owner.name if owner else '宿迁市慈善总会'}{label}项目（{i + 1}）",
                organisation=owner,
                area_code=area,
                service_field=field,
                description=description,
                accepts_referrals=i % 5 != 4,
                starts_on=_day(rng, dt.date(2021, 1, 1), dt.date(2023, 1, 1)),
            )
        )
    CharityProject.objects.bulk_create(projects)
    gifts = []
    today = timezone.localdate()
    for _ in range(_n(DONATIONS, scale)):
        project = rng.choice(projects)
        goods = rng.random() < 0.3
        gifts.append(
            Donation(
                project=project,
                area_code=project.area_code,
                donor=rng.choice(("宿迁某爱心企业", "匿名", "宿迁市某商会", _person(rng) + "（个人）")),
                kind=Donation.Kind.GOODS if goods else Donation.Kind.MONEY,
                amount_fen=rng.randrange(100, 50_000) * 100,
                goods=rng.choice(("棉被200床", "大米500袋", "学习用品100套", "轮椅20台")) if goods else "",
                received_on=_day(rng, project.starts_on, min(today, dt.date(2023, 6, 30))),
                recorded_by=account,
            )
        )
    Donation.objects.bulk_create(gifts, batch_size=2000)
    return len(projects), len(gifts)


@transaction.atomic
def demo_step(scale: float, seed: int, say: Callable[[str], None]) -> str | None:
    # unscoped: demo set-up: whether the step ran already, whatever the areas
    if Organisation.objects.unscoped().exists():
        return None
    rng = random.Random(f"social-{seed}")
    orgs = Organisation.objects.bulk_create(_organisations(rng, scale), batch_size=2000)
    stations = Station.objects.bulk_create(_stations(rng, scale), batch_size=2000)
    agencies = [o for o in orgs if o.kind == Organisation.Kind.PRIVATE_NON_ENTERPRISE and o.ended_on is None]
    for station in stations[-5:]:
        if agencies and station.kind == Station.Kind.STATION:
            station.operator = rng.choice(agencies)
            station.save(update_fields=["operator"])
    workers = SocialWorker.objects.bulk_create(_workers(rng, scale, stations, agencies), batch_size=2000)
    charities = [o for o in orgs if o.charity_since is not None]
    projects, gifts = _charity(rng, scale, charities)
    active = sum(1 for o in orgs if o.ended_on is None)
    return (
        f"social: {active} organisations ({sum(1 for o in orgs if o.kind == 'community')} community), "
        f"{sum(1 for s in stations if s.standard)} standard centres, {len(workers)} social workers, "
        f"{projects} charity projects, {gifts} donations"
    )
