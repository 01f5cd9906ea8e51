"""The synthetic Suqian demo city: residents in households spread over the real 1,440 villages.

Everything is made up (names, IDs with valid check characters, phones, accounts); nothing is a real person.
Rates are plausible for a Jiangsu prefecture and deliberately rough: later modules calibrate assistance
recipients to the published figures (BRIEF.md), drawing from this population.

Rows are generated village by village in Python (the same seed gives the same city) and written in bulk:
PostgreSQL's COPY when the database is PostgreSQL, ``bulk_create`` otherwise. Primary keys are allocated here,
so persons, households and memberships go in without reading anything back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from minsheng.areas.models import Division
from minsheng.core.crypto import blind_index, encrypt_many, mask_bank_account, mask_id_number, mask_phone
from minsheng.people.idnumbers import synthesize_id_number
from minsheng.people.models import DisabilityCertificate, Household, IllnessType, Membership, Person
from minsheng.people.names import name_pinyin

CITY_PREFIX = "3213"
PERSONS_AT_SCALE_1 = 5_000_000

# The 60 most common surnames, roughly by frequency; given names from a pool of common characters.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
    "彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾"
)
SURNAME_WEIGHTS = [max(1.0, 60 - i) for i in range(len(SURNAMES))]
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红建国建华志"
    "强海燕国庆文斌春梅晓东小红桂兰子涵浩然欣怡雨轩梓萱宇航思远佳怡"
)
BANKS = ("中国农业银行", "中国工商银行", "中国建设银行", "中国银行", "中国邮政储蓄银行", "江苏农村商业银行")


@dataclass
class DemoCounts:
    persons: int = 0
    households: int = 0
    memberships: int = 0
    certificates: int = 0
    illnesses: int = 0
    seconds: float = 0.0
    villages: int = 0


@dataclass
class _Ids:
    person: int
    household: int
    membership: int
    certificate: int


@dataclass
class _Batch:
    persons: list[tuple[Any, ...]] = field(default_factory=list)
    households: list[tuple[Any, ...]] = field(default_factory=list)
    memberships: list[tuple[Any, ...]] = field(default_factory=list)
    certificates: list[tuple[Any, ...]] = field(default_factory=list)
    illnesses: list[tuple[int, int]] = field(default_factory=list)


class _Sequences:
    """Unique ID sequence numbers per (county, birth date, gender): odd for men, even for women."""

    def __init__(self) -> None:
        self.used: dict[tuple[str, dt.date, str], int] = {}

    def preload(self) -> None:
        """Continue after the residents already generated: the sequence is in the masked ID's last four."""
        # unscoped: demo city built by the system: the ID sequence continues over the whole registry
        rows = Person.objects.unscoped().values_list("id_masked", "birth_date", "gender").iterator(chunk_size=10_000)
        for masked, birth, gender in rows:
            key = (masked[:6], birth, gender)
            self.used[key] = max(self.used.get(key, 0), (int(masked[14:17]) + 1) // 2)

    def next(self, county: str, birth: dt.date, gender: str) -> int | None:
        key = (county, birth, gender)
        count = self.used.get(key, 0)
        if count >= 499:
            return None
        self.used[key] = count + 1
        return count * 2 + (1 if gender == "M" else 2)


def _age_years(rng: random.Random, low: int, high: int) -> int:
    return rng.randint(low, high)


def _birth(rng: random.Random, today: dt.date, age: int) -> dt.date:
    return today - dt.timedelta(days=age * 365 + rng.randint(0, 364))


def _name(rng: random.Random, surname: str | None = None) -> str:
    surname = surname or rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
    size = 1 if rng.random() < 0.3 else 2
    return surname + "".join(rng.choice(GIVEN) for _ in range(size))


def _plan_household(rng: random.Random, today: dt.date) -> list[tuple[str, int, str]]:
    """Members as (relation, age, gender); sizes average about 2.8 as in rural Jiangsu."""
    head_age = rng.choices([rng.randint(25, 44), rng.randint(45, 64), rng.randint(65, 92)], [0.35, 0.40, 0.25])[0]
    head_gender = "M" if rng.random() < 0.78 else "F"
    members = [("head", head_age, head_gender)]
    if rng.random() < (0.8 if head_age < 75 else 0.55):
        members.append(("spouse", max(20, head_age + rng.randint(-5, 3)), "F" if head_gender == "M" else "M"))
    if head_age < 70:
        for _ in range(rng.choices([0, 1, 2, 3], [0.28, 0.42, 0.25, 0.05])[0]):
            child_age = max(0, min(head_age - 20, rng.randint(0, 40)))
            members.append(("child", child_age, rng.choice("MF")))
    if head_age < 55 and rng.random() < 0.15:
        members.append(("parent", head_age + rng.randint(22, 32), rng.choice("MF")))
    if head_age >= 55 and rng.random() < 0.2:
        members.append(("grandchild", rng.randint(0, 16), rng.choice("MF")))
    return members


def generate_village(
    *,
    rng: random.Random,
    village: Division,
    persons_wanted: int,
    ids: _Ids,
    sequences: _Sequences,
    today: dt.date,
    illness_ids: Sequence[int],
    now: dt.datetime,
) -> _Batch:
    batch = _Batch()
    county = village.code[:6]
    plain: list[tuple[str, str, str]] = []  # id number, phone, account per person, encrypted in bulk below
    rows: list[list[Any]] = []
    made = 0
    while made < persons_wanted:
        plan = _plan_household(rng, today)
        household_id = ids.household
        ids.household += 1
        surname = rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
        batch.households.append(
            (household_id, f"{village.code}{household_id % 1_000_000:06d}", village.code, "", now, now)
        )
        for relation, age, gender in plan:
            birth = _birth(rng, today, min(age, 100))
            sequence = sequences.next(county, birth, gender)
            if sequence is None:
                continue
            number = synthesize_id_number(address_code=county, birth_date=birth, sequence=sequence)
            person_id = ids.person
            ids.person += 1
            name = _name(rng, surname if relation in ("head", "child", "grandchild") else None)
            phone = (
                f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"
                if 16 <= age <= 80 and rng.random() < 0.7
                else ""
            )
            account = f"62{rng.randint(10**16, 10**17 - 1)}" if age >= 18 and rng.random() < 0.6 else ""
            disabled = rng.random() < (0.006 if age < 18 else 0.02 if age < 60 else 0.045)  # about 2.5 % in all
            labour = "none" if age >= 75 or (disabled and rng.random() < 0.5) else ("partial" if age >= 65 else "full")
            plain.append((number, phone, account))
            rows.append([person_id, name, number, gender, birth, phone, account, labour, age])
            batch.memberships.append(
                (
                    ids.membership,
                    household_id,
                    person_id,
                    relation,
                    True,
                    "",
                    max(birth, today - dt.timedelta(days=7305)),
                    "",
                )
            )
            ids.membership += 1
            if disabled:
                category = rng.choices([1, 2, 3, 4, 5, 6, 7], [10, 12, 1, 50, 8, 9, 10])[0]
                grade = rng.choices([1, 2, 3, 4], [12, 25, 30, 33])[0]
                batch.certificates.append(
                    (ids.certificate, person_id, f"{number}{category}{grade}", category, grade, birth)
                )
                ids.certificate += 1
            if illness_ids and rng.random() < 0.01:
                batch.illnesses.append((person_id, rng.choice(illness_ids)))
            made += 1
    tokens_id = encrypt_many(p[0] for p in plain)
    tokens_phone = encrypt_many(p[1] for p in plain)
    tokens_account = encrypt_many(p[2] for p in plain)
    for row, id_token, phone_token, account_token in zip(rows, tokens_id, tokens_phone, tokens_account, strict=True):
        person_id, name, number, gender, birth, phone, account, labour, _age = row
        pinyin, initials = name_pinyin(name)
        batch.persons.append(
            (
                person_id,
                name,
                pinyin,
                initials,
                "resident",
                id_token,
                blind_index(number),
                mask_id_number(number),
                gender,
                birth,
                phone_token if phone else "",
                mask_phone(phone) if phone else "",
                village.code,
                village.code,
                "living",
                None,
                labour,
                rng.choice(BANKS) if account else "",
                account_token if account else "",
                mask_bank_account(account) if account else "",
                now,
                now,
            )
        )
    certificate_tokens = encrypt_many(c[2] for c in batch.certificates)
    batch.certificates = [
        (cid, pid, token, cat, grade, birth.replace(year=max(birth.year, 2000)))
        for (cid, pid, _n, cat, grade, birth), token in zip(batch.certificates, certificate_tokens, strict=True)
    ]
    return batch


PERSON_COLUMNS = [
    "id",
    "name",
    "name_pinyin",
    "name_initials",
    "id_kind",
    "id_number",
    "id_index",
    "id_masked",
    "gender",
    "birth_date",
    "phone",
    "phone_masked",
    "hukou_area_id",
    "residence_area_id",
    "status",
    "status_date",
    "labour_capacity",
    "bank_name",
    "bank_account",
    "bank_account_masked",
    "created_at",
    "updated_at",
]
HOUSEHOLD_COLUMNS = ["id", "number", "area_id", "address", "created_at", "updated_at"]
MEMBERSHIP_COLUMNS = [
    "id",
    "household_id",
    "person_id",
    "relation",
    "living_together",
    "exclusion",
    "joined_on",
    "left_reason",
]
CERTIFICATE_COLUMNS = ["id", "person_id", "number", "category", "grade", "valid_from"]


def _copy(table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """PostgreSQL COPY through psycopg 3 (far faster than INSERT for millions of rows)."""
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _write(batch: _Batch) -> None:
    if connection.vendor == "postgresql":
        _copy("people_person", PERSON_COLUMNS, batch.persons)
        _copy("people_household", HOUSEHOLD_COLUMNS, batch.households)
        _copy("people_membership", MEMBERSHIP_COLUMNS, batch.memberships)
        _copy("people_disabilitycertificate", CERTIFICATE_COLUMNS, batch.certificates)
        _copy("people_person_illnesses", ["person_id", "illnesstype_id"], batch.illnesses)
        return
    Person.objects.bulk_create(
        [Person(**dict(zip(PERSON_COLUMNS, row, strict=True))) for row in batch.persons], batch_size=2000
    )
    Household.objects.bulk_create(
        [Household(**dict(zip(HOUSEHOLD_COLUMNS, row, strict=True))) for row in batch.households], batch_size=2000
    )
    Membership.objects.bulk_create(
        [Membership(**dict(zip(MEMBERSHIP_COLUMNS, row, strict=True))) for row in batch.memberships], batch_size=2000
    )
    DisabilityCertificate.objects.bulk_create(
        [DisabilityCertificate(**dict(zip(CERTIFICATE_COLUMNS, row, strict=True))) for row in batch.certificates],
        batch_size=2000,
    )
    through = Person.illnesses.through
    through.objects.bulk_create([through(person_id=p, illnesstype_id=i) for p, i in batch.illnesses], batch_size=2000)


BULK_TABLES = (
    "people_person",
    "people_household",
    "people_membership",
    "people_disabilitycertificate",
    "people_person_illnesses",
)


@contextlib.contextmanager
def _indexes_deferred(enabled: bool) -> Iterator[None]:
    """On PostgreSQL, load an empty registry without its secondary indexes and constraints, then rebuild them.

    Keeping a dozen B-trees (random blind-index hashes among them) up to date row by row makes a 5-million
    row COPY several times slower than building each index once at the end, with a sort. The rebuild also
    re-checks every unique and foreign-key constraint, so nothing unchecked gets in.
    """
    if not enabled or connection.vendor != "postgresql":
        yield
        return
    names = ", ".join(f"'{t}'" for t in BULK_TABLES)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            f"WHERE conrelid::regclass::text IN ({names}) AND contype IN ('u', 'f')"
        )
        constraints = cursor.fetchall()
        cursor.execute(
            f"SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename IN ({names}) "
            f"AND i.indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))"
        )
        indexes = cursor.fetchall()
        for table, name, _definition, _kind in sorted(constraints, key=lambda c: c[3]):  # foreign keys first
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            for _name, definition in indexes:
                cursor.execute(definition)
            for table, name, definition, _kind in sorted(constraints, key=lambda c: c[3], reverse=True):  # unique first
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            for table in BULK_TABLES:
                cursor.execute(f"ANALYZE {table}")


def _reset_sequences() -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in ("people_person", "people_household", "people_membership", "people_disabilitycertificate"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
            )


def demo_city(
    *, scale: float, seed: int, progress: Callable[[int, int, int], None] | None = None, today: dt.date | None = None
) -> DemoCounts:
    """Add ``scale`` × 5 million synthetic residents to the Suqian villages that have none yet. Idempotent."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    # A system job: the generator reads every village and every existing resident's area.
    villages = list(Division.objects.all().filter(code__startswith=CITY_PREFIX, level="village").order_by("code"))
    if not villages:
        raise ValueError("the Suqian divisions are not loaded (manage.py load_divisions)")
    # unscoped: demo city built by the system: villages already populated are skipped
    populated = set(Person.objects.unscoped().values_list("hukou_area_id", flat=True).distinct())
    todo = [v for v in villages if v.code not in populated]
    per_village = max(1, round(PERSONS_AT_SCALE_1 * scale / len(villages)))
    illness_ids = list(IllnessType.objects.filter(active=True).values_list("pk", flat=True))

    def top(model: Any) -> int:
        return int(model._base_manager.aggregate(m=Max("id"))["m"] or 0) + 1

    ids = _Ids(top(Person), top(Household), top(Membership), top(DisabilityCertificate))
    sequences = _Sequences()
    if populated and todo:
        sequences.preload()
    counts = DemoCounts()
    now = timezone.now()
    pending = _Batch()

    def flush() -> None:
        with transaction.atomic():
            _write(pending)
        for name in ("persons", "households", "memberships", "certificates", "illnesses"):
            setattr(counts, name, getattr(counts, name) + len(getattr(pending, name)))
            getattr(pending, name).clear()

    with _indexes_deferred(enabled=not populated and bool(todo)):
        for done, village in enumerate(todo, start=1):
            village_rng = random.Random(f"{seed}:{village.code}")  # a village's people do not depend on the others
            wanted = max(1, int(per_village * village_rng.uniform(0.6, 1.4)))
            batch = generate_village(
                rng=village_rng,
                village=village,
                persons_wanted=wanted,
                ids=ids,
                sequences=sequences,
                today=today,
                illness_ids=illness_ids,
                now=now,
            )
            for name in ("persons", "households", "memberships", "certificates", "illnesses"):
                getattr(pending, name).extend(getattr(batch, name))
            counts.villages += 1
            # One transaction per ~25,000 residents: fewer commits, and a crash loses at most that much.
            if len(pending.persons) >= 25_000 or done == len(todo):
                flush()
                if progress:
                    progress(done, len(todo), counts.persons)
    _reset_sequences()
    counts.seconds = time.perf_counter() - started
    return counts


def demo_step(scale: float, seed: int, say: Callable[[str], None]) -> str:
    """The registry's part of ``manage.py demo_city``: the residents, with progress every tenth of the villages."""
    step = {"last": 0}

    def progress(done: int, total: int, persons: int) -> None:
        percent = 100 * done // total
        if percent >= step["last"] + 10 or done == total:
            step["last"] = percent
            say(f"  {percent:3d}%  {done}/{total} villages, {persons:,} residents")

    counts = demo_city(scale=scale, seed=seed, progress=progress)
    return (
        f"added {counts.persons:,} residents in {counts.households:,} households over {counts.villages} villages "
        f"({counts.certificates:,} disability certificates, {counts.illnesses:,} serious illnesses) "
        f"in {counts.seconds:.1f}s"
    )
