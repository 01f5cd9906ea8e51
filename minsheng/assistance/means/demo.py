"""The demo city's economic statuses: for the households the bureau would know, synthetic incomes, assets and
conditions drawn around the 低保 standard (the enrolment that follows is ``benefits.demo``).

Nothing here writes a count. Households are chosen the way the bureau meets them — every household with a
disability certificate (the 残联 feed), old people living alone (the village's visits) and a sample of the
others (applications and outreach). The knobs below were tuned, with ``benefits.demo``, so that at ``--scale 1.0``
the enrolment lands on the published figures; ``make bench`` checks it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Model
from django.utils import timezone

from minsheng.assistance.means.facts import RuleBook, age_on
from minsheng.assistance.means.models import (
    AssetLine,
    Authorisation,
    AuthorisationSigner,
    EconomicStatus,
    IncomeLine,
    MaintenanceLine,
    MemberCondition,
)
from minsheng.people.models import Household

CITY_PREFIX = "3213"
# Which households the bureau knows (has an economic status for).
SAMPLE_PER_MILLE = 45  # of the other households: applications and outreach
# Per-capita income as a multiple of the standard: (share poor < 1, share near 1–1.5); the rest above 1.5.
# Calibrated against the scale-1.0 outcome (docs/benchmarks.md, "Calibration"): the sample's poor share from 0.20
# to 0.192 took 低保 from +1.2 % to the published figure (the sample holds ~27 % of the 低保 persons; no disabled).
INCOME_MIX = {"disabled": (0.25, 0.38), "elderly_alone": (0.20, 0.25), "sample": (0.192, 0.22)}
# Old people alone with no relative able to support them: the only 特困 of the demo (0.15 gave 16,934 at scale 1.0).
ELDERLY_ALONE_NO_SUPPORTER = 0.155
# Of the minors in the households the bureau knows; a fraction of a mille (53 gave 5,917 orphans at scale 1.0, and
# 3,378 children with a serious illness or severe disability; an orphan is counted once, as an orphan).
ORPHAN_PER_MILLE = 55.8
OVER_ASSET_LIMIT = 0.05
CAR = 0.03
UNSIGNED = 0.02


def _chosen_households(today: dt.date, sample_per_mille: int) -> dict[int, str]:
    """household id → why the bureau knows it, read with three set-based statements."""
    chosen: dict[int, str] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT m.household_id FROM people_membership m "
            "JOIN people_disabilitycertificate c ON c.person_id = m.person_id WHERE m.left_on IS NULL"
        )
        chosen.update((row[0], "disabled") for row in cursor.fetchall())
        cutoff = dt.date(today.year - 60, today.month, min(today.day, 28))
        cursor.execute(
            "SELECT m.household_id FROM people_membership m JOIN people_person p ON p.id = m.person_id "
            "WHERE m.left_on IS NULL GROUP BY m.household_id HAVING COUNT(*) = 1 AND MAX(p.birth_date) <= %s",
            [cutoff],
        )
        for (household_id,) in cursor.fetchall():
            chosen.setdefault(household_id, "elderly_alone")
        cursor.execute("SELECT id FROM people_household WHERE id %% 1000 < %s", [sample_per_mille])
        for (household_id,) in cursor.fetchall():
            chosen.setdefault(household_id, "sample")
    return chosen


def _members(household_ids: list[int]) -> dict[int, list[tuple[int, str, dt.date]]]:
    """household id → [(person id, relation, birth date)] of the current members, head first."""
    members: dict[int, list[tuple[int, str, dt.date]]] = defaultdict(list)
    with connection.cursor() as cursor:
        for start in range(0, len(household_ids), 20_000):
            chunk = household_ids[start : start + 20_000]
            marks = ",".join(["%s"] * len(chunk))
            cursor.execute(
                "SELECT m.household_id, m.person_id, m.relation, p.birth_date FROM people_membership m "
                f"JOIN people_person p ON p.id = m.person_id WHERE m.left_on IS NULL AND m.household_id IN ({marks}) "
                "ORDER BY m.household_id, m.relation <> 'head', m.id",
                chunk,
            )
            for household_id, person_id, relation, birth in cursor.fetchall():
                if isinstance(birth, str):
                    birth = dt.date.fromisoformat(birth)
                members[household_id].append((person_id, relation, birth))
    return members


class _Ids:
    def __init__(self) -> None:
        def top(model: Any) -> int:
            return int(model._base_manager.aggregate(m=Max("id"))["m"] or 0) + 1

        self.next = {model: top(model) for model in _TABLES}

    def take(self, model: Any) -> int:
        value = self.next[model]
        self.next[model] = value + 1
        return value


_TABLES = (EconomicStatus, IncomeLine, MaintenanceLine, AssetLine, MemberCondition, Authorisation, AuthorisationSigner)


def _per_mille(rng: random.Random, rate: float) -> bool:
    """True with probability ``rate`` per mille. The fraction of a mille is drawn only on the boundary mille, so a
    higher rate adds cases to those a lower one draws and never reshuffles them (the tuning stays monotone)."""
    whole = int(rate)
    draw = rng.randrange(1000)
    return draw < whole or (draw == whole and rng.random() < rate - whole)


def _generate(
    rng: random.Random,
    household: Household,
    why: str,
    members: list[tuple[int, str, dt.date]],
    ids: _Ids,
    rows: dict[Any, list[Any]],
    *,
    standard: int,
    today: dt.date,
    window_end: dt.date,
    now: dt.datetime,
) -> None:
    status_id = ids.take(EconomicStatus)
    rows[EconomicStatus].append(
        EconomicStatus(
            id=status_id,
            household_id=household.pk,
            version=1,
            area_code=household.area_id,
            window_start=dt.date(window_end.year - 1, window_end.month, 1),
            window_end=window_end,
            recorded_at=now,
        )
    )
    ages = [(person_id, relation, age_on(birth, today)) for person_id, relation, birth in members]
    poor, near = INCOME_MIX[why]
    draw = rng.random()
    if draw < poor:
        ratio = rng.uniform(0.0, 0.95)
    elif draw < poor + near:
        ratio = rng.uniform(1.02, 1.48)
    else:
        ratio = rng.uniform(1.6, 3.5)
    yearly = int(ratio * standard * len(members) * 12)
    earners = [p for p, _r, age in ages if 18 <= age < 60]
    if why == "elderly_alone" and rng.random() < ELDERLY_ALONE_NO_SUPPORTER:
        yearly = int(rng.uniform(0.0, 0.6) * standard * 12)  # a small pension, no one to turn to
        no_supporter = True
    else:
        no_supporter = False
    if yearly:
        earner = rng.choice(earners) if earners else ages[0][0]
        rows[IncomeLine].append(
            IncomeLine(
                id=ids.take(IncomeLine),
                status_id=status_id,
                person_id=earner,
                kind="wage" if earners else "transfer",
                amount_fen=yearly,
            )
        )
    for person_id, _relation, age in ages:
        if age >= 60:  # the central basic pension is not counted (DOMAIN §1.1)
            rows[IncomeLine].append(
                IncomeLine(
                    id=ids.take(IncomeLine),
                    status_id=status_id,
                    person_id=person_id,
                    kind="transfer",
                    exempt="basic_pension",
                    amount_fen=rng.choice([14_300, 16_300, 18_300]) * 12,
                )
            )
    roll = rng.random()
    if roll < OVER_ASSET_LIMIT:
        rows[AssetLine].append(
            AssetLine(
                id=ids.take(AssetLine),
                status_id=status_id,
                kind="deposit",
                value_fen=int(standard * len(members) * rng.uniform(25, 60)),
            )
        )
    elif roll < OVER_ASSET_LIMIT + CAR:
        rows[AssetLine].append(
            AssetLine(
                id=ids.take(AssetLine), status_id=status_id, kind="vehicle", value_fen=rng.randint(3, 12) * 1_000_000
            )
        )
    for person_id, _relation, age in ages:
        orphan = age < 18 and _per_mille(rng, ORPHAN_PER_MILLE)
        elderly = age >= 60 and (why == "elderly_alone" or rng.random() < 0.1)
        if orphan or elderly:
            unmet = rng.choices([0, 1, 2, 3, 4, 5, 6], [55, 10, 8, 7, 8, 6, 6])[0] if elderly else 0
            indicators = {name: index >= unmet for index, name in enumerate(MemberCondition.SELF_CARE_FIELDS)}
            rows[MemberCondition].append(
                MemberCondition(
                    id=ids.take(MemberCondition),
                    status_id=status_id,
                    person_id=person_id,
                    self_care_assessed=elderly,
                    no_able_supporter=no_supporter,
                    orphanhood=rng.choice(["orphan", "de_facto"]) if orphan else "",
                    **indicators,
                )
            )
    if why == "elderly_alone" and not no_supporter and rng.random() < 0.5:
        rows[MaintenanceLine].append(
            MaintenanceLine(
                id=ids.take(MaintenanceLine),
                status_id=status_id,
                supported_id=ages[0][0],
                name="子女",
                monthly_fen=rng.choice([20_000, 30_000, 50_000]),
            )
        )
    authorisation_id = ids.take(Authorisation)
    rows[Authorisation].append(
        Authorisation(id=authorisation_id, status_id=status_id, serial=f"DEMO-{status_id}", signed_on=window_end)
    )
    adults = [p for p, _r, age in ages if age >= 18]
    skip = adults[-1] if len(adults) > 1 and rng.random() < UNSIGNED else None
    for person_id, _relation, _age in ages:
        if person_id != skip:
            rows[AuthorisationSigner].append(
                AuthorisationSigner(
                    id=ids.take(AuthorisationSigner), authorisation_id=authorisation_id, person_id=person_id
                )
            )


def reset_sequences(*models: type[Model]) -> None:
    """After bulk inserts with explicit ids: move PostgreSQL's id sequences of ``models`` past the highest id."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 1))"
            )


