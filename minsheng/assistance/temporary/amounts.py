"""The amounts of temporary assistance (DOMAIN §3), pure: the limit for a household and the 支出型 amount.

Every figure comes from the rules in force (``linshi.limits``, ``linshi.expense``, ``dibao.standard``); money in fen.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Limits:
    per_person_months: int
    special_months: int
    per_year: int


def limit_fen(*, standard_fen: int, persons: int, limits: Limits, special: bool) -> int:
    """The most one event may bring the household: months of the standard per person (more in special hardship)."""
    months = limits.special_months if special else limits.per_person_months
    return months * standard_fen * max(persons, 1)


def expense_amount(
    *, rigid_fen: int, income_fen: int, bearable_share: Decimal, paid_share: Decimal, limit: int
) -> tuple[int, int]:
    """支出型: the rigid spending above what the family can bear (a share of its income), of which a share is paid,
    capped by the limit. Returns (spending above what it can bear, amount) in fen, over the same 12 months."""
    bearable = (bearable_share * income_fen).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    above = max(rigid_fen - int(bearable), 0)
    amount = int((paid_share * above).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return above, min(amount, limit)
