"""Elderly care's rules as data (``assistance`` parameters ``eldercare.*``, DOMAIN §6.5): who is a 特殊困难老年人,
what their care plan holds, how a visit is checked. Each is date-effective and area-scoped; a set-based job reads
every value in force once and applies to each area the most specific one (``for_area``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from minsheng.assistance.rules.models import Parameter
from minsheng.assistance.rules.selectors import parameter_for


def in_force(key: str, on: dt.date) -> list[Parameter]:
    """Every value of ``key`` in force on ``on``, the most specific area first."""
    rows = Parameter.objects.filter(key=key, valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    best: dict[str, Parameter] = {}
    for row in rows:
        if row.area_prefix not in best or row.valid_from > best[row.area_prefix].valid_from:
            best[row.area_prefix] = row
    return sorted(best.values(), key=lambda r: -len(r.area_prefix))


def for_area(rows: list[Parameter], area_code: str) -> Parameter | None:
    """Of ``in_force`` rows, the one for the longest prefix containing ``area_code``."""
    return next((r for r in rows if area_code.startswith(r.area_prefix)), None)


@dataclass(frozen=True)
class TargetRule:
    category: str
    from_age: int
    with_programme: bool


@dataclass(frozen=True)
class Targets:
    """The target-list rules of one area: the programmes, and the categories with their ages."""

    programmes: frozenset[str]
    rules: tuple[TargetRule, ...]

    @property
    def youngest(self) -> int:
        return min((r.from_age for r in self.rules), default=200)

    def qualifies(self, *, age: int, categories: set[str], programmes: set[str]) -> list[str]:
        """The categories under which a person of ``age`` qualifies (empty: not on the list)."""
        in_programme = bool(programmes & self.programmes)
        return sorted(
            {
                r.category
                for r in self.rules
                if r.category in categories and age >= r.from_age and (in_programme or not r.with_programme)
            }
        )


def targets(row: Parameter | None, programmes: Parameter | None) -> Targets:
    rules = tuple(
        TargetRule(str(v["category"]), int(v["from_age"]), v.get("with_programme") == "yes")
        for v in (row.value if row else [])
    )
    return Targets(frozenset(programmes.value if programmes else ()), rules)


def plan_for(row: Parameter | None, categories: list[str]) -> dict[str, int]:
    """Service → visits a month for a person of these categories: the most any of their rows gives."""
    plan: dict[str, int] = {}
    for item in row.value if row else []:
        if item["category"] == "all" or item["category"] in categories:
            service, per_month = str(item["service"]), int(item["per_month"])
            plan[service] = max(plan.get(service, 0), per_month)
    return plan


def visit_checks(area_code: str, on: dt.date) -> dict[str, Any]:
    """``far_metres`` and ``min_minutes`` for an area."""
    value: dict[str, Any] = parameter_for("eldercare.visit_checks", area_code=area_code, on=on).value
    return value
