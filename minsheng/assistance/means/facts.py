"""Facts and rules for the engine, read in set-based queries.

:func:`facts_for_statuses` reads the facts of any number of households with a dozen queries, whatever their number:
one household for a decision, every household of an area for a policy simulation or the demo city. There is no
second, per-household way to read them, so a simulation is the sum of single decisions by construction (and a
test checks it).

:class:`RuleBook` reads every rule value in force on a date once and resolves it per area (most specific prefix
wins), remembering each area's answer.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL

from minsheng.assistance.means.engine import HouseholdFacts, MemberFacts, Rules
from minsheng.assistance.means.models import (
    AssetLine,
    AuthorisationSigner,
    EconomicStatus,
    ExpenseLine,
    IncomeLine,
    MaintenanceLine,
    MemberCondition,
)
from minsheng.assistance.rules.models import Parameter
from minsheng.assistance.rules.selectors import MissingParameter, most_specific
from minsheng.people.models import DisabilityCertificate, Membership, Person, SupportingRelative

RULE_KEYS = (
    "dibao.standard",
    "dibao.edge_multiplier",
    "tekun.base_multiplier",
    "tekun.care_tiers",
    "dibao.asset_limits",
    "dibao.uplifts",
    "dibao.rounding",
    "rigid.income_line",
    "rigid.expense_share",
    "disability.living_allowance",
    "disability.living_allowance_groups",
    "disability.care_allowance",
    "children.orphan_allowance",
    "children.ill_disabled_allowance",
    "elderly.age_allowance",
    "dibao.review_months",
    "tekun.review_months",
    "dibao.bands",
    "dibao.single_categories",
    "dibao.floor_area_per_head",
    "dibao.trees_months",
    "tekun.minor_age",
    "tekun.student_age",
    "dibao.refused_jobs",
)


# What a member's condition record says beyond the six self-care indicators, by ``MemberFacts`` field name.
CONDITION = (
    "no_able_supporter",
    "orphanhood",
    "studying",
    "returned_overseas",
    "veteran",
    "single_category",
    "refused_job_offers",
    "refused_job_reasons",
)


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


class RuleBook:
    """The rule values in force on ``on``, per area."""

    def __init__(self, on: dt.date) -> None:
        self.on = on
        rows = Parameter.objects.filter(key__in=RULE_KEYS, valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )
        self._rows: dict[str, list[Parameter]] = defaultdict(list)
        for row in rows:
            self._rows[row.key].append(row)
        self._cache: dict[str, Rules] = {}

    def row(self, key: str, area_code: str) -> Parameter:
        """The same choice as ``parameter_for``, from rows read once (called once per key and area)."""
        row = most_specific(self._rows.get(key, ()), area_code)
        if row is None:
            raise MissingParameter(f"no value of {key} for {area_code} on {self.on}")
        return row

    def for_area(self, area_code: str) -> Rules:
        rules = self._cache.get(area_code)
        if rules is None:
            rules = self._cache[area_code] = self._build(area_code)
        return rules

    def _build(self, area_code: str) -> Rules:
        rows = {key: self.row(key, area_code) for key in RULE_KEYS}
        value = {key: row.value for key, row in rows.items()}
        tiers = {band["level"]: int(band["fen"]) for band in value["tekun.care_tiers"]}
        limits = value["dibao.asset_limits"]
        rounding = value["dibao.rounding"]
        review = {band["category"]: int(band["months"]) for band in value["dibao.review_months"]}
        return Rules(
            standard_fen=int(value["dibao.standard"]),
            edge_multiplier=Decimal(str(value["dibao.edge_multiplier"])),
            tekun_multiplier=Decimal(str(value["tekun.base_multiplier"])),
            care_tiers=tiers,
            financial_months=int(limits["financial_months"]),
            vehicles_allowed=int(limits["vehicles"]),
            houses_allowed=int(limits["houses"]),
            uplifts=tuple(value["dibao.uplifts"]),
            round_to_yuan=rounding.get("to") == "yuan",
            minimum_fen=int(rounding.get("minimum_fen", 0)),
            rigid_income_line_fen=int(value["rigid.income_line"]),
            rigid_expense_share=Decimal(str(value["rigid.expense_share"])),
            disability_living_fen=int(value["disability.living_allowance"]),
            disability_living_groups=frozenset(value["disability.living_allowance_groups"]),
            disability_care_fen=int(value["disability.care_allowance"]),
            orphan_fen=int(value["children.orphan_allowance"]),
            child_ill_fen=int(value["children.ill_disabled_allowance"]),
            age_bands=tuple(sorted((int(b["from_age"]), int(b["fen"])) for b in value["elderly.age_allowance"])),
            review_months=review,
            tekun_review_months=int(value["tekun.review_months"]),
            bands=tuple(
                sorted((Decimal(str(b["income_below"])), Decimal(str(b["share"]))) for b in value["dibao.bands"])
            ),
            single_categories={c["code"]: c["label"] for c in value["dibao.single_categories"]},
            floor_area_per_head=int(value["dibao.floor_area_per_head"]),
            trees_months=int(value["dibao.trees_months"]),
            tekun_minor_age=int(value["tekun.minor_age"]),
            tekun_student_age=int(value["tekun.student_age"]),
            refused_offers=int(value["dibao.refused_jobs"]["offers"]),
            refused_share_cut=Decimal(str(value["dibao.refused_jobs"]["share_cut"])),
            refs={key: row.pk for key, row in rows.items()},
        )

    def values(self, rules: Rules) -> dict[str, dict[str, Any]]:
        """What an assessment stores of the rules it used: key → row id and value."""
        by_pk = {row.pk: row for rows in self._rows.values() for row in rows}
        return {key: {"id": pk, "value": by_pk[pk].value, "demo": by_pk[pk].is_demo} for key, pk in rules.refs.items()}


def current_statuses(area_prefix: str = "") -> QuerySet[EconomicStatus]:
    """The latest version of every household's economic status in an area (unscoped: the caller chose the area)."""
    # unscoped: subquery of the same household's later versions
    later = EconomicStatus.objects.unscoped().filter(household=OuterRef("household"), version__gt=OuterRef("version"))
    # unscoped: the area of a simulation checked when it was asked for, or the demo's; only totals leave it
    return EconomicStatus.objects.unscoped().filter(area_code__startswith=area_prefix).filter(~Exists(later))


