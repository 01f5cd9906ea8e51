"""The means-test engine (DOMAIN §1.1–1.3, §2, §4, §6): pure functions from facts and rules to decisions.

Nothing here touches the database. ``facts.py`` builds the facts of one household (for a decision) or of every
household of an area in a handful of set-based queries (for policy simulation and the demo city); both then call
:func:`assess`, so a simulation and the sum of single decisions cannot disagree.

Money is in fen (integers); per-capita figures are exact ``Decimal`` fractions until the one rounding step the
rules name (``dibao.rounding``). Every result carries its explanation: the steps in words a family understands,
rendered in the active language (the services store them in Chinese).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from minsheng.assistance.programmes import Programme
from minsheng.core.templatetags.money import yuan  # one money format, explanations and pages alike

TWELVE = Decimal(12)
# Disability categories on the certificate (DOMAIN §6.1): 1 visual, 2 hearing, 3 speech, 4 physical,
# 5 intellectual, 6 psychiatric, 7 multiple.
VISUAL, PHYSICAL, INTELLECTUAL, PSYCHIATRIC, MULTIPLE = 1, 4, 5, 6, 7


@dataclass(frozen=True)
class MemberFacts:
    person_id: int
    name: str
    age: int
    living_together: bool
    labour: str  # full / partial / none
    disability: tuple[int, int] | None = None  # (category, grade) of the most severe valid certificate
    serious_illness: bool = False
    own_income_fen: int = 0  # counted income over 12 months attributed to the member, maintenance included
    self_care_unmet: int | None = None  # None: not assessed
    no_able_supporter: bool = False  # declared: no relative with a duty of support (used when none is recorded)
    orphanhood: str = ""
    exclusion: str = ""  # why not living together (Membership.Exclusion): clergy, detained, missing, other
    studying: bool = False
    returned_overseas: bool = False
    veteran: bool = False
    single_category: str = ""  # a code of the county's list of members who may be covered alone
    refused_job_offers: int = 0
    refused_job_reasons: str = ""
    # The obligated relatives recorded for the member: (name, why unable — "" when able); None: none recorded.
    supporters: tuple[tuple[str, str], ...] | None = None

    @property
    def severely_disabled(self) -> bool:
        """Grade 1–2, or grade 3 intellectual or psychiatric (DOMAIN §1.1, 单独申请)."""
        if self.disability is None:
            return False
        category, grade = self.disability
        return grade <= 2 or (grade == 3 and category in {INTELLECTUAL, PSYCHIATRIC})

    @property
    def unable_to_work_by_disability(self) -> bool:
        """无劳动能力 by disability (DOMAIN §2): intellectual/psychiatric 1–3, physical or multiple 1–2, visual 1."""
        if self.disability is None:
            return False
        category, grade = self.disability
        if category in {INTELLECTUAL, PSYCHIATRIC}:
            return grade <= 3
        if category in {PHYSICAL, MULTIPLE}:
            return grade <= 2
        return category == VISUAL and grade == 1


@dataclass(frozen=True)
class HouseholdFacts:
    household_id: int
    area_code: str
    on: dt.date
    members: tuple[MemberFacts, ...]
    counted_income_fen: int = 0  # 12 months, exempt lines left out, work costs deducted, maintenance included
    exempt_income_fen: int = 0
    absent_income_fen: int = 0  # income of members not living together: theirs, not the family's (not counted)
    maintenance_fen: int = 0  # 12 months, already inside counted_income_fen
    wage_income: bool = False
    financial_assets_fen: int = 0
    vehicles: int = 0
    houses: int = 0
    floor_area_m2: Decimal = Decimal(0)  # of the houses that count
    trees_fen: int = 0  # 林木 that count
    business_role: bool = False
    public_payroll: bool = False
    rigid_expense_fen: int = 0
    adults_unsigned: tuple[str, ...] = ()  # names of adult members who have not signed the authorisation
    economic_status_id: int | None = None

    @cached_property
    def covered(self) -> tuple[MemberFacts, ...]:
        return tuple(m for m in self.members if m.living_together)

    def as_inputs(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "members"}
        data["members"] = [{name: getattr(m, name) for name in m.__dataclass_fields__} for m in self.members]
        return data


@dataclass(frozen=True)
class Rules:
    """The rule values in force for one area on one date; ``refs`` maps each key to the Parameter row used."""

    standard_fen: int
    edge_multiplier: Decimal
    tekun_multiplier: Decimal
    care_tiers: dict[str, int]  # able / partly_unable / fully_unable
    financial_months: int
    vehicles_allowed: int
    houses_allowed: int
    uplifts: tuple[dict[str, Any], ...]
    round_to_yuan: bool
    minimum_fen: int
    rigid_income_line_fen: int
    rigid_expense_share: Decimal
    disability_living_fen: int
    disability_living_groups: frozenset[str]  # "dibao", and "edge" where the city extends the living allowance
    disability_care_fen: int
    orphan_fen: int
    child_ill_fen: int
    age_bands: tuple[tuple[int, int], ...]  # (from_age, fen), ascending
    review_months: dict[str, int]
    tekun_review_months: int
    bands: tuple[tuple[Decimal, Decimal], ...]  # 分档: (income below this share of S, paid share of S); () = 补差
    single_categories: dict[str, str]  # the county's categories of members covered alone: code → label
    floor_area_per_head: int  # m² of housing per person living together
    trees_months: int  # 林木 per person, in months of the standard
    tekun_minor_age: int  # under this age a child cannot work (特困 candidate)
    tekun_student_age: int  # a member still studying stays a candidate until this age
    refused_offers: int  # suitable job offers refused without good reason that cut the member's share (Art. 45)
    refused_share_cut: Decimal  # share of the member's part cut (1 = stopped)
    refs: dict[str, int] = field(default_factory=dict, compare=False)

    def with_standard(self, standard_fen: int) -> Rules:
        return replace(self, standard_fen=standard_fen)


@dataclass
class Result:
    programme: str
    eligible: bool
    monthly_fen: int = 0
    person_id: int | None = None
    category: str = ""
    covered: int = 0
    review_class: str = ""
    explanation: list[str] = field(default_factory=list)
    refusal_reasons: list[str] = field(default_factory=list)


class _Notes:
    """Collects explanation lines; with ``explain=False`` (simulation) formatting is skipped entirely."""

    def __init__(self, explain: bool) -> None:
        self.explain = explain
        self.lines: list[str] = []

    def add(self, make: Callable[[], str]) -> None:
        if self.explain:
            self.lines.append(make())


def _refuse(result: Result, explain: bool, reason: Callable[[], str]) -> None:
    """Record a reason for refusal; without ``explain`` only that there is one (words cost time in simulation)."""
    result.refusal_reasons.append(reason() if explain else "")


def _round(amount: Decimal, rules: Rules) -> int:
    if rules.round_to_yuan:
        return int((amount / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * 100
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _round_up(amount: Decimal, rules: Rules) -> int:
    """Rounded up to the yuan (or fen): for amounts the rules set as "at least" (特困 basic support, DOMAIN §2)."""
    if rules.round_to_yuan:
        return int((amount / 100).quantize(Decimal(1), rounding=ROUND_CEILING)) * 100
    return int(amount.quantize(Decimal(1), rounding=ROUND_CEILING))


def _share(ratio: Decimal, fen: int) -> int:
    return int((ratio * fen).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def asset_problems(facts: HouseholdFacts, rules: Rules, persons: int, explain: bool = True) -> list[str]:
    """The reasons the household fails the asset test (empty when it passes; unworded with ``explain=False``)."""
    problems: list[str] = []
    limit = rules.financial_months * rules.standard_fen * max(persons, 1)
    if facts.financial_assets_fen > limit:
        problems.append(
            (
                _(
                    "Financial assets of ¥%(assets)s exceed the limit of ¥%(limit)s "
                    "(%(months)s months of the standard per person)."
                )
                % {"assets": yuan(facts.financial_assets_fen), "limit": yuan(limit), "months": rules.financial_months}
            )
            if explain
            else ""
        )
    if facts.vehicles > rules.vehicles_allowed:
        problems.append(
            (
                _("The household owns %(count)s motor vehicle(s) that are not exempt; %(allowed)s allowed.")
                % {"count": facts.vehicles, "allowed": rules.vehicles_allowed}
            )
            if explain
            else ""
        )
    if facts.houses > rules.houses_allowed:
        problems.append(
            (
                _("The household owns %(count)s houses; %(allowed)s allowed.")
                % {"count": facts.houses, "allowed": rules.houses_allowed}
            )
            if explain
            else ""
        )
    area_limit = rules.floor_area_per_head * max(persons, 1)
    if facts.floor_area_m2 > area_limit:
        problems.append(
            (
                _("Housing of %(area)s m² exceeds the limit of %(limit)s m² (%(per)s m² per person).")
                % {"area": facts.floor_area_m2.normalize(), "limit": area_limit, "per": rules.floor_area_per_head}
            )
            if explain
            else ""
        )
    trees_limit = rules.trees_months * rules.standard_fen * max(persons, 1)
    if facts.trees_fen > trees_limit:
        problems.append(
            (
                _(
                    "Trees (林木) worth ¥%(value)s exceed the limit of ¥%(limit)s (%(months)s months of the standard "
                    "per person)."
                )
                % {"value": yuan(facts.trees_fen), "limit": yuan(trees_limit), "months": rules.trees_months}
            )
            if explain
            else ""
        )
    if facts.business_role:
        problems.append(
            (_("A member is the legal representative, a shareholder or an executive of a company.")) if explain else ""
        )
    if facts.public_payroll:
        problems.append((_("A member is paid from the public budget (财政供养人员).")) if explain else "")
    return problems


def _uplift_ratio(member: MemberFacts, rules: Rules, alone: bool) -> tuple[Decimal, str]:
    """The highest 分类施保 uplift the member qualifies for (one per member); ``alone``: the only member covered."""
    best = (Decimal(0), "")
    for band in rules.uplifts:
        category = band["category"]
        old_enough = member.age >= int(band.get("min_age", 60 if category == "elderly" else 0))
        applies = (
            (category == "elderly" and old_enough)
            or (category == "minor" and member.age < 18)
            or (category == "severe_disability" and member.severely_disabled)
            or (category == "serious_illness" and member.serious_illness)
            or (category == "alone" and alone and old_enough)
            or (category == "returned_overseas" and member.returned_overseas)
            or (category == "veteran" and member.veteran)
        )
        ratio = Decimal(str(band["ratio"]))
        if applies and ratio > best[0]:
            best = (ratio, category)
    return best


UPLIFT_LABELS = {
    "elderly": gettext_noop("older person"),
    "minor": gettext_noop("minor"),
    "severe_disability": gettext_noop("severe disability"),
    "serious_illness": gettext_noop("serious illness"),
    "alone": gettext_noop("living alone"),
    "returned_overseas": gettext_noop("returned overseas Chinese"),
    "veteran": gettext_noop("veteran"),
}


def _uplifts(members: tuple[MemberFacts, ...], rules: Rules, notes: _Notes, alone: bool = False) -> dict[int, int]:
    """Each member's 分类施保 uplift in fen (members without one are left out)."""
    amounts: dict[int, int] = {}
    for member in members:
        ratio, category = _uplift_ratio(member, rules, alone)
        if ratio:
            amount = _share(ratio, rules.standard_fen)
            amounts[member.person_id] = amount
            notes.add(
                lambda m=member, r=ratio, c=category, a=amount: (  # type: ignore[misc]
                    _("分类施保 for %(name)s (%(category)s): %(ratio)s × standard = ¥%(amount)s.")
                    % {"name": m.name, "category": _(UPLIFT_LABELS[c]), "ratio": r, "amount": yuan(a)}
                )
            )
    return amounts


