"""The data exchange's part of the demo city: the departments' systems, the 授权书 of the households on assistance,
recent months of department feeds consistent with the registry, the last complete month's monthly verification, and
核对 requests at every stage.

- **Clients.** 公安 (deaths, household changes), 人社, 不动产, 车管, 医保 and a bank send feeds; the bank answers 核对
  queries by file; the 住建 system may request a 核对 for public rental housing (the shared service). Their keys are
  made by ``client_create`` and thrown away: nobody signs in as a department in the demo (an administrator issues a
  new key on the clients page).
- **授权书.** Every household with a running benefit signed one, electronically, ten days before its first benefit
  month (at most 30 days ago): version 1, every living member of 18 and over signs, every source covered. One
  bulk insert, then two ``INSERT … SELECT``.
- **Feeds.** For the two complete months before this one and this month to yesterday (人社: the last complete
  month), one batch a month of each source, received early the next month (this month's: yesterday), written by
  the feeds' own ``write_records`` (IDs encrypted a chunk at a time with their blind index, then matched to the
  registry in two UPDATEs): 公安 deaths
  (every month of the demo's histories: everyone the registry has as deceased, on the registry's date; and a
  handful of payees of a running benefit who died last month, whose change requests wait for a second user), 人社
  pensions (``PENSION_PER_MILLE`` of those 60 and over) and contribution bases (``CONTRIBUTION_PER_MILLE`` of those
  18–59), new vehicles and property (per mille of adults, and a few in households on assistance, so the monthly check
  has findings), medical bills (a few of them large). Some rows of each feed are ambiguous (the ID under another name)
  or unmatched (an ID the registry does not hold).
- **Monthly check.** The last complete month's, by ``monthly_check_start``: findings, some reviews brought forward
  (few on assistance draw an employee's pension or a contribution base: ``ASSISTED_*``).
- **Rates.** At ``--scale 1.0`` (100 × the rows at 0.01) about 180,000 pensions and 80,000 contribution bases for
  the last complete month, and 5,000 vehicles, 4,000 properties and 16,000 medical bills a month (the rates below
  over the demo city's ages).
- **核对.** In every county with enough households on assistance: a request awaiting the centre, one returned with a
  reason, one dispatched and waiting for the bank, reports 符合, 疑点 and 不符合, and an objection to a 不符合 with
  its 复查 waiting for the bank — all through ``verification.py``'s services; the bank answers with a feed whose
  batch number is the query's reference.

Skipped when the demo's 公安 client exists, so a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from minsheng.accounts.models import RoleAssignment, User
from minsheng.areas.models import Division
from minsheng.core.crypto import decrypt
from minsheng.core.months import add_months, demo_history_months, month_of
from minsheng.core.roles import Role
from minsheng.exchange.authorisations import members_on
from minsheng.exchange.feeds import Checked, CheckedRow, write_records
from minsheng.exchange.layouts import layout_for
from minsheng.exchange.models import (
    Authorisation,
    AuthorisationSigner,
    DataSource,
    DepartmentClient,
    Feed,
    FeedRecord,
    Verification,
    VerificationQuery,
)
from minsheng.exchange.module import OFFICER
from minsheng.exchange.services import client_create, feed_status_reports, feed_submit, monthly_check_start
from minsheng.exchange.verification import (
    REPORT_SOURCES,
    verification_object,
    verification_request,
    verification_review,
)
from minsheng.people.idnumbers import synthesize_id_number
from minsheng.people.models import ChangeRequest, Household, Membership, Person

CITY = "321300000000"
RUNNING = ("active", "tapering")
# Per mille of the persons concerned who are in one month's batch (1.0: 5 million residents).
PENSION_PER_MILLE = 150.0  # of those 60 and over (basic pensions mostly; a third of them employees' pensions)
CONTRIBUTION_PER_MILLE = 30.0  # of those 18–59 (contribution bases of the employed in the city's 人社 records)
VEHICLE_PER_MILLE = 1.5  # of adults: new registrations in a month
PROPERTY_PER_MILLE = 1.0  # of adults: new registrations in a month
MEDICAL_PER_MILLE = 3.0  # of everyone: bills settled in a month worth the 医保's feed
LARGE_BILL_SHARE = 0.05  # of the bills: large ones (total ¥150,000–¥400,000)
# Households on assistance the feeds concern, at scale 1.0 (at least ``FEW``): the monthly check's findings.
ASSISTED_AT_SCALE_1 = {"vehicle": 40, "property": 25, "medical_bill": 60, "death": 30}
FEW = 2
PRIME = 1_000_003
FEED_MONTHS = 3  # the months of the feeds other than deaths: two complete ones and this one
INCOME_MONTHS = 1  # the complete months of 人社 pensions and contribution bases (the bulk of the rows)
ASSISTED_EMPLOYEE_PENSION = 0.03  # of the pensioners in households on assistance (1/3 of the others)
ASSISTED_EMPLOYED = 0.05  # of the working-age members of households on assistance drawn for contributions
NOT_MATCHED_EVERY = 2000  # one ambiguous and one unmatched row per this many rows (at least one each)
AMBIGUOUS_FROM = 20  # rows in a batch from which one of them is sent under another name

BANK = "中国农业银行宿迁分行核对专线"
HOUSING = "宿迁市住房和城乡建设局住房保障系统"
# (client, its sources); the first one's name marks the step as done.
SENDERS = (
    ("宿迁市公安局人口信息系统", ("police_death", "police_household")),
    ("宿迁市人力资源和社会保障局社保信息系统", ("hrss_contribution", "hrss_pension", "hrss_unemployment")),
    ("宿迁市不动产登记中心登记系统", ("property",)),
    ("宿迁市公安局交通警察支队车辆管理系统", ("vehicle",)),
    ("宿迁市医疗保障局结算系统", ("medical_bill",)),
    (BANK, ("financial_asset",)),
)
BATCH_PREFIX = {
    "police_death": "GA-SW",
    "hrss_pension": "RS-YL",
    "hrss_contribution": "RS-JS",
    "vehicle": "CG-DJ",
    "property": "BDC-DJ",
    "medical_bill": "YB-JS",
}
STAGES = ("submitted", "returned", "waiting", "consistent", "doubtful", "inconsistent", "recheck")
RETURNED = "授权书签字成员与申请时的家庭成员不一致，请核实后重新提交。"
OBJECTION = "家庭称该存款为亲属代为保管的医疗借款，已提供借条，申请复查。"
INSTITUTION = "中国农业银行宿迁分行"


@dataclass
class ExchangeDemoCounts:
    clients: int = 0
    authorisations: int = 0
    feeds: int = 0
    rows: int = 0
    matched: int = 0
    ambiguous: int = 0
    unmatched: int = 0
    change_requests: int = 0
    findings: int = 0
    reviews: int = 0
    verifications: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _programmes(name: str) -> Any:
    """A model of the programmes, which sit above the exchange (the layers): read by name, as the demo city's data."""
    return apps.get_model("assistance", name)