def demo_economic_statuses(
    *,
    seed: int,
    today: dt.date,
    progress: Callable[[str], None] | None = None,
    sample_per_mille: int = SAMPLE_PER_MILLE,
) -> int:
    """Economic statuses for the households the bureau knows and has none for yet. Returns how many."""
    chosen = _chosen_households(today, sample_per_mille)
    # unscoped: demo city built by the system: households with a status already are skipped
    known = set(EconomicStatus.objects.unscoped().values_list("household_id", flat=True))
    todo = sorted(h for h in chosen if h not in known)
    if not todo:
        return 0
    book = RuleBook(today)
    window_end = today.replace(day=1)
    now = timezone.now()
    ids = _Ids()
    made = 0
    for start in range(0, len(todo), 20_000):
        chunk = todo[start : start + 20_000]
        members = _members(chunk)
        # unscoped: demo city built by the system: the households chosen for economic statuses
        households = Household.objects.unscoped().in_bulk(chunk)
        rows: dict[Any, list[Any]] = defaultdict(list)
        for household_id in chunk:
            if not members.get(household_id):
                continue
            household = households[household_id]
            rng = random.Random(f"{seed}:means:{household_id}")
            standard = book.for_area(household.area_id).standard_fen
            _generate(
                rng, household, chosen[household_id], members[household_id], ids, rows,
                standard=standard, today=today, window_end=window_end, now=now,
            )  # fmt: skip
            made += 1
        with transaction.atomic():
            for model in _TABLES:
                model.objects.bulk_create(rows[model], batch_size=5000)
        if progress:
            progress(f"{min(start + 20_000, len(todo)):,}/{len(todo):,} households with an economic status")
    reset_sequences(*_TABLES)
    return made