def _with_floor(amount: int, rules: Rules, notes: _Notes) -> int:
    """The amount of an eligible household, never below the local minimum payment (even when the gap rounds to 0)."""
    if amount < rules.minimum_fen:
        notes.add(lambda: _("Raised to the smallest payment of ¥%(min)s.") % {"min": yuan(rules.minimum_fen)})
        return rules.minimum_fen
    return amount


def review_class(facts: HouseholdFacts) -> str:
    """A: no working-age member able to work (annual review); B: working-age members with wages (half-yearly);
    C: working-age members without wage income, i.e. volatile income (quarterly) — DOMAIN §1.4."""
    working = [m for m in facts.covered if 16 <= m.age < 60 and m.labour != "none" and not m.severely_disabled]
    if not working:
        return "A"
    return "B" if facts.wage_income else "C"


def assess(facts: HouseholdFacts, rules: Rules, *, explain: bool = True, allowances: bool = True) -> list[Result]:
    """Every programme's decision for the household and its members.

    特困 comes first: a member eligible for 特困 is supported by it, so the household's 低保, edge and rigid-expense
    tests count the other members and their income only (no one is paid twice for the same living costs).
    ``allowances=False`` leaves out the allowances that do not depend on the means test's money (a policy
    simulation of the 低保 standard needs 低保, 特困 and edge status only).
    """
    tekun = {m.person_id: _tekun(m, facts, rules, explain) for m in facts.members}
    supported = [m for m in facts.covered if (r := tekun[m.person_id]) is not None and r.eligible]
    rest = facts
    if supported:
        supported_ids = {m.person_id for m in supported}
        rest = replace(
            facts,
            members=tuple(m for m in facts.members if m.person_id not in supported_ids),
            counted_income_fen=facts.counted_income_fen - sum(m.own_income_fen for m in supported),
        )
    dibao = _dibao(rest, rules, explain)
    if supported and explain:
        names = "、".join(m.name for m in supported)
        dibao.explanation.insert(0, _("%(names)s: supported by 特困, not counted here.") % {"names": names})
    results = [dibao]
    edge_eligible = False
    if not dibao.eligible and rest.covered:
        edge = _edge(rest, rules, explain)
        results.append(edge)
        edge_eligible = edge.eligible
        if edge.eligible:
            results.extend(_single_dibao(rest, rules, explain))
        else:
            results.append(_rigid(rest, rules, explain))
    results.extend(_clergy(facts, rules, explain))
    if not allowances:
        results.extend(r for r in tekun.values() if r is not None)
        return results
    single = {r.person_id for r in results if r.programme == Programme.DIBAO and r.person_id and r.eligible}
    covered = {m.person_id for m in rest.covered}
    for member in facts.members:
        group = ""
        if (dibao.eligible and member.person_id in covered) or member.person_id in single:
            group = "dibao"
        elif edge_eligible and member.person_id in covered:
            group = "edge"
        results.extend(_person_programmes(member, rules, explain, tekun[member.person_id], group))
    return results