CHUNK = 5000  # households read together: a dozen queries per chunk, memory bounded whatever the area's size


def facts_for_statuses(statuses: QuerySet[EconomicStatus], on: dt.date) -> Iterator[HouseholdFacts]:
    """The facts of the household of every status in ``statuses`` as of ``on``: a dozen queries per 5,000."""
    head = list(statuses.order_by("id").values_list("id", "household_id", "area_code"))
    for start in range(0, len(head), CHUNK):
        yield from _facts_chunk(head[start : start + CHUNK], on)


def _ids(values: list[int]) -> Any:
    """A list of ids for ``__in``: on PostgreSQL one array parameter (``unnest``), not thousands of parameters."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", (values,))
    return values


def _facts_chunk(head: list[tuple[int, int, str]], on: dt.date) -> Iterator[HouseholdFacts]:
    status_ids = _ids([row[0] for row in head])
    household_ids = _ids([row[1] for row in head])
    members: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    # unscoped: the set-based reader: members of statuses its caller already chose through the door
    rows = (
        Membership.objects.unscoped()
        .filter(household_id__in=household_ids, joined_on__lte=on)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=on))
        .filter(Q(person__status=Person.Status.LIVING) | Q(person__status_date__gt=on))
        .order_by("household_id", "id")
        .values_list(
            "household_id",
            "person_id",
            "person__name",
            "person__birth_date",
            "living_together",
            "person__labour_capacity",
            "exclusion",
        )
    )
    for row in rows:
        members[row[0]].append(row[1:])
    person_ids = _ids([row[0] for rows_of in members.values() for row in rows_of])
    disability: dict[int, tuple[int, int]] = {}
    # unscoped: the set-based reader: certificates of members of statuses the caller already chose
    certificates = (
        DisabilityCertificate.objects.unscoped()
        .filter(person_id__in=person_ids, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .values_list("person_id", "category", "grade")
    )
    for person_id, category, grade in certificates:
        known = disability.get(person_id)
        if known is None or (grade, category) < (known[1], known[0]):
            disability[person_id] = (category, grade)
    ill = set(
        Person.illnesses.through.objects.filter(person_id__in=person_ids, illnesstype__active=True).values_list(
            "person_id", flat=True
        )
    )
    counted: dict[int, int] = defaultdict(int)
    exempt: dict[int, int] = defaultdict(int)
    absent: dict[int, int] = defaultdict(int)
    wages: set[tuple[int, int | None]] = set()
    own: dict[tuple[int, int], int] = defaultdict(int)
    # unscoped: the set-based reader: lines of statuses its caller already chose through the door
    income = (
        IncomeLine.objects.unscoped()
        .filter(status_id__in=status_ids)
        .values("status_id", "person_id", "kind", "exempt")
        .annotate(amount=Sum("amount_fen"), cost=Sum("work_cost_fen"))
        .values_list("status_id", "person_id", "kind", "exempt", "amount", "cost")
    )
    member_income: dict[tuple[int, int | None], int] = defaultdict(int)
    for status_id, person_id, kind, exempt_kind, amount, cost in income:
        if exempt_kind:
            exempt[status_id] += amount
            continue
        member_income[(status_id, person_id)] += amount - cost
        if kind == IncomeLine.Kind.WAGE and amount > 0:
            wages.add((status_id, person_id))
    household_of = {status_id: household_id for status_id, household_id, _area in head}
    apart = {(household_id, row[0]) for household_id, rows_of in members.items() for row in rows_of if not row[3]}
    wage_income = {status_id for status_id, member_id in wages if (household_of[status_id], member_id) not in apart}
    for (status_id, member_id), amount in member_income.items():
        amount = max(amount, 0)  # work costs are deducted from a member's income, never below nothing
        if (household_of[status_id], member_id) in apart:
            absent[status_id] += amount  # not a 共同生活家庭成员 (DOMAIN §1.1): their income is not the family's
        else:
            counted[status_id] += amount
        if member_id is not None:
            own[(status_id, member_id)] += amount
    maintenance: dict[int, int] = defaultdict(int)
    # unscoped: the set-based reader: lines of statuses its caller already chose through the door
    lines = (
        MaintenanceLine.objects.unscoped()
        .filter(status_id__in=status_ids)
        .values("status_id", "supported_id")
        .annotate(monthly=Sum("monthly_fen"))
        .values_list("status_id", "supported_id", "monthly")
    )
    for status_id, supported_id, monthly in lines:
        maintenance[status_id] += monthly * 12
        own[(status_id, supported_id)] += monthly * 12
    assets: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    floor_area: dict[int, Decimal] = {}
    # unscoped: the set-based reader: lines of statuses its caller already chose through the door
    asset_rows = (
        AssetLine.objects.unscoped()
        .filter(status_id__in=status_ids, exempt_reason="")
        .values("status_id", "kind")
        .annotate(value=Sum("value_fen"), count=Count("id"), area=Sum("floor_area_m2"))
        .values_list("status_id", "kind", "value", "count", "area")
    )
    for status_id, kind, value, count, area in asset_rows:
        assets[status_id][kind] = (value, count)
        if kind == AssetLine.Kind.HOUSE and area is not None:
            floor_area[status_id] = Decimal(area)
    # unscoped: the set-based reader: lines of statuses its caller already chose through the door
    expenses = dict(
        ExpenseLine.objects.unscoped()
        .filter(status_id__in=status_ids)
        .values("status_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("status_id", "total")
    )
    conditions: dict[tuple[int, int], dict[str, Any]] = {}
    # unscoped: the set-based reader: lines of statuses its caller already chose through the door
    condition_rows = (
        MemberCondition.objects.unscoped()
        .filter(status_id__in=status_ids)
        .values_list("status_id", "person_id", "self_care_assessed", *MemberCondition.SELF_CARE_FIELDS, *CONDITION)
    )
    for status_id, person_id, assessed, *rest in condition_rows:
        indicators = rest[:6]
        unmet = sum(1 for met in indicators if not met) if assessed else None
        conditions[(status_id, person_id)] = {"self_care_unmet": unmet, **dict(zip(CONDITION, rest[6:], strict=True))}
    supporters: dict[tuple[int, int], list[tuple[str, str]]] = defaultdict(list)
    # unscoped: the set-based reader: relatives of households its caller already chose through the door
    relatives = (
        SupportingRelative.objects.unscoped()
        .filter(household_id__in=household_ids)
        .order_by("id")
        .values_list("household_id", "supported_id", "name", "inability")
    )
    for household_id, supported_id, relative, inability in relatives:
        supporters[(household_id, supported_id)].append((relative, inability))
    # unscoped: the set-based reader: signers of statuses its caller already chose through the door
    signed: set[tuple[int, int]] = set(
        AuthorisationSigner.objects.unscoped()
        .filter(authorisation__status_id__in=status_ids)
        .values_list("authorisation__status_id", "person_id")
    )
    financial = {kind.value for kind in AssetLine.FINANCIAL}
    for status_id, household_id, area_code in head:
        member_facts = []
        unsigned = []
        for person_id, name, birth, together, labour, exclusion in members.get(household_id, ()):
            age = age_on(birth, on)
            recorded = supporters.get((household_id, person_id))
            member_facts.append(
                MemberFacts(
                    person_id=person_id,
                    name=name,
                    age=age,
                    living_together=together,
                    labour=labour,
                    disability=disability.get(person_id),
                    serious_illness=person_id in ill,
                    own_income_fen=own.get((status_id, person_id), 0),
                    exclusion=exclusion,
                    supporters=tuple(recorded) if recorded else None,
                    **conditions.get((status_id, person_id), {}),
                )
            )
            if age >= 18 and (status_id, person_id) not in signed:
                unsigned.append(name)
        kinds = assets.get(status_id, {})
        yield HouseholdFacts(
            household_id=household_id,
            area_code=area_code,
            on=on,
            members=tuple(member_facts),
            counted_income_fen=counted.get(status_id, 0) + maintenance.get(status_id, 0),
            exempt_income_fen=exempt.get(status_id, 0),
            absent_income_fen=absent.get(status_id, 0),
            maintenance_fen=maintenance.get(status_id, 0),
            wage_income=status_id in wage_income,
            financial_assets_fen=sum(value for kind, (value, _count) in kinds.items() if kind in financial),
            vehicles=kinds.get(AssetLine.Kind.VEHICLE, (0, 0))[1],
            houses=kinds.get(AssetLine.Kind.HOUSE, (0, 0))[1],
            floor_area_m2=floor_area.get(status_id, Decimal(0)),
            trees_fen=kinds.get(AssetLine.Kind.TREES, (0, 0))[0],
            business_role=AssetLine.Kind.BUSINESS_ROLE in kinds,
            public_payroll=AssetLine.Kind.PUBLIC_PAYROLL in kinds,
            rigid_expense_fen=expenses.get(status_id, 0),
            adults_unsigned=tuple(unsigned),
            economic_status_id=status_id,
        )


def facts_for(status: EconomicStatus, on: dt.date) -> HouseholdFacts:
    """The facts of one household, through the same set-based reader."""
    # unscoped: one status the caller loaded through the door, read by the set-based reader
    statuses = EconomicStatus.objects.unscoped().filter(pk=status.pk)
    return next(iter(facts_for_statuses(statuses, on)))