def _benefits() -> str:
    return _q(_programmes("Benefit")._meta.db_table)


def _account(username: str, display_name: str, role: str, division: Division) -> User:
    """A history account: active (the services check its scope), no usable password (nobody signs in with it)."""
    user, created = User.objects.get_or_create(
        username=username, defaults={"display_name": display_name, "home_area": division, "is_active": True}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    RoleAssignment.objects.get_or_create(user=user, role=role, division=division, department=None)
    return User.objects.get(pk=user.pk)  # fresh: the assignments are cached on the instance


def _clients(admin: User) -> dict[str, DepartmentClient]:
    sources = {s.code: s for s in DataSource.objects.all()}
    clients = {}
    for name, codes in SENDERS:
        client, _key = client_create(actor=admin, name=name, area_code=CITY, sources=[sources[c] for c in codes])
        clients[name] = client  # the key is not kept: it is shown once, to nobody
    user = User(username="exchange-housing", display_name=HOUSING)
    user.set_unusable_password()
    user.save()
    # The shared service's client sends no feed (client_create asks for sources): made as the service would.
    clients[HOUSING] = DepartmentClient.objects.create(name=HOUSING, user=user, area_code=CITY, may_verify=True)
    return clients


# --- 授权书 ---------------------------------------------------------------------------------------------------


def _authorisations(admin: User, today: dt.date) -> int:
    """Version 1 for every household with a running benefit and none yet: electronic, all sources, its adults."""
    b, a = _benefits(), _q(Authorisation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT b.household_id, MIN(b.first_month), MIN(b.area_code) FROM {b} b "
            f"WHERE b.status IN (%s, %s) AND NOT EXISTS (SELECT 1 FROM {a} a WHERE a.household_id = b.household_id) "
            "GROUP BY b.household_id ORDER BY b.household_id",
            list(RUNNING),
        )
        rows = cursor.fetchall()
    if not rows:
        return 0
    latest = today - dt.timedelta(days=30)
    zone = timezone.get_current_timezone()
    # unscoped: demo city built by the system: the areas of the households on assistance
    households = dict(Household.objects.unscoped().filter(pk__in=[r[0] for r in rows]).values_list("pk", "area_id"))
    made = []
    for household_id, first_month, _area in rows:
        first = first_month if isinstance(first_month, dt.date) else dt.date.fromisoformat(str(first_month))
        signed = min(first - dt.timedelta(days=10), latest)
        made.append(
            Authorisation(
                household_id=household_id,
                version=1,
                serial=f"SQHD-{signed:%Y}-{household_id:09d}",
                channel=Authorisation.Channel.ELECTRONIC,
                signed_on=signed,
                area_code=households[household_id],
                recorded_by=admin,
                recorded_at=dt.datetime.combine(signed, dt.time(10), tzinfo=zone),
            )
        )
    Authorisation.objects.bulk_create(made, batch_size=5000)
    through = Authorisation.sources.through
    adult = dt.date(today.year - 18, today.month, min(today.day, 28))
    t = {
        "through": _q(through._meta.db_table),
        "auth": a,
        "source": _q(DataSource._meta.db_table),
        "signer": _q(AuthorisationSigner._meta.db_table),
        "membership": _q(Membership._meta.db_table),
        "person": _q(Person._meta.db_table),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {t['through']} (authorisation_id, datasource_id) SELECT a.id, s.id FROM {t['auth']} a "
            f"CROSS JOIN {t['source']} s WHERE a.recorded_by_id = %s",
            [admin.pk],
        )
        cursor.execute(
            f"INSERT INTO {t['signer']} (authorisation_id, person_id, guardian_name, guardian_id_number, "
            "guardian_id_masked) "
            f"SELECT a.id, m.person_id, '', '', '' FROM {t['auth']} a "
            f"JOIN {t['membership']} m ON m.household_id = a.household_id AND m.left_on IS NULL "
            f"JOIN {t['person']} p ON p.id = m.person_id AND p.status = 'living' AND p.birth_date <= %s "
            "WHERE a.recorded_by_id = %s",
            [adult, admin.pk],
        )
    return len(made)


# --- Feeds ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resident:
    id: int
    id_number: str
    name: str
    birth_date: dt.date
    assisted: bool = False  # the household has a running benefit


def _residents(
    where: str, params: list[Any], *, per_mille: float, salt: int, limit: int | None = None, assisted: bool = False
) -> list[Resident]:
    """Living persons matching ``where`` (on ``p``), drawn by a seeded hash; with ``assisted``, only the members of
    households with a running benefit (read from the benefits, not by a test of every resident)."""
    p, m, b = _q(Person._meta.db_table), _q(Membership._meta.db_table), _benefits()
    # A seeded permutation of the ids (1,000,003 is prime): each salt draws other persons, in another order.
    salt = random.Random(salt).randrange(1000, PRIME)
    draw = "" if per_mille >= 1000 else f" AND (((p.id * %s) %% {PRIME}) %% 100000) < %s"
    running = "b.status IN ('active', 'tapering')"
    if assisted:
        source = (
            f"FROM {b} b JOIN {m} h ON h.household_id = b.household_id AND h.left_on IS NULL "
            f"JOIN {p} p ON p.id = h.person_id WHERE {running} AND "
        )
        flag = "1"
    else:
        source = f"FROM {p} p LEFT JOIN {m} h ON h.person_id = p.id AND h.left_on IS NULL WHERE "
        flag = f"EXISTS (SELECT 1 FROM {b} b WHERE b.household_id = h.household_id AND {running})"
    sql = (
        f"SELECT DISTINCT p.id, p.id_number, p.name, p.birth_date, (p.id * %s) %% {PRIME} AS k, {flag} AS assisted "
        f"{source}p.status = 'living' AND ({where}){draw} ORDER BY k, p.id"
    )
    args: list[Any] = [salt, *params]
    if draw:
        args += [salt, int(per_mille * 100)]
    if limit is not None:
        sql += " LIMIT %s"
        args.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        rows = cursor.fetchall()
    return [
        Resident(int(pk), decrypt(token), name, _as_date(birth), bool(flagged))
        for pk, token, name, birth, _k, flagged in rows
    ]


def _years_ago(today: dt.date, years: int) -> dt.date:
    return dt.date(today.year - years, today.month, min(today.day, 28))


@dataclass(frozen=True)
class Batch:
    month: dt.date
    first: dt.date  # the first and last day of the records' dates
    last: dt.date
    received: dt.datetime


def _batches(today: dt.date, months: int) -> list[Batch]:
    """The ``months`` - 1 complete months before this one (each received on the 5th of the next month, or yesterday
    if sooner) and this month to yesterday (received yesterday)."""
    yesterday = today - dt.timedelta(days=1)
    zone = timezone.get_current_timezone()
    this = month_of(today)
    out = []
    for n in range(1 - months, 1):
        month = add_months(this, n)
        last = min(add_months(month, 1) - dt.timedelta(days=1), yesterday)
        if last < month:
            continue
        on = min(add_months(month, 1) + dt.timedelta(days=4), yesterday)
        out.append(Batch(month, month, last, dt.datetime.combine(on, dt.time(9, 30), tzinfo=zone)))
    return out


def _day(rng: random.Random, batch: Batch) -> dt.date:
    return batch.first + dt.timedelta(days=rng.randrange((batch.last - batch.first).days + 1))


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


class _Writer:
    """Writes the batches of one run and counts them."""

    def __init__(self, clients: dict[str, DepartmentClient], counts: ExchangeDemoCounts, seed: int) -> None:
        self.clients = clients
        self.counts = counts
        self.seed = seed
        self.sources = {s.code: s for s in DataSource.objects.all()}
        self.by_source = {code: client for client in clients.values() for code in self._codes(client)}
        self.strangers = 0

    @staticmethod
    def _codes(client: DepartmentClient) -> list[str]:
        return list(client.sources.values_list("code", flat=True))

    def stranger(self, birth: dt.date) -> Resident:
        """An ID number the registry does not hold (a resident of another province) and a name."""
        self.strangers += 1
        number = synthesize_id_number(address_code="370102", birth_date=birth, sequence=self.strangers % 1000)
        return Resident(0, number, "孙" + "立明晓华"[self.strangers % 4] + "国", birth)

    def write(self, code: str, batch: Batch, rows: list[tuple[Resident, dict[str, Any]]]) -> Feed | None:
        """One feed: its rows (resident, values as a file would give them), a few ambiguous and unmatched ones added."""
        if not rows:
            return None
        layout = layout_for(code, self.sources[code].layout_version)
        assert layout is not None
        # A few rows no department feed is without: an ID registered under another name (ambiguous; taken from the
        # batch's own persons, only from a batch large enough to spare them) and an ID the registry does not hold.
        extra = max(1, len(rows) // NOT_MATCHED_EVERY)
        odd: list[tuple[Resident, dict[str, Any]]] = []
        for n in range(extra):
            person, values = rows[n]
            if len(rows) >= AMBIGUOUS_FROM:
                odd.append((Resident(0, person.id_number, person.name[:1] + "某某", person.birth_date), values))
            odd.append((self.stranger(person.birth_date), values))
        rows = rows[extra:] + odd if len(rows) >= AMBIGUOUS_FROM else rows + odd
        checked = Checked()
        digest = hashlib.sha256()
        for number, (person, values) in enumerate(rows, start=1):
            on = values.get(layout.date) if layout.date else None
            checked.rows.append(
                CheckedRow(
                    row=number,
                    id_number=person.id_number,
                    name=person.name,
                    values=values,
                    on=dt.date.fromisoformat(on) if isinstance(on, str) else None,
                    amount_fen=values.get(layout.amount) if layout.amount else None,
                )
            )
            digest.update(f"{person.id_number}|{person.name}|{sorted(values.items())}\n".encode())
        client = self.by_source[code]
        feed = Feed.objects.create(
            source=self.sources[code],
            layout_version=layout.version,
            batch=f"{BATCH_PREFIX[code]}-{batch.month:%Y%m}-{self.seed % 100:02d}",
            digest=digest.hexdigest(),
            channel=Feed.Channel.API,
            client=client,
            submitted_by=client.user,
            area_code=client.area_code,
            received_at=batch.received,
        )
        write_records(feed, checked)
        feed_status_reports(feed)
        self.counts.feeds += 1
        self.counts.rows += feed.rows
        self.counts.matched += feed.matched
        self.counts.ambiguous += feed.ambiguous
        self.counts.unmatched += feed.unmatched
        return feed


def _deaths(writer: _Writer, batches: list[Batch], scale: float, seed: int) -> set[int]:
    """Everyone the registry has as deceased in the batches' months, on its date; and a handful of payees of a running
    benefit who died last month (their change requests wait for a second user). Returns those payees' households."""
    p = _q(Person._meta.db_table)
    b = _benefits()
    handful = max(FEW + 1, round(ASSISTED_AT_SCALE_1["death"] * scale))
    last_month = next((x for x in batches if x.month == add_months(month_of(timezone.localdate()), -1)), None)
    salt = random.Random(f"{seed}:exchange:deaths").randrange(1000, PRIME)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT b.payee_id, MIN(b.household_id) FROM {b} b JOIN {p} p ON p.id = b.payee_id "
            "WHERE b.status IN ('active', 'tapering') AND p.status = 'living' "
            f"GROUP BY b.payee_id ORDER BY (b.payee_id * %s) %% {PRIME} LIMIT %s",
            [salt, handful if last_month else 0],
        )
        dying = dict(cursor.fetchall())
    rng = random.Random(f"{seed}:exchange:death-days")
    households: set[int] = set()
    if not batches:
        return households
    with connection.cursor() as cursor:  # the registry's deaths of all the months, read once
        cursor.execute(
            f"SELECT p.id, p.id_number, p.name, p.birth_date, p.status_date FROM {p} p "
            "WHERE p.status = 'deceased' AND p.status_date >= %s AND p.status_date <= %s ORDER BY p.id",
            [batches[0].first, batches[-1].last],
        )
        registry = [(pk, token, name, birth, _as_date(died)) for pk, token, name, birth, died in cursor.fetchall()]
    for batch in batches:
        rows = [
            (Resident(int(pk), decrypt(token), name, _as_date(birth)), {"died_on": died.isoformat()})
            for pk, token, name, birth, died in registry
            if batch.first <= died <= batch.last
        ]
        if batch is last_month and dying:
            # unscoped: demo city built by the system: the payees chosen to have died last month
            for person in Person.objects.unscoped().filter(pk__in=list(dying)).order_by("pk"):
                day = _day(rng, batch)
                rows.append(
                    (
                        Resident(person.pk, person.id_number, person.name, person.birth_date),
                        {"died_on": day.isoformat()},
                    )
                )
                households.add(dying[person.pk])
        writer.write("police_death", batch, rows)
    return households


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _monthly_income(writer: _Writer, batches: list[Batch], today: dt.date, seed: int) -> None:
    """人社 pensions (60 and over) and contribution bases (18–59) of the last ``INCOME_MONTHS`` complete months; the
    same persons every month, at the same amount."""
    old = _years_ago(today, 60)
    working = _years_ago(today, 18)
    pensioners = _residents("p.birth_date <= %s", [old], per_mille=PENSION_PER_MILLE, salt=seed * 31 + 1)
    workers = _residents(
        "p.birth_date > %s AND p.birth_date <= %s", [old, working], per_mille=CONTRIBUTION_PER_MILLE, salt=seed * 31 + 2
    )
    pension: list[tuple[Resident, int]] = []
    for person in pensioners:
        rng = random.Random(f"{seed}:pension:{person.id}")
        # Few on assistance draw an employee's pension (it is above every standard): the monthly check finds them.
        employee = rng.random() < (ASSISTED_EMPLOYEE_PENSION if person.assisted else 1 / 3)
        fen = rng.randrange(180_000, 450_000) if employee else rng.randrange(18_000, 40_000)
        pension.append((person, fen))
    bases: list[tuple[Resident, int, str]] = []
    employers = (
        "宿迁市洋河酒厂股份有限公司",
        "江苏京东信息技术有限公司宿迁分公司",
        "宿迁市城市建设投资集团",
        "沭阳县花木产业园",
        "泗洪县人民医院",
    )
    for person in workers:
        rng = random.Random(f"{seed}:base:{person.id}")
        if person.assisted and rng.random() >= ASSISTED_EMPLOYED:
            continue  # few members of a household on assistance hold a job with contributions
        bases.append((person, rng.randrange(425_000, 1_500_000), rng.choice(employers)))
    complete = [b for b in batches if b.last == add_months(b.month, 1) - dt.timedelta(days=1)]
    for batch in complete[-INCOME_MONTHS:]:  # this month's is paid at its end and sent next month
        month = f"{batch.month:%Y-%m}"
        writer.write("hrss_pension", batch, [(p, {"month": f"{month}-01", "amount": fen}) for p, fen in pension])
        writer.write(
            "hrss_contribution",
            batch,
            [(p, {"month": f"{month}-01", "base": fen, "employer": employer}) for p, fen, employer in bases],
        )


def _things(writer: _Writer, batches: list[Batch], today: dt.date, scale: float, seed: int) -> None:
    """New vehicles and property registrations and medical bills: a per mille of the residents, and a few in households
    on assistance (the monthly check's findings)."""
    adult = _years_ago(today, 18)
    plates = "ABCDEFGHJKLMN"
    shares = [((b.last - b.first).days + 1) / 30 for b in batches]  # of a month: this month's batch is short
    for code, per_mille, who in (
        ("vehicle", VEHICLE_PER_MILLE, "adult"),
        ("property", PROPERTY_PER_MILLE, "adult"),
        ("medical_bill", MEDICAL_PER_MILLE, "all"),
    ):
        # One draw over all the months (one scan of the registry), each person then given a month by its share.
        salt = seed * 97 + len(code)
        where, params = ("p.birth_date <= %s", [adult]) if who == "adult" else ("1 = 1", [])
        drawn = _residents(where, params, per_mille=per_mille * sum(shares), salt=salt)
        few = [max(FEW, round(ASSISTED_AT_SCALE_1[code] * scale * share)) for share in shares]
        seen = {r.id for r in drawn}
        assisted_all = [
            r
            for r in _residents(where, params, per_mille=1000, salt=salt + 1, limit=sum(few) * 3, assisted=True)
            if r.id not in seen
        ]
        pick = random.Random(f"{seed}:{code}:months")
        by_batch: list[list[Resident]] = [[] for _b in batches]
        for person in drawn:
            by_batch[pick.choices(range(len(batches)), shares)[0]].append(person)
        start = 0
        for n, batch in enumerate(batches):
            residents = by_batch[n]
            assisted = assisted_all[start : start + few[n]]
            start += few[n]
            rows: list[tuple[Resident, dict[str, Any]]] = []
            for person in [*residents, *assisted]:
                rng = random.Random(f"{seed}:{code}:{batch.month}:{person.id}")
                day = _day(rng, batch).isoformat()
                if code == "vehicle":
                    kind = rng.choices(("car", "truck", "motorcycle", "farm"), (70, 8, 15, 7))[0]
                    plate = f"苏N{rng.choice(plates)}{rng.randrange(10000, 99999)}"
                    value = {"car": (6_000_000, 25_000_000), "truck": (8_000_000, 30_000_000)}.get(
                        kind, (300_000, 2_000_000)
                    )
                    rows.append(
                        (person, {"plate": plate, "kind": kind, "registered_on": day, "value": rng.randrange(*value)})
                    )
                elif code == "property":
                    area = rng.randrange(6_000, 14_000)
                    rows.append(
                        (
                            person,
                            {
                                "certificate": f"苏（{batch.month:%Y}）宿迁市不动产权第{rng.randrange(10**6, 10**7)}号",
                                "kind": rng.choices(("residential", "commercial", "other"), (90, 6, 4))[0],
                                "floor_area": area,
                                "registered_on": day,
                            },
                        )
                    )
                else:
                    large = rng.random() < LARGE_BILL_SHARE or person in assisted[:1]
                    total = rng.randrange(15_000_000, 40_000_000) if large else rng.randrange(500_000, 8_000_000)
                    rows.append(
                        (
                            person,
                            {
                                "bill": f"YB{batch.month:%Y%m}{person.id:09d}",
                                "settled_on": day,
                                "total": total,
                                "self_paid": total * rng.randrange(20, 41) // 100,
                            },
                        )
                    )
            writer.write(code, batch, rows)


# --- 核对 -------------------------------------------------------------------------------------------------------


def _stage_households(today: dt.date, skip: set[int], seed: int) -> dict[str, list[tuple[int, str]]]:
    """Per county: households on assistance with an economic status (household, its benefit's programme), in a
    seeded order, none of whose members the held feeds concern first (a 符合 needs nothing found)."""
    # unscoped: demo city built by the system: the running benefits of the whole city
    running = _programmes("Benefit").objects.unscoped().filter(status__in=RUNNING, programme__in=("dibao", "tekun"))
    # unscoped: as above, the households with an economic status (a policy calculation needs one)
    assessed = set(_programmes("EconomicStatus").objects.unscoped().values_list("household_id", flat=True).distinct())
    # unscoped: as above, the members whose records the held feeds hold
    found = set(
        FeedRecord.objects.unscoped()
        .filter(match=FeedRecord.Match.MATCHED, feed__source__code__in=list(REPORT_SOURCES))
        .values_list("person_id", flat=True)
    )
    # unscoped: as above, the households of those members
    touched = set(
        Membership.objects.unscoped()
        .filter(person_id__in=found, left_on__isnull=True)
        .values_list("household_id", flat=True)
    )
    by_county: dict[str, list[tuple[int, str]]] = defaultdict(list)
    seen: set[int] = set()
    salt = random.Random(f"{seed}:exchange:stages").randrange(1000, PRIME)
    rows = sorted(
        running.values_list("household_id", "programme", "area_code"),
        key=lambda r: ((r[0] * salt) % PRIME, r[0]),
    )
    for household_id, programme, area in rows:
        if household_id in seen or household_id in skip or household_id not in assessed:
            continue
        seen.add(household_id)
        by_county[area[:6]].append((household_id, programme))
    for county, households in by_county.items():  # untouched households first
        by_county[county] = [h for h in households if h[0] not in touched] + [h for h in households if h[0] in touched]
    return dict(by_county)


def _answer(bank: DepartmentClient, verification: Verification, balance_fen: int, today: dt.date) -> None:
    """The bank's answer to the waiting query: the first member holds ``balance_fen``, the others nothing."""
    query = verification.queries.get(status=VerificationQuery.Status.WAITING)
    counted = set(verification.declared.get("persons") or [])  # whom the declaration counts, as the query file
    members = members_on(verification.household, timezone.localtime(verification.requested_at).date())
    persons = [p for p in members if not counted or p.pk in counted]
    records = [
        {
            "id_number": person.id_number,
            "name": person.name,
            "institution": INSTITUTION,
            "kind": "deposit",
            "as_of": (today - dt.timedelta(days=1)).isoformat(),
            "balance": _yuan(balance_fen if n == 0 else 0),
        }
        for n, person in enumerate(persons)
    ]
    feed_submit(client=bank, source=query.source, batch=query.reference, records=records)


def _verifications(clients: dict[str, DepartmentClient], today: dt.date, skip: set[int], seed: int) -> dict[str, int]:
    by_county = _stage_households(today, skip, seed)
    bank, housing = clients[BANK], clients[HOUSING]
    done: dict[str, int] = defaultdict(int)
    for county_code, households in sorted(by_county.items()):
        if len(households) < len(STAGES):
            continue
        county = Division.objects.all().get(code=county_code.ljust(12, "0"))
        township = _account(
            f"verify-request-{county_code}", f"{county.name}乡镇核对申请（演示历史）", Role.TOWNSHIP_REVIEWER, county
        )
        officer = _account(f"verify-centre-{county_code}", f"{county.name}核对中心（演示历史）", OFFICER, county)
        for stage, (household_id, programme) in zip(STAGES, households, strict=False):
            # unscoped: demo city built by the system: the household chosen for this stage
            household = Household.objects.unscoped().get(pk=household_id)
            by_housing = stage == "doubtful" and county_code.endswith("02")
            purpose = {"consistent": "temporary", "doubtful": "housing" if by_housing else "temporary"}.get(
                stage, programme
            )
            verification = verification_request(
                actor=housing.user if by_housing else township,
                household=household,
                purpose=purpose,
                client=housing if by_housing else None,
            )
            if stage == "submitted":
                done[stage] += 1
                continue
            if stage == "returned":
                verification_review(actor=officer, verification=verification, dispatch=False, reason=RETURNED)
                done[stage] += 1
                continue
            verification_review(actor=officer, verification=verification, dispatch=True)
            if stage == "waiting":
                done[stage] += 1
                continue
            declared = int((verification.declared.get("figures") or {}).get("asset", 0))
            balance = {
                "consistent": declared,
                "inconsistent": 48_600_000,
                "recheck": 48_600_000,  # the family objects to the 不符合
            }.get(stage, declared + 3_000_000 + random.Random(f"{seed}:{household_id}").randrange(100_000, 900_000))
            _answer(bank, verification, balance, today)
            if stage == "recheck":
                # unscoped: demo city built by the system: the report just issued, objected to
                reported = Verification.objects.unscoped().get(pk=verification.pk)
                again = verification_object(actor=township, verification=reported, objection=OBJECTION)
                verification_review(actor=officer, verification=again, dispatch=True)
            done[stage] += 1
    return dict(done)


# --- The step ---------------------------------------------------------------------------------------------------


@transaction.atomic
def demo_exchange(*, scale: float, seed: int, today: dt.date | None = None) -> ExchangeDemoCounts:
    counts = ExchangeDemoCounts()
    # unscoped: demo city built by the system: the whole table is checked for its own earlier run
    if DepartmentClient.objects.unscoped().filter(name=SENDERS[0][0]).exists():
        return counts
    started = timezone.now()
    today = today or timezone.localdate()
    city = Division.objects.all().filter(code=CITY).first()
    if city is None:
        return counts
    admin = _account("exchange-admin", "数据交换管理（演示历史）", Role.CITY_ADMIN, city)
    clients = _clients(admin)
    counts.clients = len(clients)
    counts.authorisations = _authorisations(admin, today)
    batches = _batches(today, FEED_MONTHS)
    writer = _Writer(clients, counts, seed)
    # The 公安 deaths since the demo's histories begin (the registry's deaths are theirs), the others' recent months.
    dying = _deaths(writer, _batches(today, len(demo_history_months(today))), scale, seed)
    _monthly_income(writer, batches, today, seed)
    _things(writer, batches, today, scale, seed)
    # unscoped: demo city built by the system: the change requests the 公安 feeds filed
    counts.change_requests = ChangeRequest.objects.unscoped().filter(status=ChangeRequest.Status.PENDING).count()
    if batches:
        check = monthly_check_start(actor=None, month=add_months(month_of(today), -1))
        counts.findings, counts.reviews = check.findings, check.reviews
    counts.verifications = _verifications(clients, today, dying, seed)
    counts.seconds = (timezone.now() - started).total_seconds()
    return counts


def demo_step(scale: float, seed: int, say: Callable[[str], None]) -> str | None:
    done = demo_exchange(scale=scale, seed=seed)
    if not done.clients:
        return None
    stages = ", ".join(f"{stage} {n}" for stage, n in done.verifications.items())
    return (
        f"exchange: {done.clients} department clients, {done.authorisations:,} 授权书, {done.feeds} feeds of "
        f"{done.rows:,} rows ({done.matched:,} matched, {done.ambiguous} ambiguous, {done.unmatched} unmatched), "
        f"{done.change_requests} change requests to confirm, {done.findings:,} findings "
        f"({done.reviews} reviews brought "
        f"forward), 核对: {stages} in {done.seconds:.1f}s"
    )