def _per_capita(facts: HouseholdFacts, persons: int) -> Decimal:
    return Decimal(facts.counted_income_fen) / TWELVE / max(persons, 1)


def _dibao(facts: HouseholdFacts, rules: Rules, explain: bool) -> Result:
    notes = _Notes(explain)
    covered = facts.covered
    n = len(covered)
    result = Result(Programme.DIBAO, eligible=False, covered=n, category="income")
    standard = rules.standard_fen
    monthly_income = Decimal(facts.counted_income_fen) / TWELVE
    per_capita = _per_capita(facts, n)
    notes.add(lambda: _("The 低保 standard is ¥%(s)s per person per month.") % {"s": yuan(standard)})
    notes.add(
        lambda: (
            _(
                "Counted income over the 12 months: ¥%(total)s "
                "(maintenance owed by relatives elsewhere ¥%(maint)s included; "
                "¥%(exempt)s of exempt income not counted)."
            )
            % {
                "total": yuan(facts.counted_income_fen),
                "maint": yuan(facts.maintenance_fen),
                "exempt": yuan(facts.exempt_income_fen),
            }
        )
    )
    if facts.absent_income_fen:
        notes.add(
            lambda: (
                _("Income of members not living together (¥%(absent)s) is theirs, not the family's: not counted.")
                % {"absent": yuan(facts.absent_income_fen)}
            )
        )
    notes.add(
        lambda: (
            _("Per month ¥%(month)s, shared by %(n)s members living together: ¥%(pc)s per person.")
            % {"month": yuan(monthly_income), "n": n, "pc": yuan(per_capita)}
        )
    )
    if n == 0:
        _refuse(
            result, explain, lambda: _("No member is left to cover: none lives together, or all are supported by 特困.")
        )
    if facts.adults_unsigned:
        _refuse(
            result,
            explain,
            lambda: (
                _("The verification authorisation is not signed by: %(names)s.")
                % {"names": "、".join(facts.adults_unsigned)}
            ),
        )
    if n and per_capita >= standard:
        _refuse(
            result,
            explain,
            lambda: (
                _("Income per person ¥%(pc)s is not below the standard ¥%(s)s.")
                % {"pc": yuan(per_capita), "s": yuan(standard)}
            ),
        )
    result.refusal_reasons.extend(asset_problems(facts, rules, n, explain))
    if result.refusal_reasons:
        result.explanation = notes.lines + result.refusal_reasons if explain else []
        return result
    base = _banded(per_capita, n, rules, notes) if rules.bands else _gap(per_capita, monthly_income, n, rules, notes)
    uplifts = _uplifts(covered, rules, notes, alone=n == 1)
    total = _with_floor(base + sum(uplifts.values()), rules, notes)
    total = max(total - _refused_jobs(covered, base, n, uplifts, rules, notes), 0)
    result.eligible = True
    result.monthly_fen = total
    result.review_class = review_class(facts)
    notes.add(
        lambda: (
            _("Monthly 低保 benefit: ¥%(amount)s for %(n)s persons; review class %(cls)s.")
            % {"amount": yuan(total), "n": n, "cls": result.review_class}
        )
    )
    result.explanation = notes.lines
    return result


