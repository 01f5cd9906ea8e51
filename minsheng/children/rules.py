"""The rules of children in difficulty as pure functions of the facts (DOMAIN §6.2); the numbers are data
(``assistance.Parameter``: ``children.risk_factors``, ``children.visit_days``, ``children.report_hours``,
``children.adult_age``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from minsheng.assistance.rules.selectors import parameter_for
from minsheng.children.models import COLOUR_RANK, Colour, ParentSituation, Stage

# DOMAIN §6.2 (民发〔2019〕62号): the situations in which a living parent cannot raise the child ...
UNABLE = frozenset(
    {
        ParentSituation.DISABLED,
        ParentSituation.ILL,
        ParentSituation.PRISON,
        ParentSituation.REHAB,
        ParentSituation.DEPRIVED,
        ParentSituation.OUT_OF_CONTACT,
    }
)
# ... and the parent who is gone.
GONE = frozenset({ParentSituation.DECEASED, ParentSituation.MISSING})


def de_facto_unsupported(father: str, mother: str) -> bool:
    """事实无人抚养 (DOMAIN §6.2): both parents unable (severely disabled or ill, in prison or compulsory
    rehabilitation, otherwise deprived of liberty, out of contact); or one parent dead or missing and the other unable.
    Both parents dead is an orphan, not this category."""
    situations = {father, mother}
    if father in UNABLE and mother in UNABLE:
        return True
    return bool(situations & GONE) and bool(situations & UNABLE)


def colour_for(factors: Iterable[str], bands: Iterable[Mapping[str, Any]]) -> str:
    """The highest colour any found factor gives by the rule's bands; no factor with a colour: green."""
    found = set(factors)
    colours = [band["colour"] for band in bands if band["factor"] in found]
    return max(colours, key=lambda c: COLOUR_RANK[Colour(c)], default=Colour.GREEN)


def stage_of(*, closed: bool, assessed: bool, plan_open: bool, services: int) -> str:
    """The stage from the facts (Primero's workflow): not assessed since (re)opening → assessment; assessed without an
    open plan with a service → plan; an open plan with services → services; closed → closed."""
    if closed:
        return Stage.CLOSED
    if not assessed:
        return Stage.ASSESSMENT
    if plan_open and services:
        return Stage.SERVICES
    return Stage.PLAN


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@dataclass(frozen=True)
class Rules:
    """The values in force for an area on a day."""

    risk_rule: int
    bands: tuple[Mapping[str, Any], ...]
    visit_days: Mapping[str, int]
    report_hours: int
    adult_age: int

    def interval(self, colour: str) -> int:
        return int(self.visit_days[colour or Colour.GREEN])


def rules_for(area_code: str, on: dt.date) -> Rules:
    risk = parameter_for("children.risk_factors", area_code=area_code, on=on)
    return Rules(
        risk_rule=risk.pk,
        bands=tuple(risk.value),
        visit_days=parameter_for("children.visit_days", area_code=area_code, on=on).value,
        report_hours=int(parameter_for("children.report_hours", area_code=area_code, on=on).value),
        adult_age=int(parameter_for("children.adult_age", area_code=area_code, on=on).value),
    )
