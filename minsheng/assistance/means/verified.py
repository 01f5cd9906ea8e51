"""The means test and the 核对 (DOMAIN §5): the declaration a 核对 compares, its policy calculation, and the verified
figures a decision then uses.

- ``declaration_subscriber`` (event ``exchange.declaration``): what the household declared, read from its latest
  economic status as the engine counts it (12-month counted income, financial assets, vehicles, houses, a company
  role, pay from public funds) and whose income that is (the members living together).
- ``report_subscriber`` (event ``exchange.report``): the report's tolerances and validity (rules
  ``verification.report_*``, dated, by area) and, for the platform's programmes, the policy calculation (政策计算):
  the engine run on the declaration with the verified figures — the household meets the purpose's conditions or not.
- ``with_verified``: where a valid report exists, the means test uses the verified figure of every item the
  departments found higher than declared (they cannot see all income, so a lower verified figure never lowers a
  declaration), and its explanation says which figure came from which report and source.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.utils.translation import gettext as _

from minsheng.assistance.means.engine import HouseholdFacts, assess
from minsheng.assistance.means.facts import RuleBook, facts_for
from minsheng.assistance.means.models import EconomicStatus
from minsheng.assistance.rules.selectors import MissingParameter, parameter_for
from minsheng.core.templatetags.money import yuan
from minsheng.exchange.verification import Declaration, ReportPolicy, VerifiedReport, verified_report

# Report item → the household fact it verifies.
FACT_OF_ITEM = {
    "income": "counted_income_fen",
    "asset": "financial_assets_fen",
    "vehicle": "vehicles",
    "property": "houses",
    "company": "business_role",
    "public_pay": "public_payroll",
}
TOLERANCES = {
    "income": "verification.report_income_tolerance_fen",
    "asset": "verification.report_asset_tolerance_fen",
}


def declared_figures(facts: HouseholdFacts) -> dict[str, int]:
    return {item: int(getattr(facts, name)) for item, name in FACT_OF_ITEM.items()}


def _latest_status(household_id: int) -> EconomicStatus | None:
    # unscoped: the household the exchange's request or report concerns, checked by its caller
    return EconomicStatus.objects.unscoped().filter(household_id=household_id).order_by("-version").first()


def declaration_subscriber(payload: Declaration) -> None:
    status = _latest_status(payload.household_id)
    if status is None:
        payload.status = _("No economic status recorded: nothing declared")
        payload.figures = dict.fromkeys(FACT_OF_ITEM, 0)
        return
    facts = facts_for(status, payload.on)
    payload.figures = declared_figures(facts)
    payload.persons = [m.person_id for m in facts.covered]
    payload.status = _("Household economic status, version %(version)s") % {"version": status.version}


def _rule(key: str, area_code: str, on: Any) -> int | None:
    try:
        return int(parameter_for(key, area_code=area_code, on=on).value)
    except MissingParameter:
        return None


def with_figures(facts: HouseholdFacts, verified: dict[str, int]) -> tuple[HouseholdFacts, dict[str, int]]:
    """``facts`` with every verified figure that is higher than declared; returns (facts, the figures replaced)."""
    changes: dict[str, Any] = {}
    used: dict[str, int] = {}
    for item, value in verified.items():
        name = FACT_OF_ITEM.get(item)
        if name is None:
            continue
        declared = int(getattr(facts, name))
        if value > declared:
            changes[name] = bool(value) if isinstance(getattr(facts, name), bool) else value
            used[item] = value
    return dataclasses.replace(facts, **changes), used


def report_subscriber(payload: ReportPolicy) -> None:
    for item, key in TOLERANCES.items():
        tolerance = _rule(key, payload.area_code, payload.on)
        if tolerance is not None:
            payload.tolerances[item] = tolerance
    payload.valid_days = _rule("verification.report_valid_days", payload.area_code, payload.on)
    if payload.purpose not in {"dibao", "tekun", "edge", "rigid"}:
        return  # another department's means test, or temporary assistance: the report says what differs
    status = _latest_status(payload.household_id)
    if status is None:
        return
    facts, _used = with_figures(facts_for(status, payload.on), payload.verified)
    rules = RuleBook(payload.on).for_area(facts.area_code)
    results = [r for r in assess(facts, rules, explain=True) if r.programme == payload.purpose]
    payload.eligible = any(r.eligible for r in results)
    if payload.eligible:
        payload.notes.append(_("Policy calculation with the verified figures: the conditions are met."))
    else:
        reasons = [reason for r in results for reason in r.refusal_reasons if reason]
        payload.notes.append(
            _("Policy calculation with the verified figures: the conditions are not met. %(reasons)s")
            % {"reasons": " ".join(reasons[:3])}
        )


def with_verified(facts: HouseholdFacts) -> tuple[HouseholdFacts, list[str]]:
    """The facts with the verified figures of the household's valid report, and the lines that explain it."""
    report: VerifiedReport | None = verified_report(facts.household_id, facts.on)
    if report is None:
        return facts, []
    verified = {kind: figure.verified for kind, figure in report.figures.items()}
    facts, used = with_figures(facts, verified)
    if not used:
        return facts, [
            _("核对报告 %(number)s (valid until %(date)s) found nothing above the declaration.")
            % {"number": report.number, "date": report.valid_until.isoformat()}
        ]
    lines = []
    for item, value in used.items():
        figure = report.figures[item]
        money = figure.unit == "fen"
        lines.append(
            _(
                "%(item)s: the verified %(verified)s of 核对报告 %(number)s (%(sources)s) is used, "
                "not the declared %(declared)s."
            )
            % {
                "item": _ITEM_LABELS[item](),
                "verified": f"¥{yuan(value)}" if money else value,
                "declared": f"¥{yuan(figure.declared)}" if money else figure.declared,
                "number": report.number,
                "sources": figure.sources,
            }
        )
    return facts, lines


_ITEM_LABELS = {
    "income": lambda: _("12-month income"),
    "asset": lambda: _("Financial assets"),
    "vehicle": lambda: _("Vehicles"),
    "property": lambda: _("Houses"),
    "company": lambda: _("Company roles"),
    "public_pay": lambda: _("Pay from public funds"),
}