def _gap(per_capita: Decimal, monthly_income: Decimal, n: int, rules: Rules, notes: _Notes) -> int:
    """补差 (DOMAIN §1.3): (standard − income per person) × members, rounded once."""
    base = _round(rules.standard_fen * n - monthly_income, rules)
    notes.add(
        lambda: (
            _("补差: (¥%(s)s − ¥%(pc)s) × %(n)s = ¥%(amount)s per month.")
            % {"s": yuan(rules.standard_fen), "pc": yuan(per_capita), "n": n, "amount": yuan(base)}
        )
    )
    return base


def _banded(per_capita: Decimal, n: int, rules: Rules, notes: _Notes) -> int:
    """分档 (DOMAIN §1.3): the band of the income per person (below a share of the standard) pays a share of the
    standard per member; income above every band's limit (but below the standard) takes the last band."""
    below, share = next(
        ((limit, paid) for limit, paid in rules.bands if per_capita < limit * rules.standard_fen), rules.bands[-1]
    )
    base = _round(share * rules.standard_fen * n, rules)
    notes.add(
        lambda: (
            _(
                "分档: income per person ¥%(pc)s is below %(below)s × standard; the band pays %(share)s × ¥%(s)s × "
                "%(n)s = ¥%(amount)s per month."
            )
            % {
                "pc": yuan(per_capita),
                "below": below,
                "share": share,
                "s": yuan(rules.standard_fen),
                "n": n,
                "amount": yuan(base),
            }
        )
    )
    return base


def _refused_jobs(
    covered: tuple[MemberFacts, ...], base: int, n: int, uplifts: dict[int, int], rules: Rules, notes: _Notes
) -> int:
    """Art. 45: a working-age member who refused the set number of suitable job offers without good reason has
    their own share (the household's base ÷ members, plus their uplift) cut by the set share — only with the
    written reasons on record (a cut needs them)."""
    cut_total = 0
    for member in covered:
        if not (16 <= member.age < 60 and member.refused_job_offers >= rules.refused_offers):
            continue
        if not member.refused_job_reasons.strip():
            notes.add(
                lambda m=member: (  # type: ignore[misc]
                    _("%(name)s refused %(count)s job offers, but no written reasons are recorded: not reduced.")
                    % {"name": m.name, "count": m.refused_job_offers}
                )
            )
            continue
        own_share = Decimal(base) / n + uplifts.get(member.person_id, 0)
        cut = _round(rules.refused_share_cut * own_share, rules)
        cut_total += cut
        notes.add(
            lambda m=member, o=own_share, c=cut: (  # type: ignore[misc]
                _(
                    "%(name)s refused %(count)s suitable job offers without good reason (%(reasons)s): "
                    "own share ¥%(share)s reduced by %(cut_share)s, ¥%(cut)s less."
                )
                % {
                    "name": m.name,
                    "count": m.refused_job_offers,
                    "reasons": m.refused_job_reasons.strip(),
                    "share": yuan(o),
                    "cut_share": rules.refused_share_cut,
                    "cut": yuan(c),
                }
            )
        )
    return cut_total


def _edge(facts: HouseholdFacts, rules: Rules, explain: bool) -> Result:
    notes = _Notes(explain)
    n = len(facts.covered)
    line = rules.edge_multiplier * rules.standard_fen
    per_capita = _per_capita(facts, n)
    result = Result(Programme.EDGE, eligible=False, covered=n)
    notes.add(
        lambda: (
            _("Edge line: %(m)s × standard = ¥%(line)s per person; income per person ¥%(pc)s.")
            % {"m": rules.edge_multiplier, "line": yuan(line), "pc": yuan(per_capita)}
        )
    )
    if n == 0:
        _refuse(result, explain, lambda: _("No member of the household counts as living together."))
    if per_capita >= line:
        _refuse(
            result,
            explain,
            lambda: (
                _("Income per person ¥%(pc)s is not below the edge line ¥%(line)s.")
                % {"pc": yuan(per_capita), "line": yuan(line)}
            ),
        )
    result.refusal_reasons.extend(asset_problems(facts, rules, n, explain))
    result.eligible = not result.refusal_reasons
    if result.eligible:
        notes.add(lambda: _("The household is a 低保边缘 family (专项 and temporary assistance, no monthly 低保)."))
    result.explanation = notes.lines + (result.refusal_reasons if explain else [])
    return result


def _single_reason(member: MemberFacts, rules: Rules) -> tuple[str, str] | None:
    """Why a member of a 低保边缘 family may be covered alone (category code, words), or None (DOMAIN §1.1)."""
    if member.severely_disabled:
        return "disability_single", _("severe disability")
    if member.serious_illness:
        return "illness_single", _("serious illness")
    if member.single_category and member.single_category in rules.single_categories:
        return "county_single", rules.single_categories[member.single_category]
    return None


def _single_dibao(facts: HouseholdFacts, rules: Rules, explain: bool) -> list[Result]:
    """单人保: in an edge family, a severely disabled or seriously ill member, or one of a category the county
    defines (``dibao.single_categories``), may be covered alone."""
    results = []
    for member in facts.covered:
        reason = _single_reason(member, rules)
        if reason is not None:
            results.append(_alone(member, reason, facts, rules, explain, in_edge_family=True))
    return results


def _clergy(facts: HouseholdFacts, rules: Rules, explain: bool) -> list[Result]:
    """Clergy in hardship who have lived at a religious site 3 years or more apply alone (DOMAIN §1.1): they are
    not members living together, and their own income is weighed against the standard."""
    return [
        _alone(member, ("clergy_single", _("clergy at a religious site")), facts, rules, explain, in_edge_family=False)
        for member in facts.members
        if not member.living_together and member.exclusion == "clergy"
    ]


def _alone(
    member: MemberFacts,
    reason: tuple[str, str],
    facts: HouseholdFacts,
    rules: Rules,
    explain: bool,
    *,
    in_edge_family: bool,
) -> Result:
    notes = _Notes(explain)
    category, why = reason
    result = Result(Programme.DIBAO, eligible=False, person_id=member.person_id, category=category, covered=1)
    own = Decimal(member.own_income_fen) / TWELVE
    if in_edge_family:
        notes.add(
            lambda: (
                _("单人保: %(name)s (%(why)s) in a 低保边缘 family is assessed alone; own income ¥%(own)s per month.")
                % {"name": member.name, "why": why, "own": yuan(own)}
            )
        )
    else:
        notes.add(
            lambda: (
                _("单独申请: %(name)s (%(why)s) is assessed alone; own income ¥%(own)s per month.")
                % {"name": member.name, "why": why, "own": yuan(own)}
            )
        )
    if facts.adults_unsigned:
        _refuse(
            result,
            explain,
            lambda: (
                _("The verification authorisation is not signed by: %(names)s.")
                % {"names": "、".join(facts.adults_unsigned)}
            ),
        )
    if own >= rules.standard_fen:
        _refuse(
            result,
            explain,
            lambda: (
                _("Own income ¥%(own)s is not below the standard ¥%(s)s.")
                % {"own": yuan(own), "s": yuan(rules.standard_fen)}
            ),
        )
    if not result.refusal_reasons:
        base = _round(rules.standard_fen - own, rules)
        notes.add(
            lambda: (
                _("¥%(s)s − ¥%(own)s = ¥%(amount)s per month.")
                % {"s": yuan(rules.standard_fen), "own": yuan(own), "amount": yuan(base)}
            )
        )
        uplift = sum(_uplifts((member,), rules, notes).values())
        result.monthly_fen = _with_floor(base + uplift, rules, notes)
        result.eligible = True
        result.review_class = review_class(facts)
    result.explanation = notes.lines + (result.refusal_reasons if explain else [])
    return result


def _rigid(facts: HouseholdFacts, rules: Rules, explain: bool) -> Result:
    """刚性支出困难家庭 (DOMAIN §4): income below the disposable-income line and rigid spending too heavy."""
    notes = _Notes(explain)
    n = len(facts.covered)
    result = Result(Programme.RIGID, eligible=False, covered=n)
    per_capita = _per_capita(facts, n)
    if per_capita >= rules.rigid_income_line_fen:
        _refuse(
            result,
            explain,
            lambda: (
                _("Income per person ¥%(pc)s is not below ¥%(line)s, last year's disposable income per person.")
                % {"pc": yuan(per_capita), "line": yuan(rules.rigid_income_line_fen)}
            ),
        )
    share_limit = _share(rules.rigid_expense_share, facts.counted_income_fen)
    after = Decimal(facts.counted_income_fen - facts.rigid_expense_fen) / TWELVE / max(n, 1)
    edge_line = rules.edge_multiplier * rules.standard_fen
    heavy = facts.rigid_expense_fen > share_limit or after < edge_line
    notes.add(
        lambda: (
            _("Rigid spending over 12 months ¥%(spend)s; income left per person per month ¥%(after)s.")
            % {"spend": yuan(facts.rigid_expense_fen), "after": yuan(after)}
        )
    )
    if facts.rigid_expense_fen == 0 or not heavy:
        _refuse(
            result,
            explain,
            lambda: (
                _("Rigid spending does not exceed %(share)s of income, nor leaves income below the edge line.")
                % {"share": rules.rigid_expense_share}
            ),
        )
    result.refusal_reasons.extend(asset_problems(facts, rules, n, explain))
    result.eligible = n > 0 and not result.refusal_reasons
    result.explanation = notes.lines + (result.refusal_reasons if explain else [])
    return result


def _care_level(unmet: int) -> str:
    """Six indicators (DOMAIN §2): all met → able (全自理); 1–3 unmet → partly (半护理); 4+ → fully (全护理)."""
    if unmet == 0:
        return "able"
    return "partly_unable" if unmet <= 3 else "fully_unable"


GROUP_LABELS = {"dibao": "低保", "edge": "低保边缘"}
CARE_LABELS = {"able": "全自理", "partly_unable": "半护理", "fully_unable": "全护理"}


def _tekun(member: MemberFacts, facts: HouseholdFacts, rules: Rules, explain: bool) -> Result | None:
    minor = member.age < rules.tekun_minor_age
    student = member.studying and rules.tekun_minor_age <= member.age < rules.tekun_student_age
    unable_to_work = member.age >= 60 or minor or student or member.unable_to_work_by_disability
    if not unable_to_work or (member.orphanhood and member.age < 18):
        return None  # not a candidate: nothing to explain on every working-age member
    notes = _Notes(explain)
    result = Result(Programme.TEKUN, eligible=False, person_id=member.person_id, covered=1)
    own = Decimal(member.own_income_fen) / TWELVE
    notes.add(
        lambda: (
            _("%(name)s cannot work (age %(age)s or disability); own income ¥%(own)s per month.")
            % {"name": member.name, "age": member.age, "own": yuan(own)}
        )
    )
    if student:
        notes.add(
            lambda: (
                _("%(name)s is %(age)s and still studying: a candidate until %(until)s.")
                % {"name": member.name, "age": member.age, "until": rules.tekun_student_age}
            )
        )
    if own >= rules.standard_fen:
        _refuse(
            result,
            explain,
            lambda: (
                _("Own income ¥%(own)s is not below the standard ¥%(s)s.")
                % {"own": yuan(own), "s": yuan(rules.standard_fen)}
            ),
        )
    _supporters(member, result, notes, explain)
    result.refusal_reasons.extend(asset_problems(facts, rules, 1, explain))
    if member.self_care_unmet is None:
        _refuse(result, explain, lambda: _("The six self-care indicators have not been assessed."))
    if result.refusal_reasons:
        result.explanation = notes.lines + (result.refusal_reasons if explain else [])
        return result
    assert member.self_care_unmet is not None
    level = _care_level(member.self_care_unmet)
    base = _round_up(rules.tekun_multiplier * rules.standard_fen, rules)
    care = rules.care_tiers[level]
    result.eligible = True
    result.category = level
    result.monthly_fen = base + care
    result.review_class = "tekun"
    notes.add(
        lambda: (
            _(
                "Basic support %(m)s × ¥%(s)s = ¥%(base)s; %(unmet)s of 6 self-care indicators not met: "
                "%(level)s, care ¥%(care)s."
            )
            % {
                "m": rules.tekun_multiplier,
                "s": yuan(rules.standard_fen),
                "base": yuan(base),
                "unmet": member.self_care_unmet,
                "level": CARE_LABELS[level],
                "care": yuan(care),
            }
        )
    )
    notes.add(lambda: _("Monthly 特困 support: ¥%(amount)s.") % {"amount": yuan(result.monthly_fen)})
    result.explanation = notes.lines
    return result


INABILITY_LABELS = {
    "tekun": gettext_noop("is 特困 themselves"),
    "dibao_old_disabled": gettext_noop("receives 低保 and is 60 or older or severely disabled"),
    "no_capacity": gettext_noop("lacks legal capacity"),
    "missing": gettext_noop("is declared missing"),
    "prison": gettext_noop("is in prison"),
}


def _supporters(member: MemberFacts, result: Result, notes: _Notes, explain: bool) -> None:
    """无法定义务人 or none able (DOMAIN §2): evaluated from each recorded relative's condition; with none
    recorded, the declaration that the member has no relative with a duty of support."""
    if member.supporters is None:
        if not member.no_able_supporter:
            _refuse(result, explain, lambda: _("A relative with a duty of support is able to support."))
        return
    able = [name for name, inability in member.supporters if inability not in INABILITY_LABELS]
    for name, inability in member.supporters:
        if inability in INABILITY_LABELS:
            notes.add(
                lambda n=name, i=inability: (  # type: ignore[misc]
                    _("Obligated relative %(name)s %(why)s: unable to support.")
                    % {"name": n, "why": _(INABILITY_LABELS[i])}
                )
            )
    if able:
        _refuse(
            result,
            explain,
            lambda: _("Obligated relatives able to support: %(names)s.") % {"names": "、".join(able)},
        )


def _person_programmes(
    member: MemberFacts, rules: Rules, explain: bool, tekun: Result | None, group: str
) -> list[Result]:
    results: list[Result] = []
    if tekun is not None:
        results.append(tekun)
    is_tekun = tekun is not None and tekun.eligible
    orphan_covered = bool(member.orphanhood) and member.age < 18
    if orphan_covered:
        label = _("orphan") if member.orphanhood == "orphan" else _("de facto unsupported child")
        results.append(
            Result(
                Programme.ORPHAN,
                eligible=True,
                person_id=member.person_id,
                monthly_fen=rules.orphan_fen,
                category=member.orphanhood,
                covered=1,
                explanation=[
                    _("%(name)s is a %(label)s under 18: ¥%(fen)s per month.")
                    % {"name": member.name, "label": label, "fen": yuan(rules.orphan_fen)}
                ]
                if explain
                else [],
            )
        )
    elif member.age < 18 and (member.serious_illness or (member.disability and member.disability[1] <= 2)):
        results.append(
            Result(
                Programme.CHILD_ILL_DISABLED,
                eligible=True,
                person_id=member.person_id,
                monthly_fen=rules.child_ill_fen,
                covered=1,
                explanation=[
                    _("%(name)s is a child with a serious illness or severe disability: ¥%(fen)s per month.")
                    % {"name": member.name, "fen": yuan(rules.child_ill_fen)}
                ]
                if explain
                else [],
            )
        )
    if member.disability is not None:
        category, grade = member.disability
        if group in rules.disability_living_groups and not is_tekun and not orphan_covered:
            results.append(
                Result(
                    Programme.DISABILITY_LIVING,
                    eligible=True,
                    person_id=member.person_id,
                    monthly_fen=rules.disability_living_fen,
                    covered=1,
                    explanation=[
                        _("%(name)s holds a valid disability certificate in a %(group)s family: ¥%(fen)s per month.")
                        % {"name": member.name, "group": GROUP_LABELS[group], "fen": yuan(rules.disability_living_fen)}
                    ]
                    if explain
                    else [],
                )
            )
        if grade <= 2:
            results.append(
                Result(
                    Programme.DISABILITY_CARE,
                    eligible=True,
                    person_id=member.person_id,
                    monthly_fen=rules.disability_care_fen,
                    category=f"{category}-{grade}",
                    covered=1,
                    explanation=[
                        _("%(name)s has a grade %(grade)s disability needing long-term care: ¥%(fen)s per month.")
                        % {"name": member.name, "grade": grade, "fen": yuan(rules.disability_care_fen)}
                    ]
                    if explain
                    else [],
                )
            )
    band = next(((age, fen) for age, fen in reversed(rules.age_bands) if member.age >= age), None)
    if band is not None:
        results.append(
            Result(
                Programme.ELDERLY,
                eligible=True,
                person_id=member.person_id,
                monthly_fen=band[1],
                category=str(band[0]),
                covered=1,
                explanation=[
                    _("%(name)s is %(age)s (band from %(from)s): ¥%(fen)s per month.")
                    % {"name": member.name, "age": member.age, "from": band[0], "fen": yuan(band[1])}
                ]
                if explain
                else [],
            )
        )
    return results
